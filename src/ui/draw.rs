//! Drawing the whole screen: the message for a terminal too small, the picker before a file is
//! open, else the header, the panes, the status line, and the overlay on top.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::app::App;
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::pane::Draw;
use super::panes::{header, lesson, status};

/// Draws the app.
pub fn draw(app: &App, frame: &mut Frame) {
    let screen = frame.area();
    let theme = &app.theme;
    let Some(areas) = app.areas() else {
        let text = format!(
            "orchard explore needs a terminal of at least {MIN_WIDTH}x{MIN_HEIGHT}; this one is {}x{}. Enlarge it, or press q to quit.",
            screen.width, screen.height
        );
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.warn())).wrap(Wrap { trim: true }),
            screen,
        );
        return;
    };
    match &app.session {
        None => {}
        Some(session) => {
            header::draw(frame, areas.header, session, theme);
            for (id, area) in &areas.panes {
                let view = Draw {
                    session,
                    theme,
                    focused: *id == app.focus,
                };
                app.pane(*id).draw(frame, *area, &view);
            }
            if let Some(area) = areas.lesson {
                lesson::draw(frame, area, session, &app.keymap, theme);
            }
            let footer = app.keymap.footer(&app.contexts());
            status::draw(
                frame,
                areas.status,
                session,
                &footer,
                app.replay_status.as_ref(),
                theme,
            );
        }
    }
    if let Some(overlay) = &app.overlay {
        super::overlay::draw::draw(app, overlay, frame);
    }
}
