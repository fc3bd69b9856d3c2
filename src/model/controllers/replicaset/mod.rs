//! The replicaset controller (Kubernetes `pkg/controller/replicaset`): keeps `spec.replicas`
//! active pods per ReplicaSet. Per ReplicaSet in name order, one write per step: adopt a
//! matching orphan pod, release an owned pod whose labels no longer match, create or delete one
//! pod, and last write the status when it differs. Kubernetes' expectations are not modelled.

mod rank;
#[cfg(test)]
pub(crate) mod tests;

use super::{Controller, ControllerSpec, LocalState, Registration};
use crate::model::operation::Operation;
use crate::model::resources::{
    Kind, Metadata, OwnerReference, Pod, ReplicaSet, ReplicaSetStatus, Resource,
};
use crate::model::view::View;

pub use rank::deletion_order;

/// Registration of the replicaset controller.
pub const REGISTRATION: Registration = Registration {
    kind: "replicaset",
    summary: "keeps spec.replicas pods per ReplicaSet: adopt, release, create, delete, status",
    watches: &[Kind::ReplicaSet, Kind::Pod],
    is_node: false,
    expectations: true,
    staleness_guard: &[Kind::Pod],
    live_check: None,
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(ReplicaSetController)
}

/// The replicaset controller; it keeps no local state besides its session.
#[derive(Debug)]
pub struct ReplicaSetController;

impl Controller for ReplicaSetController {
    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation> {
        let pods: Vec<&Pod> = view.pods().iter().collect();
        let all: Vec<&ReplicaSet> = view.replicasets().iter().collect();
        all.iter().find_map(|rs| {
            let key = format!("ReplicaSet/{}", rs.metadata.name);
            // KEP-5647: no sync while the pod cache is behind this controller's own writes.
            if local.is_stale_for(&key) {
                return None;
            }
            // Expectations: replicas are managed only once earlier creations and deletions
            // have been seen; status is still synced.
            reconcile(rs, &all, &pods, view.revision(), !local.expects(&key))
        })
    }
}

/// The first write one ReplicaSet needs, if any.
fn reconcile(
    rs: &ReplicaSet,
    all: &[&ReplicaSet],
    pods: &[&Pod],
    revision: u64,
    manage: bool,
) -> Option<Operation> {
    // A terminating ReplicaSet is read-only in the model and Kubernetes neither adopts, releases
    // nor manages replicas for it.
    if rs.metadata.is_terminating() {
        return None;
    }
    // Kubernetes' validation rejects a ReplicaSet whose selector is empty or does not select
    // its own template; the model leaves such a ReplicaSet alone rather than create pods it
    // would never own.
    if !rs.spec.selector.matches(&rs.spec.template.metadata.labels) {
        return None;
    }
    claim(rs, pods)
        .or_else(|| manage.then(|| manage_replicas(rs, all, pods)).flatten())
        .or_else(|| sync_status(rs, pods, revision))
}

/// Adoption of a matching active orphan, or release of an owned pod that no longer matches
/// (Kubernetes' `PodControllerRefManager.ClaimPods` over active pods).
fn claim(rs: &ReplicaSet, pods: &[&Pod]) -> Option<Operation> {
    let selector = &rs.spec.selector;
    for pod in pods.iter().filter(|p| p.is_active()) {
        let meta = &pod.metadata;
        match meta.controller_ref() {
            Some(r) if r.uid == rs.metadata.uid => {
                if !selector.matches(&meta.labels) {
                    let mut released = (*pod).clone();
                    released
                        .metadata
                        .owner_references
                        .retain(|r| r.uid != rs.metadata.uid);
                    return Some(Operation::Update(released.into_object()));
                }
            }
            Some(_) => {}
            None => {
                if selector.matches(&meta.labels) {
                    let mut adopted = (*pod).clone();
                    adopted
                        .metadata
                        .owner_references
                        .push(OwnerReference::controller_of(
                            Kind::ReplicaSet,
                            &rs.metadata,
                        ));
                    return Some(Operation::Update(adopted.into_object()));
                }
            }
        }
    }
    None
}

