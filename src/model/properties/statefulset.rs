//! Properties of the statefulset controller.
//!
//! P12-P15 (dissertation §3.3.5.2) take the `stable => p` form: a StatefulSet is stable when
//! its controller observed its generation and its status is the latest write
//! (`stable(generation, status.observedGeneration, resourceVersion, history.latest())`); `p` is
//! then judged in the state at `status.observedRevision`, the one the controller counted from.
//! "The pods of a set" are the pods it has claimed: controlled by its uid, selected by it and
//! named `<set>-<ordinal>` (what the controller counts).
//!
//! D1-D4 (§3.3.5.1) judge the latest write (`last_write`: the state before and after it), for
//! StatefulSets under `OrderedReady` in the state before. The model does not record who wrote,
//! so each property picks out the statefulset controller's writes by their shape:
//!
//! - a *creation* is a pod controlled by the set, named `<set>-<ordinal>`, present after the
//!   write and not (with that uid) before; only the statefulset controller creates such pods.
//!   Its *predecessors* are ordinals `[start, ordinal)` of the set's spec before the write.
//! - a *scale-down termination* is a pod controlled by the set whose ordinal is outside
//!   `[start, start + replicas)` before the write (condemned), which was neither terminating
//!   nor finished before and is terminating or gone after. Rolling-update deletions (ordinals in
//!   range) and deletions of finished pods (the controller replaces them; podgc also deletes
//!   them) are not judged, nor are deletions of pods bound to a Node absent before the write
//!   (podgc's orphan collection). Its *successors* are the set's condemned pods of higher
//!   ordinal.

use super::{Property, PropertyKind, at_observed_revision, last_write, stable};
use crate::model::controllers::statefulset::{claimed, in_range, ordinal_of, pod_name};
use crate::model::history::History;
use crate::model::resources::{Node, Pod, StatefulSet};
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};

/// The statefulset properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "P12",
        text: "a stable StatefulSet reports the number of its pods in status.replicas",
        kind: PropertyKind::Always,
        stable_form: true,
        check: p12,
    },
    Property {
        id: "P13",
        text: "a stable StatefulSet reports the number of its Running and Ready pods in status.readyReplicas",
        kind: PropertyKind::Always,
        stable_form: true,
        check: p13,
    },
    Property {
        id: "P14",
        text: "a stable StatefulSet reports the number of its available pods in status.availableReplicas",
        kind: PropertyKind::Always,
        stable_form: true,
        check: p14,
    },
    Property {
        id: "P15",
        text: "a stable StatefulSet with replicas has its first pod at ordinal spec.ordinals.start",
        kind: PropertyKind::Always,
        stable_form: true,
        check: p15,
    },
    Property {
        id: "D1",
        text: "an OrderedReady StatefulSet creates a pod only when every lower-ordinal pod exists",
        kind: PropertyKind::Always,
        stable_form: false,
        check: d1,
    },
    Property {
        id: "D2",
        text: "an OrderedReady StatefulSet scales down in reverse order: no higher condemned pod is left undeleted",
        kind: PropertyKind::Always,
        stable_form: false,
        check: d2,
    },
    Property {
        id: "D3",
        text: "an OrderedReady StatefulSet creates a pod only when all its predecessors are Running and Ready",
        kind: PropertyKind::Always,
        stable_form: false,
        check: d3,
    },
    Property {
        id: "D4",
        text: "an OrderedReady StatefulSet terminates a pod on scale down only when its successors are gone",
        kind: PropertyKind::Always,
        stable_form: false,
        check: d4,
    },
];

/// Whether `p` holds for every stable StatefulSet, judged at its observed revision (a status
/// that names no revision it can be judged at is not judged).
fn when_stable(state: &SystemState, p: fn(&StatefulSet, &StateView) -> bool) -> bool {
    let latest = state.history.latest();
    state.latest().of::<StatefulSet>().iter().all(|set| {
        let is_stable = stable(
            set.metadata.generation,
            set.status.observed_generation,
            set.metadata.resource_version,
            latest,
        );
        !is_stable
            || at_observed_revision(state, set.status.observed_revision)
                .is_none_or(|observed| p(set, &observed))
    })
}

