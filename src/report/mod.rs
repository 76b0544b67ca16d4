//! Output formats of a scan. `json` is the stable machine contract
//! (SPEC.md); `sarif` is for code-scanning dashboards; `text` is for people
//! at a terminal; `markdown` and `html` render the evidence report
//! (`audit`) for pull requests, wikis and auditors.

pub mod audit;
pub mod fingerprint;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;
