//! The evidence report: what a scan found, arranged the way an auditor reads
//! it (see `../shared/reference/auditor-report.md`). One model, rendered as
//! Markdown, HTML (and, later, PDF): identification, scope, the mapping
//! statement, a summary per criterion, then each criterion's evidence and
//! gaps, the AI inventory, the exceptions register and the cross-references.
//!
//! It is evidence a company hands its auditor, not an audit opinion: it says
//! what was checked, what was found in place and what is missing, in the
//! auditor's words ("no exceptions noted by the tool"), and how to reproduce
//! it. A finding "maps to" a criterion; nothing here says "compliant".

use std::collections::BTreeMap;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, short_tag};
use crate::engine::Engine;
use crate::finding::{Finding, Severity};
use crate::fingerprint::SourceLines;
use crate::provenance::{hex, parse_utc, ruleset_hash, timestamp, utc};
use crate::scan::ScanResult;

/// The SOC 2 criteria the report covers, in the order it presents them.
pub const CRITERIA: [&str; 10] =
    ["CC6.1", "CC6.2", "CC6.7", "CC6.8", "CC7.1", "CC7.2", "CC7.4", "CC9.2", "A1.1", "A1.2"];

#[derive(Debug, Clone)]
pub struct AuditReport {
    pub id: String,
    /// UTC, ISO 8601; `SOURCE_DATE_EPOCH` when set.
    pub generated_at: String,
    pub tool_version: String,
    /// SHA-256 of the embedded catalogues.
    pub ruleset_sha256: String,
    /// SHA-256 of custodia.toml, when one was used.
    pub config_sha256: Option<String>,
    pub organization: Option<String>,
    pub system: Option<String>,
    pub source: SourceIdentity,
    pub reproduce: String,
    pub scope: Scope,
    pub frameworks: Vec<(String, String)>,
    pub summary: Vec<CriterionSummary>,
    pub sections: Vec<CriterionSection>,
    pub inventory: crate::inventory::Inventory,
    pub exceptions: Vec<Exception>,
    pub cross_references: Vec<CrossReference>,
    /// The scans recorded in `.custodia/history.jsonl`, if any.
    pub history: Option<HistorySummary>,
    /// The period asked for (`--since`, `--until`), as UTC times.
    pub period_requested: (Option<String>, Option<String>),
    /// Plans kept outside the repository (`[evidence]`): cited, not read.
    pub cited_plans: Vec<(String, String)>,
    /// `[report] preparer` and `reviewer`, for the sign-off block.
    pub preparer: Option<String>,
    pub reviewer: Option<String>,
}

impl AuditReport {
    /// Whose system the report covers: "Acme — Support assistant", or
    /// `None` when custodia.toml names neither.
    pub fn subject(&self) -> Option<String> {
        match (&self.organization, &self.system) {
            (Some(org), Some(system)) => Some(format!("{org} — {system}")),
            (Some(org), None) => Some(org.clone()),
            (None, Some(system)) => Some(system.clone()),
            (None, None) => None,
        }
    }
}

/// The recorded scans (SOC 2 CC7.1: scanning operated over the period).
#[derive(Debug, Clone)]
pub struct HistorySummary {
    pub file: String,
    pub scans: Vec<ScanRow>,
    pub findings_seen: usize,
    pub open: usize,
    pub fixed: usize,
    pub median_days_to_remediate: Option<f64>,
    /// Lines of the history file that could not be read or do not chain.
    pub problems: Vec<String>,
    /// The first and the last scan of the period and what changed between
    /// them (absent without a scan in the period).
    pub change: Option<PeriodChange>,
}

/// The audit period as the recorded scans show it.
#[derive(Debug, Clone)]
pub struct PeriodChange {
    pub first: ScanRow,
    pub last: ScanRow,
    pub scans: usize,
    /// Findings in the last scan that the first did not have, and the other way round.
    pub introduced: usize,
    pub resolved: usize,
    /// Criteria whose count changed: (criterion, first, last).
    pub criteria: Vec<(String, usize, usize)>,
    /// The rules changed within the period (another custodia or ruleset):
    /// part of a change may be the tool's, not the code's.
    pub ruleset_changed: bool,
}

#[derive(Debug, Clone)]
pub struct ScanRow {
    pub time: String,
    pub commit: Option<String>,
    pub total: usize,
    pub new: usize,
    pub fixed: usize,
}

