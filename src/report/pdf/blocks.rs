//! The report's Markdown read back as blocks for the typesetter.
//!
//! The PDF renders the same document as `--format markdown` and `html`
//! (`report::markdown`): one text, three presentations, so the formats cannot
//! drift apart. Only the constructs that renderer writes are needed:
//! headings, paragraphs, lists, block quotes, fenced code and pipe tables,
//! with bold, emphasis and inline code.

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

use super::fonts::Face;

/// How a run of text is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub face: Face,
    /// Emphasis: the regular face slanted (the report embeds no italic).
    pub oblique: bool,
}

#[cfg(test)]
impl Style {
    pub const PLAIN: Style = Style { face: Face::Sans, oblique: false };
}

#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub style: Style,
    /// The address a Markdown link points at (a finding's line on the forge).
    pub link: Option<String>,
}

/// A table cell: a line of inline text.
pub type Cell = Vec<Span>;

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        spans: Vec<Span>,
    },
    Paragraph(Vec<Span>),
    Quote(Vec<Block>),
    /// Items, each a sequence of blocks.
    List(Vec<Vec<Block>>),
    /// Lines of preformatted text.
    Code(Vec<String>),
    Table(Table),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Absent when every header cell is empty (a key/value table).
    pub header: Option<Vec<Cell>>,
    pub rows: Vec<Vec<Cell>>,
    /// Right-aligned columns (numbers).
    pub right: Vec<bool>,
}

/// Parses the Markdown the report renderer writes.
pub fn parse(markdown: &str) -> Vec<Block> {
    let mut events = Parser::new_ext(markdown, Options::ENABLE_TABLES);
    blocks(&mut events, None)
}

/// Blocks up to the end tag `end` (or the end of input).
fn blocks<'a>(events: &mut impl Iterator<Item = Event<'a>>, end: Option<TagEnd>) -> Vec<Block> {
    let mut out = Vec::new();
    // Inline content directly inside a container: a tight list item.
    let mut loose = Inlines::default();
    while let Some(event) = events.next() {
        match event {
            Event::End(tag) if Some(tag) == end => break,
            Event::Start(tag) if is_block(&tag) => {
                loose.flush_into(&mut out);
                out.push(block(events, tag));
            }
            other => loose.push(other),
        }
    }
    loose.flush_into(&mut out);
    out
}

fn is_block(tag: &Tag) -> bool {
    matches!(
        tag,
        Tag::Heading { .. }
            | Tag::Paragraph
            | Tag::BlockQuote(_)
            | Tag::CodeBlock(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::Table(_)
    )
}

fn block<'a>(events: &mut impl Iterator<Item = Event<'a>>, tag: Tag<'a>) -> Block {
    match tag {
        Tag::Heading { level, .. } => {
            Block::Heading { level: level as u8, spans: inlines(events, TagEnd::Heading(level)) }
        }
        Tag::Paragraph => Block::Paragraph(inlines(events, TagEnd::Paragraph)),
        Tag::BlockQuote(kind) => Block::Quote(blocks(events, Some(TagEnd::BlockQuote(kind)))),
        Tag::CodeBlock(_) => {
            let mut text = String::new();
            for event in events.by_ref() {
                match event {
                    Event::End(TagEnd::CodeBlock) => break,
                    Event::Text(t) | Event::Html(t) => text.push_str(&t),
                    _ => {}
                }
            }
            Block::Code(text.trim_end_matches('\n').lines().map(str::to_string).collect())
        }
        Tag::List(start) => {
            let ordered = start.is_some();
            let mut items = Vec::new();
            while let Some(event) = events.next() {
                match event {
                    Event::Start(Tag::Item) => items.push(blocks(events, Some(TagEnd::Item))),
                    Event::End(TagEnd::List(o)) if o == ordered => break,
                    _ => {}
                }
            }
            Block::List(items)
        }
        Tag::Item => Block::List(vec![blocks(events, Some(TagEnd::Item))]),
        Tag::Table(alignments) => table(events, &alignments),
        // `is_block` admits only the tags above.
        _ => Block::Paragraph(Vec::new()),
    }
}

fn table<'a>(events: &mut impl Iterator<Item = Event<'a>>, alignments: &[Alignment]) -> Block {
    let mut header = Vec::new();
    let mut rows = Vec::new();
    let mut row: Vec<Cell> = Vec::new();
    while let Some(event) = events.next() {
        match event {
            Event::Start(Tag::TableCell) => row.push(inlines(events, TagEnd::TableCell)),
            Event::End(TagEnd::TableHead) => header = std::mem::take(&mut row),
            Event::End(TagEnd::TableRow) => rows.push(std::mem::take(&mut row)),
            Event::End(TagEnd::Table) => break,
            _ => {}
        }
    }
    let blank = header.iter().all(|cell| cell.iter().all(|s| s.text.trim().is_empty()));
    Block::Table(Table {
        header: (!blank).then_some(header),
        rows,
        right: alignments.iter().map(|a| *a == Alignment::Right).collect(),
    })
}

