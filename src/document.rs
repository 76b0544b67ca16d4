//! An open document: its text in a rope and its syntax tree, kept in step
//! one edit at a time.
//!
//! An editor sends each change as a range in line/character positions and
//! the text that replaces it. [`Document::apply`] converts the positions to
//! byte offsets in the negotiated [`PositionEncoding`], edits the rope,
//! tells the old tree what moved (a tree-sitter `InputEdit`), and reparses
//! once per batch of changes, reusing every subtree the edits did not touch.
//!
//! Lines end at `\n` (so also at `\r\n`), as they do for tree-sitter and for
//! the rest of custodia; a lone `\r`, which the protocol also counts as a
//! line end, is not one here. No code base custodia reads uses it.
//!
//! Bad positions never panic: a line past the end means the end of the text,
//! a character past the end of its line means the end of the line, a
//! position inside a character (a UTF-16 surrogate pair, a UTF-8 sequence)
//! means that character's start, and a range whose end precedes its start is
//! read with its ends swapped, as `vscode-languageserver-textdocument` does.

use ropey::{Rope, RopeSlice};
use tree_sitter::{InputEdit, Point, Tree};

use crate::lang::{self, FileKind};

/// How the `character` of a position is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionEncoding {
    /// Bytes of UTF-8.
    Utf8,
    /// UTF-16 code units: the protocol's default.
    #[default]
    Utf16,
    /// Unicode scalar values.
    Utf32,
}

/// A zero-based line and a character offset in that line, counted in the
/// document's [`PositionEncoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct TextPosition {
    pub line: u32,
    pub character: u32,
}

impl TextPosition {
    pub fn new(line: u32, character: u32) -> Self {
        TextPosition { line, character }
    }
}

/// One content change of a `didChange` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    /// The range replaced; `None` replaces the whole text.
    pub range: Option<(TextPosition, TextPosition)>,
    pub text: String,
}

/// Why a batch of changes was not applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("version {got} is not newer than the document's version {current}; the change was ignored")]
    StaleVersion { current: i32, got: i32 },
}

/// The text and tree of one open document.
#[derive(Debug, Clone)]
pub struct Document {
    rope: Rope,
    version: i32,
    kind: FileKind,
    /// `None` only when tree-sitter gave up (it does not on text it may finish).
    tree: Option<Tree>,
}

impl Document {
    pub fn new(text: &str, version: i32, kind: FileKind) -> Self {
        let tree = lang::parse(kind.grammar, text, None);
        Document { rope: Rope::from_str(text), version, kind, tree }
    }

    /// Reparses from the rope's chunks: no copy of the text on the edit path.
    fn reparse(&mut self, incremental: bool) {
        let rope = &self.rope;
        let old = if incremental { self.tree.as_ref() } else { None };
        let mut chunk = |offset: usize| -> &[u8] {
            if offset >= rope.len_bytes() {
                return &[];
            }
            let (chunk, start, _, _) = rope.chunk_at_byte(offset);
            &chunk.as_bytes()[offset - start..]
        };
        self.tree = lang::parse_chunks(self.kind.grammar, &mut chunk, old);
    }

    pub fn version(&self) -> i32 {
        self.version
    }

    pub fn kind(&self) -> FileKind {
        self.kind
    }

