//! The typesetter: blocks laid out on A4 pages as positioned drawing
//! operations. Painting (`paint.rs`) happens afterwards, once the page count
//! is known for "page n of m".
//!
//! Deliberately small: greedy line breaking on spaces and path separators,
//! a word wider than its box broken between characters (long paths and
//! hashes must never run off the page), tables sized from their content
//! whose header repeats on every page they span and whose rows split only
//! when taller than a page, code set in the monospaced face and wrapped
//! with a hanging indent, headings kept with what follows.
//!
//! Coordinates are points from the page's top-left corner, y downwards.

use super::blocks::{Block, Cell, Span, Style, Table};
use super::fonts::{Face, Metrics};

/// A4 portrait.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN_X: f32 = 54.0;
/// The body's top and bottom: the page header and footer sit outside.
pub const BODY_TOP: f32 = 70.0;
pub const BODY_BOTTOM: f32 = PAGE_HEIGHT - 62.0;

const BODY_SIZE: f32 = 9.5;
const TABLE_SIZE: f32 = 7.8;
const CODE_SIZE: f32 = 7.6;
/// Inline code beside proportional text: the monospaced face runs large.
const INLINE_CODE_SCALE: f32 = 0.9;
const LEADING: f32 = 1.38;
const CELL_PAD_X: f32 = 3.5;
const CELL_PAD_Y: f32 = 2.5;
const CODE_PAD: f32 = 4.0;
const LIST_INDENT: f32 = 12.0;
const QUOTE_INDENT: f32 = 10.0;
/// Rows a table's header is kept with at a page break.
const KEEP_WITH_HEADER: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

pub const INK: Rgb = Rgb(0x1f, 0x23, 0x28);
pub const MUTED: Rgb = Rgb(0x57, 0x60, 0x6a);
const RULE: Rgb = Rgb(0xc8, 0xce, 0xd4);
const SHADE: Rgb = Rgb(0xf2, 0xf4, 0xf6);
const HEADER_SHADE: Rgb = Rgb(0xe6, 0xea, 0xee);
/// Links, as browsers show them.
const LINK: Rgb = Rgb(0x05, 0x50, 0xae);

/// What a drawing operation belongs to, for the PDF's structure tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Heading(u8),
    Paragraph,
    Code,
    /// A cell of table number `table`, row `row` (the header is row 0).
    Cell {
        table: usize,
        row: usize,
        header: bool,
    },
    /// Not part of the text: list bullets, a table header repeated on a new page.
    Artifact,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `y` is the baseline. `node` numbers the block (or cell) the text
    /// belongs to, in reading order.
    Text {
        x: f32,
        y: f32,
        text: String,
        face: Face,
        size: f32,
        color: Rgb,
        oblique: bool,
        node: usize,
    },
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        color: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
    },
    /// A clickable area opening `uri` (a finding's line on the forge).
    Link {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        uri: String,
    },
    /// The organisation's logo.
    Logo {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

/// A heading, for the PDF's outline (bookmarks).
#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    pub title: String,
    pub page: usize,
    pub y: f32,
}

#[derive(Debug, Default)]
pub struct Layout {
    pub pages: Vec<Vec<Op>>,
    pub headings: Vec<Heading>,
    /// The role of each text node, indexed by `Op::Text::node`.
    pub nodes: Vec<Role>,
}

/// Lays out `blocks`; `logo` is the logo's width and height in points,
/// placed at the top of the first page.
pub fn typeset(blocks: &[Block], metrics: &Metrics, logo: Option<(f32, f32)>) -> Layout {
    let mut setter =
        Typesetter { metrics, layout: Layout { pages: vec![Vec::new()], ..Layout::default() }, y: BODY_TOP, tables: 0 };
    if let Some((width, height)) = logo {
        setter.op(Op::Logo { x: MARGIN_X, y: BODY_TOP, width, height });
        setter.y += height + 12.0;
    }
    setter.blocks(blocks, MARGIN_X, PAGE_WIDTH - 2.0 * MARGIN_X, INK);
    setter.layout
}

/// A line of text broken to a width: fragments with their offsets.
#[derive(Debug, Default)]
struct Line {
    fragments: Vec<Fragment>,
}

#[derive(Debug)]
struct Fragment {
    x: f32,
    text: String,
    style: Style,
    size: f32,
    link: Option<String>,
}

struct Typesetter<'m> {
    metrics: &'m Metrics,
    layout: Layout,
    /// The top of the free space on the current page.
    y: f32,
    /// Tables laid out so far (numbers them for the structure tags).
    tables: usize,
}