/// Inline content up to `end`.
fn inlines<'a>(events: &mut impl Iterator<Item = Event<'a>>, end: TagEnd) -> Vec<Span> {
    let mut inlines = Inlines::default();
    for event in events.by_ref() {
        if event == Event::End(end) {
            break;
        }
        inlines.push(event);
    }
    inlines.spans
}

/// Collects inline events into styled spans.
#[derive(Default)]
struct Inlines {
    spans: Vec<Span>,
    strong: u32,
    emphasis: u32,
    link: Option<String>,
}

impl Inlines {
    fn push(&mut self, event: Event<'_>) {
        let style = Style {
            face: if self.strong > 0 { Face::Bold } else { Face::Sans },
            oblique: self.emphasis > 0 && self.strong == 0,
        };
        match event {
            Event::Start(Tag::Strong) => self.strong += 1,
            Event::End(TagEnd::Strong) => self.strong = self.strong.saturating_sub(1),
            Event::Start(Tag::Emphasis) => self.emphasis += 1,
            Event::End(TagEnd::Emphasis) => self.emphasis = self.emphasis.saturating_sub(1),
            Event::Start(Tag::Link { dest_url, .. }) => self.link = Some(dest_url.to_string()),
            Event::End(TagEnd::Link) => self.link = None,
            // Text from the scanned code is shown as written, never interpreted.
            Event::Text(text) | Event::Html(text) | Event::InlineHtml(text) => self.add(&text, style),
            Event::Code(text) => self.add(&text, Style { face: Face::Mono, oblique: false }),
            Event::SoftBreak | Event::HardBreak => self.add(" ", style),
            _ => {}
        }
    }

    fn add(&mut self, text: &str, style: Style) {
        match self.spans.last_mut() {
            Some(last) if last.style == style && last.link == self.link => last.text.push_str(text),
            _ => self.spans.push(Span { text: text.to_string(), style, link: self.link.clone() }),
        }
    }

    fn flush_into(&mut self, out: &mut Vec<Block>) {
        if self.spans.iter().any(|s| !s.text.trim().is_empty()) {
            out.push(Block::Paragraph(std::mem::take(&mut self.spans)));
        }
        self.spans.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn reads_the_constructs_the_report_writes() {
        let blocks = parse(
            "# Title\n\n**Acme**\n\n| | |\n|---|---|\n| Commit | `abc` |\n\n| A | N |\n|---|---:|\n| x | 1 |\n\n- item *one*\n  - nested\n\n  ```\n  12 | code\n  ```\n\n  How to fix\n\n> quoted\n",
        );
        assert!(matches!(&blocks[0], Block::Heading { level: 1, spans } if text(spans) == "Title"));
        assert!(matches!(&blocks[1], Block::Paragraph(spans) if spans[0].style.face == Face::Bold));
        let Block::Table(key_value) = &blocks[2] else { panic!("{:?}", blocks[2]) };
        assert!(key_value.header.is_none());
        assert_eq!(key_value.rows[0][1][0].style.face, Face::Mono);
        let Block::Table(numbers) = &blocks[3] else { panic!() };
        assert_eq!(numbers.right, vec![false, true]);
        let Block::List(items) = &blocks[4] else { panic!("{:?}", blocks[4]) };
        assert!(matches!(&items[0][0], Block::Paragraph(spans) if spans[1].style.oblique));
        assert!(items[0].iter().any(|b| matches!(b, Block::Code(lines) if lines == &["12 | code"])));
        assert!(items[0].iter().any(|b| matches!(b, Block::List(_))));
        assert!(matches!(&blocks[5], Block::Quote(_)));
    }

    #[test]
    fn links_keep_their_address() {
        let blocks = parse("- at [`a.ts:3`](https://github.com/acme/app/blob/abc/a.ts#L3): x\n");
        let Block::List(items) = &blocks[0] else { panic!("{blocks:?}") };
        let Block::Paragraph(spans) = &items[0][0] else { panic!() };
        let linked: Vec<&Span> = spans.iter().filter(|s| s.link.is_some()).collect();
        assert_eq!(linked.len(), 1);
        assert_eq!(linked[0].text, "a.ts:3");
        assert_eq!(linked[0].link.as_deref(), Some("https://github.com/acme/app/blob/abc/a.ts#L3"));
    }

    #[test]
    fn markup_in_text_stays_text() {
        let blocks = parse("a <script>x</script> b\n");
        let Block::Paragraph(spans) = &blocks[0] else { panic!() };
        assert_eq!(text(spans), "a <script>x</script> b");
    }
}