fn count(set: &StatefulSet, observed: &StateView, f: fn(&Pod) -> bool) -> i32 {
    let n = claimed(set, observed.of::<Pod>())
        .into_iter()
        .filter(|(_, p)| f(p))
        .count();
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// P12 at the observed state: `status.replicas` is the number of claimed pods.
pub fn replicas_correct(set: &StatefulSet, observed: &StateView) -> bool {
    set.status.replicas == count(set, observed, |_| true)
}

/// P13 at the observed state: `status.readyReplicas` is the number of Running and Ready pods.
pub fn ready_correct(set: &StatefulSet, observed: &StateView) -> bool {
    set.status.ready_replicas == count(set, observed, Pod::is_running_and_ready)
}

/// P14 at the observed state: `status.availableReplicas` is the number of available pods
/// (Running and Ready: the model has no clock for `minReadySeconds`).
pub fn available_correct(set: &StatefulSet, observed: &StateView) -> bool {
    set.status.available_replicas == count(set, observed, Pod::is_running_and_ready)
}

/// P15 at the observed state: a set that is not being deleted and wants replicas has a pod at
/// ordinal `spec.ordinals.start`, so its first replica starts there (pods still condemned below
/// a raised start are on their way out and not counted as the first).
pub fn start_ordinal_correct(set: &StatefulSet, observed: &StateView) -> bool {
    if set.replicas() <= 0 || set.metadata.is_terminating() {
        return true;
    }
    let start = set.start_ordinal();
    claimed(set, observed.of::<Pod>())
        .into_iter()
        .filter(|(o, _)| in_range(set, *o))
        .map(|(o, _)| o)
        .min()
        == Some(start)
}

fn p12(_: &System, state: &SystemState) -> bool {
    when_stable(state, replicas_correct)
}

fn p13(_: &System, state: &SystemState) -> bool {
    when_stable(state, ready_correct)
}

fn p14(_: &System, state: &SystemState) -> bool {
    when_stable(state, available_correct)
}

fn p15(_: &System, state: &SystemState) -> bool {
    when_stable(state, start_ordinal_correct)
}

/// Whether `judge` holds for the latest write, for every OrderedReady set before it.
fn on_last_write(
    state: &SystemState,
    judge: fn(&StatefulSet, &StateView, &StateView) -> bool,
) -> bool {
    let Some((before, after)) = last_write(state) else {
        return true;
    };
    before
        .of::<StatefulSet>()
        .iter()
        .filter(|set| !set.is_parallel())
        .all(|set| judge(set, &before, &after))
}

/// The set's pod at `ordinal` in `state`, if the set controls it.
fn member<'a>(set: &StatefulSet, state: &'a StateView, ordinal: i32) -> Option<&'a Pod> {
    state
        .of::<Pod>()
        .get(&pod_name(&set.metadata.name, ordinal))
        .filter(|p| p.metadata.is_controlled_by(&set.metadata.uid))
}

/// The ordinals of the set's pods created by the write from `before` to `after`.
fn created(set: &StatefulSet, before: &StateView, after: &StateView) -> Vec<i32> {
    after
        .of::<Pod>()
        .iter()
        .filter(|p| p.metadata.is_controlled_by(&set.metadata.uid))
        .filter(|p| {
            before
                .of::<Pod>()
                .get(&p.metadata.name)
                .is_none_or(|old| old.metadata.uid != p.metadata.uid)
        })
        .filter_map(|p| ordinal_of(&set.metadata.name, &p.metadata.name))
        .collect()
}

/// The set's condemned pods in `state` (controlled, ordinal outside the range), with ordinals.
fn condemned<'a>(set: &StatefulSet, state: &'a StateView) -> Vec<(i32, &'a Pod)> {
    state
        .of::<Pod>()
        .iter()
        .filter(|p| p.metadata.is_controlled_by(&set.metadata.uid))
        .filter_map(|p| Some((ordinal_of(&set.metadata.name, &p.metadata.name)?, p)))
        .filter(|(o, _)| !in_range(set, *o))
        .collect()
}

/// The ordinals of the set's condemned pods the write terminated (see the module comment).
fn terminated(set: &StatefulSet, before: &StateView, after: &StateView) -> Vec<i32> {
    condemned(set, before)
        .into_iter()
        .filter(|(_, p)| !p.metadata.is_terminating() && !p.is_finished())
        .filter(|(_, p)| {
            p.spec
                .node_name
                .as_ref()
                .is_none_or(|n| before.of::<Node>().contains(n))
        })
        .filter(|(_, p)| {
            after.of::<Pod>().get(&p.metadata.name).is_none_or(|now| {
                now.metadata.uid != p.metadata.uid || now.metadata.is_terminating()
            })
        })
        .map(|(o, _)| o)
        .collect()
}

