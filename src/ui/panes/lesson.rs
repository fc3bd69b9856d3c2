//! The lesson panel, beside the actions when the explorer is opened on a lesson
//! (`orchard learn NAME`): the next step's text and action (which the actions pane marks),
//! the check of the step just taken, what happened when the learner took another action and
//! how to go back, and at the end the contrast. Everything it shows is the session's
//! [`crate::explore::session::LessonView`]; only the words around it and the keys are here.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::explore::session::{Progress, Session};
use crate::ui::keymap::{Context, Keymap};
use crate::ui::pane::block;
use crate::ui::theme::Theme;

/// The keys the keymap binds to a command everywhere (`b/Backspace` for `back`).
fn keys_for(keymap: &Keymap, help: &str) -> String {
    keymap
        .help()
        .into_iter()
        .find(|(c, _)| *c == Context::Global)
        .and_then(|(_, rows)| rows.into_iter().find(|(_, h)| *h == help))
        .map_or_else(|| format!(":{help}"), |(keys, _)| keys)
}

/// Draws the panel into `area` (its border included); nothing without a lesson.
pub fn draw(frame: &mut Frame, area: Rect, session: &Session, keymap: &Keymap, theme: &Theme) {
    let Some(view) = session.lesson_view() else {
        return;
    };
    let at = match &view.progress {
        Progress::Next { step, .. } => format!("step {step} of {}", view.steps),
        Progress::Off { step, .. } => format!("off at step {step}"),
        Progress::Done { .. } => "done".to_string(),
    };
    let title = format!("lesson {} · {at}", view.name);
    let panel = block(&title, "", false, theme);
    let inner = panel.inner(area);
    frame.render_widget(panel, area);
    let mut lines: Vec<Line> = Vec::new();
    match view.progress {
        Progress::Next {
            step,
            text,
            action,
            entry,
            readable,
            done,
        } => {
            match done {
                Some(done) => lines.push(Line::styled(format!("✓ {done}"), theme.good())),
                None => lines.push(Line::styled(view.summary, theme.dim())),
            }
            lines.push(Line::raw(""));
            lines.push(Line::raw(text));
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                Span::styled(format!("▶ step {step}: "), theme.title()),
                Span::styled(action, theme.good()),
            ]));
            if let Some(readable) = readable {
                lines.push(Line::styled(format!("  {readable}"), theme.dim()));
            }
            lines.push(Line::styled(
                match entry {
                    Some(_) => "  marked ▶ in the actions: select it and take it (Enter)",
                    None => "  not among the actions here (a what-if changed them?)",
                },
                theme.dim(),
            ));
        }
        Progress::Off {
            step,
            expected,
            expected_outcome,
            taken,
            taken_outcome,
            back,
        } => {
            lines.push(Line::styled(
                format!("✗ at step {step} you took {taken}"),
                theme.bad(),
            ));
            lines.push(Line::raw(format!("  it did: {taken_outcome}")));
            lines.push(Line::raw(""));
            lines.push(Line::raw(format!(
                "The lesson's step {step} is {expected}, which does: {expected_outcome}"
            )));
            lines.push(Line::raw(""));
            let keys = keys_for(keymap, "back");
            let times = if back == 1 {
                "once".to_string()
            } else {
                format!("{back} times")
            };
            lines.push(Line::styled(
                format!(
                    "To go back: {keys} {times} (or :goto {}); the path you took stays as a branch.",
                    step - 1
                ),
                theme.warn(),
            ));
        }
        Progress::Done {
            end,
            contrast,
            reason,
            contrast_text,
            beyond,
        } => {
            lines.push(Line::styled(
                format!("✓ all {} steps done", view.steps),
                theme.good(),
            ));
            if beyond > 0 {
                lines.push(Line::styled(
                    format!("  (and {beyond} more of your own)"),
                    theme.dim(),
                ));
            }
            if !end.is_empty() {
                lines.push(Line::raw(""));
                lines.push(Line::raw(end));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled("Contrast:", theme.title()));
            lines.push(Line::styled(contrast, theme.warn()));
            lines.push(Line::raw(format!("  {reason}")));
            lines.push(Line::raw(contrast_text));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::explore::lesson;
    use crate::explore::session::Session;
    use crate::ui::app::App;
    use crate::ui::keymap::Keymap;
    use crate::ui::tests::{render, typed};
    use crate::ui::theme::Theme;

    fn app(name: &str) -> App {
        let lesson = lesson::find(Path::new("models/lessons"), name).unwrap();
        let session = Session::for_lesson(lesson).unwrap();
        App::new(session, Keymap::standard().unwrap(), Theme { color: false })
    }

    #[test]
    fn the_panel_at_a_lessons_start_and_off_it() {
        let mut app = app("stale-reads");
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("lesson_start_{w}x{h}"), render(&app, w, h));
        }
        // Enter takes the marked step; back, and `:take 5` restarts node-1 instead.
        typed(&mut app, "<Enter>");
        assert!(render(&app, 160, 48).contains("✓ step 1 done"));
        typed(&mut app, "b:take 5<Enter>");
        let screen = render(&app, 160, 48);
        assert!(
            screen.contains("✗ at step 1 you took restart node node-1"),
            "{screen}"
        );
        for (w, h) in [(80, 24), (160, 48)] {
            insta::assert_snapshot!(format!("lesson_off_{w}x{h}"), render(&app, w, h));
        }
    }
}
