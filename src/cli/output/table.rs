//! Aligned plain-text tables, built in one buffer and written once (a write per line costs
//! more than the rest of `list` in a large vault). Colour escapes go in only when stdout
//! shows colour, so plain output is never written twice over to strip them.

use super::ui;
use anstyle::Style;
use std::fmt::Write as _;

/// The table with a bold header row; with `colour`, `style` colours a body cell by column
/// and text. Columns are padded to their widest cell, and trailing blanks are trimmed.
pub fn render<const N: usize>(
    header: &[&str; N],
    rows: &[[impl AsRef<str>; N]],
    colour: bool,
    style: impl Fn(usize, &str) -> Style,
) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.as_ref().chars().count());
        }
    }
    let line_len: usize = widths.iter().sum::<usize>() + 2 * N + 1;
    let mut table = String::with_capacity((rows.len() + 1) * line_len);
    let mut line = |cells: [&str; N], style: &dyn Fn(usize, &str) -> Style| {
        let start = table.len();
        for (column, (cell, width)) in cells.into_iter().zip(widths).enumerate() {
            if column > 0 {
                table.push_str("  ");
            }
            // Padding is counted on the plain text; colour goes around the padded cell.
            let style = colour.then(|| style(column, cell));
            if let Some(style) = style {
                let _ = write!(table, "{}", style.render());
            }
            table.push_str(cell);
            table.extend(std::iter::repeat_n(
                ' ',
                width.saturating_sub(cell.chars().count()),
            ));
            if let Some(style) = style {
                let _ = write!(table, "{}", style.render_reset());
            }
        }
        let trimmed = table[start..].trim_end().len();
        table.truncate(start + trimmed);
        table.push('\n');
    };
    line(*header, &|_, _| ui::HEADING);
    for row in rows {
        line(row.each_ref().map(AsRef::as_ref), &style);
    }
    table
}

/// Whether stdout shows colour (a terminal, or `--color always`), so escapes are worth writing.
pub fn stdout_has_colour() -> bool {
    anstream::stdout().current_choice() != anstream::ColorChoice::Never
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_padded_to_the_widest_cell_and_lines_trimmed() {
        let rows = [
            ["kraken-grid-bot", "active", "-"],
            ["okx", "revoked", "7K2M"],
        ];
        let plain = render(&["LABEL", "STATUS", "FP"], &rows, false, |_, _| {
            anstyle::AnsiColor::Red.on_default()
        });
        assert_eq!(
            plain,
            "LABEL            STATUS   FP\n\
             kraken-grid-bot  active   -\n\
             okx              revoked  7K2M\n"
        );
        let coloured = render(&["A"], &[["x"]], true, |_, _| Style::new().bold());
        assert_eq!(coloured, "\x1b[1mA\x1b[0m\n\x1b[1mx\x1b[0m\n");
    }
}
