//! Plain-text tables that line up with Japanese (double-width) text.

use unicode_width::UnicodeWidthStr;

/// Renders rows as aligned columns; the first row is the heading. Columns after the
/// first are right-aligned when `numeric` says so.
pub(crate) fn render(rows: &[Vec<String>], numeric: &[bool]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|row| row.get(c)).map(|cell| cell.width()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = " ".repeat(widths[c] - cell.width());
            if c > 0 {
                line.push_str("  ");
            }
            if numeric.get(c).copied().unwrap_or(false) {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_cells_line_up() {
        let rows = vec![vec!["エリア".to_owned(), "患者".to_owned()], vec!["中区".to_owned(), "250".to_owned()]];
        assert_eq!(render(&rows, &[false, true]), "エリア  患者\n中区     250\n");
    }
}
