//! Every apply rule, accepted and rejected; a rejection leaves the state and its fingerprint as
//! they were.

use super::*;

// ---------------------------------------------------------------- fixtures

fn pod(name: &str, image: &str) -> Pod {
    let mut p = Pod {
        metadata: Metadata::named(name),
        ..Pod::default()
    };
    p.spec.containers.push(Container {
        name: "c".into(),
        image: image.into(),
        ..Container::default()
    });
    p
}

fn job(name: &str, finalizers: &[&str]) -> Job {
    let mut j = Job {
        metadata: Metadata::named(name),
        ..Job::default()
    };
    j.metadata.finalizers = finalizers.iter().map(|f| f.to_string()).collect();
    j.spec.template.spec.containers.push(Container {
        name: "c".into(),
        image: "i".into(),
        ..Container::default()
    });
    j.spec.template.spec.restart_policy = Some("Never".into());
    j
}

/// Applies an operation that must be accepted.
fn accepted(state: &StateView, operation: &Operation, revision: Revision) -> StateView {
    let before = state.clone();
    let next =
        apply(state, operation, revision).unwrap_or_else(|e| panic!("{operation} rejected: {e}"));
    assert_eq!(*state, before, "the input state is untouched");
    next
}

/// Applies an operation that must be rejected, checking the state and its fingerprint are
/// unchanged.
fn rejected(state: &StateView, operation: &Operation, revision: Revision) -> ApplyError {
    let before = state.clone();
    let fingerprint = state.fingerprint();
    let err = apply(state, operation, revision).expect_err("the operation must be rejected");
    assert_eq!(*state, before);
    assert_eq!(state.fingerprint(), fingerprint);
    err
}

fn stored_pod(state: &StateView, name: &str) -> Pod {
    state.of::<Pod>().get(name).expect("pod stored").clone()
}

fn stored_job(state: &StateView, name: &str) -> Job {
    state.of::<Job>().get(name).expect("job stored").clone()
}

/// A state holding `p` as the API server created it at r2.
fn with_pod(p: Pod) -> StateView {
    accepted(&StateView::new(), &Operation::Create(Object::Pod(p)), 2)
}

/// A pod bound to a node and running.
fn running_bound(name: &str) -> Pod {
    let mut p = pod(name, "v1");
    p.spec.node_name = Some("n1".into());
    p.status.phase = PodPhase::Running;
    p
}

fn update(p: Pod) -> Operation {
    Operation::Update(Object::Pod(p))
}

fn delete(p: Pod) -> Operation {
    Operation::Delete(Object::Pod(p))
}

// ---------------------------------------------------------------- create

#[test]
fn create_with_a_name_fills_uid_generation_and_resource_version() {
    let mut sent = pod("web-0", "v1");
    sent.metadata.uid = "forged".into();
    sent.metadata.generation = 7;
    sent.metadata.resource_version = 99;
    sent.metadata.deletion_timestamp = Some(1);
    let state = accepted(&StateView::new(), &Operation::Create(Object::Pod(sent)), 3);
    let p = stored_pod(&state, "web-0");
    assert_eq!(p.metadata.uid, uid_for(Kind::Pod, 3, "web-0"));
    assert_eq!(p.metadata.generation, 1);
    assert_eq!(p.metadata.resource_version, 3);
    assert_eq!(p.metadata.deletion_timestamp, None);
    assert_eq!(p.spec.containers[0].image, "v1");
}

#[test]
fn create_with_generate_name_names_it_from_the_revision() {
    let mut sent = pod("", "v1");
    sent.metadata.generate_name = "web-".into();
    let state = accepted(&StateView::new(), &Operation::Create(Object::Pod(sent)), 5);
    assert_eq!(state.names(Kind::Pod), vec!["web-5"]);
    let p = stored_pod(&state, "web-5");
    assert_eq!(p.metadata.uid, uid_for(Kind::Pod, 5, "web-5"));
    assert_eq!(p.metadata.generate_name, "web-");
    assert_eq!((p.metadata.generation, p.metadata.resource_version), (1, 5));
}