pub use crate::git::SourceIdentity;

#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub root: String,
    pub files_by_language: Vec<(String, usize)>,
    pub files_analyzed: usize,
    pub files_prefiltered: usize,
    pub excluded: Vec<(String, String)>,
    pub skipped: Vec<(String, String)>,
    pub partial: Vec<(String, String)>,
    pub sdks: Vec<String>,
    pub inference_sites: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Controls found in place and no exception noted by the tool.
    Evidenced,
    /// Exceptions noted.
    Gaps,
    /// The criterion applies (the code calls models) but custodia found
    /// neither a control nor a gap for it.
    NoEvidence,
    /// No AI code found: nothing to check.
    NotApplicable,
    /// Not assessable from code: manual evidence is needed.
    Manual,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Evidenced => "Controls evidenced",
            Status::Gaps => "Gaps noted",
            Status::NoEvidence => "No evidence found in code",
            Status::NotApplicable => "Not applicable",
            Status::Manual => "Manual evidence required",
        }
    }
}

#[derive(Debug, Clone)]
pub struct CriterionSummary {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub evidence: usize,
    /// Findings by severity, most severe first.
    pub findings: Vec<(Severity, usize)>,
    /// "No exceptions noted by the tool", "Exceptions noted: 2 high, 1 medium".
    pub wording: String,
}

#[derive(Debug, Clone)]
pub struct CriterionSection {
    pub id: String,
    pub title: String,
    pub text: String,
    pub reading: Option<String>,
    /// The organisation's own control statement (`[report.controls]`).
    pub control: Option<String>,
    pub evidence: Vec<EvidenceItem>,
    pub gaps: Vec<Gap>,
}

#[derive(Debug, Clone)]
pub struct EvidenceItem {
    pub location: String,
    pub kind: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct Gap {
    pub rule: String,
    pub severity: Severity,
    pub location: String,
    pub message: String,
    /// The finding's lines of code (with line numbers).
    pub excerpt: Vec<(u32, String)>,
    pub fix: String,
    /// The line at the scanned commit on the forge, when `origin` is a
    /// known forge (`git::CodeLinks`).
    pub link: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub rule: String,
    pub location: String,
    /// The line on the forge, as for a gap.
    pub link: Option<String>,
    /// The reason written in the code, without its terms.
    pub justification: String,
    pub owner: Option<String>,
    pub due: Option<String>,
    /// On the report's date (`exceptions::Terms::status_on`).
    pub status: String,
    pub ticket: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CrossReference {
    pub rule: String,
    pub location: String,
    /// The line on the forge, as for a gap.
    pub link: Option<String>,
    pub soc2: Vec<String>,
    pub nist: Vec<String>,
    pub eu_ai_act: Vec<String>,
    pub owasp_2025: Vec<String>,
    pub owasp_2026: Vec<String>,
}

/// The scans a report's history covers: seconds since the epoch, inclusive.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Period {
    fn contains(&self, time: &str) -> bool {
        let Some(t) = parse_utc(time) else { return false };
        self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u)
    }
}

pub fn build(result: &ScanResult, engine: &Engine, command: &str) -> AuditReport {
    build_for(result, engine, command, Period::default())
}

