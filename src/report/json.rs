//! The JSON output: one document, stable field names (SPEC.md). Fields may be
//! added; none may be renamed or removed. The types deserialize too, so tests
//! and other tools can read a report back into this structure.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::file_class::FileClass;
use crate::finding::{Finding, Severity};
use crate::scan::{PartialReason, ScanResult, SkipReason};
use crate::source::Range;

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub tool: Tool,
    pub findings: Vec<JsonFinding>,
    pub evidence: Vec<JsonEvidence>,
    /// Findings suppressed by a `custodia-ignore` comment, with its reason.
    #[serde(default)]
    pub suppressed: Vec<JsonSuppressed>,
    /// Source files not analysed, with the reason.
    #[serde(default)]
    pub skipped: Vec<JsonSkipped>,
    /// Source files analysed in part (syntax errors, deep nesting).
    #[serde(default)]
    pub partial: Vec<JsonPartial>,
    /// Directories and files left out by default or by configuration, and
    /// files left out of scope (tests, examples ...; see `scope`).
    #[serde(default)]
    pub excluded: Vec<JsonExcluded>,
    /// The classes of files reported, and how many files of the others
    /// were left out (`--scope all` reports them).
    #[serde(default)]
    pub scope: JsonScope,
    /// The project's packages and what each ships: `service`,
    /// `application` or `library` (the project-level rules apply to what is
    /// deployed; a library gets call-level findings only).
    #[serde(default)]
    pub packages: Vec<JsonPackage>,
    /// When the scan named files or several paths within a project: the
    /// parts reported (relative to the project root, directories with a
    /// trailing `/`). The whole project was analysed; `stats` count it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected: Option<Vec<String>>,
    /// Model providers, SDKs, models named in code and the files using them.
    #[serde(default)]
    pub inventory: crate::inventory::Inventory,
    /// Rules that failed (panicked) on a file or on the project: their
    /// findings there are missing. Absent when every rule ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_failures: Vec<JsonRuleFailure>,
    #[serde(default)]
    pub stats: Option<JsonStats>,
    /// With `scan --baseline FILE`: how many findings the baseline held
    /// back (`findings` lists only the others) and the baselined findings
    /// no longer found. Absent without `--baseline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Outcome>,
    /// With `scan --diff REF`: the ref, and the files changed since it
    /// (`findings` lists only the findings the changes touch). Absent
    /// without `--diff`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<JsonDiff>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonDiff {
    pub reference: String,
    /// Relative to the scanned root, `/`-separated, sorted.
    pub files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonFinding {
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// Relative to the scanned root, `/`-separated; null for project level.
    pub path: Option<String>,
    /// 1-based lines and columns (columns count Unicode scalar values).
    pub range: Option<Range>,
    /// The first `SOC2:` entry is the primary criterion.
    pub criteria: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRelated {
    pub path: String,
    pub range: Range,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonEvidence {
    pub criterion: String,
    pub kind: String,
    pub path: Option<String>,
    pub range: Option<Range>,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSuppressed {
    #[serde(flatten)]
    pub finding: JsonFinding,
    pub reason: String,
    pub comment_line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonSkipped {
    pub path: String,
    pub reason: SkipReason,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonPartial {
    pub path: String,
    pub reason: PartialReason,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonExcluded {
    /// A directory or file; for files left out of scope by their name, a
    /// pattern in a directory (`src/*.test.ts`).
    pub path: String,
    pub reason: String,
    /// For entries left out of scope: how many files the entry stands for.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub files: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonPackage {
    /// The package's directory, relative to the root (`""`: the root).
    pub dir: String,
    pub manifest: Option<String>,
    pub name: Option<String>,
    pub kind: String,
    /// Why it was classed so: the manifest, a file that serves or runs, or
    /// custodia.toml's `[project] kind`.
    pub because: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JsonScope {
    /// The classes of files whose findings are reported: `production`,
    /// `test`, `example`, `docs`, `generated`.
    pub reported: Vec<FileClass>,
    /// Files of the other classes, by class: not reported.
    #[serde(default)]
    pub left_out: BTreeMap<FileClass, usize>,
    /// Of those, files analysed because reported code imports them (their
    /// own findings are not reported either).
    #[serde(default)]
    pub analysed_for_reach: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonRuleFailure {
    pub rule: String,
    /// `null` for a project rule.
    pub path: Option<String>,
    pub message: String,
}

/// Every source file seen is counted once: `files_seen = files_analyzed +
/// files_prefiltered + files_skipped`, and `files_skipped` is the sum of
/// `files_skipped_by_reason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonStats {
    pub files_seen: usize,
    pub files_analyzed: usize,
    pub files_prefiltered: usize,
    pub files_skipped: usize,
    /// `files_skipped` by reason (the `reason`s of `skipped`).
    #[serde(default)]
    pub files_skipped_by_reason: BTreeMap<SkipReason, usize>,
    /// Analysed files (counted in `files_analyzed`) analysed only in part: the entries of `partial`, by file.
    #[serde(default)]
    pub files_partial: usize,
    pub files_with_syntax_errors: usize,
    pub files_by_language: BTreeMap<String, usize>,
    pub bytes_seen: u64,
    pub bytes_analyzed: u64,
    /// Present with `--stats` only, so that default output is reproducible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<JsonTiming>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonTiming {
    pub parse_ms: f64,
    pub analysis_ms: f64,
    /// Wall time of the cross-file analysis (included in `wall_ms`).
    #[serde(default)]
    pub project_ms: f64,
    pub wall_ms: f64,
    pub threads: usize,
    pub mb_per_s: f64,
    /// Steps of analysis, summed over the files: the scan's cost in units
    /// that do not depend on the machine (docs/PERFORMANCE.md).
    #[serde(default)]
    pub analysis_steps: u64,
    /// Peak resident memory of the process (Linux only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_kb: Option<u64>,
}

/// The process's peak resident set size, from `/proc/self/status`.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn finding(f: &Finding, catalog: &Catalog) -> JsonFinding {
    JsonFinding {
        rule: f.rule.to_string(),
        severity: f.severity,
        message: f.message.clone(),
        path: f.path.clone(),
        range: f.location.map(|l| l.range),
        criteria: catalog.rule(f.rule).map(|r| r.criteria.clone()).unwrap_or_default(),
        related: f
            .related
            .iter()
            .map(|r| JsonRelated { path: r.path.clone(), range: r.location.range, message: r.message.clone() })
            .collect(),
    }
}

pub fn build(result: &ScanResult, catalog: &Catalog, with_timing: bool) -> Report {
    let stats = &result.stats;
    let seconds = stats.wall_time.as_secs_f64();
    Report {
        version: FORMAT_VERSION,
        tool: Tool { name: "custodia".into(), version: env!("CARGO_PKG_VERSION").into() },
        findings: result.findings.iter().map(|f| finding(f, catalog)).collect(),
        evidence: result
            .evidence
            .iter()
            .map(|e| JsonEvidence {
                criterion: e.criterion.to_string(),
                kind: e.kind.to_string(),
                path: Some(e.path.clone()),
                range: Some(e.location.range),
                description: e.description.clone(),
            })
            .collect(),
        suppressed: result
            .suppressed
            .iter()
            .map(|s| JsonSuppressed {
                finding: finding(&s.finding, catalog),
                reason: s.reason.clone(),
                comment_line: s.comment_line,
            })
            .collect(),
        skipped: result
            .skipped
            .iter()
            .map(|s| JsonSkipped { path: s.path.clone(), reason: s.reason, detail: s.detail.clone() })
            .collect(),
        partial: result
            .partial
            .iter()
            .map(|p| JsonPartial { path: p.path.clone(), reason: p.reason, detail: p.detail.clone() })
            .collect(),
        excluded: result
            .excluded
            .iter()
            .map(|e| JsonExcluded { path: e.path.clone(), reason: e.reason.clone(), files: e.files })
            .collect(),
        scope: JsonScope {
            reported: result.scope.reported.classes(),
            left_out: result.scope.left_out.clone(),
            analysed_for_reach: result.scope.analysed_for_reach,
        },
        selected: result.selected.clone(),
        packages: result
            .packages
            .iter()
            .map(|p| JsonPackage {
                dir: p.dir.clone(),
                manifest: p.manifest.clone(),
                name: p.name.clone(),
                kind: p.kind.as_str().to_string(),
                because: p.because.clone(),
            })
            .collect(),
        inventory: crate::inventory::inventory(&result.files, catalog),
        rule_failures: result
            .rule_failures
            .iter()
            .map(|f| JsonRuleFailure { rule: f.rule.to_string(), path: f.path.clone(), message: f.message.clone() })
            .collect(),
        stats: Some(JsonStats {
            files_seen: stats.files_seen,
            files_analyzed: stats.files_analyzed,
            files_prefiltered: stats.files_prefiltered,
            files_skipped: stats.files_skipped,
            files_skipped_by_reason: stats.files_skipped_by_reason.clone(),
            files_partial: stats.files_partial,
            files_with_syntax_errors: stats.files_with_syntax_errors,
            files_by_language: stats.files_by_language.iter().map(|(l, n)| (l.as_str().to_string(), *n)).collect(),
            bytes_seen: stats.bytes_seen,
            bytes_analyzed: stats.bytes_analyzed,
            timing: with_timing.then(|| JsonTiming {
                parse_ms: stats.parse_time.as_secs_f64() * 1000.0,
                analysis_ms: stats.analysis_time.as_secs_f64() * 1000.0,
                project_ms: stats.project_time.as_secs_f64() * 1000.0,
                wall_ms: seconds * 1000.0,
                threads: stats.threads,
                mb_per_s: if seconds > 0.0 { stats.bytes_seen as f64 / 1_000_000.0 / seconds } else { 0.0 },
                analysis_steps: stats.analysis_steps,
                peak_rss_kb: peak_rss_kb(),
            }),
        }),
        baseline: None,
        diff: None,
    }
}
