//! From the lowered IR of one file to its [`FileFacts`].
//!
//! The analysis is language-neutral: it resolves names through scopes,
//! bindings and imports, matches calls against the provider catalogue, follows
//! options through simple local bindings, and tracks where model output and
//! request input flow inside the file.
//!
//! - [`scope`]: the binding index and name lookup;
//! - [`objects`]: what a callee or receiver is (a module member, a client, a
//!   model), client constructions, inference sites and their options;
//! - [`flow`]: data flow of model output to sinks and of request input to
//!   system instructions;
//! - [`literals`]: provider keys and model endpoints written as literals.

mod calls;
pub(crate) use calls::is_compound;
mod config_writes;
mod django;
mod exports;
mod fastify;
mod flow;
mod gate;
mod guards;
pub(crate) mod literals;
mod nestjs;
mod objects;
mod routes;
mod scope;
mod starlette;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::catalog::Catalog;
use crate::facts::{ClientFact, FileFacts, FunctionFact, FunctionIndex, ImportFact};
use crate::ir::{Call, Expr, FileIr, ImportKind, Prop, ScopeId, ScopeKind, StatementKind, Str, Target};
use crate::lang::Language;
use crate::limits::{Budget, Phase};
use crate::source::{LineIndex, Location, Span};

use objects::ClientInfo;
use scope::ScopeIndex;

/// A client or model object that another file of the project exports, as
/// seen from a file that imports it.
#[derive(Debug, Clone)]
pub struct ExternalClient {
    /// The module specifier as the importing file writes it, and the name it
    /// imports (`default` for a default import).
    pub module: String,
    pub name: String,
    /// The file that builds the client, relative to the root.
    pub path: String,
    pub client: ClientFact,
    /// Set when the client is exported with fallbacks (`withFallbacks`).
    pub fallback: Option<Location>,
}

/// Tells the analysis of one file which of its imports are clients built in
/// other files of the project.
pub trait ExternalResolver: Sync {
    /// The client that `name` imported from `module` is (`relative_level`:
    /// leading dots of a Python relative import), if another project file
    /// builds it.
    fn client(&self, module: &str, relative_level: u8, name: &str) -> Option<ExternalClient>;
}

/// For a file analysed alone.
pub struct NoExternals;

impl ExternalResolver for NoExternals {
    fn client(&self, _: &str, _: u8, _: &str) -> Option<ExternalClient> {
        None
    }
}

/// Analyses one lowered file; `externals` resolves its imports of clients
/// built elsewhere in the project. Every step draws from `budget`; once it
/// is spent the analysis stops and the facts hold what was found before
/// ([`Budget::over_budget`] says so; the file is then analysed in part).
pub fn analyze(
    ir: &FileIr<'_>,
    lines: &LineIndex<'_>,
    language: Language,
    catalog: &Catalog,
    path: &str,
    externals: &dyn ExternalResolver,
    budget: &Budget,
) -> FileFacts {
    let index = ScopeIndex::build(ir, language, catalog);
    let walked = Walked::new(ir, catalog);
    let mut analyzer = Analyzer {
        ir,
        index: &index,
        walked: &walked,
        resolver: externals,
        budget,
        memo: Default::default(),
        externals: Default::default(),
        external_index: Default::default(),
        lines,
        language,
        catalog,
        clients: Vec::new(),
        constructions: HashMap::default(),
        site_by_call: HashMap::default(),
        caught: HashSet::default(),
        error_handled: Vec::new(),
        route_time_limit: None,
        facts: FileFacts { language: Some(language), ..FileFacts::default() },
    };
    analyzer.facts.path = path.to_string();
    analyzer.run();
    analyzer.facts
}

/// An imported name: module specifier, Python relative level, name.
type ImportKey<'s> = (&'s str, u8, &'s str);

