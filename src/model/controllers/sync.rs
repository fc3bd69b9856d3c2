//! Syncs of several writes, and what a controller hears back from each write.
//!
//! Under `syncs: multi-write` a controller's sync is Kubernetes' own: from one read it issues
//! a sequence of writes (the Job controller's status write and then its finalizer removals,
//! the ReplicaSet's and Job's pod creations in slow-start batches, a Parallel StatefulSet's
//! pods, a Deployment scaling two ReplicaSets), committed one by one with other actions in
//! between, each one's result seen by the controller ([`Controller::observe`]) before the
//! next. [`sync_writes`] finds the writes: the controller's step, run again on its own view
//! with its earlier writes applied as the API server would store them (a Kubernetes controller
//! carries on from the objects its calls returned), until it has nothing more to write.
//!
//! [`Controller::observe`]: super::Controller::observe

use serde::{Deserialize, Serialize};

use super::{Controller, LocalState};
use crate::model::api::{self, ApplyError};
use crate::model::history::Rejection;
use crate::model::operation::Operation;
use crate::model::resources::{KindSet, Revision};
use crate::model::view::View;

/// The most writes one sync issues (Kubernetes' ReplicaSet `burstReplicas` is 500; the
/// modelled workloads are far smaller).
pub const MAX_SYNC_WRITES: usize = 16;

/// What the API server answered to one write, as a Kubernetes client sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriteResult {
    /// Stored at this revision (the returned object's resourceVersion).
    Stored(Revision),
    /// `409 AlreadyExists`: a create of a name that exists.
    AlreadyExists,
    /// `409 Conflict`: an update from a stale resourceVersion (or uid precondition).
    Conflict,
    /// `404 NotFound`: an update or delete of an object that is gone.
    NotFound,
    /// `422 Invalid` (or another refusal of the request itself), with the reason.
    Invalid(String),
}

impl WriteResult {
    /// The result a rejection gives the writer.
    pub fn of_rejection(rejection: &Rejection) -> WriteResult {
        match rejection {
            Rejection::Apply(error) => WriteResult::of_error(error),
            // Atomic commit refuses a stale step as a conflict.
            Rejection::StaleRead { .. } => WriteResult::Conflict,
            other => WriteResult::Invalid(other.to_string()),
        }
    }

    /// The result an API server error gives the writer.
    pub fn of_error(error: &ApplyError) -> WriteResult {
        match error {
            ApplyError::AlreadyExists { .. } => WriteResult::AlreadyExists,
            ApplyError::Conflict { .. } | ApplyError::UidMismatch { .. } => WriteResult::Conflict,
            ApplyError::NotFound { .. } => WriteResult::NotFound,
            other => WriteResult::Invalid(other.to_string()),
        }
    }

    /// Whether the write was stored.
    pub fn is_stored(&self) -> bool {
        matches!(self, WriteResult::Stored(_))
    }
}

/// What a controller does on hearing a write's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// Go on with the rest of the sync.
    Continue,
    /// Return an error from the sync: the rest of its writes are dropped and the object is
    /// requeued (the next step syncs afresh from a new read).
    EndSync,
}

/// Kubernetes' reaction to a write's result in every modelled controller: a stored write lets
/// the sync go on; any error (AlreadyExists, Conflict, NotFound, Invalid) is returned from the
/// sync, which drops its remaining writes and requeues the key (`slowStartBatch` stops after a
/// failed batch; `trackJobStatusAndRemoveFinalizers` returns on the first failed call; the
/// StatefulSet's `processReplica` returns the error; a Conflict on a status write requeues).
/// A create that failed never raised the controller's expectations here (they are recorded
/// for stored writes only), which is Kubernetes' `ExpectCreations` followed by
/// `CreationObserved` for each failed or skipped create: the controller does not wait for a
/// pod that will never come.
pub fn default_reaction(result: &WriteResult) -> Reaction {
    if result.is_stored() {
        Reaction::Continue
    } else {
        Reaction::EndSync
    }
}

/// The writes of one sync of `controller` from `view`, the first one `first` (its step's
/// operation, already decided): each next one is its step on the view with the earlier writes
/// applied. Ends when the step writes nothing, when a write would not apply even to the
/// controller's own view (it is still sent: the API server answers it), when a step repeats a
/// write other than a create, or at [`MAX_SYNC_WRITES`]. `local` is the controller's local state after the first
/// step; the later steps change a copy (a sync's bookkeeping is the system's, per write).
/// Returns the writes, first first, and every kind the later steps read.
pub fn sync_writes(
    controller: &dyn Controller,
    view: &View,
    local: &LocalState,
    first: Operation,
) -> (Vec<Operation>, KindSet) {
    let mut writes = vec![first];
    let mut kinds = KindSet::EMPTY;
    let mut state = view.unrecorded_state().clone();
    // Placeholder revisions for the writes applied to the view: past every revision the view
    // holds, distinct per write (names from generateName differ). A later write of an object
    // written earlier in the sync is given the real revision when it is committed.
    let mut placeholder = view.revision().saturating_add(1_000_000);
    let mut local = local.clone();
    while writes.len() < MAX_SYNC_WRITES {
        let last = writes.last().expect("one write at least");
        let Ok(next) = api::apply(&state, last, placeholder) else {
            break;
        };
        state = next;
        placeholder += 1;
        let view = View::new(state.clone(), view.read().clone());
        let step = controller.step(&view, &mut local);
        kinds = kinds.union(view.kinds_read());
        let Some(op) = step else {
            break;
        };
        // A create from generateName repeats its request; any other repeat is a step that
        // did not see its own write (it would repeat it without end).
        if !matches!(op, Operation::Create(_)) && writes.contains(&op) {
            break;
        }
        writes.push(op);
    }
    (writes, kinds)
}

/// Gives the later writes of a sync that write the object `stored` names the revision it was
/// stored at: the resourceVersion a Kubernetes controller takes from the object its call
/// returned.
pub fn rebase(pending: &mut [Operation], stored: &Operation, revision: Revision) {
    let (kind, name) = (stored.kind(), &stored.object().metadata().name);
    if name.is_empty() {
        return;
    }
    for op in pending.iter_mut() {
        if op.kind() != kind || op.object().metadata().name != *name {
            continue;
        }
        let object = match op {
            Operation::Create(o)
            | Operation::Update(o)
            | Operation::Delete(o)
            | Operation::ForceDelete(o) => o,
        };
        let meta = object.metadata_mut();
        meta.resource_version = revision;
        if let Operation::Create(_) = stored {
            meta.uid = api::uid_for(kind, revision, name);
        }
    }
}
