//! Replay of a trace against a target: the model itself (`explore::replay`), the deployed
//! controllers on the in-memory store, or a live etcd; the first step where the target and the
//! model part, field by field.
//!
//! Imports `runtime`, `explore`, `store` and `model`. Promises: the controllers that step are
//! the registered ones (or a test's own registration list), run as `runtime` tasks whose reads
//! are positioned at the trace's revisions (model revisions mapped to store revisions as the
//! replay goes); after every step the store's state is read back, decoded into the model's
//! terms ([`map::RevisionMap`]) and compared with the model's; the property is judged on the
//! target's own writes. Histories a linear store cannot serve (a causal merge, a write onto an
//! optimistic-linear or causal branch) are materialised on the memory store ([`base`]) and
//! refused on etcd before anything is written.

pub mod base;
pub mod diff;
mod drive;
pub mod map;
pub mod report;

use thiserror::Error;

use crate::explore::replay::ReplayError;
use crate::explore::stop::StopReason;
use crate::model::resources::Revision;
use crate::runtime::TaskError;
use crate::store::StoreError;

/// The registration lists and stores a caller of [`replay_against`] names (so the UI, which
/// imports `replay`, names no lower layer).
pub use crate::model::controllers::{REGISTRY, Registration};
pub use crate::store::{EtcdStore, MemoryStore, Store};
pub use drive::{Options, replay_against};
pub use report::{Divergence, Report, StepRow};

/// Which kind of store target a replay runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// The deployed controllers on the in-memory store: every level is served.
    Controllers,
    /// A live etcd: linear histories only.
    Etcd,
}

impl TargetKind {
    /// The name, as `--against` takes it.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Controllers => "controllers",
            TargetKind::Etcd => "etcd",
        }
    }
}

/// Why a replay against a store could not run (bad input, or a target that cannot serve it).
#[derive(Debug, Error)]
pub enum ReplayTargetError {
    /// The trace does not replay in its own model.
    #[error(transparent)]
    Trace(#[from] ReplayError),
    /// The target cannot serve the history; nothing was written.
    #[error("step {step}: {target} cannot serve this history: the step {why}")]
    Refused {
        /// The step (0: the settling of a settled start).
        step: usize,
        /// The target.
        target: String,
        /// What the step needs.
        why: String,
    },
    /// The atomic commit mode is not what an API server does.
    #[error(
        "field `model.commit`: atomic commits cannot be replayed on a store (an API server checks each resource's version)"
    )]
    Atomic,
    /// The initial resources could not be loaded (the store is not empty).
    #[error("loading the initial resources into {target}: {reason} (replay needs an empty store)")]
    Load {
        /// The target.
        target: String,
        /// Why.
        reason: String,
    },
    /// A controller kind the registration list does not have.
    #[error("{0}")]
    Registry(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A controller task failed.
    #[error(transparent)]
    Task(#[from] TaskError),
    /// A model revision the replay has no store revision for.
    #[error("model revision r{0} has no store revision (its write did not happen on the target)")]
    Unmapped(Revision),
    /// A branch could not be materialised.
    #[error("materialising a branch: {0}")]
    Materialize(String),
    /// The deadline passed or the replay was cancelled.
    #[error("replay stopped: {0:?}")]
    Stopped(StopReason),
}

impl ReplayTargetError {
    /// Whether the error is the input's (exit 2) rather than a stop.
    pub fn is_stop(&self) -> bool {
        matches!(self, ReplayTargetError::Stopped(_))
    }
}

#[cfg(test)]
pub(crate) mod tests;
