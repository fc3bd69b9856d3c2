//! The deployed runtime on the memory store: informer caches that move both ways, and a
//! controller task stepped by command and running freely.

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::model::config::{Guards, parse_model};
use crate::model::controllers::registration;
use crate::model::history::Read;
use crate::model::resources::{Kind, Revision};
use crate::store::{At, MemoryStore, Scope, Store};

const MODEL: &str = include_str!("../../models/replicaset-scale.yaml");

async fn loaded() -> (ApiServer, crate::model::config::ModelConfig, Revision) {
    let config = parse_model(MODEL, "replicaset-scale.yaml", &|_| {
        Err("no includes".into())
    })
    .unwrap()
    .config;
    let api = ApiServer::new(Arc::new(MemoryStore::new()));
    let at = api.load(config.initial.clone()).await.unwrap();
    (api, config, at)
}

fn replicaset_task(api: &ApiServer, guards: &Guards) -> TaskHandle {
    TaskHandle::spawn(TaskSpec {
        spec: crate::model::controllers::ControllerSpec {
            kind: "replicaset".into(),
            name: "replicaset".into(),
            node: None,
        },
        registration: registration("replicaset").unwrap(),
        guards: guards.clone(),
        syncs: Default::default(),
        api: api.clone(),
    })
}

async fn pods(store: &Arc<dyn Store>, at: At) -> usize {
    store
        .list(Scope::Kind(Kind::Pod), at)
        .await
        .unwrap()
        .value
        .len()
}

#[tokio::test]
async fn a_task_steps_at_the_revision_it_is_given_and_an_old_read_sees_the_old_state() {
    let (api, config, loaded) = loaded().await;
    let task = replicaset_task(&api, &config.guards);
    let first = task.step(Read::At(loaded), 0).await.unwrap();
    let accepted = first.applied.expect("a pod is created").unwrap();
    assert_eq!(pods(api.store(), At::Latest).await, 1);
    // Read at the load again (a stale read): the cache goes back by a LIST, and the step,
    // held back by its expectation, creates nothing.
    let stale = task.step(Read::At(loaded), 0).await.unwrap();
    assert_eq!(stale.read, Read::At(loaded));
    assert!(stale.operation.is_none(), "{stale:?}");
    // Forward again: the pod is seen, the expectation met, the second pod created.
    let next = task.step(Read::At(accepted.revision), 0).await.unwrap();
    assert!(next.applied.is_some_and(|r| r.is_ok()));
    assert_eq!(pods(api.store(), At::Latest).await, 2);
    // After a restart the task has forgotten everything, and still works.
    task.restart().await.unwrap();
    let latest = api.store().revision().await.unwrap();
    let after = task.step(Read::At(latest), 0).await.unwrap();
    assert!(!after.local_changed || after.operation.is_some());
}

#[tokio::test]
async fn a_running_task_follows_its_caches_until_the_replicas_exist() {
    let (api, config, _) = loaded().await;
    let task = replicaset_task(&api, &config.guards);
    task.run().await.unwrap();
    let mut count = 0;
    for _ in 0..500 {
        count = pods(api.store(), At::Latest).await;
        if count == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(count, 2, "the ReplicaSet's two pods are created");
    // A command ends free running: the task answers it.
    task.restart().await.unwrap();
}

#[tokio::test]
async fn an_informer_moves_forward_by_events_and_back_by_a_list() {
    let (api, config, loaded) = loaded().await;
    let task = replicaset_task(&api, &config.guards);
    let r = task.step(Read::At(loaded), 0).await.unwrap();
    let created = r.applied.unwrap().unwrap().revision;
    let mut cache = Informer::new(api.store().clone(), Kind::Pod);
    assert_eq!(cache.revision(), None);
    cache.position(loaded).await.unwrap();
    assert_eq!(cache.objects().count(), 0);
    cache.position(created).await.unwrap();
    assert_eq!(cache.objects().count(), 1);
    cache.position(loaded).await.unwrap();
    assert_eq!(cache.objects().count(), 0);
    assert!(cache.position(created + 5).await.is_err());
}
