//! The evidence report as a PDF (`custodia report -o report.pdf`,
//! `--format pdf`): the Markdown report's content (`report::markdown`),
//! typeset by a small layout module of our own (`layout`) and written with
//! krilla, which embeds subsets of the three fonts (`fonts`).
//!
//! Pages carry a running header (the organisation and the report id) and a
//! footer (tool, commit, time, "page n of m"); the outline lists the
//! sections; the PDF is tagged (headings, paragraphs, tables with header
//! cells), with headers, footers and decoration marked as artifacts.
//!
//! Deterministic: the same report gives the same bytes. Nothing here reads
//! the clock; the time shown is the report's own (`SOURCE_DATE_EPOCH`).

mod blocks;
mod fonts;
mod layout;

use std::num::NonZeroU16;

use krilla::action::LinkAction;
use krilla::annotation::{LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::tagging::{Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::Font;
use krilla::{Document, SerializeSettings};

use self::fonts::{Face, Metrics};
use self::layout::{MARGIN_X, Op, PAGE_HEIGHT, PAGE_WIDTH, Rgb, Role};
use super::audit::AuditReport;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the logo {path}: {reason} (PNG or JPEG expected)")]
    Logo { path: String, reason: String },
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// The organisation's logo, decoded, for the first page.
pub struct Logo {
    image: Image,
    /// Width and height in points.
    size: (f32, f32),
}

impl Logo {
    /// Reads a PNG or JPEG logo; it is drawn at most 40 points high and
    /// 180 wide, keeping its proportions.
    pub fn load(path: &std::path::Path) -> Result<Logo, PdfError> {
        let fail = |reason: String| PdfError::Logo { path: path.display().to_string(), reason };
        let bytes = std::fs::read(path).map_err(|err| fail(err.to_string()))?;
        let image = if bytes.starts_with(b"\x89PNG") {
            Image::from_png(bytes.into(), true)
        } else if bytes.starts_with(&[0xff, 0xd8]) {
            Image::from_jpeg(bytes.into(), true)
        } else {
            Err("not a PNG or JPEG file".to_string())
        }
        .map_err(fail)?;
        let (width, height) = image.size();
        if width == 0 || height == 0 {
            return Err(fail("the image is empty".to_string()));
        }
        let scale = (40.0 / height as f32).min(180.0 / width as f32);
        Ok(Logo { image, size: (width as f32 * scale, height as f32 * scale) })
    }
}

/// Renders the report as PDF bytes.
pub fn render(report: &AuditReport, logo: Option<&Logo>) -> Result<Vec<u8>, PdfError> {
    let markdown = super::markdown::render(report);
    let blocks = blocks::parse(&markdown);
    let metrics = Metrics::new();
    let layout = layout::typeset(&blocks, &metrics, logo.map(|l| l.size));

    let settings = SerializeSettings { enable_tagging: true, ..SerializeSettings::default() };
    let mut document = Document::new_with(settings);
    let fonts = Fonts::new();
    let running = Running::of(report);
    let total = layout.pages.len();
    // The identifiers of each text node's pieces, for the tag tree.
    let mut pieces: Vec<Vec<Identifier>> = vec![Vec::new(); layout.nodes.len()];
    for (index, ops) in layout.pages.iter().enumerate() {
        let Some(settings) = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT) else { continue };
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in ops {
            paint(&mut surface, op, &fonts, &metrics, &layout.nodes, &mut pieces, logo);
        }
        running.paint(&mut surface, &fonts, &metrics, index + 1, total);
        surface.finish();
        // Links are annotations on the page, not content of its surface.
        for op in ops {
            if let Op::Link { x, y, width, height, uri } = op
                && let Some(rect) = Rect::from_xywh(*x, *y, *width, *height)
            {
                let target = Target::Action(LinkAction::new(uri.clone()).into());
                page.add_annotation(LinkAnnotation::new(rect, target).into());
            }
        }
        page.finish();
    }
    document.set_tag_tree(tag_tree(&layout, pieces));
    document.set_outline(outline(&layout.headings));
    document.set_metadata(metadata(report));
    document.finish().map_err(|err| PdfError::Write(format!("{err:?}")))
}

struct Fonts([Font; 3]);

impl Fonts {
    fn new() -> Fonts {
        // The fonts are part of the binary; `Metrics::new` has parsed them.
        Fonts(Face::ALL.map(|face| Font::new(face.data().into(), 0).expect("embedded font loads")))
    }

    fn get(&self, face: Face) -> Font {
        self.0[face as usize].clone()
    }
}

fn color(rgb: Rgb) -> rgb::Color {
    rgb::Color::new(rgb.0, rgb.1, rgb.2)
}

fn fill(rgb: Rgb) -> Fill {
    Fill { paint: color(rgb).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}

fn paint(
    surface: &mut Surface<'_>,
    op: &Op,
    fonts: &Fonts,
    metrics: &Metrics,
    roles: &[Role],
    pieces: &mut [Vec<Identifier>],
    logo: Option<&Logo>,
) {
    match op {
        Op::Text { x, y, text, face, size, color: ink, oblique, node } => {
            let artifact = roles.get(*node).is_none_or(|r| *r == Role::Artifact);
            let id = if artifact {
                surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)))
            } else {
                surface.start_tagged(ContentTag::Span(SpanTag::empty()))
            };
            surface.set_fill(Some(fill(*ink)));
            if *oblique {
                // A slanted regular face stands in for an italic one.
                surface.push_transform(&Transform::from_row(1.0, 0.0, -0.2, 1.0, 0.2 * y, 0.0));
            }
            let glyphs = metrics.glyphs(text, *face);
            surface.draw_glyphs(Point::from_xy(*x, *y), &glyphs, fonts.get(*face), text, *size, false);
            if *oblique {
                surface.pop();
            }
            surface.end_tagged();
            if !artifact && let Some(list) = pieces.get_mut(*node) {
                list.push(id);
            }
        }
        Op::Rect { x, y, width, height, color: shade } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else { return };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            let Some(path) = path.finish() else { return };
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
            surface.set_fill(Some(fill(*shade)));
            surface.set_stroke(None);
            surface.draw_path(&path);
            surface.end_tagged();
        }
        Op::Line { x1, y1, x2, y2, width, color: ink } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y1);
            path.line_to(*x2, *y2);
            let Some(path) = path.finish() else { return };
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke { paint: color(*ink).into(), width: *width, ..Stroke::default() }));
            surface.draw_path(&path);
            surface.set_stroke(None);
            surface.end_tagged();
        }
        Op::Link { .. } => {}
        Op::Logo { x, y, width, height } => {
            let (Some(logo), Some(size)) = (logo, Size::from_wh(*width, *height)) else { return };
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(logo.image.clone(), size);
            surface.pop();
            surface.end_tagged();
        }
    }
}

