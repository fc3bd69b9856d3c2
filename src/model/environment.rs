//! Environment operations (dissertation Listings 3.5-3.6): what people, machines and time do to
//! the cluster. Each rule is enabled per model and bounded in how often it may fire, so that a
//! model's reachable space is finite.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::resources::{Kind, Taint};

/// A resource named by kind and name, written `StatefulSet/web` in model files.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Target {
    /// The kind.
    pub kind: Kind,
    /// The name.
    pub name: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// Which controllers a restart rule applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Who {
    /// Every instance of the rule's sort (every node, or every non-node controller).
    All,
    /// The instance with this name.
    Named(String),
}

impl Who {
    /// Whether the instance named `name` is meant.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Who::All => true,
            Who::Named(n) => n == name,
        }
    }
}

/// What an environment rule may do.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EnvironmentOp {
    /// Set the replicas of a Deployment, StatefulSet or ReplicaSet to one of these counts.
    Scale {
        /// The workload.
        target: Target,
        /// The counts offered.
        replicas: Vec<i32>,
    },
    /// Set the image of the first container of a workload's template to one of these.
    ChangeImage {
        /// The workload.
        target: Target,
        /// The images offered.
        images: Vec<String>,
    },
    /// Pause a running Deployment or resume a paused one.
    TogglePause {
        /// The Deployment's name.
        deployment: String,
    },
    /// Suspend a running Job or resume a suspended one.
    ToggleSuspend {
        /// The Job's name.
        job: String,
    },
    /// The containers of a pod running on a node exit, successfully or not.
    MarkContainers {
        /// Offer success (exit 0).
        succeeded: bool,
        /// Offer failure (exit 1).
        failed: bool,
    },
    /// A controller restarts: its local state (session included) is lost.
    RestartController {
        /// Which controllers.
        who: Who,
    },
    /// A node restarts: its local state is lost and its Node leaves the cluster; it rejoins.
    RestartNode {
        /// Which nodes.
        who: Who,
    },
    /// A controller's expectations expire (Kubernetes' 5-minute TTL fires): it acts again for
    /// owners whose pod creations or deletions it has not seen.
    ExpireExpectations {
        /// Which controllers.
        who: Who,
    },
    /// A machine leaves for good (`kubectl delete node` after decommissioning it): its Node is
    /// deleted, its kubelet stops (its pods stop running) and it does not register again.
    DeleteNode {
        /// Which nodes.
        who: Who,
    },
    /// A machine that left comes back: its kubelet starts afresh and registers its Node again.
    RejoinNode {
        /// Which nodes.
        who: Who,
    },
    /// Cordon a schedulable Node or uncordon a cordoned one (`spec.unschedulable`).
    Cordon {
        /// Which nodes.
        who: Who,
    },
    /// Add this taint to a Node that lacks it, or remove it from a Node that has it.
    Taint {
        /// Which nodes.
        who: Who,
        /// The taint.
        taint: Taint,
    },
    /// A running pod's readiness probe fails (its `Ready` condition goes false) or recovers,
    /// while its containers go on running.
    FlipReadiness {
        /// Which nodes' pods.
        who: Who,
    },
    /// A user deletes a pod (`kubectl delete pod`, graceful: a pod bound to a node terminates
    /// and its node finishes it).
    DeletePod {
        /// Only the pods this workload controls; `None`: every pod.
        owner: Option<Target>,
    },
    /// An eviction (`kubectl drain`, the `pods/eviction` subresource) of a pod bound to a node.
    /// PodDisruptionBudgets are not modelled, so every eviction is allowed and is the graceful
    /// delete the API server then issues; the `DisruptionTarget` condition it adds first is not
    /// written (no modelled controller reads it).
    Evict {
        /// Only the pods this workload controls; `None`: every pod bound to a node.
        owner: Option<Target>,
    },
}

/// An environment rule: an operation and how often it may fire in one run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct EnvironmentRule {
    /// What it does.
    pub op: EnvironmentOp,
    /// How many times it may fire at most.
    pub max: u32,
}

