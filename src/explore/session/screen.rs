//! The screen's data: what [`super::Session`]'s accessors return for the header, the path, forks,
//! properties, diffs and a running check.

use std::path::PathBuf;

use super::Settings;
use super::tree::NodeId;
use super::view::EntryDiff;
use crate::explore::checker::Strategy;
use crate::explore::progress::Progress;
use crate::model::properties::Property;

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
