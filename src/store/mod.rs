//! Stores: where the deployed controllers' cluster state lives, with its revision history.
//!
//! Owns the [`Store`] trait and its two implementations, [`MemoryStore`] (in process, the
//! embedded default) and [`EtcdStore`] (a real etcd, objects laid out as the Kubernetes API
//! server lays them out), and [`EtcdProcess`], a private etcd for tests and `--start-etcd`;
//! [`netns::NetnsCluster`] runs each member of one in a network namespace of its own, so that
//! a member's peer link can be cut (a stale member for serializable reads, [`Reads`]).
//! Imports only `crate::model`. Promises: both implementations pass the same contract tests
//! (`contract_tests.rs`), and no rule of the API server lives here (see `runtime::apiserver`).
//!
//! # The contract
//!
//! - A store has one revision counter, as etcd has: it starts at 1 and every committed
//!   [`Store::commit`] with at least one write raises it by one. An object's
//!   `metadata.resourceVersion` is always, on every read, its mod revision (the revision that
//!   last wrote it); what a writer puts there is ignored.
//! - Reads ([`Store::get`], [`Store::list`]) are served [`At::Latest`] or [`At::Revision`]: the
//!   state exactly as it was after that revision, so a session that reads an old revision
//!   (monotonic or resettable session, an informer cache lagging behind) is served. Before the
//!   compaction point the read fails with [`StoreError::Compacted`]; past the current revision
//!   with [`StoreError::FutureRevision`]. A read says which revision it was served at.
//! - Writes are conditional and atomic: a commit of several [`Write`]s applies all or none, at
//!   one revision. [`Write::Create`] holds only if the key is absent; [`Write::Update`] and
//!   [`Write::Delete`] only if the key's mod revision is still `expected`. A condition that
//!   fails is [`Outcome::Conflict`], a value, naming the first write that failed.
//! - [`Store::watch`] streams every change in a [`Scope`] from a revision on, in revision order,
//!   including changes already made; a watch from before the compaction point, or one that
//!   compaction overtakes, yields [`StoreError::Compacted`] and ends (the watcher relists).
//! - Keys are [`Key`]s: kind, namespace (`default` when absent; none for Nodes) and name, laid
//!   out as `/registry/<resource>/<namespace>/<name>` ([`Key::path`]).
//!
//! Every method is async and a store is `Send + Sync`, so it can be shared across tokio tasks
//! as an `Arc<dyn Store>`.

mod error;
mod etcd;
mod etcd_process;
pub mod failover;
mod key;
mod memory;
pub mod netns;
mod watch;

#[cfg(test)]
pub(crate) mod contract_tests;

use async_trait::async_trait;

use crate::model::resources::{Kind, Object, Revision};

pub use error::StoreError;
pub use etcd::{EtcdStore, MemberStatus, Reads};
pub use etcd_process::{EtcdError, EtcdProcess, stop_every_etcd};
pub use key::Key;
pub use memory::MemoryStore;
pub use netns::{NetnsCluster, NetnsError};
pub use watch::{Watch, WatchEvent, WatchSource};

/// Which revision a read is served at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// The newest revision.
    Latest,
    /// The state exactly as it was after this revision.
    Revision(Revision),
}

/// Which objects a list or a watch covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every object of one kind.
    Kind(Kind),
    /// Every object.
    All,
}

impl Scope {
    /// Whether the scope covers this kind.
    pub fn covers(self, kind: Kind) -> bool {
        match self {
            Scope::Kind(k) => k == kind,
            Scope::All => true,
        }
    }
}

/// An object as stored, with the revisions etcd keeps beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Where it is stored.
    pub key: Key,
    /// The object; its `resourceVersion` is `mod_revision`.
    pub object: Object,
    /// The revision that created the key.
    pub create_revision: Revision,
    /// The revision that last wrote it.
    pub mod_revision: Revision,
}

/// What a read returned, and the revision it was served at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read<T> {
    /// The object(s) read.
    pub value: T,
    /// The revision the read saw: the one asked for, or the newest for [`At::Latest`].
    pub revision: Revision,
}

/// One conditional write of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// Store the object under its key, which must be absent.
    Create(Object),
    /// Replace the object under its key, whose mod revision must be `expected`.
    Update {
        /// The new object.
        object: Object,
        /// The mod revision the writer read.
        expected: Revision,
    },
    /// Remove the key, whose mod revision must be `expected`.
    Delete {
        /// The key.
        key: Key,
        /// The mod revision the writer read.
        expected: Revision,
    },
}

impl Write {
    /// The key the write is about.
    pub fn key(&self) -> Key {
        match self {
            Write::Create(o) | Write::Update { object: o, .. } => Key::of(o),
            Write::Delete { key, .. } => key.clone(),
        }
    }
}

/// Why a commit's conditions did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The position of the first write whose condition failed.
    pub index: usize,
    /// Its key.
    pub key: Key,
    /// The key's mod revision now (`None`: absent).
    pub current: Option<Revision>,
}

/// The result of a commit whose request reached the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every condition held; the writes are in at this revision.
    Committed(Revision),
    /// A condition failed; nothing was written.
    Conflict(Conflict),
}

/// A revisioned key-value store of cluster objects: see the module doc for the contract.
#[async_trait]
pub trait Store: Send + Sync {
    /// What the store is, for messages: `memory`, or `etcd at http://127.0.0.1:2379`.
    fn describe(&self) -> String;

    /// The current revision.
    async fn revision(&self) -> Result<Revision, StoreError>;

    /// The object under `key` at a revision (`None`: absent then).
    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError>;

    /// Every object in `scope` at a revision, sorted by key path.
    async fn list(&self, scope: Scope, at: At) -> Result<Read<Vec<Stored>>, StoreError>;

    /// Applies all the writes at one new revision if every condition holds, else none.
    async fn commit(&self, writes: Vec<Write>) -> Result<Outcome, StoreError>;

    /// Every change in `scope` with revision `from` or later, as it happens.
    async fn watch(&self, scope: Scope, from: Revision) -> Result<Watch, StoreError>;

    /// Forgets the history before `revision`: reads and watches before it fail as compacted.
    async fn compact(&self, revision: Revision) -> Result<(), StoreError>;

    /// Applies one write (a commit of one).
    async fn write(&self, write: Write) -> Result<Outcome, StoreError> {
        self.commit(vec![write]).await
    }
}

/// The object as a store keeps it: `resourceVersion` cleared (it is the mod revision, filled
/// on every read).
pub(crate) fn without_version(object: &Object) -> Object {
    let mut object = object.clone();
    object.metadata_mut().resource_version = 0;
    object
}

/// The object as a read returns it: `resourceVersion` set to its mod revision.
pub(crate) fn with_version(mut object: Object, mod_revision: Revision) -> Object {
    object.metadata_mut().resource_version = mod_revision;
    object
}
