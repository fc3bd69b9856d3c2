//! Properties of the replicaset controller (dissertation §3.3.7, P9-P11), in the
//! `stable => p` form: a ReplicaSet is stable when its controller observed its generation and
//! its last write is the latest revision; pods are counted in the state at its observed
//! revision.

use super::{Property, PropertyKind, at_observed_revision, stable};
use crate::model::controllers::deployment::util::POD_TEMPLATE_HASH;
use crate::model::controllers::replicaset::owned_active_pods;
use crate::model::history::History;
use crate::model::resources::{Kind, Pod, ReplicaSet};
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};

/// The replicaset properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "P9",
        text: "when a ReplicaSet owned by a Deployment is stable all its pods carry its pod-template-hash label",
        kind: PropertyKind::Always,
        stable_form: true,
        check: pods_hash_labelled,
    },
    Property {
        id: "P10",
        text: "when a ReplicaSet is stable its status.replicas equals its spec.replicas",
        kind: PropertyKind::Always,
        stable_form: true,
        check: replicas_reported,
    },
    Property {
        id: "P11",
        text: "when a ReplicaSet is stable its active owned pods matching its selector number status.replicas",
        kind: PropertyKind::Always,
        stable_form: true,
        check: pods_counted,
    },
];

/// The stable ReplicaSets of the latest state.
fn stable_replicasets(state: &SystemState) -> Vec<ReplicaSet> {
    let latest_revision = state.history.latest();
    state
        .latest()
        .replicasets
        .iter()
        .filter(|rs| {
            stable(
                rs.metadata.generation,
                rs.status.observed_generation,
                rs.metadata.resource_version,
                latest_revision,
            )
        })
        .cloned()
        .collect()
}

/// The pods of a ReplicaSet in the state at its observed revision (`None` when unknown).
fn observed_pods(state: &SystemState, rs: &ReplicaSet) -> Option<(StateView, Vec<Pod>)> {
    let observed = at_observed_revision(state, rs.status.observed_revision)?;
    let pods: Vec<&Pod> = observed.pods.iter().collect();
    let owned = owned_active_pods(rs, &pods).into_iter().cloned().collect();
    Some((observed, owned))
}

fn pods_hash_labelled(_: &System, state: &SystemState) -> bool {
    stable_replicasets(state)
        .iter()
        .filter(|rs| {
            rs.metadata
                .controller_ref()
                .is_some_and(|r| r.kind == Kind::Deployment.name())
        })
        .all(|rs| {
            let hash = rs.spec.template.metadata.labels.get(POD_TEMPLATE_HASH);
            observed_pods(state, rs).is_none_or(|(_, pods)| {
                pods.iter()
                    .all(|p| p.metadata.labels.get(POD_TEMPLATE_HASH) == hash && hash.is_some())
            })
        })
}

fn replicas_reported(_: &System, state: &SystemState) -> bool {
    stable_replicasets(state)
        .iter()
        .all(|rs| rs.status.replicas == rs.replicas())
}

fn pods_counted(_: &System, state: &SystemState) -> bool {
    stable_replicasets(state).iter().all(|rs| {
        observed_pods(state, rs).is_none_or(|(_, pods)| pods.len() as i32 == rs.status.replicas)
    })
}
