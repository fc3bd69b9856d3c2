//! [`Session::handle`]: each command's effect on the session.

use std::path::PathBuf;
use std::time::Duration;

use super::check::{CheckRequest, Finished};
use super::command::{CheckSpec, Command, Effect, LoadPurpose};
use super::open::{Content, Source};
use super::settings::Settings;
use super::tree::{NodeId, Tree};
use super::whatif::{self, WhatIfReport};
use super::{Base, DiffView, Session, build, parse, view};
use crate::explore::checker::{CheckOptions, Ending, Verdict};
use crate::explore::stop::Stop;
use crate::model::system::{Action, Reduction, System};

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

    // ---- check from here ----

    fn start_check(&mut self, spec: CheckSpec) -> Vec<Effect> {
        if self.check.is_some() {
            self.error("a check is already running (cancel it first)");
            return Vec::new();
        }
        let system = match System::new(self.config.clone()) {
            Ok(s) => s.with_reduction(Reduction {
                fold_deliveries: self.fold,
                ..Reduction::ALL
            }),
            Err(e) => {
                self.error(e.to_string());
                return Vec::new();
            }
        };
        let options = CheckOptions {
            strategy: spec.strategy,
            max_depth: spec.max_depth.unwrap_or(self.config.checker.max_depth),
            timeout: spec.timeout_secs.map(Duration::from_secs),
            stop: Stop::never(),
            initial: Some(self.state().clone()),
            ..CheckOptions::default()
        };
        self.check_report = None;
        self.info(format!(
            "checking from step {} ({}, depth {})",
            self.cursor_step(),
            spec.strategy,
            options.max_depth
        ));
        vec![Effect::StartCheck(Box::new(CheckRequest {
            system: std::sync::Arc::new(system),
            properties: self.properties.clone(),
            options,
            from: self.tree.cursor(),
        }))]
    }

    fn collect_check(&mut self) {
        let Some(handle) = self.check.as_mut() else {
            return;
        };
        let Some(finished) = handle.try_finish() else {
            return;
        };
        let (from, strategy, depth) = (handle.from, handle.strategy, handle.max_depth);
        self.check = None;
        let outcome = match finished {
            Finished::Outcome(o) => o,
            Finished::Panicked(p) => {
                self.error(format!(
                    "the check stopped on a bug (please report it): {p}"
                ));
                return;
            }
        };
        let from_step = self.tree.node(from).depth;
        let counts = format!(
            "{} states, {} unique, depth {}, {:.1}s",
            outcome.states,
            outcome.unique_states,
            outcome.max_depth,
            outcome.elapsed.as_secs_f64()
        );
        let failed = outcome.results.iter().find_map(|r| match &r.verdict {
            Verdict::Failed {
                counterexample: Some(steps),
            } => Some((r.property, steps.clone())),
            _ => None,
        });
        let report = if let Some((property, _)) = failed.as_ref().filter(|(_, s)| s.is_empty()) {
            format!(
                "{strategy} from step {from_step}: {} ({}) is violated here already ({counts})",
                property.id, property.text
            )
        } else if let Some((property, steps)) = failed {
            self.tree.select(from);
            for t in &steps {
                let describe = self.system.describe(&t.action);
                self.tree.push(t.clone(), describe);
            }
            format!(
                "{strategy} from step {from_step}: {} ({}) fails {} steps on: steps {}..{} appended ({counts})",
                property.id,
                property.text,
                steps.len(),
                from_step + 1,
                from_step + steps.len()
            )
        } else {
            match outcome.ending {
                Ending::Cancelled => {
                    format!("{strategy} from step {from_step}: cancelled ({counts})")
                }
                Ending::Exhausted if !outcome.depth_bounded => format!(
                    "{strategy} from step {from_step}: every property holds in all states reachable from here ({counts})"
                ),
                Ending::Timeout => format!(
                    "{strategy} from step {from_step}: no violation before the timeout, within depth {} ({counts})",
                    outcome.max_depth
                ),
                _ => format!(
                    "{strategy} from step {from_step}: every property holds within depth {depth} of here ({counts})"
                ),
            }
        };
        self.info(report.clone());
        self.check_report = Some(report);
    }

    // ---- what-if ----

    /// Re-validates the path the session started from under `settings`: the path becomes the
    /// steps still possible, and the report says where and why it breaks. The settings of the
    /// path's own restore it.
    pub(super) fn switch_settings(&mut self, settings: Settings) {
        let base = match self.what_if.take() {
            Some((base, _)) => base,
            None => Base {
                config: self.config.clone(),
                system: self.system.clone(),
                tree: self.tree.clone(),
            },
        };
        let from = Settings::of(&base.config);
        if settings == from {
            self.restore(base);
            self.info(format!("back to {settings}: the path is restored"));
            return;
        }
        let mut config = base.config.clone();
        settings.apply(&mut config);
        let system = match build(&config, self.fold, &self.path.display().to_string()) {
            Ok(s) => s,
            Err(e) => {
                self.error(e.to_string());
                self.what_if = None;
                self.restore(base);
                return;
            }
        };
        let path = base.tree.path();
        let steps: Vec<_> = path
            .iter()
            .filter_map(|&id| base.tree.node(id).step.as_ref())
            .collect();
        let (start, taken, broken) = whatif::revalidate(&system, &steps);
        let end = &base.tree.node(*path.last().unwrap_or(&0)).state;
        let violated_before = whatif::violated(&base.system, &self.properties, end);
        let mut tree = Tree::new(start);
        for t in taken {
            let describe = system.describe(&t.action);
            tree.push(t, describe);
        }
        let violated_now = whatif::violated(&system, &self.properties, tree.state());
        let cursor = base.tree.node(base.tree.cursor()).depth;
        if broken.is_none() {
            tree.goto(cursor);
        }
        let report = WhatIfReport {
            from,
            to: settings,
            steps: steps.len(),
            broken,
            violated_before,
            violated_now,
        };
        self.info(report.text());
        self.config = config;
        self.system = system;
        self.replace_tree(tree);
        self.what_if = Some((base, report));
    }

    fn restore(&mut self, base: Base) {
        self.config = base.config;
        self.system = base.system;
        self.replace_tree(base.tree);
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

    fn open_source(&mut self, source: Source) {
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

    fn reload(&mut self, source: Source) {
        let origin = source.path.display().to_string();
        let Content::Model { mut config, .. } = source.content else {
            self.open_source(source);
            return;
        };
        Settings::of(&self.config).apply(&mut config);
        let system = match build(&config, self.fold, &origin) {
            Ok(s) => s,
            Err(e) => {
                self.error(format!(
                    "reload failed: {e}; the old model and path are kept"
                ));
                return;
            }
        };
        let path = self.tree.path();
        let steps: Vec<_> = path
            .iter()
            .filter_map(|&id| self.tree.node(id).step.as_ref())
            .collect();
        let (start, taken, broken) = whatif::revalidate(&system, &steps);
        if let Some(b) = broken {
            self.error(format!(
                "reload failed: step {} no longer fits the model: {}; the old model and path are kept",
                b.step, b.why
            ));
            return;
        }
        let cursor = self.cursor_step();
        let mut tree = Tree::new(start);
        for t in taken {
            let describe = system.describe(&t.action);
            tree.push(t, describe);
        }
        tree.goto(cursor);
        let n = steps.len();
        self.properties = crate::model::properties::selected(&system);
        self.config = *config;
        self.system = system;
        self.what_if = None;
        self.replace_tree(tree);
        self.info(format!(
            "reloaded {origin}: the path of {n} steps replays on it"
        ));
    }
}
