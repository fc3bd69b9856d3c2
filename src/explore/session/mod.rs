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
//! [`Session::check_report`], [`Session::explanation`], [`Session::message`],
//! [`Session::warnings`], [`Session::complete`], [`Session::system`], [`Session::tree`]; for
//! the revision DAG ([`dag`]) [`Session::steps_into`], [`Session::dag_focus`],
//! [`Session::revision_view`].
//!
//! Commands ([`Command`]): take (an action or a line of the actions), back, redo, goto,
//! first, last; switch branch; mark, diff (marked or previous, two steps, a branch, a revision against the latest); check
//! (BFS, DFS, simulation from the cursor), cancel, tick; what-if (consistency, commit, both,
//! restore); watch, unwatch, next/previous change; save (path or branch), open, reload; a `:`
//! line ([`parse::parse`], completion [`parse::complete`]); quit.

pub mod actions;
pub mod check;
pub mod command;
pub mod dag;
pub mod lesson;
pub mod open;
pub mod parse;
pub mod picker;
pub mod settings;
pub mod tree;
pub mod view;
pub mod watch;
pub mod whatif;

mod explain;
mod from_here;
mod handle;
mod read;
mod save;
mod screen;
mod switch;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use actions::{ActionEntry, EntryKind};
pub use check::{CheckHandle, CheckRequest};
pub use command::{CheckSpec, Command, Effect, LoadPurpose};
pub use dag::{DagFocus, RevisionView};
pub use lesson::{LessonView, Progress};
pub use open::{Content, OpenError, Source};
pub use picker::{Picker, PickerEntry};
pub use screen::{
    Branch, CheckStatus, DiffView, Fork, Header, Message, PathLine, PropertyView, Status,
};
pub use settings::{Overrides, Settings};
pub use tree::{NodeId, Tree};
pub use view::{Change, EntryDiff, FieldChange, KindView, LocalView};
pub use watch::{WatchTarget, WatchView};
pub use whatif::{Break, BreakKind, Nearest, WhatIfReport};

use crate::model::config::ModelConfig;
use crate::model::properties::{self, Property};
use crate::model::system::{Reduction, System};

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
    /// The lesson walked through, when the session was opened on one.
    lesson: Option<Arc<crate::explore::lesson::Lesson>>,
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
            lesson: None,
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
}
