//! The explorer without a terminal: a [`Session`] holds everything `orchard explore` shows and
//! does (the model, the exploration tree and its cursor, the grouped next actions, diffs,
//! watches, what-if, check from here, traces). `src/ui` only draws it and maps keys to
//! [`Command`]s; tests drive it with commands and no terminal.
//!
//! Imports `crate::model` and the rest of `crate::explore`. Promises: [`Session::handle`]
//! never blocks and does no I/O; what needs I/O or a thread comes back as an [`Effect`], which
//! the caller carries out ([`Effect::perform`]) and whose result it hands back as the command
//! `perform` returns. [`Session::run`] does both, for tests and the CLI.
//!
//! # API (stable: added to, never renamed)
//!
//! Opening: [`Session::open`] (a model at its start state, or a trace with its whole path and
//! the cursor on its violating step; [`Overrides`] as `orchard check` takes them),
//! [`Session::from_source`]; [`Picker`] lists `models/` and `traces/` with descriptions and
//! filters them. Errors are [`OpenError`]s naming file, line and field.
//!
//! Reading, for the screen: [`Session::header`], [`Session::path_lines`],
//! [`Session::cursor_step`], [`Session::path_len`], [`Session::state`],
//! [`Session::resources`], [`Session::locals`], [`Session::last_changes`] (the fields the last
//! step changed, old -> new), [`Session::actions`] (grouped by controller: reads grouped by
//! what they produce, alternatives, cache moves, environment, restarts), [`Session::preview`],
//! [`Session::properties`] (violated first), [`Session::forks`], [`Session::diff`],
//! [`Session::watches`], [`Session::what_if`], [`Session::check_status`],
//! [`Session::check_report`], [`Session::message`], [`Session::warnings`],
//! [`Session::complete`], [`Session::system`], [`Session::tree`].
//!
//! Commands ([`Command`]): take (an action or a line of the actions), back, redo, goto,
//! first, last; switch branch; mark, diff (marked or previous, two steps, a branch); check
//! (BFS, DFS, simulation from the cursor), cancel, tick; what-if (consistency, commit, both,
//! restore); watch, unwatch, next/previous change; save (path or branch), open, reload; a `:`
//! line ([`parse::parse`], completion [`parse::complete`]); quit.

pub mod actions;
pub mod check;
pub mod command;
pub mod open;
pub mod parse;
pub mod picker;
pub mod settings;
pub mod tree;
pub mod view;
pub mod watch;
pub mod whatif;

mod handle;
mod save;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use actions::{ActionEntry, EntryKind};
pub use check::{CheckHandle, CheckRequest};
pub use command::{CheckSpec, Command, Effect, LoadPurpose};
pub use open::{Content, OpenError, Source};
pub use picker::{Picker, PickerEntry};
pub use settings::{Overrides, Settings};
pub use tree::{NodeId, Tree};
pub use view::{Change, EntryDiff, FieldChange, KindView, LocalView};
pub use watch::{WatchTarget, WatchView};
pub use whatif::{Break, BreakKind, Nearest, WhatIfReport};

use crate::explore::checker::Strategy;
use crate::explore::progress::Progress;
use crate::model::config::ModelConfig;
use crate::model::properties::{self, Property, PropertyKind};
use crate::model::system::{Action, Reduction, System, SystemState};

/// A line of the status bar: what the last command did, or why it could not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The text.
    pub text: String,
    /// Whether it reports an error (shown in red).
    pub error: bool,
}

/// The header: model, settings, step k of n, the properties the cursor's state violates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The model's name.
    pub model: String,
    /// The file opened.
    pub source: PathBuf,
    /// The settings in force.
    pub settings: Settings,
    /// The consistency with its options: `informer (relist: latest)`.
    pub consistency: String,
    /// The commit mode's name.
    pub commit: &'static str,
    /// The cursor's step (0 is the start).
    pub step: usize,
    /// The steps of the path.
    pub steps: usize,
    /// The `always` properties the cursor's state violates.
    pub violated: Vec<&'static str>,
    /// Whether a what-if is in force (settings other than the path's own).
    pub what_if: bool,
}

