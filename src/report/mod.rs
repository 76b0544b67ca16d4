//! Output formats of a scan. `json` is the stable machine contract
//! (SPEC.md); `text` is for people at a terminal.

pub mod json;
pub mod text;
