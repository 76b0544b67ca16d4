//! Code actions: the quick fixes of each finding, computed when asked for
//! from the server's current analysis of the document (a diagnostic names
//! its finding by its rule and range; see [`Session::fixes`]), a
//! suppression with a reason for every finding, and
//! `source.fixAll.custodia` for the fixes that are safe in bulk.

use std::collections::HashMap;

use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse, Command, Diagnostic,
    Position, Range, TextEdit, WorkspaceEdit,
};

use super::convert::rule_of;
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
    let quick_fixes = wants(&CodeActionKind::QUICKFIX);
    let fix_all = wants(&fix_all_kind());
    // The editor's diagnostics of ours, each found again in the current
    // analysis by its key (rule and range): one from an older text whose
    // finding moved or went finds nothing, and gets no action.
    let ours: Vec<(&Diagnostic, &str)> = match quick_fixes {
        true => params.context.diagnostics.iter().filter_map(|d| Some((d, rule_of(d)?))).collect(),
        false => Vec::new(),
    };
    if ours.is_empty() && !fix_all {
        return Some(Vec::new());
    }
    let named = |rule: &str, range: Range| ours.iter().any(|(d, r)| *r == rule && d.range == range);
    let Some(current) = session.fixes(&path, |rule, range| fix_all || named(rule, range)) else {
        // The analysis is not of the text open now: no edit of another text.
        return Some(Vec::new());
    };
    let mut actions = Vec::new();
    let mut suppressed_rules = Vec::new();
    for (diagnostic, rule) in &ours {
        let mut same = current.iter().filter(|f| f.rule == *rule && f.range == diagnostic.range);
        let first = same.clone().next();
        let Some(finding) = same.find(|f| f.message == diagnostic.message).or(first) else { continue };
        for (i, fix) in finding.fixes.iter().enumerate() {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: fix.title.clone(),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![(*diagnostic).clone()]),
                edit: Some(edit(uri, fix.edits.clone())),
                is_preferred: Some(i == 0),
                ..CodeAction::default()
            }));
        }
        if !suppressed_rules.contains(rule) {
            if let Some(action) = suppress(session, &path, diagnostic, rule) {
                actions.push(CodeActionOrCommand::CodeAction(action));
            }
            suppressed_rules.push(rule);
        }
    }
    if fix_all {
        let mut edits: Vec<TextEdit> = current
            .iter()
            .filter_map(|f| f.fixes.iter().find(|fix| fix.safe))
            .flat_map(|fix| fix.edits.iter().cloned())
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
