//! The picker over `models/` and `traces/`: each file with its description; typing filters
//! (every word must appear in the name or the description), arrows select, Enter opens.

use std::path::PathBuf;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::input::LineInput;
use super::keymap::{Cmd, Key};
use super::nav::{ListNav, contains_ignore_case};
use super::theme::Theme;

/// What a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A model file.
    Model,
    /// A trace file.
    Trace,
}

/// One file offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Model or trace.
    pub kind: EntryKind,
    /// The file.
    pub path: PathBuf,
    /// Its one-line description (a file that does not load says why).
    pub description: String,
}

/// The picker's state.
#[derive(Clone, Debug, Default)]
pub struct Picker {
    /// The files offered.
    pub entries: Vec<Entry>,
    /// The filter being typed.
    pub query: LineInput,
    /// The selection among the matching entries.
    pub nav: ListNav,
}

/// What the picker did with a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    /// Nothing to do outside.
    Stay,
    /// Open this file.
    Open(PathBuf),
    /// Close the picker.
    Close,
}

impl Picker {
    /// A picker over these files.
    pub fn new(entries: Vec<Entry>) -> Picker {
        Picker {
            entries,
            ..Picker::default()
        }
    }

    /// The entries that match the filter, in order.
    pub fn matching(&self) -> Vec<&Entry> {
        let words: Vec<&str> = self.query.text.split_whitespace().collect();
        self.entries
            .iter()
            .filter(|e| {
                let text = format!("{} {}", e.path.display(), e.description);
                words.iter().all(|w| contains_ignore_case(&text, w))
            })
            .collect()
    }

    /// Handles a command of the picker's context, or a typed key (`cmd` is `None`).
    pub fn handle(&mut self, cmd: Option<Cmd>, key: Key, height: usize) -> Picked {
        let len = self.matching().len();
        match cmd {
            Some(Cmd::Enter) => match self.matching().get(self.nav.selected) {
                Some(e) => return Picked::Open(e.path.clone()),
                None => return Picked::Stay,
            },
            Some(Cmd::Close) => return Picked::Close,
            Some(c) => {
                self.nav.handle(c, len, height);
            }
            None => {
                if self.query.edit(key) {
                    self.nav.select(0, self.matching().len());
                    self.nav.offset = 0;
                }
            }
        }
        self.nav.follow(self.matching().len(), height);
        Picked::Stay
    }

    /// The number of rows the list shows in a screen of this size.
    pub fn list_height(screen: Rect) -> usize {
        usize::from(Picker::area(screen).height.saturating_sub(4))
    }

    fn area(screen: Rect) -> Rect {
        super::layout::centred(
            screen,
            screen.width.saturating_sub(4).max(40),
            screen.height,
        )
    }

    /// Draws the picker over the screen.
    pub fn draw(&self, frame: &mut Frame, screen: Rect, theme: &Theme, title: &str) {
        let area = Picker::area(screen);
        frame.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.focus())
            .title(Span::styled(format!(" {title} "), theme.title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [query, list, _, hint] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(0),
            Constraint::Length(1),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("filter: ", theme.dim()),
                Span::raw(self.query.text.clone()),
                Span::styled("_", theme.dim()),
            ])),
            query,
        );
        let matching = self.matching();
        let height = usize::from(list.height);
        let offset = self.nav.window(matching.len(), height);
        let name_width = matching
            .iter()
            .map(|e| e.path.display().to_string().chars().count())
            .max()
            .unwrap_or(0)
            .min(usize::from(list.width) / 2);
        let mut lines = Vec::new();
        if matching.is_empty() {
            lines.push(Line::styled("(nothing matches the filter)", theme.dim()));
        }
        for (i, e) in matching.iter().enumerate().skip(offset).take(height) {
            let kind = match e.kind {
                EntryKind::Model => "model",
                EntryKind::Trace => "trace",
            };
            let mut line = Line::from(vec![
                Span::styled(format!("{kind:<6}"), theme.dim()),
                Span::raw(format!("{:<name_width$}  ", e.path.display().to_string())),
                Span::raw(e.description.clone()),
            ]);
            if i == self.nav.selected {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        frame.render_widget(Paragraph::new(lines), list);
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!(
                    "{} of {} files · type to filter · ↑↓ select · Enter open · Esc close",
                    matching.len(),
                    self.entries.len()
                ),
                theme.dim(),
            )),
            hint,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyCode;

    fn entry(kind: EntryKind, path: &str, description: &str) -> Entry {
        Entry {
            kind,
            path: PathBuf::from(path),
            description: description.into(),
        }
    }

    #[test]
    fn typing_filters_and_enter_opens_the_selected_match() {
        let mut picker = Picker::new(vec![
            entry(EntryKind::Model, "models/a.yaml", "scale a replica set"),
            entry(EntryKind::Model, "models/b.yaml", "stale reads"),
            entry(EntryKind::Trace, "traces/b-P8.json", "P8 violated, stale"),
        ]);
        for c in "stale".chars() {
            assert_eq!(picker.handle(None, Key::ch(c), 10), Picked::Stay);
        }
        assert_eq!(picker.matching().len(), 2);
        picker.handle(Some(Cmd::Down), Key::plain(KeyCode::Down), 10);
        assert_eq!(
            picker.handle(Some(Cmd::Enter), Key::plain(KeyCode::Enter), 10),
            Picked::Open(PathBuf::from("traces/b-P8.json"))
        );
        for c in " zzz".chars() {
            picker.handle(None, Key::ch(c), 10);
        }
        assert!(picker.matching().is_empty());
        assert_eq!(
            picker.handle(Some(Cmd::Enter), Key::plain(KeyCode::Enter), 10),
            Picked::Stay
        );
        assert_eq!(
            picker.handle(Some(Cmd::Close), Key::plain(KeyCode::Esc), 10),
            Picked::Close
        );
    }
}
