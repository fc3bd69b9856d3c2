//! Nodes: the machines pods run on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Condition, Metadata, Quantity, find_condition};

/// A Node resource, created by its node controller (the kubelet) when it joins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Node {
    /// Object metadata.
    pub metadata: Metadata,
    /// Scheduling constraints.
    pub spec: NodeSpec,
    /// Capacity and readiness.
    pub status: NodeStatus,
}

/// The desired state of a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeSpec {
    /// Cordoned: no new pods are scheduled here.
    pub unschedulable: bool,
    /// Taints repelling pods that do not tolerate them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
}

/// A taint on a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Taint {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

/// The observed state of a node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NodeStatus {
    /// Total resources (`cpu`, `memory`, `pods`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, Quantity>,
    /// Resources available to pods (`cpu`, `memory`, `pods`); the scheduler uses these.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub allocatable: BTreeMap<String, Quantity>,
    /// Conditions; `Ready` is set by the node.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

impl Node {
    /// Whether the node reports `Ready`.
    pub fn is_ready(&self) -> bool {
        find_condition(&self.status.conditions, "Ready").is_some_and(Condition::is_true)
    }

    /// Allocatable amount of a resource, falling back to capacity; `None` when unlimited.
    pub fn allocatable(&self, resource: &str) -> Option<Quantity> {
        self.status
            .allocatable
            .get(resource)
            .or_else(|| self.status.capacity.get(resource))
            .copied()
    }
}
