//! The report's three typefaces, embedded in the binary, and the glyphs and
//! advances the layout measures and draws text with.
//!
//! DejaVu Sans, Sans Bold and Sans Mono (Bitstream Vera licence,
//! `assets/fonts/LICENSE-DejaVu.txt`): wide Unicode coverage, so code
//! excerpts with accents, arrows or box drawing print as written. krilla
//! embeds only the glyphs a report uses.
//!
//! Text is set one glyph per character at the font's advance, without
//! OpenType shaping: what the layout measures is exactly what is drawn, and
//! a 300-page report does not pay for a shaping plan per line (it was most
//! of the rendering time). The cost: no kerning, and scripts that need
//! shaping (Arabic, Devanagari) print unjoined; the report's own text is
//! English, and code excerpts are monospaced anyway.

use krilla::text::{GlyphId, KrillaGlyph};
use rustc_hash::FxHashMap;
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, MetadataProvider};

const SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf");

/// Which of the embedded typefaces a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Face {
    Sans,
    Bold,
    Mono,
}

impl Face {
    pub const ALL: [Face; 3] = [Face::Sans, Face::Bold, Face::Mono];

    pub fn data(self) -> &'static [u8] {
        match self {
            Face::Sans => SANS,
            Face::Bold => SANS_BOLD,
            Face::Mono => MONO,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Glyphs and advance widths of the three faces, in em: ASCII in a table,
/// the rest looked up once and cached.
pub struct Metrics {
    faces: [FaceMetrics; 3],
}

#[derive(Debug, Clone, Copy, Default)]
struct GlyphInfo {
    id: u32,
    /// In em.
    advance: f32,
}

struct FaceMetrics {
    font: FontRef<'static>,
    units_per_em: f32,
    ascii: [GlyphInfo; 128],
    other: std::cell::RefCell<FxHashMap<char, GlyphInfo>>,
}

impl FaceMetrics {
    fn new(data: &'static [u8]) -> Result<FaceMetrics, skrifa::raw::ReadError> {
        let font = FontRef::new(data)?;
        let units_per_em = f32::from(font.head()?.units_per_em());
        let mut metrics =
            FaceMetrics { font, units_per_em, ascii: [GlyphInfo::default(); 128], other: Default::default() };
        for byte in 0..128u8 {
            metrics.ascii[usize::from(byte)] = metrics.lookup(char::from(byte));
        }
        Ok(metrics)
    }

    fn lookup(&self, c: char) -> GlyphInfo {
        // A character the font lacks is drawn as its .notdef box (glyph 0).
        let id = self.font.charmap().map(c).unwrap_or_default();
        let advance =
            self.font.glyph_metrics(Size::unscaled(), LocationRef::default()).advance_width(id).unwrap_or(0.0);
        GlyphInfo { id: id.to_u32(), advance: advance / self.units_per_em }
    }

    fn glyph(&self, c: char) -> GlyphInfo {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        *self.other.borrow_mut().entry(c).or_insert_with(|| self.lookup(c))
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        // The fonts are part of the binary: failing to parse them is a
        // build defect, caught by every test that renders a PDF.
        let load = |face: Face| FaceMetrics::new(face.data()).expect("embedded font parses");
        Metrics { faces: [load(Face::Sans), load(Face::Bold), load(Face::Mono)] }
    }

    /// The width of `text` set in `face` at `size` points.
    pub fn width(&self, text: &str, face: Face, size: f32) -> f32 {
        let metrics = &self.faces[face.index()];
        text.chars().map(|c| metrics.glyph(c).advance).sum::<f32>() * size
    }

    /// The width of one character.
    pub fn char_width(&self, c: char, face: Face, size: f32) -> f32 {
        self.faces[face.index()].glyph(c).advance * size
    }

    /// The glyphs that draw `text` in `face`, one per character.
    pub fn glyphs(&self, text: &str, face: Face) -> Vec<KrillaGlyph> {
        let metrics = &self.faces[face.index()];
        text.char_indices()
            .map(|(i, c)| {
                let glyph = metrics.glyph(c);
                KrillaGlyph {
                    glyph_id: GlyphId::new(glyph.id),
                    text_range: i..i + c.len_utf8(),
                    x_advance: glyph.advance,
                    x_offset: 0.0,
                    y_offset: 0.0,
                    y_advance: 0.0,
                    location: None,
                }
            })
            .collect()
    }
}