impl Typesetter<'_> {
    fn op(&mut self, op: Op) {
        if let Some(page) = self.layout.pages.last_mut() {
            page.push(op);
        }
    }

    fn new_page(&mut self) {
        self.layout.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Starts a new page unless `height` fits below the current position.
    fn room_for(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.new_page();
        }
    }

    fn node(&mut self, role: Role) -> usize {
        self.layout.nodes.push(role);
        self.layout.nodes.len() - 1
    }

    fn blocks(&mut self, blocks: &[Block], x: f32, width: f32, color: Rgb) {
        for (i, block) in blocks.iter().enumerate() {
            let last = i + 1 == blocks.len();
            match block {
                Block::Heading { level, spans } => {
                    // Kept with the opening of a table that follows it.
                    let next = match blocks.get(i + 1) {
                        Some(Block::Table(table)) => self.table_opening(table, width),
                        _ => 0.0,
                    };
                    self.heading(*level, spans, x, width, next)
                }
                Block::Paragraph(spans) => {
                    self.paragraph(spans, x, width, BODY_SIZE, color, Role::Paragraph);
                    if !last {
                        self.y += 4.5;
                    }
                }
                Block::Quote(inner) => {
                    let top = self.y;
                    let page = self.layout.pages.len();
                    self.blocks(inner, x + QUOTE_INDENT, width - QUOTE_INDENT, MUTED);
                    // The bar runs beside the quote on the page it ends on.
                    let bar_top = if self.layout.pages.len() == page { top } else { BODY_TOP };
                    self.op(Op::Line { x1: x + 2.0, y1: bar_top, x2: x + 2.0, y2: self.y, width: 2.5, color: RULE });
                    self.y += 6.0;
                }
                Block::List(items) => {
                    for item in items {
                        self.room_for(BODY_SIZE * LEADING);
                        let node = self.node(Role::Artifact);
                        let baseline = self.y + BODY_SIZE * 1.02;
                        self.op(Op::Text {
                            x: x + 2.0,
                            y: baseline,
                            text: "•".to_string(),
                            face: Face::Sans,
                            size: BODY_SIZE,
                            color,
                            oblique: false,
                            node,
                        });
                        self.blocks(item, x + LIST_INDENT, width - LIST_INDENT, color);
                        self.y += 2.0;
                    }
                    self.y += 3.0;
                }
                Block::Code(lines) => {
                    self.code(lines, x, width);
                    self.y += 6.0;
                }
                Block::Table(table) => {
                    self.table(table, x, width);
                    self.y += 8.0;
                }
            }
        }
    }

    fn heading(&mut self, level: u8, spans: &[Span], x: f32, width: f32, next: f32) {
        let (size, before, after) = match level {
            1 => (17.0, 0.0, 8.0),
            2 => (13.0, 14.0, 6.0),
            _ => (10.5, 10.0, 4.0),
        };
        if self.y > BODY_TOP {
            self.y += before;
        }
        let bold: Vec<Span> = spans
            .iter()
            .map(|s| Span { text: s.text.clone(), style: Style { face: Face::Bold, ..s.style }, link: s.link.clone() })
            .collect();
        let lines = self.break_lines(&bold, size, width);
        let height = lines.len() as f32 * size * LEADING;
        // Keep the heading with at least three lines of what follows, or
        // with the opening rows of a table.
        self.room_for(height + after + (3.0 * BODY_SIZE * LEADING).max(next));
        self.layout.headings.push(Heading {
            level,
            title: spans.iter().map(|s| s.text.as_str()).collect(),
            page: self.layout.pages.len() - 1,
            y: self.y,
        });
        let node = self.node(Role::Heading(level));
        self.draw_lines(&lines, x, size, INK, node);
        if level <= 2 {
            self.op(Op::Line {
                x1: x,
                y1: self.y + 1.5,
                x2: x + width,
                y2: self.y + 1.5,
                width: if level == 1 { 1.2 } else { 0.6 },
                color: if level == 1 { INK } else { RULE },
            });
            self.y += 3.0;
        }
        self.y += after;
    }

    fn paragraph(&mut self, spans: &[Span], x: f32, width: f32, size: f32, color: Rgb, role: Role) {
        let lines = self.break_lines(spans, size, width);
        let node = self.node(role);
        self.draw_lines(&lines, x, size, color, node);
    }

    /// Draws lines from the current position, breaking pages between them.
    fn draw_lines(&mut self, lines: &[Line], x: f32, size: f32, color: Rgb, node: usize) {
        let height = size * LEADING;
        for line in lines {
            self.room_for(height);
            let baseline = self.y + size * 1.02;
            self.draw_line(line, x, baseline, color, node);
            self.y += height;
        }
    }

    fn draw_line(&mut self, line: &Line, x: f32, baseline: f32, color: Rgb, node: usize) {
        for fragment in &line.fragments {
            self.op(Op::Text {
                x: x + fragment.x,
                y: baseline,
                text: fragment.text.clone(),
                face: fragment.style.face,
                size: fragment.size,
                color: if fragment.link.is_some() { LINK } else { color },
                oblique: fragment.style.oblique,
                node,
            });
            if let Some(uri) = &fragment.link {
                let width = self.metrics.width(&fragment.text, fragment.style.face, fragment.size);
                self.op(Op::Link {
                    x: x + fragment.x,
                    y: baseline - fragment.size * 0.95,
                    width,
                    height: fragment.size * 1.25,
                    uri: uri.clone(),
                });
            }
        }
    }

    /// Code lines in the monospaced face on a shaded ground; a line wider
    /// than the box continues below, indented past its `12 | ` gutter.
    fn code(&mut self, lines: &[String], x: f32, width: f32) {
        let inner = width - 2.0 * CODE_PAD;
        let char_width = self.metrics.char_width('0', Face::Mono, CODE_SIZE);
        let columns = ((inner / char_width).floor() as usize).max(8);
        let mut visual: Vec<String> = Vec::new();
        for line in lines {
            let line = line.replace('\t', "    ");
            let chars: Vec<char> = line.chars().collect();
            if chars.len() <= columns {
                visual.push(line);
                continue;
            }
            let gutter = line.find(" | ").map_or(2, |i| line[..i + 3].chars().count()).min(columns / 2);
            let mut rest = &chars[..];
            let mut first = true;
            while !rest.is_empty() {
                let room = if first { columns } else { columns - gutter };
                let take = wrap_at(rest, room);
                let piece: String = rest[..take].iter().collect();
                visual.push(if first { piece } else { format!("{}{piece}", " ".repeat(gutter)) });
                rest = &rest[take..];
                first = false;
            }
        }
        let height = CODE_SIZE * LEADING;
        let node = self.node(Role::Code);
        // Each page's share of the block gets its own shaded ground,
        // inserted beneath the text drawn on it.
        let mut i = 0;
        while i < visual.len() {
            self.room_for(height + 2.0 * CODE_PAD);
            let top = self.y;
            let ground = self.layout.pages.last().map_or(0, Vec::len);
            self.y += CODE_PAD;
            while i < visual.len() && self.y + height + CODE_PAD <= BODY_BOTTOM {
                let baseline = self.y + CODE_SIZE * 1.02;
                self.op(Op::Text {
                    x: x + CODE_PAD,
                    y: baseline,
                    text: visual[i].clone(),
                    face: Face::Mono,
                    size: CODE_SIZE,
                    color: INK,
                    oblique: false,
                    node,
                });
                self.y += height;
                i += 1;
            }
            self.y += CODE_PAD;
            let rect = Op::Rect { x, y: top, width, height: self.y - top, color: SHADE };
            if let Some(page) = self.layout.pages.last_mut() {
                page.insert(ground, rect);
            }
            if i < visual.len() {
                self.new_page();
            }
        }
    }

    fn table(&mut self, table: &Table, x: f32, width: f32) {
        let columns = table.header.as_ref().map_or(0, Vec::len).max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
        if columns == 0 {
            return;
        }
        let widths = self.column_widths(table, columns, width);
        let lay_row = |setter: &Self, cells: &[Cell], bold: bool| -> Vec<Vec<Line>> {
            (0..columns)
                .map(|c| {
                    let Some(cell) = cells.get(c) else { return Vec::new() };
                    let spans: Vec<Span> = if bold {
                        cell.iter()
                            .map(|s| Span {
                                text: s.text.clone(),
                                link: s.link.clone(),
                                style: if s.style.face == Face::Mono {
                                    s.style
                                } else {
                                    Style { face: Face::Bold, ..s.style }
                                },
                            })
                            .collect()
                    } else {
                        cell.clone()
                    };
                    setter.break_lines(&spans, TABLE_SIZE, widths[c] - 2.0 * CELL_PAD_X)
                })
                .collect()
        };
        let number = self.tables;
        self.tables += 1;
        let cell_nodes = |setter: &mut Self, row: usize, header: bool| -> Vec<usize> {
            (0..columns).map(|_| setter.node(Role::Cell { table: number, row, header })).collect()
        };
        let header_nodes = table.header.as_ref().map(|_| cell_nodes(self, 0, true));
        let row_nodes: Vec<Vec<usize>> = (0..table.rows.len()).map(|r| cell_nodes(self, r + 1, false)).collect();
        let repeated = self.node(Role::Artifact);
        let repeated = vec![repeated; columns];
        let header = table.header.as_ref().map(|h| lay_row(self, h, true));
        let rows: Vec<Vec<Vec<Line>>> = table.rows.iter().map(|r| lay_row(self, r, false)).collect();
        let line_height = TABLE_SIZE * LEADING;
        let height_of = |cells: &[Vec<Line>]| {
            cells.iter().map(Vec::len).max().unwrap_or(0).max(1) as f32 * line_height + 2.0 * CELL_PAD_Y
        };
        let header_height = header.as_ref().map_or(0.0, |h| height_of(h));
        // Keep the header with its first rows (three, or all of a shorter
        // table): a header at the foot of a page with one row under it
        // reads as a table that ended there.
        let opening: f32 = rows.iter().take(KEEP_WITH_HEADER).map(|r| height_of(r)).sum();
        self.room_for(header_height + opening.min(BODY_BOTTOM - BODY_TOP - header_height));
        let mut table_top = self.y;
        if let (Some(header), Some(nodes)) = (&header, &header_nodes) {
            self.row(header, &widths, x, 0, None, true, &table.right, nodes);
        }
        // Rows drawn on the current page, for the widow rule below.
        let mut on_page = 0;
        for (index, (row, nodes)) in rows.iter().zip(&row_nodes).enumerate() {
            // The last row alone under a repeated header reads as a stray:
            // when only it would go over, the row before it goes with it.
            if index + 2 == rows.len() && on_page >= KEEP_WITH_HEADER {
                let (this, last) = (height_of(row), height_of(&rows[index + 1]));
                if self.y + this <= BODY_BOTTOM
                    && self.y + this + last > BODY_BOTTOM
                    && this + last <= BODY_BOTTOM - BODY_TOP - header_height
                {
                    table_top = self.next_table_page(x, table_top, &widths, header.as_deref(), &table.right, &repeated);
                    on_page = 0;
                }
            }
            let mut from = 0;
            loop {
                let remaining: Vec<usize> = row.iter().map(|lines| lines.len().saturating_sub(from)).collect();
                let lines_left = remaining.iter().copied().max().unwrap_or(0).max(1);
                let height = lines_left as f32 * line_height + 2.0 * CELL_PAD_Y;
                if self.y + height <= BODY_BOTTOM {
                    self.row(row, &widths, x, from, None, false, &table.right, nodes);
                    on_page += 1;
                    break;
                }
                let fresh = BODY_BOTTOM - BODY_TOP - header_height;
                let fit = ((BODY_BOTTOM - self.y - 2.0 * CELL_PAD_Y) / line_height).floor();
                if height > fresh && fit >= 2.0 {
                    // Taller than a page: fill this one, continue on the next.
                    let fit = fit as usize;
                    self.row(row, &widths, x, from, Some(fit), false, &table.right, nodes);
                    from += fit;
                }
                // The rest of the row goes to the next page, under the header.
                table_top = self.next_table_page(x, table_top, &widths, header.as_deref(), &table.right, &repeated);
                on_page = 0;
            }
        }
        self.frame(x, table_top, &widths);
    }

    /// The height of a table's header and its first rows, which are kept
    /// together (`KEEP_WITH_HEADER`).
    fn table_opening(&self, table: &Table, width: f32) -> f32 {
        let columns = table.header.as_ref().map_or(0, Vec::len).max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
        if columns == 0 {
            return 0.0;
        }
        let widths = self.column_widths(table, columns, width);
        let height = |cells: &[Cell], bold: bool| -> f32 {
            let lines = cells
                .iter()
                .enumerate()
                .take(columns)
                .map(|(c, cell)| {
                    let spans: Vec<Span> = cell
                        .iter()
                        .map(|s| Span {
                            text: s.text.clone(),
                            link: None,
                            style: if bold && s.style.face != Face::Mono {
                                Style { face: Face::Bold, ..s.style }
                            } else {
                                s.style
                            },
                        })
                        .collect();
                    self.break_lines(&spans, TABLE_SIZE, widths[c] - 2.0 * CELL_PAD_X).len()
                })
                .max()
                .unwrap_or(0)
                .max(1);
            lines as f32 * TABLE_SIZE * LEADING + 2.0 * CELL_PAD_Y
        };
        let header = table.header.as_ref().map_or(0.0, |h| height(h, true));
        let rows: f32 = table.rows.iter().take(KEEP_WITH_HEADER).map(|r| height(r, false)).sum();
        (header + rows).min(BODY_BOTTOM - BODY_TOP) + 8.0
    }

    /// Lines `from..from + count` of each cell of a row, and the line below it.
    /// Closes the table's frame on this page and goes on on the next, under
    /// its header repeated; returns where the table now starts.
    fn next_table_page(
        &mut self,
        x: f32,
        table_top: f32,
        widths: &[f32],
        header: Option<&[Vec<Line>]>,
        right: &[bool],
        repeated: &[usize],
    ) -> f32 {
        self.frame(x, table_top, widths);
        self.new_page();
        let top = self.y;
        if let Some(header) = header {
            self.row(header, widths, x, 0, None, true, right, repeated);
        }
        top
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        cells: &[Vec<Line>],
        widths: &[f32],
        x: f32,
        from: usize,
        count: Option<usize>,
        header: bool,
        right: &[bool],
        nodes: &[usize],
    ) {
        let line_height = TABLE_SIZE * LEADING;
        let shown = cells
            .iter()
            .map(|lines| lines.len().saturating_sub(from).min(count.unwrap_or(usize::MAX)))
            .max()
            .unwrap_or(0)
            .max(1);
        let height = shown as f32 * line_height + 2.0 * CELL_PAD_Y;
        if header {
            let total: f32 = widths.iter().sum();
            self.op(Op::Rect { x, y: self.y, width: total, height, color: HEADER_SHADE });
        }
        let mut cell_x = x;
        for (c, lines) in cells.iter().enumerate() {
            let node = nodes.get(c).copied().unwrap_or(0);
            let end = lines.len().min(from.saturating_add(count.unwrap_or(usize::MAX)));
            for (i, line) in lines.iter().enumerate().take(end).skip(from) {
                let baseline = self.y + CELL_PAD_Y + (i - from) as f32 * line_height + TABLE_SIZE * 1.02;
                let offset = if right.get(c).copied().unwrap_or(false) {
                    widths[c] - 2.0 * CELL_PAD_X - self.line_width(line)
                } else {
                    0.0
                };
                self.draw_line(line, cell_x + CELL_PAD_X + offset, baseline, INK, node);
            }
            cell_x += widths[c];
        }
        self.y += height;
        let total: f32 = widths.iter().sum();
        self.op(Op::Line { x1: x, y1: self.y, x2: x + total, y2: self.y, width: 0.5, color: RULE });
    }

    /// The table's outer box and column rules on the current page.
    fn frame(&mut self, x: f32, top: f32, widths: &[f32]) {
        if self.y <= top {
            return;
        }
        let mut column_x = x;
        self.op(Op::Line { x1: x, y1: top, x2: x + widths.iter().sum::<f32>(), y2: top, width: 0.5, color: RULE });
        self.op(Op::Line { x1: column_x, y1: top, x2: column_x, y2: self.y, width: 0.5, color: RULE });
        for w in widths {
            column_x += w;
            self.op(Op::Line { x1: column_x, y1: top, x2: column_x, y2: self.y, width: 0.5, color: RULE });
        }
    }

    /// Column widths from the content, the way browsers size an automatic
    /// table: each column gets its unbreakable minimum, and the rest of the
    /// width goes to the columns in proportion to how much more they want.
    fn column_widths(&self, table: &Table, columns: usize, width: f32) -> Vec<f32> {
        // A word longer than this breaks between characters instead of
        // widening its column: paths and hashes must not starve the others.
        // Wide enough for a rule id (`inference-without-rate-limit`), which
        // has no break opportunity and must not be split mid-word.
        const LONGEST_WORD: f32 = 130.0;
        let mut min = vec![2.0 * CELL_PAD_X + 12.0; columns];
        let mut natural = min.clone();
        let mut header = min.clone();
        for (row, bold) in table.header.iter().map(|h| (h, true)).chain(table.rows.iter().map(|r| (r, false))) {
            for (c, cell) in row.iter().enumerate().take(columns) {
                let mut whole = 0.0;
                for span in cell {
                    let face = if bold && span.style.face != Face::Mono { Face::Bold } else { span.style.face };
                    let size = size_of(span.style, TABLE_SIZE);
                    // The pieces `break_lines` keeps whole: a path may break
                    // after each `/`, so only its longest segment counts.
                    for word in pieces(&span.text) {
                        let w = self.metrics.width(word.trim_end(), face, size).min(LONGEST_WORD);
                        min[c] = min[c].max(w + 2.0 * CELL_PAD_X);
                    }
                    whole += self.metrics.width(&span.text, face, size);
                }
                natural[c] = natural[c].max(whole + 2.0 * CELL_PAD_X + 1.0);
                if bold {
                    header[c] = whole + 2.0 * CELL_PAD_X + 1.0;
                }
            }
        }
        // Headers on one line where the table can afford it ("EU AI Act"
        // stacked a word a line reads as three headers): the ones that
        // cost least first.
        let mut order: Vec<usize> = (0..columns).collect();
        order.sort_by(|a, b| (header[*a] - min[*a]).total_cmp(&(header[*b] - min[*b])));
        for c in order {
            let extra = (header[c] - min[c]).max(0.0);
            if min.iter().sum::<f32>() + extra <= width {
                min[c] += extra;
            }
        }
        // Short cells whole too ("Art. 15", "CC7.2, A1.1"), cheapest first:
        // wrapping them saves little and makes every row taller; the long
        // columns (paths, descriptions) share what is left.
        const SHORT: f32 = 40.0;
        let mut order: Vec<usize> = (0..columns).collect();
        order.sort_by(|a, b| (natural[*a] - min[*a]).total_cmp(&(natural[*b] - min[*b])));
        for c in order {
            let extra = (natural[c] - min[c]).max(0.0);
            if extra <= SHORT && min.iter().sum::<f32>() + extra <= width {
                min[c] += extra;
            }
        }
        let min_total: f32 = min.iter().sum();
        let natural_total: f32 = natural.iter().sum();
        if natural_total <= width {
            // Everything fits on one line: spread the spare width evenly
            // over the proportions the content asks for.
            return natural.iter().map(|n| n * width / natural_total).collect();
        }
        if min_total >= width {
            return min.iter().map(|m| m * width / min_total).collect();
        }
        let spare = (width - min_total) / (natural_total - min_total);
        min.iter().zip(&natural).map(|(m, n)| m + (n - m) * spare).collect()
    }

    /// Where a broken line's last fragment ends.
    fn line_width(&self, line: &Line) -> f32 {
        line.fragments.last().map_or(0.0, |f| f.x + self.metrics.width(&f.text, f.style.face, f.size))
    }

    /// Greedy line breaking: breaks after spaces, `/` and `,`; a piece wider
    /// than the line is broken between characters. Not after `-`: text
    /// extractors take a line-final hyphen for hyphenation and drop it, and
    /// `sql-report/route.ts` must copy out as written. Not after `_`:
    /// `@login_required` reads as one word.
    fn break_lines(&self, spans: &[Span], size: f32, width: f32) -> Vec<Line> {
        let mut lines = vec![Line::default()];
        let mut x = 0.0f32;
        for span in spans {
            let font_size = size_of(span.style, size);
            for piece in pieces(&span.text) {
                let trimmed = piece.trim_end();
                let word = self.metrics.width(trimmed, span.style.face, font_size);
                let space = self.metrics.width(&piece[trimmed.len()..], span.style.face, font_size);
                if x > 0.0 && x + word > width {
                    lines.push(Line::default());
                    x = 0.0;
                }
                if x == 0.0 && trimmed.is_empty() {
                    continue; // no spaces at the start of a line
                }
                if word > width {
                    // Character by character, across as many lines as needed.
                    for c in trimmed.chars() {
                        let w = self.metrics.char_width(c, span.style.face, font_size);
                        if x > 0.0 && x + w > width {
                            lines.push(Line::default());
                            x = 0.0;
                        }
                        push(lines.last_mut(), x, c.encode_utf8(&mut [0; 4]), span, font_size);
                        x += w;
                    }
                    push(lines.last_mut(), x, &piece[trimmed.len()..], span, font_size);
                    x += space;
                    continue;
                }
                push(lines.last_mut(), x, piece, span, font_size);
                x += word + space;
            }
        }
        for line in &mut lines {
            if let Some(last) = line.fragments.last_mut() {
                let kept = last.text.trim_end().len();
                last.text.truncate(kept);
            }
        }
        lines.retain(|l| l.fragments.iter().any(|f| !f.text.is_empty()));
        lines
    }
}

