//! Multi-write syncs in the transition system: a sync's writes committed one by one, other
//! actions in between, each result heard, and a restart between two writes losing the rest.

use super::*;
use crate::model::config::{Syncs, parse_model};

const MODEL: &str = r#"
name: sync-test
start: initial
consistency: synchronous
commit: kubernetes
controllers:
  nodes: {count: 1, capacity: {cpu: "4", memory: 8Gi, pods: 8}}
  scheduler: 1
  replicaset: 1
environment:
  - restart-controller: replicaset
    max: 1
  - scale: ReplicaSet/web
    replicas: [1]
    max: 1
checker: {strategy: bfs, max-depth: 10}
resources:
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata:
      name: web
      labels: {app: web}
    spec:
      replicas: 3
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web}
        spec:
          containers:
            - name: nginx
              image: "nginx:1"
"#;

fn system(syncs: Syncs) -> System {
    let mut config = parse_model(MODEL, "sync-test.yaml", &|_| Err("no includes".into()))
        .expect("the model loads")
        .config;
    config.syncs = syncs;
    System::new(config).unwrap()
}

/// The replicaset's step from the latest revision.
fn replicaset_step(system: &System, state: &SystemState) -> Transition {
    let rs = system.controller_index("replicaset").unwrap();
    let read = system.readable(state, rs).into_iter().last().unwrap();
    system
        .step_controller(state, rs, read)
        .expect("the replicaset syncs")
}

fn pods(state: &SystemState) -> usize {
    state.latest().pods.len()
}

