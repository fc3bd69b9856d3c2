//! The panes of the explorer's screen, and the lines of a diff they share with the overlays.

pub mod actions;
pub mod dag;
pub mod header;
pub mod lesson;
pub mod path;
pub mod properties;
pub mod state;
pub mod status;

use ratatui::text::{Line, Span};

use super::layout::PaneId;
use super::pane::Pane;
use super::theme::Theme;
use crate::explore::session::{Change, EntryDiff, Session};

/// The panes of the screen: the one place that maps a [`PaneId`] to its pane.
#[derive(Debug, Default)]
pub struct Panes {
    /// The path.
    pub path: path::PathPane,
    /// The next actions.
    pub actions: actions::ActionsPane,
    /// The state tree.
    pub state: state::StatePane,
    /// The properties.
    pub properties: properties::PropertiesPane,
    /// The revision DAG (in the state tree's place when shown).
    pub dag: dag::DagPane,
}

impl Panes {
    /// A pane.
    pub fn get(&self, id: PaneId) -> &dyn Pane {
        match id {
            PaneId::Path => &self.path,
            PaneId::Actions => &self.actions,
            PaneId::State => &self.state,
            PaneId::Properties => &self.properties,
            PaneId::Dag => &self.dag,
        }
    }

    /// A pane, to change.
    pub fn get_mut(&mut self, id: PaneId) -> &mut dyn Pane {
        match id {
            PaneId::Path => &mut self.path,
            PaneId::Actions => &mut self.actions,
            PaneId::State => &mut self.state,
            PaneId::Properties => &mut self.properties,
            PaneId::Dag => &mut self.dag,
        }
    }

    /// Brings every pane in line with the session.
    pub fn sync(&mut self, session: &Session) {
        for id in PaneId::ALL {
            self.get_mut(id).sync(session);
        }
        self.dag.sync(session);
        self.link(session);
    }

    /// Lets the DAG light what the actions pane's selected line reads.
    pub fn link(&mut self, session: &Session) {
        let chosen = self.actions.chosen(session);
        self.dag.link(session, chosen);
    }
}

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
