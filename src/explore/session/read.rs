//! [`Session`]'s read accessors: everything the screen shows, as data.

use std::path::Path;

use super::screen::*;
use super::view::{self, EntryDiff, KindView, LocalView};
use super::watch::{self, WatchView};
use super::whatif::{self, WhatIfReport};
use super::{ActionEntry, Picker, Session, Settings, Tree, parse};
use crate::model::config::ModelConfig;
use crate::model::properties::{Property, PropertyKind};
use crate::model::system::{Action, System, SystemState};

impl Session {
    /// The system explored (the model under the settings in force, plain: every read).
    pub fn system(&self) -> &System {
        &self.system
    }

    /// The exploration tree.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// The model configuration in force.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The file opened.
    pub fn source_path(&self) -> &Path {
        &self.path
    }

    /// Whether the file opened is a model (which a watcher may reload).
    pub fn is_model_file(&self) -> bool {
        !self.from_trace && self.lesson.is_none()
    }

    /// The property the opened trace records as violated (`None` for a model, or a trace of
    /// an explored path that violates nothing).
    pub fn trace_property(&self) -> Option<&str> {
        self.trace_property.as_deref()
    }

    /// The properties checked, in the model's order.
    pub fn checked_properties(&self) -> &[&'static Property] {
        &self.properties
    }

    /// The cursor's state.
    pub fn state(&self) -> &SystemState {
        self.tree.state()
    }

    /// The cursor's step (0 is the start).
    pub fn cursor_step(&self) -> usize {
        self.tree.node(self.tree.cursor()).depth
    }

    /// The number of steps of the path (through the cursor to its end).
    pub fn path_len(&self) -> usize {
        self.tree.path().len() - 1
    }

    /// The states of the path, from the start.
    pub fn path_states(&self) -> Vec<&SystemState> {
        self.tree
            .path()
            .into_iter()
            .map(|id| &self.tree.node(id).state)
            .collect()
    }

    /// The header.
    pub fn header(&self) -> Header {
        let settings = Settings::of(&self.config);
        Header {
            model: self.config.name.clone(),
            source: self.path.clone(),
            settings,
            consistency: settings.consistency.to_string(),
            commit: settings.commit.name(),
            step: self.cursor_step(),
            steps: self.path_len(),
            violated: whatif::violated(&self.system, &self.properties, self.state()),
            what_if: self.what_if.is_some(),
        }
    }

    /// The path, one line per step, from the start (`0. start`).
    pub fn path_lines(&self) -> Vec<PathLine> {
        let cursor = self.cursor_step();
        self.tree
            .path()
            .into_iter()
            .map(|id| {
                let node = self.tree.node(id);
                let text = match &node.step {
                    Some(s) => format!("{}. {} => {}", node.depth, s.describe, s.outcome),
                    None => "0. start".to_string(),
                };
                PathLine {
                    step: node.depth,
                    node: id,
                    text,
                    at_cursor: node.depth == cursor,
                    after_cursor: node.depth > cursor,
                    branches: node
                        .parent
                        .map_or(0, |p| self.tree.node(p).children.len().saturating_sub(1)),
                }
            })
            .collect()
    }

    /// The places along the path where other branches fork off, in path order.
    pub fn forks(&self) -> Vec<Fork> {
        let path = self.tree.path();
        path.windows(2)
            .filter_map(|pair| {
                let parent = self.tree.node(pair[0]);
                let branches: Vec<Branch> = parent
                    .children
                    .iter()
                    .filter(|&&c| c != pair[1])
                    .map(|&c| {
                        let node = self.tree.node(c);
                        let leaf = self.tree.leaf(c);
                        let text = node
                            .step
                            .as_ref()
                            .map(|s| format!("{}. {} => {}", node.depth, s.describe, s.outcome))
                            .unwrap_or_default();
                        Branch {
                            node: c,
                            text,
                            steps: self.tree.node(leaf).depth - parent.depth,
                        }
                    })
                    .collect();
                (!branches.is_empty()).then(|| Fork {
                    step: parent.depth + 1,
                    branches,
                })
            })
            .collect()
    }

    /// The cursor's resources by kind.
    pub fn resources(&self) -> Vec<KindView> {
        view::resources(self.state())
    }

    /// Each controller's local state in the cursor's state.
    pub fn locals(&self) -> Vec<LocalView> {
        view::locals(&self.system, self.state())
    }

    /// What the cursor's step changed (resources and local states, field by field); empty at
    /// the start.
    pub fn last_changes(&self) -> Vec<EntryDiff> {
        match self.tree.node(self.tree.cursor()).parent {
            Some(p) => view::diff(&self.system, &self.tree.node(p).state, self.state()),
            None => Vec::new(),
        }
    }

