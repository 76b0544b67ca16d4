//! `custodia.toml`: what a project adds to or changes in the defaults.
//!
//! ```toml
//! [scan]
//! exclude = ["scripts/experiments/", "*.generated.ts"]   # gitignore syntax
//! max_file_size = "4 MB"
//! max_nesting_depth = 200                  # expressions followed this deep
//! file_time_budget = "10s"                 # per file: parse and analysis
//! max_analysis_steps = 1000000             # per file: a hard cap on the analysis's steps
//!
//! [scan.scope]                              # what is reported (docs/CONFIGURATION.md)
//! report = ["production"]                   # or "all"; classes: production, test,
//!                                           # example, docs, generated
//! test = ["qa/**"]                          # these files are tests, whatever their path says
//! production = ["scripts/serve.py"]         # and these are production code
//!
//! [rules]
//! missing-timeout = "off"          # or a severity: critical, high, medium, low, info
//! missing-token-cap = "high"
//!
//! [[providers]]                     # same shape as rules/providers.toml
//! id = "acme-gateway"
//! name = "Acme model gateway"
//! token_caps = ["maxTokens"]
//! [[providers.call]]
//! paths = ["askModel"]
//! on = ["any"]
//!
//! [controls.timeouts]               # extends the lists of rules/controls.toml
//! options = ["deadlineMs"]
//! ```
//!
//! The CLI and the language server resolve configuration the same way, through
//! [`Config::discover`]. Errors name the file, the line and the key.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::catalog::{Catalog, Controls, Guards, Provider};
use crate::finding::Severity;
use crate::source::LineIndex;

pub const FILE_NAME: &str = "custodia.toml";

/// Files larger than this are skipped (with a warning) unless configured.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024;

/// The effective configuration of a scan or an editor session.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the configuration was read from, if anywhere.
    pub source: Option<PathBuf>,
    /// Exclusions in gitignore syntax, relative to the scanned root.
    pub exclude: Vec<String>,
    pub max_file_size: u64,
    /// Expressions nested deeper than this are not analysed below it.
    pub max_nesting_depth: u32,
    /// The time one file's parse and analysis may take before it is skipped.
    pub file_time_budget: std::time::Duration,
    /// A hard cap on one file's analysis steps (`[scan] max_analysis_steps`),
    /// below the allowance proportional to its size.
    pub max_analysis_steps: Option<u64>,
    /// The classes of files a scan reports (`[scan.scope] report`).
    pub scope: crate::file_class::Reported,
    /// `[scan.scope]` globs: files of a class whatever their path says.
    pub scope_globs: Vec<(crate::file_class::FileClass, Vec<String>)>,
    /// Rules switched off.
    pub disabled: HashSet<String>,
    /// Severity overrides.
    pub severities: HashMap<String, Severity>,
    /// The built-in catalogue with the project's additions.
    pub catalog: Arc<Catalog>,
    /// `[report]`: branding and control statements for reports.
    pub report: ReportSettings,
    /// `[evidence]`: plans kept outside the repository.
    pub evidence: Vec<EvidenceReference>,
    /// `[project] kind`: what the repository ships, instead of what its
    /// manifests and routes say (`library`, `application`, `service`).
    pub project_kind: Option<crate::packages::PackageKind>,
}

/// A plan kept outside the repository that the configuration points at:
/// `[evidence] incident_response = "https://wiki.example.com/ai-incidents"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceReference {
    /// An incident-response plan, or a provider-outage runbook.
    pub kind: ReferenceKind,
    /// A URL, or a path (relative to the configuration file).
    pub location: String,
    /// What it covers, as the configuration states it.
    pub covers: Vec<crate::plans::Topic>,
    /// The line of the configuration that says so.
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceKind {
    IncidentResponse,
    OutageRunbook,
}

