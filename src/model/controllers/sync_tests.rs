//! Multi-write syncs at the controller: the writes one sync decides from one read, and each
//! controller's reaction to each write result.

use super::sync::{MAX_SYNC_WRITES, Reaction, WriteResult, rebase, sync_writes};
use super::{ControllerSpec, LocalState, REGISTRY};
use crate::model::api::{self, ApplyError};
use crate::model::config::parse_model;
use crate::model::history::{Read, Rejection};
use crate::model::operation::Operation;
use crate::model::resources::{Kind, Object};
use crate::model::view::View;

/// The writes of one sync of `kind` from the resources of a model text, read at revision 1.
fn sync_of(kind: &str, resources: &str) -> Vec<Operation> {
    let text = format!("name: t\nresources:\n{resources}");
    let config = parse_model(&text, "t.yaml", &|_| Err("no includes".into()))
        .expect("the model loads")
        .config;
    let state = api::initial_state(config.initial, 1);
    let registration = super::registration(kind).unwrap();
    let controller = (registration.build)(&ControllerSpec {
        kind: kind.into(),
        name: kind.into(),
        node: None,
    });
    let view = View::new(state, Read::At(1));
    let mut local = LocalState::default();
    let Some(first) = controller.step(&view, &mut local) else {
        return Vec::new();
    };
    sync_writes(&*controller, &view, &local, first).0
}

fn described(ops: &[Operation]) -> Vec<String> {
    ops.iter()
        .map(|op| format!("{} {}", op.verb(), op.kind().name()))
        .collect()
}

const REPLICASET: &str = r#"
  - apiVersion: apps/v1
    kind: ReplicaSet
    metadata: {name: web, labels: {app: web}}
    spec:
      replicas: 3
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: nginx, image: "nginx:1"}]}
"#;

fn statefulset(policy: &str) -> String {
    format!(
        r#"
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {{name: web}}
    spec:
      replicas: 3
      serviceName: web
      podManagementPolicy: {policy}
      selector: {{matchLabels: {{app: web}}}}
      template:
        metadata: {{labels: {{app: web}}}}
        spec: {{containers: [{{name: nginx, image: "nginx:1"}}]}}
"#
    )
}

const JOB_WITH_A_SUCCEEDED_POD: &str = r#"
  - apiVersion: batch/v1
    kind: Job
    metadata: {name: pi, uid: job-pi}
    spec:
      completions: 2
      parallelism: 1
      selector: {matchLabels: {app: pi}}
      template:
        metadata: {labels: {app: pi}}
        spec: {containers: [{name: pi, image: "perl:5"}]}
  - apiVersion: v1
    kind: Pod
    metadata:
      name: pi-a
      labels: {app: pi}
      finalizers: [batch.kubernetes.io/job-tracking]
      ownerReferences: [{apiVersion: batch/v1, kind: Job, name: pi, uid: job-pi, controller: true}]
    spec: {nodeName: node-1, containers: [{name: pi, image: "perl:5"}]}
    status: {phase: Succeeded}
"#;

#[test]
fn a_replicaset_sync_creates_every_missing_pod_then_writes_its_status() {
    let ops = sync_of("replicaset", REPLICASET);
    assert_eq!(
        described(&ops[..3]),
        ["create Pod", "create Pod", "create Pod"],
        "{ops:?}"
    );
    assert!(
        ops[3..].iter().all(|op| op.kind() == Kind::ReplicaSet),
        "{ops:?}"
    );
    assert!(ops.len() <= MAX_SYNC_WRITES);
}

#[test]
fn a_parallel_statefulset_creates_its_pods_in_one_sync_and_an_ordered_one_only_the_first() {
    let parallel = sync_of("statefulset", &statefulset("Parallel"));
    let ordered = sync_of("statefulset", &statefulset("OrderedReady"));
    let pods = |ops: &[Operation]| {
        ops.iter()
            .filter(|op| matches!(op, Operation::Create(Object::Pod(_))))
            .count()
    };
    assert_eq!(pods(&parallel), 3, "{parallel:?}");
    assert_eq!(pods(&ordered), 1, "{ordered:?}");
}

