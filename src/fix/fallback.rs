//! The failure-path fix, in the shape each language and SDK expects:
//!
//! - an awaited call in TypeScript/JavaScript gets a `.catch` that logs the
//!   failure and retries on the configured fallback model (or rethrows when
//!   none is configured);
//! - (the Vercel AI SDK's streaming calls need none: they report errors in
//!   the stream and to `onError`, which logs by default, and never throw);
//! - a Python statement is wrapped in `try`/`except` that logs with
//!   `logging.exception` and retries on the fallback model (or re-raises).
//!
//! The retry is the original call with its `model` replaced, so it needs a
//! literal `model` option to replace; without one the fix only logs.

use tree_sitter::Node;

use super::{Edit, Fix, FixContext, call_node, elements, line_indent};
use crate::facts::InferenceSite;
use crate::lang::Language;

pub(super) fn fallback(cx: &FixContext<'_>, language: Language, site: &InferenceSite) -> Option<Fix> {
    let call = call_node(cx.tree, site)?;
    match language {
        Language::Python => python(cx, site, call),
        _ => catch(cx, site, call),
    }
}

fn catch(cx: &FixContext<'_>, site: &InferenceSite, call: Node<'_>) -> Option<Fix> {
    // Only a promise takes `.catch`: the call must be awaited as it stands.
    if call.parent()?.kind() != "await_expression" {
        return None;
    }
    let indent = line_indent(cx.source, call.parent()?.start_byte());
    let label = format!("{} {}", site.provider, site.api);
    let retry = cx.settings.fallback_model.as_deref().and_then(|model| with_model(cx, call, model).map(|c| (model, c)));
    let (title, body) = match retry {
        Some((model, retried)) => (
            format!("Retry on the fallback model `{model}` when the call fails"),
            format!(
                "{indent}  console.error(\"{label} failed; retrying on {model}\", error);\n{indent}  return {retried};\n"
            ),
        ),
        None => (
            "Handle a provider failure: log it and rethrow (set a fallback model to retry)".to_string(),
            format!("{indent}  console.error(\"{label} failed\", error);\n{indent}  throw error;\n"),
        ),
    };
    let text = format!(".catch((error) => {{\n{body}{indent}}})");
    Some(Fix { title, edits: vec![Edit::insert(call.end_byte(), text)], safe: false })
}

/// The call's text with its `model` option set to `model`: the value of a
/// `model` pair or keyword, or the string inside a provider factory call
/// (`openai("gpt-4o")`). `None` when there is no literal model to replace.
fn with_model(cx: &FixContext<'_>, call: Node<'_>, model: &str) -> Option<String> {
    let arguments = call.child_by_field_name("arguments")?;
    let (container, key_field) = match call.kind() {
        "call" => (arguments, "name"),
        _ => (elements(arguments).into_iter().next().filter(|a| a.kind() == "object")?, "key"),
    };
    let pair = elements(container).into_iter().find(|e| {
        matches!(e.kind(), "pair" | "keyword_argument")
            && e.child_by_field_name(key_field).is_some_and(|k| k.utf8_text(cx.source.as_bytes()).ok() == Some("model"))
    })?;
    let mut value = pair.child_by_field_name("value")?;
    if value.kind() == "call_expression" {
        // A provider factory: `openai("gpt-4o")` keeps its provider.
        let args = elements(value.child_by_field_name("arguments")?);
        value = *args.first().filter(|a| a.kind() == "string" && args.len() == 1)?;
    }
    if value.kind() != "string" {
        return None;
    }
    let (start, end) = (call.start_byte(), call.end_byte());
    let source = cx.source;
    let text = format!("{}\"{model}\"{}", &source[start..value.start_byte()], &source[value.end_byte()..end]);
    // The TypeScript copy sits one level deeper, in the handler (Python's
    // is re-indented with its statement); a multi-line string keeps its lines.
    let deeper = call.kind() == "call_expression" && !has_multiline_string(call);
    Some(if deeper { text.replace('\n', "\n  ") } else { text })
}

fn python(cx: &FixContext<'_>, site: &InferenceSite, call: Node<'_>) -> Option<Fix> {
    let statement = enclosing_statement(call)?;
    let source = cx.source;
    let (start, end) = (statement.start_byte(), statement.end_byte());
    let indent = line_indent(source, start);
    // The statement must start its line, and re-indenting it must not
    // change a multi-line string.
    if source[..start].rsplit('\n').next().is_some_and(|before| !before.trim().is_empty())
        || has_multiline_string(statement)
    {
        return None;
    }
    let text = &source[start..end];
    let nested = |t: &str| t.replace('\n', "\n    ");
    let retry = cx.settings.fallback_model.as_deref().and_then(|model| {
        let retried = with_model(cx, call, model)?;
        let (call_start, call_end) = (call.start_byte() - start, call.end_byte() - start);
        Some((model, format!("{}{}{}", &text[..call_start], retried, &text[call_end..])))
    });
    let label = format!("{} {}", site.provider, site.api);
    let (title, handler) = match retry {
        Some((model, statement)) => (
            format!("Retry on the fallback model `{model}` when the call fails"),
            format!(
                "{indent}    logging.exception(\"{label} failed; retrying on {model}\")\n{indent}    {}",
                nested(&statement)
            ),
        ),
        None => (
            "Handle a provider failure: log it and re-raise (set a fallback model to retry)".to_string(),
            format!("{indent}    logging.exception(\"{label} failed\")\n{indent}    raise"),
        ),
    };
    let wrapped = format!("try:\n{indent}    {}\n{indent}except Exception:\n{handler}", nested(text));
    let mut edits = vec![Edit { span: crate::source::Span::new(start, end), text: wrapped }];
    if !cx.facts.imports.iter().any(|i| i.module == "logging" && i.namespace && i.local == "logging") {
        edits.push(Edit::insert(import_position(cx), "import logging\n"));
    }
    Some(Fix { title, edits, safe: false })
}

/// The simple statement holding a call, inside a block or at module level.
fn enclosing_statement(call: Node<'_>) -> Option<Node<'_>> {
    let mut node = call;
    loop {
        let parent = node.parent()?;
        if matches!(parent.kind(), "lambda" | "function_definition" | "class_definition") {
            return None;
        }
        if matches!(node.kind(), "expression_statement" | "return_statement")
            && matches!(parent.kind(), "block" | "module")
        {
            return Some(node);
        }
        node = parent;
    }
}

fn has_multiline_string(node: Node<'_>) -> bool {
    if matches!(node.kind(), "string" | "template_string") && node.start_position().row != node.end_position().row {
        return true;
    }
    let mut cursor = node.walk();
    node.children(&mut cursor).any(has_multiline_string)
}

/// Where `import logging` goes: before the first import, or after a module
/// docstring and `from __future__` imports when the file has no other.
fn import_position(cx: &FixContext<'_>) -> usize {
    let root = cx.tree.root_node();
    let mut cursor = root.walk();
    let mut after = 0;
    for child in root.named_children(&mut cursor) {
        let text = child.utf8_text(cx.source.as_bytes()).unwrap_or("");
        match child.kind() {
            "future_import_statement" => after = next_line(cx.source, child.end_byte()),
            "expression_statement" if after == 0 && text.starts_with(['"', '\'']) => {
                after = next_line(cx.source, child.end_byte())
            }
            "comment" => {}
            "import_statement" | "import_from_statement" => return child.start_byte().max(after),
            _ => break,
        }
    }
    after
}

fn next_line(source: &str, offset: usize) -> usize {
    source[offset..].find('\n').map_or(source.len(), |i| offset + i + 1)
}
