//! `custodia baseline` and `scan --baseline`: a project with findings goes
//! green, line moves and unrelated edits do not bring baselined findings
//! back, a new gap is reported alone, a removed one is reported as fixed.

use std::path::Path;
use std::process::{Command, Output};

use custodia::report::json::Report;

fn custodia(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custodia")).args(args).env("NO_COLOR", "1").output().expect("custodia runs")
}

const PACKAGE: &str = r#"{ "name": "helpdesk", "private": true, "dependencies": { "openai": "^5.12.0" } }"#;

/// Two functions with unbounded model calls; the client has a timeout.
const AI: &str = r#"import OpenAI from "openai";

const client = new OpenAI({ timeout: 20_000 });

export async function summarize(text: string): Promise<string> {
  const response = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: `Summarize: ${text}` }],
  });
  return response.choices[0]?.message?.content ?? "";
}

export async function translate(text: string): Promise<string> {
  const response = await client.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: `Translate to French: ${text}` }],
  });
  return response.choices[0]?.message?.content ?? "";
}
"#;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn scan_json(dir: &Path, baseline: &Path) -> (Option<i32>, Report) {
    let output =
        custodia(&["scan", &dir.to_string_lossy(), "--format", "json", "--baseline", &baseline.to_string_lossy()]);
    let report: Report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("JSON ({err}): {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code(), report)
}

#[test]
fn a_baseline_holds_todays_findings_back_and_reports_new_and_fixed_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "package.json", PACKAGE);
    write(root, "lib/ai.ts", AI);
    let baseline = root.join(".custodia/baseline.json");

    // Without a baseline the project has findings.
    let before = custodia(&["scan", &root.to_string_lossy(), "--format", "json"]);
    assert_eq!(before.status.code(), Some(1), "{}", String::from_utf8_lossy(&before.stderr));
    let before: Report = serde_json::from_slice(&before.stdout).expect("JSON");
    assert!(before.findings.len() >= 2, "{:#?}", before.findings);
    assert!(before.baseline.is_none(), "no `baseline` field without --baseline");

    let written = custodia(&["baseline", &root.to_string_lossy(), "-o", &baseline.to_string_lossy()]);
    assert_eq!(written.status.code(), Some(0), "{}", String::from_utf8_lossy(&written.stderr));
    let file: custodia::baseline::Baseline =
        serde_json::from_str(&std::fs::read_to_string(&baseline).expect("baseline written")).expect("baseline JSON");
    assert_eq!(file.format, custodia::baseline::FORMAT);
    assert_eq!(file.findings.len(), before.findings.len());

    // 1. The baseline as written: nothing new, everything baselined.
    let (status, report) = scan_json(root, &baseline);
    assert_eq!(status, Some(0), "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let outcome = report.baseline.expect("a `baseline` field");
    assert_eq!(outcome.baselined, before.findings.len());
    assert!(outcome.fixed.is_empty());
    // SARIF, for code scanning: no results either.
    let sarif =
        custodia(&["scan", &root.to_string_lossy(), "--format", "sarif", "--baseline", &baseline.to_string_lossy()]);
    assert_eq!(sarif.status.code(), Some(0));
    let sarif: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF");
    assert_eq!(sarif["runs"][0]["results"], serde_json::json!([]));

    // 2. Lines inserted above, and another function edited: still nothing.
    let moved = AI
        .replace(
            "const client = new OpenAI",
            "// The shared client.\n// Timeouts are set once, here.\n\nexport const VERSION = 2;\n\nconst client = new OpenAI",
        )
        .replace("Translate to French: ${text}", "Translate to German, formally: ${text.trim()}")
        .replace("  return response.choices[0]?.message?.content ?? \"\";\n}\n", "  const out = response.choices[0]?.message?.content;\n  return out ?? \"\";\n}\n");
    assert_ne!(moved, AI);
    write(root, "lib/ai.ts", &moved);
    let (status, report) = scan_json(root, &baseline);
    assert!(report.findings.is_empty(), "line moves and edits elsewhere resurrect nothing: {:#?}", report.findings);
    assert_eq!(status, Some(0));
    assert_eq!(report.baseline.expect("baseline").baselined, before.findings.len());

    // 3. A new gap: a call with a failure path and a timeout but no token cap
    //    is exactly one new finding.
    let with_new = format!(
        "{moved}
export async function classify(text: string): Promise<string> {{
  try {{
    const response = await client.chat.completions.create({{
      model: \"gpt-4o-mini\",
      messages: [{{ role: \"user\", content: `Classify: ${{text}}` }}],
    }});
    return response.choices[0]?.message?.content ?? \"\";
  }} catch (err) {{
    console.error(\"classification failed\", err);
    return \"unknown\";
  }}
}}
"
    );
    write(root, "lib/ai.ts", &with_new);
    let (status, report) = scan_json(root, &baseline);
    assert_eq!(report.findings.len(), 1, "exactly the new gap: {:#?}", report.findings);
    assert_eq!(report.findings[0].rule, "missing-token-cap");
    assert_eq!(status, Some(1), "a new finding fails the scan");

    // 4. A baselined gap removed (summarize deleted): reported as fixed.
    let start = with_new.find("export async function summarize").expect("summarize");
    let end = with_new.find("export async function translate").expect("translate");
    let removed = format!("{}{}", &with_new[..start], &with_new[end..]);
    write(root, "lib/ai.ts", &removed);
    let (_, report) = scan_json(root, &baseline);
    let outcome = report.baseline.expect("baseline");
    assert!(!outcome.fixed.is_empty(), "summarize's findings are fixed");
    assert!(outcome.fixed.iter().all(|e| e.path.as_deref() == Some("lib/ai.ts")), "{:#?}", outcome.fixed);
    assert_eq!(outcome.baselined + outcome.fixed.len(), before.findings.len());
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);

    // The text output says the same.
    let text = custodia(&["scan", &root.to_string_lossy(), "--baseline", &baseline.to_string_lossy()]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("{} findings baselined", outcome.baselined)) || outcome.baselined == 1, "{text}");
    assert!(text.contains("fixed since the baseline") && text.contains("fixed: "), "{text}");
}

#[test]
fn a_baseline_that_is_not_one_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(root, "package.json", PACKAGE);
    write(root, "lib/ai.ts", AI);
    let bogus = root.join("baseline.json");
    std::fs::write(&bogus, r#"{"format": "something-else", "tool_version": "9", "findings": []}"#).expect("write");
    let output = custodia(&["scan", &root.to_string_lossy(), "--baseline", &bogus.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("custodia-baseline/v1"));
    std::fs::write(&bogus, "not json").expect("write");
    let output = custodia(&["scan", &root.to_string_lossy(), "--baseline", &bogus.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a custodia baseline"));
    // The evidence report shows every finding: no baseline there.
    let output = custodia(&["scan", &root.to_string_lossy(), "--format", "markdown", "--baseline", "x.json"]);
    assert_eq!(output.status.code(), Some(2));
}