impl Config {
    /// The plans `[evidence]` points at, as documents the project rules read
    /// beside the repository's own; `root` is the scanned root (the
    /// evidence cites the configuration file relative to it).
    pub fn evidence_documents(&self, root: &Path) -> Vec<crate::plans::DocumentFacts> {
        let Some(source) = &self.source else { return Vec::new() };
        let cited = match (std::fs::canonicalize(source), std::fs::canonicalize(root)) {
            (Ok(file), Ok(root)) => file.strip_prefix(&root).map(|p| p.to_string_lossy().replace('\\', "/")).ok(),
            _ => None,
        };
        let cited = cited.unwrap_or_else(|| FILE_NAME.to_string());
        self.evidence
            .iter()
            .map(|reference| crate::plans::DocumentFacts {
                path: cited.clone(),
                incident_response: reference.kind == ReferenceKind::IncidentResponse,
                runbook: reference.kind == ReferenceKind::OutageRunbook,
                topics: reference.covers.iter().map(|t| (*t, reference.line)).collect(),
                reference: Some(reference.location.clone()),
                placeholder: None,
            })
            .collect()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_nesting_depth: crate::limits::DEFAULT_MAX_NESTING_DEPTH,
            file_time_budget: crate::limits::DEFAULT_FILE_TIME_BUDGET,
            max_analysis_steps: None,
            scope: crate::file_class::Reported::default(),
            scope_globs: Vec::new(),
            disabled: HashSet::new(),
            severities: HashMap::new(),
            catalog: Catalog::builtin(),
            report: ReportSettings::default(),
            evidence: Vec::new(),
            project_kind: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid { path: PathBuf, line: u32, column: u32, message: String },
}

/// How a rule is configured: off, or on with a severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSetting {
    Off,
    Severity(Severity),
}

impl<'de> Deserialize<'de> for RuleSetting {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "off" => Ok(RuleSetting::Off),
            other => other.parse().map(RuleSetting::Severity).map_err(|_| {
                serde::de::Error::custom(format!(
                    "invalid rule setting `{other}`: expected \"off\" or a severity (critical, high, medium, low, info)"
                ))
            }),
        }
    }
}

/// A size in bytes: `2097152`, `"2 MB"`, `"512 KiB"`.
#[derive(Debug, Clone, Copy)]
struct ByteSize(u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bytes(n) => Ok(ByteSize(n)),
            Raw::Text(text) => parse_size(&text).map(ByteSize).map_err(serde::de::Error::custom),
        }
    }
}

/// Parses `2MB`, `2 MB`, `512KiB`, `100000` into bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 =
        number.parse().map_err(|_| format!("invalid size `{text}`: expected a number of bytes or e.g. \"2 MB\""))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!("invalid size unit `{other}` in `{text}` (use B, KB, MB or GB)"));
        }
    };
    Ok((value * factor) as u64)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    scan: ScanSection,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleSetting>,
    #[serde(default)]
    providers: Vec<Spanned<Provider>>,
    #[serde(default)]
    controls: Option<Controls>,
    #[serde(default)]
    guards: Option<Guards>,
    #[serde(default)]
    report: ReportSettings,
    #[serde(default)]
    evidence: EvidenceSection,
    #[serde(default)]
    project: ProjectSection,
}

/// `[project]`: what the repository ships.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProjectSection {
    #[serde(default)]
    kind: Option<Spanned<String>>,
}