/// D1 for one write: every created pod's predecessors exist before it.
pub fn created_in_order(set: &StatefulSet, before: &StateView, after: &StateView) -> bool {
    created(set, before, after)
        .into_iter()
        .all(|o| (set.start_ordinal()..o).all(|p| member(set, before, p).is_some()))
}

/// D3 for one write: every created pod's predecessors are Running and Ready before it.
pub fn created_after_ready(set: &StatefulSet, before: &StateView, after: &StateView) -> bool {
    created(set, before, after).into_iter().all(|o| {
        (set.start_ordinal()..o)
            .all(|p| member(set, before, p).is_some_and(Pod::is_running_and_ready))
    })
}

/// D2 for one write: no condemned pod above a terminated one was still undeleted (present and
/// not terminating) before it.
pub fn terminated_in_reverse(set: &StatefulSet, before: &StateView, after: &StateView) -> bool {
    let condemned = condemned(set, before);
    terminated(set, before, after).into_iter().all(|o| {
        !condemned
            .iter()
            .any(|(q, p)| *q > o && !p.metadata.is_terminating())
    })
}

/// D4 for one write: no condemned pod above a terminated one existed at all before it.
pub fn terminated_after_successors(
    set: &StatefulSet,
    before: &StateView,
    after: &StateView,
) -> bool {
    let condemned = condemned(set, before);
    terminated(set, before, after)
        .into_iter()
        .all(|o| !condemned.iter().any(|(q, _)| *q > o))
}

fn d1(_: &System, state: &SystemState) -> bool {
    on_last_write(state, created_in_order)
}

fn d2(_: &System, state: &SystemState) -> bool {
    on_last_write(state, terminated_in_reverse)
}

fn d3(_: &System, state: &SystemState) -> bool {
    on_last_write(state, created_after_ready)
}