/// The active pods a ReplicaSet owns (after claiming: controlled by it and matching).
pub fn owned_active_pods<'a>(rs: &ReplicaSet, pods: &[&'a Pod]) -> Vec<&'a Pod> {
    pods.iter()
        .copied()
        .filter(|p| {
            p.is_active()
                && p.metadata.is_controlled_by(&rs.metadata.uid)
                && rs.spec.selector.matches(&p.metadata.labels)
        })
        .collect()
}

/// One pod created when too few are active, or the first pod in deletion order deleted when
/// too many are (Kubernetes' `manageReplicas`, one pod per step).
fn manage_replicas(rs: &ReplicaSet, all: &[&ReplicaSet], pods: &[&Pod]) -> Option<Operation> {
    let owned = owned_active_pods(rs, pods);
    let diff = owned.len() as i64 - i64::from(rs.replicas().max(0));
    if diff < 0 {
        return Some(Operation::Create(new_pod(rs).into_object()));
    }
    if diff > 0 {
        let related = related_pods(rs, all, pods);
        let victim = deletion_order(owned, &related).into_iter().next()?;
        return Some(Operation::Delete(victim.clone().into_object()));
    }
    None
}

/// The pods selected by every ReplicaSet with the same controller as `rs` (none for a
/// ReplicaSet without a controller), as Kubernetes' `getIndirectlyRelatedPods`.
fn related_pods<'a>(rs: &ReplicaSet, all: &[&ReplicaSet], pods: &[&'a Pod]) -> Vec<&'a Pod> {
    let Some(owner) = rs.metadata.controller_ref() else {
        return Vec::new();
    };
    pods.iter()
        .copied()
        .filter(|p| {
            all.iter().any(|other| {
                other.metadata.is_controlled_by(&owner.uid)
                    && other.spec.selector.matches(&p.metadata.labels)
            })
        })
        .collect()
}

/// A pod from the ReplicaSet's template (Kubernetes' `GetPodFromTemplate`).
pub fn new_pod(rs: &ReplicaSet) -> Pod {
    let metadata = Metadata {
        generate_name: format!("{}-", rs.metadata.name),
        namespace: rs.metadata.namespace.clone(),
        owner_references: vec![OwnerReference::controller_of(
            Kind::ReplicaSet,
            &rs.metadata,
        )],
        ..Metadata::default()
    };
    rs.spec.template.instantiate(metadata)
}

/// The status the ReplicaSet should report (Kubernetes' `calculateStatus`), without the
/// observed revision.
pub fn calculate_status(rs: &ReplicaSet, pods: &[&Pod]) -> ReplicaSetStatus {
    let owned = owned_active_pods(rs, pods);
    let template_labels = &rs.spec.template.metadata.labels;
    let fully_labeled = owned
        .iter()
        .filter(|p| {
            template_labels
                .iter()
                .all(|(k, v)| p.metadata.labels.get(k) == Some(v))
        })
        .count();
    // Without a clock, a ready pod is available (minReadySeconds is not modelled).
    let ready = owned.iter().filter(|p| p.is_ready()).count();
    ReplicaSetStatus {
        replicas: owned.len() as i32,
        fully_labeled_replicas: fully_labeled as i32,
        ready_replicas: ready as i32,
        available_replicas: ready as i32,
        observed_generation: rs.metadata.generation,
        observed_revision: rs.status.observed_revision,
        conditions: rs.status.conditions.clone(),
    }
}

/// A status write when the computed status differs from the stored one (ignoring the observed
/// revision, which is refreshed only by a write).
fn sync_status(rs: &ReplicaSet, pods: &[&Pod], revision: u64) -> Option<Operation> {
    let status = calculate_status(rs, pods);
    if status == rs.status {
        return None;
    }
    let mut updated = rs.clone();
    updated.status = ReplicaSetStatus {
        observed_revision: Some(revision),
        ..status
    };
    Some(Operation::Update(updated.into_object()))
}