/// `[evidence]`: plans kept outside the repository, each a location or a
/// table `{ location = "...", covers = ["prompt-injection", ...] }`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EvidenceSection {
    #[serde(default)]
    incident_response: Option<Spanned<RawReference>>,
    #[serde(default)]
    outage_runbook: Option<Spanned<RawReference>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawReference {
    Location(String),
    Table(ReferenceTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferenceTable {
    location: String,
    #[serde(default)]
    covers: Option<Vec<String>>,
}

/// The topic a `covers` entry names: `prompt-injection`, `model-output`,
/// `data-leakage`, `provider-outage`, `key-compromise`.
fn topic_named(name: &str) -> Option<crate::plans::Topic> {
    use crate::plans::Topic;
    Some(match name.trim() {
        "prompt-injection" => Topic::PromptInjection,
        "model-output" | "harmful-output" | "wrong-output" => Topic::ModelOutputFailure,
        "data-leakage" => Topic::DataLeakage,
        "provider-outage" => Topic::ProviderOutage,
        "key-compromise" => Topic::KeyCompromise,
        _ => return None,
    })
}

/// `[report]`: who the evidence report is for, and the organisation's own
/// control statements. custodia supplies the checks and the evidence; the
/// control belongs to the organisation (SOC 2 is management's description
/// of its system, not the tool's).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// The organisation's name, on the cover and in every page header.
    #[serde(default)]
    pub organization: Option<String>,
    /// The system the report covers ("Support assistant").
    #[serde(default)]
    pub system: Option<String>,
    /// Control statements by criterion: `"CC6.1" = "Every inference route ..."`.
    #[serde(default)]
    pub controls: BTreeMap<String, String>,
    /// A PNG or JPEG logo for the PDF report's first page; relative paths
    /// are read from the directory of custodia.toml.
    #[serde(default)]
    pub logo: Option<PathBuf>,
    /// Who prepares the report and who reviews it, named in its sign-off
    /// block (the signatures and dates are left to them).
    #[serde(default)]
    pub preparer: Option<String>,
    #[serde(default)]
    pub reviewer: Option<String>,
    /// `[[report.exceptions]]`: owner, due date and status for suppressions
    /// whose comment does not state them (docs/REPORTS.md).
    #[serde(default)]
    pub exceptions: Vec<ExceptionTerms>,
}

/// The terms of an exception kept in custodia.toml: for the suppressions of
/// `rule` in `path` (a file or a directory; every path when absent).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExceptionTerms {
    pub rule: String,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub ticket: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ScanSection {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    max_file_size: Option<ByteSize>,
    #[serde(default)]
    max_nesting_depth: Option<NestingDepth>,
    #[serde(default)]
    file_time_budget: Option<TimeBudget>,
    #[serde(default)]
    max_analysis_steps: Option<u64>,
    #[serde(default)]
    scope: ScopeSection,
}

/// `[scan.scope]`: which classes of files are reported, and globs that
/// decide a file's class before the conventions do.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ScopeSection {
    #[serde(default)]
    report: Option<ReportedClasses>,
    #[serde(default)]
    production: Vec<String>,
    #[serde(default)]
    test: Vec<String>,
    #[serde(default)]
    example: Vec<String>,
    #[serde(default)]
    docs: Vec<String>,
    #[serde(default)]
    generated: Vec<String>,
}

/// `report = "all"` or `report = ["production", "example"]`.
struct ReportedClasses(crate::file_class::Reported);

impl<'de> Deserialize<'de> for ReportedClasses {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            One(String),
            Many(Vec<String>),
        }
        let text = match Raw::deserialize(d)? {
            Raw::One(text) => text,
            Raw::Many(list) => list.join(","),
        };
        crate::file_class::Reported::parse(&text).map(ReportedClasses).map_err(serde::de::Error::custom)
    }
}

/// `max_nesting_depth = 200`: checked against the stack the lowering may use.
#[derive(Debug, Clone, Copy)]
struct NestingDepth(u32);

impl<'de> Deserialize<'de> for NestingDepth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let depth = u32::deserialize(d)?;
        crate::limits::check_nesting_depth(depth).map(NestingDepth).map_err(serde::de::Error::custom)
    }
}

/// `file_time_budget = "10s"` (or `"500ms"`, or a number of seconds).
#[derive(Debug, Clone, Copy)]
struct TimeBudget(std::time::Duration);

impl<'de> Deserialize<'de> for TimeBudget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Seconds(u64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Seconds(n) => n.to_string(),
            Raw::Text(text) => text,
        };
        crate::limits::parse_duration(&text).map(TimeBudget).map_err(serde::de::Error::custom)
    }
}

