//! The header: the model, the consistency with its options, the commit mode, step k of n, and
//! in red the properties the cursor's state violates.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::explore::session::Session;
use crate::ui::theme::Theme;

/// Draws the header's two lines.
pub fn draw(frame: &mut Frame, area: Rect, session: &Session, theme: &Theme) {
    let h = session.header();
    let mut first = vec![
        Span::styled(format!(" {} ", h.model), theme.title()),
        Span::styled("· ", theme.dim()),
        Span::raw(h.consistency.clone()),
        Span::styled(" · commit ", theme.dim()),
        Span::raw(h.commit),
        Span::styled(" · ", theme.dim()),
        Span::raw(format!("step {} of {}", h.step, h.steps)),
    ];
    if h.what_if {
        first.push(Span::styled("  what-if (:restore)", theme.warn()));
    }
    if let Some(mark) = session.mark() {
        first.push(Span::styled(format!("  mark: step {mark}"), theme.dim()));
    }
    let second = if h.violated.is_empty() {
        Line::from(vec![
            Span::styled(" ", theme.dim()),
            Span::styled("no property violated here", theme.good()),
            Span::styled(format!("  ({})", h.source.display()), theme.dim()),
        ])
    } else {
        let texts: Vec<String> = h
            .violated
            .iter()
            .map(|id| {
                let text = session
                    .checked_properties()
                    .iter()
                    .find(|p| p.id == *id)
                    .map_or("", |p| p.text);
                format!("{id} ({text})")
            })
            .collect();
        Line::from(vec![Span::styled(
            format!(" VIOLATED: {}", texts.join(", ")),
            theme.bad(),
        )])
    };
    frame.render_widget(Paragraph::new(vec![Line::from(first), second]), area);
}
