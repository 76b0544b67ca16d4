//! Terminal output: each finding as an annotated source snippet (like rustc
//! and ruff) with the criteria it maps to, then a summary by criterion.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annotate_snippets::renderer::DecorStyle;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::catalog::{Catalog, display_tag};
use crate::finding::{Finding, Severity};
use crate::scan::{ScanResult, ScanStats};

/// Renders findings and the summary. `color` selects ANSI styling.
pub fn render(result: &ScanResult, catalog: &Catalog, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() }.decor_style(DecorStyle::Unicode);
    let base = base_dir(&result.root);
    let mut sources: HashMap<&str, Option<String>> = HashMap::new();
    let mut out = String::new();
    for finding in &result.findings {
        let source = match &finding.path {
            Some(path) => {
                sources.entry(path.as_str()).or_insert_with(|| std::fs::read_to_string(base.join(path)).ok()).as_deref()
            }
            None => None,
        };
        out.push_str(&render_finding(finding, source, catalog, &renderer));
        out.push_str("\n\n");
    }
    out.push_str(&summary(result, catalog));
    out
}

fn base_dir(root: &Path) -> PathBuf {
    if root.is_file() { root.parent().map(Path::to_path_buf).unwrap_or_default() } else { root.to_path_buf() }
}

fn level(severity: Severity) -> Level<'static> {
    let level = match severity {
        Severity::Critical | Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low | Severity::Info => Level::NOTE,
    };
    level.with_name(Some(severity.as_str()))
}

fn render_finding(finding: &Finding, source: Option<&str>, catalog: &Catalog, renderer: &Renderer) -> String {
    let meta = catalog.rule(finding.rule);
    let criteria =
        meta.map(|m| m.criteria.iter().map(|c| display_tag(c)).collect::<Vec<_>>().join(" · ")).unwrap_or_default();
    let title = level(finding.severity).primary_title(finding.message.as_str()).id(finding.rule);
    let path = finding.path.as_deref().unwrap_or("(project)");
    let mut group: Group<'_>;
    match (source, finding.location) {
        (Some(source), Some(location)) if location.span.as_range().end <= source.len() => {
            let mut snippet = Snippet::source(source).line_start(1).path(path).fold(true).annotation(
                AnnotationKind::Primary
                    .span(location.span.as_range())
                    .label(meta.and_then(|m| m.primary_criterion()).map(display_tag).unwrap_or_default()),
            );
            for related in finding.related.iter().filter(|r| Some(&r.path) == finding.path.as_ref()) {
                if related.location.span.as_range().end <= source.len() {
                    snippet = snippet.annotation(
                        AnnotationKind::Context.span(related.location.span.as_range()).label(related.message.as_str()),
                    );
                }
            }
            group = title.element(snippet);
        }
        (_, location) => {
            let place = match location {
                Some(l) => format!("{path}:{}:{}", l.range.start.line, l.range.start.column),
                None => path.to_string(),
            };
            group = title.element(Level::NOTE.message(format!("at {place}")));
        }
    }
    group = group.element(Level::NOTE.no_name().message(format!("maps to {criteria}")));
    if let Some(meta) = meta {
        group = group.element(Level::HELP.message(meta.fix.as_str()));
    }
    renderer.render(&[group])
}