impl Config {
    /// The configuration for a scan of `root`: `explicit` if given, else
    /// `<root>/custodia.toml` if it exists, else the defaults.
    pub fn discover(root: &Path, explicit: Option<&Path>) -> Result<Config, ConfigError> {
        match explicit {
            Some(path) => Config::load(path),
            None => {
                let dir = if root.is_file() { root.parent().unwrap_or(root) } else { root };
                let candidate = dir.join(FILE_NAME);
                if candidate.is_file() { Config::load(&candidate) } else { Ok(Config::default()) }
            }
        }
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })?;
        Config::parse(&text, path)
    }

    /// Parses configuration text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let lines = LineIndex::new(text);
        let invalid = |offset: usize, message: String| {
            let position = lines.position(offset as u32);
            ConfigError::Invalid { path: path.to_path_buf(), line: position.line, column: position.column, message }
        };
        let file: ConfigFile = toml::from_str(text).map_err(|err| {
            let offset = err.span().map_or(0, |s| s.start);
            let mut message = err.message().to_string();
            if let Some(key) = key_at(text, offset)
                && !message.contains(&format!("`{key}`"))
            {
                message = format!("{message} (key `{key}`)");
            }
            invalid(offset, message)
        })?;
        let builtin = Catalog::builtin();
        let mut config = Config { source: Some(path.to_path_buf()), ..Config::default() };
        if let Some(kind) = file.project.kind {
            let at = kind.span().start;
            let parsed = crate::packages::PackageKind::parse(kind.get_ref()).ok_or_else(|| {
                invalid(at, format!("[project] kind `{}`: expected library, application or service", kind.get_ref()))
            })?;
            config.project_kind = Some(parsed);
        }
        let references = [
            (ReferenceKind::IncidentResponse, file.evidence.incident_response),
            (ReferenceKind::OutageRunbook, file.evidence.outage_runbook),
        ];
        for (kind, raw) in references {
            let Some(raw) = raw else { continue };
            let at = raw.span().start;
            let line = lines.position(at as u32).line;
            let (location, covers) = match raw.into_inner() {
                RawReference::Location(location) => (location, None),
                RawReference::Table(table) => (table.location, table.covers),
            };
            if location.trim().is_empty() {
                return Err(invalid(at, "[evidence]: `location` is empty".to_string()));
            }
            // Without `covers`, what the kind of document is for: every AI
            // incident for a plan, the provider outage for a runbook.
            let covers = match covers {
                None if kind == ReferenceKind::IncidentResponse => crate::plans::Topic::ALL.to_vec(),
                None => vec![crate::plans::Topic::ProviderOutage],
                Some(names) => {
                    let mut topics = Vec::new();
                    for name in &names {
                        let topic = topic_named(name).ok_or_else(|| {
                            invalid(
                                at,
                                format!(
                                    "[evidence]: unknown incident `{name}` in covers (expected prompt-injection, \
                                     model-output, data-leakage, provider-outage, key-compromise)"
                                ),
                            )
                        })?;
                        topics.push(topic);
                    }
                    topics
                }
            };
            // Cited in every output: a wiki URL with a token in it must
            // not travel with them (as a remote's must not, `git`).
            let location = crate::git::public_remote(&location);
            config.evidence.push(EvidenceReference { kind, location, covers, line });
        }
        config.exclude = file.scan.exclude;
        config.report = file.report;
        if let Some(logo) = config.report.logo.take() {
            let base = path.parent().unwrap_or(Path::new("."));
            config.report.logo = Some(if logo.is_absolute() { logo } else { base.join(logo) });
        }
        if let Some(size) = file.scan.max_file_size {
            config.max_file_size = size.0;
        }
        if let Some(depth) = file.scan.max_nesting_depth {
            config.max_nesting_depth = depth.0;
        }
        if let Some(budget) = file.scan.file_time_budget {
            config.file_time_budget = budget.0;
        }
        config.max_analysis_steps = file.scan.max_analysis_steps;
        let scope = file.scan.scope;
        if let Some(report) = scope.report {
            config.scope = report.0;
        }
        use crate::file_class::FileClass;
        config.scope_globs = [
            (FileClass::Production, scope.production),
            (FileClass::Test, scope.test),
            (FileClass::Example, scope.example),
            (FileClass::Docs, scope.docs),
            (FileClass::Generated, scope.generated),
        ]
        .into_iter()
        .filter(|(_, globs)| !globs.is_empty())
        .collect();
        if let Err(message) = crate::file_class::Classifier::new(Path::new("."), &config.scope_globs) {
            return Err(invalid(text.find("[scan.scope]").unwrap_or(0), message));
        }
        for (rule, setting) in file.rules {
            if builtin.rule(rule.get_ref()).is_none() {
                return Err(invalid(
                    rule.span().start,
                    format!("unknown rule `{}` in [rules] (run `custodia rules` for the list)", rule.get_ref()),
                ));
            }
            match setting {
                RuleSetting::Off => {
                    config.disabled.insert(rule.into_inner());
                }
                RuleSetting::Severity(severity) => {
                    config.severities.insert(rule.into_inner(), severity);
                }
            }
        }
        let mut providers = Vec::new();
        for provider in file.providers {
            let span = provider.span();
            let provider = provider.into_inner();
            if let Some(problem) = provider_problem(&provider, &builtin) {
                return Err(invalid(span.start, format!("[[providers]] `{}`: {problem}", provider.id)));
            }
            providers.push(provider);
        }
        if !providers.is_empty() || file.controls.is_some() || file.guards.is_some() {
            config.catalog = Arc::new(builtin.extended(providers, file.controls, file.guards));
        }
        Ok(config)
    }

    pub fn severity_of(&self, rule: &str) -> Option<Severity> {
        self.severities.get(rule).copied().or_else(|| self.catalog.rule(rule).map(|r| r.severity))
    }
}

