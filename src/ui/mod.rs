//! The terminal explorer: panes, overlays, the keymap, the event loop. It only draws an
//! [`crate::explore::session::Session`] and maps keys to its commands; every piece of state
//! about the exploration and every rule lives in the session.
//!
//! May import `crate::explore` (and later `history_view`, `replay`). Promises: the terminal is
//! restored on every exit, a panic included; a frame is drawn only when something changed.

pub mod app;
pub mod draw;
pub mod event;
mod follow;
pub mod input;
pub mod keymap;
pub mod layout;
mod mouse;
pub mod nav;
pub mod overlay;
pub mod pane;
pub mod panes;
pub mod replay;
mod run;
pub mod term;
pub mod theme;
pub mod watcher;

#[cfg(test)]
mod tests;

pub use run::{Options, Start, UiError, app, explore, guarded};
