//! Text layout checks: a [`TextRecorder`] backend that draws through the
//! real backend and notes where every text lands, and [`text_problems`],
//! which finds texts that overlap or leave the image.
//!
//! Every text of a chart (titles, tick labels, axis titles, legends,
//! annotations) reaches the backend through `draw_text`, so the recorder
//! sees them all. A text's box is the one plotters lays it out in (the
//! font's size estimate, advance width × size/1.24, placed by the style's
//! anchor) grown to take in the glyphs' ink, and turned by the style's
//! transform, so a rotated axis title has a tall, narrow box.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};

/// Overlaps and overhangs up to this many px are tolerated (anti-aliasing
/// and rounding in the size estimate).
pub const TEXT_TOLERANCE_PX: i32 = 1;

/// Where one text was drawn, in image pixels; `right` and `bottom` are
/// exclusive.
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    /// The text as drawn.
    pub text: String,
    /// Font size, px.
    pub size_px: f64,
    /// Turned by 90° or 270° (a vertical axis title).
    pub rotated: bool,
    /// Left edge, px.
    pub left: i32,
    /// Top edge, px.
    pub top: i32,
    /// Right edge (exclusive), px.
    pub right: i32,
    /// Bottom edge (exclusive), px.
    pub bottom: i32,
}

impl TextBox {
    /// Width and height of the overlap with `other`, px (zero or negative
    /// when they do not meet).
    pub fn overlap_px(&self, other: &TextBox) -> (i32, i32) {
        (
            self.right.min(other.right) - self.left.max(other.left),
            self.bottom.min(other.bottom) - self.top.max(other.top),
        )
    }

    /// Whether the box lies within a `width` × `height` image, give or take
    /// [`TEXT_TOLERANCE_PX`].
    pub fn inside(&self, (width, height): (u32, u32)) -> bool {
        let t = TEXT_TOLERANCE_PX;
        self.left >= -t
            && self.top >= -t
            && self.right <= width as i32 + t
            && self.bottom <= height as i32 + t
    }
}

