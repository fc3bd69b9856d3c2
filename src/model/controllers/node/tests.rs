use std::collections::BTreeMap;

use super::*;
use crate::model::api;
use crate::model::config::ModelConfig;
use crate::model::controllers::util::fixtures::{bound, pod, ready_node, view_of};
use crate::model::environment::{EnvironmentAction, EnvironmentOp, EnvironmentRule};
use crate::model::history::Read;
use crate::model::resources::{Node, PodPhase, Quantity, Taint, find_condition};
use crate::model::state::StateView;
use crate::model::system::Action;
use crate::model::system::System;
use crate::model::testing::{run_to_fixed_point, take_all};

fn machine() -> NodeMachine {
    NodeMachine {
        capacity: BTreeMap::from([
            ("cpu".to_string(), Quantity::units(2)),
            ("pods".to_string(), Quantity::units(10)),
        ]),
        labels: BTreeMap::from([("zone".to_string(), "a".to_string())]),
        taints: vec![Taint {
            key: "dedicated".into(),
            value: "batch".into(),
            effect: "PreferNoSchedule".into(),
        }],
        unschedulable: false,
    }
}

fn kubelet(name: &str) -> NodeController {
    NodeController {
        name: name.into(),
        machine: machine(),
    }
}

fn running_pod(uid: &str) -> RunningPod {
    RunningPod {
        uid: uid.into(),
        exit_code: None,
        unready: false,
    }
}

/// The uid `api::initial_state` gives a pod named `name`.
fn uid(name: &str) -> String {
    api::uid_for(Kind::Pod, 1, name)
}

fn node_1() -> Object {
    Object::Node(ready_node("n1", &[("cpu", "2")]))
}

/// The pod an operation updates.
fn updated(op: Option<Operation>) -> Pod {
    match op {
        Some(Operation::Update(Object::Pod(p))) => p,
        other => panic!("expected a pod update, got {other:?}"),
    }
}

#[test]
fn a_node_joins_by_creating_its_node() {
    let view = view_of(Vec::new());
    let mut local = LocalState::default();
    let op = kubelet("n1").step(&view, &mut local);
    let Some(Operation::Create(Object::Node(node))) = op else {
        panic!("expected a Node create, got {op:?}")
    };
    assert_eq!(node.metadata.name, "n1");
    assert_eq!(*node.metadata.labels, machine().labels);
    assert_eq!(node.spec.taints, machine().taints);
    assert!(!node.spec.unschedulable);
    assert_eq!(node.status.capacity, machine().capacity);
    assert_eq!(node.status.allocatable, machine().capacity);
    assert!(node.is_ready());
    assert_eq!(local, LocalState::default());

    let joined = api::apply(
        view.unrecorded_state(),
        &Operation::Create(Object::Node(node)),
        2,
    )
    .expect("the node registers");
    let view = View::new(joined, Read::At(2));
    assert_eq!(
        kubelet("n1").step(&view, &mut local),
        None,
        "nothing to run"
    );
    assert_eq!(local, LocalState::default());
}

#[test]
fn an_unschedulable_machine_registers_cordoned() {
    let mut cordoned = kubelet("n1");
    cordoned.machine.unschedulable = true;
    let op = cordoned.step(&view_of(Vec::new()), &mut LocalState::default());
    let Some(Operation::Create(Object::Node(node))) = op else {
        panic!("expected a Node create, got {op:?}")
    };
    assert!(node.spec.unschedulable);
}

#[test]
fn starts_a_bound_pod_running_and_ready() {
    let view = view_of(vec![
        node_1(),
        Object::Pod(bound(pod("web", &[]), "n1")),
        Object::Pod(bound(pod("elsewhere", &[]), "n2")),
        Object::Pod(pod("pending", &[])),
    ]);
    let mut local = LocalState::default();
    let started = updated(kubelet("n1").step(&view, &mut local));
    assert_eq!(started.metadata.name, "web");
    assert_eq!(started.status.phase, PodPhase::Running);
    assert!(started.is_ready());
    let [container] = started.status.container_statuses.as_slice() else {
        panic!("one container status")
    };
    assert_eq!(container.name, "app");
    assert!(container.ready && container.started);
    assert!(container.state.running.is_some() && container.state.terminated.is_none());
    assert_eq!(local.running.len(), 1);
    assert_eq!(local.running.get("web"), Some(&running_pod(&uid("web"))));

    let op = Operation::Update(Object::Pod(started));
    let next = api::apply(view.unrecorded_state(), &op, 2).expect("the status commits");
    let view = View::new(next, Read::At(2));
    let before = local.clone();
    assert_eq!(kubelet("n1").step(&view, &mut local), None, "fixed point");
    assert_eq!(local, before);
}

#[test]
fn a_pod_already_shown_running_is_adopted_locally_without_a_write() {
    let mut web = bound(pod("web", &[]), "n1");
    web.status = running(&web);
    let view = view_of(vec![node_1(), Object::Pod(web)]);
    let mut local = LocalState::default();
    assert_eq!(kubelet("n1").step(&view, &mut local), None);
    assert_eq!(local.running.get("web"), Some(&running_pod(&uid("web"))));
}

