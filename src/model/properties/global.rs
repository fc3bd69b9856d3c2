//! Properties of the whole cluster: unique running pods (P8), one controller per resource,
//! owner references marked.

use std::collections::BTreeSet;

use super::{Property, PropertyKind, at_observed_revision, stable};
use crate::model::history::History;
use crate::model::resources::{LabelSelector, Metadata, Revision};
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};

/// The global properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "P8",
        text: "pods running on nodes are unique by name across the cluster",
        kind: PropertyKind::Always,
        stable_form: false,
        check: unique_running_pods,
    },
    Property {
        id: "K2",
        text: "a resource has at most one owner reference that is a controller",
        kind: PropertyKind::Always,
        stable_form: false,
        check: one_controller_owner,
    },
    Property {
        id: "T1",
        text: "when a workload is stable, every live resource it selects carries a controller owner reference",
        kind: PropertyKind::Always,
        stable_form: true,
        check: owned_resources_marked,
    },
];

fn unique_running_pods(system: &System, state: &SystemState) -> bool {
    let mut seen = BTreeSet::new();
    for (i, local) in state.locals.iter().enumerate() {
        if !system.registration(i).is_node {
            continue;
        }
        for pod in local.running.keys() {
            if !seen.insert(pod.as_str()) {
                return false;
            }
        }
    }
    true
}

fn one_controller_owner(_: &System, state: &SystemState) -> bool {
    let latest: StateView = state.latest();
    latest.objects().iter().all(|o| {
        o.metadata()
            .owner_references
            .iter()
            .filter(|r| r.controller)
            .count()
            <= 1
    })
}

/// Whether every live pod (or, for a Deployment, ReplicaSet) matching the selector in the
/// state at `observed` has a controller owner reference.
fn selected_are_owned(
    state: &SystemState,
    observed: Option<Revision>,
    selector: &LabelSelector,
    replicasets: bool,
) -> bool {
    let Some(view) = at_observed_revision(state, observed) else {
        return true;
    };
    let owned = |m: &Metadata| {
        m.is_terminating() || !selector.matches(&m.labels) || m.controller_ref().is_some()
    };
    if replicasets {
        view.replicasets.iter().all(|r| owned(&r.metadata))
    } else {
        view.pods.iter().all(|p| owned(&p.metadata))
    }
}

fn owned_resources_marked(_: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    let revision = state.history.latest();
    let is_stable = |m: &Metadata, observed_generation: i64| {
        !m.is_terminating()
            && stable(
                m.generation,
                observed_generation,
                m.resource_version,
                revision,
            )
    };
    latest.replicasets.iter().all(|r| {
        !is_stable(&r.metadata, r.status.observed_generation)
            || selected_are_owned(state, r.status.observed_revision, &r.spec.selector, false)
    }) && latest.statefulsets.iter().all(|s| {
        !is_stable(&s.metadata, s.status.observed_generation)
            || selected_are_owned(state, s.status.observed_revision, &s.spec.selector, false)
    }) && latest.deployments.iter().all(|d| {
        !is_stable(&d.metadata, d.status.observed_generation)
            || selected_are_owned(state, d.status.observed_revision, &d.spec.selector, true)
    }) && latest.jobs.iter().all(|j| {
        let generated = LabelSelector::from_labels(
            [(
                "batch.kubernetes.io/controller-uid".to_string(),
                j.metadata.uid.clone(),
            )]
            .into_iter()
            .collect(),
        );
        let selector = j.spec.selector.as_ref().unwrap_or(&generated);
        !is_stable(&j.metadata, j.status.observed_generation)
            || selected_are_owned(state, j.status.observed_revision, selector, false)
    })
}
