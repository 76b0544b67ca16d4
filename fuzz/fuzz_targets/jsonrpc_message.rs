//! Arbitrary bytes as a message to the language server, through its real
//! byte edge (`custodia::lsp::serve`) over an in-memory duplex.
//!
//! The first byte chooses how: bit 0, whether the session is initialized
//! first (so that the message reaches the handlers of an initialized
//! server); bit 1, whether the rest is sent framed with a correct
//! `Content-Length` header or as raw bytes (broken headers and all).
//!
//! Framed, the server must:
//! - answer a body that is not JSON with a parse error (`-32700`), and one
//!   that is JSON but not a JSON-RPC 2.0 object with an invalid-request
//!   error (`-32600`);
//! - answer a request (a method and a number or string id) with that id;
//! - still answer a request sent after it (unless it was told to `exit`).
//!
//! Raw, it must write only well-formed frames and stop when its input ends.
//! Either way: no panic, and every frame it writes is a JSON-RPC 2.0 message.
//!
//! One tokio runtime serves every input of the process, which works in an
//! empty scratch directory (under `$CUSTODIA_FUZZ_SCRATCH` or the temp
//! directory).

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream, WriteHalf};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

/// Long enough for a loaded machine; a server that takes longer is stuck.
const WAIT: Duration = Duration::from_secs(20);
const PROBE: &str = "custodia-fuzz-probe";

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime")
    })
}

/// The workspace of every session: a folder that does not exist, so that
/// indexing it touches no file, at a fixed place, so that the committed
/// corpus can open documents inside it.
const WORKSPACE: &str = "file:///custodia-fuzz-workspace";

