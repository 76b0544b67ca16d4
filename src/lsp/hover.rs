//! Hover on a finding: the criterion it maps to, what an auditor looks for,
//! and how to fix it.

use tower_lsp_server::ls_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position};

use super::convert::{rule_href, rule_of};
use super::session::Session;
use crate::catalog::display_tag;

pub fn hover(session: &Session, path: &str, position: Position) -> Option<Hover> {
    let diagnostics = session.diagnostics(path)?;
    let engine = session.engine()?;
    let catalog = &engine.config().catalog;
    let hits: Vec<_> = diagnostics
        .items
        .iter()
        .filter(|d| d.range.start <= position && position <= d.range.end)
        .filter_map(|d| Some((d, rule_of(d)?)))
        .collect();
    let range = hits.first()?.0.range;
    let mut sections = Vec::new();
    for (_, rule) in &hits {
        let Some(rule) = catalog.rule(rule) else { continue };
        let mut text = format!("### {} (`{}`)\n\n", rule.name, rule.id);
        if let Some(primary) = rule.primary_criterion().and_then(|c| catalog.criterion(c)) {
            text.push_str(&format!(
                "**Maps to {}: {}.** {}\n\n",
                display_tag(&primary.id),
                primary.title,
                primary.text
            ));
            if let Some(reading) = &primary.ai_reading {
                text.push_str(&format!("**What an auditor looks for:** {reading}\n\n"));
            }
        }
        let others: Vec<String> = rule.criteria.iter().skip(1).map(|c| display_tag(c)).collect();
        if !others.is_empty() {
            text.push_str(&format!("Also maps to {}.\n\n", others.join(" · ")));
        }
        text.push_str(&format!("**Fix:** {}\n\n[Rule documentation]({})", rule.fix, rule_href(&rule.id)));
        sections.push(text);
    }
    sections.push(
        "_custodia's mapping is its reading of these frameworks: a finding maps to a criterion; it is not a compliance opinion._"
            .to_string(),
    );
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range: Some(range),
    })
}