#[test]
fn a_rejected_status_write_leaves_the_pod_running_locally() {
    // The node reads revision 1, where `web` is pending; the pod has since changed.
    let state = api::initial_state([node_1(), Object::Pod(bound(pod("web", &[]), "n1"))], 1);
    let mut newer = state.pods.get("web").unwrap().clone();
    newer.metadata.labels.insert("touched".into(), "yes".into());
    let latest = api::apply(&state, &Operation::Update(Object::Pod(newer)), 2).unwrap();

    let mut local = LocalState::default();
    let stale = View::new(state, Read::At(1));
    let op = kubelet("n1").step(&stale, &mut local).unwrap();
    assert!(matches!(
        api::apply(&latest, &op, 3),
        Err(api::ApplyError::Conflict { .. })
    ));
    assert!(local.running.contains_key("web"), "it runs nonetheless");

    // Reading the latest revision, it writes the status it could not write before.
    let view = View::new(latest, Read::At(2));
    let resynced = updated(kubelet("n1").step(&view, &mut local));
    assert_eq!(resynced.status.phase, PodPhase::Running);
    assert_eq!(
        resynced.metadata.labels.get("touched").map(String::as_str),
        Some("yes")
    );
}

fn exited(code: i32) -> (Pod, LocalState) {
    let mut web = bound(pod("web", &[]), "n1");
    web.status = running(&web);
    let view = view_of(vec![node_1(), Object::Pod(web)]);
    let mut local = LocalState::default();
    local.running.insert(
        "web".into(),
        RunningPod {
            uid: uid("web"),
            exit_code: Some(code),
            unready: false,
        },
    );
    let done = updated(kubelet("n1").step(&view, &mut local));
    (done, local)
}

#[test]
fn exit_code_zero_reports_succeeded() {
    let (done, local) = exited(0);
    assert_eq!(done.status.phase, PodPhase::Succeeded);
    assert!(!done.is_ready());
    let ready = find_condition(&done.status.conditions, "Ready").unwrap();
    assert_eq!(ready.reason, "PodCompleted");
    let terminated = done.status.container_statuses[0].state.terminated.as_ref();
    assert_eq!(terminated.map(|t| t.exit_code), Some(0));
    assert!(!done.status.container_statuses[0].ready);
    assert!(local.running.is_empty());
}

#[test]
fn a_nonzero_exit_code_reports_failed_and_the_pod_is_not_restarted() {
    let (done, mut local) = exited(1);
    assert_eq!(done.status.phase, PodPhase::Failed);
    let terminated = done.status.container_statuses[0].state.terminated.as_ref();
    assert_eq!(terminated.map(|t| t.exit_code), Some(1));
    assert!(local.running.is_empty());

    let view = view_of(vec![node_1(), Object::Pod(done)]);
    assert_eq!(kubelet("n1").step(&view, &mut local), None);
    assert!(
        local.running.is_empty(),
        "a finished pod is not started again"
    );
}

#[test]
fn a_soft_deleted_pod_is_stopped_and_removed() {
    let mut web = bound(pod("web", &[]), "n1");
    web.status = running(&web);
    let state = api::initial_state([node_1(), Object::Pod(web.clone())], 1);
    let deleted = api::apply(&state, &Operation::Delete(Object::Pod(web)), 2).unwrap();
    let terminating = deleted.pods.get("web").unwrap();
    assert!(
        terminating.metadata.is_terminating(),
        "graceful: the node finishes it"
    );

    let mut local = LocalState::default();
    local.running.insert("web".into(), running_pod(&uid("web")));
    let view = View::new(deleted.clone(), Read::At(2));
    let op = kubelet("n1").step(&view, &mut local).unwrap();
    assert!(matches!(&op, Operation::Delete(Object::Pod(p)) if p.metadata.name == "web"));
    assert!(local.running.is_empty());
    let gone = api::apply(&deleted, &op, 3).expect("the second delete commits");
    assert!(!gone.pods.contains("web"));
    assert_eq!(
        kubelet("n1").step(&View::new(gone, Read::At(3)), &mut local),
        None
    );
}

#[test]
fn a_terminating_pod_held_by_finalizers_is_deleted_once() {
    let mut web = bound(pod("web", &[]), "n1");
    web.metadata.finalizers = vec!["example.com/hold".into()];
    let state = api::initial_state([node_1(), Object::Pod(web.clone())], 1);
    let deleted = api::apply(&state, &Operation::Delete(Object::Pod(web)), 2).unwrap();
    let mut local = LocalState::default();
    let op = kubelet("n1")
        .step(&View::new(deleted.clone(), Read::At(2)), &mut local)
        .unwrap();
    let held = api::apply(&deleted, &op, 3).unwrap();
    assert!(is_finished_with(&held.pods.get("web").unwrap().metadata));
    assert_eq!(
        kubelet("n1").step(&View::new(held, Read::At(3)), &mut local),
        None,
        "finished with: only its finalizers hold it"
    );
    assert!(local.running.is_empty());
}

