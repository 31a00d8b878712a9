//! The embedded chart font: WenQuanYi Micro Hei (Latin + CJK), registered
//! with plotters' ab_glyph text renderer under [`FONT_FAMILY`].
//!
//! Licence: Apache-2.0 or GPL-3+ with the font exception; see
//! `assets/fonts/README.md`.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef};
use plotters::style::FontStyle;

/// The font file, a TrueType collection; face 0 is WenQuanYi Micro Hei.
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/wqy-microhei.ttc");

/// Family name every chart text uses.
pub const FONT_FAMILY: &str = "sans-serif";

/// Drawn in place of a character the font lacks.
pub const MISSING_GLYPH: char = '?';

static REGISTERED: OnceLock<bool> = OnceLock::new();
static FACE: OnceLock<Option<FontRef<'static>>> = OnceLock::new();

/// Register the embedded font with plotters (once per process). `false` when
/// the font could not be parsed.
pub(crate) fn ensure_registered() -> bool {
    *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT_FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    })
}

fn face() -> Option<&'static FontRef<'static>> {
    FACE.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
}

/// Whether the chart font has a glyph for `c` (whitespace always counts).
pub fn has_glyph(c: char) -> bool {
    c.is_whitespace() || face().is_some_and(|f| f.glyph_id(c).0 != 0)
}

/// `text` with every character the chart font lacks replaced by
/// [`MISSING_GLYPH`], so a label never renders as empty boxes or nothing.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                ' '
            } else if has_glyph(c) {
                c
            } else {
                MISSING_GLYPH
            }
        })
        .collect()
}

/// Width of `text` drawn at `size_px`, px, as plotters lays it out (sum of
/// advances and kerning, see `estimate_layout` of its ab_glyph renderer).
pub(crate) fn text_width_px(text: &str, size_px: f64) -> f64 {
    use ab_glyph::ScaleFont;
    let Some(face) = face() else {
        return 0.0;
    };
    let font = face.as_scaled(size_px as f32);
    let mut width = 0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        width += font.h_advance(id);
        if let Some(p) = prev {
            width += font.kern(p, id);
        }
        prev = Some(id);
    }
    f64::from(width)
}

/// `text` at `size_px` made to fit `max_px`: the font shrunk down to
/// `min_size_px` if needed, then the text cut short with `…`. Returns the
/// text and the size to draw it at.
pub(crate) fn fit_text(text: &str, size_px: f64, min_size_px: f64, max_px: f64) -> (String, f64) {
    let width = text_width_px(text, size_px);
    if width <= max_px {
        return (text.to_string(), size_px);
    }
    // Whole-pixel sizes only, so the same text always fits the same way.
    let fitted = (size_px * max_px / width).floor();
    if fitted >= min_size_px {
        return (text.to_string(), fitted);
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if text_width_px(&cut, min_size_px) <= max_px {
            return (cut, min_size_px);
        }
    }
    ("…".to_string(), min_size_px)
}
