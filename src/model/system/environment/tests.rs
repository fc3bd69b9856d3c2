//! Each environment operation of issue 21 item 4: what it does, when it is enabled, its bound.

use super::*;
use crate::model::config::parse_model;

const MODEL: &str = include_str!("../../../../tests/fixtures/models/node-operations.yaml");

fn system() -> System {
    let config = parse_model(
        MODEL,
        "node-operations.yaml",
        &|_| Err("no includes".into()),
    )
    .expect("the model loads")
    .config;
    System::new(config).expect("every controller is registered")
}

/// The settled start: the ReplicaSet's pod runs on a node.
fn settled(system: &System) -> SystemState {
    system.initial()
}

/// The enabled actions of the rule whose operation matches `op`.
fn offered(
    system: &System,
    state: &SystemState,
    op: fn(&EnvironmentAction) -> bool,
) -> Vec<(usize, EnvironmentAction)> {
    system
        .environment_actions(state)
        .into_iter()
        .filter(|(_, a)| op(a))
        .collect()
}

fn fire(
    system: &System,
    state: &SystemState,
    rule: usize,
    action: EnvironmentAction,
) -> Transition {
    system
        .take(state, &Action::Environment { rule, action })
        .expect("the action is enabled")
}

/// Runs the controllers until nothing changes (synchronous model: each reads the latest).
fn settle(system: &System, mut state: SystemState) -> SystemState {
    for _ in 0..200 {
        let next = (0..system.controller_count())
            .flat_map(|i| system.controller_transitions(&state, i))
            .find(|t| t.next != state);
        match next {
            Some(t) => state = t.next,
            None => return state,
        }
    }
    panic!("the controllers did not settle");
}

fn the_pod(state: &SystemState) -> Pod {
    let latest = state.latest();
    let pods: Vec<&Pod> = latest.pods.iter().collect();
    assert_eq!(pods.len(), 1, "one pod: {pods:?}");
    pods[0].clone()
}

#[test]
fn delete_node_removes_the_node_for_good_until_it_rejoins() {
    let system = system();
    let start = settled(&system);
    assert!(start.latest().nodes.contains("node-1"));
    let delete = offered(&system, &start, |a| {
        matches!(a, EnvironmentAction::DeleteNode { .. })
    });
    assert_eq!(delete.len(), 1, "{delete:?}");
    assert!(
        offered(&system, &start, |a| matches!(
            a,
            EnvironmentAction::RejoinNode { .. }
        ))
        .is_empty(),
        "a node that is there cannot rejoin"
    );
    let (rule, action) = delete[0].clone();
    let t = fire(&system, &start, rule, action);
    assert!(matches!(
        &t.outcome,
        Outcome::Wrote { operation: Operation::ForceDelete(Object::Node(n)), .. } if n.metadata.name == "node-1"
    ));
    let node_1 = system.controller_index("node-1").unwrap();
    assert!(t.next.locals[node_1].gone);
    assert!(t.next.locals[node_1].running.is_empty());
    // The kubelet does not register again, whatever the others do.
    let after = settle(&system, t.next);
    assert!(!after.latest().nodes.contains("node-1"));
    assert!(system.controller_transitions(&after, node_1).is_empty());
    // The bound is 1: no second deletion; restart-node is not offered for a gone machine.
    assert!(
        offered(&system, &after, |a| matches!(
            a,
            EnvironmentAction::DeleteNode { .. }
        ))
        .is_empty()
    );
    // The pod the deleted Node left behind is gone (podgc) and the ReplicaSet's pod runs on
    // node-2.
    let pod = the_pod(&after);
    assert_eq!(pod.spec.node_name.as_deref(), Some("node-2"));
    // Rejoin: the kubelet starts afresh and registers its Node again.
    let rejoin = offered(&system, &after, |a| {
        matches!(a, EnvironmentAction::RejoinNode { .. })
    });
    assert_eq!(rejoin.len(), 1);
    let (rule, action) = rejoin[0].clone();
    let t = fire(&system, &after, rule, action);
    assert_eq!(t.outcome, Outcome::Local);
    assert!(!t.next.locals[node_1].gone);
    let back = settle(&system, t.next);
    assert!(back.latest().nodes.contains("node-1"));
    assert!(
        offered(&system, &back, |a| matches!(
            a,
            EnvironmentAction::RejoinNode { .. }
        ))
        .is_empty(),
        "rejoin-node fires once"
    );
}

#[test]
fn cordon_sets_unschedulable_and_uncordon_clears_it_within_the_bound() {
    let system = system();
    let mut state = settled(&system);
    for expected in [true, false] {
        let cordon = offered(&system, &state, |a| {
            matches!(a, EnvironmentAction::SetUnschedulable { .. })
        });
        assert_eq!(cordon.len(), 1, "{cordon:?}");
        let (rule, action) = cordon[0].clone();
        assert!(matches!(
            &action,
            EnvironmentAction::SetUnschedulable { node, unschedulable } if node == "node-2" && *unschedulable == expected
        ));
        state = fire(&system, &state, rule, action).next;
        assert_eq!(
            state
                .latest()
                .nodes
                .get("node-2")
                .unwrap()
                .spec
                .unschedulable,
            expected
        );
    }
    assert!(
        offered(&system, &state, |a| matches!(
            a,
            EnvironmentAction::SetUnschedulable { .. }
        ))
        .is_empty(),
        "max: 2"
    );
}

