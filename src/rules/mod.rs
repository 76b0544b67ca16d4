//! The rules: each reads a file's [`FileFacts`] and reports findings (a
//! control missing) and evidence (a control found in place).
//!
//! One rule per file. The `//!` documentation at the top of each file is the
//! rule's documentation: `custodia explain <rule>` prints it, and a test
//! checks that its Criteria section names every criterion the rule maps to in
//! `rules/rules.toml`. Severities and the mapping are data; the logic is here.

mod hardcoded_provider_key;
mod inference_without_auth;
mod inference_without_logging;
mod inference_without_rate_limit;
mod missing_ai_incident_response;
mod missing_failure_path;
mod missing_outage_readiness;
mod missing_timeout;
mod missing_token_cap;
mod model_config_from_request;
mod model_output_code_execution;
mod model_output_html;
mod model_output_sql;
mod plaintext_model_endpoint;
mod suppression_without_reason;
mod system_prompt_injection;
mod unguarded_config_write;
mod unused_suppression;

use std::collections::HashSet;

use crate::catalog::{Catalog, SinkKind};
use crate::facts::{FileFacts, GuardKind};
use crate::finding::{Evidence, Finding, Related, Severity};
use crate::plans::DocumentFacts;
use crate::project::ProjectIndex;
use crate::project::reach::{Cover, Route};
use crate::source::Location;

/// A rule that looks at one file's facts.
pub struct Rule {
    pub id: &'static str,
    pub check: fn(&mut Context<'_>),
    /// The control is the deployer's, not a library's: in a package that is
    /// published for others to install (`packages.rs`), letting the error
    /// reach the caller *is* the failure path, so the rule is not reported
    /// there.
    pub in_libraries: bool,
}

/// Whether findings of `rule` stand in a library package.
pub fn applies_in_libraries(rule: &str) -> bool {
    FILE_RULES.iter().find(|r| r.id == rule).is_none_or(|r| r.in_libraries)
}

/// Rules run on every analysed file, in this order.
pub const FILE_RULES: &[Rule] = &[
    missing_token_cap::RULE,
    missing_failure_path::RULE,
    missing_timeout::RULE,
    hardcoded_provider_key::RULE,
    plaintext_model_endpoint::RULE,
    model_output_code_execution::RULE,
    model_output_sql::RULE,
    model_output_html::RULE,
    system_prompt_injection::RULE,
    model_config_from_request::RULE,
];

/// Rules run once over the whole project, after every file's facts are known.
pub const PROJECT_RULES: &[ProjectRule] = &[
    inference_without_auth::RULE,
    inference_without_rate_limit::RULE,
    inference_without_logging::RULE,
    unguarded_config_write::RULE,
    missing_ai_incident_response::RULE,
    missing_outage_readiness::RULE,
];

/// A rule that looks at the whole project (routes, reachability).
pub struct ProjectRule {
    pub id: &'static str,
    pub check: fn(&mut ProjectContext<'_, '_>),
}

/// What a project rule sees and where it writes.
pub struct ProjectContext<'a, 'f> {
    pub index: &'a ProjectIndex<'f>,
    pub routes: &'a [Route<'f>],
    /// Incident-response plans, runbooks and other documents of the project.
    pub documents: &'a [DocumentFacts],
    /// What each package ships (see `packages`).
    pub packages: &'a [crate::packages::Package],
    pub catalog: &'a Catalog,
    findings: Vec<Finding>,
    evidence: Vec<Evidence>,
    evidence_seen: HashSet<(&'static str, String, Location)>,
}

impl<'a, 'f> ProjectContext<'a, 'f> {
    pub fn path(&self, file: usize) -> String {
        self.index.files().get(file).map(|f| f.path.clone()).unwrap_or_default()
    }

    pub fn report(
        &mut self,
        rule: &'static str,
        file: usize,
        location: Location,
        message: String,
        related: Vec<Related>,
    ) {
        let severity = self.catalog.rule(rule).map_or(Severity::Medium, |r| r.severity);
        let path = self.path(file);
        self.findings.push(Finding { rule, severity, message, path: Some(path), location: Some(location), related });
    }

