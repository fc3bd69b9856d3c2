//! ReplicaSets: keep a number of identical pods.

use serde::{Deserialize, Serialize};

use super::Shared;
use super::{Condition, LabelSelector, Metadata, PodTemplateSpec, Revision};

/// A ReplicaSet resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaSet {
    /// Object metadata.
    pub metadata: Metadata,
    /// The desired state.
    pub spec: Shared<ReplicaSetSpec>,
    /// The observed state.
    pub status: ReplicaSetStatus,
}

/// The desired state of a ReplicaSet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaSetSpec {
    /// Desired pods; 1 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Seconds a ready pod must stay ready to count as available (0 in this model's clockless
    /// world means ready is available).
    pub min_ready_seconds: i32,
    /// Which pods belong to it.
    pub selector: LabelSelector,
    /// What to create.
    pub template: PodTemplateSpec,
}

/// The observed state of a ReplicaSet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReplicaSetStatus {
    /// Active pods it owns.
    pub replicas: i32,
    /// Of those, pods carrying every template label.
    pub fully_labeled_replicas: i32,
    /// Of those, ready pods.
    pub ready_replicas: i32,
    /// Of those, available pods.
    pub available_replicas: i32,
    /// The generation the controller last acted on.
    pub observed_generation: i64,
    /// The revision the controller read when it last wrote this status (orchard's
    /// observed-revision rule, dissertation §3.3.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_revision: Option<Revision>,
    /// Conditions such as `ReplicaFailure`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

impl ReplicaSet {
    /// Desired replicas (1 when unset).
    pub fn replicas(&self) -> i32 {
        self.spec.replicas.unwrap_or(1)
    }
}
