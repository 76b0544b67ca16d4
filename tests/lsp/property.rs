//! Random edit sequences: the incremental tree always equals a fresh parse
//! of the text, the text equals an independent model of the edits (on the
//! document itself, and through the protocol, where the server's tree is
//! read with `custodia/syntaxTree`), and the diagnostics the server gives
//! for the final text equal what `custodia scan` reports for it, with the
//! quick fixes its code actions compute equal to the fixes of a fresh
//! analysis of that text.

use std::path::Path;

use custodia::document::{Document, PositionEncoding, TextChange, TextPosition};
use custodia::lang::{self, FileKind};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::client::TestClient;

const START: &str = "import OpenAI from \"openai\";\n\nconst openai = new OpenAI();\n\nexport async function ask(q: string) {\n  const r = await openai.chat.completions.create({ model: \"gpt-4o\", messages: [{ role: \"user\", content: q }] });\n  return r; // 😀 日本\n}\n";

const PIECES: &[&str] = &[
    "",
    "a",
    " ",
    "\n",
    "😀",
    "日本",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "// ",
    "\r\n",
    "max_tokens: 10, ",
    "timeout: 5, ",
    "await openai.chat.completions.create({ model: \"m\", messages: [] });\n",
    "try { ",
    " } catch (e) { }",
];

fn change() -> impl Strategy<Value = (u32, u32, u32, u32, String)> {
    (0u32..12, 0u32..130, 0u32..12, 0u32..130, proptest::collection::vec(0..PIECES.len(), 0..3))
        .prop_map(|(l1, c1, l2, c2, pieces)| (l1, c1, l2, c2, pieces.into_iter().map(|i| PIECES[i]).collect()))
}

/// Independent of custodia: a position's byte offset with the documented
/// clamping (past the end: the end; inside a character: its start).
fn offset(text: &str, line: u32, character: u32) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    let line_text = match rest.find('\n') {
        Some(end) => rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]),
        None => rest,
    };
    let mut units = 0;
    for (i, c) in line_text.char_indices() {
        if units + c.len_utf16() as u32 > character {
            return start + i;
        }
        units += c.len_utf16() as u32;
    }
    start + line_text.len()
}

fn model_apply(text: &str, (l1, c1, l2, c2, new): &(u32, u32, u32, u32, String)) -> String {
    let (a, b) = (offset(text, *l1, *c1), offset(text, *l2, *c2));
    let (a, b) = if (l2, c2) < (l1, c1) { (b, a) } else { (a, b) };
    let (a, b) = (a.min(b), a.max(b));
    format!("{}{new}{}", &text[..a], &text[b..])
}

/// Every node's kind and byte range, in order: two trees are the same tree
/// when these are equal.
fn shape(tree: &tree_sitter::Tree) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        out.push((node.kind().to_string(), node.start_byte(), node.end_byte()));
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                return out;
            }
        }
    }
}

/// A protocol range as numbers.
fn range_of(r: &Value) -> [u64; 4] {
    let n = |v: &Value| v.as_u64().unwrap_or_default();
    [n(&r["start"]["line"]), n(&r["start"]["character"]), n(&r["end"]["line"]), n(&r["end"]["character"])]
}

/// A finding's key (rule, range) with its fixes: (title, edits).
type Fixes = Vec<(String, [u64; 4], Vec<(String, Vec<([u64; 4], String)>)>)>;

/// The quick fixes the server's code actions offer for each of its diagnostics.
async fn served_fixes(client: &mut TestClient, diagnostics: &[Value]) -> Fixes {
    let uri = client.uri("lib/ask.ts");
    let mut out = Vec::new();
    for diagnostic in diagnostics {
        let params = json!({
            "textDocument": { "uri": uri },
            "range": diagnostic["range"],
            "context": { "diagnostics": [diagnostic], "only": ["quickfix"] },
        });
        let actions = client.request("textDocument/codeAction", params).await;
        let fixes = actions
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| !a["title"].as_str().unwrap_or_default().starts_with("Suppress"))
            .map(|a| {
                let edits = a["edit"]["changes"][uri.as_str()].as_array().cloned().unwrap_or_default();
                let edits = edits
                    .iter()
                    .map(|e| (range_of(&e["range"]), e["newText"].as_str().unwrap_or_default().to_string()));
                (a["title"].as_str().unwrap_or_default().to_string(), edits.collect())
            })
            .collect();
        out.push((diagnostic["code"].as_str().unwrap_or_default().to_string(), range_of(&diagnostic["range"]), fixes));
    }
    out.sort();
    out
}