    /// A finding about the project as a whole (no file is at fault).
    pub fn report_project(&mut self, rule: &'static str, message: String, related: Vec<Related>) {
        let severity = self.catalog.rule(rule).map_or(Severity::Medium, |r| r.severity);
        self.findings.push(Finding { rule, severity, message, path: None, location: None, related });
    }

    /// Evidence in a file that is not a source file (a document).
    pub fn evidence_in_document(
        &mut self,
        criterion: &'static str,
        kind: &'static str,
        path: &str,
        line: u32,
        description: String,
    ) {
        let location = line_location(line);
        if self.evidence_seen.insert((kind, path.to_string(), location)) {
            self.evidence.push(Evidence { criterion, kind, path: path.to_string(), location, description });
        }
    }

    pub fn evidence(
        &mut self,
        criterion: &'static str,
        kind: &'static str,
        file: usize,
        location: Location,
        description: String,
    ) {
        let path = self.path(file);
        if self.evidence_seen.insert((kind, path.clone(), location)) {
            self.evidence.push(Evidence { criterion, kind, path, location, description });
        }
    }
}

/// The start of a line, as a location (documents have no byte spans here).
pub fn line_location(line: u32) -> Location {
    let position = crate::source::Position { line, column: 1 };
    Location { span: Default::default(), range: crate::source::Range { start: position, end: position } }
}

/// What the project rules read besides the files: the documents where
/// plans are, and what each package ships.
pub struct ProjectInputs<'a> {
    pub documents: &'a [DocumentFacts],
    pub packages: &'a [crate::packages::Package],
}

/// Runs the project rules that are not switched off.
pub fn run_project_rules(
    index: &ProjectIndex<'_>,
    routes: &[Route<'_>],
    inputs: &ProjectInputs<'_>,
    catalog: &Catalog,
    disabled: &HashSet<String>,
) -> RuleResults {
    let mut cx = ProjectContext {
        index,
        routes,
        documents: inputs.documents,
        packages: inputs.packages,
        catalog,
        findings: Vec::new(),
        evidence: Vec::new(),
        evidence_seen: HashSet::new(),
    };
    let mut failures = Vec::new();
    for rule in PROJECT_RULES {
        if !disabled.contains(rule.id) {
            let kept = (cx.findings.len(), cx.evidence.len());
            if let Err(message) = isolated(rule.id, || (rule.check)(&mut cx)) {
                cx.findings.truncate(kept.0);
                cx.evidence.truncate(kept.1);
                failures.push(RuleFailure { rule: rule.id, path: None, message });
            }
        }
    }
    RuleResults { findings: cx.findings, evidence: cx.evidence, failures }
}

/// What the rules made of their input.
#[derive(Debug, Default)]
pub struct RuleResults {
    pub findings: Vec<Finding>,
    pub evidence: Vec<Evidence>,
    pub failures: Vec<RuleFailure>,
}

/// A rule that panicked. Its findings on that input are dropped; every other
/// rule's stand, and the failure is reported (stderr and JSON for `scan`, a
/// log line in the editor) so that silence is never read as "nothing found".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFailure {
    pub rule: &'static str,
    /// The file being checked; `None` for project rules.
    pub path: Option<String>,
    pub message: String,
}

impl std::fmt::Display for RuleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(path) => write!(f, "rule `{}` failed on {path}: {}", self.rule, self.message),
            None => write!(f, "rule `{}` failed: {}", self.rule, self.message),
        }
    }
}

/// Runs one rule, turning a panic into an error message.
fn isolated(rule: &'static str, check: impl FnOnce()) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        inject_fault(rule);
        check();
    }))
    .map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panicked".to_string())
    })
}

/// Test hook (debug builds only): `CUSTODIA_FAULT_RULE=<rule id>` makes that
/// rule panic, so tests can show a failing rule is reported and contained.
fn inject_fault(rule: &'static str) {
    #[cfg(debug_assertions)]
    if std::env::var("CUSTODIA_FAULT_RULE").is_ok_and(|r| r == rule) {
        panic!("fault injected into `{rule}` (CUSTODIA_FAULT_RULE)");
    }
    #[cfg(not(debug_assertions))]
    let _ = rule;
}

/// Shared by the route rules: for every route that reaches a model, a
/// finding when no control of `kind` covers it, evidence for each one that does.
/// How many controls of a kind are cited as evidence for one route.
const EVIDENCE_PER_ROUTE: usize = 3;

