//! Histories: which revisions of the cluster state a controller may read, and where its writes
//! land (dissertation §3.4). One trait, five implementations:
//!
//! - [`Synchronous`]: only the latest revision.
//! - [`MonotonicSession`]: revisions newer than the reader's session; with no session, the latest.
//! - [`ResettableSession`]: as monotonic, but with no session any revision (kubernetes 59848).
//! - [`OptimisticLinear`]: writes acknowledged before commit; branches past the commit point can
//!   be lost (Fig 3.17, Table 3.4).
//! - [`Causal`]: a DAG with heads; reads of concurrent revisions merge last-writer-wins (Fig 3.18).
//!
//! The two session histories take a read-your-writes option (KEP-5647).

mod causal;
mod graph;
mod informer;
mod linear;
mod optimistic;
mod read;

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use causal::Causal;
pub use graph::{GraphNode, HistoryGraph};
pub use informer::Informer;
pub use linear::{LinearStore, MonotonicSession, ResettableSession, Synchronous};
pub use optimistic::OptimisticLinear;
pub use read::{Read, Session};

use super::api::{self, ApplyError};
use super::operation::Operation;
use super::resources::{Kind, KindSet, Revision};
use super::state::StateView;

/// How a step's write is validated when it commits.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum CommitMode {
    /// Per-resource `resourceVersion` check, as the Kubernetes API server does.
    #[default]
    Kubernetes,
    /// Atomic state reconciliation (Garen): the step commits only if nothing it read changed
    /// between the revision it read and the one it commits onto; a step that writes nothing but
    /// acts locally (a node starting a container) is held to the same rule against the latest
    /// revision. A rejected step leaves its controller's local state as it was.
    Atomic,
}

impl CommitMode {
    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            CommitMode::Kubernetes => "kubernetes",
            CommitMode::Atomic => "atomic",
        }
    }
}

/// The five consistency levels.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Consistency {
    /// Reads see the latest write.
    #[default]
    Synchronous,
    /// Reads never go back past the session; a new session reads the latest.
    MonotonicSession,
    /// Reads never go back past the session; a new session may read anything.
    ResettableSession,
    /// Optimistically acknowledged writes that can be lost with a leader change.
    OptimisticLinear,
    /// A causal DAG with merged reads of concurrent revisions.
    Causal,
    /// What a real Kubernetes controller does: each kind read from its own informer cache, each
    /// cache lagging on its own; writes linear, checked per resource.
    Informer,
}

impl Consistency {
    /// Every level, weakest last.
    pub const ALL: [Consistency; 6] = [
        Consistency::Synchronous,
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
        Consistency::OptimisticLinear,
        Consistency::Causal,
        Consistency::Informer,
    ];

    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Consistency::Synchronous => "synchronous",
            Consistency::MonotonicSession => "monotonic-session",
            Consistency::ResettableSession => "resettable-session",
            Consistency::OptimisticLinear => "optimistic-linear",
            Consistency::Causal => "causal",
            Consistency::Informer => "informer",
        }
    }

    /// The level with this name.
    pub fn from_name(name: &str) -> Option<Consistency> {
        Consistency::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the level has sessions, so that read-your-writes applies.
    pub fn has_sessions(self) -> bool {
        matches!(
            self,
            Consistency::MonotonicSession | Consistency::ResettableSession
        )
    }
}

/// How a restarted informer fills its empty caches.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Relist {
    /// A LIST with resourceVersion=0, served from a watch cache that may lag: any revision.
    /// What client-go reflectors do by default.
    #[default]
    AnyRevision,
    /// A consistent LIST: the latest revision (Kubernetes' direction of fix).
    Latest,
}

impl Relist {
    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Relist::AnyRevision => "any-revision",
            Relist::Latest => "latest",
        }
    }
}

/// How far an informer's caches may lag.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Lag {
    /// Each cache moves on its own, by separate actions: every interleaving of deliveries and
    /// reconciles is explored.
    #[default]
    Any,
    /// Every cache is delivered up to the latest revision before each reconcile: the informer
    /// read path with no lag, which must give the synchronous verdicts.
    Zero,
}

