//! The graph of a state's history: revisions as nodes with who wrote them and what they
//! changed, edges typed parent, merge (a causal write's further parents) and elided run.

use std::collections::BTreeMap;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::model::config::Start;
use crate::model::history::{HistoryGraph, Read, Session};
use crate::model::resources::{Kind, Revision};
use crate::model::system::{Action, Outcome, SETTLE_LIMIT, System, SystemState, Transition};

/// Who wrote a revision, at which step, and what it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Written {
    /// The step of the path that wrote it (1 is the first step after the start).
    pub step: usize,
    /// The controller's name, or `environment`.
    pub writer: String,
    /// The write, as `update Pod web-0`.
    pub change: String,
}

/// Which step wrote each revision: what a path (a trace, the explorer's path) tells and the
/// history does not hold (a state does not remember who wrote it, so that two states that
/// differ only in that are one state to the checker).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Provenance {
    by_revision: BTreeMap<Revision, Written>,
}

impl Provenance {
    /// The writes of a path's transitions, the first being step `first_step`.
    pub fn from_transitions<'a>(
        system: &System,
        first_step: usize,
        transitions: impl IntoIterator<Item = &'a Transition>,
    ) -> Provenance {
        let mut out = Provenance::default();
        for (i, t) in transitions.into_iter().enumerate() {
            out.record_action(system, first_step + i, &t.action, &t.outcome);
        }
        out
    }

    /// The writes that made a model's start state: with `start: settled`, the settling steps
    /// (numbered from 1 and shown as `start` steps by no path), taken again from the fresh
    /// state; for a plain start, none. Nothing when re-settling does not give the system's own
    /// start state.
    pub fn of_start(system: &System) -> Provenance {
        Provenance::of_start_until(system, &system.initial(), &|| false)
    }

    /// As [`Provenance::of_start`] for the system's start state `start` computed already,
    /// settling again only while `stop` returns false (nothing once it returns true).
    pub fn of_start_until(
        system: &System,
        start: &SystemState,
        stop: &dyn Fn() -> bool,
    ) -> Provenance {
        if system.config().start != Start::Settled {
            return Provenance::default();
        }
        let mut fresh_config = system.config().clone();
        fresh_config.start = Start::Initial;
        let Ok(fresh) = System::new(fresh_config) else {
            return Provenance::default();
        };
        let (settled, taken) = system.settle(fresh.initial(), SETTLE_LIMIT, stop);
        if stop() || &settled != start {
            return Provenance::default();
        }
        let mut out = Provenance::from_transitions(system, 1, &taken);
        for w in out.by_revision.values_mut() {
            w.step = 0;
        }
        out
    }

    /// Adds the writes of `other` (a later part of the path).
    pub fn extend(&mut self, other: Provenance) {
        self.by_revision.extend(other.by_revision);
    }

    /// Records the write an action made at step `step`, if it made one.
    pub fn record_action(
        &mut self,
        system: &System,
        step: usize,
        action: &Action,
        outcome: &Outcome,
    ) {
        let Outcome::Wrote {
            operation,
            revision,
        } = outcome
        else {
            return;
        };
        let writer = match action {
            Action::Step { controller, .. }
            | Action::Cache { controller, .. }
            | Action::Continue { controller } => system.controller_name(*controller).to_string(),
            Action::Environment { .. } => "environment".to_string(),
        };
        self.record(
            *revision,
            Written {
                step,
                writer,
                change: operation.to_string(),
            },
        );
    }

    /// Records who wrote `revision`.
    pub fn record(&mut self, revision: Revision, written: Written) {
        self.by_revision.insert(revision, written);
    }

    /// Who wrote `revision`, if the path says.
    pub fn get(&self, revision: Revision) -> Option<&Written> {
        self.by_revision.get(&revision)
    }
}

/// One revision of the graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RevisionNode {
    /// The revision number.
    pub revision: Revision,
    /// Who wrote it (none for revisions of the start state).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<Written>,
    /// On a branch that can no longer commit (optimistic linear).
    pub lost: bool,
    /// The leader term it was written in (optimistic linear; 0 elsewhere).
    pub term: u32,
    /// Without successors.
    pub head: bool,
}

/// How a revision is linked to one it was written on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EdgeKind {
    /// Its first (for most revisions, only) parent.
    Parent,
    /// A further parent of a causal merge.
    Merge,
    /// A run of revisions between the two is hidden.
    Elided {
        /// How many revisions are hidden.
        hidden: usize,
    },
}

