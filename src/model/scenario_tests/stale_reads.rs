//! Kubernetes issue 59848, by an explicit sequence of steps: a restarted node reads a revision
//! from before its pod was deleted and starts it again while another node runs its replacement.

use super::support::*;
use crate::model::environment::{EnvironmentOp, EnvironmentRule, Target, Who};
use crate::model::history::History;
use crate::model::history::{CommitMode, Consistency, Read};
use crate::model::properties;
use crate::model::resources::{Kind, Revision};
use crate::model::state::StateView;
use crate::model::system::{Action, NotEnabled, System, SystemState};
use crate::model::testing::run_to_fixed_point;

const SCHEDULER: usize = 0;
const NODE_1: usize = 1;
const NODE_2: usize = 2;
const STATEFULSET: usize = 3;

fn system(consistency: Consistency, commit: CommitMode) -> System {
    let mut config = config(
        consistency,
        vec![
            controller("scheduler"),
            node("node-1"),
            node("node-2"),
            controller("statefulset"),
        ],
        vec![statefulset("web", 1, "nginx:1")],
    );
    config.commit = commit;
    config.environment = vec![
        EnvironmentRule {
            op: EnvironmentOp::ChangeImage {
                target: Target {
                    kind: Kind::StatefulSet,
                    name: "web".into(),
                },
                images: vec!["nginx:2".into()],
            },
            max: 1,
        },
        EnvironmentRule {
            op: EnvironmentOp::RestartNode { who: Who::All },
            max: 1,
        },
    ];
    System::new(config).expect("the scenario's controllers are registered")
}

fn pod_uid(state: &StateView) -> Option<String> {
    state.pods.get("web-0").map(|p| p.metadata.uid.clone())
}

/// Drives the scenario up to the moment before the stale read; returns the state and the
/// revision at which web-0 (the original) was running on node-1.
fn before_the_stale_read(system: &System) -> (SystemState, Revision) {
    let (state, _) = run_to_fixed_point(system, system.initial(), 200);
    let latest = state.latest();
    let pod = latest.pods.get("web-0").expect("web-0 was created");
    assert_eq!(pod.spec.node_name.as_deref(), Some("node-1"));
    assert!(state.locals[NODE_1].running.contains_key("web-0"));
    let old_uid = pod.metadata.uid.clone();
    let old_revision = state.history.latest();

    let change = environment(system, &state, "change image of StatefulSet/web to nginx:2");
    let state = system.take(&state, &change).expect("image change").next;
    let state = step_until(system, state, STATEFULSET, |s| {
        s.pods
            .get("web-0")
            .is_some_and(|p| p.metadata.is_terminating())
    });
    let state = step_until(system, state, NODE_1, |s| s.pods.get("web-0").is_none());
    let restart = environment(system, &state, "restart node node-1");
    let state = system.take(&state, &restart).expect("node restart").next;
    let state = step_until(system, state, STATEFULSET, |s| {
        pod_uid(s).is_some_and(|uid| uid != old_uid)
    });
    let state = step_until(system, state, SCHEDULER, |s| {
        s.pods
            .get("web-0")
            .is_some_and(|p| p.spec.node_name.is_some())
    });
    assert_eq!(
        state
            .latest()
            .pods
            .get("web-0")
            .unwrap()
            .spec
            .node_name
            .as_deref(),
        Some("node-2"),
        "with node-1 gone the replacement goes to node-2"
    );
    let state = step_until(system, state, NODE_2, |s| {
        s.pods
            .get("web-0")
            .is_some_and(|p| p.is_running_and_ready())
    });
    assert!(state.locals[NODE_2].running.contains_key("web-0"));
    assert!(state.locals[NODE_1].running.is_empty());
    (state, old_revision)
}

fn p8_holds(system: &System, state: &SystemState) -> bool {
    (properties::by_id("P8").expect("P8 is registered").check)(system, state)
}

#[test]
fn resettable_session_lets_a_restarted_node_run_a_deleted_pod() {
    let system = system(Consistency::ResettableSession, CommitMode::Kubernetes);
    let (state, old) = before_the_stale_read(&system);
    assert!(p8_holds(&system, &state));
    let stale = Action::Step {
        controller: NODE_1,
        read: Read::At(old),
        choice: 0,
    };
    let after = system
        .take(&state, &stale)
        .expect("the stale read is offered")
        .next;
    assert!(after.locals[NODE_1].running.contains_key("web-0"));
    assert!(
        !p8_holds(&system, &after),
        "web-0 runs on node-1 and node-2"
    );
}

#[test]
fn monotonic_session_never_offers_the_stale_revision() {
    let system = system(Consistency::MonotonicSession, CommitMode::Kubernetes);
    let (state, old) = before_the_stale_read(&system);
    let stale = Action::Step {
        controller: NODE_1,
        read: Read::At(old),
        choice: 0,
    };
    assert!(matches!(
        system.take(&state, &stale),
        Err(NotEnabled::NotReadable { .. })
    ));
    let (end, _) = run_to_fixed_point(&system, state, 200);
    assert!(p8_holds(&system, &end));
}

#[test]
fn atomic_commit_rejects_the_stale_step_and_keeps_the_node_as_it_was() {
    let system = system(Consistency::ResettableSession, CommitMode::Atomic);
    let (state, old) = before_the_stale_read(&system);
    let stale = Action::Step {
        controller: NODE_1,
        read: Read::At(old),
        choice: 0,
    };
    assert!(matches!(
        system.take(&state, &stale),
        Err(NotEnabled::NoEffect { .. })
    ));
    assert!(state.locals[NODE_1].running.is_empty());
    assert!(p8_holds(&system, &state));
}
