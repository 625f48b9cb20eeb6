//! The grid of QR codes: where each code and its caption go on a page. A caption is cut
//! to the room it has, up to the next code on its row or the page's margin, so that no
//! caption runs into another or off the page; the tests check the geometry of every slot.

use super::{CAPTION_PT, CAPTION_SPACE_PT, MARGIN_MM, MODULE_MM, Paper, Placed, qr_ops, text_op};
use crate::backup::paper::qr::QUIET_ZONE;
use printpdf::{Mm, Op};

/// Width of one character of a caption (Courier's characters are 0.6 em wide).
pub const CAPTION_CHAR_PT: f32 = CAPTION_PT * 0.6;

/// A rectangle on a page, in points from its bottom left corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub left: f32,
    pub bottom: f32,
    pub right: f32,
    pub top: f32,
}

/// Where one code goes: its cell, its code (quiet zone included), its caption as set
/// (cut to fit) with the caption's baseline origin, and the right edge the caption must
/// stay left of.
#[derive(Debug)]
pub struct Slot {
    pub cell: Area,
    pub code: Area,
    pub caption: String,
    pub caption_x: f32,
    pub caption_y: f32,
    pub caption_limit: f32,
}

fn mm(value: f32) -> f32 {
    Mm(value).into_pt().0
}

/// Columns and rows of a page of codes no wider than `largest` modules (quiet zone aside).
fn grid_shape(largest: usize, paper: Paper, top_reserved: f32) -> (usize, usize) {
    let (width, height) = paper.size_mm();
    let cell = (largest + 2 * QUIET_ZONE) as f32 * mm(MODULE_MM);
    let usable_w = mm(width) - 2.0 * mm(MARGIN_MM);
    let usable_h = mm(height) - 2.0 * mm(MARGIN_MM) - top_reserved;
    let columns = ((usable_w / cell) as usize).max(1);
    let rows = ((usable_h / (cell + CAPTION_SPACE_PT)) as usize).max(1);
    (columns, rows)
}

/// How many codes no wider than `largest` modules a page holds.
pub fn per_page(largest: usize, paper: Paper, top_reserved: f32) -> usize {
    let (columns, rows) = grid_shape(largest, paper, top_reserved);
    columns * rows
}