    /// The next actions, grouped (see [`actions`]).
    pub fn actions(&self) -> &[ActionEntry] {
        &self.actions
    }

    /// What taking `action` would change (only the fields that change), or why it cannot be
    /// taken.
    pub fn preview(&self, action: &Action) -> Result<Vec<EntryDiff>, String> {
        let t = self
            .system
            .take(self.state(), action)
            .map_err(|e| e.to_string())?;
        Ok(view::diff(&self.system, self.state(), &t.next))
    }

    /// Every checked property with its status in the cursor's state, violated first.
    pub fn properties(&self) -> Vec<PropertyView> {
        let states: Vec<&SystemState> = self
            .tree
            .ancestors(self.tree.cursor())
            .into_iter()
            .map(|id| &self.tree.node(id).state)
            .collect();
        let here = self.state();
        let terminal = self.actions.iter().all(|a| a.actions.is_empty());
        let mut out: Vec<PropertyView> = self
            .properties
            .iter()
            .map(|&p| {
                let holds_here = (p.check)(&self.system, here);
                let seen = || states.iter().any(|s| (p.check)(&self.system, s));
                let status = match p.kind {
                    PropertyKind::Always if holds_here => Status::Holds,
                    PropertyKind::Always => Status::Violated,
                    PropertyKind::Eventually if seen() => Status::Holds,
                    PropertyKind::Eventually if terminal => Status::Violated,
                    PropertyKind::Eventually => Status::Pending,
                    PropertyKind::Sometimes if seen() => Status::Holds,
                    PropertyKind::Sometimes => Status::NotSeen,
                };
                PropertyView {
                    property: p,
                    status,
                }
            })
            .collect();
        out.sort_by_key(|v| v.status != Status::Violated);
        out
    }

    /// The diff being shown, if any.
    pub fn diff(&self) -> Option<&DiffView> {
        self.diff.as_ref()
    }

    /// The marked step, if any.
    pub fn mark(&self) -> Option<usize> {
        self.mark
    }

    /// The watches with their timelines along the path.
    pub fn watches(&self) -> Vec<WatchView> {
        let states = self.path_states();
        self.watches
            .iter()
            .map(|w| watch::timeline(&self.system, w, states.iter().copied()))
            .collect()
    }

    /// The what-if in force, if any.
    pub fn what_if(&self) -> Option<&WhatIfReport> {
        self.what_if.as_ref().map(|(_, r)| r)
    }

    /// Whether a check is running.
    pub fn check_running(&self) -> bool {
        self.check.is_some()
    }

    /// The running check's status.
    pub fn check_status(&self) -> Option<CheckStatus> {
        let handle = self.check.as_ref()?;
        Some(CheckStatus {
            strategy: handle.strategy,
            from_step: self.tree.node(handle.from).depth,
            progress: handle.progress(),
            cancelling: handle.is_cancelled(),
        })
    }

    /// What the last finished check found.
    pub fn check_report(&self) -> Option<&str> {
        self.check_report.as_deref()
    }

    /// The status line's message.
    pub fn message(&self) -> Option<&Message> {
        self.message.as_ref()
    }

    /// Warnings from opening (fields the model does not use).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Completion candidates for a partly typed `:` line (whole lines).
    pub fn complete(&self, line: &str) -> Vec<String> {
        parse::complete(line, &self.completion_context())
    }

    /// What completion offers: the cursor's resources and controllers with their fields, and
    /// the files under `models/` and `traces/`.
    pub fn completion_context(&self) -> parse::CompletionContext {
        let with_parents = |fields: Vec<String>| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for f in fields {
                let mut at = 0;
                while let Some(i) = f[at..].find('.') {
                    out.push(f[..at + i].to_string());
                    at += i + 1;
                }
                out.push(f);
            }
            out.sort();
            out.dedup();
            out
        };
        let resources = self
            .resources()
            .into_iter()
            .flat_map(|k| k.resources)
            .map(|r| {
                let key = r.key();
                (
                    key,
                    with_parents(r.fields.into_iter().map(|f| f.path).collect()),
                )
            })
            .collect();
        let controllers = self
            .locals()
            .into_iter()
            .map(|l| {
                let mut paths: Vec<String> = l.fields.into_iter().map(|f| f.path).collect();
                paths.extend(
                    ["running", "session.read", "expectations", "caches"].map(String::from),
                );
                (l.controller, with_parents(paths))
            })
            .collect();
        let files = Picker::scan(Path::new("models"), Path::new("traces"))
            .all()
            .iter()
            .map(|e| e.path.display().to_string())
            .collect();
        parse::CompletionContext {
            resources,
            controllers,
            files,
        }
    }
}
