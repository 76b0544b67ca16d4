//! Scan throughput on a generated corpus of realistic TypeScript and Python.
//!
//! ```sh
//! cargo bench --bench scan                 # 60 MB corpus, 5 runs of each mode
//! CUSTODIA_BENCH_MB=120 cargo bench --bench scan
//! ```
//!
//! The corpus (deterministic, in `target/bench-corpus-<MB>/`) mixes AI code
//! (route handlers and services calling OpenAI, Anthropic, the AI SDK,
//! LangChain, Bedrock ...) with the ordinary code an application repository
//! is mostly made of (components, utilities, models, tests). Each mode runs
//! the release binary as users do, and reads its `--stats` JSON:
//!
//! - `parse-only`: parse every file, nothing else (the baseline);
//! - `full, no prefilter`: parse and analyse every file (the analysis cost);
//! - `file rules only`: the default scan without the cross-file analysis
//!   (the scanner core: no second pass, no routes, no project rules);
//! - `full`: the default scan, with the prefilter and the project analysis.
//!
//! Half of the corpus's model code sits behind another file, as in real
//! projects: a route handler imports a service (through the `@/` alias or a
//! Python package) which imports a shared client, so the project analysis
//! has real work to do (files the prefilter skipped are pulled back in,
//! routes are followed across files).
//!
//! Results are printed as a Markdown table for `docs/PERFORMANCE.md`.

#[path = "support/corpus.rs"]
mod corpus;

use std::fmt::Write as _;

use std::path::Path;
use std::process::Command;

fn main() {
    let megabytes: usize = std::env::var("CUSTODIA_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let runs: usize = std::env::var("CUSTODIA_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-corpus-{megabytes}"));
    corpus::generate(&root, megabytes * 1_000_000);
    let binary = env!("CARGO_BIN_EXE_custodia");
    let modes: [(&str, &[&str]); 4] = [
        ("parse-only", &["--parse-only"]),
        ("full, no prefilter", &["--no-prefilter"]),
        ("file rules only", &["--file-rules-only"]),
        ("full", &[]),
    ];
    // Modes are interleaved round by round.
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); modes.len()];
    for round in 0..runs {
        for (i, (name, flags)) in modes.iter().enumerate() {
            let sample = run(binary, &root, flags);
            eprintln!(
                "round {round}: {name}: {:.0} ms wall, {:.1} MB/s, peak {:.0} MB",
                sample.wall_ms, sample.mb_per_s, sample.peak_mb
            );
            samples[i].push(sample);
        }
    }
    // Per round, each mode against the parse-only run of the same round:
    // a slow spell of a shared machine slows both, the ratio stays.
    let ratio = |mode: usize| {
        let mut ratios: Vec<f64> =
            samples[mode].iter().zip(&samples[0]).map(|(s, base)| s.wall_ms / base.wall_ms).collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    };
    let ratios: Vec<f64> = (0..modes.len()).map(ratio).collect();
    // What the project analysis adds to the scanner core, per round.
    let mut project: Vec<f64> =
        samples[3].iter().zip(&samples[2]).map(|(full, core)| full.wall_ms / core.wall_ms).collect();
    project.sort_by(f64::total_cmp);
    let project_ratio = project[project.len() / 2];
    let rows: Vec<(&str, Sample)> = modes
        .iter()
        .zip(samples)
        .map(|((name, _), mut runs)| {
            runs.sort_by(|a, b| a.wall_ms.total_cmp(&b.wall_ms));
            let median = runs.len() / 2;
            (*name, runs.swap_remove(median))
        })
        .collect();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| mode | files parsed | prefiltered | wall (ms, median) | parse (ms, summed) | analysis (ms, summed) | MB/s | wall vs parse-only (median of rounds) | peak RSS (MB) |"
    );
    let _ = writeln!(table, "|---|---|---|---|---|---|---|---|---|");
    for ((name, s), ratio) in rows.iter().zip(&ratios) {
        let _ = writeln!(
            table,
            "| {name} | {} | {} | {:.0} | {:.0} | {:.0} | {:.1} | {:+.0}% | {:.0} |",
            s.parsed,
            s.prefiltered,
            s.wall_ms,
            s.parse_ms,
            s.analysis_ms,
            s.mb_per_s,
            (ratio - 1.0) * 100.0,
            s.peak_mb
        );
    }
    let full = &rows[1].1;
    let _ = writeln!(
        table,
        "\nAnalysis CPU time / parse CPU time (full, no prefilter): {:.0}%",
        full.analysis_ms / full.parse_ms * 100.0
    );
    let _ = writeln!(
        table,
        "Project analysis (full vs file rules only, median of rounds): {:+.0}% wall; its own phase took {:.0} ms of the full scan's {:.0} ms",
        (project_ratio - 1.0) * 100.0,
        rows[3].1.project_ms,
        rows[3].1.wall_ms
    );
    let seen = rows[0].1.mb_seen;
    println!("\nCorpus: {} files, {:.1} MB ({})\n", rows[0].1.files, seen, root.display());
    println!("{table}");
}

#[derive(Clone)]
struct Sample {
    files: u64,
    parsed: u64,
    prefiltered: u64,
    mb_seen: f64,
    wall_ms: f64,
    parse_ms: f64,
    analysis_ms: f64,
    project_ms: f64,
    mb_per_s: f64,
    peak_mb: f64,
}

fn run(binary: &str, root: &Path, flags: &[&str]) -> Sample {
    let output = Command::new(binary)
        .args(["scan", "--format", "json", "--stats", "--quiet", "--fail-on", "critical"])
        .args(flags)
        .arg(root)
        .output()
        .expect("custodia runs");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    let stats = &report["stats"];
    let timing = &stats["timing"];
    let number = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
    Sample {
        files: stats["files_seen"].as_u64().unwrap_or(0),
        parsed: stats["files_analyzed"].as_u64().unwrap_or(0),
        prefiltered: stats["files_prefiltered"].as_u64().unwrap_or(0),
        mb_seen: number(&stats["bytes_seen"]) / 1_000_000.0,
        wall_ms: number(&timing["wall_ms"]),
        parse_ms: number(&timing["parse_ms"]),
        analysis_ms: number(&timing["analysis_ms"]),
        project_ms: number(&timing["project_ms"]),
        mb_per_s: number(&timing["mb_per_s"]),
        peak_mb: number(&timing["peak_rss_kb"]) / 1024.0,
    }
}