/// The running header and footer.
struct Running {
    title: String,
    id: String,
    footer: String,
}

impl Running {
    fn of(report: &AuditReport) -> Running {
        let title = report.subject().unwrap_or_else(|| "AI application code evidence report".to_string());
        let commit = report
            .source
            .commit
            .as_deref()
            .map_or("commit unknown".to_string(), |c| format!("commit {}", &c[..c.len().min(12)]));
        Running {
            title,
            id: report.id.clone(),
            footer: format!("custodia {} · {commit} · {}", report.tool_version, report.generated_at),
        }
    }

    fn paint(&self, surface: &mut Surface<'_>, fonts: &Fonts, metrics: &Metrics, page: usize, total: usize) {
        const SIZE: f32 = 7.5;
        let right_edge = PAGE_WIDTH - MARGIN_X;
        let muted = fill(layout::MUTED);
        let text = |surface: &mut Surface<'_>, kind: ArtifactType, x: f32, y: f32, text: &str| {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
            surface.set_fill(Some(muted.clone()));
            let glyphs = metrics.glyphs(text, Face::Sans);
            surface.draw_glyphs(Point::from_xy(x, y), &glyphs, fonts.get(Face::Sans), text, SIZE, false);
            surface.end_tagged();
        };
        let header_y = 40.0;
        let id = format!("Evidence report {}", self.id);
        text(surface, ArtifactType::Header, MARGIN_X, header_y, &self.title);
        text(surface, ArtifactType::Header, right_edge - metrics.width(&id, Face::Sans, SIZE), header_y, &id);
        let footer_y = PAGE_HEIGHT - 34.0;
        let number = format!("Page {page} of {total}");
        text(surface, ArtifactType::Footer, MARGIN_X, footer_y, &self.footer);
        text(surface, ArtifactType::Footer, right_edge - metrics.width(&number, Face::Sans, SIZE), footer_y, &number);
        let mut rule = PathBuilder::new();
        rule.move_to(MARGIN_X, header_y + 6.0);
        rule.line_to(right_edge, header_y + 6.0);
        if let Some(path) = rule.finish() {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Header)));
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke { paint: color(layout::MUTED).into(), width: 0.4, ..Stroke::default() }));
            surface.draw_path(&path);
            surface.set_stroke(None);
            surface.end_tagged();
        }
    }
}

