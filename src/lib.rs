//! custodia: finds the controls around LLM inference in TypeScript,
//! JavaScript and Python code, and maps what it finds to SOC 2, NIST AI RMF,
//! the EU AI Act and the OWASP Top 10 for LLM Applications.

pub mod analysis;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diff;
pub mod document;
pub mod engine;
pub mod facts;
pub mod file_class;
pub mod finding;
pub mod fingerprint;
pub mod fix;
pub mod frameworks;
pub mod git;
pub mod history;
pub mod init;
pub mod inventory;
pub mod ir;
pub mod lang;
pub mod limits;
pub mod lockfiles;
pub mod lsp;
pub mod packages;
pub mod plans;
pub mod prefilter;
pub mod progress;
pub mod project;
pub mod provenance;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod suppression;
pub mod workspace;
