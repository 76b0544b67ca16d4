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
//! covers. A template still holding a `[FILL IN ...]` placeholder (the
//! starter documents of `custodia init --docs`) is not a plan yet: it is not
//! evidence, and the finding names it.
//!
//! A plan kept outside the repository (a policy repository, a wiki) counts
//! when `custodia.toml` points at it (`[evidence] incident_response`, with the
//! incidents it `covers`). A repository made only of libraries (an SDK whose
//! calls are made on its users' behalf) is not reported: the plan is the
//! deployer's. See docs/CONFIGURATION.md for how packages are classed.
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

use crate::packages::{self, PackageKind};
use crate::plans::Topic;

use super::{ProjectContext, ProjectRule};

pub(crate) const RULE: ProjectRule = ProjectRule { id: "missing-ai-incident-response", check };

/// What the plan must name.
const REQUIRED: [Topic; 3] = [Topic::PromptInjection, Topic::ModelOutputFailure, Topic::DataLeakage];

fn check(cx: &mut ProjectContext<'_, '_>) {
    // A library's calls are made on behalf of its users: the plan is theirs.
    // What is deployed calls models: a route reaches one, or a service or an
    // application (a worker, a bot, a CLI product) makes the call itself.
    // Code under no manifest is the root package's (packages.rs decides).
    let deployed = |f: &crate::facts::FileFacts| {
        packages::package_of(cx.packages, &f.path).is_none_or(|p| p.kind != PackageKind::Library)
    };
    // A service deployed from the repository uses the repository's model
    // code, even when its routes reach it through a library package the
    // analysis does not follow (a class built at run time).
    let serves = cx.routes.iter().any(|r| !r.sites.is_empty())
        || (cx.packages.iter().any(|p| p.kind == PackageKind::Service)
            && cx.index.files().iter().any(|f| !f.inference.is_empty()));
    let uses_models = serves || cx.index.files().iter().any(|f| !f.inference.is_empty() && deployed(f));
    if !uses_models {
        return;
    }
    let documents = cx.documents;
    let mut covered = Vec::new();
    for document in documents.iter().filter(|d| d.incident_response || d.runbook) {
        let named: Vec<&(Topic, u32)> = document.topics.iter().filter(|(t, _)| REQUIRED.contains(t)).collect();
        covered.extend(named.iter().map(|(topic, _)| *topic));
        if document.reference.is_some() {
            // One pointer, one piece of evidence: what it is said to cover.
            let Some((_, line)) = named.first() else { continue };
            let labels: Vec<&str> = named.iter().map(|(t, _)| t.label()).collect();
            let description = format!("{} covers {} (line {line})", document.cited(), join_and(&labels));
            cx.evidence_in_document("SOC2:CC7.4", "incident-response", &document.path, *line, description);
            continue;
        }
        for (topic, line) in &named {
            let description = format!("{} covers {} (line {line})", document.cited(), topic.label());
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
        [] => "no incident-response document was found in the repository, and custodia.toml names none kept \
               elsewhere ([evidence] incident_response)"
            .to_string(),
        plans => {
            let them = if missing.len() > 1 { "them" } else { "it" };
            format!("the incident-response documents ({}) do not name {them}", plans.join(", "))
        }
    };
    let message = format!(
        "the project calls models but its incident response does not cover {}: {found}{}. An auditor will ask for \
         the documented response to each AI incident: how it is detected, who is paged, how the feature is switched \
         off, how keys are rotated and how customers are told",
        join_and(&missing),
        templates_left(documents)
    );
    cx.report_project(RULE.id, message, Vec::new());
}

/// `; docs/x.md is still a template ...` for the documents that hold
/// template placeholders (`custodia init --docs`): not yet evidence.
pub(crate) fn templates_left(documents: &[crate::plans::DocumentFacts]) -> String {
    documents
        .iter()
        .filter_map(|d| d.placeholder.map(|line| (d, line)))
        .map(|(d, line)| {
            format!(
                "; {} is still a template (a [FILL IN: ...] placeholder at line {line}): it is not evidence until \
                 every placeholder is filled in",
                d.path
            )
        })
        .collect()
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
