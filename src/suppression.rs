//! `custodia-ignore[rule-id, ...]: reason` comments.
//!
//! A suppression covers findings that start on its own line, and, when the
//! comment stands alone on its line, on the next line. A reason is required:
//! auditors read suppressions as documented exceptions. A suppression without
//! one suppresses nothing and is reported (`suppression-without-reason`); one
//! that suppresses nothing, or names a rule custodia does not know, is
//! reported too (`unused-suppression`).

use std::collections::HashSet;

use tree_sitter::Tree;

use crate::catalog::Catalog;
use crate::facts::Suppression;
use crate::finding::{Finding, Suppressed};
use crate::source::{LineIndex, Span};

pub const MARKER: &str = "custodia-ignore";

/// Finds the suppression comments of a file. Only markers inside comment
/// nodes count: the same text in a string literal is data.
pub fn parse(source: &str, tree: &Tree, lines: &LineIndex<'_>) -> Vec<Suppression> {
    let mut out = Vec::new();
    let mut search_from = 0;
    while let Some(found) = source.get(search_from..).and_then(|rest| rest.find(MARKER)) {
        let at = search_from + found;
        search_from = at + MARKER.len();
        let Some(node) = tree.root_node().descendant_for_byte_range(at, at + MARKER.len()) else {
            continue;
        };
        if !node.kind().contains("comment") {
            continue;
        }
        let comment_end = node.end_byte().min(source.len());
        let text = source.get(at + MARKER.len()..comment_end).unwrap_or("");
        let (rules, reason) = parse_body(text);
        let line_start = lines.line_start(lines.position(at as u32).line).unwrap_or(0) as usize;
        let before = source.get(line_start..node.start_byte()).unwrap_or("");
        let line_end = source[comment_end..].find('\n').map_or(source.len(), |i| comment_end + i);
        let after = source.get(comment_end..line_end).unwrap_or("");
        let location = lines.locate(Span::new(at, comment_end));
        // Alone on its line; in JSX a comment between children is written
        // `{/* ... */}`, which counts as alone too.
        let own_line = matches!(before.trim(), "" | "{") && matches!(after.trim(), "" | "}");
        out.push(Suppression { rules, reason, line: location.range.start.line, own_line, location });
    }
    out
}

/// `[a, b]: reason` → (["a", "b"], Some("reason")).
fn parse_body(text: &str) -> (Vec<String>, Option<String>) {
    let text = text.lines().next().unwrap_or("");
    let (rules, after) = match text.strip_prefix('[').and_then(|rest| rest.find(']').map(|close| (rest, close))) {
        Some((rest, close)) => (
            rest[..close].split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect(),
            &rest[close + 1..],
        ),
        None => (Vec::new(), text),
    };
    let reason = after
        .trim_start()
        .strip_prefix(':')
        .map(|r| r.trim().trim_end_matches("*/").trim_end_matches("-->").trim().to_string())
        .filter(|r| !r.is_empty());
    (rules, reason)
}

impl Suppression {
    pub fn covers(&self, line: u32) -> bool {
        line == self.line || (self.own_line && line == self.line + 1)
    }
}

/// The outcome of applying a file's suppressions to its findings.
pub struct Applied {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
}

/// Applies suppressions to one file's findings and reports the suppressions
/// that are invalid or unused. `disabled` rules are not reported as unused:
/// the finding they suppress may only be switched off.
pub fn apply(
    path: &str,
    findings: Vec<Finding>,
    suppressions: &[Suppression],
    catalog: &Catalog,
    disabled: &HashSet<String>,
) -> Applied {
    let mut used: HashSet<(usize, String)> = HashSet::new();
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for finding in findings {
        let line = finding.location.map(|l| l.range.start.line);
        let matching = line.and_then(|line| {
            suppressions.iter().enumerate().find(|(_, s)| s.covers(line) && s.rules.iter().any(|r| r == finding.rule))
        });
        match matching {
            Some((index, suppression)) => {
                used.insert((index, finding.rule.to_string()));
                match &suppression.reason {
                    Some(reason) => {
                        suppressed.push(Suppressed { finding, reason: reason.clone(), comment_line: suppression.line })
                    }
                    None => kept.push(finding),
                }
            }
            None => kept.push(finding),
        }
    }
    for (index, suppression) in suppressions.iter().enumerate() {
        if suppression.reason.is_none() {
            kept.push(meta_finding(
                "suppression-without-reason",
                catalog,
                path,
                suppression,
                format!(
                    "`{MARKER}[{}]` gives no reason, so it suppresses nothing; write why after a colon",
                    suppression.rules.join(", ")
                ),
            ));
            continue;
        }
        if suppression.rules.is_empty() {
            kept.push(meta_finding(
                "unused-suppression",
                catalog,
                path,
                suppression,
                format!("`{MARKER}` names no rule: write the rule ids in brackets, `{MARKER}[rule-id]: reason`"),
            ));
            continue;
        }
        for rule in &suppression.rules {
            if disabled.contains(rule) || used.contains(&(index, rule.clone())) {
                continue;
            }
            let message = if catalog.rule(rule).is_none() {
                format!("`{MARKER}[{rule}]` names a rule custodia does not know (see `custodia rules`)")
            } else {
                format!("`{MARKER}[{rule}]` suppresses nothing: no `{rule}` finding on this line")
            };
            kept.push(meta_finding("unused-suppression", catalog, path, suppression, message));
        }
    }
    Applied { findings: kept, suppressed }
}

fn meta_finding(
    rule: &'static str,
    catalog: &Catalog,
    path: &str,
    suppression: &Suppression,
    message: String,
) -> Finding {
    Finding {
        rule,
        severity: catalog.rule(rule).map_or(crate::finding::Severity::Low, |r| r.severity),
        message,
        path: Some(path.to_string()),
        location: Some(suppression.location),
        related: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_body;

    #[test]
    fn bodies() {
        assert_eq!(
            parse_body("[missing-timeout, missing-token-cap]: batch job, bounded upstream"),
            (vec!["missing-timeout".into(), "missing-token-cap".into()], Some("batch job, bounded upstream".into()))
        );
        assert_eq!(parse_body("[missing-timeout]"), (vec!["missing-timeout".into()], None));
        assert_eq!(parse_body("[missing-timeout]:   */"), (vec!["missing-timeout".into()], None));
        assert_eq!(parse_body(": no brackets"), (vec![], Some("no brackets".into())));
    }
}
