//! What can go wrong talking to a store. A failed write condition is not an error but an
//! [`super::Outcome::Conflict`].

use thiserror::Error;

use crate::model::resources::Revision;

/// A store request that could not be served.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum StoreError {
    /// The revision asked for is before the compaction point: relist at the latest.
    #[error("required revision {requested} has been compacted{}", compacted_suffix(*.compacted))]
    Compacted {
        /// The revision asked for.
        requested: Revision,
        /// The compaction point, where the store says it.
        compacted: Option<Revision>,
    },
    /// The revision asked for is newer than the store's.
    #[error("required revision {requested} is a future revision (current {current})")]
    FutureRevision {
        /// The revision asked for.
        requested: Revision,
        /// The store's current revision.
        current: Revision,
    },
    /// The store did not answer.
    #[error("etcd at {endpoint} is unreachable: {reason}")]
    Unreachable {
        /// The endpoint(s) tried.
        endpoint: String,
        /// What the client said.
        reason: String,
    },
    /// The store answered with an error.
    #[error("etcd at {endpoint}: {message}")]
    Etcd {
        /// The endpoint(s).
        endpoint: String,
        /// The error.
        message: String,
    },
    /// A stored value that is not one of our objects.
    #[error("{key}: stored value is not a valid object: {reason}")]
    Corrupt {
        /// The etcd key.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A request that no store could serve (two writes to one key in a commit, an empty name).
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// A watch whose stream ended.
    #[error("watch on {0} closed")]
    WatchClosed(String),
}

fn compacted_suffix(compacted: Option<Revision>) -> String {
    compacted.map_or_else(String::new, |c| format!(" (compacted to {c})"))
}