/// As [`build`], with the history limited to `period`.
pub fn build_for(result: &ScanResult, engine: &Engine, command: &str, period: Period) -> AuditReport {
    let config = engine.config();
    let catalog = &config.catalog;
    let base =
        if result.root.is_file() { result.root.parent().unwrap_or(Path::new(".")) } else { result.root.as_path() };
    let source = crate::git::identity(base);
    let generated_at = timestamp();
    let ruleset_sha256 = ruleset_hash();
    let config_sha256 =
        config.source.as_ref().and_then(|p| std::fs::read(p).ok()).map(|bytes| hex(&Sha256::digest(bytes)));
    let id = {
        let seed = format!("{}|{}|{}", source.commit.as_deref().unwrap_or("-"), generated_at, ruleset_sha256);
        format!("CUS-{}", &hex(&Sha256::digest(seed.as_bytes()))[..12].to_uppercase())
    };
    let inventory = crate::inventory::inventory(&result.files, catalog);
    let inference_sites: usize = inventory.providers.iter().map(|p| p.inference_sites).sum();
    let uses_models = inference_sites > 0;
    let sources = SourceLines::new(base);
    // Links only to the commit as it is: with uncommitted changes the
    // lines on the forge are not the lines scanned.
    let links = match (&source.repository, &source.commit, source.dirty) {
        (Some(remote), Some(commit), Some(false)) => crate::git::CodeLinks::new(remote, commit, &source.prefix),
        _ => None,
    };
    let link_to = |f: &Finding| -> Option<String> {
        let (links, (path, l)) = links.as_ref().zip(f.path.as_ref().zip(f.location))?;
        Some(links.line(path, l.range.start.line))
    };
    let mut summary = Vec::new();
    let mut sections = Vec::new();
    for id in CRITERIA {
        let tag = format!("SOC2:{id}");
        let criterion = catalog.criterion(&tag);
        let findings: Vec<&Finding> =
            result.findings.iter().filter(|f| super::counts::counts_under(catalog, f, id)).collect();
        let mut evidence: Vec<EvidenceItem> = result
            .evidence
            .iter()
            .filter(|e| e.criterion == tag)
            .map(|e| EvidenceItem {
                location: format!("{}:{}", e.path, e.location.range.start.line),
                kind: e.kind.to_string(),
                description: e.description.clone(),
            })
            .collect();
        if id == "CC9.2" {
            // The inventory is the evidence a vendor list starts from.
            evidence.extend(inventory.providers.iter().map(|p| EvidenceItem {
                location: p.files.first().cloned().unwrap_or_default(),
                kind: "ai-inventory".to_string(),
                description: format!(
                    "{} used through {} ({} inference call{}{})",
                    p.name,
                    p.sdks.join(", "),
                    p.inference_sites,
                    if p.inference_sites == 1 { "" } else { "s" },
                    if p.models.is_empty() { String::new() } else { format!("; models: {}", p.models.join(", ")) }
                ),
            }));
        }
        let mut by_severity: BTreeMap<std::cmp::Reverse<Severity>, usize> = BTreeMap::new();
        for f in &findings {
            *by_severity.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
        }
        let counts: Vec<(Severity, usize)> = by_severity.into_iter().map(|(s, n)| (s.0, n)).collect();
        let status = if !findings.is_empty() {
            Status::Gaps
        } else if !evidence.is_empty() {
            Status::Evidenced
        } else if id == "CC7.1" {
            Status::Manual
        } else if uses_models {
            Status::NoEvidence
        } else {
            Status::NotApplicable
        };
        let wording = match status {
            Status::Gaps => format!(
                "Exceptions noted by the tool: {}",
                counts.iter().map(|(s, n)| format!("{n} {s}")).collect::<Vec<_>>().join(", ")
            ),
            Status::Evidenced => "No exceptions noted by the tool".to_string(),
            Status::NoEvidence => "No control and no exception found in code".to_string(),
            Status::NotApplicable => "No AI code found".to_string(),
            Status::Manual => {
                "Not assessable from one scan: scan history and the team's vulnerability management are the evidence"
                    .to_string()
            }
        };
        let title = criterion.map(|c| c.title.clone()).unwrap_or_default();
        summary.push(CriterionSummary {
            id: id.to_string(),
            title: title.clone(),
            status,
            evidence: evidence.len(),
            findings: counts,
            wording,
        });
        let gaps = findings
            .iter()
            .map(|f| Gap {
                rule: f.rule.to_string(),
                severity: f.severity,
                location: location(f),
                message: f.message.clone(),
                excerpt: f
                    .path
                    .as_ref()
                    .zip(f.location)
                    .map(|(p, l)| {
                        let mut lines = excerpt(&sources, p, l.range.start.line, l.range.end.line);
                        if f.rule == "hardcoded-provider-key" {
                            redact(&mut lines, l.range);
                        }
                        lines
                    })
                    .unwrap_or_default(),
                fix: catalog.rule(f.rule).map(|r| r.fix.clone()).unwrap_or_default(),
                link: link_to(f),
            })
            .collect();
        sections.push(CriterionSection {
            id: id.to_string(),
            title,
            text: criterion.map(|c| c.text.clone()).unwrap_or_default(),
            reading: criterion.and_then(|c| c.ai_reading.clone()),
            control: config.report.controls.get(id).cloned(),
            evidence,
            gaps,
        });
    }
    let exceptions = result
        .suppressed
        .iter()
        .map(|s| {
            let terms = super::exceptions::parse(&s.reason).complete(
                s.finding.rule,
                s.finding.path.as_deref(),
                &config.report.exceptions,
            );
            Exception {
                rule: s.finding.rule.to_string(),
                location: location(&s.finding),
                link: link_to(&s.finding),
                status: terms.status_on(&generated_at),
                justification: terms.justification,
                owner: terms.owner,
                due: terms.due,
                ticket: terms.ticket,
            }
        })
        .collect();
    let cross_references =
        result.findings.iter().map(|f| CrossReference { link: link_to(f), ..cross_reference(catalog, f) }).collect();
    let stats = &result.stats;
    let scope = Scope {
        root: base.display().to_string(),
        files_by_language: stats.files_by_language.iter().map(|(l, n)| (l.as_str().to_string(), *n)).collect(),
        files_analyzed: stats.files_analyzed,
        files_prefiltered: stats.files_prefiltered,
        excluded: result.excluded.iter().map(|e| (e.path.clone(), e.reason.clone())).collect(),
        skipped: result
            .skipped
            .iter()
            .map(|s| (s.path.clone(), format!("{}: {}", s.reason.as_str(), s.detail)))
            .collect(),
        partial: result.partial.iter().map(|p| (p.path.clone(), p.detail.clone())).collect(),
        sdks: {
            let mut sdks: Vec<String> = inventory.providers.iter().flat_map(|p| p.sdks.iter().cloned()).collect();
            sdks.sort();
            sdks.dedup();
            sdks
        },
        inference_sites,
    };
    let reproduce = match &source.commit {
        Some(commit) => format!("git checkout {commit} && {command}"),
        None => command.to_string(),
    };
    AuditReport {
        id,
        generated_at,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        ruleset_sha256,
        config_sha256,
        organization: config.report.organization.clone(),
        system: config.report.system.clone(),
        source,
        reproduce,
        scope,
        frameworks: catalog.frameworks.iter().map(|f| (f.name.clone(), f.edition.clone())).collect(),
        summary,
        sections,
        inventory,
        exceptions,
        cross_references,
        history: history_summary(base, period),
        period_requested: (period.since.map(utc), period.until.map(utc)),
        cited_plans: config
            .evidence
            .iter()
            .map(|r| {
                let kind = match r.kind {
                    crate::config::ReferenceKind::IncidentResponse => "incident-response plan",
                    crate::config::ReferenceKind::OutageRunbook => "provider-outage runbook",
                };
                // Credentials were removed when the configuration was read.
                (kind.to_string(), r.location.clone())
            })
            .collect(),
        preparer: config.report.preparer.clone(),
        reviewer: config.report.reviewer.clone(),
    }
}