    pub fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
    }

    pub fn rope(&self) -> &Rope {
        &self.rope
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }

    /// Applies the changes of one `didChange`, in order, and reparses once.
    /// A version that is not newer than the document's is refused, and the
    /// document stays as it was.
    pub fn apply(
        &mut self,
        version: i32,
        changes: &[TextChange],
        encoding: PositionEncoding,
    ) -> Result<(), DocumentError> {
        if version <= self.version {
            return Err(DocumentError::StaleVersion { current: self.version, got: version });
        }
        let mut reparse_from_scratch = false;
        for change in changes {
            match change.range {
                None => {
                    self.rope = Rope::from_str(&change.text);
                    reparse_from_scratch = true;
                }
                Some((start, end)) => {
                    let (start, end) = if end < start { (end, start) } else { (start, end) };
                    let start = self.offset(start, encoding);
                    let end = self.offset(end, encoding);
                    let edit = self.replace(start, end, &change.text);
                    if let Some(tree) = self.tree.as_mut() {
                        tree.edit(&edit);
                    }
                }
            }
        }
        self.version = version;
        self.reparse(!reparse_from_scratch);
        Ok(())
    }

    /// Replaces the bytes `start..end` (char boundaries) and returns the
    /// matching tree edit.
    fn replace(&mut self, start: usize, end: usize, text: &str) -> InputEdit {
        let start_position = self.point(start);
        let old_end_position = self.point(end);
        let start_char = self.rope.byte_to_char(start);
        let end_char = self.rope.byte_to_char(end);
        self.rope.remove(start_char..end_char);
        self.rope.insert(start_char, text);
        let new_end_position = match text.rfind('\n') {
            None => Point::new(start_position.row, start_position.column + text.len()),
            Some(last) => Point::new(start_position.row + text.matches('\n').count(), text.len() - last - 1),
        };
        InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: start + text.len(),
            start_position,
            old_end_position,
            new_end_position,
        }
    }

    /// A byte offset as tree-sitter counts positions: rows and byte columns.
    fn point(&self, offset: usize) -> Point {
        let row = self.rope.byte_to_line(offset);
        Point::new(row, offset - self.rope.line_to_byte(row))
    }

    /// The byte offset of a position, clamped as the module documentation says.
    pub fn offset(&self, position: TextPosition, encoding: PositionEncoding) -> usize {
        let line = position.line as usize;
        if line >= self.rope.len_lines() {
            return self.rope.len_bytes();
        }
        let line_start = self.rope.line_to_char(line);
        let content = line_content(self.rope.line(line));
        let character = position.character as usize;
        let char_in_line = match encoding {
            PositionEncoding::Utf8 => content.byte_to_char(character.min(content.len_bytes())),
            PositionEncoding::Utf16 => content.utf16_cu_to_char(character.min(content.len_utf16_cu())),
            PositionEncoding::Utf32 => character.min(content.len_chars()),
        };
        self.rope.char_to_byte(line_start + char_in_line)
    }

    /// The position of a byte offset (clamped to the text, rounded down to a
    /// character boundary).
    pub fn position(&self, offset: usize, encoding: PositionEncoding) -> TextPosition {
        let offset = offset.min(self.rope.len_bytes());
        let line = self.rope.byte_to_line(offset);
        let line_start = self.rope.line_to_char(line);
        let chars = self.rope.byte_to_char(offset) - line_start;
        let slice = self.rope.line(line);
        let character = match encoding {
            PositionEncoding::Utf8 => slice.char_to_byte(chars),
            PositionEncoding::Utf16 => slice.char_to_utf16_cu(chars),
            PositionEncoding::Utf32 => chars,
        };
        TextPosition::new(clamp_u32(line), clamp_u32(character))
    }
}

/// A line without its line break.
fn line_content(line: RopeSlice<'_>) -> RopeSlice<'_> {
    let mut end = line.len_chars();
    if end > 0 && line.char(end - 1) == '\n' {
        end -= 1;
        if end > 0 && line.char(end - 1) == '\r' {
            end -= 1;
        }
    }
    line.slice(..end)
}

/// Positions in a text that is not open in the editor (or a snapshot of
/// one): byte offsets to protocol positions without building a rope.
pub struct Positions<'s> {
    text: &'s str,
    line_starts: Vec<usize>,
}

impl<'s> Positions<'s> {
    pub fn new(text: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        Positions { text, line_starts }
    }

    pub fn position(&self, offset: usize, encoding: PositionEncoding) -> TextPosition {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let prefix = &self.text[self.line_starts[line]..offset];
        let character = match encoding {
            PositionEncoding::Utf8 => prefix.len(),
            PositionEncoding::Utf16 => prefix.encode_utf16().count(),
            PositionEncoding::Utf32 => prefix.chars().count(),
        };
        TextPosition::new(clamp_u32(line), clamp_u32(character))
    }