/// A history's revisions as a petgraph graph (edges from parent to child), with heads, the
/// latest revision, the commit point and what each reader may read. Nodes are in revision
/// order, which is a topological order (a revision is written on older ones).
#[derive(Clone, Debug)]
pub struct DagGraph {
    /// The graph: node weights are revisions, edges point from a parent to its child.
    pub graph: DiGraph<RevisionNode, EdgeKind>,
    index: BTreeMap<Revision, NodeIndex>,
    head_indices: Vec<NodeIndex>,
    /// The newest revision a consistent reader sees.
    pub latest: Revision,
    /// The commit point (optimistic linear).
    pub commit_point: Option<Revision>,
    /// For each reader, the reads it may make now.
    pub readable: Vec<(String, Vec<Read>)>,
    /// Informer: for each controller, the revision each of its caches stands at.
    pub caches: Vec<(String, Vec<(Kind, Revision)>)>,
    /// Each reader's session.
    pub sessions: Vec<(String, Session)>,
}

impl DagGraph {
    /// The graph of a state's history, with who wrote what from `provenance`.
    pub fn of_state(system: &System, state: &SystemState, provenance: &Provenance) -> DagGraph {
        DagGraph::new(
            &system.history_graph(state),
            system.sessions(state),
            provenance,
        )
    }

    /// The graph of an exported history.
    pub fn new(
        history: &HistoryGraph,
        sessions: Vec<(String, Session)>,
        provenance: &Provenance,
    ) -> DagGraph {
        let mut dag = DagGraph {
            graph: DiGraph::with_capacity(history.nodes.len(), history.nodes.len()),
            index: BTreeMap::new(),
            head_indices: Vec::new(),
            latest: history.latest,
            commit_point: history.commit_point,
            readable: Vec::new(),
            caches: Vec::new(),
            sessions: Vec::new(),
        };
        dag.update(history, sessions, provenance);
        dag
    }

    /// Brings the graph up to a newer export of the same history: appends the revisions it
    /// does not hold yet (returning how many) and refreshes heads, lost branches and readers.
    pub fn update(
        &mut self,
        history: &HistoryGraph,
        sessions: Vec<(String, Session)>,
        provenance: &Provenance,
    ) -> usize {
        let before = self.graph.node_count();
        for node in &history.nodes {
            if let Some(&i) = self.index.get(&node.revision) {
                let weight = &mut self.graph[i];
                weight.lost = node.lost;
                weight.term = node.term;
                continue;
            }
            let i = self.graph.add_node(RevisionNode {
                revision: node.revision,
                written: provenance.get(node.revision).cloned(),
                lost: node.lost,
                term: node.term,
                head: false,
            });
            self.index.insert(node.revision, i);
            for (n, p) in node.parents.iter().enumerate() {
                if let Some(&pi) = self.index.get(p) {
                    let kind = if n == 0 {
                        EdgeKind::Parent
                    } else {
                        EdgeKind::Merge
                    };
                    self.graph.add_edge(pi, i, kind);
                }
            }
        }
        for i in std::mem::take(&mut self.head_indices) {
            self.graph[i].head = false;
        }
        for &h in &history.heads {
            if let Some(&i) = self.index.get(&h) {
                self.graph[i].head = true;
                self.head_indices.push(i);
            }
        }
        self.latest = history.latest;
        self.commit_point = history.commit_point;
        self.readable = history.readable.clone();
        self.caches = history.caches.clone();
        self.sessions = sessions;
        self.graph.node_count() - before
    }

    /// The number of revisions shown.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether the graph has no revisions.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// The revisions, oldest first.
    pub fn nodes(&self) -> impl Iterator<Item = &RevisionNode> {
        self.graph.node_weights()
    }

    /// The node at a position of [`DagGraph::nodes`] (a layout row).
    pub fn node_at(&self, position: usize) -> Option<&RevisionNode> {
        self.graph.node_weight(NodeIndex::new(position))
    }

    /// The position of a revision in [`DagGraph::nodes`], if shown.
    pub fn position(&self, revision: Revision) -> Option<usize> {
        self.index.get(&revision).map(|i| i.index())
    }

    /// The node of a revision, if shown.
    pub fn node(&self, revision: Revision) -> Option<&RevisionNode> {
        self.index.get(&revision).map(|&i| &self.graph[i])
    }

    /// The heads, oldest first.
    pub fn heads(&self) -> Vec<Revision> {
        self.nodes()
            .filter(|n| n.head)
            .map(|n| n.revision)
            .collect()
    }

    /// The revisions on lost branches.
    pub fn lost(&self) -> Vec<Revision> {
        self.nodes()
            .filter(|n| n.lost)
            .map(|n| n.revision)
            .collect()
    }

    /// The revisions `revision` was written on, first parent first, with how each is linked.
    pub fn parents(&self, revision: Revision) -> Vec<(Revision, EdgeKind)> {
        let Some(&i) = self.index.get(&revision) else {
            return Vec::new();
        };
        let mut edges: Vec<_> = self
            .graph
            .edges_directed(i, petgraph::Direction::Incoming)
            .map(|e| (e.id(), self.graph[e.source()].revision, *e.weight()))
            .collect();
        edges.sort_by_key(|(id, _, _)| *id);
        edges.into_iter().map(|(_, r, k)| (r, k)).collect()
    }

