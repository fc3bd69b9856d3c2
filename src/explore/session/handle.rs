//! [`Session::handle`]: each command's effect on the session.

use std::path::PathBuf;

use super::command::{Command, Effect, LoadPurpose};
use super::open::Source;
use super::settings::Settings;
use super::tree::NodeId;
use super::{DiffView, Session, parse, view};
use crate::model::system::Action;

impl Session {
    /// Handles a command: changes the session and returns what the caller must carry out.
    /// Never blocks; errors become the session's [`Session::message`].
    pub fn handle(&mut self, command: Command) -> Vec<Effect> {
        if !matches!(command, Command::Tick | Command::CheckStarted(_)) {
            self.message = None;
        }
        let effects = self.dispatch(command);
        self.refresh();
        effects
    }

    fn dispatch(&mut self, command: Command) -> Vec<Effect> {
        match command {
            Command::Take(action) => self.take(action),
            Command::TakeEntry(i) => match self.actions.get(i).map(|e| e.action().cloned()) {
                Some(Some(action)) => self.take(action),
                Some(None) => self.error(format!("action {i} does nothing: nothing to take")),
                None => self.error(format!("no action {i} (there are {})", self.actions.len())),
            },
            Command::Back => {
                if !self.tree.back() {
                    self.error("already at the start");
                }
            }
            Command::Redo => {
                if !self.tree.redo() {
                    self.error("at the end of the path: nothing to redo");
                }
            }
            Command::Goto(n) => {
                let len = self.path_len();
                if n > len {
                    self.error(format!("no step {n}: the path has {len} steps"));
                } else {
                    self.tree.goto(n);
                }
            }
            Command::First => self.tree.goto(0),
            Command::Last => self.tree.goto(usize::MAX),
            Command::SwitchBranch(node) => {
                if node >= self.tree.len() {
                    self.error(format!("no branch {node}"));
                } else {
                    self.tree.select(node);
                    self.info(format!(
                        "switched to the branch at step {}",
                        self.cursor_step()
                    ));
                }
            }
            Command::Mark => {
                self.mark = Some(self.cursor_step());
                self.info(format!("marked step {}", self.cursor_step()));
            }
            Command::Unmark => self.mark = None,
            Command::DiffMarked => {
                let here = self.cursor_step();
                match self.mark.or_else(|| here.checked_sub(1)) {
                    Some(from) => self.show_diff(from, here),
                    None => self.error("at the start: no previous step to diff against"),
                }
            }
            Command::Diff(a, b) => self.show_diff(a, b),
            Command::DiffBranch(node) => self.diff_branch(node),
            Command::DiffRevision(r) => self.diff_revision(r),
            Command::CloseDiff => self.diff = None,
            Command::Check(spec) => return self.start_check(spec),
            Command::CancelCheck => match &self.check {
                Some(handle) => {
                    handle.cancel();
                    self.info("cancelling the check");
                }
                None => self.error("no check is running"),
            },
            Command::CheckStarted(handle) => self.check = Some(handle),
            Command::Tick => self.collect_check(),
            Command::Consistency(consistency) => self.switch_settings(Settings {
                consistency,
                ..Settings::of(&self.config)
            }),
            Command::Commit(commit) => self.switch_settings(Settings {
                commit,
                ..Settings::of(&self.config)
            }),
            Command::Settings(settings) => self.switch_settings(settings),
            Command::RestoreSettings => match self.what_if.take() {
                Some((base, _)) => {
                    let settings = Settings::of(&base.config);
                    self.restore(base);
                    self.info(format!("back to {settings}: the path is restored"));
                }
                None => self.error("no what-if to leave"),
            },
            Command::Watch(target) => match target.check(&self.system) {
                Ok(()) if self.watches.contains(&target) => {
                    self.error(format!("already watching {target}"))
                }
                Ok(()) => {
                    self.info(format!("watching {target}"));
                    self.watches.push(target);
                }
                Err(e) => self.error(e),
            },
            Command::Unwatch(i) => {
                if i < self.watches.len() {
                    let w = self.watches.remove(i);
                    self.info(format!("stopped watching {w}"));
                } else {
                    self.error(format!("no watch {i}"));
                }
            }
            Command::NextChange(i) | Command::PrevChange(i) => {
                let next = matches!(command, Command::NextChange(_));
                match self.watches().get(i) {
                    None => self.error(format!("no watch {i}")),
                    Some(w) => {
                        let here = self.cursor_step();
                        let to = if next {
                            w.next_change(here)
                        } else {
                            w.prev_change(here)
                        };
                        match to {
                            Some(step) => self.tree.goto(step),
                            None => self.error(format!(
                                "{} does not change {} step {here}",
                                w.target,
                                if next { "after" } else { "before" }
                            )),
                        }
                    }
                }
            }
            Command::Save(name) => {
                let node = self.tree.leaf(self.tree.cursor());
                return self.save(node, name);
            }
            Command::SaveBranch(node, name) => {
                if node >= self.tree.len() {
                    self.error(format!("no branch {node}"));
                } else {
                    return self.save(self.tree.leaf(node), name);
                }
            }
            Command::Saved(Ok(path)) => self.info(format!("saved {}", path.display())),
            Command::Saved(Err(e)) => self.error(format!("cannot save the trace: {e}")),
            Command::Open(path) => return vec![Effect::Load(LoadPurpose::Open, path)],
            Command::Reload => return vec![Effect::Load(LoadPurpose::Reload, self.path.clone())],
            Command::Loaded(LoadPurpose::Open, Ok(source)) => self.open_source(*source),
            Command::Loaded(LoadPurpose::Reload, Ok(source)) => self.reload(*source),
            Command::Loaded(purpose, Err(e)) => {
                let what = match purpose {
                    LoadPurpose::Open => "cannot open",
                    LoadPurpose::Reload => "reload failed",
                };
                self.error(format!("{what}: {e}; nothing changed"));
            }
            Command::Line(text) => match parse::parse(&text) {
                Ok(command) => return self.dispatch(command),
                Err(e) => self.error(e),
            },
            Command::Quit => return vec![Effect::Quit],
        }
        Vec::new()
    }