    /// The byte offset of a position, clamped like [`Document::offset`].
    pub fn offset(&self, position: TextPosition, encoding: PositionEncoding) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else { return self.text.len() };
        let end = self.line_starts.get(position.line as usize + 1).map_or(self.text.len(), |&next| next - 1);
        let line = self.text[start..end].strip_suffix('\r').unwrap_or(&self.text[start..end]);
        let wanted = position.character as usize;
        let (mut counted, mut at) = (0, 0);
        for c in line.chars() {
            let width = match encoding {
                PositionEncoding::Utf8 => c.len_utf8(),
                PositionEncoding::Utf16 => c.len_utf16(),
                PositionEncoding::Utf32 => 1,
            };
            if counted + width > wanted {
                break;
            }
            counted += width;
            at += c.len_utf8();
        }
        start + at
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::{Grammar, Language};

    const TS: FileKind = FileKind { language: Language::TypeScript, grammar: Grammar::TypeScript };

    fn change(l1: u32, c1: u32, l2: u32, c2: u32, text: &str) -> TextChange {
        TextChange { range: Some((TextPosition::new(l1, c1), TextPosition::new(l2, c2))), text: text.to_string() }
    }

    fn sexp(doc: &Document) -> String {
        doc.tree().map(|t| t.root_node().to_sexp()).unwrap_or_default()
    }

    #[test]
    fn utf16_positions_count_surrogate_pairs_as_two() {
        let doc = Document::new("const s = \"😀\"; x;\n", 1, TS);
        // `"` at character 10, the emoji takes 11..13 in UTF-16, `"` at 13.
        assert_eq!(doc.offset(TextPosition::new(0, 13), PositionEncoding::Utf16), 15);
        assert_eq!(doc.position(15, PositionEncoding::Utf16), TextPosition::new(0, 13));
        assert_eq!(doc.position(15, PositionEncoding::Utf8), TextPosition::new(0, 15));
        assert_eq!(doc.position(15, PositionEncoding::Utf32), TextPosition::new(0, 12));
        // Inside the surrogate pair: the emoji's start.
        assert_eq!(doc.offset(TextPosition::new(0, 12), PositionEncoding::Utf16), 11);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let doc = Document::new("ab\r\ncd", 1, TS);
        assert_eq!(doc.offset(TextPosition::new(0, 99), PositionEncoding::Utf16), 2);
        assert_eq!(doc.offset(TextPosition::new(7, 0), PositionEncoding::Utf16), 6);
        assert_eq!(doc.offset(TextPosition::new(1, 1), PositionEncoding::Utf8), 5);
        let positions = Positions::new("ab\r\ncd");
        assert_eq!(positions.offset(TextPosition::new(0, 99), PositionEncoding::Utf16), 2);
        assert_eq!(positions.offset(TextPosition::new(7, 0), PositionEncoding::Utf16), 6);
    }

    #[test]
    fn incremental_edits_give_the_tree_of_a_fresh_parse() {
        let mut doc = Document::new("const a = 1;\nconst b = \"é\";\n", 1, TS);
        doc.apply(2, &[change(1, 11, 1, 12, "日本語"), change(0, 6, 0, 7, "alpha")], PositionEncoding::Utf16)
            .expect("applies");
        assert_eq!(doc.text(), "const alpha = 1;\nconst b = \"日本語\";\n");
        assert_eq!(sexp(&doc), sexp(&Document::new(&doc.text(), 0, TS)));
        doc.apply(3, &[change(1, 0, 0, 0, "")], PositionEncoding::Utf16).expect("reversed range swaps");
        assert_eq!(doc.text(), "const b = \"日本語\";\n");
    }

    #[test]
    fn stale_versions_are_refused() {
        let mut doc = Document::new("x", 5, TS);
        let err = doc.apply(5, &[change(0, 0, 0, 0, "y")], PositionEncoding::Utf16).unwrap_err();
        assert_eq!(err, DocumentError::StaleVersion { current: 5, got: 5 });
        assert_eq!(doc.text(), "x");
    }

    #[test]
    fn positions_agree_between_rope_and_text() {
        let text = "a😀b\r\n日本\nz";
        let doc = Document::new(text, 1, TS);
        let positions = Positions::new(text);
        for offset in 0..=text.len() {
            for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
                let p = doc.position(offset, encoding);
                assert_eq!(p, positions.position(offset, encoding), "offset {offset} {encoding:?}");
                assert_eq!(doc.offset(p, encoding), positions.offset(p, encoding), "offset {offset} {encoding:?}");
            }
        }
    }
}
