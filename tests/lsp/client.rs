//! An in-process client for protocol tests: the server (its byte edge and
//! the tower `LspService` behind it) runs over `tokio::io::duplex`, and this client speaks
//! Content-Length framed JSON-RPC to it, answering the server's own
//! requests (registrations, progress tokens, refreshes) as an editor would.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, ReadHalf, WriteHalf};

pub struct TestClient {
    write: WriteHalf<DuplexStream>,
    read: BufReader<ReadHalf<DuplexStream>>,
    next_id: i64,
    /// Notifications and server requests received while waiting for something else.
    pub inbox: VecDeque<Value>,
    pub root: PathBuf,
}

const WAIT: Duration = Duration::from_secs(30);

impl TestClient {
    /// Starts a server and sends `initialize` with `capabilities`, then `initialized`.
    pub async fn start(root: &Path, capabilities: Value, options: Value) -> (TestClient, Value) {
        TestClient::start_with_buffer(root, capabilities, options, 1 << 20).await
    }

    /// Like [`TestClient::start`], with a connection that holds at most
    /// `buffer` bytes in each direction.
    pub async fn start_with_buffer(
        root: &Path,
        capabilities: Value,
        options: Value,
        buffer: usize,
    ) -> (TestClient, Value) {
        let (client_side, server_side) = tokio::io::duplex(buffer);
        let (server_read, server_write) = tokio::io::split(server_side);
        tokio::spawn(custodia::lsp::serve(server_read, server_write));
        let (read, write) = tokio::io::split(client_side);
        let mut client = TestClient {
            write,
            read: BufReader::new(read),
            next_id: 1,
            inbox: VecDeque::new(),
            root: root.to_path_buf(),
        };
        let result = client
            .request(
                "initialize",
                json!({
                    "processId": null,
                    "rootUri": client.uri(""),
                    "capabilities": capabilities,
                    "initializationOptions": options,
                }),
            )
            .await;
        client.notify("initialized", json!({})).await;
        (client, result)
    }

    /// The `file://` URI of a path, percent-encoded as editors send it
    /// (VS Code encodes the brackets of a Next.js `[id]` segment).
    pub fn uri(&self, path: &str) -> String {
        let path = if path.is_empty() { self.root.clone() } else { self.root.join(path) };
        let mut encoded = String::from("file://");
        for byte in path.to_string_lossy().bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
                encoded.push(byte as char);
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        encoded
    }

    pub async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.write.write_all(framed.as_bytes()).await.expect("server reads");
        self.write.flush().await.expect("flush");
    }

    /// Sends raw bytes (malformed input).
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.write.write_all(bytes).await.expect("server reads");
        self.write.flush().await.expect("flush");
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params })).await;
    }

    async fn read_message(&mut self) -> Value {
        read_frame(&mut self.read).await
    }

    /// Writes `messages` without reading anything for `stall`, then reads
    /// (while the rest is written) until `responses` responses to requests
    /// have arrived. Returns whether everything was written during the
    /// stall, and the responses. A server that stops reading when its
    /// output is not read cannot take everything during the stall; one that
    /// buffered its output without bound could.
    pub async fn flood(&mut self, messages: &[Value], stall: Duration, responses: usize) -> (bool, Vec<Value>) {
        let mut bytes = Vec::new();
        for message in messages {
            let body = message.to_string();
            bytes.extend_from_slice(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
        }
        let (write, read) = (&mut self.write, &mut self.read);
        let mut writing = Box::pin(async move {
            write.write_all(&bytes).await.expect("server reads");
            write.flush().await.expect("flush");
        });
        let written_during_stall = tokio::time::timeout(stall, &mut writing).await.is_ok();
        let reading = async {
            let mut got = Vec::new();
            while got.len() < responses {
                let message =
                    tokio::time::timeout(WAIT, read_frame(read)).await.expect("a message from the server in time");
                if message.get("id").is_some() && message.get("method").is_none() {
                    got.push(message);
                }
            }
            got
        };
        let got = if written_during_stall {
            reading.await
        } else {
            let ((), got) = tokio::join!(writing, reading);
            got
        };
        (written_during_stall, got)
    }
}

/// Reads one Content-Length framed message.
async fn read_frame(read: &mut BufReader<ReadHalf<DuplexStream>>) -> Value {
    {
        let mut length = None;
        loop {
            let mut line = String::new();
            let n = read.read_line(&mut line).await.expect("header");
            assert!(n > 0, "the server closed the connection");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.expect("Content-Length")];
        read.read_exact(&mut body).await.expect("body");
        serde_json::from_slice(&body).expect("JSON")
    }
}

impl TestClient {
    /// The next message; the server's requests are answered on the way.
    pub async fn next(&mut self) -> Value {
        let message = tokio::time::timeout(WAIT, self.read_message()).await.expect("a message from the server in time");
        if message.get("method").is_some() && message.get("id").is_some() {
            let id = message["id"].clone();
            self.send(json!({ "jsonrpc": "2.0", "id": id, "result": null })).await;
        }
        message
    }

    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })).await;
        loop {
            let message = self.next().await;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                if let Some(error) = message.get("error") {
                    return json!({ "error": error });
                }
                return message["result"].clone();
            }
            self.inbox.push_back(message);
        }
    }

    /// Waits for a notification satisfying `matches` (seen earlier or new).
    pub async fn wait_for(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.inbox.iter().position(&matches) {
            return self.inbox.remove(i).expect("present");
        }
        loop {
            let message = self.next().await;
            if matches(&message) {
                return message;
            }
            self.inbox.push_back(message);
        }
    }

    /// The next `publishDiagnostics` for `path` whose diagnostics satisfy `accept`.
    pub async fn diagnostics(&mut self, path: &str, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let uri = self.uri(path);
        let message = self
            .wait_for(|m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri.as_str()
                    && accept(m["params"]["diagnostics"].as_array().map_or(&[][..], Vec::as_slice))
            })
            .await;
        message["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    pub async fn open(&mut self, path: &str, text: &str, version: i32) {
        let language = if path.ends_with(".py") { "python" } else { "typescript" };
        let uri = self.uri(path);
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language, "version": version, "text": text } }),
        )
        .await;
    }

    pub async fn change(&mut self, path: &str, version: i32, changes: Value) {
        let uri = self.uri(path);
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        )
        .await;
    }

    /// Pull diagnostics for a file (analysis brought up to date first).
    pub async fn pull(&mut self, path: &str) -> Vec<Value> {
        let uri = self.uri(path);
        let report = self.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } })).await;
        report["items"].as_array().cloned().unwrap_or_default()
    }

    pub async fn shutdown(mut self) {
        let result = self.request("shutdown", Value::Null).await;
        assert_eq!(result, Value::Null);
        self.notify("exit", Value::Null).await;
    }
}

/// The rule ids of a diagnostics list.
pub fn codes(diagnostics: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics.iter().filter_map(|d| d["code"].as_str().map(String::from)).collect();
    codes.sort();
    codes
}

/// Applies LSP text edits (UTF-16 positions) to a text.
pub fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| -> usize {
        let line = p["line"].as_u64().expect("line") as usize;
        let character = p["character"].as_u64().expect("character") as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let line_text = text[start..].split('\n').next().unwrap_or("");
        let mut units = 0;
        for (i, c) in line_text.char_indices() {
            if units >= character {
                return start + i;
            }
            units += c.len_utf16();
        }
        start + line_text.len()
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (offset(&e["range"]["start"]), offset(&e["range"]["end"]), e["newText"].as_str().expect("text").to_string())
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    let mut out = text.to_string();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, &new_text);
    }
    out
}
