//! The server under load: thousands of edits, a thousand open documents, a
//! 50,000-line file, `shutdown` while the workspace is being indexed, a
//! client that never reads what the server sends, and the scan's resource
//! bounds. Each must end with a responsive server and exact results.

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

/// A client that writes and never reads: the server must not queue its
/// output without bound (it stops reading instead: backpressure through
/// every stage, see docs/RELIABILITY.md), must not deadlock, and must
/// answer everything, in full, once the client reads again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_meets_backpressure_not_a_growing_server() {
    let dir = project(&[("lib/ask.ts".to_string(), CALL.to_string())]);
    // 4 KiB each way between the client and the server.
    let (mut client, _) = TestClient::start_with_buffer(dir.path(), json!({}), Value::Null, 4096).await;
    client.open("lib/ask.ts", CALL, 1).await;
    let uri = client.uri("lib/ask.ts");
    // 3,000 requests whose answers are large (each a syntax tree: ~15 KB,
    // 45 MB in all), with an edit after every one (each publishes diagnostics).
    let requests = 3000;
    let mut messages = Vec::new();
    for i in 0..requests {
        let id = 1_000_000 + i;
        messages.push(json!({ "jsonrpc": "2.0", "id": id, "method": "custodia/syntaxTree", "params": { "uri": uri } }));
        let at = json!({ "line": 0, "character": 0 });
        let edit = if i % 2 == 0 { "// x\n" } else { "" };
        let range = if i % 2 == 0 {
            json!({ "start": at, "end": at })
        } else {
            json!({ "start": at, "end": { "line": 1, "character": 0 } })
        };
        messages.push(json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": { "uri": uri, "version": 2 + i }, "contentChanges": [{ "range": range, "text": edit }] } }));
    }
    let (written_during_stall, responses) = client.flood(&messages, Duration::from_secs(2), requests as usize).await;
    // The pipeline holds a few hundred messages at most: the rest could only
    // be taken by a server that buffered its answers without bound.
    assert!(!written_during_stall, "the server took 6,000 messages while its output was not read");
    let mut ids: Vec<i64> = responses.iter().filter_map(|r| r["id"].as_i64()).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1_000_000..1_000_000 + requests).collect::<Vec<_>>(), "every request answered once");
    assert!(responses.iter().all(|r| r["result"]["text"].is_string()), "answered in full");
    // Still responsive, with the text of the last edit (an even number of
    // edits: each inserted line was removed again), then a clean shutdown.
    let diagnostics = client.pull("lib/ask.ts").await;
    assert_eq!(codes(&diagnostics), ["missing-token-cap"]);
    let tree = client.request("custodia/syntaxTree", json!({ "uri": uri })).await;
    assert_eq!(tree["text"].as_str(), Some(CALL));
    let started = Instant::now();
    client.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// The editor honours the scan's bounds: a file over its time budget (and
/// one over the size limit, 2 MB by default) is left out, and the log says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_out_of_work_budget_shows_what_was_found_and_says_so() {
    let tail: String = (0..300).map(|i| format!("export const a{i} = b{i} + `${{c{i}}}` + d{i};\n")).collect();
    let dir = project(&[
        ("lib/ask.ts".to_string(), format!("{CALL}{tail}")),
        ("custodia.toml".to_string(), "[scan]\nmax_analysis_steps = 200\n".to_string()),
    ]);
    let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
    let shown = client
        .wait_for(|m| {
            m["method"] == "window/showMessage"
                && m["params"]["message"].as_str().is_some_and(|s| s.contains("lib/ask.ts: analysed in part"))
        })
        .await;
    let message = shown["params"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("work budget of 200 steps"), "{message}");
    // The diagnostics computed before the budget ran out are shown.
    let text = format!("{CALL}{tail}");
    client.open("lib/ask.ts", &text, 1).await;
    client.diagnostics("lib/ask.ts", |d| codes(d).contains(&"missing-token-cap".to_string())).await;
    client.shutdown().await;
}

/// The shapes that overflowed the stack: the editor indexes them and shows
/// the diagnostics (its analyses run on the large stack whatever runtime
/// hosts the server; this test's has default stacks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shapes_that_overflowed_the_stack_get_diagnostics() {
    let dir = project(&super::common::overflow_shapes());
    let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
    let diagnostics = client.pull("lib/use.ts").await;
    assert!(codes(&diagnostics).contains(&"missing-token-cap".to_string()), "{diagnostics:?}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_bounds_apply_in_the_editor_and_are_logged() {
    let mut generated = String::from("import OpenAI from \"openai\";\n");
    for i in 0..20_000 {
        generated.push_str(&format!("export const row{i} = {{ id: {i}, label: \"row {i}\" }};\n"));
    }
    let dir = project(&[
        ("lib/ask.ts".to_string(), CALL.to_string()),
        ("lib/generated.ts".to_string(), generated),
        ("lib/huge.ts".to_string(), format!("{CALL}{}", "// padding\n".repeat(200_000))),
        ("custodia.toml".to_string(), "[scan]\nfile_time_budget = \"1ms\"\n".to_string()),
    ]);
    let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
    let logged = |needle: &'static str| {
        move |m: &Value| {
            m["method"] == "window/logMessage" && m["params"]["message"].as_str().is_some_and(|s| s.contains(needle))
        }
    };
    let message = client.wait_for(logged("lib/generated.ts: skipped (time budget)")).await;
    assert!(message["params"]["message"].as_str().is_some_and(|s| s.contains("1ms time budget")), "{message}");
    client.wait_for(logged("lib/huge.ts: skipped (too large)")).await;
    client.shutdown().await;
}
