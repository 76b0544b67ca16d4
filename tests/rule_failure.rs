//! A rule that panics is contained and reported: the other rules still
//! report, `scan` says which rule failed where (stderr and JSON), and the
//! language server logs it and keeps serving. The fault is injected with
//! the debug-build hook `CUSTODIA_FAULT_RULE` (this test binary only: the
//! variable is process-wide).

use std::process::Command;

const CALL: &str = r#"import OpenAI from "openai";

const openai = new OpenAI();

export async function ask(question: string) {
  const completion = await openai.chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: question }],
  });
  return completion.choices[0].message.content;
}
"#;

#[test]
fn a_failing_rule_is_contained_and_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("lib")).expect("dirs");
    std::fs::write(dir.path().join("lib/ask.ts"), CALL).expect("write");
    let output = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .args(["scan", "--format", "json"])
        .arg(dir.path())
        .env("CUSTODIA_FAULT_RULE", "missing-timeout")
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: rule `missing-timeout` failed on lib/ask.ts: fault injected into `missing-timeout`"),
        "{stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let failures = report["rule_failures"].as_array().expect("rule_failures");
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["rule"], "missing-timeout");
    assert_eq!(failures[0]["path"], "lib/ask.ts");
    let rules: Vec<&str> =
        report["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    // The other rules still ran on the file.
    assert!(rules.contains(&"missing-token-cap") && !rules.contains(&"missing-timeout"), "{rules:?}");
}

/// The server binary over stdio, with a fault injected: it logs the failed
/// rule, still publishes the other rules' diagnostics, and shuts down cleanly.
#[test]
fn the_language_server_logs_a_failing_rule_and_keeps_serving() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("lib")).expect("dirs");
    std::fs::write(dir.path().join("lib/ask.ts"), CALL).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("lsp")
        .env("CUSTODIA_FAULT_RULE", "missing-timeout")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut send = |message: serde_json::Value| {
        let body = message.to_string();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        stdin.flush().expect("flush");
    };
    let root = format!("file://{}", dir.path().display());
    send(
        serde_json::json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": { "processId": null, "rootUri": root, "capabilities": {} } }),
    );
    let mut read = || -> serde_json::Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("header");
            assert!(!line.is_empty(), "the server exited");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                length = n.parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        stdout.read_exact(&mut body).expect("body");
        serde_json::from_slice(&body).expect("JSON")
    };
    // A client waits for the answer to `initialize` before `initialized`.
    assert_eq!(read()["id"], 1);
    send(serde_json::json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));
    let (mut logged, mut published) = (false, false);
    while !(logged && published) {
        let message = read();
        if message["method"] == "window/logMessage" {
            let text = message["params"]["message"].as_str().unwrap_or_default();
            logged |= message["params"]["type"] == 1 && text.contains("rule `missing-timeout` failed on lib/ask.ts");
        }
        if message["method"] == "textDocument/publishDiagnostics" {
            let codes: Vec<&str> = message["params"]["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter_map(|d| d["code"].as_str())
                .collect();
            published |= codes.contains(&"missing-token-cap") && !codes.contains(&"missing-timeout");
        }
    }
    send(serde_json::json!({ "jsonrpc": "2.0", "id": 2, "method": "shutdown" }));
    loop {
        if read()["id"] == 2 {
            break;
        }
    }
    send(serde_json::json!({ "jsonrpc": "2.0", "method": "exit" }));
    drop(stdin);
    let status = child.wait().expect("exits");
    assert!(status.success(), "{status}");
}