#[test]
fn a_pod_gone_from_the_view_is_forgotten_locally() {
    let view = view_of(vec![node_1()]);
    let mut local = LocalState::default();
    local.running.insert("web".into(), running_pod("old-uid"));
    assert_eq!(kubelet("n1").step(&view, &mut local), None);
    assert!(local.running.is_empty());
}

#[test]
fn a_pod_replaced_under_the_same_name_is_restarted_with_its_new_uid() {
    let view = view_of(vec![node_1(), Object::Pod(bound(pod("web", &[]), "n1"))]);
    let mut local = LocalState::default();
    local.running.insert("web".into(), running_pod("old-uid"));
    let started = updated(kubelet("n1").step(&view, &mut local));
    assert_eq!(started.status.phase, PodPhase::Running);
    assert_eq!(local.running.get("web"), Some(&running_pod(&uid("web"))));
}

fn machine_with(cpu: i64) -> NodeMachine {
    NodeMachine {
        capacity: BTreeMap::from([
            ("cpu".to_string(), Quantity::units(cpu)),
            ("pods".to_string(), Quantity::units(2)),
        ]),
        ..NodeMachine::default()
    }
}

/// A scheduler and two nodes (1 and 2 cpu, 2 pods each) with pods `a`, `b`, `c` of 500m cpu.
fn small_cluster(environment: Vec<EnvironmentRule>) -> System {
    let spec = |kind: &str, name: &str, node: Option<NodeMachine>| ControllerSpec {
        kind: kind.into(),
        name: name.into(),
        node,
    };
    let config = ModelConfig {
        name: "two-nodes".into(),
        controllers: vec![
            spec("scheduler", "scheduler", None),
            spec("node", "node-1", Some(machine_with(1))),
            spec("node", "node-2", Some(machine_with(2))),
        ],
        environment,
        initial: ["a", "b", "c"]
            .into_iter()
            .map(|name| Object::Pod(pod(name, &[("cpu", "500m")])))
            .collect(),
        ..ModelConfig::default()
    };
    System::new(config).unwrap()
}

#[test]
fn a_small_cluster_schedules_and_runs_every_pod_to_a_fixed_point() {
    let system = small_cluster(Vec::new());
    let (state, taken) = run_to_fixed_point(&system, system.initial(), 100);
    assert!(taken.len() < 100, "a fixed point is reached");
    assert!(
        system.transitions(&state).is_empty(),
        "no controller has anything left to do"
    );
    let latest: StateView = state.latest();
    let names: Vec<&str> = latest
        .nodes
        .iter()
        .map(|n: &Node| n.metadata.name.as_str())
        .collect();
    assert_eq!(names, ["node-1", "node-2"]);
    for p in latest.pods.iter() {
        let node = p.spec.node_name.as_deref().expect("bound");
        assert!(p.is_running_and_ready(), "{} runs", p.metadata.name);
        let i = system.controller_index(node).unwrap();
        assert_eq!(
            state.locals[i]
                .running
                .get(&p.metadata.name)
                .map(|r| &r.uid),
            Some(&p.metadata.uid)
        );
    }
    let running: usize = state.locals.iter().map(|l| l.running.len()).sum();
    assert_eq!(running, 3, "each pod runs on exactly one node");
}

#[test]
fn exited_containers_in_a_small_cluster_finish_their_pod() {
    let rule = EnvironmentRule {
        op: EnvironmentOp::MarkContainers {
            succeeded: true,
            failed: true,
        },
        max: 2,
    };
    let system = small_cluster(vec![rule]);
    let (state, _) = run_to_fixed_point(&system, system.initial(), 100);
    let latest: StateView = state.latest();
    let on = |pod: &str| {
        latest
            .pods
            .get(pod)
            .unwrap()
            .spec
            .node_name
            .clone()
            .unwrap()
    };
    let mark = |pod: &str, exit_code: i32| Action::Environment {
        rule: 0,
        action: EnvironmentAction::MarkContainers {
            node: on(pod),
            pod: pod.into(),
            exit_code,
        },
    };
    let state = take_all(&system, state, &[mark("a", 0), mark("b", 1)]);
    let (state, taken) = run_to_fixed_point(&system, state, 100);
    assert!(taken.len() < 100, "a fixed point is reached");
    let latest: StateView = state.latest();
    let phase = |pod: &str| latest.pods.get(pod).unwrap().status.phase;
    assert_eq!(phase("a"), PodPhase::Succeeded);
    assert_eq!(phase("b"), PodPhase::Failed);
    assert!(latest.pods.get("c").unwrap().is_running_and_ready());
    let running: Vec<&String> = state.locals.iter().flat_map(|l| l.running.keys()).collect();
    assert_eq!(running, ["c"], "finished pods no longer run");
}
