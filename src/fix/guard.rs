//! Fixes that put a guard in front of a route: an authentication check
//! with the auth library the project already uses, or a rate limiter the
//! project already has.
//!
//! What the project uses is read from every file's imports and exports
//! ([`ProjectHints`]): Clerk, NextAuth's `authOptions`, a Supabase server
//! `createClient`, a FastAPI `get_current_user` dependency, Flask-Login; an
//! Upstash `Ratelimit`, express-rate-limit, a slowapi or Flask-Limiter
//! `limiter`. Without a library the auth fix writes a clearly marked
//! placeholder that answers 401 until it is replaced; the rate-limit fix is
//! not offered (a limiter needs storage and limits only the team can choose).

use std::collections::HashSet;

use tree_sitter::Node;

use super::{Edit, Fix, FixContext, elements, line_indent};
use crate::facts::{EntrypointFact, ExportTarget, FileFacts, FunctionRef, HandlerRef};
use crate::frameworks::{AuthFix, Framework, RateLimitFix, django, express, fastapi, flask, nextjs};
use crate::lang::Language;

/// What the whole project uses, for fixes that follow its choices.
#[derive(Debug, Default, Clone)]
pub struct ProjectHints {
    /// Every module some file imports.
    modules: HashSet<String>,
    files: Vec<FileHints>,
}

#[derive(Debug, Clone)]
struct FileHints {
    path: String,
    /// Exported (TypeScript) or top-level (Python) names, clients left out.
    exports: Vec<String>,
    imports: Vec<String>,
}

impl ProjectHints {
    pub fn from_facts<'f>(files: impl IntoIterator<Item = &'f FileFacts>) -> Self {
        let mut hints = ProjectHints::default();
        for facts in files {
            let imports: Vec<String> = facts.imports.iter().map(|i| i.module.clone()).collect();
            hints.modules.extend(imports.iter().cloned());
            // Python modules export every module-level name (see analysis::exports).
            let exports: Vec<String> = facts
                .exports
                .iter()
                .filter(|e| !matches!(e.target, ExportTarget::Client { .. }))
                .map(|e| e.name.clone())
                .collect();
            hints.files.push(FileHints { path: facts.path.clone(), exports, imports });
        }
        hints.files.sort_by(|a, b| a.path.cmp(&b.path));
        hints
    }

    fn uses(&self, prefix: &str) -> bool {
        self.modules.iter().any(|m| m == prefix || m.starts_with(&format!("{prefix}/")))
    }

    /// The file exporting `name`, in Python or in the TypeScript family.
    fn export(&self, name: &str, python: bool) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path.ends_with(".py") == python && f.exports.iter().any(|e| e == name))
            .map(|f| f.path.as_str())
    }

    /// The file exporting `name` that imports `module` (a helper built on it).
    fn export_importing(&self, name: &str, module: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.exports.iter().any(|e| e == name) && f.imports.iter().any(|i| i.starts_with(module)))
            .map(|f| f.path.as_str())
    }
}

/// The framework of the route whose finding this is, and its handler's
/// syntax node. A finding is at the route's registration, or at the
/// handler's definition when the route is declared elsewhere (Django's
/// `urls.py`): then the function says which framework it is a view of.
fn route<'t>(cx: &FixContext<'t>, at: crate::source::Span) -> Option<(Framework, Node<'t>)> {
    let facts = cx.facts;
    let (framework, span) =
        match facts.entrypoints.iter().find(|e| e.location.span == at || handler_span(facts, e) == Some(at)) {
            Some(entry) => (entry.framework, handler_span(facts, entry)?),
            None => {
                // Reported at the head of the definition.
                let function = facts.functions.iter().find(|f| f.location.span.start == at.start)?;
                (function.view_framework.unwrap_or(Framework::Django), function.location.span)
            }
        };
    let mut node = cx.tree.root_node().descendant_for_byte_range(span.start as usize, span.end as usize)?;
    while node.byte_range() != span.as_range() || !(is_function(node) || node.kind() == "decorated_definition") {
        node = node.parent()?;
    }
    // A decorated Python function's span starts at its decorators.
    if node.kind() == "decorated_definition" {
        node = node.child_by_field_name("definition").filter(|d| is_function(*d))?;
    }
    Some((framework, node))
}

