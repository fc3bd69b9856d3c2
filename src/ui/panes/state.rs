//! The cursor's state as a tree: resources by kind, then each controller's local state; a
//! resource or local state opens to its fields. What the last step changed is open by default
//! and marked `old -> new`. `w` watches the selected field.

use std::collections::{BTreeMap, HashSet};

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::explore::session::{Change, Session};
use crate::ui::keymap::{Cmd, Context};
use crate::ui::nav::{ListNav, contains_ignore_case};
use crate::ui::pane::{Draw, Handled, Pane, block};

/// A row of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// Its depth (0: a kind or "local states").
    pub depth: usize,
    /// Its key for expanding (`kind:Pod`, `Pod/web-0`, `local:node-1`); fields have none.
    pub key: Option<String>,
    /// The watch target of a field row (`Pod/web-0 spec.nodeName`).
    pub watch: Option<String>,
    /// The text.
    pub text: String,
    /// The last step's change of this field (`old -> new`), or of this entry (added, removed).
    pub change: Option<String>,
    /// Whether it is open (rows with a key).
    pub open: bool,
}

/// The state pane.
#[derive(Debug, Default)]
pub struct StatePane {
    nav: ListNav,
    opened: HashSet<String>,
    closed: HashSet<String>,
}

impl StatePane {
    fn is_open(&self, key: &str, default: bool) -> bool {
        !self.closed.contains(key) && (default || self.opened.contains(key))
    }

    /// The tree's visible rows: with a filter, every row that matches, under its parents.
    pub fn rows(&self, session: &Session) -> Vec<Row> {
        let changes = session.last_changes();
        let mut changed_fields: BTreeMap<(bool, &str), BTreeMap<&str, String>> = BTreeMap::new();
        let mut entry_change: BTreeMap<(bool, &str), &'static str> = BTreeMap::new();
        for d in &changes {
            let fields = changed_fields.entry((d.local, d.key.as_str())).or_default();
            for f in &d.fields {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                fields.insert(
                    f.path.as_str(),
                    format!("{} -> {}", show(&f.old), show(&f.new)),
                );
            }
            let word = match d.change {
                Change::Added => "added",
                Change::Removed => "removed",
                Change::Changed => "changed",
            };
            entry_change.insert((d.local, d.key.as_str()), word);
        }
        let all = !self.nav.filter.is_empty();
        let mut out = Vec::new();
        for kind in session.resources() {
            let kind_key = format!("kind:{}", kind.kind.name());
            let kind_open = all || self.is_open(&kind_key, true);
            out.push(Row {
                depth: 0,
                key: Some(kind_key),
                watch: None,
                text: format!("{} ({})", kind.kind.name(), kind.resources.len()),
                change: None,
                open: kind_open,
            });
            if !kind_open {
                continue;
            }
            for r in kind.resources {
                let key = r.key();
                let changed = changed_fields.get(&(false, key.as_str()));
                let open = all || self.is_open(&key, changed.is_some_and(|c| !c.is_empty()));
                out.push(Row {
                    depth: 1,
                    key: Some(key.clone()),
                    watch: None,
                    text: r.name.clone(),
                    change: entry_change
                        .get(&(false, key.as_str()))
                        .map(|w| w.to_string()),
                    open,
                });
                if open {
                    for f in r.fields {
                        out.push(field_row(&key, &f.path, &f.value, changed));
                    }
                }
            }
        }
        let locals = session.locals();
        let locals_open = all || self.is_open("locals", true);
        out.push(Row {
            depth: 0,
            key: Some("locals".into()),
            watch: None,
            text: format!("local states ({})", locals.len()),
            change: None,
            open: locals_open,
        });
        if locals_open {
            for l in locals {
                let key = format!("local:{}", l.controller);
                let changed = changed_fields.get(&(true, l.controller.as_str()));
                let open = all || self.is_open(&key, changed.is_some_and(|c| !c.is_empty()));
                out.push(Row {
                    depth: 1,
                    key: Some(key),
                    watch: None,
                    text: l.controller.clone(),
                    change: entry_change
                        .get(&(true, l.controller.as_str()))
                        .map(|w| w.to_string()),
                    open,
                });
                if open {
                    for f in l.fields {
                        out.push(field_row(&l.controller, &f.path, &f.value, changed));
                    }
                }
            }
        }
        if all {
            filter_tree(out, &self.nav.filter)
        } else {
            out
        }
    }