/// How many characters of a code line go on a visual line of `room`
/// columns: up to the last space in its second half, so the line breaks
/// between tokens, and never leaving a tail of a few characters (a lone
/// `` `, `` on a line of its own reads as an error in the excerpt).
fn wrap_at(rest: &[char], room: usize) -> usize {
    const SHORTEST_TAIL: usize = 8;
    if rest.len() <= room {
        return rest.len();
    }
    // At most `room`, and less when the rest would be a stub.
    let limit = if rest.len() - room < SHORTEST_TAIL { rest.len().saturating_sub(SHORTEST_TAIL) } else { room };
    let limit = limit.max(room / 2).max(1);
    match rest[..limit].iter().rposition(|c| *c == ' ') {
        Some(space) if space + 1 > room / 2 => space + 1,
        _ => limit,
    }
}

fn size_of(style: Style, size: f32) -> f32 {
    if style.face == Face::Mono { size * INLINE_CODE_SCALE } else { size }
}

/// Appends text to a line, joining it to the last fragment when the style
/// matches (fewer, longer text runs in the PDF).
fn push(line: Option<&mut Line>, x: f32, text: &str, span: &Span, size: f32) {
    let Some(line) = line else { return };
    if text.is_empty() {
        return;
    }
    match line.fragments.last_mut() {
        Some(last) if last.style == span.style && last.size == size && last.link == span.link => {
            last.text.push_str(text)
        }
        _ => line.fragments.push(Fragment {
            x,
            text: text.to_string(),
            style: span.style,
            size,
            link: span.link.clone(),
        }),
    }
}