#[test]
fn a_multi_write_sync_commits_its_writes_one_by_one_with_other_actions_in_between() {
    let system = system(Syncs::MultiWrite);
    let rs = system.controller_index("replicaset").unwrap();
    let node = system.controller_index("node-1").unwrap();
    let start = system.initial();
    let first = replicaset_step(&system, &start);
    assert!(matches!(first.outcome, Outcome::Wrote { .. }));
    assert_eq!(pods(&first.next), 1);
    // The other two creations of the sync wait, decided from the one read, and its status.
    let pending = &first.next.locals[rs].pending;
    assert_eq!(pending.len(), 3, "{pending:?}");
    assert!(
        pending[..2]
            .iter()
            .all(|op| matches!(op, Operation::Create(_)))
    );
    assert_eq!(pending[2].kind(), Kind::ReplicaSet);
    // While its sync is under way the replicaset offers only the next write.
    let offered: Vec<Action> = system
        .controller_transitions(&first.next, rs)
        .into_iter()
        .map(|t| t.action)
        .collect();
    assert_eq!(offered, vec![Action::Continue { controller: rs }]);
    // Another controller acts in between: the node registers its Node.
    let bind = system
        .controller_transitions(&first.next, node)
        .into_iter()
        .find(|t| matches!(&t.outcome, Outcome::Wrote { operation, .. } if operation.kind() == Kind::Node))
        .expect("the node registers");
    let second = system
        .take(&bind.next, &Action::Continue { controller: rs })
        .unwrap();
    assert_eq!(pods(&second.next), 2);
    assert_eq!(second.next.locals[rs].pending.len(), 2);
    let third = system
        .take(&second.next, &Action::Continue { controller: rs })
        .unwrap();
    assert_eq!(pods(&third.next), 3);
    let status = system
        .take(&third.next, &Action::Continue { controller: rs })
        .unwrap();
    assert!(
        matches!(status.outcome, Outcome::Wrote { .. }),
        "{}",
        status.outcome
    );
    let third = status;
    assert!(third.next.locals[rs].pending.is_empty());
    let err = system
        .take(&third.next, &Action::Continue { controller: rs })
        .unwrap_err();
    assert_eq!(err, NotEnabled::NoSyncUnderWay("replicaset".into()));
    // The actions serialise in traces and read back.
    let text = serde_json::to_string(&Action::Continue { controller: rs }).unwrap();
    assert_eq!(text, format!(r#"{{"type":"continue","controller":{rs}}}"#));
    assert_eq!(
        serde_json::from_str::<Action>(&text).unwrap(),
        Action::Continue { controller: rs }
    );
}

#[test]
fn a_restart_between_two_writes_of_a_sync_loses_the_rest() {
    let system = system(Syncs::MultiWrite);
    let rs = system.controller_index("replicaset").unwrap();
    let first = replicaset_step(&system, &system.initial());
    assert_eq!(first.next.locals[rs].pending.len(), 3);
    let restart = system
        .transitions(&first.next)
        .into_iter()
        .find(|t| {
            matches!(&t.action, Action::Environment { action, .. }
                if matches!(action, EnvironmentAction::RestartController { .. }))
        })
        .expect("the restart is offered mid-sync");
    assert!(restart.next.locals[rs].pending.is_empty());
    assert_eq!(pods(&restart.next), 1, "the rest of the sync is lost");
    assert!(
        system
            .take(&restart.next, &Action::Continue { controller: rs })
            .is_err()
    );
    // The restarted controller syncs afresh from a new read: two more pods (one now, one
    // pending) and its status, as one new sync.
    let again = replicaset_step(&system, &restart.next);
    assert_eq!(pods(&again.next), 2);
    assert_eq!(again.next.locals[rs].pending.len(), 2);
}

#[test]
fn a_write_rejected_mid_sync_ends_the_sync_and_the_controller_hears_it() {
    let system = system(Syncs::MultiWrite);
    let rs = system.controller_index("replicaset").unwrap();
    let mut state = system.initial();
    // Run the creations to the status write, then let the scale change the ReplicaSet before
    // the status write is sent: it goes from a stale resourceVersion and is refused.
    let mut t = replicaset_step(&system, &state);
    while t.next.locals[rs]
        .pending
        .first()
        .is_some_and(|op| op.kind() == Kind::Pod)
    {
        t = system
            .take(&t.next, &Action::Continue { controller: rs })
            .unwrap();
    }
    state = t.next;
    let pending = state.locals[rs].pending.clone();
    assert!(
        pending
            .first()
            .is_some_and(|op| op.kind() == Kind::ReplicaSet),
        "a status write follows the creations: {pending:?}"
    );
    let scale = system
        .transitions(&state)
        .into_iter()
        .find(|t| {
            matches!(&t.action, Action::Environment { action, .. }
                if matches!(action, EnvironmentAction::Scale { .. }))
        })
        .expect("the scale is offered mid-sync");
    let status = system
        .take(&scale.next, &Action::Continue { controller: rs })
        .unwrap();
    let Outcome::Rejected { reason, .. } = &status.outcome else {
        panic!("the stale status write is refused: {}", status.outcome);
    };
    assert_eq!(
        crate::model::controllers::WriteResult::of_rejection(reason),
        crate::model::controllers::WriteResult::Conflict
    );
    assert!(status.next.locals[rs].pending.is_empty(), "the sync ended");
    // Requeued: the next step syncs from a new read.
    assert!(!system.controller_transitions(&status.next, rs).is_empty());
}

#[test]
fn one_write_syncs_keep_the_state_space_and_hashes_of_before() {
    let one = system(Syncs::OneWrite);
    let rs = one.controller_index("replicaset").unwrap();
    let first = replicaset_step(&one, &one.initial());
    assert!(first.next.locals[rs].pending.is_empty());
    assert_eq!(pods(&first.next), 1);
    // The pending writes are part of the state: the same step under multi-write leaves
    // another state.
    let hash = |l: &LocalState| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        l.hash(&mut h);
        h.finish()
    };
    let multi = system(Syncs::MultiWrite);
    let t = replicaset_step(&multi, &multi.initial());
    assert_ne!(hash(&t.next.locals[rs]), hash(&first.next.locals[rs]));
    // The whole space differs only under multi-write; checked both ways.
    let count = |s: &System| {
        let mut seen = std::collections::HashSet::new();
        let mut frontier = vec![s.initial()];
        for _ in 0..6 {
            let mut next = Vec::new();
            for state in frontier {
                for t in s.transitions(&state) {
                    if seen.insert(s.fingerprint(&t.next)) {
                        next.push(t.next);
                    }
                }
            }
            frontier = next;
        }
        seen.len()
    };
    assert!(count(&multi) != count(&one));
}
