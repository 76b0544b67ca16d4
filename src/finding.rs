//! What a scan produces: findings (a control missing), evidence (a control
//! found in place), and the suppressions that documented an exception.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::source::Location;

/// Findings in reading order: path, position, rule. Both drivers (the scan
/// and the editor's workspace) report in this order.
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    (&a.path, a.location.map(|l| l.range), a.rule, &a.message).cmp(&(
        &b.path,
        b.location.map(|l| l.range),
        b.rule,
        &b.message,
    ))
}

/// Evidence in reading order: path, position, kind; duplicates end up
/// adjacent, for `dedup`.
pub fn evidence_order(a: &Evidence, b: &Evidence) -> std::cmp::Ordering {
    (&a.path, a.location, a.kind, &a.description).cmp(&(&b.path, b.location, b.kind, &b.description))
}

/// How much a finding matters; ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; not a gap on its own.
    Info,
    /// A weak default or a hardening step.
    Low,
    /// A gap an auditor would ask about.
    Medium,
    /// A gap that exposes the system or its data.
    High,
    /// Exploitable as it stands (a leaked key, model output executed).
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Info];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!("unknown severity `{other}` (expected critical, high, medium, low or info)")),
        }
    }
}

/// A secondary place that explains a finding: the inference site whose
/// output reaches a sink, the request input that reaches a system message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub path: String,
    pub location: Location,
    pub message: String,
}

/// A control missing or a risk present, at one place in the code (or, for
/// project-level rules, in the project as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Relative to the scanned root, `/`-separated; `None` for project level.
    pub path: Option<String>,
    pub location: Option<Location>,
    pub related: Vec<Related>,
}

/// A control found in place, tied to the criterion it gives evidence for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// A criterion tag such as `SOC2:A1.1`.
    pub criterion: &'static str,
    /// What kind of control: `token-cap`, `timeout`, `failure-path` ...
    pub kind: &'static str,
    pub path: String,
    pub location: Location,
    pub description: String,
}

/// A finding that a `custodia-ignore` comment suppressed, with its reason:
/// auditors read these as documented exceptions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    /// 1-based line of the suppression comment.
    pub comment_line: u32,
}
