//! Positions in a source file: byte spans inside the engine, 1-based lines and
//! columns at the edges (JSON, text output).
//!
//! Columns count Unicode scalar values, so a column means the same thing in
//! every editor; the language server converts byte offsets to UTF-16 itself.

use serde::{Deserialize, Serialize};

/// A half-open byte range `[start, end)` into a file's source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start: clamp_u32(start), end: clamp_u32(end.max(start)) }
    }

    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn as_range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A 1-based line and column (column in Unicode scalar values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A range of 1-based positions, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

/// A span together with its line/column range, so facts keep their place
/// after the source text is dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub span: Span,
    pub range: Range,
}

/// Maps byte offsets of one source text to lines and columns.
pub struct LineIndex<'s> {
    source: &'s str,
    line_starts: Vec<u32>,
}

impl<'s> LineIndex<'s> {
    pub fn new(source: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_newlines(source.as_bytes()).map(|i| clamp_u32(i + 1)));
        LineIndex { source, line_starts }
    }

    pub fn source(&self) -> &'s str {
        self.source
    }

    /// The 1-based position of a byte offset. Offsets past the end clamp to
    /// the end; offsets inside a multi-byte character count as its start.
    pub fn position(&self, offset: u32) -> Position {
        let offset = offset.min(clamp_u32(self.source.len()));
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let mut end = offset as usize;
        while !self.source.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.source[start..end].chars().count();
        Position { line: clamp_u32(line + 1), column: clamp_u32(column + 1) }
    }

    pub fn range(&self, span: Span) -> Range {
        Range { start: self.position(span.start), end: self.position(span.end) }
    }

    pub fn locate(&self, span: Span) -> Location {
        Location { span, range: self.range(span) }
    }

    /// The byte offset where a 1-based line starts.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get((line as usize).checked_sub(1)?).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let src = "ab\nc😀d\n";
        let idx = LineIndex::new(src);
        assert_eq!(idx.position(0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(3), Position { line: 2, column: 1 });
        // 'd' comes after a 4-byte emoji: byte 8, character column 3.
        assert_eq!(idx.position(8), Position { line: 2, column: 3 });
        // Inside the emoji counts as its start.
        assert_eq!(idx.position(6), Position { line: 2, column: 2 });
        // Past the end clamps.
        assert_eq!(idx.position(1000), Position { line: 3, column: 1 });
    }
}
