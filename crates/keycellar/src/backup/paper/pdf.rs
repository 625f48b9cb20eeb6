//! PDF layout with printpdf: flowing monospace text pages and a grid of vector QR codes
//! (`grid`), on A4 or US Letter, with the built-in Courier font (nothing embedded, no
//! raster images).

mod grid;

use super::qr::{QUIET_ZONE, Symbol};
use grid::grid;
pub use grid::{Area, CAPTION_CHAR_PT, Slot, slots};
use printpdf::{
    BuiltinFont, Color, CurTransMat, DictItem, Greyscale, Mm, Op, PdfDocument, PdfFontHandle,
    PdfPage, PdfSaveOptions, Point, Pt, TextItem,
};

/// Paper size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    A4,
    Letter,
}

impl Paper {
    /// Every size.
    pub const ALL: [Paper; 2] = [Paper::A4, Paper::Letter];

    /// The name used on the command line.
    pub fn id(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

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

/// Size of one QR module on paper. At 0.7 mm, zbar reads every code of a 50-entry sheet
/// from 150 dpi renders, and twelve codes of version 16 fit an A4 page (nine a Letter page).
pub const MODULE_MM: f32 = 0.7;
const MARGIN_MM: f32 = 10.0;
const BODY_PT: f32 = 9.0;
const LINE_PT: f32 = 11.0;
const CAPTION_PT: f32 = 7.0;
/// Height a code's caption takes below it.
const CAPTION_SPACE_PT: f32 = CAPTION_PT * 1.6;

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
    let margin = Mm(MARGIN_MM).into_pt().0;
    let mut pages = vec![Vec::new()];
    for ((style, text), (page, y)) in lines.iter().zip(places(lines, paper, top_reserved)) {
        if page == pages.len() {
            pages.push(Vec::new());
        }
        text_op(&mut pages[page], margin, y, style.size(), text);
    }
    pages
}

/// Where each line of flowing text goes: its page (from 0) and baseline.
fn places(lines: &[(Style, String)], paper: Paper, top_reserved: f32) -> Vec<(usize, f32)> {
    let (_, height) = paper.size_mm();
    let margin = Mm(MARGIN_MM).into_pt().0;
    let top = Mm(height).into_pt().0 - margin - top_reserved;
    let (mut page, mut y) = (0, top);
    let mut out = Vec::with_capacity(lines.len());
    for (style, _) in lines {
        let advance = LINE_PT.max(style.size() * 1.25);
        if y - advance < margin {
            (page, y) = (page + 1, top);
        }
        y -= advance;
        out.push((page, y));
    }
    out
}

/// The dark modules of `symbol` as rectangles `(x0, x1, row0, row1)`, end-exclusive: each
/// horizontal run of dark modules, merged with the identical runs in the rows below it.
fn dark_rectangles(symbol: &Symbol) -> Vec<(usize, usize, usize, usize)> {
    let width = symbol.width;
    let runs_of = |row: usize| {
        let dark = &symbol.dark[row * width..(row + 1) * width];
        let mut runs = Vec::new();
        let mut col = 0;
        while col < width {
            if dark[col] {
                let start = col;
                while col < width && dark[col] {
                    col += 1;
                }
                runs.push((start, col));
            } else {
                col += 1;
            }
        }
        runs
    };
    let mut rectangles = Vec::new();
    // Rectangles still growing downwards: (x0, x1, first row).
    let mut open: Vec<(usize, usize, usize)> = Vec::new();
    for row in 0..=width {
        let runs = if row < width {
            runs_of(row)
        } else {
            Vec::new()
        };
        let mut still_open = Vec::with_capacity(runs.len());
        for (x0, x1) in runs {
            match open.iter().position(|&(a, b, _)| (a, b) == (x0, x1)) {
                Some(i) => still_open.push(open.swap_remove(i)),
                None => still_open.push((x0, x1, row)),
            }
        }
        rectangles.extend(open.drain(..).map(|(x0, x1, first)| (x0, x1, first, row)));
        open = still_open;
    }
    rectangles
}

/// One filled path per code: a `re` subpath per rectangle of dark modules, in module units
/// under a scaling matrix, then a single fill. Each rectangle costs four small integers.
/// printpdf has no operator for a rectangle that joins a larger path, so `re` and `f` go
/// in as raw operators (hence `secure: false` when saving; every operator is our own).
fn qr_ops(symbol: &Symbol, left: f32, top: f32) -> Vec<Op> {
    let module = Mm(MODULE_MM).into_pt().0;
    let quiet = QUIET_ZONE as f32 * module;
    let bottom = top - quiet - symbol.width as f32 * module;
    let raw = |operator: &str, operands: Vec<DictItem>| Op::Unknown {
        key: operator.to_string(),
        value: operands,
    };
    let mut ops = vec![
        Op::SaveGraphicsState,
        Op::SetTransformationMatrix {
            matrix: CurTransMat::Raw([module, 0.0, 0.0, module, left + quiet, bottom]),
        },
    ];
    // Rows count down from the top; the PDF's y axis counts up from the bottom.
    for (x0, x1, row0, row1) in dark_rectangles(symbol) {
        let number = |n: usize| DictItem::Int(n as i64);
        ops.push(raw(
            "re",
            vec![
                number(x0),
                number(symbol.width - row1),
                number(x1 - x0),
                number(row1 - row0),
            ],
        ));
    }
    ops.push(raw("f", Vec::new()));
    ops.push(Op::RestoreGraphicsState);
    ops
}

/// Space the running header takes at the top of every page.
const HEADER_SPACE: f32 = LINE_PT * 2.0;

/// How many codes no wider than `largest` modules a page of [`document`] holds.
pub fn codes_per_page(largest: usize, paper: Paper) -> usize {
    grid::per_page(largest, paper, HEADER_SPACE)
}

/// How many pages `lines` of flowing text take in a [`document`].
pub fn text_pages(lines: &[(Style, String)], paper: Paper) -> usize {
    flow(lines, paper, HEADER_SPACE).len()
}

/// How many body lines a page of flowing text holds in a [`document`].
pub fn body_lines_per_page(paper: Paper) -> usize {
    let lines = vec![(Style::Body, String::new()); 1000];
    let places = places(&lines, paper, HEADER_SPACE);
    places.iter().filter(|(page, _)| *page == 0).count()
}

/// The page (from 0) each of `lines` of flowing text goes on in a [`document`].
pub fn text_page_of_each(lines: &[(Style, String)], paper: Paper) -> Vec<usize> {
    let places = places(lines, paper, HEADER_SPACE);
    places.into_iter().map(|(page, _)| page).collect()
}

/// The whole document: cover text, code pages, each parity page's codes on pages of their
/// own, then the typed sections (the typed copy, each parity page's typed lines), each
/// from a page of its own; every page gets a running header naming the sheet and the page
/// number.
pub fn document(
    title: &str,
    running_header: &str,
    paper: Paper,
    cover: &[(Style, String)],
    codes: &[Placed<'_>],
    parity: &[Vec<Placed<'_>>],
    typed: &[Vec<(Style, String)>],
) -> (Vec<u8>, usize) {
    let header_space = HEADER_SPACE;
    let mut bodies = flow(cover, paper, header_space);
    bodies.extend(grid(codes, paper, header_space));
    for page in parity {
        bodies.extend(grid(page, paper, header_space));
    }
    for section in typed.iter().filter(|s| !s.is_empty()) {
        bodies.extend(flow(section, paper, header_space));
    }
    assemble(title, running_header, paper, bodies)
}

/// One page: `lines` of text, then `codes` below them (a key share's page). Text and codes
/// that do not fit one page go on to further pages, as in [`document`].
pub fn single_page(
    title: &str,
    running_header: &str,
    paper: Paper,
    lines: &[(Style, String)],
    codes: &[Placed<'_>],
) -> (Vec<u8>, usize) {
    let header_space = LINE_PT * 2.0;
    let mut bodies = flow(lines, paper, header_space);
    let text_height: f32 = lines
        .iter()
        .map(|(style, _)| LINE_PT.max(style.size() * 1.25))
        .sum::<f32>()
        + LINE_PT;
    let below = grid(codes, paper, header_space + text_height);
    let fits = bodies.len() == 1 && below.len() == 1 && codes.len() == 1;
    match (fits, bodies.last_mut()) {
        (true, Some(page)) => page.extend(below.into_iter().flatten()),
        _ => bodies.extend(grid(codes, paper, header_space)),
    }
    assemble(title, running_header, paper, bodies)
}

/// Pages from their bodies: each gets the running header with its number.
fn assemble(
    title: &str,
    running_header: &str,
    paper: Paper,
    bodies: Vec<Vec<Op>>,
) -> (Vec<u8>, usize) {
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
    let bytes = doc.with_pages(pages).save(
        &PdfSaveOptions {
            secure: false,
            ..PdfSaveOptions::default()
        },
        &mut warnings,
    );
    (bytes, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectangles_cover_exactly_the_dark_modules_once() {
        let symbol = super::super::qr::encode(&"KC1 sample payload ".repeat(20)).unwrap();
        let width = symbol.width;
        let mut painted = vec![0u8; width * width];
        let rectangles = dark_rectangles(&symbol);
        for &(x0, x1, row0, row1) in &rectangles {
            assert!(x0 < x1 && x1 <= width && row0 < row1 && row1 <= width);
            for row in row0..row1 {
                for col in x0..x1 {
                    painted[row * width + col] += 1;
                }
            }
        }
        let expected: Vec<u8> = symbol.dark.iter().map(|&d| u8::from(d)).collect();
        assert_eq!(painted, expected);
        let dark = expected.iter().filter(|&&d| d == 1).count();
        assert!(
            rectangles.len() * 2 < dark,
            "runs are merged, not one per module"
        );
    }
}