#[test]
fn a_job_sync_records_a_finished_pod_removes_its_finalizer_and_counts_it() {
    let ops = sync_of("job", JOB_WITH_A_SUCCEEDED_POD);
    // The missing active pod first (parallelism 1), then trackJobStatusAndRemoveFinalizers.
    assert_eq!(
        described(&ops),
        ["create Pod", "update Job", "update Pod", "update Job"],
        "{ops:?}"
    );
    let Operation::Update(Object::Job(recorded)) = &ops[1] else {
        unreachable!()
    };
    let uncounted = recorded.status.uncounted_terminated_pods.as_ref().unwrap();
    assert_eq!(uncounted.succeeded.len(), 1);
    let Operation::Update(Object::Job(counted)) = &ops[3] else {
        unreachable!()
    };
    assert_eq!(counted.status.succeeded, 1);
    // The second status write is of the object the first wrote: committed, it goes from the
    // revision the first was stored at.
    let mut rest = ops[2..].to_vec();
    rebase(&mut rest, &ops[1], 7);
    assert_eq!(rest[1].object().metadata().resource_version, 7);
    assert_ne!(
        rest[0].object().metadata().resource_version,
        7,
        "another object"
    );
}

#[test]
fn each_refusal_reaches_the_writer_as_kubernetes_clients_see_it() {
    let cases = [
        (
            ApplyError::AlreadyExists {
                kind: Kind::Pod,
                name: "a".into(),
            },
            WriteResult::AlreadyExists,
        ),
        (
            ApplyError::Conflict {
                kind: Kind::Job,
                name: "a".into(),
                sent: 1,
                stored: 2,
            },
            WriteResult::Conflict,
        ),
        (
            ApplyError::UidMismatch {
                kind: Kind::Pod,
                name: "a".into(),
                sent: "x".into(),
                stored: "y".into(),
            },
            WriteResult::Conflict,
        ),
        (
            ApplyError::NotFound {
                kind: Kind::Pod,
                name: "a".into(),
            },
            WriteResult::NotFound,
        ),
    ];
    for (error, result) in cases {
        assert_eq!(WriteResult::of_error(&error), result, "{error}");
        assert_eq!(WriteResult::of_rejection(&Rejection::Apply(error)), result);
    }
    let terminating = ApplyError::Terminating {
        kind: Kind::Pod,
        name: "a".into(),
    };
    assert!(matches!(
        WriteResult::of_error(&terminating),
        WriteResult::Invalid(reason) if reason.contains("terminating")
    ));
    assert_eq!(
        WriteResult::of_rejection(&Rejection::StaleRead { kind: Kind::Pod }),
        WriteResult::Conflict
    );
}

#[test]
fn every_controller_goes_on_after_a_stored_write_and_ends_its_sync_on_an_error() {
    let results = [
        (WriteResult::Stored(5), Reaction::Continue),
        (WriteResult::AlreadyExists, Reaction::EndSync),
        (WriteResult::Conflict, Reaction::EndSync),
        (WriteResult::NotFound, Reaction::EndSync),
        (WriteResult::Invalid("bad".into()), Reaction::EndSync),
    ];
    let write = sync_of("replicaset", REPLICASET).remove(0);
    for registration in REGISTRY {
        let controller = (registration.build)(&ControllerSpec {
            kind: registration.kind.into(),
            name: "node-1".into(),
            node: None,
        });
        for (result, reaction) in &results {
            let mut local = LocalState::default();
            let heard = controller.observe(&write, result, &mut local);
            assert_eq!(heard, *reaction, "{} on {result:?}", registration.kind);
            // A create that failed raised no expectation: the controller waits for no pod.
            assert!(local.expectations.is_empty(), "{}", registration.kind);
        }
        let single = matches!(registration.kind, "scheduler" | "node");
        assert_eq!(controller.single_write(), single, "{}", registration.kind);
    }
}
