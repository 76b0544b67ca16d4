//! Arbitrary `didChange` sequences applied to a [`Document`], in any
//! position encoding: ranges past the end of a line or of the text, inside
//! a UTF-16 surrogate pair or a UTF-8 sequence, reversed, whole-text
//! replacements, stale versions.
//!
//! After every batch: the text equals an independent model of the edits
//! (with the clamping `src/document.rs` documents), and the incrementally
//! reparsed tree equals a fresh parse of that text, by S-expression and by
//! every node's kind and byte range (as `tests/lsp/property.rs` compares).
//!
//! The input is a small script, so that seeds can be written by hand:
//!
//! - byte 0 picks the file (`.ts`, `.tsx`, `.js`, `.py`), byte 1 the
//!   encoding (UTF-8, UTF-16, UTF-32);
//! - the rest is split at NUL bytes: the first part is the initial text,
//!   each other part one change: a flags byte (`0x80` starts a new
//!   `didChange`, `0x40` replaces the whole text, `0x20` sends that
//!   `didChange` with a stale version), four coordinates (start line,
//!   start character, end line, end character; 0-79, `0xFE` half of
//!   `u32::MAX`, `0xFF` `u32::MAX`), then the new text;
//! - in a text, `0xFE` followed by a byte inserts one of [`PIECES`]; the
//!   other bytes are read as UTF-8 (invalid sequences become U+FFFD).

#![no_main]

use std::path::Path;

use custodia::document::{Document, PositionEncoding, TextChange, TextPosition};
use custodia::lang::{self, FileKind};
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 4] = ["a.ts", "a.tsx", "a.js", "a.py"];

/// Text that makes and breaks syntax: most random bytes only make
/// identifiers and errors.
const PIECES: &[&str] = &[
    "\n",
    "\r\n",
    "\r",
    "\0",
    "😀",
    "日本",
    "é",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "'''",
    "`${",
    "// ",
    "# ",
    "/*",
    "*/",
    "    ",
    ":\n    ",
    "def f(x):\n    return x\n",
    "max_tokens: 10, ",
    "timeout: 5, ",
    "await openai.chat.completions.create({ model: \"m\", messages: [] });\n",
    "client.chat.completions.create(model=\"m\", messages=[])\n",
    "try { ",
    " } catch (e) { }",
    "<div>{x}</div>",
];

/// One `didChange`: whether its version is stale, and its changes.
struct Batch {
    stale: bool,
    changes: Vec<TextChange>,
}

fn coordinate(byte: Option<&u8>) -> u32 {
    match byte.copied().unwrap_or(0) {
        255 => u32::MAX,
        254 => u32::MAX / 2,
        n => u32::from(n % 80),
    }
}

fn text(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut rest = bytes;
    while let Some(at) = rest.iter().position(|&b| b == 0xFE) {
        out.push_str(&String::from_utf8_lossy(&rest[..at]));
        if let Some(&index) = rest.get(at + 1) {
            out.push_str(PIECES[usize::from(index) % PIECES.len()]);
        }
        rest = rest.get(at + 2..).unwrap_or_default();
    }
    out.push_str(&String::from_utf8_lossy(rest));
    out
}

/// The initial text and the batches of a script.
fn decode(script: &[u8]) -> (String, Vec<Batch>) {
    let mut parts = script.split(|&b| b == 0);
    let initial = text(parts.next().unwrap_or_default());
    let mut batches: Vec<Batch> = Vec::new();
    for part in parts {
        let flags = part.first().copied().unwrap_or(0);
        let range = (flags & 0x40 == 0).then(|| {
            let c = |i: usize| coordinate(part.get(i));
            (TextPosition::new(c(1), c(2)), TextPosition::new(c(3), c(4)))
        });
        let change = TextChange { range, text: text(part.get(5..).unwrap_or_default()) };
        match batches.last_mut() {
            Some(batch) if flags & 0x80 == 0 => batch.changes.push(change),
            _ => batches.push(Batch { stale: flags & 0x20 != 0, changes: vec![change] }),
        }
    }
    (initial, batches)
}

fuzz_target!(|data: &[u8]| {
    let [file, encoding, script @ ..] = data else { return };
    let kind = FileKind::of(Path::new(FILES[usize::from(file % 4)])).expect("a source file name");
    let encoding =
        [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32][usize::from(encoding % 3)];
    let (initial, batches) = decode(script);
    let mut model = initial;
    let mut doc = Document::new(&model, 1, kind);
    check_tree(&doc, &model, kind);
    for batch in &batches {
        let version = if batch.stale { doc.version() } else { doc.version() + 1 };
        match doc.apply(version, &batch.changes, encoding) {
            Ok(()) => {
                assert!(!batch.stale, "a stale version was applied");
                for change in &batch.changes {
                    model = model_apply(&model, change, encoding);
                }
            }
            Err(err) => {
                assert!(batch.stale, "a newer version was refused: {err}");
                assert!(!err.to_string().is_empty());
            }
        }
        assert_eq!(doc.text(), model, "the rope and the model of the edits differ");
        check_tree(&doc, &model, kind);
    }
});

/// The document's tree is the tree of a fresh parse of `text`.
fn check_tree(doc: &Document, text: &str, kind: FileKind) {
    let fresh = lang::parse(kind.grammar, text, None).expect("tree-sitter parses");
    let tree = doc.tree().expect("the document has a tree");
    assert_eq!(tree.root_node().to_sexp(), fresh.root_node().to_sexp(), "incremental and fresh trees differ");
    assert_eq!(shape(tree), shape(&fresh), "incremental and fresh trees differ in their ranges");
}

/// Every node's kind and byte range, in order.
fn shape(tree: &tree_sitter::Tree) -> Vec<(&str, usize, usize)> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        out.push((node.kind(), node.start_byte(), node.end_byte()));
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

/// Independent of custodia: the byte offset of a position, clamped as
/// documented (a line past the end: the end of the text; a character past
/// the end of its line: the end of the line, before `\r\n` or `\n`; inside
/// a character: its start).
fn offset(text: &str, position: TextPosition, encoding: PositionEncoding) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    let line = match rest.find('\n') {
        Some(end) => rest[..end].strip_suffix('\r').unwrap_or(&rest[..end]),
        None => rest,
    };
    let mut units: u64 = 0;
    for (i, c) in line.char_indices() {
        let width = match encoding {
            PositionEncoding::Utf8 => c.len_utf8(),
            PositionEncoding::Utf16 => c.len_utf16(),
            PositionEncoding::Utf32 => 1,
        } as u64;
        if units + width > u64::from(position.character) {
            return start + i;
        }
        units += width;
    }
    start + line.len()
}

fn model_apply(text: &str, change: &TextChange, encoding: PositionEncoding) -> String {
    let Some((start, end)) = change.range else { return change.text.clone() };
    let (start, end) = if end < start { (end, start) } else { (start, end) };
    let (a, b) = (offset(text, start, encoding), offset(text, end, encoding));
    format!("{}{}{}", &text[..a], change.text, &text[b..])
}
