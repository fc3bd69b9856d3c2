//! Drawing each overlay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::{Overlay, explain, help, text};
use crate::explore::session::Session;
use crate::ui::app::App;
use crate::ui::layout::centred;
use crate::ui::panes::diff_lines;
use crate::ui::theme::Theme;

/// The lines of a text overlay (help, diff, what-if, explanation, error).
pub fn text_lines(app: &App, overlay: &Overlay) -> Vec<Line<'static>> {
    let theme = &app.theme;
    match (overlay, &app.session) {
        (Overlay::Help(_), _) => help::lines(
            &app.keymap,
            &crate::explore::session::parse::COMMANDS,
            theme,
        ),
        (Overlay::Diff(_), Some(s)) => match s.diff() {
            Some(d) if d.entries.is_empty() => vec![Line::styled("no difference", theme.dim())],
            Some(d) => diff_lines(&d.entries, theme),
            None => Vec::new(),
        },
        (Overlay::WhatIf(_), Some(s)) => what_if_lines(s, theme),
        (Overlay::Explain(e, _), _) => explain::lines(e, theme),
        (Overlay::Error(e, _), _) => e
            .lines()
            .map(|l| Line::styled(l.to_string(), theme.bad()))
            .collect(),
        _ => Vec::new(),
    }
}

fn what_if_lines(session: &Session, theme: &Theme) -> Vec<Line<'static>> {
    let Some(r) = session.what_if() else {
        return Vec::new();
    };
    let mut out = vec![
        Line::from(vec![
            Span::styled("from  ", theme.dim()),
            Span::raw(r.from.to_string()),
        ]),
        Line::from(vec![
            Span::styled("to    ", theme.dim()),
            Span::raw(r.to.to_string()),
        ]),
        Line::raw(""),
    ];
    match &r.broken {
        Some(b) => {
            out.push(Line::styled(
                format!("step {}: {}", b.step, b.describe),
                theme.bad(),
            ));
            out.push(Line::raw(format!("  {}", b.why)));
            match &b.nearest {
                Some(n) => out.push(Line::from(vec![
                    Span::styled("  nearest in its place: ", theme.dim()),
                    Span::styled(format!("{} => {}", n.describe, n.outcome), theme.good()),
                ])),
                None => out.push(Line::styled(
                    "  nothing of the same controller is possible in its place",
                    theme.dim(),
                )),
            }
        }
        None => out.push(Line::styled(
            format!("all {} steps are still possible", r.steps),
            theme.good(),
        )),
    }
    out.push(Line::raw(""));
    let list = |v: &[&str]| {
        if v.is_empty() {
            "nothing".to_string()
        } else {
            v.join(", ")
        }
    };
    out.push(Line::raw(format!(
        "violated before: {}; now: {}",
        list(&r.violated_before),
        list(&r.violated_now)
    )));
    out.push(Line::raw(""));
    out.push(Line::styled(
        "the path shown is the one under the new settings; :restore switches back",
        theme.dim(),
    ));
    out
}

/// Draws an overlay.
pub fn draw(app: &App, overlay: &Overlay, frame: &mut Frame) {
    let screen = frame.area();
    let theme = &app.theme;
    match overlay {
        Overlay::Help(s) => {
            let lines = text_lines(app, overlay);
            text::draw(
                frame,
                screen,
                theme,
                "help",
                lines,
                *s,
                "↑↓ scroll · Esc close",
            );
        }
        Overlay::Diff(s) => {
            let title = app
                .session
                .as_ref()
                .and_then(|x| x.diff())
                .map_or("diff".to_string(), |d| format!("diff: {}", d.title));
            let lines = text_lines(app, overlay);
            text::draw(
                frame,
                screen,
                theme,
                &title,
                lines,
                *s,
                "↑↓ scroll · Esc close",
            );
        }
        Overlay::WhatIf(s) => {
            let lines = text_lines(app, overlay);
            text::draw(
                frame,
                screen,
                theme,
                "what-if",
                lines,
                *s,
                "Esc close · :restore",
            );
        }
        Overlay::Explain(_, s) => {
            let lines = text_lines(app, overlay);
            text::draw(
                frame,
                screen,
                theme,
                "explain",
                lines,
                *s,
                "↑↓ scroll · Esc close",
            );
        }
        Overlay::Error(_, s) => {
            let lines = text_lines(app, overlay);
            text::draw(frame, screen, theme, "error", lines, *s, "Esc close");
        }
        Overlay::Check => {
            if let Some(session) = &app.session {
                check(frame, screen, session, theme);
            }
        }
        Overlay::Watch { index, nav } => {
            if let Some(session) = &app.session {
                watch(frame, screen, session, *index, nav, theme);
            }
        }
        Overlay::Picker {
            picker,
            query,
            nav,
            error,
        } => super::picker::draw(frame, screen, picker, query, nav, error.as_deref(), theme),
        Overlay::Line {
            kind,
            input,
            completions,
        } => super::line::draw(frame, screen, *kind, input, completions, theme),
    }
}

fn check(frame: &mut Frame, screen: Rect, session: &Session, theme: &Theme) {
    let area = Rect {
        y: screen.height.saturating_sub(10),
        height: 8,
        ..centred(screen, screen.width.saturating_sub(8).min(60), 8)
    };
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.warn())
        .title(Span::styled(" check from here ", theme.title()))
        .title_bottom(Span::styled(
            " Esc cancels · other keys still work ",
            theme.dim(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(status) = session.check_status() else {
        return;
    };
    let p = status.progress;
    let state = if status.cancelling {
        "cancelling"
    } else {
        "running"
    };
    let row = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<10}"), theme.dim()),
            Span::raw(value),
        ])
    };
    let lines = vec![
        Line::styled(
            format!(
                "{} from step {}: {state}",
                status.strategy.name(),
                status.from_step
            ),
            theme.warn(),
        ),
        row("states", p.states.to_string()),
        row("unique", p.unique_states.to_string()),
        row("states/s", format!("{:.0}", p.rate())),
        row("depth", p.max_depth.to_string()),
        row("elapsed", format!("{:.1}s", p.elapsed.as_secs_f64())),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

fn watch(
    frame: &mut Frame,
    screen: Rect,
    session: &Session,
    index: usize,
    nav: &crate::ui::nav::ListNav,
    theme: &Theme,
) {
    let watches = session.watches();
    let Some(w) = watches.get(index) else {
        return;
    };
    let cursor = session.cursor_step();
    let rows = text::height(screen);
    let offset = nav.window(w.points.len(), rows);
    let lines: Vec<Line<'static>> = w
        .points
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, p)| {
            let value = p.value.clone().unwrap_or_else(|| "(absent)".into());
            let mark = if p.changed { "● " } else { "  " };
            let here = if p.step == cursor { "▶" } else { " " };
            let mut line = Line::from(vec![
                Span::styled(format!("{here}{:>4}  ", p.step), theme.dim()),
                Span::styled(mark, theme.warn()),
                Span::styled(value, if p.changed { theme.warn() } else { theme.dim() }),
            ]);
            if i == nav.selected {
                line = line.style(theme.selected());
            }
            line
        })
        .collect();
    let title = format!("watch {}: {}", index + 1, w.target);
    text::draw(
        frame,
        screen,
        theme,
        &title,
        lines,
        text::Scroll(0),
        "n/N next/previous change · Enter go to step · Esc close",
    );
}