fn handler_span(facts: &FileFacts, entry: &EntrypointFact) -> Option<crate::source::Span> {
    match &entry.handler {
        HandlerRef::Function(FunctionRef::Local(index)) => {
            facts.functions.get(*index as usize).map(|f| f.location.span)
        }
        _ => None,
    }
}

fn is_function(node: Node<'_>) -> bool {
    matches!(
        node.kind(),
        "function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "method_definition"
            | "generator_function_declaration"
            | "function_definition"
    )
}

fn is_async(source: &str, function: Node<'_>) -> bool {
    source[function.byte_range()].trim_start().starts_with("async")
        || source[..function.start_byte()].trim_end().ends_with("async")
}

/// The names of a function's parameters as written (`req`, `res`).
fn parameter_names<'s>(source: &'s str, function: Node<'_>) -> Vec<&'s str> {
    let Some(parameters) =
        function.child_by_field_name("parameters").or_else(|| function.child_by_field_name("parameter"))
    else {
        return Vec::new();
    };
    if parameters.kind() == "identifier" {
        return vec![&source[parameters.byte_range()]];
    }
    elements(parameters)
        .into_iter()
        .map(|p| p.child_by_field_name("pattern").unwrap_or(p))
        .map(|p| &source[p.byte_range()])
        .collect()
}

/// Lines inserted at the top of a function body, in its indentation.
fn at_body_start(cx: &FixContext<'_>, function: Node<'_>, lines: &[String]) -> Option<Edit> {
    let body = function.child_by_field_name("body")?;
    let source = cx.source;
    match body.kind() {
        "statement_block" => {
            let first = elements(body).into_iter().next();
            let indent = match first {
                Some(first) => line_indent(source, first.start_byte()).to_string(),
                None => format!("{}  ", line_indent(source, function.start_byte())),
            };
            let text: String = lines.iter().map(|l| format!("\n{indent}{l}")).collect();
            Some(Edit::insert(body.start_byte() + 1, text))
        }
        "block" => {
            // After a docstring, before the first statement.
            let statements = elements(body);
            let first = statements.iter().position(|s| !is_docstring(source, *s)).and_then(|i| statements.get(i))?;
            let indent = line_indent(source, first.start_byte()).to_string();
            let text: String = lines.iter().map(|l| format!("{l}\n{indent}")).collect();
            Some(Edit::insert(first.start_byte(), text))
        }
        _ => None,
    }
}

fn is_docstring(source: &str, statement: Node<'_>) -> bool {
    statement.kind() == "expression_statement" && source[statement.byte_range()].trim_start().starts_with(['"', '\''])
}

/// An import line at the end of the file's imports, for the names that are
/// not imported already.
fn import(cx: &FixContext<'_>, module: &str, names: &[&str]) -> Option<Edit> {
    let names: Vec<&str> = names.iter().copied().filter(|n| !cx.facts.imports.iter().any(|i| i.local == *n)).collect();
    if names.is_empty() {
        return None;
    }
    let python = cx.facts.language == Some(Language::Python);
    let names = names.join(", ");
    let line = if python {
        format!("from {module} import {names}")
    } else {
        format!("import {{ {names} }} from \"{module}\";")
    };
    let root = cx.tree.root_node();
    let mut cursor = root.walk();
    let last = root
        .named_children(&mut cursor)
        .take_while(|n| {
            matches!(n.kind(), "import_statement" | "import_from_statement" | "future_import_statement" | "comment")
                || is_docstring(cx.source, *n)
                || (n.kind() == "expression_statement" && cx.source[n.byte_range()].starts_with(['"', '\'']))
        })
        .filter(|n| matches!(n.kind(), "import_statement" | "import_from_statement" | "future_import_statement"))
        .last();
    Some(match last {
        Some(node) => Edit::insert(node.end_byte(), format!("\n{line}")),
        None => Edit::insert(0, format!("{line}\n")),
    })
}

