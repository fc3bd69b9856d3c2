//! The informer history: what a real Kubernetes controller reads.
//!
//! Writes are linear and checked per resource, as with the session histories. A reader does not
//! read one revision of everything: it reads each kind from its own informer cache, which
//! stands at a revision, moves only forward, and lags on its own ([`Read::PerKind`]). The caches
//! live in each controller's local state; the system offers the actions that move them. This
//! history answers which revisions a cache of a kind may move to: only *change points*, the
//! revisions at which that kind changed (moving to a revision in which the kind did not change
//! shows the same resources, so it is not a different state).

use super::graph::HistoryGraph;
use super::linear::LinearStore;
use super::{
    Change, Consistency, ConsistencySetting, History, INITIAL_REVISION, Read, Rejection, Relist,
    Session,
};
use crate::model::resources::{Kind, Revision};
use crate::model::state::StateView;

/// See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Informer {
    store: LinearStore,
    relist: Relist,
}

impl Informer {
    /// A history whose first revision is `initial`.
    pub fn new(initial: StateView, relist: Relist) -> Self {
        Informer {
            store: LinearStore::new(initial),
            relist,
        }
    }

    /// How restarted controllers list.
    pub fn relist(&self) -> Relist {
        self.relist
    }

    /// Whether `kind` changed at `revision` (the first revision counts as a change).
    pub fn changed_at(&self, kind: Kind, revision: Revision) -> bool {
        if revision <= INITIAL_REVISION {
            return revision == INITIAL_REVISION;
        }
        match (self.store.at(revision - 1), self.store.at(revision)) {
            (Some(before), Some(after)) => !before.same_kind(after, kind),
            _ => false,
        }
    }

    /// The change point of `kind` at or before `revision`: what a cache delivered up to
    /// `revision` shows.
    pub fn change_point(&self, kind: Kind, revision: Revision) -> Revision {
        (INITIAL_REVISION..=revision)
            .rev()
            .find(|r| self.changed_at(kind, *r))
            .unwrap_or(INITIAL_REVISION)
    }

    /// The revisions a cache of `kind` may move to: from `cache` (exclusive) on, each change
    /// point; for an empty cache, a LIST: the latest change point, or with
    /// `relist: any-revision` any change point.
    pub fn cache_moves(&self, kind: Kind, cache: Option<Revision>) -> Vec<Revision> {
        let latest = self.store.latest();
        match (cache, self.relist) {
            (Some(at), _) => (at + 1..=latest)
                .filter(|r| self.changed_at(kind, *r))
                .collect(),
            (None, Relist::Latest) => vec![self.change_point(kind, latest)],
            (None, Relist::AnyRevision) => (INITIAL_REVISION..=latest)
                .filter(|r| self.changed_at(kind, *r))
                .collect(),
        }
    }
}

impl History for Informer {
    fn setting(&self) -> ConsistencySetting {
        ConsistencySetting {
            level: Consistency::Informer,
            read_your_writes: false,
            relist: self.relist,
            lag: Default::default(),
        }
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
    /// A reader outside the informer machinery (a person, a test) reads what a direct read
    /// from the API server gives: the latest revision, or the per-kind read of its session.
    fn readable(&self, session: &Session) -> Vec<Read> {
        match &session.read {
            Some(read @ Read::PerKind(_)) => vec![read.clone()],
            _ => vec![Read::At(self.store.latest())],
        }
    }
    fn commit(&mut self, change: &Change<'_>) -> Result<Revision, Rejection> {
        self.store.commit(change)
    }
    fn graph(&self, readers: &[(String, Session)]) -> HistoryGraph {
        self.store.graph(
            readers
                .iter()
                .map(|(name, s)| (name.clone(), self.readable(s)))
                .collect(),
        )
    }
    fn parents(&self, revision: Revision) -> Vec<Revision> {
        self.store.parents(revision)
    }
    fn each_revision(&self, visit: &mut dyn FnMut(&StateView, u64)) {
        self.store.each_revision(visit)
    }
    fn each_revision_state(&self, visit: &mut dyn FnMut(Revision, &StateView)) {
        self.store
            .each_revision(&mut |state, revision| visit(revision, state))
    }
    fn shape(&self) -> u64 {
        crate::model::collection::hash_of(&self.relist)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::{CommitMode, Read};
    use crate::model::operation::Operation;
    use crate::model::resources::{KindSet, Metadata, Node, Object, Pod};

    fn pod(name: &str) -> Object {
        Object::Pod(Pod {
            metadata: Metadata::named(name),
            ..Pod::default()
        })
    }

    fn create(history: &mut Informer, object: Object) -> Revision {
        let read = Read::At(history.latest());
        let op = Operation::Create(object);
        history
            .commit(&Change {
                operation: &op,
                read: &read,
                read_kinds: KindSet::EMPTY,
                mode: CommitMode::Kubernetes,
            })
            .expect("create commits")
    }

    /// r1 initial, r2 pod a, r3 node n, r4 pod b.
    fn history(relist: Relist) -> Informer {
        let mut h = Informer::new(StateView::new(), relist);
        create(&mut h, pod("a"));
        create(
            &mut h,
            Object::Node(Node {
                metadata: Metadata::named("n"),
                ..Node::default()
            }),
        );
        create(&mut h, pod("b"));
        h
    }

    #[test]
    fn caches_move_only_to_revisions_where_their_kind_changed() {
        let h = history(Relist::Latest);
        assert_eq!(h.cache_moves(Kind::Pod, Some(1)), vec![2, 4]);
        assert_eq!(h.cache_moves(Kind::Pod, Some(2)), vec![4]);
        assert_eq!(h.cache_moves(Kind::Node, Some(1)), vec![3]);
        assert_eq!(h.cache_moves(Kind::Node, Some(3)), Vec::<Revision>::new());
        assert_eq!(h.change_point(Kind::Pod, 3), 2);
        assert_eq!(h.change_point(Kind::Job, 4), 1);
    }

    #[test]
    fn relist_latest_lists_the_latest_and_any_revision_any_change_point() {
        let latest = history(Relist::Latest);
        assert_eq!(latest.cache_moves(Kind::Pod, None), vec![4]);
        assert_eq!(latest.cache_moves(Kind::Node, None), vec![3]);
        let any = history(Relist::AnyRevision);
        assert_eq!(any.cache_moves(Kind::Pod, None), vec![1, 2, 4]);
        assert_eq!(any.cache_moves(Kind::Node, None), vec![1, 3]);
    }

    #[test]
    fn a_read_composes_each_kind_at_its_own_revision() {
        let h = history(Relist::Latest);
        let mut revisions = [4; Kind::COUNT];
        revisions[Kind::Pod.index()] = 2;
        let view = h.state(&Read::PerKind(revisions)).expect("held");
        assert_eq!(view.pods.names().collect::<Vec<_>>(), vec!["a"]);
        assert!(view.nodes.contains("n"));
        assert_eq!(Read::PerKind(revisions).revision_of(Kind::Pod), Some(2));
    }

    #[test]
    fn the_setting_shows_the_relist_option() {
        let h = history(Relist::AnyRevision);
        assert_eq!(h.setting().to_string(), "informer (relist: any-revision)");
    }
}
