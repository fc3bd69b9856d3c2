//! State properties the step properties' bugs need too (issue 21 item 6):
//!
//! - J1: a Job's `status.succeeded` plus the succeeded pods in its `uncountedTerminatedPods`
//!   never exceeds its `completions` (a pod counted twice, once recorded and once again from a
//!   stale read, kubernetes 104812-style double counting).
//! - S1: a StatefulSet has one ControllerRevision per template, and the revision numbers of its
//!   ControllerRevisions are distinct (a restart or a stale read that misses an existing revision
//!   creates a second one: kubernetes 106055's collision handling).
//! - N1: once stable (at a fixed point), no pod is bound to a Node that does not exist (the pod
//!   garbage collector removes what a deleted Node leaves behind).

use std::collections::BTreeMap;

use super::{Property, PropertyKind};
use crate::model::system::{System, SystemState};

/// The cluster state properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "J1",
        text: "a Job's succeeded plus uncounted succeeded pods never exceeds its completions",
        kind: PropertyKind::Always,
        stable_form: false,
        check: succeeded_within_completions,
    },
    Property {
        id: "S1",
        text: "a StatefulSet has one ControllerRevision per template, with distinct revision numbers",
        kind: PropertyKind::Always,
        stable_form: false,
        check: one_revision_per_template,
    },
    Property {
        id: "N1",
        text: "once stable, no pod is bound to a missing Node",
        kind: PropertyKind::Eventually,
        stable_form: false,
        check: no_pod_on_a_missing_node,
    },
];

fn succeeded_within_completions(_: &System, state: &SystemState) -> bool {
    state.latest().jobs.iter().all(|job| {
        let Some(completions) = job.spec.completions else {
            return true;
        };
        let uncounted = job
            .status
            .uncounted_terminated_pods
            .as_ref()
            .map_or(0, |u| u.succeeded.len());
        i64::from(job.status.succeeded) + uncounted as i64 <= i64::from(completions)
    })
}

fn one_revision_per_template(_: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    // By owner uid: the templates and the revision numbers seen.
    let mut seen: BTreeMap<&str, (Vec<_>, Vec<i64>)> = BTreeMap::new();
    for cr in latest.controller_revisions.iter() {
        let Some(owner) = cr.metadata.controller_ref() else {
            continue;
        };
        if owner.kind != "StatefulSet" {
            continue;
        }
        let (templates, numbers) = seen.entry(owner.uid.as_str()).or_default();
        if templates.contains(&&cr.data) || numbers.contains(&cr.revision) {
            return false;
        }
        templates.push(&cr.data);
        numbers.push(cr.revision);
    }
    true
}

fn no_pod_on_a_missing_node(_: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    latest.pods.iter().all(|p| {
        p.spec
            .node_name
            .as_deref()
            .is_none_or(|n| latest.nodes.contains(n))
    })
}
