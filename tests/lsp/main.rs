//! Protocol tests of `custodia lsp`, in process: initialize, documents and
//! incremental edits, diagnostics pushed and pulled, across files, watched
//! files and configuration, code actions proven on the text, hover.

mod client;
#[path = "../common/mod.rs"]
mod common;
mod property;
mod stress;

use std::path::Path;

use client::{TestClient, apply_edits, codes};
use serde_json::{Value, json};

const ROUTE: &str = r#"import { answer } from "@/lib/ai";

export async function POST(req: Request) {
  const { question } = await req.json();
  const text = await answer(question);
  return Response.json({ text });
}
"#;

const AI: &str = r#"import OpenAI from "openai";

const openai = new OpenAI();

export async function answer(question: string) {
  try {
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: question }],
    });
    return completion.choices[0].message.content;
  } catch (error) {
    console.error("model call failed", error);
    return null;
  }
}
"#;

/// A small Next.js app: a route that reaches the model through `lib/ai.ts`.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, text).expect("write");
    };
    write("package.json", r#"{ "name": "support-bot", "dependencies": { "next": "15.0.0", "openai": "4.77.0" } }"#);
    write("tsconfig.json", r#"{ "compilerOptions": { "paths": { "@/*": ["./*"] } } }"#);
    write("app/api/chat/route.ts", ROUTE);
    write("lib/ai.ts", AI);
    dir
}

fn push_capabilities() -> Value {
    json!({
        "general": { "positionEncodings": ["utf-16"] },
        "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } },
        "window": { "workDoneProgress": true, "showDocument": { "support": true } },
    })
}

fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics.iter().find(|d| d["code"] == code).unwrap_or_else(|| panic!("no {code} in {diagnostics:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initialize_announces_incremental_sync_fixes_and_both_diagnostic_models() {
    let dir = project();
    let (client, result) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["positionEncoding"], "utf-16");
    assert_eq!(capabilities["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(capabilities["codeActionProvider"]["codeActionKinds"], json!(["quickfix", "source.fixAll.custodia"]));
    assert_eq!(capabilities["diagnosticProvider"]["identifier"], "custodia");
    assert_eq!(capabilities["hoverProvider"], true);
    let commands = capabilities["executeCommandProvider"]["commands"].as_array().expect("commands");
    assert!(commands.contains(&json!("custodia.scanWorkspace")) && commands.contains(&json!("custodia.writeReport")));
    assert_eq!(result["serverInfo"]["name"], "custodia");
    client.shutdown().await;

    // UTF-8 when the client offers it.
    let caps = json!({ "general": { "positionEncodings": ["utf-8", "utf-16"] } });
    let (client, result) = TestClient::start(dir.path(), caps, Value::Null).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_is_indexed_with_progress_and_files_not_open_get_diagnostics() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let ai = client.diagnostics("lib/ai.ts", |d| !d.is_empty()).await;
    assert_eq!(codes(&ai), ["missing-timeout", "missing-token-cap"]);
    let cap = with_code(&ai, "missing-token-cap");
    assert_eq!(cap["source"], "custodia");
    assert!(cap["message"].as_str().expect("message").starts_with("[SOC 2 A1.1] "), "{cap}");
    assert_eq!(cap["range"]["start"], json!({ "line": 6, "character": 29 }));
    assert!(cap["codeDescription"]["href"].as_str().expect("href").ends_with("/docs/rules/missing-token-cap.md"));
    // The route is reported where it is, with the model call as related information.
    let route = client.diagnostics("app/api/chat/route.ts", |d| !d.is_empty()).await;
    let auth = with_code(&route, "inference-without-auth");
    assert!(auth["message"].as_str().expect("message").starts_with("[SOC 2 CC6.1] "), "{auth}");
    let related = auth["relatedInformation"].as_array().expect("related");
    assert!(related.iter().any(|r| r["location"]["uri"] == client.uri("lib/ai.ts")), "{related:#?}");
    // Progress was reported through $/progress, and ended.
    client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end").await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_opened_while_the_workspace_is_indexed_shows_its_own_diagnostics_first() {
    let dir = project();
    // Debug builds hold the index of this workspace for 3 s.
    std::fs::write(dir.path().join(".custodia-test-slow-index"), "").expect("marker");
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    client.open("lib/ai.ts", AI, 1).await;
    // The first diagnostics published are the open file's own: the index
    // would publish the route's first (its batch is sorted by path).
    let first = client.wait_for(|m| m["method"] == "textDocument/publishDiagnostics").await;
    assert_eq!(first["params"]["uri"], client.uri("lib/ai.ts"), "the open file's diagnostics first: {first}");
    let own: Vec<Value> = first["params"]["diagnostics"].as_array().cloned().unwrap_or_default();
    assert_eq!(codes(&own), ["missing-timeout", "missing-token-cap"]);
    assert_eq!(first["params"]["version"], 1);
    // Once the index is built, the cross-file findings arrive: the route
    // that reaches the call through lib/ai.ts.
    client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end").await;
    let route = client.diagnostics("app/api/chat/route.ts", |d| !d.is_empty()).await;
    assert!(codes(&route).contains(&"inference-without-auth".to_string()), "{route:#?}");
    // The open file's diagnostics stand (they were already right).
    assert_eq!(codes(&client.pull("lib/ai.ts").await), ["missing-timeout", "missing-token-cap"]);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_edits_with_multibyte_text_keep_positions_exact() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    client.open("lib/ai.ts", AI, 1).await;
    client.diagnostics("lib/ai.ts", |d| !d.is_empty()).await;
    // An emoji (two UTF-16 units) and CJK before the call, on its line.
    let edit = json!([{ "range": { "start": { "line": 6, "character": 4 }, "end": { "line": 6, "character": 4 } }, "text": "/* 🤖 日本 */ " }]);
    client.change("lib/ai.ts", 2, edit).await;
    let diagnostics =
        client.diagnostics("lib/ai.ts", |d| d.iter().any(|x| x["range"]["start"]["character"] != 29)).await;
    // `/* 🤖 日本 */ ` is 12 UTF-16 units.
    assert_eq!(with_code(&diagnostics, "missing-token-cap")["range"]["start"], json!({ "line": 6, "character": 41 }));
    // A stale version is refused: the text stays as it is.
    let stale = json!([{ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "garbage(" }]);
    client.change("lib/ai.ts", 2, stale).await;
    let pulled = client.pull("lib/ai.ts").await;
    assert_eq!(with_code(&pulled, "missing-token-cap")["range"]["start"], json!({ "line": 6, "character": 41 }));
    client
        .wait_for(|m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"].as_str().is_some_and(|s| s.contains("not newer"))
        })
        .await;
    // A change to a document never opened is logged, not applied.
    client.change("lib/never-opened.ts", 1, json!([{ "text": "x" }])).await;
    client
        .wait_for(|m| {
            m["method"] == "window/logMessage"
                && m["params"]["message"].as_str().is_some_and(|s| s.contains("never opened"))
        })
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_positions_when_negotiated() {
    let dir = project();
    let caps = json!({ "general": { "positionEncodings": ["utf-8"] } });
    let (mut client, _) = TestClient::start(dir.path(), caps, Value::Null).await;
    client.open("lib/ai.ts", AI, 1).await;
    let edit = json!([{ "range": { "start": { "line": 6, "character": 4 }, "end": { "line": 6, "character": 4 } }, "text": "/* 🤖 日本 */ " }]);
    client.change("lib/ai.ts", 2, edit).await;
    let pulled = client.pull("lib/ai.ts").await;
    // `/* 🤖 日本 */ ` is 18 bytes.
    assert_eq!(with_code(&pulled, "missing-token-cap")["range"]["start"], json!({ "line": 6, "character": 47 }));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_helper_republishes_the_route_that_reaches_it() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    client.diagnostics("app/api/chat/route.ts", |d| codes(d).contains(&"inference-without-auth".to_string())).await;
    client.open("lib/ai.ts", AI, 1).await;
    // The helper stops calling the model: the route reaches no model any more.
    let no_model = AI.replace("await openai.chat.completions.create(", "await fakeCompletion(");
    client.change("lib/ai.ts", 2, json!([{ "text": no_model }])).await;
    let route = client.diagnostics("app/api/chat/route.ts", |d| d.is_empty()).await;
    assert!(route.is_empty());
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_files_and_configuration_keep_the_index_true() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    client.wait_for(|m| m["method"] == "client/registerCapability").await;
    client.diagnostics("lib/ai.ts", |d| !d.is_empty()).await;
    // A new file on disk.
    std::fs::write(dir.path().join("lib/summarize.ts"), AI.replace("answer", "summarize")).expect("write");
    let uri = client.uri("lib/summarize.ts");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri, "type": 1 }] })).await;
    let new = client.diagnostics("lib/summarize.ts", |d| !d.is_empty()).await;
    assert_eq!(codes(&new), ["missing-timeout", "missing-token-cap"]);
    // custodia.toml switches a rule off: every file is republished without it.
    std::fs::write(dir.path().join("custodia.toml"), "[rules]\nmissing-timeout = \"off\"\n").expect("write");
    let uri = client.uri("custodia.toml");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri, "type": 1 }] })).await;
    let ai = client.diagnostics("lib/ai.ts", |d| !codes(d).contains(&"missing-timeout".to_string())).await;
    assert_eq!(codes(&ai), ["missing-token-cap"]);
    // An invalid configuration is shown, and the last good one stays.
    std::fs::write(dir.path().join("custodia.toml"), "[rules\n").expect("write");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri, "type": 2 }] })).await;
    let shown = client.wait_for(|m| m["method"] == "window/showMessage" && m["params"]["type"] == 1).await;
    assert!(shown["params"]["message"].as_str().expect("message").contains("custodia.toml"), "{shown}");
    // The file is deleted.
    std::fs::remove_file(dir.path().join("lib/summarize.ts")).expect("remove");
    let uri = client.uri("lib/summarize.ts");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": uri, "type": 3 }] })).await;
    client.diagnostics("lib/summarize.ts", |d| d.is_empty()).await;
    client.shutdown().await;
}