/// A module specifier for `target` as seen from `from` (TypeScript: a
/// relative path without extension; Python: a dotted path from the package
/// root the file's own imports use).
fn module_path(cx: &FixContext<'_>, from: &str, target: &str) -> String {
    let python = target.ends_with(".py");
    let stem = target.rsplit_once('.').map_or(target, |(s, _)| s);
    if python {
        let parts: Vec<&str> = stem.split('/').collect();
        let roots: HashSet<&str> = cx.facts.imports.iter().filter_map(|i| i.module.split('.').next()).collect();
        let start = parts.iter().position(|p| roots.contains(p)).unwrap_or(0);
        return parts[start..].join(".").trim_end_matches(".__init__").to_string();
    }
    let stem = stem.strip_suffix("/index").unwrap_or(stem);
    let from_dir: Vec<&str> = from.split('/').collect::<Vec<_>>()[..from.split('/').count() - 1].to_vec();
    let target_parts: Vec<&str> = stem.split('/').collect();
    let common = from_dir.iter().zip(&target_parts).take_while(|(a, b)| a == b).count();
    let ups = from_dir.len() - common;
    let rest = target_parts[common..].join("/");
    if ups == 0 { format!("./{rest}") } else { format!("{}{rest}", "../".repeat(ups)) }
}

const PLACEHOLDER: &str = "custodia: placeholder authentication (SOC 2 CC6.1): replace with your real check";

pub(super) fn auth(cx: &FixContext<'_>, at: crate::source::Span) -> Option<Fix> {
    let (framework, function) = route(cx, at)?;
    match framework.spec().auth_fix? {
        AuthFix::NextApp => nextjs_auth(cx, false, function),
        AuthFix::NextPages => nextjs_auth(cx, true, function),
        AuthFix::Express => express_auth(cx, function),
        AuthFix::FastApi => fastapi_auth(cx, function),
        AuthFix::Flask => flask_auth(cx, function),
        AuthFix::Drf => drf_auth(cx, function),
    }
}

fn nextjs_auth(cx: &FixContext<'_>, pages: bool, function: Node<'_>) -> Option<Fix> {
    let hints = cx.project;
    let source = cx.source;
    let params = parameter_names(source, function);
    let unauthorized = if pages {
        format!("return {}.status(401).json({{ error: \"Unauthorized\" }});", params.get(1)?)
    } else {
        "return new Response(\"Unauthorized\", { status: 401 });".to_string()
    };
    let check = |condition: &str| vec![format!("if ({condition}) {{"), format!("  {unauthorized}"), "}".to_string()];
    let asynchronous = is_async(source, function);
    let (title, mut lines, imports): (String, Vec<String>, Vec<(String, &str)>) =
        if hints.uses(nextjs::CLERK) && asynchronous && !pages {
            let mut lines = vec!["const { userId } = await auth();".to_string()];
            lines.extend(check("!userId"));
            (
                "Require a signed-in user (Clerk `auth()`)".to_string(),
                lines,
                vec![(nextjs::CLERK_SERVER.to_string(), "auth")],
            )
        } else if let (true, true, Some(options)) =
            (hints.uses(nextjs::NEXT_AUTH), asynchronous, hints.export("authOptions", false))
        {
            let session_args = if pages {
                format!("{}, {}, authOptions", params.first()?, params.get(1)?)
            } else {
                "authOptions".to_string()
            };
            let mut lines = vec![format!("const session = await getServerSession({session_args});")];
            lines.extend(check("!session"));
            let module = module_path(cx, &cx.facts.path, options);
            (
                "Require a session (NextAuth `getServerSession`)".to_string(),
                lines,
                vec![(nextjs::NEXT_AUTH.to_string(), "getServerSession"), (module, "authOptions")],
            )
        } else if let (true, true, false, Some(helper)) = (
            hints.uses(nextjs::SUPABASE_SSR),
            asynchronous,
            pages,
            hints.export_importing("createClient", nextjs::SUPABASE_SSR),
        ) {
            let mut lines = vec![
                "const supabase = await createClient();".to_string(),
                "const { data: { user } } = await supabase.auth.getUser();".to_string(),
            ];
            lines.extend(check("!user"));
            let module = module_path(cx, &cx.facts.path, helper);
            ("Require a signed-in user (Supabase `auth.getUser()`)".to_string(), lines, vec![(module, "createClient")])
        } else {
            let request = *params.first()?;
            let header = if pages {
                format!("{request}.headers.authorization")
            } else {
                format!("{request}.headers.get(\"authorization\")")
            };
            let mut lines = vec![format!("// {PLACEHOLDER}.")];
            lines.extend(check(&format!("!{header}")));
            ("Add a placeholder authentication check that answers 401".to_string(), lines, Vec::new())
        };
    lines.push(String::new());
    let mut edits = vec![at_body_start(cx, function, &lines[..lines.len() - 1])?];
    edits.extend(imports.iter().filter_map(|(module, name)| import(cx, module, &[name])));
    Some(Fix { title, edits, safe: false })
}

