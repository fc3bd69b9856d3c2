//! `View`: the state a controller step is shown, recording which kinds the step read (for the
//! atomic commit mode).

use std::cell::Cell;

use super::collection::Resources;
use super::history::Read;
use super::resources::*;
use super::state::{InState, StateView};

/// What a controller step sees: the state at its read, and a record of the kinds it looked at.
#[derive(Debug)]
pub struct View {
    state: StateView,
    read: Read,
    kinds_read: Cell<KindSet>,
}

impl View {
    /// A view of `state`, which is what `read` sees.
    pub fn new(state: StateView, read: Read) -> Self {
        View {
            state,
            read,
            kinds_read: Cell::new(KindSet::EMPTY),
        }
    }

    /// The read this view shows.
    pub fn read(&self) -> &Read {
        &self.read
    }

    /// The revision of the view (the newest revision it is made of); controllers record it as
    /// `status.observedRevision`.
    pub fn revision(&self) -> Revision {
        self.read.newest()
    }

    /// The kinds the step has read so far.
    pub fn kinds_read(&self) -> KindSet {
        self.kinds_read.get()
    }

    /// The resources of type `R`, recording the read.
    pub fn of<R: InState>(&self) -> &Resources<R> {
        let mut kinds = self.kinds_read.get();
        kinds.insert(R::KIND);
        self.kinds_read.set(kinds);
        self.state.of::<R>()
    }

    /// Nodes.
    pub fn nodes(&self) -> &Resources<Node> {
        self.of()
    }
    /// Pods.
    pub fn pods(&self) -> &Resources<Pod> {
        self.of()
    }
    /// ReplicaSets.
    pub fn replicasets(&self) -> &Resources<ReplicaSet> {
        self.of()
    }
    /// Deployments.
    pub fn deployments(&self) -> &Resources<Deployment> {
        self.of()
    }
    /// StatefulSets.
    pub fn statefulsets(&self) -> &Resources<StatefulSet> {
        self.of()
    }
    /// Jobs.
    pub fn jobs(&self) -> &Resources<Job> {
        self.of()
    }
    /// ControllerRevisions.
    pub fn controller_revisions(&self) -> &Resources<ControllerRevision> {
        self.of()
    }
    /// PersistentVolumeClaims.
    pub fn persistent_volume_claims(&self) -> &Resources<PersistentVolumeClaim> {
        self.of()
    }

    /// The whole state, without recording a read (for tests and displays, not for controllers).
    pub fn unrecorded_state(&self) -> &StateView {
        &self.state
    }
}
