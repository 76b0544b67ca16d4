//! ## What it does
//! Reports an inference call whose call and client set no timeout: no
//! `timeout` (or `request_timeout`, botocore `read_timeout`, ...) on the call,
//! on `with_options(...)`, on the client or on the model object, and no abort
//! signal (`signal: AbortSignal.timeout(ms)`, `abortSignal` in the AI SDK). A
//! timeout set to `0` or `None` is reported as disabled. When the client is
//! built in another file, custodia cannot see its options and does not report.
//! A call in a Next.js `app/` route, page or server-actions file that exports
//! `maxDuration` is bounded by the platform, which stops the function then.
//!
//! ## Why it matters to an auditor
//! SDK defaults are long (the OpenAI SDKs wait up to ten minutes, with
//! retries). Under a provider incident, requests pile up and hold workers and
//! connections: a capacity problem (SOC 2 A1.1) that turns a partial outage
//! into a full one (A1.2). The severity is low because defaults do exist.
//!
//! ## Example
//! ```ts
//! const anthropic = new Anthropic();
//! const message = await anthropic.messages.create({ model, max_tokens: 1024, messages });
//! ```
//!
//! ## Use instead
//! ```ts
//! const anthropic = new Anthropic({ timeout: 30_000, maxRetries: 2 });
//! const message = await anthropic.messages.create({ model, max_tokens: 1024, messages });
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 A1.1 (primary) and A1.2; OWASP LLM10:2025 and LLM06:2026;
//! NIST AI RMF MEASURE 2.6; EU AI Act Art. 15.

use super::{Context, Rule};

pub(crate) const RULE: Rule = Rule { id: "missing-timeout", check, in_libraries: true };

fn check(cx: &mut Context<'_>) {
    let facts = cx.facts;
    for site in &facts.inference {
        let provider = cx.provider_name(&site.provider);
        if let Some(timeout) = &site.timeout {
            cx.evidence_in(
                timeout.path.as_ref(),
                "SOC2:A1.1",
                "timeout",
                timeout.location,
                format!(
                    "`{}: {}` on {} bounds {provider} `{}`",
                    timeout.name,
                    timeout.value,
                    timeout.on.as_str(),
                    site.api
                ),
            );
        } else if let Some(disabled) = &site.timeout_disabled {
            cx.report(
                RULE.id,
                site.location,
                format!(
                    "{provider} `{}` call runs with its timeout disabled (`{}: {}` on {})",
                    site.api,
                    disabled.name,
                    disabled.value,
                    disabled.on.as_str()
                ),
                vec![cx.related_in(
                    disabled.path.as_ref(),
                    disabled.location,
                    "the timeout is disabled here".to_string(),
                )],
            );
        } else if site.timeout_decidable() {
            cx.report(
                RULE.id,
                site.location,
                format!(
                    "{provider} `{}` call sets no timeout on the call or its client; SDK defaults are minutes long",
                    site.api
                ),
                Vec::new(),
            );
        }
    }
}
