//! Inputs the fuzz targets (`fuzz/`) found to break custodia, fed through
//! the same path as the target that found them, so that each bug stays
//! fixed under a plain `cargo test`.

#[path = "lsp/client.rs"]
#[expect(dead_code, reason = "the protocol tests' client, of which these tests use a part")]
mod client;

use client::TestClient;
use serde_json::{Value, json};

fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

/// `jsonrpc_message`: a request whose id is a number but not an `i64`
/// (`1.5`) passed the byte edge's check, then failed to decode in
/// tower-lsp-server, which ended the server's input stream: every later
/// request went unanswered. Such messages, and any other the framework
/// cannot decode (a key given twice), are now refused at the edge with an
/// invalid-request error, and the server keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_the_framework_cannot_decode_does_not_leave_the_server_deaf() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
    for body in [
        r#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#,
        r#"{"jsonrpc":"2.0","id":18446744073709551615,"method":"shutdown"}"#,
        r#"{"jsonrpc":"2.0","id":2,"result":null,"id":3.5}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"shutdown","method":"shutdown"}"#,
    ] {
        client.send_raw(&frame(body)).await;
        let error = client.wait_for(|m| m.get("error").is_some()).await;
        assert_eq!(error["error"]["code"], -32600, "{body}: {error}");
    }
    // Still listening.
    let unknown = client.request("custodia/unknownMethod", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32601);
    client.shutdown().await;
}

/// `jsonrpc_message`: with a workspace folder that cannot be read (here,
/// one that does not exist) indexing failed, the server never became
/// ready, and every request that waits for the index (diagnostics, code
/// actions, hover) went unanswered for ever. It is now answered from the
/// open documents.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_answered_when_the_workspace_cannot_be_indexed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing");
    let (mut client, _) = TestClient::start(&missing, json!({}), Value::Null).await;
    let uri = client.uri("b.py");
    let report = client.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } })).await;
    assert_eq!(report["items"], json!([]), "{report}");
    client.shutdown().await;
}
