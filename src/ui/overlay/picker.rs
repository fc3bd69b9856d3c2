//! The picker overlay: the files of `models/` and `traces/` with their descriptions, filtered
//! by what is typed (the session's [`Picker`] filters).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::text;
use crate::explore::session::Picker;
use crate::explore::session::picker::EntryKind;
use crate::ui::input::LineInput;
use crate::ui::nav::ListNav;
use crate::ui::theme::Theme;

/// The rows the picker's list shows in a screen.
pub fn rows(screen: Rect) -> usize {
    usize::from(text::area(screen).height.saturating_sub(5))
}

/// Draws the picker.
pub fn draw(
    frame: &mut Frame,
    screen: Rect,
    picker: &Picker,
    query: &LineInput,
    nav: &ListNav,
    error: Option<&str>,
    theme: &Theme,
) {
    let area = text::area(screen);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focus())
        .title(Span::styled(" open a model or a trace ", theme.title()))
        .title_bottom(Span::styled(
            " type to filter · ↑↓ select · Enter open · Esc close ",
            theme.dim(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let visible = picker.visible();
    let mut lines = vec![Line::from(vec![
        Span::styled("filter: ", theme.dim()),
        Span::raw(query.text.clone()),
        Span::styled("▏", theme.dim()),
        Span::styled(
            format!("   {} of {} files", visible.len(), picker.all().len()),
            theme.dim(),
        ),
    ])];
    lines.push(match error {
        Some(e) => Line::styled(e.to_string(), theme.bad()),
        None => Line::raw(""),
    });
    let rows = rows(screen);
    let offset = nav.window(visible.len(), rows);
    let name_width = visible
        .iter()
        .map(|e| e.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(usize::from(inner.width) / 2);
    for (i, e) in visible.iter().enumerate().skip(offset).take(rows) {
        let kind = match e.kind {
            EntryKind::Model => "model",
            EntryKind::Trace => "trace",
        };
        let mut line = Line::from(vec![
            Span::styled(format!("{kind:<6}"), theme.dim()),
            Span::styled(format!("{:<name_width$}  ", e.name), theme.title()),
            Span::raw(e.description.clone()),
        ]);
        if i == nav.selected {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if visible.is_empty() {
        lines.push(Line::styled("(nothing matches the filter)", theme.dim()));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
