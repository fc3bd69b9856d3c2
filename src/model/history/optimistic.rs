//! Optimistic linear history (dissertation §3.4.4, Fig 3.17, Table 3.4).
//!
//! Writes are acknowledged by a leader before they commit. The history is a tree of revisions;
//! the leader's branch runs from the first revision to the latest, and the commit point is on
//! it. A write lands:
//!
//! - made from the latest revision: extends it (still optimistic);
//! - made from a revision on the leader's branch at or after the commit point, but not the
//!   latest: a new leader that had that revision takes over. The write starts a new term on a
//!   branch from that revision and is committed with everything before it (the commit point
//!   moves to it); revisions after it on the old branch are lost;
//! - made from a revision before the commit point: the writer is still talking to the leader of
//!   the term that committed that revision, so the write lands on that term's tip (lost if that
//!   term is over);
//! - made from a revision on a lost branch: lands on that branch's tip and is lost with it.
//!
//! A reader with a session reads revisions newer than its session, of its session's term or a
//! later one (once it has seen a new leader, the old optimistic writes are invisible); without
//! a session it may read any revision.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::graph::{GraphNode, HistoryGraph};
use super::{
    Change, Consistency, ConsistencySetting, History, INITIAL_REVISION, Read, Rejection, Session,
    commit_onto,
};
use crate::model::collection::mix;
use crate::model::resources::Revision;
use crate::model::state::StateView;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    state: Arc<StateView>,
    parent: Option<Revision>,
    /// The term the revision was written in.
    term: u32,
    /// The term whose leader committed it, if committed.
    committed_in: Option<u32>,
}

/// See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptimisticLinear {
    nodes: Vec<Node>,
    /// The tip of each term's branch; index 0 is term 1.
    tips: Vec<Revision>,
    /// The current leader's term.
    term: u32,
    /// The commit point, on the current leader's branch.
    commit: Revision,
}

impl Hash for OptimisticLinear {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let mut acc = 0u64;
        for n in &self.nodes {
            acc = mix(acc ^ n.state.fingerprint());
            acc = mix(acc ^ n.parent.unwrap_or(0) ^ (u64::from(n.term) << 40));
            acc = mix(acc ^ u64::from(n.committed_in.unwrap_or(0)));
        }
        state.write_u64(acc);
        self.tips.hash(state);
        state.write_u32(self.term);
        state.write_u64(self.commit);
    }
}

impl OptimisticLinear {
    /// A history whose first (committed) revision is `initial`.
    pub fn new(initial: StateView) -> Self {
        OptimisticLinear {
            nodes: vec![Node {
                state: Arc::new(initial),
                parent: None,
                term: 1,
                committed_in: Some(1),
            }],
            tips: vec![INITIAL_REVISION],
            term: 1,
            commit: INITIAL_REVISION,
        }
    }

    fn node(&self, revision: Revision) -> Option<&Node> {
        let index = revision.checked_sub(INITIAL_REVISION)?;
        self.nodes.get(index as usize)
    }

    fn tip(&self, term: u32) -> Revision {
        self.tips[term as usize - 1]
    }

    /// The commit point.
    pub fn commit_point(&self) -> Revision {
        self.commit
    }

    /// The parent of a revision.
    fn parent(&self, revision: Revision) -> Option<Revision> {
        self.node(revision).and_then(|n| n.parent)
    }

    /// Whether `ancestor` is `revision` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, ancestor: Revision, revision: Revision) -> bool {
        let mut at = Some(revision);
        while let Some(r) = at {
            if r == ancestor {
                return true;
            }
            if r < ancestor {
                return false;
            }
            at = self.parent(r);
        }
        false
    }

    /// The revision a write made from `read` lands on (becomes the parent of), and whether it
    /// starts a new term. See the module documentation.
    pub fn landing(&self, read: Revision) -> Option<(Revision, bool)> {
        let node = self.node(read)?;
        let latest = self.latest();
        if read == latest {
            return Some((read, false));
        }
        if read != self.commit && self.is_ancestor_or_self(read, self.commit) {
            let term = node
                .committed_in
                .expect("revisions before the commit point are committed");
            return Some((self.tip(term), false));
        }
        if self.is_ancestor_or_self(read, latest) {
            return Some((read, true));
        }
        Some((self.tip(node.term), false))
    }

    /// Whether a revision is on a branch that can no longer commit.
    pub fn is_lost(&self, revision: Revision) -> bool {
        !self.is_ancestor_or_self(revision, self.latest())
    }
}

