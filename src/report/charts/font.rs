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
