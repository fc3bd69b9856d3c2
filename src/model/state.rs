//! `StateView`: every resource of the cluster at one revision (dissertation Listing 3.2).

use std::hash::{Hash, Hasher};

use super::collection::{Resources, mix};
use super::resources::*;

/// The resources of the cluster at one revision, one persistent collection per kind.
///
/// Cloning is a handful of reference-count bumps; hashing is a fingerprint per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateView {
    /// Nodes.
    pub nodes: Resources<Node>,
    /// Pods.
    pub pods: Resources<Pod>,
    /// ReplicaSets.
    pub replicasets: Resources<ReplicaSet>,
    /// Deployments.
    pub deployments: Resources<Deployment>,
    /// StatefulSets.
    pub statefulsets: Resources<StatefulSet>,
    /// Jobs.
    pub jobs: Resources<Job>,
    /// ControllerRevisions.
    pub controller_revisions: Resources<ControllerRevision>,
    /// PersistentVolumeClaims.
    pub persistent_volume_claims: Resources<PersistentVolumeClaim>,
}

impl Hash for StateView {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint());
    }
}

/// Access to the collection of one resource type inside a [`StateView`].
pub trait InState: Resource {
    /// The collection of this type.
    fn collection(state: &StateView) -> &Resources<Self>;
    /// The collection of this type, mutably.
    fn collection_mut(state: &mut StateView) -> &mut Resources<Self>;
}

macro_rules! in_state {
    ($type:ty, $field:ident) => {
        impl InState for $type {
            fn collection(state: &StateView) -> &Resources<Self> {
                &state.$field
            }
            fn collection_mut(state: &mut StateView) -> &mut Resources<Self> {
                &mut state.$field
            }
        }
    };
}

in_state!(Node, nodes);
in_state!(Pod, pods);
in_state!(ReplicaSet, replicasets);
in_state!(Deployment, deployments);
in_state!(StatefulSet, statefulsets);
in_state!(Job, jobs);
in_state!(ControllerRevision, controller_revisions);
in_state!(PersistentVolumeClaim, persistent_volume_claims);

/// Runs `$body` with `$c` bound to the collection of `$kind` in `$state`.
macro_rules! with_collection {
    ($state:expr, $kind:expr, $c:ident => $body:expr) => {
        match $kind {
            Kind::Node => {
                let $c = &$state.nodes;
                $body
            }
            Kind::Pod => {
                let $c = &$state.pods;
                $body
            }
            Kind::ReplicaSet => {
                let $c = &$state.replicasets;
                $body
            }
            Kind::Deployment => {
                let $c = &$state.deployments;
                $body
            }
            Kind::StatefulSet => {
                let $c = &$state.statefulsets;
                $body
            }
            Kind::Job => {
                let $c = &$state.jobs;
                $body
            }
            Kind::ControllerRevision => {
                let $c = &$state.controller_revisions;
                $body
            }
            Kind::PersistentVolumeClaim => {
                let $c = &$state.persistent_volume_claims;
                $body
            }
        }
    };
}

impl StateView {
    /// An empty cluster.
    pub fn new() -> Self {
        Self::default()
    }

    /// A state holding these objects; later objects replace earlier ones of the same name.
    pub fn from_objects(objects: impl IntoIterator<Item = Object>) -> Self {
        let mut state = StateView::new();
        for object in objects {
            state.put(object);
        }
        state
    }

    /// The collection of resource type `R`.
    pub fn of<R: InState>(&self) -> &Resources<R> {
        R::collection(self)
    }

    /// The collection of resource type `R`, mutably.
    pub fn of_mut<R: InState>(&mut self) -> &mut Resources<R> {
        R::collection_mut(self)
    }

