//! Running the explorer on the real terminal: the keymap checked, the terminal set up behind
//! its guard, input read on its own thread, the model file watched, the loop run; on a panic
//! the terminal is restored (by the hook) and the path explored is saved as a trace.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::channel;

use super::app::App;
use super::event::{self, Screen, TerminalError};
use super::keymap::{DuplicateKey, Keymap};
use super::term::TerminalGuard;
use super::theme::Theme;
use crate::explore::session::{Overrides, Picker, Session};

/// What the explorer opens with.
pub enum Start {
    /// An open session.
    Session(Box<Session>),
    /// The picker, and the settings to open its choice with.
    Picker(Picker, Overrides),
}

/// How the explorer runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// Draw one frame and leave (the first-frame benchmark).
    pub first_frame_only: bool,
    /// Where a crash saves the path explored.
    pub trace_dir: PathBuf,
    /// Panic right after the first frame (the end-to-end test of crash safety).
    pub crash_test: bool,
}

/// Why the explorer stopped short.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    /// The keymap binds a key twice in one context.
    #[error(transparent)]
    Keymap(#[from] DuplicateKey),
    /// The terminal failed.
    #[error(transparent)]
    Terminal(#[from] TerminalError),
    /// Setting the terminal up failed.
    #[error("terminal: {0}")]
    Io(#[from] std::io::Error),
    /// The explorer panicked (a bug); the path explored was saved here, if it could be.
    #[error("orchard explore crashed (a bug: please report it, with the message above); {}", match .0 {
        Some(p) => format!("the path explored is saved in {}", p.display()),
        None => "nothing was open to save".to_string(),
    })]
    Crashed(Option<PathBuf>),
}

/// Builds the app for a start.
pub fn app(start: Start) -> Result<App, DuplicateKey> {
    let keymap = Keymap::standard()?;
    let theme = Theme::from_env();
    Ok(match start {
        Start::Session(s) => App::new(*s, keymap, theme),
        Start::Picker(p, overrides) => App::with_picker(p, overrides, keymap, theme),
    })
}

/// Runs the explorer until the user quits.
pub fn explore(start: Start, options: &Options) -> Result<(), UiError> {
    let mut app = app(start)?;
    let mut guard = TerminalGuard::enter()?;
    if options.first_frame_only {
        guard
            .terminal
            .draw(|f| app.draw(f))
            .map_err(|e| TerminalError(e.to_string()))?;
        return Ok(());
    }
    let (tx, rx) = channel();
    let stop = Arc::new(AtomicBool::new(false));
    event::spawn_input(tx.clone(), stop.clone());
    app.watch_files(tx);
    let crash = options.crash_test;
    let result = guarded(&mut app, &options.trace_dir, |app| {
        event::run(&mut guard.terminal, app, &rx, || {
            assert!(!crash, "a crash asked for by --crash-test");
        })
    });
    stop.store(true, Ordering::Relaxed);
    drop(guard);
    result?.map_err(UiError::from)
}

/// Runs `body`; if it panics, saves the path explored under `dir` and reports the crash.
pub fn guarded<T>(
    app: &mut App,
    dir: &Path,
    body: impl FnOnce(&mut App) -> T,
) -> Result<T, UiError> {
    match catch_unwind(AssertUnwindSafe(|| body(app))) {
        Ok(t) => Ok(t),
        // The panic hook has restored the terminal already.
        Err(_) => Err(UiError::Crashed(app.rescue(dir))),
    }
}
