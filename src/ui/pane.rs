//! What every pane is: a small struct owning its UI state (selection, scroll, filter, what is
//! expanded), drawn read-only from the session, handling the commands of its keymap context.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::keymap::{Cmd, Context};
use super::theme::Theme;
use crate::explore::session::{Command, NodeId, Session};

/// What a pane did with a command.
#[derive(Debug)]
pub enum Handled {
    /// Not its command: the root handles it.
    No,
    /// Done inside the pane (its own state changed).
    Yes,
    /// Ask the session.
    Run(Command),
    /// Watch this field (`Pod/web-0 spec.nodeName`), and show the watch.
    Watch(String),
    /// Ask for a name and save this branch as a trace.
    SaveBranch(NodeId),
}

/// What a pane is drawn with.
pub struct Draw<'a> {
    /// The session shown.
    pub session: &'a Session,
    /// The styles.
    pub theme: &'a Theme,
    /// Whether the pane has the focus.
    pub focused: bool,
}

/// A pane of the explorer.
pub trait Pane {
    /// Its commands, for the footer and the help: the keymap contexts it answers, its own
    /// first (the keymap table holds the keys and their words).
    fn commands(&self, out: &mut Vec<Context>);
    /// The rows of its list in `area` (pages, clicks).
    fn height(&self, area: Rect) -> usize {
        inner_height(area)
    }
    /// Draws it into `area` (its border included).
    fn draw(&self, frame: &mut Frame, area: Rect, view: &Draw);
    /// Handles a command of its context (or a global navigation one); `height` is the number
    /// of rows it showed.
    fn handle(&mut self, cmd: Cmd, session: &Session, height: usize) -> Handled;
    /// A click on row `row` of its content (0 = the first row inside the border).
    fn click(&mut self, row: usize, session: &Session, height: usize) -> Handled;
    /// The mouse wheel: `delta` rows.
    fn scroll(&mut self, delta: isize, session: &Session);
    /// Its filter, when it has one (`/`).
    fn filter(&mut self) -> Option<&mut String>;
    /// Brings its selection in line with the session after a command (the path follows the
    /// cursor; lists stay inside their rows).
    fn sync(&mut self, session: &Session);
}

/// A pane's bordered block: its title, its filter if any, focused or not.
pub fn block<'a>(title: &str, filter: &str, focused: bool, theme: &Theme) -> Block<'a> {
    let mut spans = vec![Span::styled(
        format!(" {title} "),
        if focused {
            theme.focus()
        } else {
            theme.title()
        },
    )];
    if !filter.is_empty() {
        spans.push(Span::styled(format!("/{filter} "), theme.warn()));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.focus()
        } else {
            theme.border()
        })
        .title(Line::from(spans))
}

/// The rows a pane of this area shows inside its border.
pub fn inner_height(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(2))
}
