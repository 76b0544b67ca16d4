//! ## What it does
//! Reports an inference call with no failure path: it is not inside
//! `try`/`catch` (`try`/`except` in Python), no `.catch(...)` handles its
//! promise, it is not made through a model with fallbacks (LangChain
//! `withFallbacks` / `with_fallbacks`), and no `fallbacks` option (LiteLLM) or
//! stream `onError` handler is set, on the call or on the stream whose
//! callback makes it (`createUIMessageStream({ execute, onError })`). A call made in a `catch`/`except` block
//! or a `.catch` handler is the fallback of the call that failed: the
//! handler is the failure path of both, and it is not reported. Nor is a
//! call made in a function a retry decorator wraps (tenacity's `@retry`,
//! `@tenacity.retry`, backoff's `@backoff.on_exception`): its failure is
//! retried by design.
//!
//! Not reported in a library package (published for others to install; see
//! docs/CONFIGURATION.md): a library that lets the provider's error reach its
//! caller does the right thing, and the failure path is the application's.
//!
//! ## Why it matters to an auditor
//! Model providers have outages, rate limits and timeouts. Availability
//! criteria (SOC 2 A1.1, A1.2) look for designed responses to component
//! failure: a call that throws straight into the framework's generic error
//! page gives users nothing and operators no signal. A handled failure (a
//! degraded response, a retry on a second model) is the evidence.
//!
//! ## Example
//! ```python
//! @app.post("/summarize")
//! async def summarize(body: SummarizeRequest):
//!     response = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[...])
//!     return {"summary": response.content[0].text}
//! ```
//!
//! ## Use instead
//! ```python
//! @app.post("/summarize")
//! async def summarize(body: SummarizeRequest):
//!     try:
//!         response = client.messages.create(model="claude-sonnet-4-5", max_tokens=512, messages=[...])
//!     except anthropic.APIError:
//!         logger.exception("summarize: provider call failed")
//!         raise HTTPException(status_code=503, detail="Summaries are unavailable, try again shortly")
//!     return {"summary": response.content[0].text}
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 A1.1 (primary) and A1.2; OWASP LLM10:2025 and LLM06:2026;
//! NIST AI RMF GOVERN 6.2 and MEASURE 2.6; EU AI Act Art. 15.

use crate::lang::Language;

use super::{Context, Rule};

pub(crate) const RULE: Rule = Rule { id: "missing-failure-path", check, in_libraries: false };

fn check(cx: &mut Context<'_>) {
    let facts = cx.facts;
    let guard = if facts.language == Some(Language::Python) { "try/except" } else { "try/catch" };
    for site in &facts.inference {
        let provider = cx.provider_name(&site.provider);
        match &site.failure {
            Some(failure) => cx.evidence_in(
                failure.path.as_ref(),
                "SOC2:A1.1",
                "failure-path",
                failure.location,
                format!("{provider} `{}` call is handled by {}", site.api, failure.kind),
            ),
            None => cx.report(
                RULE.id,
                site.location,
                format!(
                    "{provider} `{}` call has no failure path: not inside {guard}, no .catch, no fallback model",
                    site.api
                ),
                Vec::new(),
            ),
        }
    }
}
