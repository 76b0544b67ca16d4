//! ## What it does
//! Reports a model's system instructions, or the choice of model, taken whole
//! from the incoming request: `{ role: "system", content: body.systemPrompt }`,
//! `system=payload.system_prompt`, `model: req.body.model`,
//! `model=request.json["model"]`. Request input concatenated into a longer
//! system message is `system-prompt-injection` instead; a value picked from a
//! server-side allow-list (`PERSONAS[name]`, `MODELS.get(tier)`) is not
//! reported.
//!
//! ## Why it matters to an auditor
//! SOC 2 CC6.2 asks who may change how a system behaves. When the request
//! carries the system prompt or names the model, every caller of the route can
//! rewrite the application's instructions (its rules, refusals and
//! confidentiality) or switch it to a costlier or unapproved model: the
//! configuration is controlled by whoever sends the request, not by the
//! people the company authorised (OWASP LLM01, LLM07).
//!
//! ## Example
//! ```py
//! @router.post("/playground")
//! async def playground(body: PlaygroundIn, user: User = Depends(current_user)):
//!     return await client.chat.completions.create(
//!         model=body.model,
//!         messages=[{"role": "system", "content": body.system_prompt}, {"role": "user", "content": body.sample}],
//!     )
//! ```
//!
//! ## Use instead
//! ```py
//! PROMPTS = {"support": SUPPORT_PROMPT, "sales": SALES_PROMPT}
//! MODELS = {"fast": "gpt-4o-mini", "best": "gpt-4o"}
//!
//! async def playground(body: PlaygroundIn, user: User = Depends(require_prompt_engineer)):
//!     return await client.chat.completions.create(
//!         model=MODELS.get(body.tier, "gpt-4o-mini"),
//!         messages=[{"role": "system", "content": PROMPTS[body.prompt_id]}, {"role": "user", "content": body.sample}],
//!     )
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC6.2 (primary) and CC6.8; OWASP LLM01:2025 / LLM01:2026
//! and LLM07:2025 / LLM08:2026; NIST AI RMF MEASURE 2.7; EU AI Act Art. 15.

use super::{Context, Rule};

pub(crate) const RULE: Rule = Rule { id: "model-config-from-request", check, in_libraries: true };

fn check(cx: &mut Context<'_>) {
    let facts = cx.facts;
    for input in facts.system_inputs.iter().filter(|i| i.model || !i.interpolated) {
        let related =
            vec![cx.related(input.source_location, format!("request input from {} enters here", input.source))];
        let message = if input.model {
            format!(
                "the {} of a model call is taken from {}: any caller chooses which model runs",
                input.slot, input.source
            )
        } else {
            format!(
                "the {} of a model is taken whole from {}: any caller writes the model's instructions",
                input.slot, input.source
            )
        };
        cx.report(RULE.id, input.location, message, related);
    }
}
