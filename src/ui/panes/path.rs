//! The path: one line per step from the start, the cursor's step highlighted, the steps after
//! it (redo) dimmed, and under a step where the exploration forks, its other branches. Enter
//! jumps to a step or switches to a branch; `D` on a branch diffs it against the path, `s`
//! saves it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::explore::session::{Command, NodeId, Session};
use crate::ui::keymap::{Cmd, Context};
use crate::ui::nav::ListNav;
use crate::ui::pane::{Draw, Handled, Pane, block};
use crate::ui::replay::{Mark, Outcome};

/// A row of the path pane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// A step of the path.
    Step {
        /// Its number.
        step: usize,
        /// Its line.
        text: String,
        /// The cursor's step.
        cursor: bool,
        /// After the cursor.
        redo: bool,
        /// Marked for a diff.
        marked: bool,
    },
    /// A branch forking off before a step.
    Branch {
        /// Its first node.
        node: NodeId,
        /// Its line.
        text: String,
        /// Its number of steps.
        steps: usize,
    },
}

impl Row {
    fn text(&self) -> &str {
        match self {
            Row::Step { text, .. } | Row::Branch { text, .. } => text,
        }
    }
}

/// The rows: the path's steps, each fork's branches under the step they replace.
pub fn rows(session: &Session) -> Vec<Row> {
    let forks = session.forks();
    let mark = session.mark();
    let mut out = Vec::new();
    for line in session.path_lines() {
        out.push(Row::Step {
            step: line.step,
            text: line.text,
            cursor: line.at_cursor,
            redo: line.after_cursor,
            marked: mark == Some(line.step),
        });
        if let Some(fork) = forks.iter().find(|f| f.step == line.step) {
            for b in &fork.branches {
                out.push(Row::Branch {
                    node: b.node,
                    text: b.text.clone(),
                    steps: b.steps,
                });
            }
        }
    }
    out
}

/// The path pane.
#[derive(Debug, Default)]
pub struct PathPane {
    nav: ListNav,
    /// The last replay of a path: its marks show beside the steps while that path is shown.
    pub replay: Option<Outcome>,
    /// The cursor (node, path length) when last synced: the selection follows it.
    cursor: Option<(usize, usize)>,
}

impl PathPane {
    /// The replay's mark of a step, when the replayed path is the one shown.
    pub fn mark(&self, session: &Session, step: usize) -> Option<Mark> {
        let outcome = self.replay.as_ref()?;
        let leaf = session.tree().leaf(session.tree().cursor());
        if outcome.leaf != leaf {
            return None;
        }
        outcome.marks.get(step).copied()
    }

    fn visible(&self, session: &Session) -> Vec<Row> {
        rows(session)
            .into_iter()
            .filter(|r| self.nav.passes(r.text()))
            .collect()
    }

    /// The selected row.
    pub fn selected(&self, session: &Session) -> Option<Row> {
        self.visible(session).into_iter().nth(self.nav.selected)
    }

    fn enter(&self, session: &Session) -> Handled {
        match self.selected(session) {
            Some(Row::Step { step, .. }) => Handled::Run(Command::Goto(step)),
            Some(Row::Branch { node, .. }) => Handled::Run(Command::SwitchBranch(node)),
            None => Handled::Yes,
        }
    }
}

impl Pane for PathPane {
    fn commands(&self, out: &mut Vec<Context>) {
        out.push(Context::Path);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &Draw) {
        let theme = view.theme;
        let title = format!(
            "path · step {} of {}",
            view.session.cursor_step(),
            view.session.path_len()
        );
        let block = block(&title, &self.nav.filter, view.focused, theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let rows = self.visible(view.session);
        let height = usize::from(inner.height);
        let offset = self.nav.window(rows.len(), height);
        let mut lines = Vec::new();
        for (i, row) in rows.iter().enumerate().skip(offset).take(height) {
            let mut line = match row {
                Row::Step {
                    step,
                    text,
                    cursor,
                    redo,
                    marked,
                } => {
                    let lead = match (*cursor, *marked) {
                        (true, _) => "▶ ",
                        (false, true) => "m ",
                        _ => "  ",
                    };
                    let style = if *cursor {
                        theme.title()
                    } else if *redo {
                        theme.dim()
                    } else {
                        ratatui::style::Style::new()
                    };
                    let mut spans = vec![Span::styled(lead, theme.warn())];
                    if let Some(mark) = self.mark(view.session, *step) {
                        let mark_style = match mark {
                            Mark::Matched => theme.good(),
                            Mark::Diverged => theme.bad(),
                            Mark::NotReached => theme.dim(),
                        };
                        spans.push(Span::styled(mark.symbol(), mark_style));
                    }
                    spans.push(Span::styled(text.clone(), style));
                    Line::from(spans)
                }
                Row::Branch { text, steps, .. } => Line::from(vec![
                    Span::styled("  ├ branch ", theme.warn()),
                    Span::styled(format!("{text} ({steps} steps)"), theme.dim()),
                ]),
            };
            if view.focused && i == self.nav.selected {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }

    fn handle(&mut self, cmd: Cmd, session: &Session, height: usize) -> Handled {
        let rows = self.visible(session);
        if self.nav.handle(cmd, rows.len(), height) {
            self.nav.follow(rows.len(), height);
            return Handled::Yes;
        }
        match cmd {
            Cmd::Enter => self.enter(session),
            Cmd::NextBranch => {
                let next = rows
                    .iter()
                    .enumerate()
                    .skip(self.nav.selected + 1)
                    .chain(rows.iter().enumerate().take(self.nav.selected + 1))
                    .find(|(_, r)| matches!(r, Row::Branch { .. }));
                match next {
                    Some((i, _)) => {
                        self.nav.select(i, rows.len());
                        self.nav.follow(rows.len(), height);
                        Handled::Yes
                    }
                    None => Handled::Yes,
                }
            }
            Cmd::Save => match self.selected(session) {
                Some(Row::Branch { node, .. }) => Handled::SaveBranch(node),
                _ => Handled::No,
            },
            Cmd::DiffMark => match self.selected(session) {
                Some(Row::Branch { node, .. }) => Handled::Run(Command::DiffBranch(node)),
                _ => Handled::No,
            },
            _ => Handled::No,
        }
    }

    fn click(&mut self, row: usize, session: &Session, height: usize) -> Handled {
        let len = self.visible(session).len();
        match self.nav.row_at(row, len, height) {
            Some(i) => {
                self.nav.select(i, len);
                self.enter(session)
            }
            None => Handled::No,
        }
    }

    fn scroll(&mut self, delta: isize, session: &Session) {
        let len = self.visible(session).len();
        self.nav.scroll(delta, len);
    }

    fn filter(&mut self) -> Option<&mut String> {
        Some(&mut self.nav.filter)
    }

    fn sync(&mut self, session: &Session) {
        let rows = self.visible(session);
        let key = (session.tree().cursor(), session.path_len());
        if self.cursor != Some(key) {
            self.cursor = Some(key);
            if let Some(i) = rows
                .iter()
                .position(|r| matches!(r, Row::Step { cursor: true, .. }))
            {
                self.nav.select(i, rows.len());
            }
        }
        self.nav.clamp(rows.len());
    }
}
