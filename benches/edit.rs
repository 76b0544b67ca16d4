//! Editor latency: how long `custodia lsp` takes from an edit to up-to-date
//! diagnostics, on the generated corpus of `benches/scan.rs`.
//!
//! ```sh
//! cargo bench --bench edit                  # 20 MB corpus, 60 edits per scenario
//! CUSTODIA_BENCH_MB=60 CUSTODIA_BENCH_EDITS=100 cargo bench --bench edit
//! ```
//!
//! The release binary runs as editors run it (stdio). The bench measures the
//! initial index (from `initialized` to the server's "indexed N files" log),
//! then, per scenario, the time from a `didChange` to the answer of a
//! `textDocument/diagnostic` pull for the same document, which the server
//! gives only once the analysis of that change is done and its diagnostics
//! are built. Scenarios:
//!
//! - a route handler that calls a model (its file rules, the route rules);
//! - the shared client module every model-calling TypeScript service imports
//!   (each importer is analysed again: the worst case of a cross-file edit);
//! - a file with no model code.
//!
//! Each edit inserts or removes a blank first line, which moves every
//! position in the file.

#[path = "support/corpus.rs"]
mod corpus;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
}

impl Server {
    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn read(&mut self) -> Value {
        let mut length = 0;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).expect("header");
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
        self.stdout.read_exact(&mut body).expect("body");
        let message: Value = serde_json::from_slice(&body).expect("JSON");
        if message.get("method").is_some() && message.get("id").is_some() {
            let id = message["id"].clone();
            self.send(json!({ "jsonrpc": "2.0", "id": id, "result": null }));
        }
        message
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        loop {
            let message = self.read();
            if message["id"] == id && message.get("method").is_none() {
                return message;
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }
}

fn uri(root: &Path, path: &str) -> String {
    format!("file://{}", root.join(path).display())
}

/// Milliseconds from each edit to its diagnostics, over `edits` edits.
fn scenario(server: &mut Server, root: &Path, path: &str, edits: usize) -> Vec<f64> {
    let text = std::fs::read_to_string(root.join(path)).expect("read");
    let uri = uri(root, path);
    server.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "typescript", "version": 1, "text": text } }),
    );
    server.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
    let mut samples = Vec::with_capacity(edits);
    for i in 0..edits {
        let version = i as i32 + 2;
        let change = if i % 2 == 0 {
            json!({ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 0, "character": 0 } }, "text": "\n" })
        } else {
            json!({ "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 1, "character": 0 } }, "text": "" })
        };
        let started = Instant::now();
        server.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [change] }),
        );
        server.request("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    server.notify("textDocument/didClose", json!({ "textDocument": { "uri": uri } }));
    samples
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The first file under `dir` (sorted) whose text contains `needle` and not `without`.
fn find(root: &Path, dir: &str, name: &str, needle: &str, without: &str) -> String {
    let mut found: Vec<PathBuf> = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n.to_string_lossy().ends_with(name))
                && std::fs::read_to_string(&path).is_ok_and(|t| t.contains(needle) && !t.contains(without))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    let path = found.first().unwrap_or_else(|| panic!("no {name} with {needle} under {dir}"));
    path.strip_prefix(root).expect("under root").to_string_lossy().into_owned()
}

fn main() {
    let megabytes: usize = std::env::var("CUSTODIA_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let edits: usize = std::env::var("CUSTODIA_BENCH_EDITS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-corpus-{megabytes}"));
    corpus::generate(&root, megabytes * 1_000_000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_custodia"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("custodia lsp starts");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut server = Server { child, stdin, stdout, next_id: 1 };
    let root_uri = uri(&root, "");
    server.request("initialize", json!({ "processId": null, "rootUri": root_uri, "capabilities": {} }));
    let started = Instant::now();
    server.notify("initialized", json!({}));
    let files = loop {
        let message = server.read();
        let text = message["params"]["message"].as_str().unwrap_or_default();
        if let Some(rest) = text.strip_prefix("custodia: indexed ") {
            break rest.split(' ').next().unwrap_or("?").to_string();
        }
    };
    let index_ms = started.elapsed().as_secs_f64() * 1000.0;
    eprintln!("indexed {files} files in {index_ms:.0} ms");

    let route = find(&root, "web/app/api", "route.ts", "chat.completions.create", "services/");
    let plain = find(&root, "web/lib", ".ts", "export interface", "openai");
    let scenarios = [
        ("a route handler that calls a model", route),
        ("the shared client every TS service imports", "web/lib/ai/client.ts".to_string()),
        ("a file with no model code", plain),
    ];
    let mut table = String::from("| edit to | median | p90 | max |\n|---|---:|---:|---:|\n");
    for (name, path) in &scenarios {
        let mut samples = scenario(&mut server, &root, path, edits);
        samples.sort_by(|a, b| a.total_cmp(b));
        eprintln!("{name} ({path}): median {:.1} ms", percentile(&samples, 0.5));
        table.push_str(&format!(
            "| {name} (`{path}`) | {:.1} ms | {:.1} ms | {:.1} ms |\n",
            percentile(&samples, 0.5),
            percentile(&samples, 0.9),
            samples[samples.len() - 1]
        ));
    }
    server.request("shutdown", Value::Null);
    server.notify("exit", Value::Null);
    let _ = server.child.wait();
    println!("corpus: {megabytes} MB, {files} files; initial index {index_ms:.0} ms; {edits} edits per scenario\n");
    println!("{table}");
}