/// Moves the process to a scratch directory, once: a message that
/// initializes the server without a root makes it index the working
/// directory, which should be empty, not the fuzzer's own.
fn enter_scratch_directory() {
    static ENTERED: OnceLock<()> = OnceLock::new();
    ENTERED.get_or_init(|| {
        let base = std::env::var_os("CUSTODIA_FUZZ_SCRATCH").map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = base.join(format!("custodia-fuzz-lsp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        std::env::set_current_dir(&dir).expect("the scratch directory is usable");
    });
}

fuzz_target!(|data: &[u8]| {
    // `custodia.writeReport` writes a file wherever the client says: a
    // fuzzer that found its way to it would write all over the machine.
    if data.windows(11).any(|w| w == b"writeReport") {
        return;
    }
    let Some((&mode, body)) = data.split_first() else { return };
    let initialize = mode & 1 != 0;
    let raw = mode & 2 != 0;
    enter_scratch_directory();
    runtime().block_on(session(initialize, raw, body));
});

async fn session(initialize: bool, raw: bool, body: &[u8]) {
    let (client_side, server_side) = tokio::io::duplex(1 << 16);
    let (server_read, server_write) = tokio::io::split(server_side);
    let served = tokio::spawn(custodia::lsp::serve(server_read, server_write));
    let (read, write) = tokio::io::split(client_side);
    let (messages, incoming) = mpsc::unbounded_channel();
    // Reads all along, so that the server never waits on this client.
    tokio::spawn(read_frames(read, messages));
    let mut client = Client { write: Some(write), incoming, seen: Vec::new() };

    if initialize {
        let params = json!({ "processId": null, "rootUri": WORKSPACE, "capabilities": {} });
        client.send(&json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": params })).await;
        let answer = client.answer(&json!(0)).await;
        assert!(answer.get("result").is_some(), "initialize failed: {answer}");
        client.send(&json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} })).await;
    }

    if raw {
        client.send_bytes(body).await;
    } else {
        client.send_bytes(&frame(body)).await;
        let parsed = serde_json::from_slice::<Value>(body);
        // The error the edge owes, whatever the server would make of it.
        let due = match &parsed {
            Err(_) => Some(-32700),
            Ok(value) if value.get("jsonrpc") != Some(&json!("2.0")) => Some(-32600),
            Ok(_) => None,
        };
        // After `exit` (a notification or not) the server stops reading.
        let exits = due.is_none() && parsed.as_ref().is_ok_and(|v| v.get("method") == Some(&json!("exit")));
        if let Some(code) = due {
            client.error(code).await;
        }
        if !exits {
            // A request is answered, with its own id.
            if let Ok(value) = &parsed {
                let id = value.get("id").filter(|id| id.is_string() || id.is_i64());
                if due.is_none() && value.get("method").is_some_and(Value::is_string) {
                    if let Some(id) = id {
                        client.answer(id).await;
                    }
                }
            }
            // And the server still answers the next one.
            client.send(&json!({ "jsonrpc": "2.0", "id": PROBE, "method": "shutdown" })).await;
            client.answer(&json!(PROBE)).await;
        }
    }

    // The input ends: the server must stop, and its output with it.
    client.close().await;
    while client.next().await.is_some() {}
    tokio::time::timeout(WAIT, served).await.expect("the server stops when its input ends").expect("no panic");
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// Passes on every frame the server writes, until its output ends; a frame
/// that is not well formed ends the stream with a description of it.
async fn read_frames(read: impl AsyncRead + Unpin, messages: mpsc::UnboundedSender<Result<Value, String>>) {
    let mut read = BufReader::new(read);
    loop {
        let mut length = None;
        loop {
            let mut line = String::new();
            match read.read_line(&mut line).await {
                Ok(0) if length.is_none() => return,
                Ok(0) => {
                    let _ = messages.send(Err("the output ends inside a header".to_string()));
                    return;
                }
                Ok(_) => {}
                Err(err) => {
                    let _ = messages.send(Err(format!("a header that is not UTF-8 text: {err}")));
                    return;
                }
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                break;
            }
            match line.strip_prefix("Content-Length: ").map(str::parse::<usize>) {
                Some(Ok(n)) => length = Some(n),
                _ => {
                    let _ = messages.send(Err(format!("an unexpected header: {line:?}")));
                    return;
                }
            }
        }
        let Some(length) = length else {
            let _ = messages.send(Err("a frame without Content-Length".to_string()));
            return;
        };
        let mut body = vec![0; length];
        if read.read_exact(&mut body).await.is_err() {
            let _ = messages.send(Err("the output ends inside a body".to_string()));
            return;
        }
        let message = serde_json::from_slice::<Value>(&body)
            .map_err(|err| format!("a body that is not JSON ({err}): {}", String::from_utf8_lossy(&body)));
        if messages.send(message).is_err() {
            return;
        }
    }
}

struct Client {
    /// `None` once the input is closed.
    write: Option<WriteHalf<DuplexStream>>,
    incoming: mpsc::UnboundedReceiver<Result<Value, String>>,
    /// Messages received while waiting for another.
    seen: Vec<Value>,
}

impl Client {
    async fn send(&mut self, message: &Value) {
        self.send_bytes(&frame(message.to_string().as_bytes())).await;
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        let Some(write) = self.write.as_mut() else { return };
        let written = async {
            write.write_all(bytes).await?;
            write.flush().await
        };
        // The edge reads all the time, even from a client that never stops.
        tokio::time::timeout(WAIT, written).await.expect("the server reads its input").expect("the server reads");
    }

    async fn close(&mut self) {
        if let Some(mut write) = self.write.take() {
            let _ = write.shutdown().await;
        }
    }

    /// The next message, `None` when the output has ended; the server's own
    /// requests (registrations, progress) are answered on the way.
    async fn next(&mut self) -> Option<Value> {
        let message = tokio::time::timeout(WAIT, self.incoming.recv()).await.expect("the server answers in time")?;
        let message = message.unwrap_or_else(|problem| panic!("the server wrote a malformed frame: {problem}"));
        assert_eq!(message.get("jsonrpc"), Some(&json!("2.0")), "not a JSON-RPC 2.0 message: {message}");
        if let (Some(_), Some(id)) = (message.get("method"), message.get("id")) {
            let id = id.clone();
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null })).await;
        }
        Some(message)
    }

    /// The first message satisfying `wanted`, received before or now.
    async fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&wanted) {
            return self.seen.remove(i);
        }
        loop {
            let Some(message) = self.next().await else {
                panic!("the server's output ended without {what}; it wrote {:?}", self.seen);
            };
            if wanted(&message) {
                return message;
            }
            self.seen.push(message);
        }
    }

    /// The response to the request `id`.
    async fn answer(&mut self, id: &Value) -> Value {
        self.wait_for(&format!("an answer to {id}"), |m| m.get("id") == Some(id) && m.get("method").is_none()).await
    }

    /// An error response with `code`.
    async fn error(&mut self, code: i64) -> Value {
        self.wait_for(&format!("an error {code}"), |m| m["error"]["code"] == json!(code) && m.get("method").is_none())
            .await
    }
}
