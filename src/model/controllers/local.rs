//! A controller's local state: its session, and what a node runs. Lost on restart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::history::Session;
use crate::model::operation::Operation;
use crate::model::resources::{Kind, Revision, Shared};

/// The local state of one controller instance.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalState {
    /// The session with the store (what it read last; its last accepted write).
    pub session: Session,
    /// Node controllers: the pods running on the node, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub running: Shared<BTreeMap<String, RunningPod>>,
    /// Informer consistency: the revision each kind's cache stands at, in [`Kind::ALL`] order;
    /// `None` for a kind not watched or not yet listed.
    #[serde(default)]
    pub caches: [Option<Revision>; Kind::COUNT],
    /// Kubernetes' ControllerExpectations, by owner (`ReplicaSet/web`): pods this controller
    /// created or deleted and has not yet seen so in its view. Cleared when seen, or by the
    /// environment's `expire-expectations` (the 5-minute TTL).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub expectations: Shared<BTreeMap<String, Expectations>>,
    /// The KEP-5647 staleness guard, by owner: for each kind this controller wrote for that
    /// owner, the revision of its last write. Cleared once the view of that kind reaches it.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub written: Shared<BTreeMap<String, BTreeMap<Kind, Revision>>>,
    /// Node controllers: the machine left for good (the environment's `delete-node`): its
    /// kubelet takes no step until `rejoin-node` brings it back. Left out of traces when false.
    #[serde(skip_serializing_if = "is_false", default)]
    pub gone: bool,
    /// Under `syncs: multi-write`: the writes of the sync under way not yet committed, next
    /// first, all decided from the sync's one read (its session's read). Each is committed by
    /// a step of its own ([`crate::model::system::Action::Continue`]); a failed write or a
    /// restart drops the rest. Left out of traces (and of the hash) when empty.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub pending: Vec<Operation>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

// The hashes below are those `#[derive(Hash)]` gave before `gone`, `unready` and `pending`
// existed, with each hashed only when set: the in-memory hash is what trace format 1 recorded as a
// state's digest, so states without the new operations keep the digests old traces carry.
impl std::hash::Hash for LocalState {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.session.hash(state);
        self.running.hash(state);
        self.caches.hash(state);
        self.expectations.hash(state);
        self.written.hash(state);
        if self.gone {
            true.hash(state);
        }
        if !self.pending.is_empty() {
            self.pending.hash(state);
        }
    }
}

impl std::hash::Hash for RunningPod {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.uid.hash(state);
        self.exit_code.hash(state);
        if self.unready {
            true.hash(state);
        }
    }
}

/// Pod creations and deletions a controller expects to see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Expectations {
    /// Names of pods it created.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub creations: Vec<String>,
    /// Uids of pods it deleted.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub deletions: Vec<String>,
}

/// A pod a node runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunningPod {
    /// The uid of the pod it started.
    pub uid: String,
    /// The exit code once its containers exited (set by the environment), `None` while running.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exit_code: Option<i32>,
    /// Its readiness probe fails (the environment's `flip-readiness`): the node reports it
    /// running but not Ready. Left out of traces when false.
    #[serde(skip_serializing_if = "is_false", default)]
    pub unready: bool,
}

impl LocalState {
    /// The local state without its session: what a step changes besides the session.
    pub fn same_apart_from_session(&self, other: &LocalState) -> bool {
        self.caches == other.caches && self.same_apart_from_session_and_caches(other)
    }

    /// The local state without its session and informer caches: what a step changes besides
    /// what it read.
    pub fn same_apart_from_session_and_caches(&self, other: &LocalState) -> bool {
        self.running == other.running
            && self.expectations == other.expectations
            && self.written == other.written
            && self.gone == other.gone
            && self.pending == other.pending
    }

    /// Whether this controller still waits to see its own pod creations or deletions for
    /// `owner` (`Kind/name`): Kubernetes' `SatisfiedExpectations` is false.
    pub fn expects(&self, owner: &str) -> bool {
        self.expectations.contains_key(owner)
    }

    /// Whether the staleness guard holds back a sync of `owner`: some kind this controller
    /// wrote for it is, in its view, older than its write.
    pub fn is_stale_for(&self, owner: &str) -> bool {
        self.written.contains_key(owner)
    }

    /// Informer consistency: the read of a controller watching `watches`, once every watched
    /// cache has synced (unwatched kinds are taken at its newest cache's revision). With
    /// `wait_for_sync` off (Kubernetes before WaitForCacheSync) a cache not listed yet is read
    /// as empty ([`crate::model::history::UNLISTED`]) instead of holding the step back.
    pub fn informer_read(
        &self,
        watches: &[Kind],
        wait_for_sync: bool,
    ) -> Option<crate::model::history::Read> {
        let mut revisions = [0; Kind::COUNT];
        let mut newest = 0;
        for kind in watches {
            let at = match self.caches[kind.index()] {
                Some(at) => at,
                None if !wait_for_sync => crate::model::history::UNLISTED,
                None => return None,
            };
            revisions[kind.index()] = at;
            newest = newest.max(at);
        }
        for (i, r) in revisions.iter_mut().enumerate() {
            if !watches.contains(&Kind::ALL[i]) {
                *r = newest;
            }
        }
        Some(crate::model::history::Read::PerKind(revisions))
    }
}