pub(crate) struct Analyzer<'a, 's> {
    ir: &'a FileIr<'s>,
    lines: &'a LineIndex<'s>,
    language: Language,
    catalog: &'a Catalog,
    index: &'a ScopeIndex<'a, 's>,
    walked: &'a Walked<'a, 's>,
    resolver: &'a dyn ExternalResolver,
    /// The file's work budget: every loop and recursion takes its steps from it.
    budget: &'a Budget,
    /// What names, fields and calls resolve to (see objects.rs).
    memo: objects::ResolveMemo<'a, 's>,
    /// Clients imported from other files, as they are met.
    externals: std::cell::RefCell<Vec<ExternalClient>>,
    /// (module, relative level, name) → index into `externals`, or none.
    external_index: std::cell::RefCell<HashMap<ImportKey<'s>, Option<usize>>>,
    // objects (see objects.rs)
    clients: Vec<ClientInfo<'a, 's>>,
    constructions: HashMap<Span, Option<usize>>,
    site_by_call: HashMap<Span, usize>,
    /// Calls whose rejection is handled by a chained `.catch` or `allSettled`.
    caught: HashSet<Span>,
    /// Callbacks whose errors a sibling `onError` option handles, with that
    /// option's key: `createUIMessageStream({ execute: async () => {
    /// streamText(...) }, onError: ... })`.
    error_handled: Vec<(Span, Span)>,
    /// Next.js route segment config, `export const maxDuration = 60` in an
    /// `app/` route, page or server-actions file: the platform stops the
    /// function after that many seconds, whatever the calls in it wait for.
    /// Read once per file (`None` until read).
    route_time_limit: Option<Option<crate::facts::OptionHit>>,
    facts: FileFacts,
}

impl<'a, 's> Analyzer<'a, 's> {
    fn run(&mut self) {
        let budget = self.budget;
        let past = || budget.check(Phase::Analysis);
        self.find_caught_calls();
        let walked = self.walked;
        // Constructions first: inference sites resolve their receivers to them.
        for &(scope, _, call) in &walked.calls {
            if budget.step() {
                return;
            }
            self.construction(call, scope, 0);
        }
        for &(scope, in_try, call) in &walked.calls {
            if budget.step() {
                return;
            }
            self.inference(call, scope, in_try);
        }
        self.facts.time_limit = self.route_time_limit().map(|hit| (hit.location, hit.value));
        // The remaining steps each make one pass over the file's facts.
        let steps: [fn(&mut Self); 10] = [
            Self::client_facts,
            Self::flows,
            Self::literals,
            Self::function_facts,
            Self::import_facts,
            Self::export_facts,
            Self::call_facts,
            Self::guard_facts,
            Self::config_write_facts,
            Self::route_facts,
        ];
        for step in steps {
            if past() {
                return;
            }
            step(self);
        }
    }

    pub(crate) fn locate(&self, span: Span) -> Location {
        self.lines.locate(span)
    }

    /// The source text of a span, shortened for messages.
    pub(crate) fn snippet(&self, span: Span, max: usize) -> String {
        let text = self.lines.source().get(span.as_range()).unwrap_or("");
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() <= max {
            one_line
        } else {
            let cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
            format!("{cut}…")
        }
    }

    /// Every expression of the file with the scope it is evaluated in:
    /// statements, decorators and parameter defaults.
    fn all_expressions(&self) -> Vec<(ScopeId, &'a Expr<'s>)> {
        all_expressions(self.ir)
    }