fn express_auth(cx: &FixContext<'_>, function: Node<'_>) -> Option<Fix> {
    let params = parameter_names(cx.source, function);
    let (request, response) = (params.first()?, params.get(1)?);
    let lines = [
        format!("// {PLACEHOLDER}."),
        format!("if (!{request}.headers.authorization) {{"),
        format!("  return {response}.status(401).json({{ error: \"Unauthorized\" }});"),
        "}".to_string(),
    ];
    let edit = at_body_start(cx, function, &lines)?;
    Some(Fix {
        title: "Add a placeholder authentication check that answers 401".to_string(),
        edits: vec![edit],
        safe: false,
    })
}

fn fastapi_auth(cx: &FixContext<'_>, function: Node<'_>) -> Option<Fix> {
    let parameters = function.child_by_field_name("parameters")?;
    let existing = elements(parameters);
    if existing.iter().any(|p| p.kind() == "dictionary_splat_pattern") {
        return None;
    }
    let dependency = fastapi::CURRENT_USER_DEPENDENCIES
        .into_iter()
        .find_map(|name| cx.project.export(name, true).map(|path| (name, path)));
    let mut edits = Vec::new();
    let title = match dependency {
        Some((name, path)) => {
            edits.push(super::add_element(cx.source, parameters, &existing, &format!("current_user=Depends({name})")));
            if path != cx.facts.path {
                let module = module_path(cx, &cx.facts.path, path);
                edits.extend(import(cx, &module, &[name]));
            }
            edits.extend(import(cx, fastapi::MODULE, &["Depends"]));
            format!("Require a signed-in user (`Depends({name})`)")
        }
        None => {
            edits.push(super::add_element(
                cx.source,
                parameters,
                &existing,
                "authorization: str | None = Header(default=None)",
            ));
            let lines = [
                format!("# {PLACEHOLDER}."),
                "if not authorization:".to_string(),
                "    raise HTTPException(status_code=401, detail=\"Unauthorized\")".to_string(),
            ];
            edits.push(at_body_start(cx, function, &lines)?);
            edits.extend(import(cx, fastapi::MODULE, &["Header", "HTTPException"]));
            "Add a placeholder authentication check that answers 401".to_string()
        }
    };
    Some(Fix { title, edits, safe: false })
}

fn flask_auth(cx: &FixContext<'_>, function: Node<'_>) -> Option<Fix> {
    if cx.project.uses(flask::LOGIN_MODULE) {
        // Below the route decorator: Flask registers what the decorators
        // below it produced.
        let indent = line_indent(cx.source, function.start_byte());
        let mut edits = vec![Edit::insert(function.start_byte(), format!("@login_required\n{indent}"))];
        edits.extend(import(cx, flask::LOGIN_MODULE, &["login_required"]));
        return Some(Fix { title: "Require a signed-in user (`@login_required`)".to_string(), edits, safe: false });
    }
    let lines = [
        format!("# {PLACEHOLDER}."),
        "if not request.headers.get(\"Authorization\"):".to_string(),
        "    abort(401)".to_string(),
    ];
    let mut edits = vec![at_body_start(cx, function, &lines)?];
    edits.extend(import(cx, flask::MODULE, &["abort", "request"]));
    Some(Fix { title: "Add a placeholder authentication check that answers 401".to_string(), edits, safe: false })
}

/// Names a project's shared limiter goes by.
const LIMITERS: [&str; 4] = ["ratelimit", "rateLimit", "limiter", "rateLimiter"];

pub(super) fn rate_limit(cx: &FixContext<'_>, at: crate::source::Span) -> Option<Fix> {
    let (framework, function) = route(cx, at)?;
    match framework.spec().rate_limit_fix? {
        RateLimitFix::Upstash => upstash(cx, function),
        RateLimitFix::ExpressRateLimit => express_rate_limit(cx, function),
        RateLimitFix::PythonLimiter { module, limit, request_module } => {
            python_limiter(cx, function, module, limit, request_module)
        }
    }
}

