//! Bad input never stops a scan: each bad file is reported (stderr and the
//! JSON `skipped` list) and every other file is still analysed.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use custodia::report::json::Report;
use custodia::scan::{PartialReason, SkipReason};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create dirs");
    }
    fs::write(path, bytes).expect("write fixture file");
}

/// A project with one real finding and one of each kind of bad input.
fn bad_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(
        root,
        "src/chat.ts",
        "import OpenAI from \"openai\";\nconst openai = new OpenAI({ timeout: 10_000 });\nexport async function ask(q: string) {\n  try {\n    return await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n  } catch { return null; }\n}\n",
    );
    // Binary content with a source extension.
    write(root, "src/logo.ts", [0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0, 1, 2, 3]);
    // Invalid UTF-8.
    write(root, "src/latin1.py", b"# caf\xe9\nimport openai\n");
    // Over the size limit configured below (64 KB).
    write(root, "src/big.ts", format!("import OpenAI from 'openai';\n{}", "// padding\n".repeat(10_000)));
    // Syntax errors: still analysed, and counted.
    write(
        root,
        "src/broken.py",
        "import openai\ndef f(:\n    return openai.chat.completions.create(model='x', messages=[])\n",
    );
    // 10,000-deep nesting, in both languages.
    let n = 10_000;
    write(
        root,
        "src/deep.ts",
        format!("import OpenAI from 'openai';\nconst x = {}1{};\n", "[\n".repeat(n), "]\n".repeat(n)),
    );
    write(root, "src/deep.py", format!("import openai\nx = {}1{}\n", "(\n".repeat(n), ")\n".repeat(n)));
    write(
        root,
        "src/deep_blocks.ts",
        format!("import OpenAI from 'openai';\nfunction f() {}g();{}\n", "{\n".repeat(n), "}\n".repeat(n)),
    );
    // A configuration with a small size limit.
    write(root, "custodia.toml", "[scan]\nmax_file_size = \"64 KB\"\n");
    #[cfg(unix)]
    {
        // A symlink loop and a dangling symlink.
        std::os::unix::fs::symlink(root.join("src"), root.join("src/loop")).expect("symlink loop");
        std::os::unix::fs::symlink(root.join("missing.ts"), root.join("src/dangling.ts")).expect("dangling symlink");
    }
    dir
}

#[test]
fn every_bad_input_is_reported_and_the_scan_goes_on() {
    let project = bad_project();
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--format", "json", "--no-prefilter"])
        .arg(project.path())
        .output()
        .expect("custodia runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Report = serde_json::from_slice(&output.stdout).expect("JSON report");

    // The scan finished and found the real finding in the good file.
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(report.findings.iter().any(|f| f.path.as_deref() == Some("src/chat.ts") && f.rule == "missing-token-cap"));

    let reason = |path: &str| report.skipped.iter().find(|s| s.path == path).map(|s| s.reason);
    assert_eq!(reason("src/logo.ts"), Some(SkipReason::Binary));
    assert_eq!(reason("src/latin1.py"), Some(SkipReason::InvalidUtf8));
    assert_eq!(reason("src/big.ts"), Some(SkipReason::TooLarge));
    assert!(
        report.skipped.iter().any(|s| s.reason == SkipReason::WalkError && s.path.contains("loop")),
        "{:?}",
        report.skipped
    );
    assert!(report.skipped.iter().any(|s| s.path.contains("dangling")), "{:?}", report.skipped);
    for skipped in &report.skipped {
        assert!(stderr.contains(&format!("warning: {}", skipped.path)), "no warning for {}: {stderr}", skipped.path);
    }

    // Deep nesting and syntax errors are analysed, not skipped.
    for path in ["src/deep.ts", "src/deep.py", "src/deep_blocks.ts", "src/broken.py"] {
        assert_eq!(reason(path), None, "{path} was skipped");
    }
    // ... and said to be analysed in part, on stderr and in the JSON.
    let partial = |path: &str| report.partial.iter().filter(|p| p.path == path).map(|p| p.reason).collect::<Vec<_>>();
    assert_eq!(partial("src/deep.ts"), vec![PartialReason::DeepNesting]);
    assert_eq!(partial("src/deep.py"), vec![PartialReason::DeepNesting]);
    assert_eq!(partial("src/broken.py"), vec![PartialReason::SyntaxErrors]);
    assert!(stderr.contains("warning: src/deep.ts: analysed in part"), "{stderr}");
    let stats = report.stats.expect("stats");
    assert!(stats.files_with_syntax_errors >= 1);
    // Every file seen is accounted for.
    assert_eq!(stats.files_seen, stats.files_analyzed + stats.files_prefiltered + stats.files_skipped);
    assert_eq!(stats.files_skipped, report.skipped.len());
}

#[test]
fn syntax_errors_do_not_hide_findings_elsewhere_in_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "app.py",
        "import openai\n\ndef broken(:\n    pass\n\ndef ask(q):\n    return openai.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])\n",
    );
    let result = common::scan_dir(dir.path(), true);
    assert_eq!(result.stats.files_with_syntax_errors, 1);
    assert!(result.findings.iter().any(|f| f.rule == "missing-token-cap"), "{:?}", result.findings);
}

#[test]
fn an_invalid_configuration_is_an_error_naming_file_line_and_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "custodia.toml", "[scan]\nexclude = \"not-a-list\"\n");
    write(dir.path(), "a.ts", "export const x = 1;\n");
    let output = Command::new(env!("CARGO_BIN_EXE_custodia")).arg("scan").arg(dir.path()).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("custodia.toml:2:"), "{stderr}");
    assert!(stderr.contains("scan.exclude"), "{stderr}");
}

#[test]
fn a_missing_path_is_an_error() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_custodia")).args(["scan", "/definitely/not/here"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot scan"));
}