    /// Marks calls whose failure is handled where they are made:
    /// `call().catch(...)`, `call().then(ok, err)`, `Promise.allSettled([...])`
    /// (also over `xs.map(x => call(x))`), `stream.on("error", ...)`, Python
    /// `asyncio.gather(..., return_exceptions=True)`.
    fn find_caught_calls(&mut self) {
        let catch_methods = &self.catalog.controls.failure.catch_methods;
        let mut caught = HashSet::default();
        let mut handlers: Vec<Span> = Vec::new();
        for &(scope, _, call) in &self.walked.calls {
            match &call.callee {
                Expr::Member { object, property, .. } => {
                    if catch_methods.iter().any(|m| m == property) || (*property == "then" && call.args.len() >= 2) {
                        self.mark_calls(scope, object, &mut caught);
                        // A call in the rejection handler is the fallback.
                        let handler = if *property == "then" { call.args.get(1) } else { call.args.first() };
                        if let Some(Expr::Function(_, span)) = handler.map(|a| a.value()) {
                            handlers.push(*span);
                        }
                    }
                    let settled = *property == "allSettled" && matches!(**object, Expr::Name("Promise", _));
                    let gathered = *property == "gather" && returns_exceptions(call);
                    if settled || gathered {
                        call.args.iter().for_each(|arg| self.mark_calls(scope, arg.value(), &mut caught));
                    }
                    // `stream.on("error", handler)` on the value of an inference call.
                    if *property == "on"
                        && matches!(call.args.first().map(|a| a.value()), Some(Expr::Str(s)) if s.value == "error")
                        && let Expr::Name(name, _) = &**object
                        && let scope::Lookup::Bound(values) = self.lookup(name, scope)
                    {
                        for bound in values.iter().filter(|b| b.part.is_none()) {
                            if let Expr::Call(stream) = bound.value {
                                caught.insert(stream.span);
                            }
                        }
                    }
                }
                Expr::Name("gather", _) if returns_exceptions(call) => {
                    call.args.iter().for_each(|arg| self.mark_calls(scope, arg.value(), &mut caught));
                }
                _ => {}
            }
            // `createUIMessageStream({ execute, onError })`, a Python
            // `on_error=` keyword: the callbacks beside the handler report
            // their errors to it.
            for arg in &call.args {
                let Expr::Object(props, _) = arg.value() else { continue };
                let handler = props.iter().find_map(|p| match p {
                    Prop::Pair { key: "onError" | "on_error", key_span, .. } => Some(*key_span),
                    _ => None,
                });
                let Some(handler) = handler else { continue };
                for prop in props {
                    if let Prop::Pair { value: Expr::Function(_, body), .. } = prop {
                        self.error_handled.push((*body, handler));
                    }
                }
            }
        }
        for &(_, _, call) in &self.walked.calls {
            if handlers.iter().any(|h| h.contains(call.span)) {
                caught.insert(call.span);
            }
        }
        self.caught = caught;
    }

    /// Marks every call in `root` as handled, and the calls in the bodies of
    /// functions written in it (`xs.map((x) => call(x))`) or named in it
    /// (`gather(*[one(t) for t in texts])` with `one` declared in the file).
    fn mark_calls(&self, scope: ScopeId, root: &Expr<'s>, caught: &mut HashSet<Span>) {
        let ir = self.ir;
        let mut functions = Vec::new();
        root.walk(|e| match e {
            Expr::Call(call) => {
                caught.insert(call.span);
                if let Expr::Name(name, _) = &call.callee {
                    match self.lookup(name, scope) {
                        scope::Lookup::Function(id) => functions.push(id),
                        scope::Lookup::Bound(values) => functions.extend(values.iter().filter_map(|b| match b.value {
                            Expr::Function(id, _) => Some(*id),
                            _ => None,
                        })),
                        _ => {}
                    }
                }
            }
            Expr::Function(id, _) => functions.push(*id),
            _ => {}
        });
        // A rejection anywhere in an async callback rejects its promise; a
        // bounded look at the callbacks' own statements.
        for id in functions.into_iter().take(16) {
            for statement in ir.statements.iter().filter(|s| s.scope == id) {
                let e = match &statement.kind {
                    StatementKind::Return(e) | StatementKind::Eval(e) | StatementKind::Bind { value: e, .. } => e,
                    StatementKind::JsxAttribute { .. } => continue,
                };
                e.walk(|inner| {
                    if let Expr::Call(call) = inner {
                        caught.insert(call.span);
                    }
                });
            }
        }
    }

    /// The nearest enclosing function scope (or the scope itself).
    pub(crate) fn function_scope(&self, mut scope: ScopeId) -> Option<ScopeId> {
        loop {
            let s = self.ir.scopes.get(scope as usize)?;
            if s.kind == ScopeKind::Function {
                return Some(scope);
            }
            scope = s.parent?;
        }
    }

    fn function_index(&self, scope: ScopeId) -> Option<FunctionIndex> {
        let function = self.function_scope(scope)?;
        // Function facts are numbered in scope order, skipping non-functions.
        let index = self.ir.scopes[..function as usize].iter().filter(|s| s.kind == ScopeKind::Function).count();
        Some(index as FunctionIndex)
    }