/// Splits text after each break opportunity, keeping the spaces with the
/// piece they follow.
fn pieces(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let bytes = rest.as_bytes();
        let mut end = rest.len();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b' ' {
                let mut j = i;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                end = j;
                break;
            }
            if matches!(b, b'/' | b',') && i + 1 < bytes.len() && bytes[i + 1] != b' ' {
                end = i + 1;
                break;
            }
            i += 1;
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(text: &str) -> Vec<Span> {
        vec![Span { text: text.to_string(), style: Style::PLAIN, link: None }]
    }

    fn setter(metrics: &Metrics) -> Typesetter<'_> {
        Typesetter { metrics, layout: Layout { pages: vec![Vec::new()], ..Layout::default() }, y: BODY_TOP, tables: 0 }
    }

    #[test]
    fn pieces_break_after_spaces_and_separators() {
        let pieces: Vec<&str> = pieces("app/api/chat/route.ts:12 is  long-lived").collect();
        assert_eq!(pieces, ["app/", "api/", "chat/", "route.ts:12 ", "is  ", "long-lived"]);
    }

    #[test]
    fn no_line_is_wider_than_its_box() {
        let metrics = Metrics::new();
        let setter = setter(&metrics);
        let hash = "a".repeat(64);
        let text = format!("see {hash} at packages/very/deeply/nested/directory/structure/file.ts:120 please");
        for width in [40.0, 90.0, 200.0] {
            let lines = setter.break_lines(&plain(&text), 9.0, width);
            assert!(lines.len() > 1);
            for line in &lines {
                let last = line.fragments.last().unwrap();
                let right = last.x + metrics.width(&last.text, last.style.face, last.size);
                assert!(right <= width + 0.01, "{right} > {width}: {line:?}");
            }
            let joined: String =
                lines.iter().flat_map(|l| l.fragments.iter().map(|f| f.text.as_str())).collect::<String>();
            assert_eq!(joined.replace(' ', ""), text.replace(' ', ""));
        }
    }

    #[test]
    fn code_wraps_between_tokens_and_leaves_no_stub() {
        let line: Vec<char> =
            "const r = await openai.chat.completions.create({ model: `gpt-4o`, messages: [] `,".chars().collect();
        let take = wrap_at(&line, 78);
        assert_eq!(line[take - 1], ' ', "breaks after a space");
        assert!(line.len() - take >= 8, "tail of {} characters", line.len() - take);
        // No space: the tail still keeps a few characters.
        let dense: Vec<char> = "x".repeat(81).chars().collect();
        assert_eq!(wrap_at(&dense, 80), 73);
        assert_eq!(wrap_at(&dense[..10], 80), 10);
    }

    #[test]
    fn a_wrapped_code_line_leaves_no_lone_punctuation() {
        let metrics = Metrics::new();
        let columns = ((PAGE_WIDTH - 2.0 * MARGIN_X - 2.0 * CODE_PAD) / metrics.char_width('0', Face::Mono, CODE_SIZE))
            .floor() as usize;
        // Two characters longer than the box, ending in "`,".
        let mut line = "12 |     messages: [{ role: \"user\", content: `Summarise ${topic} for ${audience}".to_string();
        while line.chars().count() < columns {
            line.push_str(" x");
        }
        line.truncate(columns);
        line.push_str("`,");
        let layout = typeset(&[Block::Code(vec![line.clone()])], &metrics, None);
        let lines: Vec<&str> = layout
            .pages
            .iter()
            .flatten()
            .filter_map(|op| if let Op::Text { text, .. } = op { Some(text.as_str()) } else { None })
            .collect();
        assert!(lines.len() == 2, "{lines:?}");
        assert!(lines[1].trim().chars().count() >= 8, "a stub on its own line: {lines:?}");
        assert_eq!(lines.concat().split_whitespace().collect::<String>(), line.split_whitespace().collect::<String>());
    }

    #[test]
    fn a_table_starts_with_its_header_and_some_rows_on_one_page() {
        let metrics = Metrics::new();
        let rows = (0..10).map(|i| vec![plain(&format!("CC{i}")), plain("status")]).collect();
        let table = Table { header: Some(vec![plain("Criterion"), plain("Status")]), rows, right: vec![false, false] };
        let mut setter = setter(&metrics);
        // Room at the foot of the page for the header and one row, not three.
        setter.y = BODY_BOTTOM - 35.0;
        setter.table(&table, MARGIN_X, 400.0);
        let layout = setter.layout;
        let page_of = |needle: &str| {
            layout.pages.iter().position(|p| p.iter().any(|op| matches!(op, Op::Text { text, .. } if text == needle)))
        };
        let header = page_of("Criterion").expect("header");
        assert_eq!(header, 1, "the table starts on the next page");
        for row in ["CC0", "CC1", "CC2"] {
            assert_eq!(page_of(row), Some(header), "{row} is not on the header's page");
        }
    }

    #[test]
    fn the_last_row_does_not_go_over_alone() {
        let metrics = Metrics::new();
        let rows = (0..10).map(|i| vec![plain(&format!("R{i}")), plain("x")]).collect();
        let table = Table { header: Some(vec![plain("Criterion"), plain("Status")]), rows, right: vec![false, false] };
        let mut setter = setter(&metrics);
        // Room for the header and nine rows (15.76 points each), not ten.
        setter.y = BODY_BOTTOM - 15.76 * 10.0 - 2.0;
        setter.table(&table, MARGIN_X, 400.0);
        let layout = setter.layout;
        let page_of = |needle: &str| {
            layout.pages.iter().position(|p| p.iter().any(|op| matches!(op, Op::Text { text, .. } if text == needle)))
        };
        assert_eq!(page_of("R9"), Some(1));
        assert_eq!(page_of("R8"), Some(1), "the last row has company");
        assert_eq!(page_of("R7"), Some(0));
    }

    #[test]
    fn rule_ids_and_headers_stay_whole_in_a_wide_table() {
        let metrics = Metrics::new();
        let mono = |text: &str| {
            vec![Span { text: text.to_string(), style: Style { face: Face::Mono, oblique: false }, link: None }]
        };
        let header = ["Finding", "Location", "SOC 2", "NIST AI RMF", "EU AI Act", "OWASP 2025", "OWASP 2026"];
        let row = |rule: &str| {
            vec![
                mono(rule),
                mono("components/selection-assistant.ts:17"),
                plain("CC7.2, A1.1"),
                plain("MEASURE 2.4, GOVERN 6.2"),
                plain("Art. 15"),
                plain("LLM05:2025, LLM06:2025"),
                plain("LLM10:2026, LLM03:2026"),
            ]
        };
        let table = Table {
            header: Some(header.iter().map(|h| plain(h)).collect()),
            rows: vec![row("inference-without-rate-limit"), row("model-output-code-execution")],
            right: vec![false; 7],
        };
        let layout = typeset(&[Block::Table(table)], &metrics, None);
        let texts: Vec<&str> = layout
            .pages
            .iter()
            .flatten()
            .filter_map(|op| if let Op::Text { text, .. } = op { Some(text.as_str()) } else { None })
            .collect();
        for whole in ["inference-without-rate-limit", "model-output-code-execution", "NIST AI RMF", "OWASP 2025"] {
            assert!(texts.contains(&whole), "`{whole}` is broken: {texts:?}");
        }
        // A header may wrap between its words, never inside one.
        for word in header.iter().flat_map(|h| h.split(' ')) {
            assert!(texts.iter().any(|t| t.split(' ').any(|w| w == word)), "`{word}` is broken: {texts:?}");
        }
    }

    #[test]
    fn table_headers_repeat_on_every_page_the_table_spans() {
        let metrics = Metrics::new();
        let header = vec![plain("Location"), plain("What")];
        let rows = (0..300).map(|i| vec![plain(&format!("src/file{i}.ts:{i}")), plain("a finding")]).collect();
        let table = Table { header: Some(header), rows, right: vec![false, false] };
        let layout = typeset(&[Block::Table(table)], &metrics, None);
        assert!(layout.pages.len() > 2);
        for page in &layout.pages {
            let headers = page
                .iter()
                .filter(|op| matches!(op, Op::Text { text, node, .. } if text == "Location" && matches!(layout.nodes[*node], Role::Cell { header: true, .. } | Role::Artifact)))
                .count();
            assert_eq!(headers, 1);
        }
        for op in layout.pages.iter().flatten() {
            if let Op::Text { y, .. } = op {
                assert!(*y <= BODY_BOTTOM && *y >= BODY_TOP, "text outside the body at {y}");
            }
        }
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_across_pages() {
        let metrics = Metrics::new();
        let long = (0..1500).map(|i| format!("src/f{i}.ts")).collect::<Vec<_>>().join(", ");
        let table = Table {
            header: Some(vec![plain("Provider"), plain("Files")]),
            rows: vec![vec![plain("OpenAI"), plain(&long)]],
            right: vec![false, false],
        };
        let layout = typeset(&[Block::Table(table)], &metrics, None);
        assert!(layout.pages.len() >= 2, "{} pages", layout.pages.len());
        for op in layout.pages.iter().flatten() {
            if let Op::Text { y, .. } = op {
                assert!(*y <= BODY_BOTTOM, "text below the body at {y}");
            }
        }
    }
}
