//! Scan history: `custodia scan --record` appends one record per scan to
//! `.custodia/history.jsonl` (meant to be committed), and `custodia history`
//! reads it back: the trend, when each finding was first seen and when it
//! was fixed. For SOC 2 CC7.1 this is the evidence that scanning ran
//! throughout a period, not once.
//!
//! Each record carries the SHA-256 of the line before it, so an edited or
//! removed record breaks the chain at the next one (`--verify`). A line that
//! is not a record (a write cut short, a merge conflict) is reported with
//! its number and skipped; every other record is still read.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::fingerprint::{Fingerprinter, SourceLines};
use crate::provenance::{hex, parse_utc, ruleset_hash, timestamp};
use crate::scan::ScanResult;

pub const FILE: &str = ".custodia/history.jsonl";
const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    /// UTC, ISO 8601 (`SOURCE_DATE_EPOCH` when set).
    pub time: String,
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: Option<bool>,
    pub tool_version: String,
    pub ruleset_sha256: String,
    pub total: usize,
    /// Findings per SOC 2 criterion (every criterion a finding maps to).
    pub by_criterion: BTreeMap<String, usize>,
    pub by_severity: BTreeMap<String, usize>,
    pub findings: Vec<RecordedFinding>,
    /// SHA-256 of the previous record's line; `null` for the first.
    pub previous: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedFinding {
    pub fingerprint: String,
    pub rule: String,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub severity: String,
}

/// A problem found while reading the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line of the file.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The records of a history file, with their line numbers, and what could
/// not be read or does not chain.
#[derive(Debug, Default)]
pub struct History {
    pub records: Vec<(usize, Record)>,
    pub problems: Vec<Problem>,
    /// The SHA-256 of the last record's line: what the next record chains to.
    last_hash: Option<String>,
}

fn line_hash(line: &str) -> String {
    hex(&Sha256::digest(line.as_bytes()))
}

pub fn path_in(root: &Path) -> PathBuf {
    let base = if root.is_file() { root.parent().unwrap_or(Path::new(".")) } else { root };
    base.join(FILE)
}

/// Reads a history file. A missing file is an empty history.
pub fn read(path: &Path) -> std::io::Result<History> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(History::default()),
        Err(err) => return Err(err),
    };
    Ok(parse(&text))
}

pub fn parse(text: &str) -> History {
    let mut history = History::default();
    let ends_with_newline = text.ends_with('\n');
    let lines: Vec<&str> = text.split('\n').collect();
    let count = lines.len();
    for (i, line) in lines.into_iter().enumerate() {
        let number = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => {
                if record.previous != history.last_hash {
                    let message = match (&record.previous, &history.last_hash) {
                        (None, Some(_)) => "the record says it is the first, but records come before it: earlier records were added or this one was moved".to_string(),
                        (Some(_), None) => "the record it chains to is missing: a record before it was removed or altered".to_string(),
                        _ => "the record before it does not match the hash this record holds: that record was edited, or one between them was removed".to_string(),
                    };
                    history.problems.push(Problem { line: number, message });
                }
                history.last_hash = Some(line_hash(line));
                history.records.push((number, record));
            }
            Err(err) => {
                let last = i + 1 == count || (i + 2 == count && ends_with_newline);
                let message = if last && !ends_with_newline {
                    format!("incomplete record (the write was cut short): {err}")
                } else {
                    format!("not a history record: {err}")
                };
                history.problems.push(Problem { line: number, message });
            }
        }
    }
    history
}

/// The record of a scan, chained to the history's last record.
pub fn record(result: &ScanResult, catalog: &Catalog, history: &History) -> Record {
    let base =
        if result.root.is_file() { result.root.parent().unwrap_or(Path::new(".")) } else { result.root.as_path() };
    let identity = crate::git::identity(base);
    let sources = SourceLines::new(&result.root);
    let mut fingerprints = Fingerprinter::default();
    let mut by_criterion: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_severity: BTreeMap<String, usize> = BTreeMap::new();
    let mut findings = Vec::new();
    for f in &result.findings {
        // The same count as the text summary and the report (`report::counts`).
        for id in catalog.soc2_criteria(f.rule) {
            *by_criterion.entry(id.to_string()).or_default() += 1;
        }
        *by_severity.entry(f.severity.as_str().to_string()).or_default() += 1;
        findings.push(RecordedFinding {
            fingerprint: fingerprints.next(&sources, f),
            rule: f.rule.to_string(),
            path: f.path.clone(),
            line: f.location.map(|l| l.range.start.line),
            severity: f.severity.as_str().to_string(),
        });
    }
    Record {
        version: RECORD_VERSION,
        time: timestamp(),
        commit: identity.commit,
        branch: identity.branch,
        dirty: identity.dirty,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        ruleset_sha256: ruleset_hash(),
        total: result.findings.len(),
        by_criterion,
        by_severity,
        findings,
        previous: history.last_hash.clone(),
    }
}

