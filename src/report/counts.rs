//! How findings are counted per criterion: one definition, used by the text
//! summary, the evidence report (Markdown, HTML, PDF) and the scan history,
//! and stated in each of them.
//!
//! A rule maps to a primary SOC 2 criterion and may map to others (a leaked
//! key maps to CC6.1 and to CC6.7). A finding is counted under *every*
//! criterion it maps to: the report's section for a criterion lists every
//! finding that bears on it, and a summary that counted only the primary
//! criterion would say "no findings" next to a section listing some. The
//! price is that the rows add up to more than the number of findings, which
//! [`DEFINITION`] says.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::finding::{Finding, Severity};

/// The sentence each output carries next to its counts.
pub const DEFINITION: &str = "A finding is counted under every SOC 2 criterion it maps to (its primary criterion and any other), so the rows can add up to more than the number of findings.";

/// Whether `finding` counts under the SOC 2 criterion `id` (`CC6.1`).
pub fn counts_under(catalog: &Catalog, finding: &Finding, id: &str) -> bool {
    catalog.soc2_criteria(finding.rule).any(|c| c == id)
}

/// Findings per SOC 2 criterion (`CC6.1`) and severity.
pub fn by_criterion(catalog: &Catalog, findings: &[Finding]) -> BTreeMap<String, BTreeMap<Severity, usize>> {
    let mut counts: BTreeMap<String, BTreeMap<Severity, usize>> = BTreeMap::new();
    for finding in findings {
        for id in catalog.soc2_criteria(finding.rule) {
            *counts.entry(id.to_string()).or_default().entry(finding.severity).or_default() += 1;
        }
    }
    counts
}