/// Counts by SOC 2 criterion (`counts`: every criterion a finding maps
/// to), evidence by criterion, totals.
pub fn summary(result: &ScanResult, catalog: &Catalog) -> String {
    #[derive(Default)]
    struct Row {
        findings: BTreeMap<Severity, usize>,
        evidence: usize,
    }
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for (id, counts) in super::counts::by_criterion(catalog, &result.findings) {
        rows.entry(format!("SOC2:{id}")).or_default().findings = counts;
    }
    for evidence in &result.evidence {
        rows.entry(evidence.criterion.to_string()).or_default().evidence += 1;
    }
    let mut out = String::new();
    if !rows.is_empty() {
        out.push_str(
            "Summary by criterion (custodia's mapping: findings \"map to\" criteria; this is not an audit opinion)\n",
        );
        let _ = writeln!(out, "{}", super::counts::DEFINITION);
        let mut ordered: Vec<(&String, &Row)> = rows.iter().collect();
        ordered.sort_by_key(|(id, _)| criterion_order(id));
        for (id, row) in ordered {
            let title = catalog.criterion(id).map_or("", |c| c.title.as_str());
            let total: usize = row.findings.values().sum();
            let breakdown = severity_breakdown(&row.findings);
            let findings = match total {
                0 => "no findings".to_string(),
                1 => format!("1 finding ({breakdown})"),
                n => format!("{n} findings ({breakdown})"),
            };
            let evidence = match row.evidence {
                0 => "no evidence".to_string(),
                1 => "1 control evidenced".to_string(),
                n => format!("{n} controls evidenced"),
            };
            let _ = writeln!(out, "  {:<12} {:<36} {:<32} {evidence}", display_tag(id), title, findings);
        }
        out.push('\n');
    }
    let mut all = BTreeMap::new();
    for finding in &result.findings {
        *all.entry(finding.severity).or_insert(0usize) += 1;
    }
    let total: usize = all.values().sum();
    let mut line = match total {
        0 => "No findings".to_string(),
        1 => format!("1 finding ({})", severity_breakdown(&all)),
        n => format!("{n} findings ({})", severity_breakdown(&all)),
    };
    if !result.suppressed.is_empty() {
        let _ = write!(line, ", {} suppressed with a reason", result.suppressed.len());
    }
    let _ = writeln!(out, "{line}. {}", scanned(&result.stats));
    if let Some(left_out) = left_out(&result.scope) {
        let _ = writeln!(out, "{left_out}");
    }
    let libraries: Vec<String> = result
        .packages
        .iter()
        .filter(|p| p.kind == crate::packages::PackageKind::Library)
        .map(|p| match &p.name {
            Some(name) => format!("{} ({name})", if p.dir.is_empty() { "." } else { &p.dir }),
            None => {
                if p.dir.is_empty() {
                    ".".to_string()
                } else {
                    p.dir.clone()
                }
            }
        })
        .collect();
    if !libraries.is_empty() {
        let shown: Vec<&str> = libraries.iter().take(5).map(String::as_str).collect();
        let more = if libraries.len() > 5 { format!(" and {} more", libraries.len() - 5) } else { String::new() };
        let _ = writeln!(
            out,
            "Libraries (their own calls get call-level findings, failure paths aside: those and the project-level rules are the deployer's): {}{more}.",
            shown.join(", ")
        );
    }
    if let Some(parts) = &result.selected {
        let _ = writeln!(
            out,
            "Reported: findings in {} (the project at {} was analysed for context; the counts are the project's).",
            parts.join(", "),
            result.root.display()
        );
    }
    out
}

/// "Not reported: 120 test files, 14 example files (--scope all reports them)."
fn left_out(scope: &crate::scan::ScopeSummary) -> Option<String> {
    if scope.left_out.is_empty() {
        return None;
    }
    let classes: Vec<String> = scope.left_out.iter().map(|(class, n)| class.count(*n)).collect();
    Some(format!("Not reported: {} (--scope all reports them).", classes.join(", ")))
}

fn scanned(stats: &ScanStats) -> String {
    let mut parts = vec![format!("{} files analysed", stats.files_analyzed)];
    if stats.files_prefiltered > 0 {
        parts.push(format!("{} without AI code skipped by the prefilter", stats.files_prefiltered));
    }
    if stats.files_skipped > 0 {
        parts.push(format!("{} skipped with a warning", stats.files_skipped));
    }
    if stats.files_with_syntax_errors > 0 {
        parts.push(format!("{} with syntax errors (analysed as far as they parse)", stats.files_with_syntax_errors));
    }
    format!("{}.", parts.join(", "))
}

fn severity_breakdown(counts: &BTreeMap<Severity, usize>) -> String {
    Severity::ALL.iter().filter_map(|s| counts.get(s).map(|n| format!("{n} {s}"))).collect::<Vec<_>>().join(", ")
}

/// CC before A, numerically within each family: CC6.1 < CC6.2 < CC7.1 < A1.1.
fn criterion_order(id: &str) -> (u8, Vec<u32>) {
    let code = id.split_once(':').map_or(id, |(_, c)| c);
    let family = if code.starts_with("CC") {
        0
    } else if code.starts_with('C') {
        1
    } else if code.starts_with('A') {
        2
    } else {
        3
    };
    let numbers =
        code.trim_start_matches(|c: char| c.is_ascii_alphabetic()).split('.').filter_map(|n| n.parse().ok()).collect();
    (family, numbers)
}

#[cfg(test)]
mod tests {
    use super::criterion_order;

    #[test]
    fn criteria_sort_like_the_trust_services_criteria() {
        let mut ids = vec!["SOC2:A1.1", "SOC2:CC7.2", "SOC2:CC6.10", "SOC2:CC6.2", "SOC2:C1.1"];
        ids.sort_by_key(|id| criterion_order(id));
        assert_eq!(ids, vec!["SOC2:CC6.2", "SOC2:CC6.10", "SOC2:CC7.2", "SOC2:C1.1", "SOC2:A1.1"]);
    }
}
