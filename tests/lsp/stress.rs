//! The server under load: thousands of edits, a thousand open documents, a
//! 50,000-line file, and `shutdown` while the workspace is being indexed.
//! Each must end with a responsive server and exact results.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::client::{TestClient, codes};

const CALL: &str = "import OpenAI from \"openai\";\n\nconst openai = new OpenAI({ timeout: 20_000 });\n\nexport async function ask(q: string) {\n  try {\n    const r = await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n    return r;\n  } catch {\n    return null;\n  }\n}\n";

fn project(files: &[(String, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, text).expect("write");
    }
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_rapid_edits_end_in_the_right_text_and_diagnostics() {
    let dir = project(&[("lib/ask.ts".to_string(), CALL.to_string())]);
    let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
    client.open("lib/ask.ts", CALL, 1).await;
    // Type 10,000 characters into a comment on the first line, one edit each.
    client.change("lib/ask.ts", 2, json!([{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "// \n" }])).await;
    for i in 0..10_000u32 {
        let at = json!({ "line": 0, "character": 3 + i });
        client.change("lib/ask.ts", 3 + i as i32, json!([{ "range": { "start": at, "end": at }, "text": "x" }])).await;
    }
    let started = Instant::now();
    let diagnostics = client.pull("lib/ask.ts").await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(codes(&diagnostics), ["missing-token-cap"]);
    let cap = &diagnostics[0];
    assert_eq!(cap["range"]["start"]["line"], 7, "one line was added above");
    let tree = client.request("custodia/syntaxTree", json!({ "uri": client.uri("lib/ask.ts") })).await;
    let expected = format!("// {}\n{CALL}", "x".repeat(10_000));
    assert_eq!(tree["text"].as_str(), Some(expected.as_str()));
    assert_eq!(tree["version"], 10_002);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_open_documents() {
    let files: Vec<(String, String)> = (0..1000)
        .map(|i| (format!("lib/mod{i}.ts"), format!("export const value{i} = {i};\n")))
        .chain([("lib/ask.ts".to_string(), CALL.to_string())])
        .collect();
    let dir = project(&files);
    let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
    for (i, (path, text)) in files.iter().enumerate() {
        client.open(path, text, i as i32 + 1).await;
    }
    let started = Instant::now();
    assert_eq!(codes(&client.pull("lib/ask.ts").await), ["missing-token-cap"]);
    assert_eq!(codes(&client.pull("lib/mod999.ts").await), Vec::<String>::new());
    assert!(started.elapsed() < Duration::from_secs(30));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifty_thousand_line_file() {
    let mut text = String::with_capacity(3_000_000);
    for i in 0..50_000 {
        text.push_str(&format!("export const row{i} = {{ id: {i}, label: \"row {i}\" }};\n"));
    }
    text.push_str(CALL);
    let dir = project(&[("lib/big.ts".to_string(), text.clone())]);
    let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
    client.open("lib/big.ts", &text, 1).await;
    let diagnostics = client.pull("lib/big.ts").await;
    assert_eq!(codes(&diagnostics), ["missing-token-cap"]);
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 50_006);
    // An edit at the top moves the finding down by one line.
    client.change("lib/big.ts", 2, json!([{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "// generated\n" }])).await;
    let started = Instant::now();
    let diagnostics = client.pull("lib/big.ts").await;
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(diagnostics[0]["range"]["start"]["line"], 50_007);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_while_indexing_answers_promptly() {
    let files: Vec<(String, String)> =
        (0..3000).map(|i| (format!("src/f{i}.ts"), CALL.replace("ask", &format!("ask{i}")))).collect();
    let dir = project(&files);
    let (client, _) =
        TestClient::start(dir.path(), json!({ "window": { "workDoneProgress": true } }), Value::Null).await;
    let started = Instant::now();
    client.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(20), "shutdown took {:?}", started.elapsed());
}