/// One concrete environment action, enabled in a state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "op", deny_unknown_fields)]
pub enum EnvironmentAction {
    /// Set replicas.
    Scale {
        /// The workload.
        target: Target,
        /// The new count.
        replicas: i32,
    },
    /// Set the first container's image.
    ChangeImage {
        /// The workload.
        target: Target,
        /// The new image.
        image: String,
    },
    /// Set a Deployment's `paused`.
    SetPaused {
        /// The Deployment.
        deployment: String,
        /// The new value.
        paused: bool,
    },
    /// Set a Job's `suspend`.
    SetSuspended {
        /// The Job.
        job: String,
        /// The new value.
        suspended: bool,
    },
    /// A pod's containers on a node exit with this code.
    MarkContainers {
        /// The node controller's name.
        node: String,
        /// The pod's name.
        pod: String,
        /// The exit code: 0 succeeded, 1 failed.
        exit_code: i32,
    },
    /// Restart a controller.
    RestartController {
        /// Its name.
        controller: String,
    },
    /// Restart a node.
    RestartNode {
        /// Its controller's name.
        node: String,
    },
    /// Drop a controller's expectations.
    ExpireExpectations {
        /// Its name.
        controller: String,
    },
    /// A machine leaves for good: its Node is deleted and its kubelet stops.
    DeleteNode {
        /// Its controller's name (its Node's name).
        node: String,
    },
    /// A machine that left comes back and registers again.
    RejoinNode {
        /// Its controller's name (its Node's name).
        node: String,
    },
    /// Set a Node's `spec.unschedulable`.
    SetUnschedulable {
        /// The Node.
        node: String,
        /// The new value: true cordons, false uncordons.
        unschedulable: bool,
    },
    /// Add a taint to a Node or remove it.
    SetTaint {
        /// The Node.
        node: String,
        /// The taint.
        taint: Taint,
        /// True adds it, false removes it.
        present: bool,
    },
    /// A running pod's readiness probe fails or recovers.
    SetReadiness {
        /// The node controller's name.
        node: String,
        /// The pod's name.
        pod: String,
        /// The probe's new result.
        ready: bool,
    },
    /// A user deletes a pod.
    DeletePod {
        /// The pod's name.
        pod: String,
    },
    /// A pod is evicted.
    Evict {
        /// The pod's name.
        pod: String,
    },
}

impl fmt::Display for EnvironmentAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvironmentAction::Scale { target, replicas } => {
                write!(f, "scale {target} to {replicas}")
            }
            EnvironmentAction::ChangeImage { target, image } => {
                write!(f, "change image of {target} to {image}")
            }
            EnvironmentAction::SetPaused { deployment, paused } => write!(
                f,
                "{} Deployment/{deployment}",
                if *paused { "pause" } else { "resume" }
            ),
            EnvironmentAction::SetSuspended { job, suspended } => write!(
                f,
                "{} Job/{job}",
                if *suspended { "suspend" } else { "resume" }
            ),
            EnvironmentAction::MarkContainers {
                node,
                pod,
                exit_code,
            } => write!(
                f,
                "containers of {pod} on {node} {}",
                if *exit_code == 0 { "succeed" } else { "fail" }
            ),
            EnvironmentAction::RestartController { controller } => {
                write!(f, "restart {controller}")
            }
            EnvironmentAction::RestartNode { node } => write!(f, "restart node {node}"),
            EnvironmentAction::ExpireExpectations { controller } => {
                write!(f, "expire the expectations of {controller}")
            }
            EnvironmentAction::DeleteNode { node } => write!(f, "delete node {node} for good"),
            EnvironmentAction::RejoinNode { node } => write!(f, "node {node} rejoins"),
            EnvironmentAction::SetUnschedulable {
                node,
                unschedulable,
            } => write!(
                f,
                "{} Node/{node}",
                if *unschedulable { "cordon" } else { "uncordon" }
            ),
            EnvironmentAction::SetTaint {
                node,
                taint,
                present,
            } => write!(
                f,
                "{} taint {}={}:{} {} Node/{node}",
                if *present { "add" } else { "remove" },
                taint.key,
                taint.value,
                taint.effect,
                if *present { "to" } else { "from" }
            ),
            EnvironmentAction::SetReadiness { node, pod, ready } => write!(
                f,
                "readiness probe of {pod} on {node} {}",
                if *ready { "recovers" } else { "fails" }
            ),
            EnvironmentAction::DeletePod { pod } => write!(f, "delete Pod/{pod}"),
            EnvironmentAction::Evict { pod } => write!(f, "evict Pod/{pod}"),
        }
    }
}
