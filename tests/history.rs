//! Scan history: records appended by `scan --record`, chained by hash so an
//! edited or removed record is found (`history --verify`, with the line), a
//! record cut short never loses the others, and first-seen / fixed dates
//! computed across scans of a changing project.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn custodia(dir: &Path, args: &[&str], epoch: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("runs")
}

fn record(dir: &Path, epoch: &str) {
    let out = custodia(dir, &["scan", ".", "--record", "--format", "json"], epoch);
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded this scan in"));
}

const ROUTE: &str = r#"import OpenAI from "openai";

const openai = new OpenAI({ timeout: 20_000 });

export async function summarize(text: string) {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: text }],
    });
    return completion.choices[0].message.content;
  } catch {
    return null;
  }
}
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("lib")).expect("dirs");
    std::fs::write(dir.path().join("lib/summarize.ts"), ROUTE).expect("write");
    dir
}

fn lines(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(".custodia/history.jsonl")).expect("history").lines().map(String::from).collect()
}

#[test]
fn records_are_appended_and_chained() {
    let dir = project();
    record(dir.path(), "1795737600");
    record(dir.path(), "1795824000");
    let lines = lines(dir.path());
    assert_eq!(lines.len(), 2);
    let first: Value = serde_json::from_str(&lines[0]).expect("record");
    let second: Value = serde_json::from_str(&lines[1]).expect("record");
    assert_eq!(first["previous"], Value::Null);
    assert_eq!(first["time"], "2026-11-27T00:00:00Z");
    assert_eq!(first["by_criterion"]["A1.1"], 1);
    let rules: Vec<&str> =
        first["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    assert_eq!(rules, ["missing-ai-incident-response", "missing-token-cap"]);
    assert_eq!(second["previous"].as_str().map(str::len), Some(64));
    let verify = custodia(dir.path(), &["history", "--verify"], "0");
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("2 records, chain intact"));
}

#[test]
fn an_edited_or_removed_record_fails_verification_with_its_line() {
    let dir = project();
    for epoch in ["1795737600", "1795824000", "1795910400"] {
        record(dir.path(), epoch);
    }
    let path = dir.path().join(".custodia/history.jsonl");
    let original = std::fs::read_to_string(&path).expect("history");
    // Someone lowers a count in the first record.
    let tampered = original.replacen("\"total\":2", "\"total\":1", 1);
    assert_ne!(tampered, original);
    std::fs::write(&path, &tampered).expect("write");
    let verify = custodia(dir.path(), &["history", "--verify"], "0");
    assert_eq!(verify.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(stderr.contains("line 2: the record before it does not match"), "{stderr}");
    // The middle record removed.
    let kept: Vec<&str> = original.lines().enumerate().filter(|(i, _)| *i != 1).map(|(_, l)| l).collect();
    std::fs::write(&path, kept.join("\n") + "\n").expect("write");
    let verify = custodia(dir.path(), &["history", "--verify"], "0");
    assert_eq!(verify.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&verify.stderr).contains("line 2: the record before it does not match"));
}

#[test]
fn a_record_cut_short_is_reported_and_loses_no_other() {
    let dir = project();
    record(dir.path(), "1795737600");
    record(dir.path(), "1795824000");
    let path = dir.path().join(".custodia/history.jsonl");
    let mut text = std::fs::read_to_string(&path).expect("history");
    text.push_str("{\"version\":1,\"time\":\"2026-11-29T00:0");
    std::fs::write(&path, &text).expect("write");
    let shown = custodia(dir.path(), &["history", "--format", "json"], "0");
    let stderr = String::from_utf8_lossy(&shown.stderr);
    assert!(stderr.contains("line 3: incomplete record (the write was cut short)"), "{stderr}");
    let document: Value = serde_json::from_slice(&shown.stdout).expect("JSON");
    assert_eq!(document["scans"].as_array().map(Vec::len), Some(2));
    // The next record starts on its own line and chains to the last good one.
    record(dir.path(), "1795910400");
    let lines = lines(dir.path());
    assert_eq!(lines.len(), 4);
    assert!(serde_json::from_str::<Value>(&lines[3]).is_ok());
    let verify = custodia(dir.path(), &["history", "--verify"], "0");
    let stderr = String::from_utf8_lossy(&verify.stderr);
    assert!(stderr.contains("line 3: not a history record") && !stderr.contains("line 4"), "{stderr}");
}

#[test]
fn first_seen_and_fixed_across_three_scans_of_a_changing_project() {
    let dir = project();
    // Scan 1: no token cap.
    record(dir.path(), "1795737600");
    // Scan 2, three days later: the cap is added (fixed); lines moved.
    let capped = ROUTE.replace("      messages: [", "      max_completion_tokens: 300,\n      messages: [");
    std::fs::write(dir.path().join("lib/summarize.ts"), format!("// Summaries.\n{capped}")).expect("write");
    record(dir.path(), "1795996800");
    // Scan 3, a day later: a new call without a timeout or a cap.
    let extra = "\nexport async function title(text: string) {\n  try {\n    const r = await new OpenAI().chat.completions.create({ model: \"gpt-4o-mini\", max_completion_tokens: 20, messages: [{ role: \"user\", content: text }] });\n    return r.choices[0].message.content;\n  } catch {\n    return null;\n  }\n}\n";
    std::fs::write(dir.path().join("lib/summarize.ts"), format!("// Summaries.\n{capped}{extra}")).expect("write");
    record(dir.path(), "1796083200");
    let shown = custodia(dir.path(), &["history", "--format", "json"], "0");
    let document: Value = serde_json::from_slice(&shown.stdout).expect("JSON");
    let findings = document["findings"].as_array().expect("findings");
    let cap = findings.iter().find(|f| f["rule"] == "missing-token-cap").expect("the cap finding");
    assert_eq!(cap["first_seen"], "2026-11-27T00:00:00Z");
    assert_eq!(cap["fixed"], "2026-11-30T00:00:00Z");
    assert_eq!(cap["days_to_remediate"], 3.0);
    let timeout = findings.iter().find(|f| f["rule"] == "missing-timeout").expect("the new finding");
    assert_eq!(timeout["first_seen"], "2026-12-01T00:00:00Z");
    assert_eq!(timeout["fixed"], Value::Null);
    // A period: only the last two scans.
    let since = custodia(dir.path(), &["history", "--format", "json", "--since", "2026-11-28"], "0");
    let document: Value = serde_json::from_slice(&since.stdout).expect("JSON");
    assert_eq!(document["scans"].as_array().map(Vec::len), Some(2));
    let text = custodia(dir.path(), &["history"], "0");
    let text = String::from_utf8_lossy(&text.stdout);
    // The cap, the new timeout gap, and the project-level incident-response gap.
    assert!(text.contains("3 findings seen: 2 open, 1 fixed") && text.contains("median 3.0 days"), "{text}");
}
