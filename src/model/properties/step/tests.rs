//! Each step property and each new state property failing on a hand-made step or state, and
//! holding on the steps Kubernetes' controllers take.

use super::super::{Property, by_id};
use crate::model::config::{ModelConfig, parse_model};
use crate::model::controllers::ControllerSpec;
use crate::model::history::{Change, CommitMode, History, Read};
use crate::model::operation::Operation;
use crate::model::resources::*;
use crate::model::system::{System, SystemState};

const NODE_OPERATIONS: &str =
    include_str!("../../../../tests/fixtures/models/node-operations.yaml");

fn node_operations() -> System {
    let config = parse_model(NODE_OPERATIONS, "node-operations.yaml", &|_| {
        Err("no includes".into())
    })
    .expect("the model loads")
    .config;
    System::new(config).unwrap()
}

fn bare(initial: Vec<Object>) -> System {
    System::new(ModelConfig {
        controllers: vec![ControllerSpec {
            kind: "job".into(),
            name: "job".into(),
            node: None,
        }],
        initial,
        ..ModelConfig::default()
    })
    .unwrap()
}

/// Commits a write made from the latest revision, as the environment does (no writer).
fn commit(state: &mut SystemState, op: Operation) {
    let read = Read::At(state.history.latest());
    let change = Change {
        operation: &op,
        read: &read,
        read_kinds: Default::default(),
        mode: CommitMode::Kubernetes,
    };
    state.history.commit(&change).unwrap();
}

fn property(id: &str) -> &'static Property {
    by_id(id).unwrap()
}

fn holds(system: &System, state: &SystemState, id: &str) -> bool {
    (property(id).check)(system, state)
}

fn the_pod(state: &SystemState) -> Pod {
    state.latest().pods.iter().next().unwrap().clone()
}

#[test]
fn a1_fails_on_a_binding_to_a_deleted_node_and_holds_on_one_to_a_node_that_exists() {
    let system = node_operations();
    let mut state = system.initial();
    assert!(holds(&system, &state, "A1"));
    let mut pod = Pod {
        metadata: Metadata::named("extra"),
        ..Pod::default()
    };
    pod.spec.containers.push(Container {
        name: "c".into(),
        image: "nginx:1".into(),
        ..Container::default()
    });
    commit(&mut state, Operation::Create(pod.into_object()));
    let unbound = state.latest().pods.get("extra").unwrap().clone();
    let node_2 = state.latest().nodes.get("node-2").unwrap().clone();
    commit(&mut state, Operation::ForceDelete(Object::Node(node_2)));
    let mut to_existing = state.clone();
    let mut to_missing = state.clone();
    for (s, node) in [(&mut to_existing, "node-1"), (&mut to_missing, "node-2")] {
        let mut bound = unbound.clone();
        bound.spec.node_name = Some(node.into());
        commit(s, Operation::Update(bound.into_object()));
    }
    assert!(holds(&system, &to_existing, "A1"));
    assert!(!holds(&system, &to_missing, "A1"));
}

fn job(finished: bool) -> Job {
    let mut j = Job {
        metadata: Metadata::named("pi"),
        ..Job::default()
    };
    j.spec.completions = Some(1);
    j.spec.template.spec.containers.push(Container {
        name: "pi".into(),
        image: "perl".into(),
        ..Container::default()
    });
    if finished {
        j.status
            .conditions
            .push(Condition::new("Complete", true, ""));
        j.status.succeeded = 1;
    }
    j
}

fn job_pod(state: &SystemState) -> Object {
    let owner = state.latest().jobs.get("pi").unwrap().metadata.clone();
    let mut pod = Pod {
        metadata: Metadata::named("pi-x"),
        ..Pod::default()
    };
    pod.metadata
        .owner_references
        .push(OwnerReference::controller_of(Kind::Job, &owner));
    pod.into_object()
}

#[test]
fn a2_fails_when_a_finished_job_gets_a_pod_and_holds_for_a_running_job() {
    for finished in [false, true] {
        let system = bare(vec![job(finished).into_object()]);
        let mut state = system.initial();
        let pod = job_pod(&state);
        commit(&mut state, Operation::Create(pod));
        assert_eq!(
            holds(&system, &state, "A2"),
            !finished,
            "finished: {finished}"
        );
    }
}

#[test]
fn a3_fails_on_a_forced_deletion_of_a_running_pod_and_holds_on_a_graceful_one() {
    let system = node_operations();
    let start = system.initial();
    let pod = the_pod(&start);
    let node = system
        .controller_index(pod.spec.node_name.as_deref().unwrap())
        .unwrap();
    assert!(start.locals[node].running.contains_key(&pod.metadata.name));
    let mut forced = start.clone();
    commit(
        &mut forced,
        Operation::ForceDelete(pod.clone().into_object()),
    );
    assert!(!holds(&system, &forced, "A3"));
    let mut graceful = start.clone();
    commit(&mut graceful, Operation::Delete(pod.clone().into_object()));
    assert!(holds(&system, &graceful, "A3"));
    // A machine gone for good runs nothing: the forced deletion of what it left is allowed.
    let mut gone = start.clone();
    std::sync::Arc::make_mut(&mut gone.locals[node]).running = Default::default();
    commit(&mut gone, Operation::ForceDelete(pod.into_object()));
    assert!(holds(&system, &gone, "A3"));
}

#[test]
fn j1_fails_when_uncounted_successes_overflow_completions() {
    for (uncounted, expected) in [(vec![], true), (vec!["u".to_string()], false)] {
        let mut j = job(true);
        j.status.uncounted_terminated_pods = Some(UncountedTerminatedPods {
            succeeded: uncounted,
            ..UncountedTerminatedPods::default()
        });
        let system = bare(vec![j.into_object()]);
        assert_eq!(holds(&system, &system.initial(), "J1"), expected);
    }
}

#[test]
fn s1_fails_on_two_revisions_of_one_template_or_one_number() {
    let set = StatefulSet {
        metadata: Metadata::named("web"),
        ..StatefulSet::default()
    };
    let system = bare(vec![set.into_object()]);
    let start = system.initial();
    let owner = start
        .latest()
        .statefulsets
        .get("web")
        .unwrap()
        .metadata
        .clone();
    let revision = |name: &str, image: &str, number: i64| {
        let mut cr = ControllerRevision {
            metadata: Metadata::named(name),
            revision: number,
            ..ControllerRevision::default()
        };
        cr.metadata
            .owner_references
            .push(OwnerReference::controller_of(Kind::StatefulSet, &owner));
        cr.data.spec.containers.push(Container {
            name: "nginx".into(),
            image: image.into(),
            ..Container::default()
        });
        cr.into_object()
    };
    for (second, expected) in [
        (revision("web-b", "nginx:2", 2), true),
        (revision("web-b", "nginx:1", 2), false),
        (revision("web-b", "nginx:2", 1), false),
    ] {
        let mut state = start.clone();
        commit(
            &mut state,
            Operation::Create(revision("web-a", "nginx:1", 1)),
        );
        commit(&mut state, Operation::Create(second));
        assert_eq!(holds(&system, &state, "S1"), expected);
    }
}

#[test]
fn n1_fails_while_a_pod_is_bound_to_a_missing_node() {
    let system = node_operations();
    let mut state = system.initial();
    assert!(holds(&system, &state, "N1"));
    let pod = the_pod(&state);
    let node = state
        .latest()
        .nodes
        .get(pod.spec.node_name.as_deref().unwrap())
        .unwrap()
        .clone();
    commit(&mut state, Operation::ForceDelete(Object::Node(node)));
    assert!(!holds(&system, &state, "N1"));
}