fn route_controls(
    cx: &mut ProjectContext<'_, '_>,
    rule: &'static str,
    kind: GuardKind,
    criterion: &'static str,
    evidence_kind: &'static str,
    missing: &str,
) {
    let routes = cx.routes;
    // Control → (where, routes it covers, how).
    type Covered = (Location, Vec<String>, Vec<&'static str>);
    let mut covered: std::collections::BTreeMap<(usize, u32, u32, &str), Covered> = Default::default();
    for route in routes.iter().filter(|r| !r.sites.is_empty()) {
        let covers: Vec<&Cover> = route.covers.iter().filter(|c| c.kind == kind).collect();
        if covers.is_empty() {
            let first = &route.sites[0];
            let site_facts = &cx.index.files()[first.file];
            let site = &site_facts.inference[first.site];
            let provider = cx.catalog.provider(&site.provider).map_or("", |p| p.name.as_str());
            let mut message =
                format!("{} reaches {provider} `{}` ({}) with no {missing}", route.label(), site.api, site_facts.path);
            if route.sites.len() > 1 {
                message.push_str(&format!(" (and {} more model calls)", route.sites.len() - 1));
            }
            let names: Vec<String> = route
                .unknown_guards
                .iter()
                .filter(|(k, _)| *k == kind)
                .take(3)
                .map(|(_, n)| format!("`{n}`"))
                .collect();
            if !names.is_empty() {
                message.push_str(&format!(
                    "; custodia does not know {} as a control: if one is, declare it in custodia.toml ([guards.{}])",
                    names.join(", "),
                    if kind == GuardKind::Auth { "auth" } else { "rate_limit" }
                ));
            }
            let mut related = Vec::new();
            for reached in route.sites.iter().take(3) {
                let facts = &cx.index.files()[reached.file];
                let site = &facts.inference[reached.site];
                for (file, location, name) in &reached.path {
                    related.push(Related {
                        path: cx.path(*file),
                        location: *location,
                        message: format!("calls `{name}`"),
                    });
                }
                related.push(Related {
                    path: facts.path.clone(),
                    location: site.location,
                    message: format!("model called here: `{}`", site.api),
                });
            }
            related.dedup();
            cx.report(rule, route.at.0, route.at.1, message, related);
        } else {
            // The controls nearest the entrypoint (middleware first, then
            // the handler's path in call order) stand for the route: a
            // logger called in every helper on the way says no more.
            for cover in covers.into_iter().take(EVIDENCE_PER_ROUTE) {
                let key = (cover.file, cover.location.span.start, cover.location.span.end, cover.name.as_str());
                let entry = covered.entry(key).or_insert_with(|| (cover.location, Vec::new(), Vec::new()));
                entry.1.push(route.label());
                entry.2.push(cover.how);
            }
        }
    }
    // One piece of evidence per control, with every route it covers.
    for ((file, _, _, name), (location, mut labels, mut hows)) in covered {
        labels.sort();
        labels.dedup();
        hows.sort();
        hows.dedup();
        let shown = labels.iter().take(MAX_ROUTES_LISTED).cloned().collect::<Vec<_>>().join(", ");
        let more = labels.len().saturating_sub(MAX_ROUTES_LISTED);
        let more = if more > 0 { format!(" and {more} more routes") } else { String::new() };
        cx.evidence(
            criterion,
            evidence_kind,
            file,
            location,
            format!("`{name}` covers {shown}{more} ({})", hows.join(", ")),
        );
    }
}

/// Evidence names this many routes a control covers, then counts the rest.
const MAX_ROUTES_LISTED: usize = 6;

/// Rules reported by the suppression machinery rather than by a check.
pub const SUPPRESSION_RULES: &[&str] = &[suppression_without_reason::ID, unused_suppression::ID];

mod docs {
    include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));
}

/// The documentation of a rule, from its source file.
pub fn documentation(id: &str) -> Option<&'static str> {
    docs::RULE_DOCS.iter().find(|(rule, _)| *rule == id).map(|(_, doc)| *doc)
}

/// Every rule id that has documentation (every rule custodia has).
pub fn documented_ids() -> impl Iterator<Item = &'static str> {
    docs::RULE_DOCS.iter().map(|(id, _)| *id)
}

