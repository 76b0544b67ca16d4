//! The byte edge of the server: frames in, frames out, and bad input
//! answered without stopping.
//!
//! tower-lsp-server reads its input with a `FramedRead`, which ends the
//! stream at the first message it cannot decode: one malformed message
//! from a client would leave the server deaf. So every frame is checked
//! here first. A body that is not a JSON-RPC message is answered with a
//! parse error (`-32700`) or an invalid-request error (`-32600`), and never
//! reaches the framework; a header without a usable `Content-Length` is
//! skipped to the next frame. The server's own output passes through a
//! merger that writes whole frames, so an error response never splits one.
//!
//! Every queue here is bounded. A client that stops reading fills them, and
//! then the server stops reading its input: the client's writes block,
//! nothing grows, and everything is delivered once it reads again.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tower_lsp_server::LspService;

use super::Server;

/// Frames larger than this are refused (and skipped): no editor sends a
/// 256 MiB document.
const MAX_FRAME: usize = 256 * 1024 * 1024;

/// Error responses of the edge waiting for the client to read them.
const ERROR_QUEUE: usize = 64;

/// The server's frames waiting for the client to read them. With the
/// framework's own bounded queues, this bounds what a client that does not
/// read can make the server hold (see docs/RELIABILITY.md).
const OUTPUT_QUEUE: usize = 64;

/// Serves the protocol on `input` and `output` until the client exits or
/// the input ends.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (to_server, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, from_server) = tokio::io::duplex(1 << 16);
    // Bounded, like every other stage: a client that sends malformed frames
    // and never reads the errors makes the edge stop reading, not grow.
    let (errors_tx, errors_rx) = mpsc::channel::<Vec<u8>>(ERROR_QUEUE);
    let (service, socket) =
        LspService::build(Server::new).custom_method("custodia/syntaxTree", Server::syntax_tree).finish();
    let server = tokio::spawn(tower_lsp_server::Server::new(server_in, server_out, socket).serve(service));
    tokio::spawn(read_frames(input, to_server, errors_tx));
    tokio::spawn(write_frames(from_server, errors_rx, output));
    let _ = server.await;
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_frame(id: Value, code: i64, message: &str) -> Vec<u8> {
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } });
    frame(body.to_string().as_bytes())
}

/// Reads frames from the client; passes on the well-formed ones.
async fn read_frames<I, W>(input: I, mut server: W, errors: mpsc::Sender<Vec<u8>>)
where
    I: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = BufReader::new(input);
    loop {
        // Headers, up to the empty line.
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        loop {
            let mut line = Vec::new();
            match input.read_until(b'\n', &mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((name, value)) = text.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok();
            }
        }
        let Some(length) = length.filter(|n| *n <= MAX_FRAME) else {
            let error = error_frame(Value::Null, -32700, "Parse error: missing or invalid Content-Length header");
            if errors.send(error).await.is_err() {
                return;
            }
            continue;
        };
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            return;
        }
        match check(&body) {
            Ok(()) => {
                if server.write_all(&frame(&body)).await.is_err() || server.flush().await.is_err() {
                    return;
                }
            }
            Err(error) => {
                if errors.send(error).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Whether a body is a JSON-RPC message the framework can take; if not, the
/// error response to send instead.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    let value: Value = serde_json::from_slice(body).map_err(|_| error_frame(Value::Null, -32700, "Parse error"))?;
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    // JSON-RPC allows any number; the framework holds an id as an `i64` or
    // a string, and one it cannot hold is answered as an invalid request.
    let valid_id = matches!(id, Value::Null | Value::String(_)) || id.is_i64();
    let is_message = value.get("jsonrpc") == Some(&json!("2.0"))
        && valid_id
        && match value.get("method") {
            Some(method) => method.is_string(),
            // A response to one of the server's requests.
            None => value.get("id").is_some() && (value.get("result").is_some() || value.get("error").is_some()),
        };
    // What the framework cannot decode it answers with an error, and then
    // its reader ends the input stream: the server would never read another
    // message. So whatever else could fail there (a key given twice, say)
    // is refused here too.
    if !is_message || serde_json::from_slice::<FrameworkMessage>(body).is_err() {
        return Err(error_frame(if valid_id { id } else { Value::Null }, -32600, "Invalid request"));
    }
    Ok(())
}

/// What tower-lsp-server decodes each frame into (its own `Message` is
/// private): a response to one of the server's requests, or a request or
/// notification, tried in that order.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum FrameworkMessage {
    #[expect(dead_code, reason = "decoded only to learn whether it decodes")]
    Response(tower_lsp_server::jsonrpc::Response),
    #[expect(dead_code, reason = "decoded only to learn whether it decodes")]
    Request(tower_lsp_server::jsonrpc::Request),
}

/// Copies the server's frames to the client, whole, with the edge's error
/// responses in between.
async fn write_frames<R, O>(from_server: R, mut errors: mpsc::Receiver<Vec<u8>>, mut output: O)
where
    R: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin,
{
    let (frames_tx, mut frames) = mpsc::channel::<Vec<u8>>(OUTPUT_QUEUE);
    tokio::spawn(async move {
        let mut reader = BufReader::new(from_server);
        loop {
            let mut header = Vec::new();
            let mut length = None;
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                header.extend_from_slice(&line);
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end();
                if text.is_empty() {
                    break;
                }
                if let Some(value) = text.strip_prefix("Content-Length:") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.unwrap_or(0)];
            if reader.read_exact(&mut body).await.is_err() {
                return;
            }
            header.extend_from_slice(&body);
            if frames_tx.send(header).await.is_err() {
                return;
            }
        }
    });
    loop {
        let bytes = tokio::select! {
            Some(frame) = frames.recv() => frame,
            Some(error) = errors.recv() => error,
            else => return,
        };
        if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_checked_before_the_framework_sees_them() {
        assert!(check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#).is_ok());
        assert!(check(br#"{"jsonrpc":"2.0","id":7,"result":null}"#).is_ok());
        let parse = String::from_utf8(check(b"{not json").unwrap_err()).expect("utf8");
        assert!(parse.contains("-32700"), "{parse}");
        let invalid = String::from_utf8(check(br#"{"jsonrpc":"2.0","id":3,"method":5}"#).unwrap_err()).expect("utf8");
        assert!(invalid.contains("-32600") && invalid.contains("\"id\":3"), "{invalid}");
        assert!(check(b"[1,2]").is_err());
        // Valid JSON-RPC that tower-lsp-server cannot decode (found by fuzzing).
        for body in [&br#"{"jsonrpc":"2.0","id":1.5,"method":"shutdown"}"#[..], br#"{"jsonrpc":"2.0","id":2,"id":2}"#] {
            let invalid = String::from_utf8(check(body).unwrap_err()).expect("utf8");
            assert!(invalid.contains("-32600"), "{invalid}");
        }
    }
}