    fn function_facts(&mut self) {
        let mut index_of = HashMap::default();
        for (id, scope) in self.ir.scopes.iter().enumerate() {
            if scope.kind != ScopeKind::Function {
                continue;
            }
            let parent = scope.parent.and_then(|p| self.function_scope(p)).and_then(|p| index_of.get(&p).copied());
            index_of.insert(id as ScopeId, self.facts.functions.len() as FunctionIndex);
            let body = self.lines.source().get(scope.span.as_range()).unwrap_or("");
            let in_class =
                scope.parent.and_then(|p| self.ir.scopes.get(p as usize)).is_some_and(|p| p.kind == ScopeKind::Class);
            let member = in_class || self.walked.property_functions.contains(&(id as ScopeId));
            let scheduled = scope.passed_to.is_some_and(|callee| SCHEDULERS.contains(&callee));
            self.facts.functions.push(FunctionFact {
                name: scope.name.map(str::to_string),
                location: self.locate(scope.span),
                exported: scope.exported,
                parent,
                opts_out: Vec::new(),
                view_framework: None,
                gate_shaped: gate::takes_the_caller(&scope.params, body) && gate::can_stop_the_request(body),
                member,
                scheduled,
            });
        }
    }

    fn import_facts(&mut self) {
        // CommonJS: `const x = require("m")`, `const { a, b: c } = require("m")`.
        for statement in self.ir.statements.iter().filter(|s| s.scope == 0) {
            let StatementKind::Bind { target, value: Expr::Call(call), .. } = &statement.kind else { continue };
            let (Expr::Name("require", _), Some(crate::ir::Arg::Positional(Expr::Str(module)))) =
                (&call.callee, call.args.first())
            else {
                continue;
            };
            let location = self.lines.locate(statement.span);
            let mut push = |name: Option<&str>, local: &str| {
                self.facts.imports.push(ImportFact {
                    module: module.value.to_string(),
                    name: name.map(str::to_string),
                    namespace: false,
                    local: local.to_string(),
                    location,
                    relative_level: 0,
                })
            };
            match target {
                Target::Name(local, _) => push(None, local),
                Target::Pattern(parts) => {
                    for (local, property, _) in parts {
                        if let Some(property) = property {
                            push(Some(property), local);
                        }
                    }
                }
                _ => {}
            }
        }
        for import in &self.ir.imports {
            self.facts.imports.push(ImportFact {
                module: import.module.to_string(),
                name: match import.kind {
                    ImportKind::Named(name) => Some(name.to_string()),
                    _ => None,
                },
                namespace: import.kind == ImportKind::Namespace,
                local: import.local.to_string(),
                location: self.lines.locate(import.span),
                relative_level: import.relative_level,
            });
        }
    }
}

/// `asyncio.gather(..., return_exceptions=True)`.
fn returns_exceptions(call: &Call<'_>) -> bool {
    call.args.iter().any(|a| {
        matches!(
            a,
            crate::ir::Arg::Keyword { name: "return_exceptions", value: Expr::Lit(crate::ir::Lit::True, _), .. }
        )
    })
}

/// Every expression of a file with the scope it is evaluated in:
/// statements, decorators and parameter defaults.
fn all_expressions<'a, 's>(ir: &'a FileIr<'s>) -> Vec<(ScopeId, &'a Expr<'s>)> {
    let mut out = Vec::with_capacity(ir.statements.len());
    for statement in &ir.statements {
        match &statement.kind {
            StatementKind::Bind { target, value, .. } => {
                if let Target::Member { object, .. } = target {
                    out.push((statement.scope, object));
                }
                out.push((statement.scope, value));
            }
            StatementKind::Eval(e) | StatementKind::Return(e) | StatementKind::JsxAttribute { value: e, .. } => {
                out.push((statement.scope, e))
            }
        }
    }
    for (id, scope) in ir.scopes.iter().enumerate() {
        let parent = scope.parent.unwrap_or(0);
        out.extend(scope.decorators.iter().map(|d| (parent, d)));
        out.extend(scope.params.iter().filter_map(|p| p.default.as_ref()).map(|d| (id as ScopeId, d)));
    }
    out
}

/// What one walk over a file's expressions collects for the analysis, so
/// that each later phase iterates a short list instead of the whole IR.
#[derive(Default)]
pub(crate) struct Walked<'a, 's> {
    /// Every call, outermost first: its scope, whether a `try` with a
    /// handler encloses it, the call.
    pub calls: Vec<(ScopeId, bool, &'a Call<'s>)>,
    /// String literals long enough to be a provider key.
    pub strings: Vec<Str<'s>>,
    /// `{ role: "system", content: ... }` values and `("system", ...)` tuples.
    pub role_slots: Vec<RoleSlot<'a, 's>>,
    /// Literal defaults of environment variables: variable, literal, span.
    pub env_defaults: Vec<(&'s str, &'s str, Span)>,
    /// Functions written as an object literal's property values.
    pub property_functions: HashSet<ScopeId>,
}