#[test]
fn a_cordoned_or_tainted_node_gets_no_new_pod() {
    let system = system();
    let start = settled(&system);
    let first = the_pod(&start).spec.node_name.clone().unwrap();
    assert_eq!(first, "node-1", "the scheduler picks node-1 first");
    for repel in [
        (|a: &EnvironmentAction| matches!(a, EnvironmentAction::SetUnschedulable { .. }))
            as fn(&EnvironmentAction) -> bool,
        |a| matches!(a, EnvironmentAction::SetTaint { .. }),
    ] {
        let (rule, action) = offered(&system, &start, repel)[0].clone();
        let repelled = fire(&system, &start, rule, action).next;
        // node-1 leaves: the replacement pod can go nowhere.
        let (rule, action) = offered(&system, &repelled, |a| {
            matches!(a, EnvironmentAction::DeleteNode { .. })
        })[0]
            .clone();
        let after = settle(&system, fire(&system, &repelled, rule, action).next);
        let pod = the_pod(&after);
        assert_eq!(pod.spec.node_name, None, "no node takes it: {pod:?}");
    }
    // Without either, the replacement lands on node-2 (the other test).
}

#[test]
fn taint_is_added_then_removed_and_fires_once() {
    let system = system();
    let start = settled(&system);
    let taint = offered(&system, &start, |a| {
        matches!(a, EnvironmentAction::SetTaint { .. })
    });
    assert_eq!(taint.len(), 1);
    let (rule, action) = taint[0].clone();
    assert!(matches!(
        &action,
        EnvironmentAction::SetTaint { present: true, .. }
    ));
    let next = fire(&system, &start, rule, action).next;
    let node = next.latest().nodes.get("node-2").unwrap().clone();
    assert_eq!(node.spec.taints.len(), 1);
    assert_eq!(node.spec.taints[0].key, "maintenance");
    assert_eq!(node.spec.taints[0].effect, "NoSchedule");
    assert!(
        offered(&system, &next, |a| matches!(
            a,
            EnvironmentAction::SetTaint { .. }
        ))
        .is_empty(),
        "max: 1"
    );
    // Removal, as a second firing would do.
    let removed = system
        .environment_step(
            &next,
            rule,
            EnvironmentAction::SetTaint {
                node: "node-2".into(),
                taint: node.spec.taints[0].clone(),
                present: false,
            },
        )
        .unwrap();
    assert!(
        removed
            .next
            .latest()
            .nodes
            .get("node-2")
            .unwrap()
            .spec
            .taints
            .is_empty()
    );
}

#[test]
fn a_failing_readiness_probe_makes_the_pod_unready_without_ending_it() {
    let system = system();
    let start = settled(&system);
    assert!(the_pod(&start).is_running_and_ready());
    let flip = offered(&system, &start, |a| {
        matches!(a, EnvironmentAction::SetReadiness { .. })
    });
    assert_eq!(flip.len(), 1);
    let (rule, action) = flip[0].clone();
    assert!(matches!(
        &action,
        EnvironmentAction::SetReadiness { ready: false, .. }
    ));
    let t = fire(&system, &start, rule, action);
    assert_eq!(
        t.outcome,
        Outcome::Local,
        "the probe result is the kubelet's"
    );
    let failing = settle(&system, t.next);
    let pod = the_pod(&failing);
    assert_eq!(pod.status.phase, PodPhase::Running);
    assert!(!pod.is_ready());
    assert!(
        pod.status
            .container_statuses
            .iter()
            .all(|c| !c.ready && c.state.running.is_some())
    );
    let rs = failing
        .latest()
        .replicasets
        .get("web")
        .unwrap()
        .status
        .clone();
    assert_eq!((rs.replicas, rs.ready_replicas), (1, 0));
    // Recovery.
    let (rule, action) = offered(&system, &failing, |a| {
        matches!(a, EnvironmentAction::SetReadiness { .. })
    })[0]
        .clone();
    assert!(matches!(
        &action,
        EnvironmentAction::SetReadiness { ready: true, .. }
    ));
    let recovered = settle(&system, fire(&system, &failing, rule, action).next);
    assert!(the_pod(&recovered).is_running_and_ready());
    assert_eq!(
        recovered
            .latest()
            .replicasets
            .get("web")
            .unwrap()
            .status
            .ready_replicas,
        1
    );
    assert!(
        offered(&system, &recovered, |a| matches!(
            a,
            EnvironmentAction::SetReadiness { .. }
        ))
        .is_empty(),
        "max: 2"
    );
}

#[test]
fn a_user_deletion_and_an_eviction_are_graceful_and_the_pod_is_replaced() {
    let system = system();
    let start = settled(&system);
    for op in [
        (|a: &EnvironmentAction| matches!(a, EnvironmentAction::DeletePod { .. }))
            as fn(&EnvironmentAction) -> bool,
        |a| matches!(a, EnvironmentAction::Evict { .. }),
    ] {
        let old = the_pod(&start);
        let choices = offered(&system, &start, op);
        assert_eq!(choices.len(), 1);
        let (rule, action) = choices[0].clone();
        let t = fire(&system, &start, rule, action);
        let terminating = t
            .next
            .latest()
            .pods
            .get(&old.metadata.name)
            .unwrap()
            .clone();
        assert!(
            terminating.metadata.is_terminating(),
            "graceful: the node finishes it"
        );
        assert!(
            offered(&system, &t.next, op).is_empty(),
            "a terminating pod is not deleted again, and the bound is 1"
        );
        let after = settle(&system, t.next);
        let pod = the_pod(&after);
        assert_ne!(pod.metadata.name, old.metadata.name, "replaced");
        assert!(pod.is_running_and_ready());
    }
}

#[test]
fn the_new_operations_render_and_read_back() {
    let system = system();
    let rendered = crate::model::config::render_model(system.config()).unwrap();
    let again = parse_model(&rendered, "rendered.yaml", &|_| Err("no includes".into()))
        .expect("the rendered model loads")
        .config;
    assert_eq!(again.environment, system.config().environment);
}