/// What a rule sees and where it writes.
pub struct Context<'a> {
    pub facts: &'a FileFacts,
    pub catalog: &'a Catalog,
    findings: Vec<Finding>,
    evidence: Vec<Evidence>,
    evidence_seen: HashSet<(&'static str, String, Location)>,
}

impl<'a> Context<'a> {
    pub fn new(facts: &'a FileFacts, catalog: &'a Catalog) -> Self {
        Context { facts, catalog, findings: Vec::new(), evidence: Vec::new(), evidence_seen: HashSet::new() }
    }

    pub fn report(&mut self, rule: &'static str, location: Location, message: String, related: Vec<Related>) {
        let severity = self.catalog.rule(rule).map_or(Severity::Medium, |r| r.severity);
        self.findings.push(Finding {
            rule,
            severity,
            message,
            path: Some(self.facts.path.clone()),
            location: Some(location),
            related,
        });
    }

    /// Records a control found in place in this file; one record per kind and place.
    pub fn evidence(&mut self, criterion: &'static str, kind: &'static str, location: Location, description: String) {
        self.evidence_in(None, criterion, kind, location, description);
    }

    /// Records a control found in place, in `path` when it is not this file
    /// (the timeout of a client another module builds).
    pub fn evidence_in(
        &mut self,
        path: Option<&String>,
        criterion: &'static str,
        kind: &'static str,
        location: Location,
        description: String,
    ) {
        let path = path.unwrap_or(&self.facts.path).clone();
        if self.evidence_seen.insert((kind, path.clone(), location)) {
            self.evidence.push(Evidence { criterion, kind, path, location, description });
        }
    }

    pub fn related(&self, location: Location, message: String) -> Related {
        Related { path: self.facts.path.clone(), location, message }
    }

    /// A related location in `path`, or in this file when `None`.
    pub fn related_in(&self, path: Option<&String>, location: Location, message: String) -> Related {
        Related { path: path.unwrap_or(&self.facts.path).clone(), location, message }
    }

    /// Display name of a provider id (`openai` → `OpenAI`).
    pub fn provider_name(&self, id: &str) -> &'a str {
        let catalog: &'a Catalog = self.catalog;
        catalog.provider(id).map_or("", |p| p.name.as_str())
    }

    pub fn into_results(self) -> (Vec<Finding>, Vec<Evidence>) {
        (self.findings, self.evidence)
    }
}

/// Runs the file rules that are not switched off.
pub fn run_file_rules(facts: &FileFacts, catalog: &Catalog, disabled: &HashSet<String>) -> RuleResults {
    let mut cx = Context::new(facts, catalog);
    let mut failures = Vec::new();
    for rule in FILE_RULES {
        if !disabled.contains(rule.id) {
            let kept = (cx.findings.len(), cx.evidence.len());
            if let Err(message) = isolated(rule.id, || (rule.check)(&mut cx)) {
                cx.findings.truncate(kept.0);
                cx.evidence.truncate(kept.1);
                failures.push(RuleFailure { rule: rule.id, path: Some(facts.path.clone()), message });
            }
        }
    }
    let (findings, evidence) = cx.into_results();
    RuleResults { findings, evidence, failures }
}

/// Shared by the three model-output rules: reports flows of model output
/// into sinks of one kind, and records sanitised flows as evidence.
fn model_output_flows(cx: &mut Context<'_>, rule: &'static str, kind: SinkKind, what: &str) {
    let facts = cx.facts;
    for flow in facts.sink_flows.iter().filter(|f| f.kind == kind) {
        let sites: Vec<&crate::facts::InferenceSite> =
            flow.sites.iter().filter_map(|s| facts.inference.get(*s as usize)).collect();
        let apis: Vec<String> = sites.iter().map(|s| format!("`{}`", s.api)).collect();
        let apis = apis.join(", ");
        match &flow.sanitizer {
            None => {
                let related = sites
                    .iter()
                    .map(|s| cx.related(s.location, format!("model output produced by `{}`", s.api)))
                    .collect();
                cx.report(rule, flow.location, format!("output of {apis} reaches `{}` ({what})", flow.sink), related);
            }
            Some(sanitizer) => cx.evidence(
                "SOC2:CC6.8",
                "output-sanitized",
                flow.location,
                format!("output of {apis} passes `{sanitizer}` before `{}`", flow.sink),
            ),
        }
    }
}