    fn take(&mut self, action: Action) {
        match self.system.take(self.state(), &action) {
            Ok(t) => {
                let here = self.tree.cursor();
                let before = self.tree.node(here).next;
                let describe = self.system.describe(&t.action);
                let id = self.tree.push(t, describe);
                if before.is_some_and(|b| b != id) {
                    self.info(format!(
                        "a new branch at step {}; the old continuation is kept as a branch",
                        self.cursor_step()
                    ));
                }
            }
            Err(e) => self.error(format!("cannot take it: {e}")),
        }
    }

    fn show_diff(&mut self, a: usize, b: usize) {
        let path = self.tree.path();
        let len = path.len() - 1;
        if a > len || b > len {
            self.error(format!("diff {a} {b}: the path has steps 0 to {len}"));
            return;
        }
        let (sa, sb) = (
            &self.tree.node(path[a]).state,
            &self.tree.node(path[b]).state,
        );
        self.diff = Some(DiffView {
            title: format!("step {a} -> step {b}"),
            entries: view::diff(&self.system, sa, sb),
        });
    }

    fn diff_branch(&mut self, node: NodeId) {
        if node >= self.tree.len() {
            self.error(format!("no branch {node}"));
            return;
        }
        let theirs = self.tree.leaf(node);
        let ours = self.tree.leaf(self.tree.cursor());
        self.diff = Some(DiffView {
            title: format!(
                "end of the branch (step {}) -> end of this path (step {})",
                self.tree.node(theirs).depth,
                self.tree.node(ours).depth
            ),
            entries: view::diff(
                &self.system,
                &self.tree.node(theirs).state,
                &self.tree.node(ours).state,
            ),
        });
    }

    // ---- files ----

    fn save(&mut self, leaf: NodeId, name: Option<String>) -> Vec<Effect> {
        let trace = self.trace_of(leaf);
        let path = match name {
            Some(n) if n.contains('/') => PathBuf::from(&n),
            Some(n) if n.ends_with(".json") => self.trace_dir.join(n),
            Some(n) => self.trace_dir.join(format!("{n}.json")),
            None => self.trace_dir.join(super::save::default_name(&trace)),
        };
        vec![Effect::WriteTrace {
            path,
            text: trace.to_json(),
        }]
    }

    pub(super) fn open_source(&mut self, source: Source) {
        let path = source.path.display().to_string();
        match Session::from_source(source, &super::Overrides::default()) {
            Ok(mut opened) => {
                opened.watches = std::mem::take(&mut self.watches);
                opened.trace_dir = self.trace_dir.clone();
                if let Some(check) = &self.check {
                    check.cancel();
                }
                *self = opened;
                self.info(format!("opened {path}"));
            }
            Err(e) => self.error(format!("cannot open: {e}; nothing changed")),
        }
    }
}
