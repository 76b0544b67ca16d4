//! ## What it does
//! Reports, once per project, a service that serves inference (an HTTP
//! route reaches a model call) with neither a health-check route (`/health`,
//! `/healthz`, `/readyz`, `/livez`, `/ping` ...) nor a runbook for an outage
//! of the model provider (a runbook or incident-response document that talks
//! about an outage, failover or degraded mode of the provider or the model).
//! A Next.js middleware or proxy (`proxy.ts`) that answers a health path
//! itself (`if (pathname.startsWith("/ping")) return ...`) is a health check.
//! Either one is evidence, and one is enough: a service with a health check
//! and no runbook is not reported, and neither is one with a runbook and no
//! health check. A runbook still holding a `[FILL IN ...]` template
//! placeholder (`custodia init --docs`) is not evidence until it is filled in.
//!
//! ## Why it matters to an auditor
//! SOC 2 A1.2 asks for the means to detect and recover from failures of the
//! infrastructure a system depends on. A model provider is such
//! infrastructure, and it fails: rate limits, regional outages, deprecated
//! models. A health check lets the platform notice and route around a broken
//! instance; a runbook tells the on-call engineer how to switch to a fallback
//! model or turn the feature off.
//!
//! ## Example
//! A Next.js app whose API routes call OpenAI, with no `/api/health` route and
//! no document mentioning what to do when OpenAI is down.
//!
//! ## Use instead
//! ```ts
//! // app/api/health/route.ts
//! export function GET() {
//!   return Response.json({ ok: true });
//! }
//! ```
//! and `docs/runbooks/model-provider-outage.md`: how an outage shows, the
//! fallback model and how to switch to it, who decides to turn the feature off.
//!
//! ## Criteria
//! Maps to SOC 2 A1.2 (primary) and A1.1; OWASP LLM10:2025 / LLM06:2026;
//! NIST AI RMF MANAGE 2.2; EU AI Act Art. 15.

use crate::plans::Topic;

use super::{ProjectContext, ProjectRule};

pub(crate) const RULE: ProjectRule = ProjectRule { id: "missing-outage-readiness", check };

fn check(cx: &mut ProjectContext<'_, '_>) {
    let routes = cx.routes;
    if !routes.iter().any(|r| !r.sites.is_empty()) {
        return;
    }
    let mut ready = false;
    for route in routes.iter().filter(|r| is_health_check(&r.path)) {
        ready = true;
        let description = format!("{} answers health checks", route.label());
        cx.evidence("SOC2:A1.2", "health-check", route.at.0, route.at.1, description);
    }
    // Next.js middleware (or Next.js 16's proxy) answering a health path itself.
    let index = cx.index;
    for (file, facts) in index.files().iter().enumerate() {
        let Some(middleware) = &facts.next_middleware else { continue };
        for (path, location) in &middleware.health {
            ready = true;
            let name = facts.path.rsplit('/').next().unwrap_or(&facts.path);
            cx.evidence(
                "SOC2:A1.2",
                "health-check",
                file,
                *location,
                format!("{name} answers health checks on {path}"),
            );
        }
    }
    for document in cx.documents.iter().filter(|d| d.incident_response || d.runbook) {
        if let Some((_, line)) = document.topics.iter().find(|(t, _)| *t == Topic::ProviderOutage) {
            ready = true;
            let description = format!("{} covers a {} (line {line})", document.cited(), Topic::ProviderOutage.label());
            cx.evidence_in_document("SOC2:A1.2", "outage-runbook", &document.path, *line, description);
        }
    }
    if !ready {
        let message = format!(
            "the project serves inference but has no health-check route and no runbook for an outage of the model \
             provider{}",
            super::missing_ai_incident_response::templates_left(cx.documents)
        );
        cx.report_project(RULE.id, message, Vec::new());
    }
}

/// `/api/healthz`, `/health/`, `/v1/ping`.
fn is_health_check(path: &str) -> bool {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    crate::frameworks::HEALTH_SEGMENTS.contains(&last.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_paths() {
        assert!(is_health_check("/healthz"));
        assert!(is_health_check("/api/health/"));
        assert!(!is_health_check("/api/chat"));
        assert!(!is_health_check("/patient-health-records"));
    }
}
