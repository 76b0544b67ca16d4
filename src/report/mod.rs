//! Output formats of a scan. `json` is the stable machine contract
//! (SPEC.md); `sarif` is for code-scanning dashboards; `text` is for people
//! at a terminal.

pub mod fingerprint;
pub mod json;
pub mod sarif;
pub mod text;
