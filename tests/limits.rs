//! Resource bounds and accounting: a file that runs past its time budget is
//! skipped and says so, the configured nesting depth is the one applied and
//! reported, and every file the walk saw ends up counted exactly once.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use custodia::report::json::Report;
use custodia::scan::{PartialReason, SkipReason};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create dirs");
    }
    fs::write(path, bytes).expect("write fixture file");
}

fn scan_json(root: &Path, extra: &[&str]) -> (Output, Report) {
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--format", "json"])
        .args(extra)
        .arg(root)
        .output()
        .expect("custodia runs");
    let report: Report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("JSON report ({err}); stderr: {}", String::from_utf8_lossy(&output.stderr)));
    (output, report)
}

/// A model call that the file rules report (no token cap).
const CALL: &str = "import OpenAI from \"openai\";\nconst openai = new OpenAI({ timeout: 10_000 });\nexport async function ask(q: string) {\n  try {\n    return await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n  } catch { return null; }\n}\n";

/// A large, ordinary TypeScript module that mentions a model SDK (so the
/// prefilter lets it through): `rows` lines of object literals and calls.
fn large_module(rows: usize) -> String {
    let mut text = String::from("import OpenAI from \"openai\";\n");
    for i in 0..rows {
        text.push_str(&format!(
            "export const row{i} = {{ id: {i}, label: \"row {i}\", at: compute({i}, [{i}, {i}]) }};\n"
        ));
    }
    text
}

#[test]
fn a_file_over_its_time_budget_is_skipped_with_the_budget() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A tiny budget: no parse of a 20,000-line file fits in a millisecond.
    write(dir.path(), "custodia.toml", "[scan]\nfile_time_budget = \"1ms\"\n");
    write(dir.path(), "src/generated.ts", large_module(20_000));
    let (output, report) = scan_json(dir.path(), &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let skipped = report.skipped.iter().find(|s| s.path == "src/generated.ts").expect("the large file is skipped");
    assert_eq!(skipped.reason, SkipReason::TimeBudget);
    assert!(skipped.detail.contains("1ms time budget (scan.file_time_budget)"), "{}", skipped.detail);
    assert!(stderr.contains("warning: src/generated.ts: skipped (time budget)"), "{stderr}");
    let stats = report.stats.expect("stats");
    assert_eq!(stats.files_skipped_by_reason.get(&SkipReason::TimeBudget), Some(&1));
    assert_eq!(stats.files_seen, 1);
    assert!(report.findings.iter().all(|f| f.path.as_deref() != Some("src/generated.ts")));

    // The command line overrides the configuration: with a generous budget
    // the same file is analysed.
    let (_, report) = scan_json(dir.path(), &["--file-time-budget", "10m"]);
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.stats.expect("stats").files_analyzed, 1);
}

#[test]
fn the_configured_nesting_depth_is_applied_and_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nested = |n: usize| format!("import OpenAI from 'openai';\nconst x = {}1{};\n", "[".repeat(n), "]".repeat(n));
    write(dir.path(), "src/sixty.ts", nested(60));
    write(dir.path(), "custodia.toml", "[scan]\nmax_nesting_depth = 50\n");
    let (_, report) = scan_json(dir.path(), &[]);
    let partial = report.partial.iter().find(|p| p.path == "src/sixty.ts").expect("analysed in part");
    assert_eq!(partial.reason, PartialReason::DeepNesting);
    assert!(partial.detail.contains("more than 50 levels"), "{}", partial.detail);
    assert_eq!(report.stats.expect("stats").files_partial, 1);

    // The flag overrides the configuration; 60 levels are then within it.
    let (_, report) = scan_json(dir.path(), &["--max-nesting-depth", "100"]);
    assert!(report.partial.is_empty(), "{:?}", report.partial);

    // Out-of-range values are refused, naming the key.
    write(dir.path(), "custodia.toml", "[scan]\nmax_nesting_depth = 100000\n");
    let output = Command::new(env!("CARGO_BIN_EXE_custodia")).arg("scan").arg(dir.path()).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("nesting depth"));
}

/// A model call, then plain code whose data flow costs steps: with a small
/// cap on steps, the analysis stops after the call is found.
fn call_then_flow(lines: usize) -> String {
    let tail: String = (0..lines).map(|i| format!("export const a{i} = b{i} + `${{c{i}}}` + d{i};\n")).collect();
    format!("{CALL}{tail}")
}