/// Applies a code action's edit to `text`, checks the result parses with no
/// ERROR node, and returns it.
fn applied(action: &Value, uri: &str, text: &str, path: &str) -> String {
    let edits = action["edit"]["changes"][uri].as_array().unwrap_or_else(|| panic!("edits in {action}"));
    let after = apply_edits(text, edits);
    let kind = custodia::lang::FileKind::of(Path::new(path)).expect("kind");
    let tree = custodia::lang::parse(kind.grammar, &after, None).expect("parses");
    assert!(!tree.root_node().has_error(), "ERROR node after `{}`:\n{after}", action["title"]);
    after
}

async fn actions_for(client: &mut TestClient, path: &str, diagnostic: &Value) -> Vec<Value> {
    let uri = client.uri(path);
    let result = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": diagnostic["range"],
                "context": { "diagnostics": [diagnostic] },
            }),
        )
        .await;
    result.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_quick_fix_removes_its_finding() {
    let dir = project();
    let settings = json!({ "custodia": { "fixes": { "maxTokens": 512, "fallbackModel": "gpt-4.1-mini" } } });
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), settings).await;
    let no_failure_path = AI
        .replace("  try {\n", "")
        .replace("  } catch (error) {\n    console.error(\"model call failed\", error);\n    return null;\n  }\n", "")
        .replace("\n    const completion", "\n  const completion");
    let uri = client.uri("lib/ai.ts");
    client.open("lib/ai.ts", &no_failure_path, 1).await;
    let mut text = no_failure_path.clone();
    let mut version = 1;
    for (rule, title) in [
        ("missing-token-cap", "max_completion_tokens: 512"),
        ("missing-timeout", "timeout: 30_000"),
        ("missing-failure-path", "gpt-4.1-mini"),
    ] {
        let diagnostics = client.pull("lib/ai.ts").await;
        let diagnostic = with_code(&diagnostics, rule).clone();
        let actions = actions_for(&mut client, "lib/ai.ts", &diagnostic).await;
        let fix = actions
            .iter()
            .find(|a| a["isPreferred"] == true)
            .unwrap_or_else(|| panic!("no fix for {rule}: {actions:#?}"));
        assert!(fix["title"].as_str().expect("title").contains(title), "{fix}");
        text = applied(fix, &uri, &text, "lib/ai.ts");
        version += 1;
        client.change("lib/ai.ts", version, json!([{ "text": text }])).await;
        let after = client.pull("lib/ai.ts").await;
        assert!(!codes(&after).contains(&rule.to_string()), "{rule} after its fix:\n{text}\n{after:#?}");
    }
    client.shutdown().await;
}

