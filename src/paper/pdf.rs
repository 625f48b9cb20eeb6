//! PDF layout with printpdf: flowing monospace text pages and a grid of vector QR codes, on
//! A4 or US Letter, with the built-in Courier font (nothing embedded, no raster images).

use super::qr::{QUIET_ZONE, Symbol};
use printpdf::{
    BuiltinFont, Color, Greyscale, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, TextItem, WindingOrder,
};

/// Paper size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (210.0, 297.0),
            Paper::Letter => (215.9, 279.4),
        }
    }

    /// Monospace characters that fit on a body line.
    pub fn line_chars(self) -> usize {
        let (width, _) = self.size_mm();
        ((Mm(width - 2.0 * MARGIN_MM).into_pt().0) / (BODY_PT * 0.6)) as usize
    }
}

/// Size of one QR module on paper; at least 0.8 mm keeps codes readable by phones.
pub const MODULE_MM: f32 = 0.85;
const MARGIN_MM: f32 = 14.0;
const BODY_PT: f32 = 9.0;
const LINE_PT: f32 = 11.0;
const CAPTION_PT: f32 = 8.0;

/// How a line of text is set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Title,
    Heading,
    Body,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 15.0,
            Style::Heading => 11.0,
            Style::Body => BODY_PT,
        }
    }
}

/// A QR code to place, with its caption.
pub struct Placed<'a> {
    pub caption: String,
    pub symbol: &'a Symbol,
}

fn text_op(ops: &mut Vec<Op>, x: f32, y: f32, size: f32, text: &str) {
    ops.extend([
        Op::StartTextSection,
        Op::SetTextCursor {
            pos: Point { x: Pt(x), y: Pt(y) },
        },
        Op::SetFont {
            font: PdfFontHandle::Builtin(BuiltinFont::Courier),
            size: Pt(size),
        },
        Op::ShowText {
            items: vec![TextItem::Text(text.to_string())],
        },
        Op::EndTextSection,
    ]);
}

/// Lays out flowing text: returns the ops of each page.
fn flow(lines: &[(Style, String)], paper: Paper, top_reserved: f32) -> Vec<Vec<Op>> {
    let (_, height) = paper.size_mm();
    let margin = Mm(MARGIN_MM).into_pt().0;
    let top = Mm(height).into_pt().0 - margin - top_reserved;
    let mut pages = vec![Vec::new()];
    let mut y = top;
    for (style, text) in lines {
        let advance = LINE_PT.max(style.size() * 1.25);
        if y - advance < margin {
            pages.push(Vec::new());
            y = top;
        }
        y -= advance;
        if let Some(page) = pages.last_mut() {
            text_op(page, margin, y, style.size(), text);
        }
    }
    pages
}

/// One filled path per code: a rectangle for every horizontal run of dark modules.
fn qr_op(symbol: &Symbol, left: f32, top: f32) -> Op {
    let module = Mm(MODULE_MM).into_pt().0;
    let quiet = QUIET_ZONE as f32 * module;
    let point = |x: f32, y: f32| LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    };
    let mut rings = Vec::new();
    for row in 0..symbol.width {
        let y_top = top - quiet - row as f32 * module;
        let y_bottom = y_top - module;
        let mut col = 0;
        while col < symbol.width {
            if !symbol.dark[row * symbol.width + col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < symbol.width && symbol.dark[row * symbol.width + col] {
                col += 1;
            }
            let x0 = left + quiet + start as f32 * module;
            let x1 = left + quiet + col as f32 * module;
            rings.push(PolygonRing {
                points: vec![
                    point(x0, y_bottom),
                    point(x1, y_bottom),
                    point(x1, y_top),
                    point(x0, y_top),
                ],
            });
        }
    }
    Op::DrawPolygon {
        polygon: Polygon {
            rings,
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        },
    }
}

/// Places codes in a grid, as many per page as fit; returns the ops of each page.
fn grid(codes: &[Placed<'_>], paper: Paper, top_reserved: f32) -> Vec<Vec<Op>> {
    let (width, height) = paper.size_mm();
    let margin = Mm(MARGIN_MM).into_pt().0;
    let module = Mm(MODULE_MM).into_pt().0;
    let largest = codes.iter().map(|c| c.symbol.width).max().unwrap_or(21);
    let cell = (largest + 2 * QUIET_ZONE) as f32 * module;
    let cell_height = cell + CAPTION_PT * 2.0;
    let usable_w = Mm(width).into_pt().0 - 2.0 * margin;
    let usable_h = Mm(height).into_pt().0 - 2.0 * margin - top_reserved;
    let columns = ((usable_w / cell) as usize).max(1);
    let rows = ((usable_h / cell_height) as usize).max(1);
    let gap_x = (usable_w - columns as f32 * cell) / columns as f32;
    let top = Mm(height).into_pt().0 - margin - top_reserved;
    codes
        .chunks(columns * rows)
        .map(|on_page| {
            let mut ops = Vec::new();
            for (i, code) in on_page.iter().enumerate() {
                let (row, col) = (i / columns, i % columns);
                let left = margin + gap_x / 2.0 + col as f32 * (cell + gap_x);
                let cell_top = top - row as f32 * cell_height;
                let own = (code.symbol.width + 2 * QUIET_ZONE) as f32 * module;
                let offset = (cell - own) / 2.0;
                ops.push(qr_op(code.symbol, left + offset, cell_top - offset));
                let caption_y = cell_top - cell - CAPTION_PT;
                text_op(
                    &mut ops,
                    left + QUIET_ZONE as f32 * module,
                    caption_y,
                    CAPTION_PT,
                    &code.caption,
                );
            }
            ops
        })
        .collect()
}

/// The whole document: cover text, code pages, typed-fallback pages; every page gets a
/// running header naming the sheet and the page number.
pub fn document(
    title: &str,
    running_header: &str,
    paper: Paper,
    cover: &[(Style, String)],
    codes: &[Placed<'_>],
    fallback: &[(Style, String)],
) -> (Vec<u8>, usize) {
    let header_space = LINE_PT * 2.0;
    let mut bodies = flow(cover, paper, header_space);
    bodies.extend(grid(codes, paper, header_space));
    bodies.extend(flow(fallback, paper, header_space));
    let count = bodies.len();
    let (width, height) = paper.size_mm();
    let margin = Mm(MARGIN_MM).into_pt().0;
    let black = Op::SetFillColor {
        col: Color::Greyscale(Greyscale {
            percent: 0.0,
            icc_profile: None,
        }),
    };
    let pages = bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let mut ops = vec![Op::SaveGraphicsState, black.clone()];
            let header = format!("{running_header} - page {} of {count}", i + 1);
            text_op(
                &mut ops,
                margin,
                Mm(height).into_pt().0 - margin - CAPTION_PT,
                CAPTION_PT,
                &header,
            );
            ops.extend(body);
            ops.push(Op::RestoreGraphicsState);
            PdfPage::new(Mm(width), Mm(height), ops)
        })
        .collect();
    let mut doc = PdfDocument::new(title);
    let mut warnings = Vec::new();
    let bytes = doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut warnings);
    (bytes, count)
}
