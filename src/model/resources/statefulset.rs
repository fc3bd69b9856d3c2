//! StatefulSets: ordered, stably named pods with their own volumes.

use serde::{Deserialize, Serialize};

use super::Shared;
use super::{
    IntOrString, LabelSelector, Metadata, PersistentVolumeClaim, PodTemplateSpec, Revision,
};

/// A StatefulSet resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatefulSet {
    /// Object metadata.
    pub metadata: Metadata,
    /// The desired state.
    pub spec: Shared<StatefulSetSpec>,
    /// The observed state.
    pub status: StatefulSetStatus,
}

/// The desired state of a StatefulSet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatefulSetSpec {
    /// Desired pods; 1 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Which pods belong to it.
    pub selector: LabelSelector,
    /// The pod template.
    pub template: PodTemplateSpec,
    /// Claims created once per pod.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_claim_templates: Vec<PersistentVolumeClaim>,
    /// The governing service; pods get it as subdomain.
    pub service_name: String,
    /// `OrderedReady` (default) or `Parallel`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_management_policy: Option<String>,
    /// How pods are replaced when the template changes.
    pub update_strategy: StatefulSetUpdateStrategy,
    /// ControllerRevisions to keep; 10 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    /// See ReplicaSet.
    pub min_ready_seconds: i32,
    /// The first ordinal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordinals: Option<StatefulSetOrdinals>,
}

/// `spec.ordinals`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatefulSetOrdinals {
    /// The ordinal of the first pod.
    pub start: i32,
}

/// `spec.updateStrategy`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatefulSetUpdateStrategy {
    /// `RollingUpdate` (default) or `OnDelete`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Rolling update parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateStatefulSetStrategy>,
}

/// `spec.updateStrategy.rollingUpdate`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollingUpdateStatefulSetStrategy {
    /// Ordinals below the partition keep the current revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<i32>,
    /// Pods that may be unavailable during the update (1 when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

/// The observed state of a StatefulSet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StatefulSetStatus {
    /// The generation the controller last acted on.
    pub observed_generation: i64,
    /// See ReplicaSetStatus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_revision: Option<Revision>,
    /// Pods created by the controller.
    pub replicas: i32,
    /// Pods with a Ready condition.
    pub ready_replicas: i32,
    /// Pods at the current revision.
    pub current_replicas: i32,
    /// Pods at the update revision.
    pub updated_replicas: i32,
    /// Available pods.
    pub available_replicas: i32,
    /// The ControllerRevision of the current pods.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub current_revision: String,
    /// The ControllerRevision the pods are being updated to.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub update_revision: String,
    /// Bumped on a ControllerRevision name clash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
}

impl StatefulSet {
    /// Desired replicas (1 when unset).
    pub fn replicas(&self) -> i32 {
        self.spec.replicas.unwrap_or(1)
    }

    /// The first ordinal (0 unless `spec.ordinals.start` is set).
    pub fn start_ordinal(&self) -> i32 {
        self.spec.ordinals.as_ref().map_or(0, |o| o.start)
    }

    /// Whether pods are managed in parallel rather than one at a time.
    pub fn is_parallel(&self) -> bool {
        self.spec.pod_management_policy.as_deref() == Some("Parallel")
    }
}