/// One line of the path: `7. node-2 reads r14 => update Pod web-0 -> r15`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathLine {
    /// The step's number (0: the start).
    pub step: usize,
    /// Its node in the tree.
    pub node: NodeId,
    /// The line.
    pub text: String,
    /// Whether it is the cursor's step.
    pub at_cursor: bool,
    /// Whether it comes after the cursor (redo).
    pub after_cursor: bool,
    /// How many other branches fork off before this step (other children of its parent).
    pub branches: usize,
}

/// A place where the exploration forks: other branches beside the path's step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fork {
    /// The step number the branches replace (their first step's number).
    pub step: usize,
    /// The branches, besides the path's own step.
    pub branches: Vec<Branch>,
}

/// A branch of the exploration tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Branch {
    /// Its first node ([`Command::SwitchBranch`] takes it).
    pub node: NodeId,
    /// Its first step's line.
    pub text: String,
    /// Its steps from the fork to its end.
    pub steps: usize,
}

/// A property's status in the cursor's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Violated: an `always` property false here, or an `eventually` one never true on the
    /// path to a state with nothing left to do.
    Violated,
    /// `eventually`: not yet true on the path, and steps remain.
    Pending,
    /// Holds (`eventually`/`sometimes`: true somewhere on the path to here).
    Holds,
    /// `sometimes`: not seen on the path to here.
    NotSeen,
}

impl Status {
    /// A word for the screen.
    pub fn word(self) -> &'static str {
        match self {
            Status::Violated => "violated",
            Status::Pending => "eventually: pending",
            Status::Holds => "holds",
            Status::NotSeen => "not seen yet",
        }
    }
}

/// One property and its status.
#[derive(Clone, Copy, Debug)]
pub struct PropertyView {
    /// The property.
    pub property: &'static Property,
    /// Its status in the cursor's state.
    pub status: Status,
}

/// A diff being shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffView {
    /// `step 3 -> step 7`, `branch at step 5 -> this path`.
    pub title: String,
    /// The differences.
    pub entries: Vec<EntryDiff>,
}

/// A running check, for the status line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckStatus {
    /// The strategy.
    pub strategy: Strategy,
    /// The step it started from.
    pub from_step: usize,
    /// Its latest progress (states, unique, rate, depth, elapsed).
    pub progress: Progress,
    /// Whether a cancel was asked for.
    pub cancelling: bool,
}

/// The settings and path a what-if started from, to restore.
#[derive(Clone, Debug)]
struct Base {
    config: ModelConfig,
    system: Arc<System>,
    tree: Tree,
}

/// The interactive explorer's state. See the module documentation.
#[derive(Debug)]
pub struct Session {
    path: PathBuf,
    /// The property a trace opened records, if it was opened from one.
    trace_property: Option<String>,
    /// Whether the file opened is a trace.
    from_trace: bool,
    config: ModelConfig,
    system: Arc<System>,
    fold: bool,
    properties: Vec<&'static Property>,
    tree: Tree,
    /// Bumped whenever the tree is replaced, so cached actions are recomputed.
    generation: u64,
    actions: Vec<ActionEntry>,
    actions_for: (u64, NodeId),
    mark: Option<usize>,
    diff: Option<DiffView>,
    watches: Vec<WatchTarget>,
    what_if: Option<(Base, WhatIfReport)>,
    check: Option<CheckHandle>,
    check_report: Option<String>,
    message: Option<Message>,
    warnings: Vec<String>,
    trace_dir: PathBuf,
}

/// The explorer's system: the plain model (a person may take any read), with informer
/// deliveries folded only when a trace made so is opened (its steps read that way).
fn build(config: &ModelConfig, fold: bool, origin: &str) -> Result<Arc<System>, OpenError> {
    let system = System::new(config.clone())
        .map_err(|e| OpenError(format!("{origin}: field `controllers`: {e}")))?;
    Ok(Arc::new(system.with_reduction(Reduction {
        fold_deliveries: fold,
        ..Reduction::NONE
    })))
}

impl Session {
    /// Opens a model or a trace file, with the command line's overrides of its settings (for
    /// a trace, a what-if from its own settings).
    pub fn open(path: &Path, overrides: &Overrides) -> Result<Session, OpenError> {
        Session::from_source(open::load(path)?, overrides)
    }

