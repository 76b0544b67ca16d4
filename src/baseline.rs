//! Baselines: adopting custodia on a codebase that already has findings.
//!
//! `custodia baseline` writes the fingerprints of the current findings to a
//! file; `custodia scan --baseline FILE` then reports only the findings not
//! in it, counts the ones it held back, and lists the baselined findings
//! that are gone as fixed. The fingerprints are SARIF's
//! `partialFingerprints` scheme (`custodiaFindingHash/v1`, see
//! [`crate::fingerprint`]: rule, file and the text of the finding's
//! line) with the name of the enclosing function added, so lines added above
//! a finding or edits elsewhere do not bring it back, and neither does adding
//! or removing an identical line in another function (common: the same
//! `client.chat.completions.create({` in every function); editing the
//! finding's own line does (it is new code, and gets a fresh look). The file
//! format is in docs/BASELINE.md.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;
use crate::fingerprint;
use crate::scan::ScanResult;

/// The `format` a baseline file declares; another value is refused.
pub const FORMAT: &str = "custodia-baseline/v1";

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    pub format: String,
    /// The custodia version that wrote it (for people; not checked).
    pub tool_version: String,
    pub findings: Vec<Entry>,
}

/// One baselined finding. Only `fingerprint` is matched; the rest says what
/// it was, for the people who review the file and for the "fixed" list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    /// Relative to the scanned root; absent for a finding about the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The line when the baseline was written (it may have moved since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default)]
    pub message: String,
}

/// What applying a baseline did to a scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The baseline file, as given.
    pub file: String,
    /// Findings held back because the baseline has them.
    pub baselined: usize,
    /// Baselined findings no longer found.
    pub fixed: Vec<Entry>,
}

/// The baseline of a scan's findings (suppressed ones are not findings).
pub fn build(result: &ScanResult) -> Baseline {
    let prints = fingerprint::scoped(&result.root, &result.files, &result.findings);
    let mut findings: Vec<Entry> = result.findings.iter().zip(prints).map(|(f, print)| entry(f, print)).collect();
    // Sorted, so a re-written baseline changes only where findings changed.
    findings.sort();
    Baseline { format: FORMAT.to_string(), tool_version: env!("CARGO_PKG_VERSION").to_string(), findings }
}

fn entry(f: &Finding, fingerprint: String) -> Entry {
    Entry {
        fingerprint,
        rule: f.rule.to_string(),
        path: f.path.clone(),
        line: f.location.map(|l| l.range.start.line),
        message: f.message.clone(),
    }
}

/// Reads a baseline file, with an error that says what is wrong with it.
pub fn read(path: &Path) -> Result<Baseline, String> {
    let text =
        std::fs::read_to_string(path).map_err(|err| format!("cannot read the baseline {}: {err}", path.display()))?;
    let baseline: Baseline = serde_json::from_str(&text).map_err(|err| {
        format!(
            "{} is not a custodia baseline ({err}); write one with `custodia baseline -o {}`",
            path.display(),
            path.display()
        )
    })?;
    if baseline.format != FORMAT {
        return Err(format!(
            "{} is a baseline of format `{}`; this custodia reads `{FORMAT}` (write a new one with `custodia baseline`)",
            path.display(),
            baseline.format
        ));
    }
    Ok(baseline)
}

/// Writes a baseline as pretty JSON, creating the directory it goes in.
pub fn write(path: &Path, baseline: &Baseline) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    }
    let json = serde_json::to_string_pretty(baseline).map_err(|err| err.to_string())?;
    std::fs::write(path, json + "\n").map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// Removes the baselined findings from `result`. `in_scope` says whether a
/// baselined finding's path was part of this scan: one outside it (a scan of
/// some files of the project) is not reported as fixed.
pub fn apply(
    result: &mut ScanResult,
    baseline: &Baseline,
    file: &str,
    in_scope: impl Fn(Option<&str>) -> bool,
) -> Outcome {
    // Fingerprints of the whole set, before any is removed: their numbering
    // of identical lines is the one `custodia baseline` saw.
    let prints = fingerprint::scoped(&result.root, &result.files, &result.findings);
    let known: BTreeSet<&str> = baseline.findings.iter().map(|e| e.fingerprint.as_str()).collect();
    let current: BTreeSet<&str> = prints.iter().map(String::as_str).collect();
    let fixed: Vec<Entry> = baseline
        .findings
        .iter()
        .filter(|e| !current.contains(e.fingerprint.as_str()) && in_scope(e.path.as_deref()))
        .cloned()
        .collect();
    let findings = std::mem::take(&mut result.findings);
    let before = findings.len();
    result.findings = findings
        .into_iter()
        .zip(&prints)
        .filter(|(_, print)| !known.contains(print.as_str()))
        .map(|(f, _)| f)
        .collect();
    Outcome { file: file.to_string(), baselined: before - result.findings.len(), fixed }
}

/// The lines the text output ends with.
pub fn summary(outcome: &Outcome) -> String {
    let mut out = format!(
        "\nbaseline {}: {} finding{} baselined (not shown), {} fixed since the baseline\n",
        outcome.file,
        outcome.baselined,
        if outcome.baselined == 1 { "" } else { "s" },
        outcome.fixed.len()
    );
    for entry in &outcome.fixed {
        let place = match (&entry.path, entry.line) {
            (Some(path), Some(line)) => format!("{path}:{line}"),
            (Some(path), None) => path.clone(),
            _ => "the project".to_string(),
        };
        out.push_str(&format!("  fixed: {} at {place} (line as baselined): {}\n", entry.rule, entry.message));
    }
    out
}
