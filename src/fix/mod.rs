//! Quick fixes: the text edits that put a missing control in place.
//!
//! A fix is computed from a finding, the facts of its file and the file's
//! syntax tree, never from text patterns, and it only edits code whose
//! shape it has seen: an options object written at the call, keyword
//! arguments. Where the control belongs somewhere the fix cannot place it
//! safely (a model object built in another module, a nested config), no fix
//! is offered; a wrong edit costs more trust than a missing one. Tests apply
//! every fix, reparse the result (no ERROR node) and scan it again (the
//! finding is gone).

mod fallback;
mod guard;

pub use guard::ProjectHints;

use tree_sitter::{Node, Tree};

use crate::catalog::{Catalog, OptionFix, OptionPlace};
use crate::facts::{FileFacts, InferenceSite};
use crate::finding::Finding;
use crate::lang::Language;
use crate::source::Span;

/// Values the fixes write, from the editor's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixSettings {
    pub max_tokens: u32,
    pub timeout_seconds: u32,
    /// A model the fallback fix retries on; without one the fallback fix
    /// logs the failure and rethrows it.
    pub fallback_model: Option<String>,
}

impl Default for FixSettings {
    fn default() -> Self {
        FixSettings { max_tokens: 1024, timeout_seconds: 30, fallback_model: None }
    }
}

/// One replacement: the bytes of `span` become `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

impl Edit {
    fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit { span: Span::new(at, at), text: text.into() }
    }
}

/// A quick fix for one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    /// Non-overlapping, in any order.
    pub edits: Vec<Edit>,
    /// Safe to apply with every other safe fix of the file, unreviewed
    /// (`source.fixAll`): it adds an option and changes no control flow.
    pub safe: bool,
}

/// What a fix needs to know about the file.
pub struct FixContext<'a> {
    pub source: &'a str,
    pub tree: &'a Tree,
    pub facts: &'a FileFacts,
    pub catalog: &'a Catalog,
    pub settings: &'a FixSettings,
    /// What the rest of the project uses (auth and rate-limit libraries).
    pub project: &'a ProjectHints,
}

/// The fixes for a finding, best first (suppression is the editor's own
/// action and is not listed here).
pub fn fixes_for(finding: &Finding, cx: &FixContext<'_>) -> Vec<Fix> {
    let Some(location) = finding.location else { return Vec::new() };
    let Some(language) = cx.facts.language else { return Vec::new() };
    let site = || cx.facts.inference.iter().find(|s| s.location.span == location.span);
    let fix = match finding.rule {
        "missing-token-cap" => site().and_then(|s| token_cap(cx, language, s)),
        "missing-timeout" => site().and_then(|s| timeout(cx, language, s)),
        "missing-failure-path" => site().and_then(|s| fallback::fallback(cx, language, s)),
        "inference-without-auth" => guard::auth(cx, location.span),
        "inference-without-rate-limit" => guard::rate_limit(cx, location.span),
        _ => None,
    };
    fix.into_iter().collect()
}

fn token_cap(cx: &FixContext<'_>, language: Language, site: &InferenceSite) -> Option<Fix> {
    let provider = cx.catalog.provider(&site.provider)?;
    let call_override = provider
        .calls
        .iter()
        .find(|c| c.paths.contains(&site.api))
        .and_then(|c| c.token_caps.as_ref())
        .and_then(|caps| caps.first());
    let name = match call_override {
        Some(name) => name,
        None => provider.fix.as_ref()?.token_cap.get(language).as_ref()?,
    };
    let value = cx.settings.max_tokens.to_string();
    let edit = add_call_option(cx, language, site, OptionPlace::CallOptions, name, &value)?;
    Some(Fix {
        title: format!("Cap output tokens: add `{}`", option_text(language, name, &value)),
        edits: vec![edit],
        safe: true,
    })
}

fn timeout(cx: &FixContext<'_>, language: Language, site: &InferenceSite) -> Option<Fix> {
    // A timeout switched off on purpose is a decision to revisit, not a gap
    // an added option would close.
    if site.timeout_disabled.is_some() {
        return None;
    }
    let provider = cx.catalog.provider(&site.provider)?;
    let OptionFix { place, option, value } = provider.fix.as_ref()?.timeout.get(language).as_ref()?;
    let seconds = cx.settings.timeout_seconds;
    let value =
        value.replace("{ms}", &group_digits(u64::from(seconds) * 1000, language)).replace("{s}", &seconds.to_string());
    let edit = add_call_option(cx, language, site, *place, option, &value)?;
    Some(Fix {
        title: format!("Add a {seconds}-second timeout: `{}`", option_text(language, option, &value)),
        edits: vec![edit],
        safe: true,
    })
}