    /// A session over a file already read.
    pub fn from_source(source: Source, overrides: &Overrides) -> Result<Session, OpenError> {
        let origin = source.path.display().to_string();
        match source.content {
            Content::Model {
                mut config,
                ignored,
            } => {
                overrides.apply(&mut config);
                let system = build(&config, false, &origin)?;
                let tree = Tree::new(system.initial());
                let mut session = Session::new(source.path, *config, system, false, tree);
                session.warnings = ignored;
                Ok(session)
            }
            Content::Trace(trace) => {
                let fold = trace.reduction.fold_deliveries;
                let system = build(&trace.model, fold, &origin)?;
                let mut tree = Tree::new(system.initial());
                for (i, step) in trace.steps.iter().enumerate() {
                    let t = system
                        .take(tree.state(), &step.action)
                        .map_err(|e| OpenError(format!("{origin}: step {}: {e}", i + 1)))?;
                    tree.push(t, system.describe(&step.action));
                }
                tree.goto(trace.violation.step);
                let mut session =
                    Session::new(source.path, trace.model.clone(), system, fold, tree);
                session.trace_property =
                    Some(trace.violation.property.clone()).filter(|p| !p.is_empty());
                if !overrides.is_empty() {
                    let mut config = session.config.clone();
                    overrides.apply(&mut config);
                    session.switch_settings(Settings::of(&config));
                }
                Ok(session)
            }
        }
    }

    fn new(
        path: PathBuf,
        config: ModelConfig,
        system: Arc<System>,
        fold: bool,
        tree: Tree,
    ) -> Session {
        let properties = properties::selected(&system);
        let mut session = Session {
            path,
            trace_property: None,
            from_trace: false,
            config,
            system,
            fold,
            properties,
            tree,
            generation: 0,
            actions: Vec::new(),
            actions_for: (u64::MAX, 0),
            mark: None,
            diff: None,
            watches: Vec::new(),
            what_if: None,
            check: None,
            check_report: None,
            message: None,
            warnings: Vec::new(),
            trace_dir: PathBuf::from("traces"),
        };
        session.refresh();
        session
    }

    /// Where `save` writes traces (`traces` by default, relative to the working directory).
    pub fn set_trace_dir(&mut self, dir: PathBuf) {
        self.trace_dir = dir;
    }

    /// Handles a command and carries out its effects at once (reading and writing files,
    /// spawning a check), feeding their results back; returns the effects left (quit).
    /// For tests and the CLI: a UI calls [`Session::handle`] and performs effects itself.
    pub fn run(&mut self, command: Command) -> Vec<Effect> {
        let mut left = Vec::new();
        let mut queue = self.handle(command);
        while let Some(effect) = queue.pop() {
            match effect {
                Effect::Quit => left.push(Effect::Quit),
                other => {
                    if let Some(next) = other.perform() {
                        queue.extend(self.handle(next));
                    }
                }
            }
        }
        left
    }

    /// Waits for the running check to end and collects it (tests and the CLI only: a UI sends
    /// [`Command::Tick`] instead).
    pub fn wait_check(&mut self) {
        while self.check.is_some() {
            std::thread::sleep(std::time::Duration::from_millis(5));
            self.handle(Command::Tick);
        }
    }

    /// Recomputes what depends on the cursor when it moved.
    fn refresh(&mut self) {
        let key = (self.generation, self.tree.cursor());
        if self.actions_for != key {
            self.actions = actions::grouped(&self.system, self.tree.state());
            self.actions_for = key;
        }
    }

    fn replace_tree(&mut self, tree: Tree) {
        // A check's counterexample is a path from a node of the old tree: it cannot be placed.
        if let Some(check) = self.check.take() {
            check.cancel();
            self.warnings
                .push("the running check was cancelled: the path was replaced".into());
        }
        self.tree = tree;
        self.generation += 1;
        self.mark = None;
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: false,
        });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            text: text.into(),
            error: true,
        });
    }

    // ---- reading ----

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
        !self.from_trace
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
