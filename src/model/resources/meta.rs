//! Object metadata common to every resource (dissertation Listing 3.3, Tables 3.1-3.2).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Kind, Shared, kube_time};

/// A revision of the model's history: the etcd-style counter that `resourceVersion` carries.
pub type Revision = u64;

/// The metadata of a resource, with Kubernetes field names.
///
/// `uid`, `generation`, `resourceVersion` and `deletionTimestamp` are managed by the API server
/// (see [`crate::model::api`]); the rest is written by controllers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Metadata {
    /// The name, unique per kind.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// A prefix from which the API server generates a unique name when `name` is empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub generate_name: String,
    /// The namespace; kept as written, names are unique per kind across namespaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Set by the API server on create.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// Bumped by the API server on every spec change; 1 after create.
    #[serde(skip_serializing_if = "is_zero")]
    pub generation: i64,
    /// The revision that last wrote this resource (read from a number or, as Kubernetes
    /// writes it, a string of digits).
    #[serde(
        skip_serializing_if = "is_zero_u64",
        deserialize_with = "kube_time::revision"
    )]
    pub resource_version: Revision,
    /// The logical time (revision) at which deletion was requested; the resource is then
    /// read-only but for its finalizers. Read from a number or, as Kubernetes writes it, an
    /// RFC 3339 time ([`kube_time::timestamp`]: revision `r` is `r` seconds after the Unix epoch).
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "kube_time::deletion_timestamp"
    )]
    pub deletion_timestamp: Option<Revision>,
    /// Seconds the deletion waits for the node to stop the pod; 0 once the node (or a force
    /// delete) has finished with it, after which the resource goes when its finalizers are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Owners of this resource; at most one has `controller: true`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<OwnerReference>,
    /// Indexed labels, matched by selectors.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Shared<BTreeMap<String, String>>,
    /// Unindexed annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Shared<BTreeMap<String, String>>,
    /// Finalizers that must be removed before the resource is deleted for good.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}

impl Metadata {
    /// Metadata with just a name.
    pub fn named(name: impl Into<String>) -> Self {
        Metadata {
            name: name.into(),
            ..Metadata::default()
        }
    }

    /// The owner reference marked as the controller, if any.
    pub fn controller_ref(&self) -> Option<&OwnerReference> {
        self.owner_references.iter().find(|r| r.controller)
    }

    /// Whether the resource's controller is the resource with this uid.
    pub fn is_controlled_by(&self, uid: &str) -> bool {
        self.controller_ref().is_some_and(|r| r.uid == uid)
    }

    /// Whether deletion has been requested.
    pub fn is_terminating(&self) -> bool {
        self.deletion_timestamp.is_some()
    }
}

/// A link from an owned resource to its owner.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OwnerReference {
    /// The owner's apiVersion, e.g. `apps/v1`.
    pub api_version: String,
    /// The owner's kind.
    pub kind: String,
    /// The owner's name.
    pub name: String,
    /// The owner's uid.
    pub uid: String,
    /// Whether the owner is the managing controller.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub controller: bool,
    /// Whether deletion of the owner waits for this resource (foreground deletion).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub block_owner_deletion: bool,
}

impl OwnerReference {
    /// A controller reference to the resource of `kind` with this metadata.
    pub fn controller_of(kind: Kind, owner: &Metadata) -> Self {
        OwnerReference {
            api_version: kind.api_version().to_string(),
            kind: kind.name().to_string(),
            name: owner.name.clone(),
            uid: owner.uid.clone(),
            controller: true,
            block_owner_deletion: true,
        }
    }
}