fn history_summary(base: &Path, period: Period) -> Option<HistorySummary> {
    let path = crate::history::path_in(base);
    let file = crate::history::read(&path).ok()?;
    let records: Vec<&crate::history::Record> =
        file.records.iter().map(|(_, r)| r).filter(|r| period.contains(&r.time)).collect();
    if records.is_empty() && file.problems.is_empty() {
        return None;
    }
    let lives = crate::history::lifecycles(&records);
    let scans: Vec<ScanRow> = records
        .iter()
        .enumerate()
        .map(|(i, r)| ScanRow {
            time: r.time.clone(),
            commit: r.commit.clone(),
            total: r.total,
            new: if i == 0 { 0 } else { lives.iter().filter(|l| l.first_seen == r.time).count() },
            fixed: lives.iter().filter(|l| l.fixed.as_deref() == Some(r.time.as_str())).count(),
        })
        .collect();
    let change = period_change(&records, &scans);
    let mut days: Vec<f64> = lives.iter().filter_map(|l| l.days_to_remediate).collect();
    days.sort_by(f64::total_cmp);
    Some(HistorySummary {
        file: crate::history::FILE.to_string(),
        scans,
        findings_seen: lives.len(),
        open: lives.iter().filter(|l| l.fixed.is_none()).count(),
        fixed: days.len(),
        median_days_to_remediate: days.get(days.len() / 2).copied(),
        problems: file.problems.iter().map(|p| p.to_string()).collect(),
        change,
    })
}

