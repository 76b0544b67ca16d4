//! ## What it does
//! Reports a `custodia-ignore[rule-id]: reason` comment that suppresses
//! nothing: no finding of that rule starts on its line (or, for a comment on a
//! line of its own, on the next line), the rule id is unknown, or no rule is
//! named at all. Suppressions of rules switched off in `custodia.toml` are not
//! reported.
//!
//! ## Why it matters to an auditor
//! The exceptions register should list real, current exceptions. A stale
//! suppression (the code was fixed, or moved) hides nothing today but would
//! silently hide a future finding on that line, and inflates the register an
//! auditor reviews (SOC 2 CC7.1).
//!
//! ## Example
//! ```python
//! # custodia-ignore[missing-token-cap]: legacy endpoint, capped by the gateway
//! response = client.chat.completions.create(model="gpt-4o", max_tokens=512, messages=messages)
//! ```
//!
//! ## Use instead
//! ```python
//! response = client.chat.completions.create(model="gpt-4o", max_tokens=512, messages=messages)
//! ```
//!
//! ## Criteria
//! Maps to SOC 2 CC7.1 (primary).

pub(crate) const ID: &str = "unused-suppression";
