//! Which pods a ReplicaSet deletes first (Kubernetes' `ActivePodsWithRanks`, as used by
//! `getPodsToDelete`): unscheduled before scheduled, Pending before Unknown before Running,
//! not ready before ready, lower `pod-deletion-cost` first, then pods doubled up on a node with
//! more related pods first. The model has no clock, creation timestamps or restart counts, so
//! the remaining ties are broken by name.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::model::resources::{Pod, PodPhase};

/// The annotation that orders pods of one ReplicaSet for deletion (lower goes first).
pub const DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// `candidates` in the order they are deleted; `related` are the active pods of every
/// ReplicaSet with the same controller (they rank pods doubled up on a node).
pub fn deletion_order<'a>(candidates: Vec<&'a Pod>, related: &[&Pod]) -> Vec<&'a Pod> {
    let mut on_node: BTreeMap<&str, usize> = BTreeMap::new();
    for pod in related.iter().filter(|p| p.is_active()) {
        *on_node.entry(node_of(pod)).or_default() += 1;
    }
    let mut ranked = candidates;
    ranked.sort_by_key(|p| {
        (
            p.spec.node_name.is_some(),
            phase_ordinal(p.status.phase),
            p.is_ready(),
            deletion_cost(p),
            Reverse(on_node.get(node_of(p)).copied().unwrap_or(0)),
            p.metadata.name.clone(),
        )
    });
    ranked
}

fn node_of(pod: &Pod) -> &str {
    pod.spec.node_name.as_deref().unwrap_or("")
}

fn phase_ordinal(phase: PodPhase) -> u8 {
    match phase {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        // Finished pods are never candidates (only active pods are); rank them first anyway.
        PodPhase::Succeeded | PodPhase::Failed => 0,
    }
}

/// The pod's deletion cost; absent or malformed is 0, as in Kubernetes.
fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .get(DELETION_COST)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