/// The fixes of a fresh analysis of `text` (the engine's findings, the
/// file's facts, a fresh parse), in protocol ranges.
fn fresh_fixes(text: &str) -> Fixes {
    use custodia::fix::{FixContext, FixSettings, ProjectHints};
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("lib")).expect("dirs");
    std::fs::write(dir.path().join("lib/ask.ts"), text).expect("write");
    let engine = custodia::engine::Engine::new(custodia::config::Config::default());
    let result = custodia::scan::scan(&engine, &custodia::scan::ScanOptions::new(dir.path())).expect("scan");
    let kind = FileKind::of(Path::new("lib/ask.ts")).expect("kind");
    let Some(analysis) = engine.analyze_source("lib/ask.ts", kind, text, &custodia::analysis::NoExternals) else {
        return Vec::new();
    };
    let tree = lang::parse(kind.grammar, text, None).expect("parses");
    let hints = ProjectHints::from_facts([&analysis.facts]);
    let settings = FixSettings::default();
    let cx = FixContext {
        source: text,
        tree: &tree,
        facts: &analysis.facts,
        catalog: &engine.config().catalog,
        settings: &settings,
        project: &hints,
    };
    let positions = custodia::document::Positions::new(text);
    let range = |span: custodia::source::Span| {
        let start = positions.position(span.start as usize, PositionEncoding::Utf16);
        let end = positions.position(span.end as usize, PositionEncoding::Utf16);
        [start.line.into(), start.character.into(), end.line.into(), end.character.into()]
    };
    let mut out: Fixes = result
        .findings
        .iter()
        .filter(|f| f.path.as_deref() == Some("lib/ask.ts"))
        .filter_map(|f| {
            let fixes = custodia::fix::fixes_for(f, &cx)
                .into_iter()
                .map(|fix| (fix.title, fix.edits.into_iter().map(|e| (range(e.span), e.text)).collect()))
                .collect();
            Some((f.rule.to_string(), range(f.location?.span), fixes))
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn incremental_trees_equal_fresh_parses(changes in proptest::collection::vec(change(), 1..25)) {
        let kind = FileKind::of(Path::new("lib/ask.ts")).expect("kind");
        let mut doc = Document::new(START, 1, kind);
        let mut model = START.to_string();
        for (version, c) in changes.iter().enumerate() {
            let change = TextChange {
                range: Some((TextPosition::new(c.0, c.1), TextPosition::new(c.2, c.3))),
                text: c.4.clone(),
            };
            doc.apply(version as i32 + 2, &[change], PositionEncoding::Utf16).expect("newer version");
            model = model_apply(&model, c);
            prop_assert_eq!(doc.text(), model.clone());
            let fresh = lang::parse(kind.grammar, &model, None).expect("parses");
            prop_assert_eq!(shape(doc.tree().expect("tree")), shape(&fresh));
        }
    }
}

/// The diagnostics of a file as (code, start line, start character, end line, end character).
fn summary(diagnostics: &[Value]) -> Vec<(String, u64, u64, u64, u64)> {
    let mut out: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let r = &d["range"];
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                r["start"]["line"].as_u64().unwrap_or_default(),
                r["start"]["character"].as_u64().unwrap_or_default(),
                r["end"]["line"].as_u64().unwrap_or_default(),
                r["end"]["character"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    out.sort();
    out
}

/// What `custodia scan` reports for `text` as `lib/ask.ts`, in UTF-16 positions.
fn scanned(text: &str) -> Vec<(String, u64, u64, u64, u64)> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("lib")).expect("dirs");
    std::fs::write(dir.path().join("lib/ask.ts"), text).expect("write");
    let engine = custodia::engine::Engine::new(custodia::config::Config::default());
    let result = custodia::scan::scan(&engine, &custodia::scan::ScanOptions::new(dir.path())).expect("scan");
    let positions = custodia::document::Positions::new(text);
    let mut out: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.path.as_deref() == Some("lib/ask.ts"))
        .filter_map(|f| {
            let span = f.location?.span;
            let start = positions.position(span.start as usize, PositionEncoding::Utf16);
            let end = positions.position(span.end as usize, PositionEncoding::Utf16);
            Some((f.rule.to_string(), start.line.into(), start.character.into(), end.line.into(), end.character.into()))
        })
        .collect();
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn the_server_and_the_scanner_agree_after_random_edits(changes in proptest::collection::vec(change(), 1..15)) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let (served, fixes, text, tree) = runtime.block_on(async {
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::create_dir_all(dir.path().join("lib")).expect("dirs");
            std::fs::write(dir.path().join("lib/ask.ts"), START).expect("write");
            let (mut client, _) = TestClient::start(dir.path(), json!({}), Value::Null).await;
            client.open("lib/ask.ts", START, 1).await;
            let mut model = START.to_string();
            for (version, c) in changes.iter().enumerate() {
                let range = json!({ "start": { "line": c.0, "character": c.1 }, "end": { "line": c.2, "character": c.3 } });
                client.change("lib/ask.ts", version as i32 + 2, json!([{ "range": range, "text": c.4 }])).await;
                model = model_apply(&model, c);
            }
            let served = client.pull("lib/ask.ts").await;
            let fixes = served_fixes(&mut client, &served).await;
            let tree = client.request("custodia/syntaxTree", json!({ "uri": client.uri("lib/ask.ts") })).await;
            client.shutdown().await;
            (served, fixes, model, tree)
        });
        // The server's text and incrementally edited tree are those of a fresh parse.
        prop_assert_eq!(tree["text"].as_str(), Some(text.as_str()));
        let fresh = lang::parse(FileKind::of(Path::new("lib/ask.ts")).expect("kind").grammar, &text, None).expect("parses");
        let nodes: Vec<(String, usize, usize)> = tree["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| (n[0].as_str().unwrap_or_default().to_string(), n[1].as_u64().unwrap_or(0) as usize, n[2].as_u64().unwrap_or(0) as usize))
            .collect();
        prop_assert_eq!(nodes, shape(&fresh));
        prop_assert_eq!(summary(&served), scanned(&text));
        // Fixes computed on request, from the server's current analysis,
        // are those of a fresh analysis of the text.
        prop_assert_eq!(fixes, fresh_fixes(&text));
    }
}
