//! A line being typed at the foot of the screen: the `:` command line with its completions,
//! a filter, the save name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::LineKind;
use crate::ui::input::LineInput;
use crate::ui::theme::Theme;

/// Draws the line (and the completions above it).
pub fn draw(
    frame: &mut Frame,
    screen: Rect,
    kind: LineKind,
    input: &LineInput,
    completions: &[String],
    theme: &Theme,
) {
    let (prompt, hint) = match kind {
        LineKind::Command => (":", "Tab complete · Enter run · Esc cancel"),
        LineKind::Filter(_) => ("/", "Enter keep · Esc clear"),
        LineKind::Save(_) => (
            "save as traces/",
            "Enter save (empty: model-property-consistency) · Esc cancel",
        ),
    };
    let shown = completions.len().min(8) as u16;
    let height = 1 + if shown > 0 { shown + 2 } else { 0 };
    let area = Rect {
        x: 0,
        y: screen.height.saturating_sub(height),
        width: screen.width,
        height: height.min(screen.height),
    };
    frame.render_widget(Clear, area);
    if shown > 0 {
        let list = Rect {
            height: shown + 2,
            width: screen.width.min(60),
            ..area
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(" completions ", theme.dim()));
        let lines: Vec<Line> = completions
            .iter()
            .take(8)
            .map(|c| Line::raw(c.clone()))
            .collect();
        let inner = block.inner(list);
        frame.render_widget(block, list);
        frame.render_widget(Paragraph::new(lines), inner);
    }
    let row = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    let before: String = input.text.chars().take(input.cursor).collect();
    let after: String = input.text.chars().skip(input.cursor).collect();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(prompt, theme.key()),
            Span::raw(before),
            Span::styled("▏", theme.key()),
            Span::raw(after),
            Span::styled(format!("   {hint}"), theme.dim()),
        ])),
        row,
    );
}
