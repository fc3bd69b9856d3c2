//! Tests of the explorer on ratatui's `TestBackend`: each screen and overlay as a snapshot at
//! 80x24 and 160x48, and the behaviour behind keys, the mouse, resizes and colours.

mod behaviour;
mod dag;
mod fuzz;
mod replay;
mod snapshots;

use std::path::Path;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;

use super::app::App;
use super::event::{Flow, Screen, UiEvent};
use super::keymap::Keymap;
use super::theme::Theme;
use crate::explore::session::{Overrides, Picker, Session};

/// The stale-reads model.
pub const MODEL: &str = "models/statefulset-stale-reads.yaml";
/// Its shipped counterexample.
pub const TRACE: &str = "tests/fixtures/traces/statefulset-stale-reads-P8-resettable-session.json";

/// An app on a file, without colours (snapshots are text).
pub fn app_on(file: &str) -> App {
    let session = Session::open(Path::new(file), &Overrides::default()).expect("the file opens");
    App::new(session, Keymap::standard().unwrap(), Theme { color: false })
}

/// An app on the start picker.
pub fn picker_app() -> App {
    App::with_picker(
        Picker::scan(Path::new("models"), Path::new("traces")),
        Overrides::default(),
        Keymap::standard().unwrap(),
        Theme { color: false },
    )
}

/// Sends a key event.
pub fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Flow {
    app.handle(UiEvent::Term(Event::Key(KeyEvent::new(code, modifiers))))
}

/// Types keys: each character a key press; `<Enter>`, `<Esc>`, `<Tab>`, `<BackTab>`, `<Up>`,
/// `<Down>`, `<Left>`, `<Right>` name special keys.
pub fn typed(app: &mut App, keys: &str) -> Flow {
    let mut flow = Flow::Same;
    let mut rest = keys;
    while !rest.is_empty() {
        let special = [
            ("<Enter>", KeyCode::Enter),
            ("<Esc>", KeyCode::Esc),
            ("<Tab>", KeyCode::Tab),
            ("<BackTab>", KeyCode::BackTab),
            ("<Up>", KeyCode::Up),
            ("<Down>", KeyCode::Down),
            ("<Left>", KeyCode::Left),
            ("<Right>", KeyCode::Right),
        ]
        .into_iter()
        .find(|(name, _)| rest.starts_with(name));
        let (code, len) = match special {
            Some((name, code)) => (code, name.len()),
            None => {
                let c = rest.chars().next().unwrap();
                (KeyCode::Char(c), c.len_utf8())
            }
        };
        let mods = match code {
            KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
            KeyCode::BackTab => KeyModifiers::SHIFT,
            _ => KeyModifiers::NONE,
        };
        flow = key(app, code, mods);
        if flow == Flow::Quit {
            return flow;
        }
        rest = &rest[len..];
    }
    flow
}

/// Draws the app at `width` x `height`; the screen as text.
pub fn render(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| app.draw(f)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
