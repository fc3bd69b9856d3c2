//! The next actions, grouped by controller as the session lists them (a controller's reads
//! grouped by what they produce, its alternatives, cache moves, then the environment and
//! restarts), and under them a preview of what the selected one would change. Left and right
//! choose which read of a group is taken (the oldest by default); Enter takes it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph};

use crate::explore::session::{Command, EntryKind, Session};
use crate::ui::keymap::{Cmd, Context};
use crate::ui::nav::ListNav;
use crate::ui::pane::{Draw, Handled, Pane, block};
use crate::ui::panes::diff_lines;

/// The actions pane.
#[derive(Debug, Default)]
pub struct ActionsPane {
    nav: ListNav,
    /// Which of the selected group's actions (reads, oldest first) is taken.
    choice: usize,
    /// The cursor when last synced: the selection goes back to the top when it moves.
    cursor: Option<usize>,
}

impl ActionsPane {
    /// The indices (into the session's actions) that pass the filter.
    fn visible(&self, session: &Session) -> Vec<usize> {
        session
            .actions()
            .iter()
            .enumerate()
            .filter(|(_, e)| self.nav.passes(&e.text()))
            .map(|(i, _)| i)
            .collect()
    }

    /// The selected line and the index of its chosen action, if it has actions.
    pub fn chosen(&self, session: &Session) -> Option<(usize, usize)> {
        let &i = self.visible(session).get(self.nav.selected)?;
        let n = session.actions()[i].actions.len();
        (n > 0).then(|| (i, self.choice.min(n - 1)))
    }

    fn take(&self, session: &Session) -> Handled {
        match self.chosen(session) {
            Some((i, k)) => Handled::Run(Command::Take(session.actions()[i].actions[k].clone())),
            None => Handled::Yes,
        }
    }

    fn choose(&mut self, session: &Session, forward: bool) -> Handled {
        let len = self
            .visible(session)
            .get(self.nav.selected)
            .map_or(0, |&i| session.actions()[i].actions.len());
        self.choice = if forward {
            (self.choice + 1).min(len.saturating_sub(1))
        } else {
            self.choice.saturating_sub(1)
        };
        Handled::Yes
    }

    /// The list's share of the pane: the rest shows the preview.
    fn split(area: Rect) -> [Rect; 2] {
        let preview = (area.height / 3).clamp(3, 12);
        Layout::vertical([Constraint::Min(3), Constraint::Length(preview)]).areas(area)
    }
}

impl Pane for ActionsPane {
    fn commands(&self, out: &mut Vec<Context>) {
        out.push(Context::Actions);
    }

    fn height(&self, area: Rect) -> usize {
        usize::from(ActionsPane::split(area)[0].height.saturating_sub(2))
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &Draw) {
        let theme = view.theme;
        let session = view.session;
        let visible = self.visible(session);
        let [list_area, preview_area] = ActionsPane::split(area);
        let title = format!("next actions · {}", session.actions().len());
        let list_block = block(&title, &self.nav.filter, view.focused, theme);
        let inner = list_block.inner(list_area);
        frame.render_widget(list_block, list_area);
        let height = usize::from(inner.height);
        let offset = self.nav.window(visible.len(), height);
        let mut lines = Vec::new();
        let mut previous_actor = offset
            .checked_sub(1)
            .and_then(|i| visible.get(i))
            .map(|&i| session.actions()[i].actor.clone());
        let lesson = session.lesson_next().map(|(i, _)| i);
        for (row, &i) in visible.iter().enumerate().skip(offset).take(height) {
            let entry = &session.actions()[i];
            let first_of_actor = previous_actor.as_deref() != Some(entry.actor.as_str());
            previous_actor = Some(entry.actor.clone());
            let marker = match entry.kind {
                _ if lesson == Some(i) => "▶ ",
                EntryKind::Alternative => "  ⤷ ",
                _ if first_of_actor => "• ",
                _ => "  ",
            };
            let style = if lesson == Some(i) {
                theme.good()
            } else if entry.action().is_none() {
                theme.dim()
            } else {
                ratatui::style::Style::new()
            };
            let mut line = Line::from(vec![
                Span::styled(marker, theme.dim()),
                Span::styled(entry.text(), style),
            ]);
            if row == self.nav.selected {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        if visible.is_empty() {
            lines.push(Line::styled("(no action)", theme.dim()));
        }
        frame.render_widget(Paragraph::new(lines), inner);

        let chosen = self
            .chosen(session)
            .map(|(i, k)| &session.actions()[i].actions[k]);
        let title = match (selected_len(session, &visible, self.nav.selected), chosen) {
            (n, Some(a)) if n > 1 => format!(
                "preview: {} ({} of {n}, ←→ choose)",
                session.system().describe(a),
                self.choice.min(n - 1) + 1
            ),
            (_, Some(a)) => format!("preview: {}", session.system().describe(a)),
            (_, None) => "preview".to_string(),
        };
        let preview_block = block(&title, "", false, theme).borders(Borders::ALL);
        let preview_inner = preview_block.inner(preview_area);
        frame.render_widget(preview_block, preview_area);
        let preview: Vec<Line> = match chosen {
            None => vec![Line::styled("nothing to take", theme.dim())],
            Some(action) => match session.preview(action) {
                Ok(diffs) if diffs.is_empty() => {
                    vec![Line::styled("changes nothing", theme.dim())]
                }
                Ok(diffs) => diff_lines(&diffs, theme),
                Err(e) => vec![Line::styled(e, theme.bad())],
            },
        };
        frame.render_widget(Paragraph::new(preview), preview_inner);
    }

    fn handle(&mut self, cmd: Cmd, session: &Session, height: usize) -> Handled {
        let len = self.visible(session).len();
        if self.nav.handle(cmd, len, height) {
            self.nav.follow(len, height);
            self.choice = 0;
            return Handled::Yes;
        }
        match cmd {
            Cmd::Enter => self.take(session),
            Cmd::Expand => self.choose(session, true),
            Cmd::Collapse => self.choose(session, false),
            _ => Handled::No,
        }
    }

    fn click(&mut self, row: usize, session: &Session, height: usize) -> Handled {
        let len = self.visible(session).len();
        match self.nav.row_at(row, len, height) {
            Some(i) if i == self.nav.selected => self.take(session),
            Some(i) => {
                self.nav.select(i, len);
                self.choice = 0;
                Handled::Yes
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
        let cursor = session.tree().cursor();
        if self.cursor != Some(cursor) {
            self.cursor = Some(cursor);
            self.nav.selected = 0;
            self.nav.offset = 0;
            self.choice = 0;
            // On a lesson, the line (and read) of its next step is selected.
            if let Some((i, k)) = session.lesson_next()
                && let Some(row) = self.visible(session).iter().position(|&v| v == i)
            {
                self.nav.selected = row;
                self.choice = k;
            }
        }
        self.nav.clamp(self.visible(session).len());
    }
}

fn selected_len(session: &Session, visible: &[usize], selected: usize) -> usize {
    visible
        .get(selected)
        .map_or(0, |&i| session.actions()[i].actions.len())
}
