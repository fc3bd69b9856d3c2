//! Causal history (dissertation §3.4.5, Fig 3.18): a DAG of revisions with heads.
//!
//! A write is made from a read of one revision or of several mutually concurrent ones, and the
//! new revision has them all as parents. A read of several revisions sees their merge, last
//! writer wins per resource (the higher revision); a resource absent from a revision that has
//! seen the winning version's write was deleted after it, and stays deleted.
//!
//! A reader with a session may read, for each revision newer than its session (a descendant of
//! it), that revision together with any set of revisions concurrent with it and with each other
//! (with session b in Fig 3.18: {d}, {d,c}, {d,e}, {e}; never {d,c,e}, as c precedes e). A read
//! never loses what the session read: each session revision is in the read or precedes one of
//! its revisions (this matters for a merged session: after {c,d}, {e} alone would lose d's
//! writes). Without a session it may read any non-empty set of heads.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::graph::{GraphNode, HistoryGraph};
use super::{
    Change, Consistency, ConsistencySetting, History, INITIAL_REVISION, Read, Rejection, Session,
    commit_onto,
};
use crate::model::collection::mix;
use crate::model::resources::*;
use crate::model::state::{InState, StateView};

#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    state: Arc<StateView>,
    parents: Vec<Revision>,
    /// Strict ancestors, as a bit set indexed by revision - INITIAL_REVISION.
    ancestors: Vec<u64>,
}

impl Node {
    fn has_ancestor(&self, revision: Revision) -> bool {
        let i = (revision - INITIAL_REVISION) as usize;
        self.ancestors
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// See the module documentation.
///
/// Revisions are only ever added, so the nodes are shared between a history and the one a write
/// makes of it (a write copies a pointer per revision, not the revisions), and the hash of all
/// of them is kept up to date as each is added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Causal {
    nodes: Vec<Arc<Node>>,
    /// A hash of every revision's state and parents, in order.
    chain: u64,
}

impl Hash for Causal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.chain);
        state.write_usize(self.nodes.len());
    }
}

fn chain_with(mut chain: u64, node: &Node) -> u64 {
    chain = mix(chain ^ node.state.fingerprint());
    for p in &node.parents {
        chain = mix(chain ^ p);
    }
    chain
}

impl Causal {
    /// A history whose first revision is `initial`.
    pub fn new(initial: StateView) -> Self {
        let root = Node {
            state: Arc::new(initial),
            parents: Vec::new(),
            ancestors: Vec::new(),
        };
        Causal {
            chain: chain_with(0, &root),
            nodes: vec![Arc::new(root)],
        }
    }

    fn node(&self, revision: Revision) -> Option<&Node> {
        let index = revision.checked_sub(INITIAL_REVISION)?;
        self.nodes.get(index as usize).map(|n| &**n)
    }

    /// Whether `ancestor` strictly precedes `revision`.
    pub fn precedes(&self, ancestor: Revision, revision: Revision) -> bool {
        self.node(revision)
            .is_some_and(|n| n.has_ancestor(ancestor))
    }

    /// Whether `a` and `b` are distinct and neither precedes the other.
    pub fn concurrent(&self, a: Revision, b: Revision) -> bool {
        a != b && !self.precedes(a, b) && !self.precedes(b, a)
    }

    /// Revisions without successors.
    pub fn heads(&self) -> Vec<Revision> {
        self.revisions()
            .into_iter()
            .filter(|r| !self.nodes.iter().any(|n| n.parents.contains(r)))
            .collect()
    }

    /// The parents of a revision.
    pub fn parents(&self, revision: Revision) -> Vec<Revision> {
        self.node(revision)
            .map(|n| n.parents.clone())
            .unwrap_or_default()
    }

    /// Whether a read of `read` holds everything in `seen`: each seen revision is in it or
    /// precedes one of its revisions.
    fn covers(&self, read: &[Revision], seen: &[Revision]) -> bool {
        seen.iter().all(|&s| read.iter().any(|&r| self.knows(r, s)))
    }

    fn knows(&self, reader: Revision, write: Revision) -> bool {
        reader == write || self.precedes(write, reader)
    }

    fn merged(&self, revisions: &[Revision]) -> Option<StateView> {
        let (&first, rest) = revisions.split_first()?;
        let mut out = (*self.node(first)?.state).clone();
        if rest.is_empty() {
            return Some(out);
        }
        for &r in revisions {
            self.node(r)?;
        }
        merge_kind::<Node_>(self, revisions, &mut out);
        merge_kind::<Pod>(self, revisions, &mut out);
        merge_kind::<ReplicaSet>(self, revisions, &mut out);
        merge_kind::<Deployment>(self, revisions, &mut out);
        merge_kind::<StatefulSet>(self, revisions, &mut out);
        merge_kind::<Job>(self, revisions, &mut out);
        merge_kind::<ControllerRevision>(self, revisions, &mut out);
        merge_kind::<PersistentVolumeClaim>(self, revisions, &mut out);
        Some(out)
    }

    /// Every set of mutually concurrent revisions that contains `x` and otherwise only members
    /// of `candidates`.
    fn antichains_with(
        &self,
        x: Revision,
        candidates: &[Revision],
        out: &mut BTreeSet<Vec<Revision>>,
    ) {
        let concurrent: Vec<Revision> = candidates
            .iter()
            .copied()
            .filter(|&y| self.concurrent(x, y))
            .collect();
        let mut chosen = vec![x];
        self.extend_antichains(&concurrent, 0, &mut chosen, out);
    }

