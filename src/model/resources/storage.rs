//! ControllerRevisions and PersistentVolumeClaims: the StatefulSet's bookkeeping and volumes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Metadata, PodTemplateSpec, Quantity};

/// A ControllerRevision: an immutable snapshot of a StatefulSet's pod template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ControllerRevision {
    /// Object metadata.
    pub metadata: Metadata,
    /// The template this revision records.
    pub data: PodTemplateSpec,
    /// The revision number, increasing per owner.
    pub revision: i64,
}

/// A PersistentVolumeClaim: storage bound to one StatefulSet pod.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistentVolumeClaim {
    /// Object metadata.
    pub metadata: Metadata,
    /// The desired storage.
    pub spec: PersistentVolumeClaimSpec,
    /// Binding status.
    pub status: PersistentVolumeClaimStatus,
}

/// The desired state of a claim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistentVolumeClaimSpec {
    /// e.g. `ReadWriteOnce`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<String>,
    /// Requested storage.
    pub resources: VolumeResources,
    /// The storage class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
}

/// The storage a claim requests.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeResources {
    /// e.g. `storage: 1Gi`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, Quantity>,
}

/// The observed state of a claim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PersistentVolumeClaimStatus {
    /// `Pending` or `Bound`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}