    fn toggle(&mut self, row: &Row, open: bool) -> Handled {
        let Some(key) = &row.key else {
            return Handled::Yes;
        };
        if open {
            self.closed.remove(key);
            self.opened.insert(key.clone());
        } else {
            self.opened.remove(key);
            self.closed.insert(key.clone());
        }
        Handled::Yes
    }
}

fn field_row(
    subject: &str,
    path: &str,
    value: &str,
    changed: Option<&BTreeMap<&str, String>>,
) -> Row {
    Row {
        depth: 2,
        key: None,
        watch: Some(format!("{subject} {path}")),
        text: format!("{path}: {value}"),
        change: changed.and_then(|c| c.get(path).cloned()),
        open: false,
    }
}

/// Keeps the rows that match and the rows above them (their parents).
fn filter_tree(rows: Vec<Row>, filter: &str) -> Vec<Row> {
    let matches: Vec<bool> = rows
        .iter()
        .map(|r| contains_ignore_case(&r.text, filter))
        .collect();
    let mut keep = matches.clone();
    for i in 0..rows.len() {
        if matches[i] {
            let mut depth = rows[i].depth;
            for j in (0..i).rev() {
                if rows[j].depth < depth {
                    keep[j] = true;
                    depth = rows[j].depth;
                }
            }
        }
    }
    rows.into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(r, _)| r)
        .collect()
}

impl Pane for StatePane {
    fn commands(&self, out: &mut Vec<Context>) {
        out.push(Context::State);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &Draw) {
        let theme = view.theme;
        let title = format!("state at step {}", view.session.cursor_step());
        let block = block(&title, &self.nav.filter, view.focused, theme);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let rows = self.rows(view.session);
        let height = usize::from(inner.height);
        let offset = self.nav.window(rows.len(), height);
        let mut lines = Vec::new();
        for (i, row) in rows.iter().enumerate().skip(offset).take(height) {
            let indent = "  ".repeat(row.depth);
            let mark = match (&row.key, row.open) {
                (Some(_), true) => "▾ ",
                (Some(_), false) => "▸ ",
                (None, _) => "  ",
            };
            let style = match row.depth {
                0 => theme.title(),
                _ => ratatui::style::Style::new(),
            };
            let mut spans = vec![
                Span::raw(indent),
                Span::styled(mark, theme.dim()),
                Span::styled(row.text.clone(), style),
            ];
            if let Some(change) = &row.change {
                spans.push(Span::styled(format!("  ({change})"), theme.warn()));
            }
            let mut line = Line::from(spans);
            if view.focused && i == self.nav.selected {
                line = line.style(theme.selected());
            }
            lines.push(line);
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }

    fn handle(&mut self, cmd: Cmd, session: &Session, height: usize) -> Handled {
        let rows = self.rows(session);
        if self.nav.handle(cmd, rows.len(), height) {
            self.nav.follow(rows.len(), height);
            return Handled::Yes;
        }
        let Some(row) = rows.get(self.nav.selected).cloned() else {
            return Handled::No;
        };
        match cmd {
            Cmd::Enter => {
                let open = !row.open;
                self.toggle(&row, open)
            }
            Cmd::Expand => self.toggle(&row, true),
            Cmd::Collapse if row.key.is_some() && row.open => self.toggle(&row, false),
            Cmd::Collapse => {
                // On a field or a closed entry: go to the parent.
                let parent = (0..self.nav.selected)
                    .rev()
                    .find(|&j| rows[j].depth < row.depth);
                if let Some(j) = parent {
                    self.nav.select(j, rows.len());
                    self.nav.follow(rows.len(), height);
                }
                Handled::Yes
            }
            Cmd::Watch => match row.watch {
                Some(target) => Handled::Watch(target),
                None => Handled::Yes,
            },
            _ => Handled::No,
        }
    }

    fn click(&mut self, row: usize, session: &Session, height: usize) -> Handled {
        let rows = self.rows(session);
        match self.nav.row_at(row, rows.len(), height) {
            Some(i) if i == self.nav.selected => {
                let r = rows[i].clone();
                let open = !r.open;
                self.toggle(&r, open)
            }
            Some(i) => {
                self.nav.select(i, rows.len());
                Handled::Yes
            }
            None => Handled::No,
        }
    }

    fn scroll(&mut self, delta: isize, session: &Session) {
        let len = self.rows(session).len();
        self.nav.scroll(delta, len);
    }

    fn filter(&mut self) -> Option<&mut String> {
        Some(&mut self.nav.filter)
    }

    fn sync(&mut self, session: &Session) {
        let len = self.rows(session).len();
        self.nav.clamp(len);
    }
}
