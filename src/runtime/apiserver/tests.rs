//! The model's apply rules over both stores: what the model accepts is stored, what it rejects
//! is rejected with the model's reason and leaves the store as it was.

use std::sync::Arc;

use super::*;
use crate::model::resources::{Job, Kind, Metadata, Pod, PodPhase};
use crate::store::contract_tests::{pod, start_etcd};
use crate::store::{MemoryStore, Scope};

macro_rules! over_both_stores {
    ($($check:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $check() {
                    let store = std::sync::Arc::new(crate::store::MemoryStore::new());
                    super::$check(super::ApiServer::new(store)).await;
                }
            )*
        }
        mod etcd {
            $(
                #[tokio::test]
                async fn $check() {
                    let (_etcd, store) = super::start_etcd().await;
                    super::$check(super::ApiServer::new(std::sync::Arc::new(store))).await;
                }
            )*
        }
    };
}

over_both_stores!(
    create_fills_what_the_api_server_owns_and_an_existing_name_fails,
    an_update_from_a_stale_read_is_a_conflict,
    finalizers_hold_a_deleted_object_read_only,
    a_running_pod_is_deleted_gracefully,
    generate_name_names_from_the_revision,
    the_initial_state_loads_at_one_revision,
);

fn as_pod(object: &Object) -> Pod {
    match object {
        Object::Pod(p) => p.clone(),
        other => panic!("not a pod: {other:?}"),
    }
}

fn as_job(object: &Object) -> Job {
    match object {
        Object::Job(j) => j.clone(),
        other => panic!("not a job: {other:?}"),
    }
}

fn job(name: &str, finalizers: &[&str]) -> Object {
    let mut j = Job {
        metadata: Metadata::named(name),
        ..Job::default()
    };
    j.metadata.finalizers = finalizers.iter().map(|f| f.to_string()).collect();
    Object::Job(j)
}

async fn accepted(api: &ApiServer, operation: Operation) -> Accepted {
    api.apply(&operation)
        .await
        .unwrap_or_else(|e| panic!("{operation} failed: {e}"))
}

/// Applies an operation that must be rejected by the rules; the store's revision is unchanged.
async fn rejected(api: &ApiServer, operation: Operation) -> ApplyError {
    let before = api.store().revision().await.unwrap();
    let err = match api.apply(&operation).await {
        Err(ApiError::Rejected(e)) => e,
        other => panic!("{operation}: expected a rejection, got {other:?}"),
    };
    assert_eq!(
        api.store().revision().await.unwrap(),
        before,
        "nothing written"
    );
    err
}

async fn stored(api: &ApiServer, kind: Kind, name: &str) -> Option<Object> {
    let key = Key::new(kind, name);
    let read = api.store().get(&key, At::Latest).await.unwrap();
    read.value.map(|s| s.object)
}

async fn create_fills_what_the_api_server_owns_and_an_existing_name_fails(api: ApiServer) {
    let created = accepted(&api, Operation::Create(pod("a", "v1"))).await;
    let object = created.object.expect("stored");
    let meta = object.metadata();
    assert_eq!(meta.resource_version, created.revision);
    assert_eq!(meta.generation, 1);
    assert!(!meta.uid.is_empty());
    assert_eq!(stored(&api, Kind::Pod, "a").await, Some(object.clone()));

    let err = rejected(&api, Operation::Create(pod("a", "v2"))).await;
    assert_eq!(
        err,
        ApplyError::AlreadyExists {
            kind: Kind::Pod,
            name: "a".into()
        }
    );
    // A spec change bumps generation; the revision is the store's.
    let mut p = as_pod(&object);
    p.spec.containers[0].image = "v2".into();
    let updated = accepted(&api, Operation::Update(Object::Pod(p))).await;
    let meta = updated.object.as_ref().unwrap().metadata();
    assert_eq!(
        (meta.generation, meta.resource_version),
        (2, updated.revision)
    );
    assert_eq!(meta.uid, object.metadata().uid, "the uid is kept");
}

async fn an_update_from_a_stale_read_is_a_conflict(api: ApiServer) {
    let first = accepted(&api, Operation::Create(pod("a", "v1")))
        .await
        .object
        .unwrap();
    let mut fresh = as_pod(&first);
    fresh.status.phase = PodPhase::Running;
    let second = accepted(&api, Operation::Update(Object::Pod(fresh))).await;

    // A writer still holding the first read is stale.
    let mut stale = as_pod(&first);
    stale.spec.containers[0].image = "v9".into();
    let err = rejected(&api, Operation::Update(Object::Pod(stale))).await;
    assert_eq!(
        err,
        ApplyError::Conflict {
            kind: Kind::Pod,
            name: "a".into(),
            sent: first.metadata().resource_version,
            stored: second.revision,
        }
    );
    // One that read the latest is not.
    let mut current = as_pod(&second.object.unwrap());
    current.spec.containers[0].image = "v9".into();
    accepted(&api, Operation::Update(Object::Pod(current))).await;

    // Two writers from the same read, at once: exactly one wins, the other is a conflict.
    let read = stored(&api, Kind::Pod, "a").await.unwrap();
    let writers = ["x", "y"].map(|image| {
        let api = api.clone();
        let mut p = as_pod(&read);
        p.spec.containers[0].image = image.into();
        tokio::spawn(async move { api.apply(&Operation::Update(Object::Pod(p))).await })
    });
    let mut results = Vec::new();
    for writer in writers {
        results.push(writer.await.unwrap());
    }
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(ApiError::Rejected(ApplyError::Conflict { .. }))))
        .count();
    assert_eq!((wins, conflicts), (1, 1), "{results:?}");
}

