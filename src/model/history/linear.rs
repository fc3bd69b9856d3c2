//! The three linear histories: one sequence of revisions, writes always onto the latest; they
//! differ only in which revisions a reader may read.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::graph::{GraphNode, HistoryGraph};
use super::{
    Change, Consistency, ConsistencySetting, History, INITIAL_REVISION, Read, Rejection, Session,
    commit_onto,
};
use crate::model::collection::mix;
use crate::model::resources::{Kind, Revision};
use crate::model::state::StateView;

/// A sequence of states, revision [`INITIAL_REVISION`] first; shared by the linear histories.
///
/// Persistent: each revision links to the one before it, so cloning a store (as every
/// successor state of the checker does) costs one reference count, and two stores that share a
/// prefix share its memory.
#[derive(Clone, Debug)]
pub struct LinearStore {
    tip: Arc<Link>,
}

#[derive(Debug)]
struct Link {
    state: StateView,
    revision: Revision,
    /// A hash of every state up to this one.
    chain: u64,
    previous: Option<Arc<Link>>,
}

impl PartialEq for LinearStore {
    fn eq(&self, other: &Self) -> bool {
        let (mut a, mut b) = (&self.tip, &other.tip);
        if a.revision != b.revision || a.chain != b.chain {
            return false;
        }
        loop {
            if Arc::ptr_eq(a, b) {
                return true;
            }
            if a.state != b.state {
                return false;
            }
            match (&a.previous, &b.previous) {
                (Some(pa), Some(pb)) => (a, b) = (pa, pb),
                (None, None) => return true,
                _ => return false,
            }
        }
    }
}

impl Eq for LinearStore {}

impl Hash for LinearStore {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.tip.chain);
        state.write_u64(self.tip.revision);
    }
}

impl LinearStore {
    /// A store holding the initial state.
    pub fn new(initial: StateView) -> Self {
        LinearStore {
            tip: Arc::new(Link {
                chain: mix(initial.fingerprint()),
                state: initial,
                revision: INITIAL_REVISION,
                previous: None,
            }),
        }
    }

    fn push(&mut self, state: StateView) {
        let chain = mix(self.tip.chain ^ state.fingerprint());
        self.tip = Arc::new(Link {
            state,
            revision: self.tip.revision + 1,
            chain,
            previous: Some(self.tip.clone()),
        });
    }

    /// The latest revision.
    pub fn latest(&self) -> Revision {
        self.tip.revision
    }

    /// The state at one revision.
    pub fn at(&self, revision: Revision) -> Option<&StateView> {
        let mut link = &self.tip;
        while link.revision > revision {
            link = link.previous.as_ref()?;
        }
        (link.revision == revision).then_some(&link.state)
    }

    /// The state a read sees; one revision per kind is composed kind by kind.
    pub fn state(&self, read: &Read) -> Option<StateView> {
        match read {
            Read::At(r) => self.at(*r).cloned(),
            Read::Merge(_) => None,
            Read::PerKind(revisions) => {
                // A kind read at UNLISTED (a cache not listed yet) is empty.
                let empty = StateView::default();
                let at = |r: Revision| {
                    if r == super::UNLISTED {
                        Some(&empty)
                    } else {
                        self.at(r)
                    }
                };
                let mut composed = at(revisions[0])?.clone();
                for kind in Kind::ALL.into_iter().skip(1) {
                    composed.take_kind_from(kind, at(revisions[kind.index()])?);
                }
                Some(composed)
            }
        }
    }

    /// Commits onto the latest revision.
    pub fn commit(&mut self, change: &Change<'_>) -> Result<Revision, Rejection> {
        let read_state = self
            .state(change.read)
            .ok_or_else(|| Rejection::UnknownRead(change.read.clone()))?;
        let revision = self.latest() + 1;
        let base = self.at(self.latest()).expect("latest is held");
        let next = commit_onto(base, &read_state, change, revision)?;
        self.push(next);
        Ok(revision)
    }

    /// Calls `visit` with every revision's state and its number, newest first.
    pub fn each_revision(&self, visit: &mut dyn FnMut(&StateView, u64)) {
        let mut link = Some(&self.tip);
        while let Some(l) = link {
            visit(&l.state, l.revision);
            link = l.previous.as_ref();
        }
    }

    /// The revision before `revision` (none for the first).
    pub fn parents(&self, revision: Revision) -> Vec<Revision> {
        if revision > INITIAL_REVISION && revision <= self.latest() {
            vec![revision - 1]
        } else {
            vec![]
        }
    }

    /// Revisions from `floor` (at least the first) to the latest, as reads.
    pub fn reads_from(&self, floor: Revision) -> Vec<Read> {
        (floor.max(INITIAL_REVISION)..=self.latest())
            .map(Read::At)
            .collect()
    }

