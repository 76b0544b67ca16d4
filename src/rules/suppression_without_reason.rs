//! ## What it does
//! Reports a `custodia-ignore[rule-id]` comment that gives no reason after a
//! colon. Such a comment suppresses nothing: the finding it points at is still
//! reported.
//!
//! ## Why it matters to an auditor
//! A suppressed finding is an exception to a control. Auditors accept
//! exceptions that are documented, with a justification they can read and
//! challenge (SOC 2 CC7.1: the monitoring procedure and its exceptions); a
//! silent suppression looks like a control switched off.
//!
//! ## Example
//! ```ts
//! // custodia-ignore[missing-timeout]
//! const result = await generateText({ model, prompt });
//! ```
//!
//! ## Use instead
//! ```ts
//! // custodia-ignore[missing-timeout]: nightly batch job; the worker's 5-minute deadline bounds it
//! const result = await generateText({ model, prompt });
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC7.1 (primary).

pub(crate) const ID: &str = "suppression-without-reason";