/// A diagnostic carries no fix payload: a code action finds its finding
/// again in the server's current analysis by rule and range. Asked with a
/// diagnostic of an older text whose finding has moved, it offers nothing
/// (no edit of another text); asked with the current diagnostic, the fix
/// edits the current text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_actions_fix_the_current_text_and_offer_nothing_for_a_stale_diagnostic() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let uri = client.uri("lib/ai.ts");
    client.open("lib/ai.ts", AI, 1).await;
    let old = client.pull("lib/ai.ts").await;
    assert!(old.iter().all(|d| d.get("data").is_none_or(Value::is_null)), "no payload: {old:#?}");
    let stale = with_code(&old, "missing-timeout").clone();
    // A line above moves every finding down one line.
    let header = "// the support desk's model client\n";
    let zero = json!({ "line": 0, "character": 0 });
    client.change("lib/ai.ts", 2, json!([{ "range": { "start": zero, "end": zero }, "text": header }])).await;
    // (The document's fixAll stands: it is computed on the current text.)
    let actions = actions_for(&mut client, "lib/ai.ts", &stale).await;
    let quick_fixes: Vec<&Value> = actions.iter().filter(|a| a["kind"] == "quickfix").collect();
    assert!(quick_fixes.is_empty(), "a stale diagnostic gets no action: {quick_fixes:#?}");
    let current = client.pull("lib/ai.ts").await;
    let diagnostic = with_code(&current, "missing-timeout").clone();
    assert_eq!(diagnostic["range"]["start"]["line"].as_u64(), stale["range"]["start"]["line"].as_u64().map(|l| l + 1));
    let actions = actions_for(&mut client, "lib/ai.ts", &diagnostic).await;
    let fix = actions.iter().find(|a| a["isPreferred"] == true).unwrap_or_else(|| panic!("a fix: {actions:#?}"));
    let text = applied(fix, &uri, &format!("{header}{AI}"), "lib/ai.ts");
    client.change("lib/ai.ts", 3, json!([{ "text": text }])).await;
    assert_eq!(codes(&client.pull("lib/ai.ts").await), ["missing-token-cap"], "{text}");
    client.shutdown().await;
}

