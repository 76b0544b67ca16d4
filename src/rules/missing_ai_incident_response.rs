//! ## What it does
//! Reports, once per project, code that calls a model when no
//! incident-response document covers the incidents particular to it: prompt
//! injection, a model producing harmful or wrong output, and data leaking
//! through inference. custodia reads the documents where a reviewer looks
//! for a plan (`SECURITY.md`, `INCIDENT*`, `RUNBOOK*`, anything under
//! `docs/`, `runbooks/`, `playbooks/`, `.github/` ...), decides which are
//! incident-response plans or runbooks (by name, or because they say
//! "incident response", "on-call", "escalation"), and which of the three
//! scenarios they name; together they must name all three. Mentions inside
//! code blocks do not count. Each document found is evidence, with what it
//! covers.
//!
//! custodia cannot judge whether a plan is good: it checks that one exists
//! where a reviewer would look, and that it names the scenarios.
//!
//! ## Why it matters to an auditor
//! SOC 2 CC7.4 asks for a documented, tested response to security incidents.
//! For a system built on a model, the incidents a reviewer asks about first
//! are the model's own: a user who rewrites its instructions (OWASP LLM01),
//! output that harms or misleads (LLM05, LLM09), data that leaks through a
//! prompt or a completion (LLM02). A generic security policy does not tell
//! the on-call engineer what to do when the assistant starts leaking other
//! customers' tickets.
//!
//! ## Example
//! A repository with model calls and a `SECURITY.md` that only explains how to
//! report a vulnerability.
//!
//! ## Use instead
//! `docs/incident-response/ai-incidents.md`, with a section per scenario
//! (prompt injection, harmful or wrong model output, data leakage through
//! inference, provider outage, key compromise): how it is detected, who is
//! paged, how the feature is switched off, how keys are rotated, how
//! customers are told.
//!
//! ## Criteria
//! Maps to SOC 2 CC7.4 (primary); OWASP LLM01:2025 / LLM01:2026 and
//! LLM02:2025 / LLM02:2026; NIST AI RMF MANAGE 2.2.

use crate::documents::Topic;

use super::{ProjectContext, ProjectRule};

pub(crate) const RULE: ProjectRule = ProjectRule { id: "missing-ai-incident-response", check };

/// What the plan must name.
const REQUIRED: [Topic; 3] = [Topic::PromptInjection, Topic::ModelOutputFailure, Topic::DataLeakage];

fn check(cx: &mut ProjectContext<'_, '_>) {
    let uses_models = cx.index.files().iter().any(|f| !f.inference.is_empty());
    if !uses_models {
        return;
    }
    let documents = cx.documents;
    let mut covered = Vec::new();
    for document in documents.iter().filter(|d| d.incident_response || d.runbook) {
        let named: Vec<&(Topic, u32)> = document.topics.iter().filter(|(t, _)| REQUIRED.contains(t)).collect();
        for (topic, line) in &named {
            covered.push(*topic);
            let description = format!("`{}` covers {} (line {line})", document.path, topic.label());
            cx.evidence_in_document("SOC2:CC7.4", "incident-response", &document.path, *line, description);
        }
    }
    let missing: Vec<&str> = REQUIRED.iter().filter(|t| !covered.contains(t)).map(|t| t.label()).collect();
    if missing.is_empty() {
        return;
    }
    let plans: Vec<&str> =
        documents.iter().filter(|d| d.incident_response || d.runbook).map(|d| d.path.as_str()).collect();
    let found = match plans.as_slice() {
        [] => "no incident-response document was found".to_string(),
        plans => {
            let them = if missing.len() > 1 { "them" } else { "it" };
            format!("the incident-response documents ({}) do not name {them}", plans.join(", "))
        }
    };
    let message =
        format!("the project calls models but its incident response does not cover {}: {found}", join_and(&missing));
    cx.report_project(RULE.id, message, Vec::new());
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