    /// The graph of a linear history.
    pub fn graph(&self, readers: Vec<(String, Vec<Read>)>) -> HistoryGraph {
        let latest = self.latest();
        HistoryGraph {
            nodes: (INITIAL_REVISION..=latest)
                .map(|r| GraphNode {
                    revision: r,
                    parents: if r > INITIAL_REVISION {
                        vec![r - 1]
                    } else {
                        vec![]
                    },
                    lost: false,
                    term: 0,
                })
                .collect(),
            heads: vec![latest],
            latest,
            commit_point: None,
            readable: readers,
            caches: Vec::new(),
        }
    }
}

/// The lowest revision a session lets its reader read (strictly newer than what it read; with
/// read-your-writes, never older than its last write), or `None` without a session.
fn session_floor(session: &Session, read_your_writes: bool) -> Option<Revision> {
    let after_read = session.read.as_ref().map(|r| r.newest() + 1);
    let after_write = session.last_write.filter(|_| read_your_writes);
    match (after_read, after_write) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

macro_rules! linear_history {
    ($(#[$doc:meta])* $name:ident, $level:expr, |$store:ident, $session:ident, $ryw:ident| $readable:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name {
            store: LinearStore,
            read_your_writes: bool,
        }

        impl $name {
            /// The underlying sequence of states.
            pub fn store(&self) -> &LinearStore {
                &self.store
            }
        }

        impl History for $name {
            fn setting(&self) -> ConsistencySetting {
                ConsistencySetting { level: $level, read_your_writes: self.read_your_writes, ..ConsistencySetting::default() }
            }
            fn latest(&self) -> Revision {
                self.store.latest()
            }
            fn revisions(&self) -> Vec<Revision> {
                (INITIAL_REVISION..=self.store.latest()).collect()
            }
            fn state(&self, read: &Read) -> Option<StateView> {
                self.store.state(read)
            }
            fn readable(&self, $session: &Session) -> Vec<Read> {
                let $store = &self.store;
                let $ryw = self.read_your_writes;
                $readable
            }
            fn commit(&mut self, change: &Change<'_>) -> Result<Revision, Rejection> {
                self.store.commit(change)
            }
            fn parents(&self, revision: Revision) -> Vec<Revision> {
                self.store.parents(revision)
            }
            fn each_revision(&self, visit: &mut dyn FnMut(&StateView, u64)) {
                self.store.each_revision(visit)
            }
            fn each_revision_state(&self, visit: &mut dyn FnMut(Revision, &StateView)) {
                self.store.each_revision(&mut |state, revision| visit(revision, state))
            }
            fn shape(&self) -> u64 {
                mix(u64::from(self.read_your_writes))
            }
            fn graph(&self, readers: &[(String, Session)]) -> HistoryGraph {
                let readable = readers
                    .iter()
                    .map(|(name, s)| (name.clone(), self.readable(s)))
                    .collect();
                self.store.graph(readable)
            }
        }
    };
}

linear_history!(
    /// Every reader reads the latest revision (Fig 3.15).
    Synchronous,
    Consistency::Synchronous,
    |store, _session, _ryw| vec![Read::At(store.latest())]
);

linear_history!(
    /// Readers read revisions newer than their session; without a session, the latest (Fig 3.16).
    MonotonicSession,
    Consistency::MonotonicSession,
    |store, session, ryw| {
        // Without a read, the latest, which is never older than the reader's own write.
        let floor = session
            .read
            .as_ref()
            .and_then(|_| session_floor(session, ryw))
            .unwrap_or(store.latest());
        store.reads_from(floor)
    }
);

linear_history!(
    /// As [`MonotonicSession`], but a reader without a session (after a restart) may read any
    /// revision: the time travel of kubernetes issue 59848.
    ResettableSession,
    Consistency::ResettableSession,
    |store, session, ryw| {
        let floor = session_floor(session, ryw).unwrap_or(INITIAL_REVISION);
        store.reads_from(floor)
    }
);

impl Synchronous {
    /// A history whose first revision is `initial`.
    pub fn new(initial: StateView) -> Self {
        Synchronous {
            store: LinearStore::new(initial),
            read_your_writes: false,
        }
    }
}

impl MonotonicSession {
    /// A history whose first revision is `initial`.
    pub fn new(initial: StateView, read_your_writes: bool) -> Self {
        MonotonicSession {
            store: LinearStore::new(initial),
            read_your_writes,
        }
    }
}

impl ResettableSession {
    /// A history whose first revision is `initial`.
    pub fn new(initial: StateView, read_your_writes: bool) -> Self {
        ResettableSession {
            store: LinearStore::new(initial),
            read_your_writes,
        }
    }
}
