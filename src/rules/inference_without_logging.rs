//! ## What it does
//! Reports an HTTP entrypoint from which an inference call can be reached
//! when no log call records the event on the way: no call on a logger
//! (`logger.info`, `log.warn`, `auditLog.event`, pino, winston, bunyan,
//! Python `logging`, structlog) in the handler, in the functions it calls,
//! or in middleware that covers the route; nor does the call record itself
//! (the AI SDK's `experimental_telemetry`, unless `isEnabled: false`: an
//! OpenTelemetry span per call). `console.log` does not count: it
//! is not an application log anyone monitors. Entrypoints and reachability
//! are as for `inference-without-auth`.
//!
//! ## Why it matters to an auditor
//! Monitoring (SOC 2 CC7.2) starts with a record of the events to monitor:
//! who called which model, when, with how many tokens and what outcome.
//! Without it, abuse, cost spikes and failures of the AI feature go unseen,
//! and an incident cannot be reconstructed (EU AI Act Art. 12, record-keeping).
//!
//! ## Example
//! ```ts
//! app.post("/api/draft", requireUser, async (req, res) => {
//!   const completion = await openai.chat.completions.create({ model, messages, max_tokens: 500 });
//!   res.json({ draft: completion.choices[0].message.content });
//! });
//! ```
//!
//! ## Use instead
//! ```ts
//! app.post("/api/draft", requireUser, async (req, res) => {
//!   const completion = await openai.chat.completions.create({ model, messages, max_tokens: 500 });
//!   logger.info({ user: req.user.id, model, usage: completion.usage }, "draft generated");
//!   res.json({ draft: completion.choices[0].message.content });
//! });
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC7.2 (primary); OWASP LLM10:2025 / LLM06:2026; NIST AI RMF
//! MEASURE 2.4; EU AI Act Art. 12.

use crate::facts::GuardKind;

use super::{ProjectContext, ProjectRule, route_controls};

pub(crate) const RULE: ProjectRule = ProjectRule { id: "inference-without-logging", check };

fn check(cx: &mut ProjectContext<'_, '_>) {
    route_controls(
        cx,
        RULE.id,
        GuardKind::Logging,
        "SOC2:CC7.2",
        "inference-logging",
        "logging of the inference event",
    );
}