impl Lag {
    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Lag::Any => "any",
            Lag::Zero => "zero",
        }
    }
}

/// A model's consistency setting: the level and its options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ConsistencySetting {
    /// The level.
    pub level: Consistency,
    /// Session histories only: a reader never reads older than its own last accepted write.
    #[serde(default)]
    pub read_your_writes: bool,
    /// Informer only: how a restarted controller lists.
    #[serde(default)]
    pub relist: Relist,
    /// Informer only: how far caches may lag.
    #[serde(default)]
    pub lag: Lag,
}

impl ConsistencySetting {
    /// A setting of this level with default options.
    pub fn of(level: Consistency) -> Self {
        ConsistencySetting {
            level,
            ..ConsistencySetting::default()
        }
    }
}

impl fmt::Display for ConsistencySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.level.name())?;
        if self.read_your_writes && self.level.has_sessions() {
            f.write_str(" (read-your-writes)")?;
        }
        if self.level == Consistency::Informer {
            write!(f, " (relist: {}", self.relist.name())?;
            if self.lag == Lag::Zero {
                f.write_str(", lag: zero")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A write to commit: the operation, what its step read, and how to validate it.
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// The operation.
    pub operation: &'a Operation,
    /// The read the step was made from.
    pub read: &'a Read,
    /// The kinds the step read (for the atomic commit mode).
    pub read_kinds: KindSet,
    /// How to validate the write.
    pub mode: CommitMode,
}

/// Why a write did not commit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Error)]
pub enum Rejection {
    /// The API server rejected the operation.
    #[error(transparent)]
    Apply(#[from] ApplyError),
    /// Atomic commit: a kind the step read changed since the revision it read.
    #[error("atomic commit: {kind}s changed since the step read them")]
    StaleRead {
        /// The kind that changed.
        kind: Kind,
    },
    /// The read names a revision this history does not hold.
    #[error("no revision {0} in the history")]
    UnknownRead(Read),
}

/// What every history offers the model.
pub trait History {
    /// The consistency setting this history implements.
    fn setting(&self) -> ConsistencySetting;
    /// The newest revision a consistent reader sees.
    fn latest(&self) -> Revision;
    /// Every revision, oldest first.
    fn revisions(&self) -> Vec<Revision>;
    /// The state a read sees (merged for a causal set, composed for one revision per kind), or
    /// `None` when the read names a revision the history does not hold.
    fn state(&self, read: &Read) -> Option<StateView>;
    /// The reads a reader with this session may make, in a stable order.
    fn readable(&self, session: &Session) -> Vec<Read>;
    /// Commits a write made from `change.read`, returning the new revision.
    fn commit(&mut self, change: &Change<'_>) -> Result<Revision, Rejection>;
    /// The graph of revisions, with what each reader may read.
    fn graph(&self, readers: &[(String, Session)]) -> HistoryGraph;
    /// The revisions a revision was written on (none for the first).
    fn parents(&self, revision: Revision) -> Vec<Revision>;
    /// Calls `visit` with every revision's state and a hash of its place in the history (its
    /// number, parents, term, whether committed), in a fixed order. With [`History::shape`]
    /// this covers all the history holds, revision by revision, so that a fingerprint may
    /// split each state (the symmetry reduction does).
    fn each_revision(&self, visit: &mut dyn FnMut(&StateView, u64));
    /// Calls `visit` with every revision this history holds and the state at it. A linear
    /// history walks its chain once, where [`History::state`] walks it for each revision, so
    /// that serialising a whole history costs its length, not its length squared.
    fn each_revision_state(&self, visit: &mut dyn FnMut(Revision, &StateView)) {
        for revision in self.revisions() {
            if let Some(state) = self.state(&Read::At(revision)) {
                visit(revision, &state);
            }
        }
    }
    /// A hash of what the history holds besides its revisions: options, tips, term, commit
    /// point.
    fn shape(&self) -> u64;

    /// Whether a reader with this session may make this read.
    fn can_read(&self, session: &Session, read: &Read) -> bool {
        self.readable(session).contains(read)
    }
}

/// Validates and applies a write onto `base`, given the state the step read.
pub(crate) fn commit_onto(
    base: &StateView,
    read_state: &StateView,
    change: &Change<'_>,
    revision: Revision,
) -> Result<StateView, Rejection> {
    if change.mode == CommitMode::Atomic {
        for kind in change.read_kinds.iter() {
            if !read_state.same_kind(base, kind) {
                return Err(Rejection::StaleRead { kind });
            }
        }
    }
    Ok(api::apply(base, change.operation, revision)?)
}

/// A history of any consistency level: what a model state holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AnyHistory {
    /// See [`Synchronous`].
    Synchronous(Synchronous),
    /// See [`MonotonicSession`].
    MonotonicSession(MonotonicSession),
    /// See [`ResettableSession`].
    ResettableSession(ResettableSession),
    /// See [`OptimisticLinear`].
    OptimisticLinear(OptimisticLinear),
    /// See [`Causal`].
    Causal(Causal),
    /// See [`Informer`].
    Informer(Informer),
}

/// The revision number of a model's initial state.
pub const INITIAL_REVISION: Revision = 1;

/// Informer: the revision a read takes a kind at whose cache has not listed yet (a controller
/// that syncs without waiting for its caches, `wait-for-cache-sync` off): no object of that
/// kind is seen.
pub const UNLISTED: Revision = 0;

impl AnyHistory {
    /// A history of this setting whose first revision is `initial`.
    pub fn new(setting: ConsistencySetting, initial: StateView) -> Self {
        let ryw = setting.read_your_writes;
        match setting.level {
            Consistency::Synchronous => AnyHistory::Synchronous(Synchronous::new(initial)),
            Consistency::MonotonicSession => {
                AnyHistory::MonotonicSession(MonotonicSession::new(initial, ryw))
            }
            Consistency::ResettableSession => {
                AnyHistory::ResettableSession(ResettableSession::new(initial, ryw))
            }
            Consistency::OptimisticLinear => {
                AnyHistory::OptimisticLinear(OptimisticLinear::new(initial))
            }
            Consistency::Causal => AnyHistory::Causal(Causal::new(initial)),
            Consistency::Informer => AnyHistory::Informer(Informer::new(initial, setting.relist)),
        }
    }

    fn inner(&self) -> &dyn History {
        match self {
            AnyHistory::Synchronous(h) => h,
            AnyHistory::MonotonicSession(h) => h,
            AnyHistory::ResettableSession(h) => h,
            AnyHistory::OptimisticLinear(h) => h,
            AnyHistory::Causal(h) => h,
            AnyHistory::Informer(h) => h,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn History {
        match self {
            AnyHistory::Synchronous(h) => h,
            AnyHistory::MonotonicSession(h) => h,
            AnyHistory::ResettableSession(h) => h,
            AnyHistory::OptimisticLinear(h) => h,
            AnyHistory::Causal(h) => h,
            AnyHistory::Informer(h) => h,
        }
    }

    /// The state at the latest revision.
    pub fn latest_state(&self) -> StateView {
        self.state(&Read::At(self.latest()))
            .expect("the latest revision is always held")
    }
}

impl History for AnyHistory {
    fn setting(&self) -> ConsistencySetting {
        self.inner().setting()
    }
    fn latest(&self) -> Revision {
        self.inner().latest()
    }
    fn revisions(&self) -> Vec<Revision> {
        self.inner().revisions()
    }
    fn state(&self, read: &Read) -> Option<StateView> {
        self.inner().state(read)
    }
    fn readable(&self, session: &Session) -> Vec<Read> {
        self.inner().readable(session)
    }
    fn commit(&mut self, change: &Change<'_>) -> Result<Revision, Rejection> {
        self.inner_mut().commit(change)
    }
    fn graph(&self, readers: &[(String, Session)]) -> HistoryGraph {
        self.inner().graph(readers)
    }
    fn parents(&self, revision: Revision) -> Vec<Revision> {
        self.inner().parents(revision)
    }
    fn each_revision(&self, visit: &mut dyn FnMut(&StateView, u64)) {
        self.inner().each_revision(visit)
    }
    fn shape(&self) -> u64 {
        self.inner().shape()
    }
}

#[cfg(test)]
mod tests;
