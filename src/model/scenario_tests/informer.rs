//! The informer read path on hand-made interleavings: per-kind caches that lag on their own,
//! no reconcile before the caches synced, expectations, the staleness guard, relist.

use super::support::*;
use crate::model::environment::{EnvironmentOp, EnvironmentRule, Who};
use crate::model::history::{Consistency, ConsistencySetting, History, Read, Relist};
use crate::model::operation::Operation;
use crate::model::resources::*;
use crate::model::system::{Action, Outcome, Reduction, System, SystemState};

/// Deliveries as separate actions, as the hand-made interleavings spell them out.
const EXPLICIT: Reduction = Reduction {
    fold_deliveries: false,
    ..Reduction::ALL
};

fn informer(relist: Relist) -> ConsistencySetting {
    ConsistencySetting {
        relist,
        ..ConsistencySetting::of(Consistency::Informer)
    }
}

fn bare_pod(name: &str) -> Object {
    Object::Pod(Pod {
        metadata: Metadata::named(name),
        spec: template("x", "busybox:1").spec,
        ..Pod::default()
    })
}

/// Takes the only enabled step of controller `i`.
fn step(system: &System, state: &SystemState, i: usize) -> SystemState {
    let transitions = system.controller_transitions(state, i);
    assert_eq!(
        transitions.len(),
        1,
        "{} has exactly one read under informer",
        system.controller_name(i)
    );
    transitions.into_iter().next().unwrap().next
}

/// Moves controller `i`'s cache of `kind` to the latest revision's change point.
fn deliver(system: &System, state: &SystemState, i: usize, kind: Kind) -> SystemState {
    let revision = *system
        .cache_moves(state)
        .iter()
        .filter(|(c, k, _)| *c == i && *k == kind)
        .map(|(_, _, r)| r)
        .max()
        .expect("a move is enabled");
    system
        .take(
            state,
            &Action::Cache {
                controller: i,
                kind,
                revision,
            },
        )
        .expect("enabled")
        .next
}

#[test]
fn a_step_reads_each_kind_at_its_own_cache_revision() {
    let mut config = config(
        Consistency::Informer,
        vec![controller("scheduler"), node("node-1")],
        vec![bare_pod("p")],
    );
    config.consistency = informer(Relist::Latest);
    let system = System::new(config).unwrap().with_reduction(EXPLICIT);
    let state = system.initial();
    // node-1 joins: r2 has its Node.
    let state = step(&system, &state, 1);
    assert!(state.latest().nodes.contains("node-1"));
    // The scheduler's caches stand at r1: no node, so nothing to do.
    assert!(system.controller_transitions(&state, 0).is_empty());
    let state = deliver(&system, &state, 0, Kind::Node);
    let t = system.controller_transitions(&state, 0).remove(0);
    let Action::Step { read, .. } = &t.action else {
        panic!("a step")
    };
    assert_eq!(read.revision_of(Kind::Node), Some(2));
    assert_eq!(read.revision_of(Kind::Pod), Some(1));
    assert!(
        matches!(t.outcome, Outcome::Wrote { .. }),
        "binds p to node-1"
    );
}

#[test]
fn no_reconcile_before_the_caches_synced() {
    let mut config = config(
        Consistency::Informer,
        vec![controller("scheduler"), node("node-1")],
        vec![bare_pod("p")],
    );
    config.consistency = informer(Relist::Latest);
    config.environment = vec![EnvironmentRule {
        op: EnvironmentOp::RestartController { who: Who::All },
        max: 1,
    }];
    let system = System::new(config).unwrap().with_reduction(EXPLICIT);
    let state = step(&system, &system.initial(), 1);
    let restart = environment(&system, &state, "restart scheduler");
    let state = system.take(&state, &restart).unwrap().next;
    assert!(system.readable(&state, 0).is_empty(), "no caches, no read");
    assert!(system.controller_transitions(&state, 0).is_empty());
    let state = deliver(&system, &state, 0, Kind::Node);
    assert!(system.readable(&state, 0).is_empty(), "pods not listed yet");
    let state = deliver(&system, &state, 0, Kind::Pod);
    assert_eq!(system.readable(&state, 0).len(), 1);
    assert!(!system.controller_transitions(&state, 0).is_empty());
}

fn replicaset_system(expectations: bool, staleness_guard: bool) -> System {
    let mut rs = ReplicaSet::default();
    rs.metadata.name = "rs".into();
    rs.spec.replicas = Some(2);
    rs.spec.selector = selector("rs");
    rs.spec.template = template("rs", "nginx:1");
    let mut config = config(
        Consistency::Informer,
        vec![controller("replicaset")],
        vec![Object::ReplicaSet(rs)],
    );
    config.environment = vec![EnvironmentRule {
        op: EnvironmentOp::ExpireExpectations { who: Who::All },
        max: 1,
    }];
    config.guards.expectations = expectations;
    config
        .guards
        .staleness_guard
        .insert("replicaset".into(), staleness_guard);
    System::new(config).unwrap().with_reduction(EXPLICIT)
}