#[test]
fn a_file_out_of_work_budget_is_partial_and_keeps_its_findings() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "src/chat.ts", call_then_flow(300));
    write(dir.path(), "custodia.toml", "[scan]\nmax_analysis_steps = 200\n");
    let (output, report) = scan_json(dir.path(), &[]);
    let partial = report.partial.iter().find(|p| p.path == "src/chat.ts").expect("analysed in part");
    assert_eq!(partial.reason, PartialReason::WorkBudget);
    assert!(partial.detail.contains("work budget of 200 steps"), "{}", partial.detail);
    // What was found before the budget ran out stands.
    assert!(
        report.findings.iter().any(|f| f.rule == "missing-token-cap" && f.path.as_deref() == Some("src/chat.ts")),
        "{:?}",
        report.findings
    );
    let stats = report.stats.expect("stats");
    assert_eq!((stats.files_analyzed, stats.files_partial, stats.files_skipped), (1, 1, 0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("src/chat.ts: analysed in part (work budget)"), "{stderr}");

    // Within the default budget the same file is analysed whole.
    write(dir.path(), "custodia.toml", "");
    let (_, report) = scan_json(dir.path(), &[]);
    assert!(report.partial.is_empty(), "{:?}", report.partial);
}

/// The shapes that overflowed the main thread's stack in the cross-file
/// pass finish, and the model call behind the re-export ring is still seen.
#[test]
fn shapes_that_overflowed_the_stack_are_scanned() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in common::overflow_shapes() {
        write(dir.path(), &path, text);
    }
    let (output, report) = scan_json(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert!(
        report.findings.iter().any(|f| f.rule == "missing-token-cap" && f.path.as_deref() == Some("lib/use.ts")),
        "{:?}",
        report.findings
    );
}

#[test]
fn the_deepest_configurable_nesting_does_not_exhaust_the_stack() {
    // Expressions are lowered recursively: at the largest depth that may be
    // configured, input nested far deeper must still be cut off cleanly
    // (this runs the debug build, whose frames are the largest).
    let dir = tempfile::tempdir().expect("temp dir");
    // One bracket per line: one long line would be skipped as minified.
    let n = 10_000;
    let nested =
        |open: &str, close: &str| format!("{}1{}", format!("{open}\n").repeat(n), format!("{close}\n").repeat(n));
    write(dir.path(), "deep.ts", format!("import OpenAI from 'openai';\nconst x = {};\n", nested("[", "]")));
    write(dir.path(), "deep.py", format!("import openai\nx = {}\n", nested("f(", ")")));
    write(dir.path(), "deep.tsx", format!("import OpenAI from 'openai';\nconst x = {};\n", nested("<a>", "</a>")));
    let max = custodia::limits::MAX_NESTING_DEPTH_LIMIT.to_string();
    let (output, report) = scan_json(dir.path(), &["--no-prefilter", "--max-nesting-depth", &max]);
    assert!(output.status.code().is_some_and(|c| c <= 1), "{output:?}");
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    for path in ["deep.ts", "deep.py", "deep.tsx"] {
        assert!(
            report.partial.iter().any(|p| p.path == path && p.reason == PartialReason::DeepNesting),
            "{path}: {:?}",
            report.partial
        );
    }
}