/// Calls that register a function to run later, on a schedule of their
/// own: node-cron's `cron.schedule`, node-schedule's `scheduleJob`, the
/// cron package's `new CronJob(expr, fn)`, `setInterval`. (Not
/// `setTimeout`: a request that sets one still runs it, once.)
const SCHEDULERS: [&str; 4] = ["schedule", "scheduleJob", "CronJob", "setInterval"];

/// A value written under a system role.
pub(crate) struct RoleSlot<'a, 's> {
    pub role: &'s str,
    pub value: &'a Expr<'s>,
    pub scope: ScopeId,
    /// The call the message is (part of) an argument of, if any.
    pub enclosing: Option<&'a Call<'s>>,
}

impl<'a, 's> Walked<'a, 's> {
    fn new(ir: &'a FileIr<'s>, catalog: &Catalog) -> Self {
        let roles = &catalog.controls.system.roles;
        let mut walked = Walked::default();
        let mut visit = |scope: ScopeId, in_try: bool, root: &'a Expr<'s>| {
            // Depth first, remembering the call each expression is an argument of.
            let mut stack: Vec<(&'a Expr<'s>, Option<&'a Call<'s>>)> = vec![(root, None)];
            while let Some((e, enclosing)) = stack.pop() {
                match e {
                    Expr::Call(call) => {
                        walked.calls.push((scope, in_try, &**call));
                        if let Some((name, value, span)) = literals::env_default(e) {
                            walked.env_defaults.push((name, value, span));
                        }
                    }
                    Expr::Str(s) if s.value.len() >= literals::MIN_KEY_LEN => walked.strings.push(*s),
                    Expr::Object(props, _) => {
                        for prop in props {
                            if let Prop::Pair { value: Expr::Function(id, _), .. } = prop {
                                walked.property_functions.insert(*id);
                            }
                        }
                        let role = props.iter().find_map(|p| match p {
                            Prop::Pair { key: "role", value: Expr::Str(s), .. }
                                if roles.iter().any(|r| r == s.value) =>
                            {
                                Some(s.value)
                            }
                            _ => None,
                        });
                        if let Some(role) = role {
                            for prop in props {
                                if let Prop::Pair { key: "content" | "parts" | "text", value, .. } = prop {
                                    walked.role_slots.push(RoleSlot { role, value, scope, enclosing });
                                }
                            }
                        }
                    }
                    Expr::Array(items, _) if items.len() == 2 => {
                        if let Expr::Str(s) = &items[0]
                            && roles.iter().any(|r| r == s.value)
                        {
                            walked.role_slots.push(RoleSlot { role: s.value, value: &items[1], scope, enclosing });
                        }
                    }
                    Expr::Other(parts, _) if parts.len() == 2 => {
                        if let Some((name, value, span)) = literals::env_default(e) {
                            walked.env_defaults.push((name, value, span));
                        }
                    }
                    _ => {}
                }
                let at = stack.len();
                match e {
                    Expr::Call(call) => {
                        stack.push((&call.callee, enclosing));
                        stack.extend(call.args.iter().map(|arg| (arg.value(), Some(&**call))));
                    }
                    _ => e.for_each_child(|child| stack.push((child, enclosing))),
                }
                stack[at..].reverse();
            }
        };
        for statement in &ir.statements {
            match &statement.kind {
                StatementKind::Bind { target, value, .. } => {
                    if let Target::Member { object, .. } = target {
                        visit(statement.scope, statement.in_try, object);
                    }
                    visit(statement.scope, statement.in_try, value);
                }
                StatementKind::Eval(e) | StatementKind::Return(e) | StatementKind::JsxAttribute { value: e, .. } => {
                    visit(statement.scope, statement.in_try, e)
                }
            }
        }
        for (id, scope) in ir.scopes.iter().enumerate() {
            let parent = scope.parent.unwrap_or(0);
            for decorator in &scope.decorators {
                visit(parent, false, decorator);
            }
            for default in scope.params.iter().filter_map(|p| p.default.as_ref()) {
                visit(id as ScopeId, false, default);
            }
        }
        walked
    }
}
