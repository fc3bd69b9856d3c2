//! The status line: a replay's news, a running check's progress (and that Esc cancels it), else the session's
//! last message (errors in red), then the keys that apply to the focused pane.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::explore::session::Session;
use crate::ui::theme::Theme;

/// A running check's line: `check bfs from step 3: states 1200  unique 800 ...`.
pub fn check_line(session: &Session) -> Option<String> {
    let status = session.check_status()?;
    let state = if status.cancelling {
        "cancelling"
    } else {
        "running"
    };
    Some(format!(
        "check {} from step {} {state}: {}",
        status.strategy.name(),
        status.from_step,
        status.progress.line()
    ))
}

/// Draws the status line.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    session: &Session,
    footer: &[(String, &'static str)],
    replay: Option<&(String, bool)>,
    theme: &Theme,
) {
    let mut spans = Vec::new();
    if let Some((text, bad)) = replay {
        let style = if *bad { theme.bad() } else { theme.good() };
        spans.push(Span::styled(format!(" {text} "), style));
    } else if let Some(line) = check_line(session) {
        spans.push(Span::styled(
            format!(" {line} · Esc cancels "),
            theme.warn(),
        ));
    } else if let Some(m) = session.message() {
        let style = if m.error { theme.bad() } else { theme.good() };
        spans.push(Span::styled(format!(" {} ", m.text), style));
    } else if let Some(report) = session.check_report() {
        spans.push(Span::styled(format!(" {report} "), theme.good()));
    }
    spans.push(Span::raw(" "));
    for (keys, help) in footer {
        spans.push(Span::styled(keys.clone(), theme.key()));
        spans.push(Span::styled(format!(" {help}  "), theme.dim()));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