/// The slots of `codes`, page by page: as many codes per page as fit, in rows of equal
/// cells sized for the largest code.
pub fn slots(codes: &[Placed<'_>], paper: Paper, top_reserved: f32) -> Vec<Vec<Slot>> {
    let (width, height) = paper.size_mm();
    let (margin, module) = (mm(MARGIN_MM), mm(MODULE_MM));
    let largest = codes.iter().map(|c| c.symbol.width).max().unwrap_or(21);
    let cell = (largest + 2 * QUIET_ZONE) as f32 * module;
    let cell_height = cell + CAPTION_SPACE_PT;
    let usable_w = mm(width) - 2.0 * margin;
    let (columns, rows) = grid_shape(largest, paper, top_reserved);
    let gap_x = (usable_w - columns as f32 * cell) / columns as f32;
    let top = mm(height) - margin - top_reserved;
    let page_right = mm(width) - margin;
    codes
        .chunks(columns * rows)
        .map(|on_page| {
            let lefts: Vec<f32> = (0..on_page.len())
                .map(|i| margin + gap_x / 2.0 + (i % columns) as f32 * (cell + gap_x))
                .collect();
            on_page
                .iter()
                .enumerate()
                .map(|(i, code)| {
                    let (row, left) = (i / columns, lefts[i]);
                    let cell_top = top - row as f32 * cell_height;
                    let own = (code.symbol.width + 2 * QUIET_ZONE) as f32 * module;
                    let offset = (cell - own) / 2.0;
                    // The caption may run on over empty cells, never into a neighbour's.
                    let next_on_row =
                        (i + 1 < on_page.len() && (i + 1) % columns != 0).then(|| lefts[i + 1]);
                    let caption_limit = next_on_row.unwrap_or(page_right);
                    let caption_x = left + QUIET_ZONE as f32 * module;
                    let room = ((caption_limit - caption_x) / CAPTION_CHAR_PT) as usize;
                    Slot {
                        cell: Area {
                            left,
                            bottom: cell_top - cell_height,
                            right: left + cell,
                            top: cell_top,
                        },
                        code: Area {
                            left: left + offset,
                            bottom: cell_top - offset - own,
                            right: left + offset + own,
                            top: cell_top - offset,
                        },
                        caption: cut(&code.caption, room.saturating_sub(1)),
                        caption_x,
                        caption_y: cell_top - cell - CAPTION_PT,
                        caption_limit,
                    }
                })
                .collect()
        })
        .collect()
}

/// `text` cut to `chars` characters, ending in `...` when cut.
fn cut(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(chars.saturating_sub(3)).collect();
    format!("{}...", kept.trim_end())
}

/// Places codes in a grid, as many per page as fit; returns the ops of each page.
pub(super) fn grid(codes: &[Placed<'_>], paper: Paper, top_reserved: f32) -> Vec<Vec<Op>> {
    let mut symbols = codes.iter().map(|c| c.symbol);
    slots(codes, paper, top_reserved)
        .into_iter()
        .map(|page| {
            let mut ops = Vec::new();
            for (slot, symbol) in page.iter().zip(symbols.by_ref()) {
                ops.extend(qr_ops(symbol, slot.code.left, slot.code.top));
                let (x, y) = (slot.caption_x, slot.caption_y);
                text_op(&mut ops, x, y, CAPTION_PT, &slot.caption);
            }
            ops
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::paper::qr::Symbol;

    /// What is wrong with a slot's geometry on `paper`, if anything: its cell leaves the
    /// page's margins, its code leaves its cell, or its caption leaves the room between
    /// its cell's left edge, the code above it, the cell's bottom and its limit (the next
    /// code on its row, or the margin).
    fn misplaced(slot: &Slot, paper: Paper) -> Option<String> {
        let (width, height) = paper.size_mm();
        let (margin, near) = (mm(MARGIN_MM), 0.01);
        let (cell, code) = (slot.cell, slot.code);
        let caption_right = slot.caption_x + slot.caption.chars().count() as f32 * CAPTION_CHAR_PT;
        // Courier's glyphs reach 0.8 em above the baseline and 0.25 em below it.
        let (caption_top, caption_bottom) = (
            slot.caption_y + 0.8 * CAPTION_PT,
            slot.caption_y - 0.25 * CAPTION_PT,
        );
        let checks = [
            ("cell left of the margin", cell.left >= margin - near),
            (
                "cell right of the margin",
                cell.right <= mm(width) - margin + near,
            ),
            ("cell below the margin", cell.bottom >= margin - near),
            (
                "cell above the margin",
                cell.top <= mm(height) - margin + near,
            ),
            (
                "code outside its cell",
                code.left >= cell.left - near && code.right <= cell.right + near,
            ),
            (
                "code outside its cell",
                code.bottom >= cell.bottom && code.top <= cell.top + near,
            ),
            ("caption left of its cell", slot.caption_x >= cell.left),
            (
                "caption past its limit",
                caption_right <= slot.caption_limit + near,
            ),
            (
                "caption past the margin",
                caption_right <= mm(width) - margin + near,
            ),
            ("caption into its code", caption_top <= code.bottom + near),
            (
                "caption below its cell",
                caption_bottom >= cell.bottom - near,
            ),
        ];
        checks
            .iter()
            .find(|(_, fits)| !fits)
            .map(|(what, _)| format!("{what}: {slot:?}"))
    }

    fn symbol(version: usize) -> Symbol {
        let width = 17 + 4 * version;
        Symbol {
            width,
            version: version as i16,
            dark: vec![false; width * width],
        }
    }

    /// Every QR version a sheet uses, one to thirty codes, captions short and far too long,
    /// on both papers, below a running header or below a share page's text: every slot
    /// fits, no two cells of a page meet, a caption never reaches the next code on its
    /// row, and a cut caption keeps its item tag and part.
    #[test]
    fn every_code_and_caption_fits_its_cell_and_the_page() {
        let long = format!("E001 1/1  {}", "a-label-of-the-longest-kind-".repeat(3));
        let captions = ["S01 1/1  share 1 of 3".to_string(), long];
        for paper in Paper::ALL {
            // Version 2 is the smallest a code's header fits.
            for version in [2, 3, 6, 10, 16] {
                let symbols: Vec<Symbol> = (0..30)
                    .map(|i| symbol(version - i % version.min(3)))
                    .collect();
                for count in [1, 2, 3, 4, 13, 30] {
                    for reserved in [22.0, 300.0] {
                        let placed: Vec<Placed> = symbols[..count]
                            .iter()
                            .enumerate()
                            .map(|(i, symbol)| Placed {
                                caption: captions[i % 2].clone(),
                                symbol,
                            })
                            .collect();
                        let mut given = placed.iter().map(|p| &p.caption);
                        for page in slots(&placed, paper, reserved) {
                            for (i, slot) in page.iter().enumerate() {
                                assert_eq!(misplaced(slot, paper), None);
                                let caption = given.next().unwrap();
                                assert!(slot.caption.starts_with(&caption[..8]), "{slot:?}");
                                for other in &page[i + 1..] {
                                    let (a, b) = (slot.cell, other.cell);
                                    let apart = a.right <= b.left + 0.01
                                        || b.right <= a.left + 0.01
                                        || a.top <= b.bottom + 0.01
                                        || b.top <= a.bottom + 0.01;
                                    assert!(apart, "{a:?} meets {b:?}");
                                    if (other.caption_y - slot.caption_y).abs() < 0.01 {
                                        assert!(slot.caption_limit <= other.cell.left + 0.01);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