impl History for OptimisticLinear {
    fn setting(&self) -> ConsistencySetting {
        ConsistencySetting {
            level: Consistency::OptimisticLinear,
            read_your_writes: false,
            ..ConsistencySetting::default()
        }
    }

    fn latest(&self) -> Revision {
        self.tip(self.term)
    }

    fn revisions(&self) -> Vec<Revision> {
        (INITIAL_REVISION..INITIAL_REVISION + self.nodes.len() as Revision).collect()
    }

    fn state(&self, read: &Read) -> Option<StateView> {
        match read {
            Read::At(r) => self.node(*r).map(|n| (*n.state).clone()),
            _ => None,
        }
    }

    fn readable(&self, session: &Session) -> Vec<Read> {
        let Some(seen) = session.read.as_ref().map(Read::newest) else {
            return self.revisions().into_iter().map(Read::At).collect();
        };
        let seen_term = self.node(seen).map_or(1, |n| n.term);
        self.revisions()
            .into_iter()
            .filter(|r| *r > seen && self.node(*r).is_some_and(|n| n.term >= seen_term))
            .map(Read::At)
            .collect()
    }

    fn commit(&mut self, change: &Change<'_>) -> Result<Revision, Rejection> {
        let unknown = || Rejection::UnknownRead(change.read.clone());
        let Read::At(read) = *change.read else {
            return Err(unknown());
        };
        let (onto, new_term) = self.landing(read).ok_or_else(unknown)?;
        let read_state = self.node(read).ok_or_else(unknown)?.state.clone();
        let base = self.node(onto).ok_or_else(unknown)?.state.clone();
        let revision = INITIAL_REVISION + self.nodes.len() as Revision;
        let next = commit_onto(&base, &read_state, change, revision)?;
        let term = if new_term {
            self.tips.push(revision);
            self.term = self.tips.len() as u32;
            self.term
        } else {
            self.node(onto).expect("landing is held").term
        };
        self.nodes.push(Node {
            state: Arc::new(next),
            parent: Some(onto),
            term,
            committed_in: None,
        });
        self.tips[term as usize - 1] = revision;
        if new_term {
            self.commit = revision;
            let mut at = Some(revision);
            while let Some(r) = at {
                let node = &mut self.nodes[(r - INITIAL_REVISION) as usize];
                if node.committed_in.is_some() {
                    break;
                }
                node.committed_in = Some(term);
                at = node.parent;
            }
        }
        Ok(revision)
    }

    fn parents(&self, revision: Revision) -> Vec<Revision> {
        self.parent(revision).into_iter().collect()
    }

    fn each_revision(&self, visit: &mut dyn FnMut(&StateView, u64)) {
        for n in &self.nodes {
            let place = mix(n.parent.unwrap_or(0) ^ (u64::from(n.term) << 40));
            visit(
                &n.state,
                mix(place ^ u64::from(n.committed_in.unwrap_or(0))),
            );
        }
    }

    fn shape(&self) -> u64 {
        let mut acc = mix(u64::from(self.term) ^ (self.commit << 32));
        for &tip in &self.tips {
            acc = mix(acc ^ tip);
        }
        acc
    }

    fn graph(&self, readers: &[(String, Session)]) -> HistoryGraph {
        let revisions = self.revisions();
        let heads = revisions
            .iter()
            .copied()
            .filter(|r| !self.nodes.iter().any(|n| n.parent == Some(*r)))
            .collect();
        HistoryGraph {
            nodes: revisions
                .iter()
                .map(|&r| {
                    let n = self.node(r).expect("listed revisions are held");
                    GraphNode {
                        revision: r,
                        parents: n.parent.into_iter().collect(),
                        lost: self.is_lost(r),
                        term: n.term,
                    }
                })
                .collect(),
            heads,
            latest: self.latest(),
            commit_point: Some(self.commit),
            readable: readers
                .iter()
                .map(|(name, s)| (name.clone(), self.readable(s)))
                .collect(),
            caches: Vec::new(),
        }
    }
}