/// An edit that leaves a document's diagnostics as they were (a comment
/// typed below every finding) publishes nothing; one that moves them
/// publishes them, for its version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_diagnostics_that_changed_are_published() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let uri = client.uri("lib/ai.ts");
    client.open("lib/ai.ts", AI, 1).await;
    let is_publish = |m: &Value| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str();
    let first = client.wait_for(|m| is_publish(m) && m["params"]["version"] == 1).await;
    assert_eq!(
        codes(first["params"]["diagnostics"].as_array().expect("diagnostics")),
        ["missing-timeout", "missing-token-cap"]
    );
    let end = json!({ "line": AI.lines().count(), "character": 0 });
    client.change("lib/ai.ts", 2, json!([{ "range": { "start": end, "end": end }, "text": "// end\n" }])).await;
    client.pull("lib/ai.ts").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let zero = json!({ "line": 0, "character": 0 });
    client.change("lib/ai.ts", 3, json!([{ "range": { "start": zero, "end": zero }, "text": "// start\n" }])).await;
    let next = client.wait_for(is_publish).await;
    assert_eq!(next["params"]["version"], 3, "nothing published for version 2: {next}");
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppression_with_the_cursor_at_the_reason_and_fix_all() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let uri = client.uri("lib/ai.ts");
    client.open("lib/ai.ts", AI, 1).await;
    let diagnostics = client.pull("lib/ai.ts").await;
    let diagnostic = with_code(&diagnostics, "missing-timeout").clone();
    let actions = actions_for(&mut client, "lib/ai.ts", &diagnostic).await;
    let suppress =
        actions.iter().find(|a| a["title"].as_str().is_some_and(|t| t.starts_with("Suppress"))).expect("suppress");
    let after = applied(suppress, &uri, AI, "lib/ai.ts");
    assert!(after.contains("    // custodia-ignore[missing-timeout]: \n    const completion"), "{after}");
    assert_eq!(suppress["command"]["command"], "custodia.placeCursor");
    assert_eq!(suppress["command"]["arguments"][1], json!({ "line": 6, "character": 41 }));
    // With a reason typed at the cursor, the finding is suppressed.
    let reasoned = after
        .replace("missing-timeout]: ", "missing-timeout]: the client's default timeout is set by the platform proxy");
    client.change("lib/ai.ts", 2, json!([{ "text": reasoned }])).await;
    assert_eq!(codes(&client.pull("lib/ai.ts").await), ["missing-token-cap"]);
    // fixAll applies the safe fixes only.
    client.change("lib/ai.ts", 3, json!([{ "text": AI }])).await;
    client.pull("lib/ai.ts").await;
    let result = client
        .request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } },
                "context": { "diagnostics": [], "only": ["source.fixAll"] },
            }),
        )
        .await;
    let fix_all = result.as_array().and_then(|a| a.first()).cloned().expect("a fixAll action");
    assert_eq!(fix_all["kind"], "source.fixAll.custodia");
    let fixed = applied(&fix_all, &uri, AI, "lib/ai.ts");
    client.change("lib/ai.ts", 4, json!([{ "text": fixed }])).await;
    assert_eq!(codes(&client.pull("lib/ai.ts").await), Vec::<String>::new());
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_explains_the_criterion() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    client.open("lib/ai.ts", AI, 1).await;
    client.pull("lib/ai.ts").await;
    let uri = client.uri("lib/ai.ts");
    let hover = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 6, "character": 35 } }),
        )
        .await;
    let text = hover["contents"]["value"].as_str().expect("markdown");
    assert!(text.contains("Maps to SOC 2 A1.1"), "{text}");
    assert!(text.contains("What an auditor looks for"), "{text}");
    assert!(text.contains("not a compliance opinion"), "{text}");
    let nothing = client
        .request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
        )
        .await;
    assert_eq!(nothing, Value::Null);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_clients_get_reports_with_result_ids_and_nothing_pushed() {
    let dir = project();
    let caps = json!({ "textDocument": { "diagnostic": { "dynamicRegistration": false } } });
    let (mut client, _) = TestClient::start(dir.path(), caps, Value::Null).await;
    client.open("lib/ai.ts", AI, 1).await;
    let uri = client.uri("lib/ai.ts");
    let first = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } })).await;
    assert_eq!(first["kind"], "full");
    assert_eq!(codes(first["items"].as_array().expect("items")), ["missing-timeout", "missing-token-cap"]);
    let id = first["resultId"].clone();
    let second = client
        .request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri }, "previousResultId": id }))
        .await;
    assert_eq!(second["kind"], "unchanged");
    assert!(!client.inbox.iter().any(|m| m["method"] == "textDocument/publishDiagnostics"), "{:#?}", client.inbox);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_get_errors_and_the_server_keeps_serving() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json").await;
    let error = client.wait_for(|m| m.get("error").is_some()).await;
    assert_eq!(error["error"]["code"], -32700, "parse error: {error}");
    client.send_raw(b"Content-Length: 35\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":5}").await;
    let error = client.wait_for(|m| m.get("error").is_some()).await;
    assert_eq!((error["error"]["code"].clone(), error["id"].clone()), (json!(-32600), json!(9)), "{error}");
    client.send_raw(b"X-Nonsense: yes\r\n\r\n").await;
    let error = client.wait_for(|m| m.get("error").is_some()).await;
    assert_eq!(error["error"]["code"], -32700, "no Content-Length: {error}");
    let unknown = client.request("custodia/unknownMethod", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32601);
    let bad_command = client.request("workspace/executeCommand", json!({ "command": "custodia.nope" })).await;
    assert_eq!(bad_command["error"]["code"], -32602);
    client.open("lib/ai.ts", AI, 1).await;
    assert_eq!(codes(&client.pull("lib/ai.ts").await), ["missing-timeout", "missing-token-cap"]);
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_and_rate_limit_fixes_follow_the_projects_libraries() {
    let dir = project();
    let write = |path: &str, text: &str| {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(full, text).expect("write");
    };
    write(
        "app/layout.tsx",
        "import { ClerkProvider } from \"@clerk/nextjs\";\n\nexport default function RootLayout({ children }: { children: React.ReactNode }) {\n  return <ClerkProvider>{children}</ClerkProvider>;\n}\n",
    );
    write(
        "lib/ratelimit.ts",
        "import { Ratelimit } from \"@upstash/ratelimit\";\nimport { Redis } from \"@upstash/redis\";\n\nexport const ratelimit = new Ratelimit({ redis: Redis.fromEnv(), limiter: Ratelimit.slidingWindow(20, \"60 s\") });\n",
    );
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let path = "app/api/chat/route.ts";
    let uri = client.uri(path);
    client.open(path, ROUTE, 1).await;
    let mut text = ROUTE.to_string();
    for (version, (rule, title)) in
        [("inference-without-auth", "Clerk"), ("inference-without-rate-limit", "Upstash")].into_iter().enumerate()
    {
        let diagnostics = client.pull(path).await;
        let diagnostic = with_code(&diagnostics, rule).clone();
        let actions = actions_for(&mut client, path, &diagnostic).await;
        let fix = actions
            .iter()
            .find(|a| a["isPreferred"] == true)
            .unwrap_or_else(|| panic!("no fix for {rule}: {actions:#?}"));
        assert!(fix["title"].as_str().expect("title").contains(title), "{fix}");
        text = applied(fix, &uri, &text, path);
        client.change(path, version as i32 + 2, json!([{ "text": text }])).await;
        let after = client.pull(path).await;
        assert!(!codes(&after).contains(&rule.to_string()), "{rule} after its fix:\n{text}\n{after:#?}");
    }
    assert!(text.contains("await auth();") && text.contains("await ratelimit.limit(identifier);"), "{text}");
    client.shutdown().await;
}

