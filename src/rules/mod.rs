//! The rules: each reads a file's [`FileFacts`] and reports findings (a
//! control missing) and evidence (a control found in place).
//!
//! One rule per file. The `//!` documentation at the top of each file is the
//! rule's documentation: `custodia explain <rule>` prints it, and a test
//! checks that its Criteria section names every criterion the rule maps to in
//! `rules/rules.toml`. Severities and the mapping are data; the logic is here.

mod hardcoded_provider_key;
mod missing_failure_path;
mod missing_timeout;
mod missing_token_cap;
mod model_output_code_execution;
mod model_output_html;
mod model_output_sql;
mod plaintext_model_endpoint;
mod suppression_without_reason;
mod system_prompt_injection;
mod unused_suppression;

use std::collections::HashSet;

use crate::catalog::{Catalog, SinkKind};
use crate::facts::FileFacts;
use crate::finding::{Evidence, Finding, Related, Severity};
use crate::source::Location;

/// A rule that looks at one file's facts.
pub struct Rule {
    pub id: &'static str,
    pub check: fn(&mut Context<'_>),
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
];

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
pub fn run_file_rules(
    facts: &FileFacts,
    catalog: &Catalog,
    disabled: &HashSet<String>,
) -> (Vec<Finding>, Vec<Evidence>) {
    let mut cx = Context::new(facts, catalog);
    for rule in FILE_RULES {
        if !disabled.contains(rule.id) {
            (rule.check)(&mut cx);
        }
    }
    cx.into_results()
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