    fn extend_antichains(
        &self,
        pool: &[Revision],
        from: usize,
        chosen: &mut Vec<Revision>,
        out: &mut BTreeSet<Vec<Revision>>,
    ) {
        let mut sorted = chosen.clone();
        sorted.sort_unstable();
        out.insert(sorted);
        for i in from..pool.len() {
            let y = pool[i];
            if chosen.iter().all(|&c| self.concurrent(c, y)) {
                chosen.push(y);
                self.extend_antichains(pool, i + 1, chosen, out);
                chosen.pop();
            }
        }
    }
}

type Node_ = crate::model::resources::Node;

fn merge_kind<R: InState>(history: &Causal, revisions: &[Revision], out: &mut StateView) {
    let states: Vec<(Revision, &StateView)> = revisions
        .iter()
        .map(|&r| (r, &*history.node(r).expect("checked by caller").state))
        .collect();
    let names: BTreeSet<&str> = states
        .iter()
        .flat_map(|(_, s)| s.of::<R>().names())
        .collect();
    let mut merged = crate::model::collection::Resources::<R>::new();
    for name in names {
        let winner = states
            .iter()
            .filter_map(|(_, s)| s.of::<R>().get_stored(name))
            .max_by_key(|stored| stored.metadata().resource_version)
            .expect("the name comes from one of the states");
        let written = winner.metadata().resource_version;
        let deleted = states
            .iter()
            .any(|(r, s)| !s.of::<R>().contains(name) && history.knows(*r, written));
        if !deleted {
            merged.insert_stored(winner.clone());
        }
    }
    *out.of_mut::<R>() = merged;
}

impl History for Causal {
    fn setting(&self) -> ConsistencySetting {
        ConsistencySetting {
            level: Consistency::Causal,
            read_your_writes: false,
            ..ConsistencySetting::default()
        }
    }

    /// The newest head.
    fn latest(&self) -> Revision {
        INITIAL_REVISION + self.nodes.len() as Revision - 1
    }

    fn revisions(&self) -> Vec<Revision> {
        (INITIAL_REVISION..INITIAL_REVISION + self.nodes.len() as Revision).collect()
    }

    fn state(&self, read: &Read) -> Option<StateView> {
        match read {
            Read::At(r) => self.merged(&[*r]),
            Read::Merge(rs) => {
                let all_concurrent = rs
                    .iter()
                    .enumerate()
                    .all(|(i, a)| rs[i + 1..].iter().all(|b| self.concurrent(*a, *b)));
                if all_concurrent {
                    self.merged(rs)
                } else {
                    None
                }
            }
            Read::PerKind(_) => None,
        }
    }

    fn readable(&self, session: &Session) -> Vec<Read> {
        let mut sets = BTreeSet::new();
        match &session.read {
            None => {
                let heads = self.heads();
                for &h in &heads {
                    self.antichains_with(h, &heads, &mut sets);
                }
            }
            Some(read) => {
                let seen = read.revisions();
                // Nothing older than a revision already read (with a merged session {b, d}, a
                // revision that precedes d is never offered beside one newer than b); this only
                // prunes the search, as the next rule implies it ...
                let candidates: Vec<Revision> = self
                    .revisions()
                    .into_iter()
                    .filter(|&y| !seen.iter().any(|&s| self.precedes(y, s)))
                    .collect();
                for &x in &candidates {
                    if seen.iter().any(|&s| self.precedes(s, x)) {
                        self.antichains_with(x, &candidates, &mut sets);
                    }
                }
                // ... and nothing that leaves out a revision already read: after {b, d}, a
                // revision newer than b alone would lose d's writes.
                sets.retain(|set| self.covers(set, &seen));
            }
        }
        sets.into_iter().map(Read::merge).collect()
    }

    fn commit(&mut self, change: &Change<'_>) -> Result<Revision, Rejection> {
        let base = self
            .state(change.read)
            .ok_or_else(|| Rejection::UnknownRead(change.read.clone()))?;
        let revision = INITIAL_REVISION + self.nodes.len() as Revision;
        let next = commit_onto(&base, &base, change, revision)?;
        let parents = change.read.revisions();
        let mut ancestors = vec![0u64; self.nodes.len().div_ceil(64)];
        for &p in &parents {
            let i = (p - INITIAL_REVISION) as usize;
            ancestors[i / 64] |= 1 << (i % 64);
            let node = self.node(p).expect("state() checked every parent");
            for (w, a) in ancestors.iter_mut().zip(&node.ancestors) {
                *w |= a;
            }
        }
        let node = Node {
            state: Arc::new(next),
            parents,
            ancestors,
        };
        self.chain = chain_with(self.chain, &node);
        self.nodes.push(Arc::new(node));
        Ok(revision)
    }

    fn parents(&self, revision: Revision) -> Vec<Revision> {
        self.node(revision)
            .map(|n| n.parents.clone())
            .unwrap_or_default()
    }

    fn each_revision(&self, visit: &mut dyn FnMut(&StateView, u64)) {
        for n in &self.nodes {
            let place = n.parents.iter().fold(0, |acc, p| mix(acc ^ p));
            visit(&n.state, place);
        }
    }

    fn shape(&self) -> u64 {
        0
    }

    fn graph(&self, readers: &[(String, Session)]) -> HistoryGraph {
        HistoryGraph {
            nodes: self
                .revisions()
                .into_iter()
                .map(|r| GraphNode {
                    revision: r,
                    parents: self.parents(r),
                    lost: false,
                    term: 0,
                })
                .collect(),
            heads: self.heads(),
            latest: self.latest(),
            commit_point: None,
            readable: readers
                .iter()
                .map(|(name, s)| (name.clone(), self.readable(s)))
                .collect(),
            caches: Vec::new(),
        }
    }
}
