//! Peak memory of a scan of 100,000 files: what stays in memory per file.
//!
//! ```sh
//! cargo bench --bench many_files                         # 100,000 files
//! CUSTODIA_BENCH_FILES=20000 cargo bench --bench many_files
//! ```
//!
//! Generates the benchmarks' corpus (benches/support/corpus.rs) by number of
//! files, in `target/bench-corpus-files-<N>/`, and scans it with the release
//! binary, in the default mode and with `--no-prefilter` (every file parsed
//! and analysed). Run it at two sizes to see how memory scales. Each run's peak
//! resident memory is its own `VmHWM` (`stats.timing.peak_rss_kb` of
//! `--stats`). What the figures should show: peak memory grows with the
//! number of files analysed (their facts are kept for the project rules),
//! not with the bytes read (sources and trees are dropped file by file).
//! The table printed goes to docs/PERFORMANCE.md.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::Command;

fn main() {
    let files: usize = std::env::var("CUSTODIA_BENCH_FILES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-corpus-files-{files}"));
    corpus::generate_files(&root, files);
    let binary = env!("CARGO_BIN_EXE_custodia");
    println!(
        "| files scanned | MB read | mode | files parsed | wall (s) | peak RSS (MB) | peak RSS per file parsed (KB) |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|");
    for (mode, flags) in [("default", &[][..]), ("no prefilter", &["--no-prefilter"][..])] {
        let output = Command::new(binary)
            .args(["scan", "--format", "json", "--stats", "--quiet"])
            .args(flags)
            .arg(&root)
            .output()
            .expect("custodia runs");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
        let stats = &report["stats"];
        let seen = stats["files_seen"].as_u64().unwrap_or(0);
        let parsed = stats["files_analyzed"].as_u64().unwrap_or(0);
        let mb = stats["bytes_seen"].as_f64().unwrap_or(0.0) / 1_000_000.0;
        let wall = stats["timing"]["wall_ms"].as_f64().unwrap_or(0.0) / 1000.0;
        let peak_kb = stats["timing"]["peak_rss_kb"].as_f64().unwrap_or(0.0);
        eprintln!("{mode}: {seen} files, {parsed} parsed, {wall:.1} s, peak {:.0} MB", peak_kb / 1024.0);
        println!(
            "| {seen} | {mb:.0} | {mode} | {parsed} | {wall:.1} | {:.0} | {:.1} |",
            peak_kb / 1024.0,
            if parsed > 0 { peak_kb / parsed as f64 } else { 0.0 }
        );
    }
}
