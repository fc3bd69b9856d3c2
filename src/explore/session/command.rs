//! What a session is asked to do ([`Command`]) and what it asks its caller to carry out
//! ([`Effect`]): reading and writing files and starting a background check are effects, so the
//! session itself stays free of I/O and never blocks. [`Effect::perform`] carries one out and
//! returns the command that hands its result back.

use std::path::{Path, PathBuf};

use super::check::{CheckHandle, CheckRequest};
use super::open::{OpenError, Source, load};
use super::settings::Settings;
use super::tree::NodeId;
use super::watch::WatchTarget;
use crate::explore::checker::Strategy;
use crate::model::history::{CommitMode, ConsistencySetting};
use crate::model::system::Action;

/// A check to run from the cursor's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckSpec {
    /// BFS, DFS or simulation.
    pub strategy: Strategy,
    /// The most steps from the cursor's state; the model's `checker.max-depth` when `None`.
    pub max_depth: Option<usize>,
    /// Stop after this many seconds (simulation: 10 when `None`).
    pub timeout_secs: Option<u64>,
}

impl CheckSpec {
    /// A check with this strategy and the model's bounds.
    pub fn of(strategy: Strategy) -> CheckSpec {
        CheckSpec {
            strategy,
            max_depth: None,
            timeout_secs: None,
        }
    }
}

/// Why a file is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadPurpose {
    /// Open it in place of what is open.
    Open,
    /// Reload the open model (its file changed) and replay the path on it.
    Reload,
}

/// Everything a session can be asked to do.
#[derive(Debug)]
pub enum Command {
    /// Take an action from the cursor's state (a fork when the path went on differently).
    Take(Action),
    /// Take the default action of line `i` of [`super::Session::actions`].
    TakeEntry(usize),
    /// Back one step.
    Back,
    /// Forward one step along the path.
    Redo,
    /// Go to step `n` of the path (0 is the start).
    Goto(usize),
    /// The start of the path.
    First,
    /// The end of the path.
    Last,
    /// Make the path go through this node (a branch listed by [`super::Session::forks`]) and
    /// put the cursor on it.
    SwitchBranch(NodeId),
    /// Mark the cursor's step (to diff against).
    Mark,
    /// Forget the mark.
    Unmark,
    /// Show the diff between the marked step (or the previous one) and the cursor's.
    DiffMarked,
    /// Show the diff between two steps of the path.
    Diff(usize, usize),
    /// Show the diff between the end of a branch and the end of the current path.
    DiffBranch(NodeId),
    /// Show the diff from a revision of the cursor's history to its latest (the DAG pane).
    DiffRevision(crate::model::resources::Revision),
    /// Close the diff.
    CloseDiff,
    /// Run a check from the cursor's state in the background.
    Check(CheckSpec),
    /// Cancel the running check.
    CancelCheck,
    /// A started check (the result of [`Effect::StartCheck`]).
    CheckStarted(CheckHandle),
    /// Look at the running check: collect it when it has finished. Send it now and then (a
    /// few times a second) while [`super::Session::check_running`].
    Tick,
    /// What-if: re-validate the path under other consistency settings.
    Consistency(ConsistencySetting),
    /// What-if: re-validate the path under another commit mode.
    Commit(CommitMode),
    /// What-if: both at once.
    Settings(Settings),
    /// Leave the what-if: back to the path and settings it started from.
    RestoreSettings,
    /// Watch a field of a resource or a local state along the path.
    Watch(WatchTarget),
    /// Stop watching watch `i`.
    Unwatch(usize),
    /// Move the cursor to the next step where watch `i` changes.
    NextChange(usize),
    /// Move the cursor to the previous step where watch `i` changes.
    PrevChange(usize),
    /// Save the current path as a trace: into `traces/NAME.json`, or the default name
    /// (model-property-consistency) when `None`.
    Save(Option<String>),
    /// Save a branch (the path through a node) as a trace.
    SaveBranch(NodeId, Option<String>),
    /// A trace was written, or not (the result of [`Effect::WriteTrace`]).
    Saved(Result<PathBuf, String>),
    /// Open a model or trace file in place of this one.
    Open(PathBuf),
    /// The model file changed: reload it and replay the path on it.
    Reload,
    /// A file was read (the result of [`Effect::Load`]).
    Loaded(LoadPurpose, Result<Box<Source>, OpenError>),
    /// A `:` command line: parsed and run (an error becomes the session's message).
    Line(String),
    /// Quit.
    Quit,
}

/// What the caller carries out for the session.
#[derive(Debug)]
pub enum Effect {
    /// Read and parse a file; hand back [`Command::Loaded`].
    Load(LoadPurpose, PathBuf),
    /// Write a trace atomically; hand back [`Command::Saved`].
    WriteTrace {
        /// The file.
        path: PathBuf,
        /// Its text.
        text: String,
    },
    /// Start a check on its own thread; hand back [`Command::CheckStarted`].
    StartCheck(Box<CheckRequest>),
    /// The user asked to quit.
    Quit,
}

impl Effect {
    /// Carries the effect out (file I/O, or spawning the check's thread; never a wait) and
    /// returns the command that reports its result to the session, if any.
    pub fn perform(self) -> Option<Command> {
        match self {
            Effect::Load(purpose, path) => {
                Some(Command::Loaded(purpose, load(&path).map(Box::new)))
            }
            Effect::WriteTrace { path, text } => Some(Command::Saved(
                write_atomically(&path, &text).map(|()| path),
            )),
            Effect::StartCheck(request) => Some(Command::CheckStarted(request.spawn())),
            Effect::Quit => None,
        }
    }
}

/// Writes a file atomically: a temporary file beside it, then a rename.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temp = dir
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join(format!(".{name}.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}