/// Appends a record as one line. A last line cut short stays where it is
/// (reported by every read) and the new record starts on a line of its own.
pub fn append(path: &Path, record: &Record) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let needs_newline = std::fs::read(path).is_ok_and(|bytes| !bytes.is_empty() && !bytes.ends_with(b"\n"));
    let line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    let text = if needs_newline { format!("\n{line}\n") } else { format!("{line}\n") };
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Where `custodia report` records each report it writes.
pub const REPORTS_FILE: &str = ".custodia/reports.jsonl";

/// A report written, as recorded in `.custodia/reports.jsonl`: which file,
/// of which commit, and the SHA-256 of its bytes, so a copy handed to an
/// auditor can be matched to the scan that produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportRecord {
    pub id: String,
    /// The report's own time (UTC; `SOURCE_DATE_EPOCH` when set).
    pub time: String,
    pub file: String,
    pub format: String,
    pub sha256: String,
    pub commit: Option<String>,
    pub dirty: Option<bool>,
    pub tool_version: String,
}

pub fn reports_path_in(root: &Path) -> PathBuf {
    let base = if root.is_file() { root.parent().unwrap_or(Path::new(".")) } else { root };
    base.join(REPORTS_FILE)
}

/// Appends one line to the reports register.
pub fn record_report(path: &Path, record: &ReportRecord) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(format!("{line}\n").as_bytes())?;
    file.sync_all()
}

/// One finding's life over the recorded scans.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lifecycle {
    pub fingerprint: String,
    pub rule: String,
    pub path: Option<String>,
    pub severity: String,
    pub first_seen: String,
    pub first_seen_commit: Option<String>,
    /// The first scan without it, if it has gone.
    pub fixed: Option<String>,
    pub fixed_commit: Option<String>,
    /// Days from first seen to fixed.
    pub days_to_remediate: Option<f64>,
}

/// First-seen and fixed times of every finding, over records in order. A
/// finding that comes back after a fix starts a new life.
pub fn lifecycles(records: &[&Record]) -> Vec<Lifecycle> {
    let mut open: BTreeMap<String, Lifecycle> = BTreeMap::new();
    let mut done = Vec::new();
    for record in records {
        let present: BTreeMap<&str, &RecordedFinding> =
            record.findings.iter().map(|f| (f.fingerprint.as_str(), f)).collect();
        let gone: Vec<String> = open.keys().filter(|k| !present.contains_key(k.as_str())).cloned().collect();
        for key in gone {
            if let Some(mut life) = open.remove(&key) {
                life.fixed = Some(record.time.clone());
                life.fixed_commit = record.commit.clone();
                life.days_to_remediate = match (parse_utc(&life.first_seen), parse_utc(&record.time)) {
                    (Some(a), Some(b)) => Some(((b - a) as f64 / 86_400.0 * 10.0).round() / 10.0),
                    _ => None,
                };
                done.push(life);
            }
        }
        for (key, f) in present {
            open.entry(key.to_string()).or_insert_with(|| Lifecycle {
                fingerprint: key.to_string(),
                rule: f.rule.clone(),
                path: f.path.clone(),
                severity: f.severity.clone(),
                first_seen: record.time.clone(),
                first_seen_commit: record.commit.clone(),
                fixed: None,
                fixed_commit: None,
                days_to_remediate: None,
            });
        }
    }
    done.extend(open.into_values());
    done.sort_by(|a, b| {
        (&a.first_seen, &a.rule, &a.path, &a.fingerprint).cmp(&(&b.first_seen, &b.rule, &b.path, &b.fingerprint))
    });
    done
}
