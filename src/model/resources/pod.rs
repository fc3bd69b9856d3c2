//! Pods and the pod template that workload resources embed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Metadata, Quantity, Shared};

/// A Pod: one unit of work, bound to a node by the scheduler and run by that node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pod {
    /// Object metadata.
    pub metadata: Metadata,
    /// The desired state (shared with the template it came from and the pod's other
    /// versions until changed).
    pub spec: Shared<PodSpec>,
    /// The observed state, written by the node.
    pub status: PodStatus,
}

/// A pod template: labels and annotations for the pods, and their spec.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodTemplateSpec {
    /// Metadata given to created pods (labels, annotations).
    pub metadata: TemplateMetadata,
    /// The pods' spec.
    pub spec: Shared<PodSpec>,
}

/// The part of metadata a template carries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TemplateMetadata {
    /// Labels for created pods.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Shared<BTreeMap<String, String>>,
    /// Annotations for created pods.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Shared<BTreeMap<String, String>>,
}

/// The desired state of a pod.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodSpec {
    /// The node the pod is bound to; empty until scheduled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    /// Node labels the pod requires.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Taints the pod tolerates.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// The containers.
    pub containers: Vec<Container>,
    /// Volumes, including persistent volume claims.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// `Always`, `OnFailure` or `Never`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    /// The pod's hostname (statefulset and indexed job pods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// The pod's subdomain (the statefulset's service).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<String>,
}

/// A container of a pod.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Container {
    /// The container name.
    pub name: String,
    /// The image it runs.
    pub image: String,
    /// Resource requests (`cpu`, `memory`) used by the scheduler.
    pub resources: ResourceRequirements,
}

/// Requests and limits of a container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceRequirements {
    /// What the container asks for (the scheduler counts these).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<String, Quantity>,
    /// What the container may use at most.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, Quantity>,
}

/// A toleration of a node taint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Toleration {
    /// The taint key; empty with `Exists` tolerates every taint.
    pub key: String,
    /// `Equal` (default) or `Exists`.
    pub operator: String,
    /// The value for `Equal`.
    pub value: String,
    /// The effect tolerated; empty tolerates every effect.
    pub effect: String,
}

/// A volume of a pod; only persistent volume claims are modelled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Volume {
    /// The volume name.
    pub name: String,
    /// The claim backing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<ClaimSource>,
}

/// A reference to a persistent volume claim.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ClaimSource {
    /// The claim's name.
    pub claim_name: String,
}

/// The observed state of a pod.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodStatus {
    /// The lifecycle phase (Figure 3.7).
    pub phase: PodPhase,
    /// Conditions; `Ready` is the one controllers read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// One status per container.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub container_statuses: Vec<ContainerStatus>,
}

/// A pod's lifecycle phase.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub enum PodPhase {
    /// Waiting to be scheduled or started.
    #[default]
    Pending,
    /// Every container is running.
    Running,
    /// Every container exited successfully.
    Succeeded,
    /// Every container exited, at least one with failure.
    Failed,
    /// The node could not be reached.
    Unknown,
}

/// A status condition (`type`, `status`), as in every Kubernetes status.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Condition {
    /// The condition type, e.g. `Ready`, `Available`, `Complete`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// A one-word reason.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A readable message.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub message: String,
}

impl Condition {
    /// A condition of this type with status `True` or `False`.
    pub fn new(type_: &str, status: bool, reason: &str) -> Self {
        Condition {
            type_: type_.to_string(),
            status: if status { "True" } else { "False" }.to_string(),
            reason: reason.to_string(),
            message: String::new(),
        }
    }

    /// Whether the condition's status is `True`.
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// Finds a condition by type.
pub fn find_condition<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Sets a condition, replacing one of the same type; returns whether anything changed.
pub fn set_condition(conditions: &mut Vec<Condition>, condition: Condition) -> bool {
    match conditions.iter_mut().find(|c| c.type_ == condition.type_) {
        Some(existing) if *existing == condition => false,
        Some(existing) => {
            *existing = condition;
            true
        }
        None => {
            conditions.push(condition);
            true
        }
    }
}

/// The status of one container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStatus {
    /// The container name.
    pub name: String,
    /// Whether it passes readiness.
    pub ready: bool,
    /// Whether it has started.
    pub started: bool,
    /// Its state.
    pub state: ContainerState,
}

/// The state of one container: exactly one field is set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerState {
    /// Waiting to start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<ContainerStateWaiting>,
    /// Running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running: Option<ContainerStateRunning>,
    /// Exited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terminated: Option<ContainerStateTerminated>,
}

/// A waiting container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStateWaiting {
    /// Why it waits.
    pub reason: String,
}

/// A running container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStateRunning {}

/// An exited container.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerStateTerminated {
    /// The exit code: 0 is success.
    pub exit_code: i32,
}

impl Pod {
    /// Whether the pod has the `Ready` condition set to true.
    pub fn is_ready(&self) -> bool {
        find_condition(&self.status.conditions, "Ready").is_some_and(Condition::is_true)
    }

    /// Whether the pod finished (Succeeded or Failed).
    pub fn is_finished(&self) -> bool {
        matches!(self.status.phase, PodPhase::Succeeded | PodPhase::Failed)
    }

    /// Whether the pod counts as active for its controller: not finished and not terminating
    /// (Kubernetes' `IsPodActive`).
    pub fn is_active(&self) -> bool {
        !self.is_finished() && !self.metadata.is_terminating()
    }

    /// Whether the pod is Running and Ready (this model has no minReadySeconds clock, so a ready
    /// pod is also available).
    pub fn is_running_and_ready(&self) -> bool {
        self.status.phase == PodPhase::Running && self.is_ready()
    }

    /// The sum of a request (`cpu`, `memory`) over the pod's containers.
    pub fn request(&self, resource: &str) -> Quantity {
        Quantity(
            self.spec
                .containers
                .iter()
                .filter_map(|c| c.resources.requests.get(resource))
                .fold(0i64, |sum, q| sum.saturating_add(q.0)),
        )
    }
}

impl PodTemplateSpec {
    /// A pod created from this template, with the given name and owner-set metadata.
    pub fn instantiate(&self, metadata: Metadata) -> Pod {
        let mut metadata = metadata;
        for (k, v) in &self.metadata.labels {
            metadata
                .labels
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
        for (k, v) in &self.metadata.annotations {
            metadata
                .annotations
                .entry(k.clone())
                .or_insert_with(|| v.clone());
        }
        Pod {
            metadata,
            spec: self.spec.clone(),
            status: PodStatus::default(),
        }
    }
}
