//! The navigation every list and table pane shares: a selection, a scroll offset that keeps
//! the selection visible, and a filter typed after `/` that narrows the rows by substring
//! (case-insensitive).

use super::keymap::Cmd;

/// A list's selection, scroll and filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListNav {
    /// The selected row, an index into the filtered rows.
    pub selected: usize,
    /// The first row drawn.
    pub offset: usize,
    /// The filter (empty: every row).
    pub filter: String,
}

impl ListNav {
    /// Moves for a navigation command over `len` rows with `height` visible; whether the
    /// command was a navigation one.
    pub fn handle(&mut self, cmd: Cmd, len: usize, height: usize) -> bool {
        let page = height.max(1);
        let last = len.saturating_sub(1);
        self.selected = match cmd {
            Cmd::Up => self.selected.saturating_sub(1),
            Cmd::Down => (self.selected + 1).min(last),
            Cmd::PageUp => self.selected.saturating_sub(page),
            Cmd::PageDown => (self.selected + page).min(last),
            Cmd::Top => 0,
            Cmd::Bottom => last,
            _ => return false,
        };
        true
    }

    /// Keeps the selection inside `len` rows.
    pub fn clamp(&mut self, len: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
    }

    /// Selects a row (a mouse click, a jump).
    pub fn select(&mut self, row: usize, len: usize) {
        self.selected = row;
        self.clamp(len);
    }

    /// Scrolls by `delta` rows (the mouse wheel), moving the selection along.
    pub fn scroll(&mut self, delta: isize, len: usize) {
        self.selected = self.selected.saturating_add_signed(delta);
        self.clamp(len);
    }

    /// The first row to draw so that the selection is visible in `height` rows, updating the
    /// remembered offset (drawing takes `&self`, so panes call this when handling).
    pub fn window(&self, len: usize, height: usize) -> usize {
        let height = height.max(1);
        let selected = self.selected.min(len.saturating_sub(1));
        let mut offset = self.offset.min(len.saturating_sub(1));
        if selected < offset {
            offset = selected;
        } else if selected >= offset + height {
            offset = selected + 1 - height;
        }
        offset.min(len.saturating_sub(height))
    }

    /// Remembers the window's offset after a move.
    pub fn follow(&mut self, len: usize, height: usize) {
        self.offset = self.window(len, height);
    }

    /// The row a click at screen row `y` (0 = the first list row) selects.
    pub fn row_at(&self, y: usize, len: usize, height: usize) -> Option<usize> {
        let row = self.window(len, height) + y;
        (y < height && row < len).then_some(row)
    }

    /// Whether a row's text passes the filter.
    pub fn passes(&self, text: &str) -> bool {
        self.filter.is_empty() || contains_ignore_case(text, &self.filter)
    }

    /// The indices of the rows that pass the filter.
    pub fn filtered<'a, I: IntoIterator<Item = &'a str>>(&self, rows: I) -> Vec<usize> {
        rows.into_iter()
            .enumerate()
            .filter(|(_, text)| self.passes(text))
            .map(|(i, _)| i)
            .collect()
    }
}

/// Case-insensitive substring match.
pub fn contains_ignore_case(text: &str, needle: &str) -> bool {
    text.to_lowercase().contains(&needle.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_stay_inside_the_rows_and_the_window_follows() {
        let mut nav = ListNav::default();
        assert!(nav.handle(Cmd::Up, 10, 4));
        assert_eq!(nav.selected, 0);
        assert!(nav.handle(Cmd::Bottom, 10, 4));
        assert_eq!(nav.selected, 9);
        assert_eq!(nav.window(10, 4), 6);
        nav.follow(10, 4);
        assert!(nav.handle(Cmd::PageUp, 10, 4));
        assert_eq!(nav.selected, 5);
        assert_eq!(nav.window(10, 4), 5);
        assert!(!nav.handle(Cmd::Enter, 10, 4));
        assert_eq!(nav.row_at(1, 10, 4), Some(6));
        assert_eq!(nav.row_at(4, 10, 4), None);
        nav.scroll(100, 10);
        assert_eq!(nav.selected, 9);
        nav.handle(Cmd::Down, 0, 4);
        assert_eq!(nav.selected, 0);
    }

    #[test]
    fn the_filter_narrows_rows_case_insensitively() {
        let nav = ListNav {
            filter: "WEB".into(),
            ..ListNav::default()
        };
        assert_eq!(
            nav.filtered(["Pod/web-0", "Node/node-1", "web-1"]),
            vec![0, 2]
        );
        assert_eq!(ListNav::default().filtered(["a", "b"]), vec![0, 1]);
    }
}