/// The first and last scan of the period, and what changed between them.
fn period_change(records: &[&crate::history::Record], scans: &[ScanRow]) -> Option<PeriodChange> {
    let (first, last) = (records.first()?, records.last()?);
    let fingerprints = |r: &crate::history::Record| -> std::collections::BTreeSet<String> {
        r.findings.iter().map(|f| f.fingerprint.clone()).collect()
    };
    let (before, after) = (fingerprints(first), fingerprints(last));
    let ids: std::collections::BTreeSet<&String> = first.by_criterion.keys().chain(last.by_criterion.keys()).collect();
    let mut ids: Vec<&String> = ids.into_iter().collect();
    // The report's order; criteria it does not present after them.
    ids.sort_by_key(|id| CRITERIA.iter().position(|c| c == id).unwrap_or(CRITERIA.len()));
    let criteria = ids
        .into_iter()
        .map(|id| {
            let count = |r: &crate::history::Record| r.by_criterion.get(id).copied().unwrap_or(0);
            (id.clone(), count(first), count(last))
        })
        .filter(|(_, a, b)| a != b)
        .collect();
    Some(PeriodChange {
        first: scans.first()?.clone(),
        last: scans.last()?.clone(),
        scans: records.len(),
        introduced: after.difference(&before).count(),
        resolved: before.difference(&after).count(),
        criteria,
        ruleset_changed: records.iter().any(|r| r.ruleset_sha256 != first.ruleset_sha256),
    })
}

fn location(f: &Finding) -> String {
    match (&f.path, f.location) {
        (Some(path), Some(l)) => format!("{path}:{}", l.range.start.line),
        (Some(path), None) => path.clone(),
        _ => "(project)".to_string(),
    }
}

fn cross_reference(catalog: &Catalog, f: &Finding) -> CrossReference {
    let criteria = catalog.rule(f.rule).map(|r| r.criteria.clone()).unwrap_or_default();
    let of = |framework: &str| -> Vec<String> {
        criteria.iter().filter(|c| c.starts_with(&format!("{framework}:"))).map(|c| short_tag(c)).collect()
    };
    CrossReference {
        rule: f.rule.to_string(),
        location: location(f),
        link: None,
        soc2: of("SOC2"),
        nist: of("NIST-AI-RMF"),
        eu_ai_act: of("EU-AI-ACT"),
        owasp_2025: of("OWASP-LLM-2025"),
        owasp_2026: of("OWASP-LLM-2026"),
    }
}

/// Hides a leaked key in the excerpt the way the finding's message does
/// (`sk-proj…9f2c`): the report travels to auditors and must not carry it.
fn redact(lines: &mut [(u32, String)], range: crate::source::Range) {
    for (number, line) in lines.iter_mut() {
        if *number < range.start.line || *number > range.end.line {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let from = if *number == range.start.line { range.start.column.saturating_sub(1) as usize } else { 0 };
        let to = if *number == range.end.line { range.end.column.saturating_sub(1) as usize } else { chars.len() };
        let (from, to) = (from.min(chars.len()), to.min(chars.len()));
        if from >= to {
            continue;
        }
        let secret: String = chars[from..to].iter().collect();
        let quotes: &[char] = &['"', '\'', '`'];
        let inner = secret.trim_matches(quotes);
        let masked = secret.replacen(inner, &crate::analysis::literals::mask(inner), 1);
        *line = chars[..from].iter().collect::<String>() + &masked + &chars[to..].iter().collect::<String>();
    }
}

/// Lines `start..=end` of a file (at most 6), with their numbers.
fn excerpt(sources: &SourceLines, path: &str, start: u32, end: u32) -> Vec<(u32, String)> {
    let Some(text) = sources.text(path) else { return Vec::new() };
    let lines: Vec<&str> = text.lines().collect();
    let end = end.max(start).min(start + 5);
    (start..=end).filter_map(|n| lines.get(n.checked_sub(1)? as usize).map(|l| (n, l.to_string()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaked_keys_are_masked_in_excerpts() {
        let mut lines = vec![(
            8,
            r#"  key: process.env.KEY ?? "sk-proj-u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdo", // x"#.to_string(),
        )];
        let range = crate::source::Range {
            start: crate::source::Position { line: 8, column: 27 },
            end: crate::source::Position { line: 8, column: 78 },
        };
        redact(&mut lines, range);
        assert_eq!(lines[0].1, r#"  key: process.env.KEY ?? "sk-proj…Lzdo", // x"#);
    }
}