/// One engine: the editor shows, file by file, exactly what `custodia scan`
/// reports for the bundled example (same rules, same configuration, same
/// positions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_and_the_cli_agree_on_the_example_project() {
    the_editor_agrees_with_the_cli(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ai-support-desk")).await;
}

/// The same with tests, scripts and test helpers beside production code:
/// both leave them out of the report, and both follow routes through them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_and_the_cli_agree_on_what_is_in_scope() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for project in ["precision", "fastapi-helpdesk-cohere-mistral-hf", "routes-nextjs"] {
        the_editor_agrees_with_the_cli(&fixtures.join(project)).await;
    }
}

/// Every source file under `root`, relative and sorted.
fn source_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if custodia::lang::FileKind::of(&path).is_some() {
                let rel = path.strip_prefix(root).expect("under the root");
                out.push(rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"));
            }
        }
    }
    out.sort();
    out
}

async fn the_editor_agrees_with_the_cli(root: &Path) {
    let root = root.to_path_buf();
    let engine = custodia::engine::Engine::new(custodia::config::Config::discover(&root, None).expect("config"));
    let result = custodia::scan::scan(&engine, &custodia::scan::ScanOptions::new(&root)).expect("scan");
    assert!(!result.findings.is_empty());
    let (mut client, _) = TestClient::start(&root, json!({}), Value::Null).await;
    let paths = source_files(&root);
    let mut compared = 0;
    for path in paths {
        let text = std::fs::read_to_string(root.join(&path)).expect("read");
        let positions = custodia::document::Positions::new(&text);
        let mut expected: Vec<(String, String, Value)> = result
            .findings
            .iter()
            .filter(|f| f.path.as_deref() == Some(path.as_str()))
            .filter_map(|f| {
                let span = f.location?.span;
                let p = |o: u32| positions.position(o as usize, custodia::document::PositionEncoding::Utf16);
                let (start, end) = (p(span.start), p(span.end));
                let range = json!({ "start": { "line": start.line, "character": start.character }, "end": { "line": end.line, "character": end.character } });
                Some((f.rule.to_string(), f.message.clone(), range))
            })
            .collect();
        expected.sort_by(|a, b| (&a.0, &a.1, a.2.to_string()).cmp(&(&b.0, &b.1, b.2.to_string())));
        let mut served: Vec<(String, String, Value)> = client
            .pull(&path)
            .await
            .iter()
            .map(|d| {
                let message = d["message"].as_str().expect("message");
                let message = message.split_once("] ").map_or(message, |(_, m)| m).to_string();
                (d["code"].as_str().expect("code").to_string(), message, d["range"].clone())
            })
            .collect();
        served.sort_by(|a, b| (&a.0, &a.1, a.2.to_string()).cmp(&(&b.0, &b.1, b.2.to_string())));
        assert_eq!(served, expected, "{path}");
        compared += expected.len();
    }
    assert_eq!(compared, result.findings.iter().filter(|f| f.path.is_some()).count());
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_document_returns_to_the_file_on_disk() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    client.open("lib/ai.ts", AI, 1).await;
    let capped = AI.replace("      messages: [", "      max_completion_tokens: 256,\n      messages: [");
    client.change("lib/ai.ts", 2, json!([{ "text": capped }])).await;
    client.diagnostics("lib/ai.ts", |d| codes(d) == ["missing-timeout"]).await;
    // Closed without saving: the file on disk still has no cap.
    let uri = client.uri("lib/ai.ts");
    client.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } })).await;
    client.diagnostics("lib/ai.ts", |d| codes(d) == ["missing-timeout", "missing-token-cap"]).await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_files_scope_publishes_open_documents_only() {
    let dir = project();
    let options = json!({ "custodia": { "diagnostics": { "scope": "openFiles" } } });
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), options).await;
    client.wait_for(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end").await;
    client.open("lib/ai.ts", AI, 1).await;
    client.diagnostics("lib/ai.ts", |d| !d.is_empty()).await;
    // The route is analysed (it reaches lib/ai.ts) but not open: nothing published for it.
    client.pull("lib/ai.ts").await;
    let route = client.uri("app/api/chat/route.ts");
    assert!(
        !client
            .inbox
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == route.as_str()),
        "{:#?}",
        client.inbox
    );
    // Switching to the workspace scope publishes it.
    client
        .notify(
            "workspace/didChangeConfiguration",
            json!({ "settings": { "custodia": { "diagnostics": { "scope": "workspace" } } } }),
        )
        .await;
    let diagnostics = client.diagnostics("app/api/chat/route.ts", |d| !d.is_empty()).await;
    assert!(codes(&diagnostics).contains(&"inference-without-auth".to_string()));
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_scan_the_workspace_and_write_a_report() {
    let dir = project();
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let summary = client.request("workspace/executeCommand", json!({ "command": "custodia.scanWorkspace" })).await;
    assert_eq!(summary["indexed"], true, "{summary}");
    assert_eq!(summary["files"], 2);
    assert!(summary["byCriterion"]["SOC 2 A1.1"].as_u64().is_some_and(|n| n >= 2), "{summary}");
    let written = client
        .request(
            "workspace/executeCommand",
            json!({ "command": "custodia.writeReport", "arguments": [{ "path": "reports/custodia.json" }] }),
        )
        .await;
    let path = written["path"].as_str().expect("path");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("report")).expect("JSON");
    assert!(report["findings"].as_array().is_some_and(|f| !f.is_empty()));
    #[cfg(feature = "pdf")]
    {
        let written = client
            .request(
                "workspace/executeCommand",
                json!({ "command": "custodia.writeReport", "arguments": [{ "path": "reports/evidence.pdf" }] }),
            )
            .await;
        let pdf = std::fs::read(written["path"].as_str().expect("path")).expect("PDF written");
        assert!(pdf.starts_with(b"%PDF-"), "the evidence report as PDF");
    }
    client
        .wait_for(|m| {
            m["method"] == "window/showMessage"
                && m["params"]["message"].as_str().is_some_and(|s| s.contains("report written"))
        })
        .await;
    client.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppressions_between_jsx_children_are_jsx_comments() {
    let dir = project();
    let page = r#"import OpenAI from "openai";

const openai = new OpenAI({ timeout: 10_000 });

export default async function Page() {
  const completion = await openai.chat.completions.create({ model: "gpt-4o-mini", max_completion_tokens: 100, messages: [{ role: "user", content: "Greet" }] });
  const html = completion.choices[0].message.content ?? "";
  return (
    <main>
      <div dangerouslySetInnerHTML={{ __html: html }} />
    </main>
  );
}
"#;
    std::fs::create_dir_all(dir.path().join("app/greeting")).expect("dirs");
    std::fs::write(dir.path().join("app/greeting/page.tsx"), page).expect("write");
    let (mut client, _) = TestClient::start(dir.path(), push_capabilities(), Value::Null).await;
    let path = "app/greeting/page.tsx";
    client.open(path, page, 1).await;
    let diagnostics = client.pull(path).await;
    let diagnostic = with_code(&diagnostics, "model-output-html").clone();
    let actions = actions_for(&mut client, path, &diagnostic).await;
    let suppress =
        actions.iter().find(|a| a["title"].as_str().is_some_and(|t| t.starts_with("Suppress"))).expect("suppress");
    let uri = client.uri(path);
    let after = applied(suppress, &uri, page, path);
    assert!(after.contains("    <main>\n      {/* custodia-ignore[model-output-html]:  */}\n      <div"), "{after}");
    let reasoned = after.replace("html]:  */}", "html]: the greeting is sanitised by the CMS before storage */}");
    client.change(path, 2, json!([{ "text": reasoned }])).await;
    assert!(!codes(&client.pull(path).await).contains(&"model-output-html".to_string()));
    client.shutdown().await;
}