impl fmt::Display for TextBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` at x {}..{}, y {}..{}",
            self.text, self.left, self.right, self.top, self.bottom
        )
    }
}

/// A text that cannot be read as drawn.
#[derive(Clone, Debug, PartialEq)]
pub enum TextProblem {
    /// Two texts overlap by more than [`TEXT_TOLERANCE_PX`] both ways.
    Overlap {
        /// The one drawn first.
        first: TextBox,
        /// The one drawn later, on top.
        second: TextBox,
    },
    /// A text reaches past the image's edge.
    Outside {
        /// The text.
        text: TextBox,
        /// Image width and height, px.
        image: (u32, u32),
    },
}

impl fmt::Display for TextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextProblem::Overlap { first, second } => {
                let (w, h) = first.overlap_px(second);
                write!(f, "{first} overlaps {second} by {w}×{h} px")
            }
            TextProblem::Outside { text, image } => {
                write!(f, "{text} leaves the {}×{} image", image.0, image.1)
            }
        }
    }
}

/// Every overlap between two texts and every text outside a `width` ×
/// `height` image, in drawing order.
pub fn text_problems(texts: &[TextBox], image: (u32, u32)) -> Vec<TextProblem> {
    let mut out = Vec::new();
    for (i, a) in texts.iter().enumerate() {
        if !a.inside(image) {
            out.push(TextProblem::Outside {
                text: a.clone(),
                image,
            });
        }
        for b in &texts[i + 1..] {
            let (w, h) = a.overlap_px(b);
            if w > TEXT_TOLERANCE_PX && h > TEXT_TOLERANCE_PX {
                out.push(TextProblem::Overlap {
                    first: a.clone(),
                    second: b.clone(),
                });
            }
        }
    }
    out
}

/// The texts a [`TextRecorder`] saw, shared with the caller (the recorder
/// itself is moved into a drawing area).
#[derive(Clone, Debug, Default)]
pub struct TextLog(Rc<RefCell<Vec<TextBox>>>);

impl TextLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// The texts recorded so far, in drawing order; the log is left empty.
    pub fn take(&self) -> Vec<TextBox> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
}

/// A drawing backend that passes every call to `inner` unchanged and notes
/// the box of every text drawn in a [`TextLog`]. Drawing through it gives
/// the same pixels as drawing on `inner` directly.
pub struct TextRecorder<DB> {
    inner: DB,
    log: TextLog,
}

impl<DB: DrawingBackend> TextRecorder<DB> {
    /// Record the texts drawn on `inner` into `log`.
    pub fn new(inner: DB, log: &TextLog) -> Self {
        TextRecorder {
            inner,
            log: log.clone(),
        }
    }
}

/// The box `text` occupies when drawn in `style` anchored at `pos`: the
/// box plotters lays it out in (as its default `draw_text` places it),
/// grown to take in any glyph ink outside it (the ab_glyph renderer draws
/// ascenders up to ~0.2 × size above the layout box). `None` for text that
/// draws nothing.
fn text_box<S: BackendTextStyle>(text: &str, style: &S, pos: BackendCoord) -> Option<TextBox> {
    if style.color().alpha == 0.0 || text.trim().is_empty() {
        return None;
    }
    let ((min_x, min_y), (max_x, max_y)) = style.layout_box(text).ok()?;
    let (width, height) = (max_x - min_x, max_y - min_y);
    let anchor = style.anchor();
    let dx = match anchor.h_pos {
        HPos::Left => 0,
        HPos::Right => -width,
        HPos::Center => -width / 2,
    };
    let dy = match anchor.v_pos {
        VPos::Top => 0,
        VPos::Center => -height / 2,
        VPos::Bottom => -height,
    };
    // Unturned, relative to the anchor: the layout box, then the ink.
    let (mut x0, mut y0, mut x1, mut y1) = (dx, dy, dx + width, dy + height);
    let inked = style.draw(text, (0, 0), |x, y, colour| {
        if colour.alpha > 0.05 {
            let (x, y) = (x + dx - min_x, y + dy - min_y);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x + 1);
            y1 = y1.max(y + 1);
        }
        Ok::<(), std::convert::Infallible>(())
    });
    inked.ok()?.ok()?;
    let transform = style.transform();
    // Turn the corner pixels (inclusive), then make the far edges exclusive.
    let (x1, y1) = (x1 - 1, y1 - 1);
    let corners = [(x0, y0), (x1, y0), (x0, y1), (x1, y1)].map(|(x, y)| transform.transform(x, y));
    let xs = corners.map(|c| c.0);
    let ys = corners.map(|c| c.1);
    let min = |v: [i32; 4]| v.into_iter().min().unwrap_or(0);
    let max = |v: [i32; 4]| v.into_iter().max().unwrap_or(0) + 1;
    Some(TextBox {
        text: text.to_string(),
        size_px: style.size(),
        rotated: matches!(
            transform,
            FontTransform::Rotate90 | FontTransform::Rotate270
        ),
        left: pos.0 + min(xs),
        top: pos.1 + min(ys),
        right: pos.0 + max(xs),
        bottom: pos.1 + max(ys),
    })
}

impl<DB: DrawingBackend> DrawingBackend for TextRecorder<DB> {
    type ErrorType = DB::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        if let Some(b) = text_box(text, style, pos) {
            self.log.0.borrow_mut().push(b);
        }
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(text: &str, left: i32, top: i32, right: i32, bottom: i32) -> TextBox {
        TextBox {
            text: text.to_string(),
            size_px: 12.0,
            rotated: false,
            left,
            top,
            right,
            bottom,
        }
    }

    #[test]
    fn touching_boxes_pass_and_overlapping_ones_fail() {
        let image = (100, 100);
        let a = b("a", 10, 10, 30, 20);
        // Shares a 1-px column: tolerated.
        let touching = b("b", 29, 10, 50, 20);
        assert!(text_problems(&[a.clone(), touching], image).is_empty());
        let over = b("c", 27, 12, 50, 22);
        let p = text_problems(&[a.clone(), over.clone()], image);
        assert_eq!(
            p,
            [TextProblem::Overlap {
                first: a.clone(),
                second: over
            }]
        );
        assert_eq!(a.overlap_px(&b("d", 27, 12, 50, 22)), (3, 8));
        let out = b("e", 90, 95, 110, 105);
        assert_eq!(text_problems(std::slice::from_ref(&out), image).len(), 1);
        assert!(!out.inside(image));
        assert!(b("f", -1, 0, 101, 100).inside(image));
    }
}

/// A box in image pixels for label placement; `right` and `bottom` are
/// exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rect {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

impl Rect {
    /// `w` × `h` with its top-left corner at (`x`, `y`).
    pub fn at(x: i32, y: i32, w: i32, h: i32) -> Rect {
        Rect {
            left: x,
            top: y,
            right: x + w,
            bottom: y + h,
        }
    }

    /// A square of side 2 × `r` centred on `(x, y)` (a marker).
    pub fn around((x, y): (i32, i32), r: i32) -> Rect {
        Rect {
            left: x - r,
            top: y - r,
            right: x + r + 1,
            bottom: y + r + 1,
        }
    }

    fn meets(&self, o: &Rect) -> bool {
        self.left < o.right && o.left < self.right && self.top < o.bottom && o.top < self.bottom
    }

    fn within(&self, o: &Rect) -> bool {
        self.left >= o.left && self.top >= o.top && self.right <= o.right && self.bottom <= o.bottom
    }
}

/// Places labels one by one where they meet nothing placed or reserved
/// before, inside a bounding box.
pub(crate) struct Placer {
    bounds: Rect,
    taken: Vec<Rect>,
}

impl Placer {
    /// Labels must stay inside `bounds`.
    pub fn new(bounds: Rect) -> Self {
        Placer {
            bounds,
            taken: Vec::new(),
        }
    }

    /// Keep labels off `r` (a marker, a legend, a label drawn elsewhere).
    pub fn reserve(&mut self, r: Rect) {
        self.taken.push(r);
    }

    /// The first of `candidates` inside the bounds that meets nothing
    /// taken (with a 2-px gap); it is taken from then on. `None`: no room.
    pub fn place(&mut self, candidates: &[Rect]) -> Option<Rect> {
        let found = candidates.iter().copied().find(|c| {
            let padded = Rect {
                left: c.left - 2,
                top: c.top - 2,
                right: c.right + 2,
                bottom: c.bottom + 2,
            };
            c.within(&self.bounds) && !self.taken.iter().any(|t| t.meets(&padded))
        })?;
        self.taken.push(found);
        Some(found)
    }
}

/// Width and height of the box a label takes when drawn at `size_px`, and
/// how far below the box's top to anchor it (`VPos::Top`): the renderer
/// draws glyphs up to ~0.22 × size above the anchor.
pub(crate) fn label_extent(text: &str, size_px: f64) -> (i32, i32, i32) {
    let drop = (0.25 * size_px).ceil() as i32;
    let width = super::font::text_width_px(text, size_px).ceil() as i32;
    let height = drop + (size_px / 1.24).ceil() as i32;
    (width, height, drop)
}