fn creates_pod(system: &System, state: &SystemState) -> bool {
    system.controller_transitions(state, 0).iter().any(|t| {
        matches!(&t.outcome, Outcome::Wrote { operation: Operation::Create(o), .. } if o.kind() == Kind::Pod)
    })
}

#[test]
fn expectations_hold_back_a_second_create_until_the_pod_cache_shows_the_first() {
    let system = replicaset_system(true, false);
    let state = step(&system, &system.initial(), 0);
    assert_eq!(state.latest().pods.len(), 1);
    assert!(state.locals[0].expects("ReplicaSet/rs"));
    // Its pod cache still shows no pod, yet it does not create another.
    assert!(!creates_pod(&system, &state));
    let caught_up = deliver(&system, &state, 0, Kind::Pod);
    assert!(creates_pod(&system, &caught_up));
    // The expectations expire (the 5-minute TTL): it creates from the stale cache.
    let expire = environment(&system, &state, "expire the expectations of replicaset");
    let expired = system.take(&state, &expire).unwrap().next;
    assert!(creates_pod(&system, &expired));
}

#[test]
fn relist_any_revision_lets_a_restarted_node_see_a_deleted_pod_and_latest_never() {
    for (relist, sees_it) in [(Relist::AnyRevision, true), (Relist::Latest, false)] {
        let mut config = config(
            Consistency::Informer,
            vec![node("node-1")],
            vec![bare_pod("p")],
        );
        config.consistency = informer(relist);
        config.environment = vec![EnvironmentRule {
            op: EnvironmentOp::RestartNode { who: Who::All },
            max: 1,
        }];
        let system = System::new(config).unwrap().with_reduction(EXPLICIT);
        // node-1 joins (r2); p is bound to it and deleted by someone else (r3, r4): built by
        // hand as API writes through the history.
        let mut state = step(&system, &system.initial(), 0);
        let mut bound = state.latest().pods.get("p").unwrap().clone();
        bound.spec.node_name = Some("node-1".into());
        state = write(&system, state, Operation::Update(Object::Pod(bound)));
        let p = state.latest().pods.get("p").unwrap().clone();
        state = write(&system, state, Operation::ForceDelete(Object::Pod(p)));
        assert!(state.latest().pods.is_empty());
        let restart = environment(&system, &state, "restart node node-1");
        let state = system.take(&state, &restart).unwrap().next;
        let listed_with_p = system.cache_moves(&state).iter().any(|(_, kind, r)| {
            *kind == Kind::Pod
                && state
                    .history
                    .state(&Read::At(*r))
                    .is_some_and(|s| s.pods.get("p").is_some_and(|p| p.spec.node_name.is_some()))
        });
        assert_eq!(listed_with_p, sees_it, "relist {relist:?}");
    }
}

/// Commits a write as a person would, onto the latest revision.
fn write(system: &System, mut state: SystemState, operation: Operation) -> SystemState {
    let _ = system;
    let read = Read::At(state.history.latest());
    state
        .history
        .commit(&crate::model::history::Change {
            operation: &operation,
            read: &read,
            read_kinds: KindSet::EMPTY,
            mode: crate::model::history::CommitMode::Kubernetes,
        })
        .expect("the write applies");
    state
}

#[test]
fn the_staleness_guard_holds_back_a_second_create_with_expectations_off() {
    let system = replicaset_system(false, true);
    let state = step(&system, &system.initial(), 0);
    assert!(!state.locals[0].expects("ReplicaSet/rs"));
    assert!(state.locals[0].is_stale_for("ReplicaSet/rs"));
    assert!(!creates_pod(&system, &state), "the guard skips the sync");
    let caught_up = deliver(&system, &state, 0, Kind::Pod);
    assert!(creates_pod(&system, &caught_up));
}

#[test]
fn without_either_guard_a_stale_pod_cache_creates_one_pod_too_many() {
    let system = replicaset_system(false, false);
    let state = step(&system, &system.initial(), 0);
    let state = step(&system, &state, 0);
    let state = step(&system, &state, 0);
    assert_eq!(state.latest().pods.len(), 3, "replicas is 2");
}

#[test]
fn the_exported_graph_shows_where_each_cache_stands() {
    let mut config = config(
        Consistency::Informer,
        vec![controller("scheduler"), node("node-1")],
        vec![bare_pod("p")],
    );
    config.consistency = informer(Relist::Latest);
    let system = System::new(config).unwrap().with_reduction(EXPLICIT);
    let state = step(&system, &system.initial(), 1);
    let state = deliver(&system, &state, 0, Kind::Node);
    let graph = system.history_graph(&state);
    let (name, caches) = &graph.caches[0];
    assert_eq!(name, "scheduler");
    assert_eq!(caches, &vec![(Kind::Node, 2), (Kind::Pod, 1)]);
    assert_eq!(graph.latest, 2);
    assert_eq!(graph.readable[0].1.len(), 1);
}
