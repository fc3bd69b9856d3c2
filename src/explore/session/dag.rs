//! What the revision-DAG pane needs of a session, as model data (the graph itself is
//! `history_view`'s, built by the pane): the steps into a node of the path (taken again, so
//! that who wrote each revision is known), the reader an actions line is about with the
//! revisions its action reads, and one revision's state with its diff against the latest.

use super::view::{self, EntryDiff, KindView};
use super::{DiffView, NodeId, Session};
use crate::model::history::{ConsistencySetting, History, Read};
/// A revision's number, as the DAG names revisions.
pub use crate::model::resources::Revision;
use crate::model::system::{Action, Transition};

/// The reader an actions line is about, and what its chosen action reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DagFocus {
    /// The controller's index in the configuration.
    pub controller: usize,
    /// Its name, as the history graph names readers.
    pub reader: String,
    /// The revisions the chosen action reads (a step's read; the revision a cache moves to),
    /// oldest first; none for a restart.
    pub reads: Vec<Revision>,
    /// The consistency setting in force, which says what its marks mean.
    pub setting: ConsistencySetting,
}

/// One revision of the cursor's history: its resources and how the latest differs from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionView {
    /// The revision.
    pub revision: Revision,
    /// The latest revision.
    pub latest: Revision,
    /// Its resources, by kind.
    pub resources: Vec<KindView>,
    /// From it to the latest, resource by resource.
    pub diff: Vec<EntryDiff>,
}

impl Session {
    /// Bumped whenever the tree (and maybe the system) is replaced: a what-if, a reload, an
    /// open. What is cached per node of the tree is keyed by it too.
    pub fn tree_generation(&self) -> u64 {
        self.generation
    }

    /// The transitions from the start to `node`, the ones into steps `from + 1 ..` only (step
    /// 1 is the first), each taken again from its parent's state.
    pub fn steps_into(&self, node: NodeId, from: usize) -> Vec<Transition> {
        let path = self.tree.ancestors(node);
        let mut out = Vec::new();
        for pair in path.windows(2).skip(from) {
            let Some(step) = &self.tree.node(pair[1]).step else {
                continue;
            };
            // Every node of the tree was reached by taking its step from its parent in this
            // system (a new system comes with a new tree), so the step is enabled again.
            match self
                .system
                .take(&self.tree.node(pair[0]).state, &step.action)
            {
                Ok(t) => out.push(t),
                Err(_) => break,
            }
        }
        out
    }

    /// The reader line `entry` of [`Session::actions`] is about, with what its action
    /// `choice` (a read of a group, oldest first) reads; `None` for the environment's lines.
    pub fn dag_focus(&self, entry: usize, choice: usize) -> Option<DagFocus> {
        let entry = self.actions.get(entry)?;
        let controller = entry.controller?;
        let reads = match entry.actions.get(choice).or(entry.actions.first()) {
            Some(Action::Step { read, .. }) => read_revisions(read),
            Some(Action::Cache { revision, .. }) => vec![*revision],
            _ => Vec::new(),
        };
        Some(DagFocus {
            controller,
            reader: self.system.controller_name(controller).to_string(),
            reads,
            setting: self.config.consistency,
        })
    }

    /// Revision `revision` of the cursor's history, if it holds it.
    pub fn revision_view(&self, revision: Revision) -> Option<RevisionView> {
        let history = &self.state().history;
        let at = history.state(&Read::At(revision))?;
        let latest = history.latest();
        Some(RevisionView {
            revision,
            latest,
            resources: view::resources_of(&at),
            diff: view::diff_views(&at, &history.latest_state()),
        })
    }

    /// Shows the diff from a revision of the cursor's history to its latest (the diff overlay).
    pub(super) fn diff_revision(&mut self, revision: Revision) {
        match self.revision_view(revision) {
            Some(v) => {
                self.diff = Some(DiffView {
                    title: format!("r{} -> latest r{}", v.revision, v.latest),
                    entries: v.diff,
                })
            }
            None => self.error(format!("no revision r{revision} in this state's history")),
        }
    }
}

/// The distinct revisions of a read, oldest first.
fn read_revisions(read: &Read) -> Vec<Revision> {
    let mut out = read.revisions();
    out.sort_unstable();
    out.dedup();
    out
}
