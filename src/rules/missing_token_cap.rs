//! ## What it does
//! Reports an inference call that sets no limit on the number of tokens the
//! model may generate: neither the call nor the model object it is made
//! through sets the provider's cap (`max_tokens`, `max_completion_tokens`,
//! `max_output_tokens`, `maxOutputTokens`, `maxTokens`, `num_predict` ...).
//! Options built in a local variable or spread from a local object are
//! followed; when options come from somewhere custodia cannot see (a
//! parameter, a spread of an unknown value), it does not report. An
//! embedding call (its model, or the function making it, says "embed":
//! `amazon.titan-embed-text-v2`, `embedTextTitan`) generates no tokens and is
//! not reported.
//!
//! ## Why it matters to an auditor
//! Capacity management (SOC 2 A1.1) asks that the use of system components is
//! bounded. An uncapped generation lets one request consume minutes of model
//! time and an unbounded bill (OWASP "Unbounded Consumption"); a cap is the
//! simplest control that shows the team manages inference capacity.
//!
//! ## Example
//! ```ts
//! const completion = await openai.chat.completions.create({
//!   model: "gpt-4o",
//!   messages,
//! });
//! ```
//!
//! ## Use instead
//! ```ts
//! const completion = await openai.chat.completions.create({
//!   model: "gpt-4o",
//!   messages,
//!   max_completion_tokens: 1024,
//! });
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 A1.1 (primary); OWASP LLM10:2025 and LLM06:2026 (Unbounded
//! Consumption); NIST AI RMF MEASURE 2.6; EU AI Act Art. 15.

use super::{Context, Rule};

pub(crate) const RULE: Rule = Rule { id: "missing-token-cap", check, in_libraries: true };

fn check(cx: &mut Context<'_>) {
    let facts = cx.facts;
    for site in &facts.inference {
        let provider = cx.provider_name(&site.provider);
        match &site.token_cap {
            Some(cap) => cx.evidence_in(
                cap.path.as_ref(),
                "SOC2:A1.1",
                "token-cap",
                cap.location,
                format!(
                    "`{}: {}` on {} caps the output of {provider} `{}`",
                    cap.name,
                    cap.value,
                    cap.on.as_str(),
                    site.api
                ),
            ),
            // An embedding produces no output tokens: a call that is one by
            // its model or by the function making it (`embedTextTitan`,
            // `embed_documents`) has nothing to cap.
            None if is_embedding(facts, site) => {}
            None if site.options_known => {
                let names: Vec<String> = site.token_cap_names.iter().map(|n| format!("`{n}`")).collect();
                cx.report(
                    RULE.id,
                    site.location,
                    format!("{provider} `{}` call sets no output-token cap ({})", site.api, names.join(" or ")),
                    Vec::new(),
                );
            }
            None => {}
        }
    }
}

fn is_embedding(facts: &crate::facts::FileFacts, site: &crate::facts::InferenceSite) -> bool {
    let says = |name: &str| name.to_ascii_lowercase().contains("embed");
    site.model.as_deref().is_some_and(says)
        || site.function.and_then(|f| facts.functions.get(f as usize)).and_then(|f| f.name.as_deref()).is_some_and(says)
}
