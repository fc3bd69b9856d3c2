//! The resource types of the model, with Kubernetes' field names so that ordinary manifests
//! deserialize (`apiVersion`, `kind`, `metadata`, `spec`, `status`, camelCase).

mod deployment;
mod int_or_string;
mod job;
pub mod kube_time;
mod meta;
mod node;
mod pod;
mod quantity;
mod replicaset;
mod selector;
mod shared;
mod statefulset;
mod storage;

use std::fmt::Debug;
use std::hash::Hash;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub use deployment::*;
pub use int_or_string::IntOrString;
pub use job::*;
pub use meta::{Metadata, OwnerReference, Revision};
pub use node::*;
pub use pod::*;
pub use quantity::Quantity;
pub use replicaset::*;
pub use selector::{LabelSelector, LabelSelectorRequirement};
pub use shared::Shared;
pub use statefulset::*;
pub use storage::*;

/// The kinds of resource the model knows, in the order states list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Kind {
    /// A machine.
    Node,
    /// A unit of work.
    Pod,
    /// Identical pods.
    ReplicaSet,
    /// Rolled-out ReplicaSets.
    Deployment,
    /// Ordered pods with storage.
    StatefulSet,
    /// Pods run to completion.
    Job,
    /// A StatefulSet template snapshot.
    ControllerRevision,
    /// A volume claim.
    PersistentVolumeClaim,
}

impl Kind {
    /// Every kind, in state order.
    pub const ALL: [Kind; 8] = [
        Kind::Node,
        Kind::Pod,
        Kind::ReplicaSet,
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::Job,
        Kind::ControllerRevision,
        Kind::PersistentVolumeClaim,
    ];

    /// The number of kinds.
    pub const COUNT: usize = 8;

    /// The Kubernetes kind name, e.g. `StatefulSet`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Node => "Node",
            Kind::Pod => "Pod",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::Job => "Job",
            Kind::ControllerRevision => "ControllerRevision",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
        }
    }

    /// The lower-case plural used in API paths and etcd keys, e.g. `statefulsets`.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Node => "nodes",
            Kind::Pod => "pods",
            Kind::ReplicaSet => "replicasets",
            Kind::Deployment => "deployments",
            Kind::StatefulSet => "statefulsets",
            Kind::Job => "jobs",
            Kind::ControllerRevision => "controllerrevisions",
            Kind::PersistentVolumeClaim => "persistentvolumeclaims",
        }
    }

    /// The apiVersion of the kind.
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Node | Kind::Pod | Kind::PersistentVolumeClaim => "v1",
            Kind::Job => "batch/v1",
            _ => "apps/v1",
        }
    }

    /// The kind with this Kubernetes name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind's position in [`Kind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// This kind as a one-element set.
    pub fn set(self) -> KindSet {
        KindSet(1 << self.index())
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of kinds, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KindSet(pub u16);

impl KindSet {
    /// No kind.
    pub const EMPTY: KindSet = KindSet(0);

    /// Adds a kind.
    pub fn insert(&mut self, kind: Kind) {
        self.0 |= 1 << kind.index();
    }

    /// Whether the kind is in the set.
    pub fn contains(self, kind: Kind) -> bool {
        self.0 & (1 << kind.index()) != 0
    }

    /// The kinds in the set, in state order.
    pub fn iter(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// The union of two sets.
    pub fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }
}

impl FromIterator<Kind> for KindSet {
    fn from_iter<I: IntoIterator<Item = Kind>>(iter: I) -> Self {
        let mut set = KindSet::EMPTY;
        for k in iter {
            set.insert(k);
        }
        set
    }
}

/// What every resource type offers the API server and the collections.
pub trait Resource:
    Clone + Debug + PartialEq + Eq + Hash + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// The kind of this type.
    const KIND: Kind;
    /// The metadata.
    fn metadata(&self) -> &Metadata;
    /// The metadata, mutably.
    fn metadata_mut(&mut self) -> &mut Metadata;
    /// Whether the spec of `self` and `other` differ (a spec change bumps generation).
    fn spec_differs(&self, other: &Self) -> bool;
    /// Wraps the resource in an [`Object`].
    fn into_object(self) -> Object;
    /// Unwraps an [`Object`] of this kind.
    fn from_object(object: &Object) -> Option<&Self>;
}