    /// The parents of the node at `position`, as positions, with how each is linked.
    pub fn parent_positions(&self, position: usize) -> Vec<(usize, EdgeKind)> {
        let i = NodeIndex::new(position);
        let mut edges: Vec<_> = self
            .graph
            .edges_directed(i, petgraph::Direction::Incoming)
            .map(|e| (e.id(), e.source().index(), *e.weight()))
            .collect();
        edges.sort_by_key(|(id, _, _)| *id);
        edges.into_iter().map(|(_, p, k)| (p, k)).collect()
    }

    /// All edges as (parent, child, kind), in the order they were added.
    pub fn edges(&self) -> Vec<(Revision, Revision, EdgeKind)> {
        self.graph
            .edge_references()
            .map(|e| {
                (
                    self.graph[e.source()].revision,
                    self.graph[e.target()].revision,
                    *e.weight(),
                )
            })
            .collect()
    }

    /// The readers whose session or informer caches stand on `revision`, as `node-1 session`
    /// or `scheduler pods cache`, in configuration order.
    pub fn standing(&self, revision: Revision) -> Vec<String> {
        let mut out = Vec::new();
        for (name, session) in &self.sessions {
            if session.read.as_ref().is_some_and(|r| {
                !matches!(r, Read::PerKind(_)) && r.revisions().contains(&revision)
            }) {
                out.push(format!("{name} session"));
            }
            if session.last_write == Some(revision) {
                out.push(format!("{name} last write"));
            }
        }
        for (name, caches) in &self.caches {
            let kinds: Vec<&str> = caches
                .iter()
                .filter(|(_, r)| *r == revision)
                .map(|(k, _)| k.plural())
                .collect();
            if !kinds.is_empty() {
                out.push(format!("{name} {} cache", kinds.join(",")));
            }
        }
        out
    }

    /// The reader names, in configuration order.
    pub fn readers(&self) -> impl Iterator<Item = &str> {
        self.readable.iter().map(|(n, _)| n.as_str())
    }

    /// A copy in which every run of more than `longest` revisions written one after the other
    /// by one writer (each the only child of the one before) keeps only its first and last
    /// revisions, joined by an [`EdgeKind::Elided`] edge. Heads, the commit point and lost
    /// revisions are never hidden.
    pub fn collapse_runs(&self, longest: usize) -> DagGraph {
        let n = self.len();
        let mut children = vec![0usize; n];
        for e in self.graph.edge_references() {
            children[e.source().index()] += 1;
        }
        // hidden[i]: the node is inside a run.
        let mut hidden = vec![false; n];
        let linear = |p: usize| -> Option<usize> {
            let parents = self.parent_positions(p);
            match parents.as_slice() {
                [(q, EdgeKind::Parent)] => Some(*q),
                _ => None,
            }
        };
        let writer = |p: usize| {
            self.node_at(p)
                .and_then(|x| x.written.as_ref().map(|w| &w.writer))
        };
        let mut start = 0;
        while start < n {
            // Extend a run from `start` while the next node continues it.
            let mut end = start;
            while end + 1 < n
                && writer(start).is_some()
                && writer(end + 1) == writer(start)
                && linear(end + 1) == Some(end)
                && children[end] == 1
            {
                end += 1;
            }
            if end - start + 1 > longest.max(2) {
                for (offset, h) in hidden[start + 1..end].iter_mut().enumerate() {
                    let node = &self.graph[NodeIndex::new(start + 1 + offset)];
                    let keep = node.head || node.lost || Some(node.revision) == self.commit_point;
                    *h = !keep;
                }
            }
            start = end + 1;
        }
        let mut out = DagGraph {
            graph: DiGraph::with_capacity(n, n),
            index: BTreeMap::new(),
            head_indices: Vec::new(),
            latest: self.latest,
            commit_point: self.commit_point,
            readable: self.readable.clone(),
            caches: self.caches.clone(),
            sessions: self.sessions.clone(),
        };
        let mut new_index = vec![None; n];
        for p in 0..n {
            if hidden[p] {
                continue;
            }
            let node = self.graph[NodeIndex::new(p)].clone();
            let i = out.graph.add_node(node.clone());
            out.index.insert(node.revision, i);
            if node.head {
                out.head_indices.push(i);
            }
            new_index[p] = Some(i);
            for (q, kind) in self.parent_positions(p) {
                if let Some(qi) = new_index[q] {
                    out.graph.add_edge(qi, i, kind);
                } else {
                    // The parent is the end of a hidden run: link to the run's first revision.
                    let mut first = q;
                    while hidden[first] {
                        first = linear(first).expect("hidden revisions have one parent");
                    }
                    if let Some(fi) = new_index[first] {
                        out.graph
                            .add_edge(fi, i, EdgeKind::Elided { hidden: q - first });
                    }
                }
            }
        }
        out
    }
}