/// The project's limiter built on `module`: its name and file.
fn shared_limiter<'h>(cx: &'h FixContext<'_>, module: &str) -> Option<(&'static str, &'h str)> {
    LIMITERS.into_iter().find_map(|name| cx.project.export_importing(name, module).map(|path| (name, path)))
}

fn upstash(cx: &FixContext<'_>, function: Node<'_>) -> Option<Fix> {
    let (name, path) = shared_limiter(cx, nextjs::UPSTASH_RATELIMIT)?;
    if !is_async(cx.source, function) {
        return None;
    }
    let request = *parameter_names(cx.source, function).first()?;
    let lines = [
        format!("const identifier = {request}.headers.get(\"x-forwarded-for\") ?? \"anonymous\";"),
        format!("const {{ success }} = await {name}.limit(identifier);"),
        "if (!success) {".to_string(),
        "  return new Response(\"Too many requests\", { status: 429 });".to_string(),
        "}".to_string(),
    ];
    let mut edits = vec![at_body_start(cx, function, &lines)?];
    if path != cx.facts.path {
        edits.extend(import(cx, &module_path(cx, &cx.facts.path, path), &[name]));
    }
    Some(Fix { title: format!("Rate-limit the route with the project's Upstash `{name}`"), edits, safe: false })
}

fn express_rate_limit(cx: &FixContext<'_>, function: Node<'_>) -> Option<Fix> {
    if !cx.project.uses(express::RATE_LIMIT_MODULE) {
        return None;
    }
    // The handler is an argument of the route registration: the limiter
    // goes right before it.
    if function.parent().map(|p| p.kind()) != Some("arguments") {
        return None;
    }
    let mut edits = vec![Edit::insert(function.start_byte(), "rateLimit({ windowMs: 60_000, limit: 20 }), ")];
    if !cx.facts.imports.iter().any(|i| i.local == "rateLimit") {
        let commonjs = cx.source.contains("require(");
        let module = express::RATE_LIMIT_MODULE;
        let line = if commonjs {
            format!("const {{ rateLimit }} = require(\"{module}\");")
        } else {
            format!("import {{ rateLimit }} from \"{module}\";")
        };
        let after = import_end(cx);
        edits.push(match after {
            Some(end) => Edit::insert(end, format!("\n{line}")),
            None => Edit::insert(0, format!("{line}\n")),
        });
    }
    Some(Fix {
        title: "Rate-limit the route with express-rate-limit (20 requests a minute)".to_string(),
        edits,
        safe: false,
    })
}

/// The end of the file's leading imports (`import` or `require`).
fn import_end(cx: &FixContext<'_>) -> Option<usize> {
    let root = cx.tree.root_node();
    let mut cursor = root.walk();
    root.named_children(&mut cursor)
        .take_while(|n| {
            n.kind() == "import_statement"
                || n.kind() == "comment"
                || (matches!(n.kind(), "lexical_declaration" | "variable_declaration")
                    && cx.source[n.byte_range()].contains("require("))
        })
        .filter(|n| n.kind() != "comment")
        .last()
        .map(|n| n.end_byte())
}

fn python_limiter(
    cx: &FixContext<'_>,
    function: Node<'_>,
    module: &str,
    limit: &str,
    request_module: Option<&str>,
) -> Option<Fix> {
    let (name, path) = shared_limiter(cx, module)?;
    let indent = line_indent(cx.source, function.start_byte());
    let mut edits = vec![Edit::insert(function.start_byte(), format!("@{name}.limit(\"{limit}\")\n{indent}"))];
    if let Some(request_module) = request_module {
        let parameters = function.child_by_field_name("parameters")?;
        let names = parameter_names(cx.source, function);
        if !names.iter().any(|n| n.split(':').next().is_some_and(|n| n.trim() == "request")) {
            let text = if elements(parameters).is_empty() { "request: Request" } else { "request: Request, " };
            edits.push(Edit::insert(parameters.start_byte() + 1, text));
            edits.extend(import(cx, request_module, &["Request"]));
        }
    }
    if path != cx.facts.path {
        edits.extend(import(cx, &module_path(cx, &cx.facts.path, path), &[name]));
    }
    Some(Fix { title: format!("Rate-limit the route with the project's `{name}` ({limit})"), edits, safe: false })
}

