//! Properties of the whole cluster: unique running pods (P8), one controller per resource,
//! owner references marked.

use std::collections::BTreeSet;

use super::{Property, PropertyKind};
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