#[test]
fn create_without_a_name_or_generate_name_is_invalid() {
    let err = rejected(
        &StateView::new(),
        &Operation::Create(Object::Pod(pod("", "v1"))),
        2,
    );
    assert!(
        matches!(
            err,
            ApplyError::Invalid {
                kind: Kind::Pod,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn create_of_an_existing_name_is_rejected() {
    let state = with_pod(pod("web-0", "v1"));
    let err = rejected(
        &state,
        &Operation::Create(Object::Pod(pod("web-0", "v2"))),
        3,
    );
    assert_eq!(
        err,
        ApplyError::AlreadyExists {
            kind: Kind::Pod,
            name: "web-0".into()
        }
    );
    // The same name in another kind is another object.
    let state = accepted(
        &state,
        &Operation::Create(Object::Job(job("web-0", &[]))),
        3,
    );
    assert_eq!(state.len(), 2);
}

// ---------------------------------------------------------------- update

#[test]
fn update_with_a_stale_resource_version_is_a_conflict() {
    let state = with_pod(pod("p", "v1"));
    let read = stored_pod(&state, "p");
    let mut first = read.clone();
    first.spec.containers[0].image = "v2".into();
    let state = accepted(&state, &update(first), 3);
    let mut stale = read;
    stale.spec.containers[0].image = "v3".into();
    let err = rejected(&state, &update(stale), 4);
    assert_eq!(
        err,
        ApplyError::Conflict {
            kind: Kind::Pod,
            name: "p".into(),
            sent: 2,
            stored: 3
        }
    );
}

#[test]
fn update_of_another_object_of_the_same_name_is_a_uid_mismatch() {
    let state = with_pod(pod("p", "v1"));
    let mut other = stored_pod(&state, "p");
    other.metadata.uid = "pods-1-p".into();
    let err = rejected(&state, &update(other), 3);
    assert!(matches!(err, ApplyError::UidMismatch { .. }), "{err}");
}

#[test]
fn update_of_a_missing_object_is_not_found() {
    let err = rejected(&StateView::new(), &update(pod("p", "v1")), 2);
    assert_eq!(
        err,
        ApplyError::NotFound {
            kind: Kind::Pod,
            name: "p".into()
        }
    );
}

#[test]
fn a_spec_change_bumps_generation_a_status_change_does_not() {
    let state = with_pod(pod("p", "v1"));
    let mut status_only = stored_pod(&state, "p");
    status_only.status.phase = PodPhase::Running;
    let state = accepted(&state, &update(status_only), 3);
    let p = stored_pod(&state, "p");
    assert_eq!((p.metadata.generation, p.metadata.resource_version), (1, 3));
    assert_eq!(p.status.phase, PodPhase::Running);

    let mut spec = p;
    spec.spec.containers[0].image = "v2".into();
    let state = accepted(&state, &update(spec), 4);
    let p = stored_pod(&state, "p");
    assert_eq!((p.metadata.generation, p.metadata.resource_version), (2, 4));
}

#[test]
fn update_keeps_what_the_api_server_owns() {
    let state = with_pod(pod("p", "v1"));
    let before = stored_pod(&state, "p");
    let mut sent = before.clone();
    sent.metadata.uid = String::new(); // no uid precondition
    sent.metadata.generation = 42;
    sent.metadata.deletion_timestamp = Some(1);
    sent.metadata.labels.insert("app".into(), "web".into());
    let state = accepted(&state, &update(sent), 3);
    let p = stored_pod(&state, "p");
    assert_eq!(p.metadata.uid, before.metadata.uid);
    assert_eq!(p.metadata.generation, 1);
    assert_eq!(p.metadata.deletion_timestamp, None);
    assert_eq!(p.metadata.labels["app"], "web");
}

// ---------------------------------------------------------------- delete

#[test]
fn delete_of_a_running_bound_pod_is_graceful_and_a_second_delete_removes_it() {
    let state = with_pod(running_bound("p"));
    let state = accepted(&state, &delete(stored_pod(&state, "p")), 3);
    let p = stored_pod(&state, "p");
    assert_eq!(p.metadata.deletion_timestamp, Some(3));
    assert_eq!(p.metadata.deletion_grace_period_seconds, Some(30));
    assert_eq!(p.metadata.resource_version, 3);
    // The node finishes it.
    let state = accepted(&state, &delete(p), 4);
    assert!(!state.of::<Pod>().contains("p"));
}

#[test]
fn delete_of_an_unbound_or_finished_pod_removes_it_at_once() {
    let state = with_pod(pod("p", "v1"));
    let state = accepted(&state, &delete(stored_pod(&state, "p")), 3);
    assert!(state.is_empty());

    let mut done = running_bound("q");
    done.status.phase = PodPhase::Succeeded;
    let state = with_pod(done);
    let state = accepted(&state, &delete(stored_pod(&state, "q")), 3);
    assert!(state.is_empty());
}

#[test]
fn delete_does_not_check_the_resource_version_but_does_check_the_uid() {
    let state = with_pod(pod("p", "v1"));
    let mut old = stored_pod(&state, "p");
    old.metadata.resource_version = 1;
    let after = accepted(&state, &delete(old.clone()), 3);
    assert!(after.is_empty());
    old.metadata.uid = "someone-else".into();
    let err = rejected(&state, &delete(old), 3);
    assert!(matches!(err, ApplyError::UidMismatch { .. }), "{err}");
    let err = rejected(&StateView::new(), &delete(pod("p", "v1")), 3);
    assert!(matches!(err, ApplyError::NotFound { .. }), "{err}");
}

#[test]
fn delete_of_an_object_with_finalizers_leaves_it_terminating() {
    let state = accepted(
        &StateView::new(),
        &Operation::Create(Object::Job(job("j", &["a", "b"]))),
        2,
    );
    let j = stored_job(&state, "j");
    let state = accepted(&state, &Operation::Delete(Object::Job(j)), 3);
    let j = stored_job(&state, "j");
    assert_eq!(j.metadata.deletion_timestamp, Some(3));
    assert_eq!(j.metadata.deletion_grace_period_seconds, Some(0));
    assert!(j.metadata.is_terminating());
    // Deleting it again while finalizers hold it is refused.
    let err = rejected(&state, &Operation::Delete(Object::Job(j)), 4);
    assert_eq!(
        err,
        ApplyError::AlreadyDeleting {
            kind: Kind::Job,
            name: "j".into(),
            finalizers: vec!["a".into(), "b".into()]
        }
    );
}

#[test]
fn a_terminating_object_is_read_only_but_for_its_finalizers() {
    let state = accepted(
        &StateView::new(),
        &Operation::Create(Object::Job(job("j", &["a", "b"]))),
        2,
    );
    let state = accepted(
        &state,
        &Operation::Delete(Object::Job(stored_job(&state, "j"))),
        3,
    );
    let j = stored_job(&state, "j");

    let mut spec = j.clone();
    spec.spec.parallelism = Some(5);
    let mut status = j.clone();
    status.status.active = 1;
    let mut labels = j.clone();
    labels.metadata.labels.insert("x".into(), "y".into());
    for changed in [spec, status, labels] {
        let err = rejected(&state, &Operation::Update(Object::Job(changed)), 4);
        assert_eq!(
            err,
            ApplyError::Terminating {
                kind: Kind::Job,
                name: "j".into()
            }
        );
    }

    // Removing one finalizer is allowed and keeps it.
    let mut one = j;
    one.metadata.finalizers = vec!["b".into()];
    let state = accepted(&state, &Operation::Update(Object::Job(one)), 4);
    let j = stored_job(&state, "j");
    assert_eq!(j.metadata.finalizers, vec!["b".to_string()]);
    assert_eq!(j.metadata.resource_version, 4);
    assert_eq!(
        j.metadata.deletion_timestamp,
        Some(3),
        "kept from the delete"
    );

    // Removing the last one (grace 0) removes the object.
    let mut last = j;
    last.metadata.finalizers.clear();
    let state = accepted(&state, &Operation::Update(Object::Job(last)), 5);
    assert!(state.is_empty());
}

#[test]
fn a_graceful_pod_with_a_finalizer_waits_for_both_its_node_and_the_finalizer() {
    let mut p = running_bound("p");
    p.metadata.finalizers = vec!["f".into()];
    let state = with_pod(p);
    let state = accepted(&state, &delete(stored_pod(&state, "p")), 3);
    let mut p = stored_pod(&state, "p");
    assert_eq!(p.metadata.deletion_grace_period_seconds, Some(30));
    // The finalizer goes, but the node has not finished it: it stays.
    p.metadata.finalizers.clear();
    let state = accepted(&state, &update(p), 4);
    let p = stored_pod(&state, "p");
    assert!(p.metadata.is_terminating());
    // The node finishes it: gone.
    let state = accepted(&state, &delete(p), 5);
    assert!(state.is_empty());
}

#[test]
fn a_graceful_pod_finished_by_its_node_waits_for_its_finalizer() {
    let mut p = running_bound("p");
    p.metadata.finalizers = vec!["f".into()];
    let state = with_pod(p);
    let state = accepted(&state, &delete(stored_pod(&state, "p")), 3);
    let state = accepted(&state, &delete(stored_pod(&state, "p")), 4);
    let mut p = stored_pod(&state, "p");
    assert_eq!(p.metadata.deletion_grace_period_seconds, Some(0));
    assert_eq!(p.metadata.deletion_timestamp, Some(3));
    p.metadata.finalizers.clear();
    let state = accepted(&state, &update(p), 5);
    assert!(state.is_empty());
}

#[test]
fn force_delete_skips_the_grace_period() {
    let state = with_pod(running_bound("p"));
    let state = accepted(
        &state,
        &Operation::ForceDelete(Object::Pod(stored_pod(&state, "p"))),
        3,
    );
    assert!(state.is_empty());

    // A force delete still waits for finalizers.
    let mut p = running_bound("q");
    p.metadata.finalizers = vec!["f".into()];
    let state = with_pod(p);
    let state = accepted(
        &state,
        &Operation::ForceDelete(Object::Pod(stored_pod(&state, "q"))),
        3,
    );
    let q = stored_pod(&state, "q");
    assert_eq!(q.metadata.deletion_grace_period_seconds, Some(0));
    let err = rejected(&state, &Operation::ForceDelete(Object::Pod(q)), 4);
    assert!(matches!(err, ApplyError::AlreadyDeleting { .. }), "{err}");
}

// ---------------------------------------------------------------- initial state

#[test]
fn the_initial_state_is_stamped_as_if_created() {
    let mut given = pod("b", "v1");
    given.metadata.uid = "kept".into();
    given.metadata.generation = 3;
    let state = initial_state([Object::Pod(pod("a", "v1")), Object::Pod(given)], INITIAL);
    let a = stored_pod(&state, "a");
    assert_eq!(a.metadata.uid, uid_for(Kind::Pod, INITIAL, "a"));
    assert_eq!(
        (a.metadata.generation, a.metadata.resource_version),
        (1, INITIAL)
    );
    let b = stored_pod(&state, "b");
    assert_eq!(b.metadata.uid, "kept");
    assert_eq!(
        (b.metadata.generation, b.metadata.resource_version),
        (3, INITIAL)
    );
}

const INITIAL: Revision = crate::model::history::INITIAL_REVISION;
