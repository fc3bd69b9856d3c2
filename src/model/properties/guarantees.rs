//! Guarantees real users rely on, which stale caches can break: no more pods than asked for,
//! no pod after completion, one ControllerRevision per template, no pod left on a missing node.

use std::collections::BTreeSet;

use super::{Property, PropertyKind, last_write};
use crate::model::resources::Pod;
use crate::model::system::{System, SystemState};

/// The guarantee properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "G1",
        text: "a ReplicaSet whose spec its controller has observed owns no more active pods than its replicas",
        kind: PropertyKind::Always,
        stable_form: false,
        check: replicaset_never_over_replicas,
    },
    Property {
        id: "G2",
        text: "a Job whose status counts its completions reached creates no pod",
        kind: PropertyKind::Always,
        stable_form: false,
        check: no_pod_after_completions,
    },
    Property {
        id: "G3",
        text: "a StatefulSet has at most one ControllerRevision per template",
        kind: PropertyKind::Always,
        stable_form: false,
        check: one_revision_per_template,
    },
    Property {
        id: "G4",
        text: "once no controller has anything to do (nor a cache to catch up), no pod is bound to a node that does not exist",
        kind: PropertyKind::Always,
        stable_form: true,
        check: no_pod_on_a_missing_node_at_rest,
    },
];

fn replicaset_never_over_replicas(_: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    latest.replicasets.iter().all(|rs| {
        let meta = &rs.metadata;
        if meta.is_terminating() || meta.generation != rs.status.observed_generation {
            return true;
        }
        let active = latest
            .pods
            .iter()
            .filter(|p| p.is_active() && p.metadata.is_controlled_by(&meta.uid))
            .count();
        active as i32 <= rs.replicas()
    })
}

fn no_pod_after_completions(_: &System, state: &SystemState) -> bool {
    let Some((before, after)) = last_write(state) else {
        return true;
    };
    let created: Vec<&Pod> = after
        .pods
        .iter()
        .filter(|p| {
            before
                .pods
                .get(&p.metadata.name)
                .is_none_or(|b| b.metadata.uid != p.metadata.uid)
        })
        .collect();
    created.iter().all(|pod| {
        before.jobs.iter().all(|job| {
            let reached = job
                .spec
                .completions
                .is_some_and(|completions| job.status.succeeded >= completions);
            !(reached && pod.metadata.is_controlled_by(&job.metadata.uid))
        })
    })
}

fn one_revision_per_template(_: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    latest.statefulsets.iter().all(|set| {
        let mut templates = BTreeSet::new();
        latest
            .controller_revisions
            .iter()
            .filter(|r| r.metadata.is_controlled_by(&set.metadata.uid))
            .all(|r| templates.insert(serde_json::to_string(&r.data).unwrap_or_default()))
    })
}

fn no_pod_on_a_missing_node_at_rest(system: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    let stranded = latest.pods.iter().any(|p| {
        p.spec
            .node_name
            .as_ref()
            .is_some_and(|n| !latest.nodes.contains(n))
    });
    if !stranded {
        return true;
    }
    !system.at_rest(state)
}