    /// Inserts or replaces an object as it is (no API-server rules: see [`crate::model::api`]).
    pub fn put(&mut self, object: Object) {
        match object {
            Object::Node(r) => self.nodes.insert(r),
            Object::Pod(r) => self.pods.insert(r),
            Object::ReplicaSet(r) => self.replicasets.insert(r),
            Object::Deployment(r) => self.deployments.insert(r),
            Object::StatefulSet(r) => self.statefulsets.insert(r),
            Object::Job(r) => self.jobs.insert(r),
            Object::ControllerRevision(r) => self.controller_revisions.insert(r),
            Object::PersistentVolumeClaim(r) => self.persistent_volume_claims.insert(r),
        }
    }

    /// The object of this kind and name.
    pub fn get(&self, kind: Kind, name: &str) -> Option<Object> {
        with_collection!(self, kind, c => c.get(name).cloned().map(Resource::into_object))
    }

    /// Every object, kind by kind in state order, names sorted within a kind.
    pub fn objects(&self) -> Vec<Object> {
        let mut out = Vec::new();
        for kind in Kind::ALL {
            with_collection!(self, kind, c => out.extend(c.iter().cloned().map(Resource::into_object)));
        }
        out
    }

    /// The fingerprint of one kind's collection.
    pub fn kind_fingerprint(&self, kind: Kind) -> u64 {
        with_collection!(self, kind, c => c.fingerprint())
    }

    /// The names of one kind's resources, sorted.
    pub fn names(&self, kind: Kind) -> Vec<String> {
        with_collection!(self, kind, c => c.names().map(str::to_string).collect())
    }

    /// The cached hash of one resource, if present.
    pub fn resource_hash(&self, kind: Kind, name: &str) -> Option<u64> {
        with_collection!(self, kind, c => c.hash_of(name))
    }

    /// The number of resources of all kinds.
    pub fn len(&self) -> usize {
        Kind::ALL
            .into_iter()
            .map(|k| with_collection!(self, k, c => c.len()))
            .sum()
    }

    /// Whether the cluster holds no resource.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces this state's collection of `kind` with the one in `other` (composing a view of
    /// several revisions, one per kind).
    pub fn take_kind_from(&mut self, kind: Kind, other: &StateView) {
        match kind {
            Kind::Node => self.nodes = other.nodes.clone(),
            Kind::Pod => self.pods = other.pods.clone(),
            Kind::ReplicaSet => self.replicasets = other.replicasets.clone(),
            Kind::Deployment => self.deployments = other.deployments.clone(),
            Kind::StatefulSet => self.statefulsets = other.statefulsets.clone(),
            Kind::Job => self.jobs = other.jobs.clone(),
            Kind::ControllerRevision => {
                self.controller_revisions = other.controller_revisions.clone()
            }
            Kind::PersistentVolumeClaim => {
                self.persistent_volume_claims = other.persistent_volume_claims.clone()
            }
        }
    }

    /// The fingerprint of the whole state.
    pub fn fingerprint(&self) -> u64 {
        Kind::ALL.into_iter().fold(0u64, |acc, k| {
            mix(acc ^ self.kind_fingerprint(k).rotate_left(k.index() as u32 * 7))
        })
    }

    /// Whether this state and `other` hold the same resources of `kind`.
    pub fn same_kind(&self, other: &StateView, kind: Kind) -> bool {
        match kind {
            Kind::Node => self.nodes == other.nodes,
            Kind::Pod => self.pods == other.pods,
            Kind::ReplicaSet => self.replicasets == other.replicasets,
            Kind::Deployment => self.deployments == other.deployments,
            Kind::StatefulSet => self.statefulsets == other.statefulsets,
            Kind::Job => self.jobs == other.jobs,
            Kind::ControllerRevision => self.controller_revisions == other.controller_revisions,
            Kind::PersistentVolumeClaim => {
                self.persistent_volume_claims == other.persistent_volume_claims
            }
        }
    }

    /// The metadata of an object of this kind and name.
    pub fn metadata(&self, kind: Kind, name: &str) -> Option<Metadata> {
        with_collection!(self, kind, c => c.get(name).map(|r| r.metadata().clone()))
    }
}