/// DRF: `IsAuthenticated` where the view's permissions are decided: the
/// `permission_classes=` of an `@action`, the class's `permission_classes`,
/// or a new `permission_classes` at the top of the class (an `@api_view`
/// function gets `@permission_classes([...])`).
fn drf_auth(cx: &FixContext<'_>, function: Node<'_>) -> Option<Fix> {
    let source = cx.source;
    let text = |n: Node<'_>| &source[n.byte_range()];
    let import_edit = || import(cx, django::DRF_PERMISSIONS, &["IsAuthenticated"]);
    let fix = |title: &str, edit: Edit| {
        let mut edits = vec![edit];
        edits.extend(import_edit());
        Some(Fix { title: title.to_string(), edits, safe: false })
    };
    // The decorators written on the function.
    let decorators: Vec<Node<'_>> = match function.parent() {
        Some(parent) if parent.kind() == "decorated_definition" => {
            let mut cursor = parent.walk();
            parent.named_children(&mut cursor).filter(|n| n.kind() == "decorator").collect()
        }
        _ => Vec::new(),
    };
    for decorator in &decorators {
        let Some(call) = decorator.named_child(0).filter(|c| c.kind() == "call") else { continue };
        let Some(arguments) = call.child_by_field_name("arguments") else { continue };
        let keyword = elements(arguments).into_iter().find(|a| {
            a.kind() == "keyword_argument"
                && a.child_by_field_name("name").is_some_and(|n| text(n) == django::PERMISSION_CLASSES)
        });
        if let Some(value) = keyword.and_then(|k| k.child_by_field_name("value")) {
            let edit = Edit {
                span: crate::source::Span::new(value.start_byte(), value.end_byte()),
                text: "[IsAuthenticated]".to_string(),
            };
            return fix(
                &format!("Require authentication: `permission_classes=[IsAuthenticated]` (was `{}`)", text(value)),
                edit,
            );
        }
    }
    let class = function
        .parent()
        .filter(|b| b.kind() == "block")
        .and_then(|b| b.parent())
        .filter(|c| c.kind() == "class_definition")
        .or_else(|| {
            let decorated = function.parent().filter(|p| p.kind() == "decorated_definition")?;
            decorated
                .parent()
                .filter(|b| b.kind() == "block")
                .and_then(|b| b.parent())
                .filter(|c| c.kind() == "class_definition")
        });
    let Some(class) = class else {
        // A function view: `@permission_classes([...])` below `@api_view`.
        let api_view = decorators.iter().find(|d| text(**d).trim_start_matches('@').starts_with(django::API_VIEW))?;
        let indent = line_indent(source, api_view.start_byte());
        let mut edits =
            vec![Edit::insert(api_view.end_byte(), format!("\n{indent}@permission_classes([IsAuthenticated])"))];
        edits.extend(import(cx, django::DRF_DECORATORS, &["permission_classes"]));
        edits.extend(import_edit());
        return Some(Fix {
            title: "Require authentication: `@permission_classes([IsAuthenticated])`".to_string(),
            edits,
            safe: false,
        });
    };
    let body = class.child_by_field_name("body")?;
    let statements = elements(body);
    let existing = statements.iter().find_map(|s| {
        let assignment = s.named_child(0).filter(|a| a.kind() == "assignment")?;
        (assignment.child_by_field_name("left").map(text) == Some(django::PERMISSION_CLASSES))
            .then_some(assignment)?
            .child_by_field_name("right")
    });
    if let Some(value) = existing {
        let edit = Edit {
            span: crate::source::Span::new(value.start_byte(), value.end_byte()),
            text: "[IsAuthenticated]".to_string(),
        };
        return fix(
            &format!("Require authentication: `permission_classes = [IsAuthenticated]` (was `{}`)", text(value)),
            edit,
        );
    }
    let first = statements.iter().find(|s| !is_docstring(source, **s)).or(statements.first())?;
    let indent = line_indent(source, first.start_byte());
    let edit = if is_docstring(source, *first) {
        Edit::insert(first.end_byte(), format!("\n\n{indent}permission_classes = [IsAuthenticated]"))
    } else {
        Edit::insert(first.start_byte(), format!("permission_classes = [IsAuthenticated]\n\n{indent}"))
    };
    fix("Require authentication: `permission_classes = [IsAuthenticated]`", edit)
}
