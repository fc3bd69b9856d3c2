//! Deployments: roll ReplicaSets from one template to the next.

use serde::{Deserialize, Serialize};

use super::Shared;
use super::{Condition, IntOrString, LabelSelector, Metadata, PodTemplateSpec, Revision};

/// A Deployment resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Deployment {
    /// Object metadata.
    pub metadata: Metadata,
    /// The desired state.
    pub spec: Shared<DeploymentSpec>,
    /// The observed state.
    pub status: DeploymentStatus,
}

/// The desired state of a Deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentSpec {
    /// Desired pods; 1 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Which pods belong to it.
    pub selector: LabelSelector,
    /// The pod template.
    pub template: PodTemplateSpec,
    /// How to replace old pods.
    pub strategy: DeploymentStrategy,
    /// See ReplicaSet.
    pub min_ready_seconds: i32,
    /// Old ReplicaSets to keep; 10 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    /// While paused, template changes start no rollout.
    pub paused: bool,
    /// Seconds before a stuck rollout is reported; 600 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
}

/// A deployment strategy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentStrategy {
    /// `RollingUpdate` (default) or `Recreate`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Parameters of a rolling update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateDeployment>,
}

/// Bounds of a rolling update.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RollingUpdateDeployment {
    /// Pods allowed above the desired count; 25% when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
    /// Pods allowed to be unavailable; 25% when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

/// The observed state of a Deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeploymentStatus {
    /// The generation the controller last acted on.
    pub observed_generation: i64,
    /// See ReplicaSetStatus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_revision: Option<Revision>,
    /// Pods of all its ReplicaSets.
    pub replicas: i32,
    /// Pods of the newest ReplicaSet.
    pub updated_replicas: i32,
    /// Ready pods.
    pub ready_replicas: i32,
    /// Available pods.
    pub available_replicas: i32,
    /// Desired minus available pods.
    pub unavailable_replicas: i32,
    /// `Progressing` and `Available`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Bumped when a new ReplicaSet's name collides with an existing one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
}

impl Deployment {
    /// Desired replicas (1 when unset).
    pub fn replicas(&self) -> i32 {
        self.spec.replicas.unwrap_or(1)
    }
}