async fn finalizers_hold_a_deleted_object_read_only(api: ApiServer) {
    let j = accepted(&api, Operation::Create(job("j", &["a", "b"])))
        .await
        .object
        .unwrap();
    let deleting = accepted(&api, Operation::Delete(j)).await;
    let j = deleting.object.expect("held by its finalizers");
    assert!(j.metadata().is_terminating());
    assert!(j.metadata().deletion_timestamp.is_some());
    assert_eq!(stored(&api, Kind::Job, "j").await, Some(j.clone()));

    // Read-only but for its finalizers.
    let mut changed = as_job(&j);
    changed.spec.parallelism = Some(5);
    let err = rejected(&api, Operation::Update(Object::Job(changed))).await;
    assert!(matches!(err, ApplyError::Terminating { .. }), "{err}");
    let err = rejected(&api, Operation::Delete(j.clone())).await;
    assert!(matches!(err, ApplyError::AlreadyDeleting { .. }), "{err}");

    let mut one_less = as_job(&j);
    one_less.metadata.finalizers = vec!["b".into()];
    let j = accepted(&api, Operation::Update(Object::Job(one_less)))
        .await
        .object
        .expect("still held by b");
    let mut none = as_job(&j);
    none.metadata.finalizers.clear();
    let gone = accepted(&api, Operation::Update(Object::Job(none))).await;
    assert_eq!(gone.object, None);
    assert_eq!(
        stored(&api, Kind::Job, "j").await,
        None,
        "removed from the store"
    );
}

async fn a_running_pod_is_deleted_gracefully(api: ApiServer) {
    let mut p = as_pod(&pod("p", "v1"));
    p.spec.node_name = Some("n1".into());
    p.status.phase = PodPhase::Running;
    let p = accepted(&api, Operation::Create(Object::Pod(p)))
        .await
        .object
        .unwrap();
    let graceful = accepted(&api, Operation::Delete(p)).await;
    let p = graceful.object.expect("waits for its node");
    assert_eq!(p.metadata().deletion_grace_period_seconds, Some(30));
    assert_eq!(p.metadata().resource_version, graceful.revision);
    // The node finishes it: a second delete removes it.
    let gone = accepted(&api, Operation::Delete(p)).await;
    assert_eq!(gone.object, None);
    assert_eq!(stored(&api, Kind::Pod, "p").await, None);

    // An unbound pod goes at once.
    let q = accepted(&api, Operation::Create(pod("q", "v1")))
        .await
        .object
        .unwrap();
    assert_eq!(accepted(&api, Operation::Delete(q)).await.object, None);
    let err = rejected(&api, Operation::Delete(pod("q", "v1"))).await;
    assert!(matches!(err, ApplyError::NotFound { .. }), "{err}");
}

async fn generate_name_names_from_the_revision(api: ApiServer) {
    let mut p = as_pod(&pod("", "v1"));
    p.metadata.generate_name = "web-".into();
    let created = accepted(&api, Operation::Create(Object::Pod(p))).await;
    let name = created.object.unwrap().metadata().name.clone();
    assert_eq!(name, format!("web-{}", created.revision));
    assert!(stored(&api, Kind::Pod, &name).await.is_some());

    // Writers racing for the same generated name: the loser names again, none is lost.
    let mut p = as_pod(&pod("", "v1"));
    p.metadata.generate_name = "race-".into();
    let racers: Vec<_> = (0..4)
        .map(|_| {
            let api = api.clone();
            let operation = Operation::Create(Object::Pod(p.clone()));
            tokio::spawn(async move { api.apply(&operation).await })
        })
        .collect();
    let mut names = std::collections::BTreeSet::new();
    for racer in racers {
        let accepted = racer.await.unwrap().expect("every create is accepted");
        names.insert(accepted.object.unwrap().metadata().name.clone());
    }
    assert_eq!(names.len(), 4, "{names:?}");
    let pods = api.store().list(Scope::Kind(Kind::Pod), At::Latest).await;
    assert_eq!(pods.unwrap().value.len(), 5);
}

async fn the_initial_state_loads_at_one_revision(api: ApiServer) {
    let revision = api
        .load(vec![pod("a", "v1"), pod("b", "v1"), job("j", &[])])
        .await
        .unwrap();
    let all = api.store().list(Scope::All, At::Latest).await.unwrap();
    assert_eq!(all.value.len(), 3);
    for s in &all.value {
        assert_eq!(s.mod_revision, revision);
        assert_eq!(s.object.metadata().generation, 1);
        assert!(!s.object.metadata().uid.is_empty());
    }
    // Loading it again conflicts and writes nothing.
    let err = api
        .load(vec![pod("c", "v1"), pod("a", "v1")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Rejected(ApplyError::AlreadyExists { .. })),
        "{err}"
    );
    assert_eq!(api.store().revision().await.unwrap(), revision);
}

#[test]
fn the_memory_store_is_the_default_and_is_shared_by_clones() {
    let store = MemoryStore::new();
    let api = ApiServer::new(Arc::new(store.clone()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        accepted(&api, Operation::Create(pod("a", "v1"))).await;
        assert_eq!(
            store
                .list(Scope::All, At::Latest)
                .await
                .unwrap()
                .value
                .len(),
            1
        );
    });
}
