//! The panes of the explorer's screen, and the lines of a diff they share with the overlays.

pub mod actions;
pub mod header;
pub mod path;
pub mod properties;
pub mod state;
pub mod status;

use ratatui::text::{Line, Span};

use super::theme::Theme;
use crate::explore::session::{Change, EntryDiff};

/// A diff as lines: per resource or local state `+ added`, `- removed`, `~ changed`, then its
/// fields `path: old -> new`.
pub fn diff_lines(diffs: &[EntryDiff], theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for d in diffs {
        let (sign, style) = match d.change {
            Change::Added => ("+", theme.good()),
            Change::Removed => ("-", theme.bad()),
            Change::Changed => ("~", theme.warn()),
        };
        let what = if d.local { "local state of " } else { "" };
        out.push(Line::from(vec![
            Span::styled(format!("{sign} "), style),
            Span::styled(format!("{what}{}", d.key), theme.title()),
        ]));
        for f in &d.fields {
            out.push(Line::from(vec![Span::raw("    "), Span::raw(f.line())]));
        }
    }
    out
}