fn provider_problem(provider: &Provider, builtin: &Catalog) -> Option<String> {
    if provider.id.trim().is_empty() {
        return Some("`id` is empty".into());
    }
    if builtin.provider(&provider.id).is_some() {
        return Some("this id is a built-in provider; choose another id".into());
    }
    if provider.calls.is_empty() && provider.clients.is_empty() {
        return Some("declares no `call` and no `client`: nothing would match".into());
    }
    if let Some(call) = provider.calls.iter().find(|c| c.paths.is_empty() || c.on.is_empty()) {
        return Some(format!("a [[providers.call]] needs `paths` and `on` (got paths {:?})", call.paths));
    }
    None
}

/// The dotted key written on the line holding `offset`, with its table:
/// `exclude` under `[scan]` is `scan.exclude`.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or("");
    let key = line.split('=').next().filter(|_| line.contains('='))?.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') {
        return None;
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix('[').map(|t| t.trim_matches(|c| c == '[' || c == ']').trim().to_string()));
    Some(match table {
        Some(table) => format!("{table}.{key}"),
        None => key.to_string(),
    })
}

impl fmt::Display for RuleSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleSetting::Off => f.write_str("off"),
            RuleSetting::Severity(s) => write!(f, "{s}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("custodia.toml"))
    }

    #[test]
    fn rules_and_sizes() {
        let config = parse(
            "[scan]\nmax_file_size = \"4 MB\"\n[rules]\nmissing-timeout = \"off\"\nmissing-token-cap = \"high\"\n",
        )
        .expect("valid");
        assert_eq!(config.max_file_size, 4 * 1024 * 1024);
        assert!(config.disabled.contains("missing-timeout"));
        assert_eq!(config.severity_of("missing-token-cap"), Some(Severity::High));
    }

    #[test]
    fn resource_bounds() {
        let config = parse("[scan]\nmax_nesting_depth = 50\nfile_time_budget = \"500ms\"\n").expect("valid");
        assert_eq!(config.max_nesting_depth, 50);
        assert_eq!(config.file_time_budget, std::time::Duration::from_millis(500));
        let defaults = parse("").expect("valid");
        assert_eq!(defaults.max_nesting_depth, 200);
        assert_eq!(defaults.file_time_budget, std::time::Duration::from_secs(10));
        let err = parse("[scan]\nmax_nesting_depth = 0\n").expect_err("too shallow").to_string();
        assert!(err.contains(":2:") && err.contains("nesting depth"), "{err}");
        let err = parse("[scan]\nfile_time_budget = \"soon\"\n").expect_err("not a duration").to_string();
        assert!(err.contains(":2:") && err.contains("soon"), "{err}");
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let err = parse("[scan]\nexclude = 5\n").expect_err("invalid type").to_string();
        assert!(err.starts_with("custodia.toml:2:"), "{err}");
        assert!(err.contains("scan.exclude"), "{err}");

        let err = parse("[rules]\nmissing-timeot = \"off\"\n").expect_err("unknown rule").to_string();
        assert!(err.starts_with("custodia.toml:2:1"), "{err}");
        assert!(err.contains("missing-timeot"), "{err}");

        let err = parse("[scna]\n").expect_err("unknown table").to_string();
        assert!(err.contains("scna"), "{err}");

        let err = parse("[rules]\nmissing-timeout = \"loud\"\n").expect_err("bad severity").to_string();
        assert!(err.contains("loud") && err.contains(":2:"), "{err}");
    }

    #[test]
    fn scope() {
        use crate::file_class::FileClass;
        let config = parse("[scan.scope]\nreport = [\"production\", \"example\"]\ntest = [\"qa/\"]\n").expect("valid");
        assert_eq!(config.scope.classes(), vec![FileClass::Production, FileClass::Example]);
        assert_eq!(config.scope_globs, vec![(FileClass::Test, vec!["qa/".to_string()])]);
        assert!(parse("[scan.scope]\nreport = \"all\"\n").expect("valid").scope.is_all());
        assert_eq!(parse("").expect("valid").scope.classes(), vec![FileClass::Production]);
        let err = parse("[scan.scope]\nreport = [\"prod\"]\n").expect_err("unknown class").to_string();
        assert!(err.contains(":2:") && err.contains("unknown scope `prod`"), "{err}");
        let err = parse("[scan.scope]\nfixtures = [\"x/\"]\n").expect_err("unknown key").to_string();
        assert!(err.contains("fixtures"), "{err}");
    }

    #[test]
    fn evidence_kept_elsewhere() {
        use crate::plans::Topic;
        let config = parse(
            "[evidence]\nincident_response = { location = \"https://wiki.acme.test/ai-ir\", covers = [\"prompt-injection\", \"data-leakage\"] }\noutage_runbook = \"https://wiki.acme.test/outage\"\n",
        )
        .expect("valid");
        assert_eq!(config.evidence.len(), 2);
        assert_eq!(config.evidence[0].covers, vec![Topic::PromptInjection, Topic::DataLeakage]);
        assert_eq!(config.evidence[0].line, 2);
        assert_eq!(config.evidence[1].covers, vec![Topic::ProviderOutage]);
        let err = parse("[evidence]\nincident_response = { location = \"x\", covers = [\"phishing\"] }\n")
            .expect_err("unknown incident")
            .to_string();
        assert!(err.contains(":2:") && err.contains("phishing"), "{err}");
    }

    #[test]
    fn custom_providers_extend_the_catalogue() {
        let config = parse(
            "[[providers]]\nid = \"acme\"\nname = \"Acme gateway\"\ntoken_caps = [\"maxTokens\"]\n[[providers.call]]\npaths = [\"askModel\"]\non = [\"any\"]\n",
        )
        .expect("valid");
        assert!(config.catalog.provider("acme").is_some());
        assert!(config.catalog.provider("openai").is_some());
    }
}