fn d4(_: &System, state: &SystemState) -> bool {
    on_last_write(state, terminated_after_successors)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::api;
    use crate::model::config::ModelConfig;
    use crate::model::resources::{
        Condition, Kind, LabelSelector, Metadata, Object, OwnerReference, PodPhase, set_condition,
    };

    fn labels() -> BTreeMap<String, String> {
        BTreeMap::from([("app".to_string(), "web".to_string())])
    }

    fn web(replicas: i32) -> StatefulSet {
        let mut set = StatefulSet {
            metadata: Metadata::named("web"),
            ..StatefulSet::default()
        };
        set.metadata.uid = "web-uid".into();
        set.spec.replicas = Some(replicas);
        set.spec.selector = LabelSelector::from_labels(labels());
        set
    }

    fn pod(set: &StatefulSet, ordinal: i32, ready: bool) -> Pod {
        let mut p = Pod {
            metadata: Metadata::named(pod_name("web", ordinal)),
            ..Pod::default()
        };
        p.metadata.uid = format!("uid-{ordinal}");
        p.metadata.labels = labels().into();
        p.metadata.owner_references = vec![OwnerReference::controller_of(
            Kind::StatefulSet,
            &set.metadata,
        )];
        p.spec.node_name = Some("node-1".into());
        if ready {
            p.status.phase = PodPhase::Running;
            set_condition(&mut p.status.conditions, Condition::new("Ready", true, ""));
        }
        p
    }

    fn state(set: &StatefulSet, pods: Vec<Pod>) -> StateView {
        let mut objects = vec![
            Object::StatefulSet(set.clone()),
            Object::Node(Node {
                metadata: Metadata::named("node-1"),
                ..Node::default()
            }),
        ];
        objects.extend(pods.into_iter().map(Object::Pod));
        api::initial_state(objects, 1)
    }

    fn terminating(mut p: Pod) -> Pod {
        p.metadata.deletion_timestamp = Some(2);
        p
    }

    #[test]
    fn creations_out_of_order_or_before_readiness_are_flagged() {
        let set = web(3);
        let before = state(&set, vec![pod(&set, 0, false)]);
        let skip = state(&set, vec![pod(&set, 0, false), pod(&set, 2, false)]);
        assert!(!created_in_order(&set, &before, &skip));
        let next = state(&set, vec![pod(&set, 0, false), pod(&set, 1, false)]);
        assert!(created_in_order(&set, &before, &next));
        assert!(!created_after_ready(&set, &before, &next));

        let ready = state(&set, vec![pod(&set, 0, true)]);
        let next = state(&set, vec![pod(&set, 0, true), pod(&set, 1, false)]);
        assert!(created_after_ready(&set, &ready, &next));
        // Recreating a pod under the same name (a new uid) is a creation too.
        let mut again = pod(&set, 1, false);
        again.metadata.uid = "uid-1-again".into();
        let before = state(&set, vec![pod(&set, 0, false), pod(&set, 1, true)]);
        let after = state(&set, vec![pod(&set, 0, false), again]);
        assert!(!created_after_ready(&set, &before, &after));
    }

    #[test]
    fn scale_down_out_of_order_is_flagged_but_updates_are_not() {
        let set = web(1);
        let all = || vec![pod(&set, 0, true), pod(&set, 1, true), pod(&set, 2, true)];
        let before = state(&set, all());
        let wrong = state(
            &set,
            vec![
                pod(&set, 0, true),
                terminating(pod(&set, 1, true)),
                pod(&set, 2, true),
            ],
        );
        assert!(!terminated_in_reverse(&set, &before, &wrong));
        assert!(!terminated_after_successors(&set, &before, &wrong));
        let right = state(
            &set,
            vec![
                pod(&set, 0, true),
                pod(&set, 1, true),
                terminating(pod(&set, 2, true)),
            ],
        );
        assert!(terminated_in_reverse(&set, &before, &right));
        assert!(terminated_after_successors(&set, &before, &right));

        // web-2 terminating but not gone: D2 allows web-1 next, D4 does not.
        let after = state(
            &set,
            vec![
                pod(&set, 0, true),
                terminating(pod(&set, 1, true)),
                terminating(pod(&set, 2, true)),
            ],
        );
        assert!(terminated_in_reverse(&set, &right, &after));
        assert!(!terminated_after_successors(&set, &right, &after));

        // A removed pod counts as terminated.
        let removed = state(&set, vec![pod(&set, 0, true), pod(&set, 2, true)]);
        assert!(!terminated_after_successors(&set, &before, &removed));

        // In range (a rolling update's deletion) is not judged.
        let full = web(3);
        let before = state(&full, all());
        let update = state(
            &full,
            vec![
                pod(&full, 0, true),
                terminating(pod(&full, 1, true)),
                pod(&full, 2, true),
            ],
        );
        assert!(terminated_in_reverse(&full, &before, &update));
        assert!(terminated_after_successors(&full, &before, &update));
    }

    fn system_with(set: StatefulSet, pods: Vec<Pod>) -> (System, SystemState) {
        let mut initial = vec![Object::StatefulSet(set)];
        initial.extend(pods.into_iter().map(Object::Pod));
        let system = System::new(ModelConfig {
            initial,
            ..ModelConfig::default()
        })
        .expect("builds");
        let state = system.initial();
        (system, state)
    }

    fn observed(mut set: StatefulSet, replicas: i32, ready: i32) -> StatefulSet {
        set.status.observed_generation = 1;
        set.status.observed_revision = Some(1);
        set.status.replicas = replicas;
        set.status.ready_replicas = ready;
        set.status.available_replicas = ready;
        set
    }

    #[test]
    fn stable_status_is_judged_at_its_observed_revision() {
        let set = web(2);
        let pods = vec![pod(&set, 0, true), pod(&set, 1, false)];
        let (system, state) = system_with(observed(set.clone(), 2, 1), pods.clone());
        for p in PROPERTIES {
            assert!((p.check)(&system, &state), "{} violated", p.id);
        }
        let (system, state) = system_with(observed(set.clone(), 3, 2), pods.clone());
        assert!(!p12(&system, &state));
        assert!(!p13(&system, &state));
        assert!(!p14(&system, &state));
        // Not stable (generation not observed): not judged.
        let mut unobserved = observed(set.clone(), 3, 2);
        unobserved.status.observed_generation = 0;
        let (system, state) = system_with(unobserved, pods);
        assert!(p12(&system, &state));

        // The first pod must be at the start ordinal.
        let (system, state) = system_with(observed(set.clone(), 1, 0), vec![pod(&set, 1, false)]);
        assert!(!p15(&system, &state));
    }
}
