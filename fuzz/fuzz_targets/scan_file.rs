//! Arbitrary bytes as one source file through the whole scan pipeline, the
//! way `custodia scan FILE` runs it: the walk, the read (size, binary and
//! UTF-8 checks), the prefilter, parsing, facts, file and project rules,
//! suppressions, then the JSON and SARIF reports, each parsed back.
//!
//! The first byte picks the file's extension (`.ts`, `.tsx`, `.js`, `.py`)
//! and whether the prefilter may skip the file; the rest is the file.
//!
//! The scan reads from disk, so the file is written to a scratch directory
//! made once per process: `$CUSTODIA_FUZZ_SCRATCH` (scripts/fuzz.sh makes
//! and removes it) or one named after the process in the temp directory.
//! It holds at most one file per extension, rewritten on every input.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use custodia::config::Config;
use custodia::engine::Engine;
use custodia::report::json::Report;
use custodia::scan::{ScanOptions, scan};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const EXTENSIONS: [&str; 4] = ["ts", "tsx", "js", "py"];

struct Harness {
    dir: PathBuf,
    engine: Engine,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let base = std::env::var_os("CUSTODIA_FUZZ_SCRATCH").map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = base.join(format!("custodia-fuzz-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Harness { dir, engine: Engine::new(Config::default()) }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, source)) = data.split_first() else { return };
    let harness = harness();
    let extension = EXTENSIONS[usize::from(selector & 3)];
    let path = harness.dir.join(format!("input.{extension}"));
    std::fs::write(&path, source).expect("the scratch file is writable");

    let mut options = ScanOptions::new(&path);
    // Off, every file is parsed and analysed: the interesting path.
    options.prefilter = selector & 4 != 0;
    options.threads = Some(1);
    let result = scan(&harness.engine, &options).expect("a scan of an existing file");

    // Exactly one file seen, and accounted for once.
    let stats = &result.stats;
    assert_eq!(stats.files_seen, 1, "{stats:?}");
    assert_eq!(stats.files_seen, stats.files_analyzed + stats.files_prefiltered + stats.files_skipped, "{stats:?}");
    assert!(result.rule_failures.is_empty(), "a rule panicked: {:?}", result.rule_failures);
    let name = format!("input.{extension}");
    for finding in result.findings.iter().chain(result.suppressed.iter().map(|s| &s.finding)) {
        assert!(finding.path.as_deref().is_none_or(|p| p == name), "{finding:?}");
        if let Some(location) = finding.location {
            check_span(source, location.span.start, location.span.end, &format!("{finding:?}"));
        }
    }
    for evidence in &result.evidence {
        check_span(source, evidence.location.span.start, evidence.location.span.end, &format!("{evidence:?}"));
    }

    // JSON: what is written parses back into the same findings.
    let catalog = &harness.engine.config().catalog;
    let report = custodia::report::json::build(&result, catalog, false);
    let text = serde_json::to_string(&report).expect("the JSON report serialises");
    let parsed: Report = serde_json::from_str(&text).expect("the JSON report parses back");
    assert_eq!(parsed.findings, report.findings);
    assert_eq!(parsed.findings.len(), result.findings.len());
    assert_eq!(parsed.suppressed.len(), result.suppressed.len());

    // SARIF: one result per finding, suppressed ones included.
    let sarif = custodia::report::sarif::build(&result, &harness.engine);
    let text = serde_json::to_string(&sarif).expect("SARIF serialises");
    let parsed: Value = serde_json::from_str(&text).expect("SARIF parses back");
    let results = parsed["runs"][0]["results"].as_array().map_or(0, Vec::len);
    assert_eq!(results, result.findings.len() + result.suppressed.len());
});

/// A span of the file: in bounds, in order, on character boundaries.
fn check_span(source: &[u8], start: u32, end: u32, what: &str) {
    let (start, end) = (start as usize, end as usize);
    assert!(start <= end && end <= source.len(), "span {start}..{end} of a {}-byte file: {what}", source.len());
    // Only analysed files have spans, and those are UTF-8.
    let text = std::str::from_utf8(source).expect("an analysed file is UTF-8");
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "span {start}..{end} splits a character: {what}"
    );
}
