//! ## What it does
//! Reports request input concatenated into the system instructions of a
//! model: a `role: "system"` (or `"developer"`) message, the `system` /
//! `instructions` / `systemInstruction` / `system_instruction` / `preamble`
//! option of an inference call or model, a LangChain `SystemMessage` or
//! `("system", ...)` template, built with a template string, an f-string,
//! `+` or `.format()` that includes data from the incoming request (`req.body`,
//! `await req.json()`, `request.args`, FastAPI route parameters, server
//! action arguments, tRPC `input`). A system prompt taken wholesale from the
//! request is a different finding (CC6.2, request-controlled configuration).
//!
//! ## Why it matters to an auditor
//! The system message is the application's own instruction to the model: the
//! place its rules, persona and refusals live. Mixing user text into it lets a
//! user rewrite those rules (prompt injection, OWASP LLM01) and read them back
//! (LLM07). Under SOC 2 CC6.8 and CC6.6 this is unauthorized input changing
//! how the system behaves.
//!
//! ## Example
//! ```ts
//! const { persona, question } = await req.json();
//! await openai.chat.completions.create({
//!   model: "gpt-4o-mini",
//!   messages: [
//!     { role: "system", content: `You are ${persona}. Answer briefly.` },
//!     { role: "user", content: question },
//!   ],
//! });
//! ```
//!
//! ## Use instead
//! ```ts
//! const PERSONAS = { tutor: "You are a patient tutor.", editor: "You are a copy editor." };
//! const system = PERSONAS[persona as keyof typeof PERSONAS] ?? PERSONAS.tutor;
//! await openai.chat.completions.create({
//!   model: "gpt-4o-mini",
//!   messages: [{ role: "system", content: system }, { role: "user", content: question }],
//! });
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC6.8 (primary) and CC6.6; OWASP LLM01:2025 / LLM01:2026
//! (Prompt Injection) and LLM07:2025 / LLM08:2026; NIST AI RMF MEASURE 2.7;
//! EU AI Act Art. 15.

use super::{Context, Rule};

pub(crate) const RULE: Rule = Rule { id: "system-prompt-injection", check, in_libraries: true };

fn check(cx: &mut Context<'_>) {
    let facts = cx.facts;
    for input in facts.system_inputs.iter().filter(|i| i.interpolated && !i.model) {
        let related =
            vec![cx.related(input.source_location, format!("request input from {} enters here", input.source))];
        cx.report(
            RULE.id,
            input.location,
            format!("request input from {} is concatenated into the {} of a model", input.source, input.slot),
            related,
        );
    }
}