/// `30000` as `30_000` in TypeScript, where numeric separators read better.
fn group_digits(n: u64, language: Language) -> String {
    let digits = n.to_string();
    if language == Language::Python || digits.len() <= 4 {
        return digits;
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('_');
        }
        out.push(c);
    }
    out
}

fn option_text(language: Language, name: &str, value: &str) -> String {
    match language {
        Language::Python => format!("{name}={value}"),
        _ => format!("{name}: {value}"),
    }
}

/// The call expression of an inference site.
pub(crate) fn call_node<'t>(tree: &'t Tree, site: &InferenceSite) -> Option<Node<'t>> {
    let span = site.call.span;
    let mut node = tree.root_node().descendant_for_byte_range(span.start as usize, span.end as usize)?;
    loop {
        if matches!(node.kind(), "call_expression" | "call") && node.byte_range() == span.as_range() {
            return Some(node);
        }
        node = node.parent()?;
    }
}

/// The edit that adds `name` with `value` to the options of a call.
fn add_call_option(
    cx: &FixContext<'_>,
    language: Language,
    site: &InferenceSite,
    place: OptionPlace,
    name: &str,
    value: &str,
) -> Option<Edit> {
    let call = call_node(cx.tree, site)?;
    let arguments = call.child_by_field_name("arguments")?;
    let args = elements(arguments);
    match (language, place) {
        (Language::Python, _) => Some(add_element(cx.source, arguments, &args, &format!("{name}={value}"))),
        (_, OptionPlace::CallOptions) => {
            let object = args.first().filter(|a| a.kind() == "object")?;
            Some(add_element(cx.source, *object, &elements(*object), &format!("{name}: {value}")))
        }
        (_, OptionPlace::RequestOptions) => match args.as_slice() {
            [body] => {
                let at = after_trailing_comma(*body).unwrap_or(body.end_byte());
                let separator = if at == body.end_byte() { ", " } else { " " };
                Some(Edit::insert(at, format!("{separator}{{ {name}: {value} }}")))
            }
            [_, options] if options.kind() == "object" => {
                Some(add_element(cx.source, *options, &elements(*options), &format!("{name}: {value}")))
            }
            _ => None,
        },
    }
}

/// The named children of an object or argument list, comments left out.
pub(crate) fn elements(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).filter(|n| !n.kind().contains("comment")).collect()
}

/// The end of the `,` right after `node`, if there is one.
fn after_trailing_comma(node: Node<'_>) -> Option<usize> {
    let next = node.next_sibling()?;
    (next.kind() == ",").then(|| next.end_byte())
}

/// Adds `text` as the last element of an object or an argument list,
/// in its layout: one element per line, or all on one line.
pub(crate) fn add_element(source: &str, container: Node<'_>, elements: &[Node<'_>], text: &str) -> Edit {
    let Some(last) = elements.last() else {
        // `{}` or `()`: right after the opening bracket.
        let open = container.start_byte() + 1;
        let padded = if container.kind() == "object" { format!(" {text} ") } else { text.to_string() };
        return Edit::insert(open, padded);
    };
    // One element per line when the last one starts on a line of its own.
    let multiline = source[container.start_byte()..last.start_byte()].contains('\n');
    let comma = after_trailing_comma(*last);
    if multiline {
        let indent = line_indent(source, last.start_byte());
        match comma {
            Some(at) => Edit::insert(at, format!("\n{indent}{text},")),
            None => Edit::insert(last.end_byte(), format!(",\n{indent}{text}")),
        }
    } else {
        match comma {
            Some(at) => Edit::insert(at, format!(" {text},")),
            None => Edit::insert(last.end_byte(), format!(", {text}")),
        }
    }
}

/// The whitespace that starts the line holding `offset`.
pub(crate) fn line_indent(source: &str, offset: usize) -> &str {
    let start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &source[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// Applies edits to a text (for tests and for `fixAll`): edits must not overlap.
pub fn apply(source: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(source.len());
    let mut at = 0;
    for edit in sorted {
        let range = edit.span.as_range();
        if range.start < at || range.end > source.len() {
            continue;
        }
        out.push_str(&source[at..range.start]);
        out.push_str(&edit.text);
        at = range.end;
    }
    out.push_str(&source[at..]);
    out
}