/// Every file the walk saw is counted once: analysed, prefiltered, or
/// skipped with a reason, and the reasons add up.
#[test]
fn every_file_seen_is_accounted_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    // Source files, each expected in one place.
    write(root, "src/chat.ts", CALL); // analysed, with a finding
    write(root, "src/util.ts", "export const add = (a: number, b: number) => a + b;\n"); // prefiltered
    write(root, "src/helpers.py", "def add(a, b):\n    return a + b\n"); // prefiltered
    write(
        root,
        "src/broken.py",
        "import openai\ndef f(:\n    return openai.chat.completions.create(model='x', messages=[])\n",
    ); // partial
    write(
        root,
        "src/deep.ts",
        format!("import OpenAI from 'openai';\nconst x = {}1{};\n", "[".repeat(80), "]".repeat(80)),
    ); // partial
    write(root, "src/logo.ts", [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0, 1, 2, 3]); // binary
    write(root, "src/latin1.py", b"# caf\xe9\nimport openai\n"); // invalid UTF-8
    write(root, "src/huge.ts", format!("import OpenAI from 'openai';\n{}", "// padding\n".repeat(300_000))); // too large
    write(root, "src/app.js", format!("import OpenAI from 'openai';{}\n", "var a=1;".repeat(1000))); // minified
    // Parsing alone takes far longer than 300 ms here (a debug build);
    // the small files above take a few milliseconds.
    write(root, "src/generated.ts", large_module(30_000)); // time budget
    #[cfg(unix)]
    let expected_unreadable = {
        use std::os::unix::fs::PermissionsExt;
        write(root, "src/secret.py", "import openai\n");
        let path = root.join("src/secret.py");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).expect("chmod");
        // A symlink loop: a walk error, counted as seen and skipped.
        std::os::unix::fs::symlink(root.join("src"), root.join("src/loop")).expect("symlink loop");
        // Root reads it anyway: then it is simply analysed.
        fs::read(&path).is_err()
    };
    #[cfg(not(unix))]
    let expected_unreadable = false;
    // Not source files: documents and configuration are read, not counted.
    write(root, "docs/runbook.md", "# Runbook\nWhat to do when the model provider is down.\n");
    write(root, "README.md", "# Project\n");
    write(
        root,
        "custodia.toml",
        "[scan]\nmax_file_size = \"3 MB\"\nmax_nesting_depth = 50\nfile_time_budget = \"300ms\"\n",
    );

    let (output, report) = scan_json(root, &[]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stats = report.stats.clone().expect("stats");
    let reason = |path: &str| report.skipped.iter().find(|s| s.path == path).map(|s| s.reason);
    assert_eq!(reason("src/logo.ts"), Some(SkipReason::Binary));
    assert_eq!(reason("src/latin1.py"), Some(SkipReason::InvalidUtf8));
    assert_eq!(reason("src/huge.ts"), Some(SkipReason::TooLarge));
    assert_eq!(reason("src/app.js"), Some(SkipReason::Minified));
    assert_eq!(reason("src/generated.ts"), Some(SkipReason::TimeBudget), "stderr: {stderr}");
    assert_eq!(reason("src/secret.py"), expected_unreadable.then_some(SkipReason::Unreadable));
    #[cfg(unix)]
    assert!(report.skipped.iter().any(|s| s.reason == SkipReason::WalkError && s.path.contains("loop")));
    assert!(report.findings.iter().any(|f| f.path.as_deref() == Some("src/chat.ts")), "stderr: {stderr}");
    let partial: Vec<&str> = report.partial.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(partial, ["src/broken.py", "src/deep.ts"]);

    // The sums.
    assert_eq!(stats.files_seen, stats.files_analyzed + stats.files_prefiltered + stats.files_skipped);
    assert_eq!(stats.files_skipped, report.skipped.len());
    assert_eq!(stats.files_skipped, stats.files_skipped_by_reason.values().sum::<usize>());
    for skipped in &report.skipped {
        assert!(stats.files_skipped_by_reason.contains_key(&skipped.reason), "{skipped:?}");
        assert!(stderr.contains(&format!("warning: {}: skipped", skipped.path)), "no warning for {}", skipped.path);
    }
    assert_eq!(stats.files_partial, 2);
    // Eleven source files written, and the loop the walk reported.
    let walk_errors = if cfg!(unix) { 1 } else { 0 };
    let written = if cfg!(unix) { 11 } else { 10 };
    assert_eq!(stats.files_seen, written + walk_errors, "{stats:?}");
    assert_eq!(stats.files_prefiltered, 2, "{stats:?}");
    assert_eq!(
        stats.files_analyzed,
        3 + usize::from(cfg!(unix) && !expected_unreadable),
        "chat, broken, deep, the unreadable file when root reads it: {stats:?}"
    );
}

/// A panic outside the rules (injected with the debug-build hook
/// `CUSTODIA_FAULT_ANALYSIS`) costs that file, reported, not the scan.
#[test]
fn a_file_custodia_fails_on_is_reported_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "src/chat.ts", CALL);
    write(dir.path(), "src/other.ts", CALL);
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .env("CUSTODIA_FAULT_ANALYSIS", "src/other.ts")
        .output()
        .expect("custodia runs");
    let report: Report = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(output.status.code(), Some(1), "the finding in src/chat.ts still counts");
    let skipped = report.skipped.iter().find(|s| s.path == "src/other.ts").expect("reported");
    assert_eq!(skipped.reason, SkipReason::AnalysisFailed);
    assert!(skipped.detail.contains("fault injected"), "{}", skipped.detail);
    assert!(report.findings.iter().any(|f| f.path.as_deref() == Some("src/chat.ts")));
    let stats = report.stats.expect("stats");
    assert_eq!(stats.files_seen, stats.files_analyzed + stats.files_prefiltered + stats.files_skipped);
    assert_eq!(stats.files_skipped_by_reason.get(&SkipReason::AnalysisFailed), Some(&1));
}
