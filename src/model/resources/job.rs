//! Jobs: run pods to completion.

use serde::{Deserialize, Serialize};

use super::Shared;
use super::{Condition, LabelSelector, Metadata, PodTemplateSpec, Revision};

/// A Job resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Job {
    /// Object metadata.
    pub metadata: Metadata,
    /// The desired state.
    pub spec: Shared<JobSpec>,
    /// The observed state.
    pub status: JobStatus,
}

/// The desired state of a Job.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobSpec {
    /// Pods running at once at most; 1 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<i32>,
    /// Successful pods needed; when absent, any success completes the job.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completions: Option<i32>,
    /// Failed pods tolerated before the job fails; 6 when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<i32>,
    /// Which pods belong to it (generated from the job's uid when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Whether the selector was written by the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual_selector: Option<bool>,
    /// The pod template.
    pub template: PodTemplateSpec,
    /// `NonIndexed` (default) or `Indexed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_mode: Option<String>,
    /// While suspended, no pods run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspend: Option<bool>,
}

/// The observed state of a Job.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JobStatus {
    /// `Complete`, `Failed`, `Suspended`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// Pending or running pods.
    pub active: i32,
    /// Of those, ready pods.
    pub ready: i32,
    /// Pods that succeeded (counted).
    pub succeeded: i32,
    /// Pods that failed (counted).
    pub failed: i32,
    /// Indexes that succeeded, e.g. `0-2,4` (Indexed jobs).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub completed_indexes: String,
    /// Finished pods whose finalizer is removed but not yet counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncounted_terminated_pods: Option<UncountedTerminatedPods>,
    /// The generation the controller last acted on (orchard's addition, so that the
    /// dissertation's `stable` rule applies to jobs as to other workloads).
    pub observed_generation: i64,
    /// See ReplicaSetStatus.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_revision: Option<Revision>,
}

/// Uids of finished pods not yet added to `succeeded` and `failed`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UncountedTerminatedPods {
    /// Succeeded pods.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub succeeded: Vec<String>,
    /// Failed pods.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed: Vec<String>,
}

impl Job {
    /// Parallelism (1 when unset).
    pub fn parallelism(&self) -> i32 {
        self.spec.parallelism.unwrap_or(1)
    }

    /// Whether the job is suspended.
    pub fn is_suspended(&self) -> bool {
        self.spec.suspend.unwrap_or(false)
    }

    /// Whether the job uses Indexed completion.
    pub fn is_indexed(&self) -> bool {
        self.spec.completion_mode.as_deref() == Some("Indexed")
    }
}
