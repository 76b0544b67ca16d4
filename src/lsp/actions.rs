//! Code actions: the quick fixes carried in each diagnostic's data, a
//! suppression with a reason for every finding, and `source.fixAll.custodia`
//! for the fixes that are safe in bulk.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, Command, Diagnostic,
    Position, Range, TextEdit, WorkspaceEdit,
};

use super::convert::data_of;
use super::protocol::PLACE_CURSOR;
use super::session::Session;
use crate::lang::{FileKind, Language};
use crate::suppression::MARKER;

pub fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.custodia")
}

pub fn code_actions(session: &Session, params: &CodeActionParams) -> Option<CodeActionResponse> {
    let uri = &params.text_document.uri;
    let path = session.path_of(uri)?;
    let only = params.context.only.as_ref();
    // Kinds are matched by prefix: asking for `source.fixAll` gets ours.
    let wants = |kind: &CodeActionKind| {
        only.is_none_or(|only| {
            only.iter().any(|o| kind.as_str() == o.as_str() || kind.as_str().starts_with(&format!("{}.", o.as_str())))
        })
    };
    let version = session.documents().get(&path).map(|d| d.version());
    let current = |data_version: Option<i32>| version.is_none() || data_version.is_none() || data_version == version;
    let mut actions = Vec::new();
    if wants(&CodeActionKind::QUICKFIX) {
        let mut suppressed_rules = Vec::new();
        for diagnostic in &params.context.diagnostics {
            let Some(data) = data_of(diagnostic) else { continue };
            if !current(data.version) {
                continue;
            }
            for (i, fix) in data.fixes.iter().enumerate() {
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic.clone()]),
                    edit: Some(edit(uri, fix.edits.clone())),
                    is_preferred: Some(i == 0),
                    ..CodeAction::default()
                }));
            }
            if !suppressed_rules.contains(&data.rule) {
                if let Some(action) = suppress(session, &path, diagnostic, &data.rule) {
                    actions.push(CodeActionOrCommand::CodeAction(action));
                }
                suppressed_rules.push(data.rule);
            }
        }
    }
    if wants(&fix_all_kind())
        && let Some(diagnostics) = session.diagnostics(&path)
    {
        let mut edits: Vec<TextEdit> = diagnostics
            .items
            .iter()
            .filter_map(data_of)
            .filter(|d| current(d.version))
            .filter_map(|d| d.fixes.into_iter().find(|f| f.safe))
            .flat_map(|f| f.edits)
            .collect();
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        // Overlapping edits would conflict: keep the first of each.
        let mut kept: Vec<TextEdit> = Vec::new();
        for e in edits {
            if kept.last().is_none_or(|last| e.range.start >= last.range.end) {
                kept.push(e);
            }
        }
        if !kept.is_empty() {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "custodia: apply every safe fix (token caps, timeouts)".to_string(),
                kind: Some(fix_all_kind()),
                edit: Some(edit(uri, kept)),
                ..CodeAction::default()
            }));
        }
    }
    Some(actions)
}

fn edit(uri: &tower_lsp_server::ls_types::Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..WorkspaceEdit::default() }
}

/// `// custodia-ignore[rule]: ` on its own line above the finding, with the
/// cursor left where the reason goes (a reason is required).
fn suppress(session: &Session, path: &str, diagnostic: &Diagnostic, rule: &str) -> Option<CodeAction> {
    let text = session.text(path)?;
    let line = diagnostic.range.start.line;
    let line_text = text.split('\n').nth(line as usize)?;
    let indent: String = line_text.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let kind = FileKind::of(std::path::Path::new(path))?;
    let line_start: usize = text.split_inclusive('\n').take(line as usize).map(str::len).sum();
    let (comment, close) = match kind.language {
        Language::Python => (format!("{indent}# {MARKER}[{rule}]: "), ""),
        // Between JSX children a `//` comment would be rendered as text.
        _ if in_jsx_children(&text, kind, line_start + indent.len()) => {
            (format!("{indent}{{/* {MARKER}[{rule}]: "), " */}")
        }
        _ => (format!("{indent}// {MARKER}[{rule}]: "), ""),
    };
    // Indentation and the marker are ASCII: bytes, UTF-16 units and
    // characters agree.
    let cursor = Position::new(line, comment.len() as u32);
    let uri = session.uri_of(path)?;
    let command = match session.init().is_some_and(|i| i.show_document) {
        true => Some(Command {
            title: "Place the cursor at the reason".to_string(),
            command: PLACE_CURSOR.to_string(),
            arguments: Some(vec![serde_json::to_value(&uri).ok()?, serde_json::to_value(cursor).ok()?]),
        }),
        false => None,
    };
    Some(CodeAction {
        title: format!("Suppress `{rule}` here, with a reason"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(edit(
            &uri,
            vec![TextEdit::new(
                Range::new(Position::new(line, 0), Position::new(line, 0)),
                format!("{comment}{close}\n"),
            )],
        )),
        command,
        ..CodeAction::default()
    })
}

/// Whether the code at `offset` is a child of a JSX element (not inside a
/// `{...}` expression in it).
fn in_jsx_children(text: &str, kind: FileKind, offset: usize) -> bool {
    let Some(tree) = crate::lang::parse(kind.grammar, text, None) else { return false };
    let Some(mut node) = tree.root_node().descendant_for_byte_range(offset, offset) else { return false };
    loop {
        match node.kind() {
            "jsx_expression" => return false,
            // An element that starts here is the line's own; its parent decides.
            "jsx_element" | "jsx_fragment" if node.start_byte() < offset => return true,
            _ => {}
        }
        match node.parent() {
            Some(parent) => node = parent,
            None => return false,
        }
    }
}