/// The structure tree: headings, paragraphs, code, and tables of rows of
/// header and data cells, in reading order.
fn tag_tree(layout: &layout::Layout, pieces: Vec<Vec<Identifier>>) -> TagTree {
    let mut tree = TagTree::new().with_lang(Some("en".to_string()));
    // The table being built: its number, its rows so far and the open row.
    let mut table: Option<(usize, TagGroup, usize, TagGroup)> = None;
    let close = |table: &mut Option<(usize, TagGroup, usize, TagGroup)>, tree: &mut TagTree| {
        if let Some((_, mut group, _, row)) = table.take() {
            group.push(row);
            tree.push(group);
        }
    };
    for (role, ids) in layout.nodes.iter().zip(pieces) {
        let leaves: Vec<Node> = ids.into_iter().map(Node::from).collect();
        match *role {
            Role::Cell { table: number, row, header } => {
                if table.as_ref().is_some_and(|(n, ..)| *n != number) {
                    close(&mut table, &mut tree);
                }
                let (_, group, open_row, cells) =
                    table.get_or_insert_with(|| (number, TagGroup::new(Tag::Table), row, TagGroup::new(Tag::TR)));
                if *open_row != row {
                    group.push(std::mem::replace(cells, TagGroup::new(Tag::TR)));
                    *open_row = row;
                }
                let cell = if header {
                    TagGroup::with_children(Tag::TH(krilla::tagging::TableHeaderScope::Column), leaves)
                } else {
                    TagGroup::with_children(Tag::TD, leaves)
                };
                cells.push(cell);
            }
            _ if leaves.is_empty() => {}
            other => {
                close(&mut table, &mut tree);
                match other {
                    Role::Heading(level) => {
                        let level = NonZeroU16::new(u16::from(level)).unwrap_or(NonZeroU16::MIN);
                        tree.push(TagGroup::with_children(Tag::Hn(level, None), leaves));
                    }
                    Role::Code => {
                        let code = TagGroup::with_children(Tag::Code, leaves);
                        tree.push(TagGroup::with_children(Tag::P, vec![code.into()]));
                    }
                    _ => tree.push(TagGroup::with_children(Tag::P, leaves)),
                }
            }
        }
    }
    close(&mut table, &mut tree);
    tree
}

fn outline(headings: &[layout::Heading]) -> Outline {
    let mut outline = Outline::new();
    let mut section: Option<OutlineNode> = None;
    for heading in headings {
        let node = OutlineNode::new(
            heading.title.clone(),
            XyzDestination::new(heading.page, Point::from_xy(MARGIN_X, heading.y)),
        );
        match heading.level {
            1 => {}
            2 => {
                if let Some(done) = section.replace(node) {
                    outline.push_child(done);
                }
            }
            _ => match section.as_mut() {
                Some(parent) => parent.push_child(node),
                None => outline.push_child(node),
            },
        }
    }
    if let Some(done) = section {
        outline.push_child(done);
    }
    outline
}

fn metadata(report: &AuditReport) -> Metadata {
    let mut metadata = Metadata::new()
        .title(format!("AI application code evidence report {}", report.id))
        .description(
            "Evidence from the code for SOC 2 (CC6, CC7, CC9, A1), NIST AI RMF, EU AI Act and OWASP LLM; \
             mappings are custodia's reading, not a compliance opinion"
                .to_string(),
        )
        .creator(format!("custodia {}", report.tool_version))
        .language("en".to_string())
        .document_id(report.id.clone());
    if let Some(organization) = &report.organization {
        metadata = metadata.authors(vec![organization.clone()]);
    }
    if let Some(date) = date_time(&report.generated_at) {
        metadata = metadata.creation_date(date);
    }
    metadata
}

/// `2026-11-27T09:15:03Z` as a PDF date.
fn date_time(text: &str) -> Option<DateTime> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u16>().ok();
    let narrow = |n: u16| u8::try_from(n).ok();
    Some(
        DateTime::new(number(0..4)?)
            .month(narrow(number(5..7)?)?)
            .day(narrow(number(8..10)?)?)
            .hour(narrow(number(11..13)?)?)
            .minute(narrow(number(14..16)?)?)
            .second(narrow(number(17..19)?)?)
            .utc_offset_hour(0)
            .utc_offset_minute(0),
    )
}