macro_rules! resource {
    ($type:ident, $kind:ident, |$a:ident, $b:ident| $differs:expr) => {
        impl Resource for $type {
            const KIND: Kind = Kind::$kind;
            fn metadata(&self) -> &Metadata {
                &self.metadata
            }
            fn metadata_mut(&mut self) -> &mut Metadata {
                &mut self.metadata
            }
            fn spec_differs(&self, other: &Self) -> bool {
                let ($a, $b) = (self, other);
                $differs
            }
            fn into_object(self) -> Object {
                Object::$kind(self)
            }
            fn from_object(object: &Object) -> Option<&Self> {
                match object {
                    Object::$kind(r) => Some(r),
                    _ => None,
                }
            }
        }
    };
}

resource!(Node, Node, |a, b| a.spec != b.spec);
resource!(Pod, Pod, |a, b| a.spec != b.spec);
resource!(ReplicaSet, ReplicaSet, |a, b| a.spec != b.spec);
resource!(Deployment, Deployment, |a, b| a.spec != b.spec);
resource!(StatefulSet, StatefulSet, |a, b| a.spec != b.spec);
resource!(Job, Job, |a, b| a.spec != b.spec);
resource!(ControllerRevision, ControllerRevision, |a, b| a.data
    != b.data
    || a.revision != b.revision);
resource!(PersistentVolumeClaim, PersistentVolumeClaim, |a, b| a.spec
    != b.spec);

/// A resource of any kind: what operations carry and manifests load into.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Object {
    /// A Node.
    Node(Node),
    /// A Pod.
    Pod(Pod),
    /// A ReplicaSet.
    ReplicaSet(ReplicaSet),
    /// A Deployment.
    Deployment(Deployment),
    /// A StatefulSet.
    StatefulSet(StatefulSet),
    /// A Job.
    Job(Job),
    /// A ControllerRevision.
    ControllerRevision(ControllerRevision),
    /// A PersistentVolumeClaim.
    PersistentVolumeClaim(PersistentVolumeClaim),
}

/// Runs `$body` with `$r` bound to the resource inside an [`Object`], whatever its kind.
#[macro_export]
macro_rules! with_object {
    ($object:expr, $r:ident => $body:expr) => {
        match $object {
            $crate::model::resources::Object::Node($r) => $body,
            $crate::model::resources::Object::Pod($r) => $body,
            $crate::model::resources::Object::ReplicaSet($r) => $body,
            $crate::model::resources::Object::Deployment($r) => $body,
            $crate::model::resources::Object::StatefulSet($r) => $body,
            $crate::model::resources::Object::Job($r) => $body,
            $crate::model::resources::Object::ControllerRevision($r) => $body,
            $crate::model::resources::Object::PersistentVolumeClaim($r) => $body,
        }
    };
}

impl Object {
    /// The object's kind.
    pub fn kind(&self) -> Kind {
        with_object!(self, r => kind_of(r))
    }

    /// The object's metadata.
    pub fn metadata(&self) -> &Metadata {
        with_object!(self, r => r.metadata())
    }

    /// The object's metadata, mutably.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        with_object!(self, r => r.metadata_mut())
    }

    /// The object's name.
    pub fn name(&self) -> &str {
        &self.metadata().name
    }
}

fn kind_of<R: Resource>(_: &R) -> Kind {
    R::KIND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kubernetes_manifest_deserializes() {
        let json = r#"{
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 3, "serviceName": "web",
                     "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1",
                                           "ports": [{"containerPort": 80}],
                                           "resources": {"requests": {"cpu": "100m"}}}]}}}
        }"#;
        let object: Object = serde_json::from_str(json).unwrap();
        let Object::StatefulSet(sts) = &object else {
            panic!("wrong kind: {object:?}")
        };
        assert_eq!(sts.replicas(), 3);
        assert_eq!(sts.spec.template.spec.containers[0].image, "nginx:1");
        assert_eq!(object.kind(), Kind::StatefulSet);
        assert_eq!(object.name(), "web");
    }

    #[test]
    fn kind_sets() {
        let set: KindSet = [Kind::Pod, Kind::Node].into_iter().collect();
        assert!(set.contains(Kind::Pod) && !set.contains(Kind::Job));
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![Kind::Node, Kind::Pod]);
    }
}
