//! The store contract (module doc), checked on the memory store and on a real etcd that each
//! test starts on free loopback ports and stops at its end, read linearizably and serializably
//! (one member: the same state either way).

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::model::resources::{Container, Metadata, Node, Pod};

/// Runs each contract check against a fresh memory store and a fresh private etcd.
macro_rules! contract {
    ($($check:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $check() {
                    super::$check(std::sync::Arc::new(super::MemoryStore::new())).await;
                }
            )*
        }
        mod etcd {
            $(
                #[tokio::test]
                async fn $check() {
                    let (_etcd, store) = super::start_etcd().await;
                    super::$check(std::sync::Arc::new(store)).await;
                }
            )*
        }
        mod etcd_serializable {
            $(
                #[tokio::test]
                async fn $check() {
                    let (_etcd, store) =
                        super::start_etcd_reading(super::Reads::Serializable).await;
                    super::$check(std::sync::Arc::new(store)).await;
                }
            )*
        }
    };
}

contract!(
    reads_at_old_revisions_see_the_state_then,
    writes_are_conditional_on_the_revision_read,
    a_commit_applies_all_or_nothing,
    a_watch_replays_from_a_revision_then_follows,
    compaction_is_an_error_of_its_own,
);

/// A private etcd and a store connected to it.
pub async fn start_etcd() -> (EtcdProcess, EtcdStore) {
    start_etcd_reading(Reads::Linearizable).await
}

/// A private etcd and a store connected to it that reads as `reads` says.
pub async fn start_etcd_reading(reads: Reads) -> (EtcdProcess, EtcdStore) {
    let etcd = tokio::task::spawn_blocking(EtcdProcess::start)
        .await
        .expect("start task")
        .unwrap_or_else(|e| panic!("etcd-server must be installed (.ci/run does): {e}"));
    let store = EtcdStore::connect_with(&[etcd.endpoint().to_string()], reads)
        .await
        .expect("connect to the private etcd");
    (etcd, store)
}

pub fn pod(name: &str, image: &str) -> Object {
    let mut p = Pod {
        metadata: Metadata::named(name),
        ..Pod::default()
    };
    p.spec.containers.push(Container {
        name: "c".into(),
        image: image.into(),
        ..Container::default()
    });
    Object::Pod(p)
}

fn node(name: &str) -> Object {
    Object::Node(Node {
        metadata: Metadata::named(name),
        ..Node::default()
    })
}

fn image(stored: &Stored) -> String {
    match &stored.object {
        Object::Pod(p) => p.spec.containers[0].image.clone(),
        other => panic!("not a pod: {other:?}"),
    }
}

async fn committed(store: &dyn Store, writes: Vec<Write>) -> Revision {
    match store.commit(writes).await.expect("store answers") {
        Outcome::Committed(r) => r,
        Outcome::Conflict(c) => panic!("unexpected conflict {c:?}"),
    }
}

async fn conflict(store: &dyn Store, writes: Vec<Write>) -> Conflict {
    match store.commit(writes).await.expect("store answers") {
        Outcome::Conflict(c) => c,
        Outcome::Committed(r) => panic!("committed at {r}, expected a conflict"),
    }
}

async fn next(watch: &mut Watch) -> Result<WatchEvent, StoreError> {
    tokio::time::timeout(Duration::from_secs(5), watch.next())
        .await
        .expect("a watch event within 5 s")
}

fn names(read: &Read<Vec<Stored>>) -> Vec<String> {
    read.value.iter().map(|s| s.key.name.clone()).collect()
}

async fn reads_at_old_revisions_see_the_state_then(store: Arc<dyn Store>) {
    let store = &*store;
    let start = store.revision().await.unwrap();
    let a = Key::new(Kind::Pod, "a");
    let r1 = committed(store, vec![Write::Create(pod("a", "v1"))]).await;
    assert_eq!(r1, start + 1, "a commit raises the revision by one");
    let r2 = committed(
        store,
        vec![Write::Update {
            object: pod("a", "v2"),
            expected: r1,
        }],
    )
    .await;
    let r3 = committed(store, vec![Write::Create(node("n1"))]).await;
    let r4 = committed(store, vec![Write::Create(pod("b", "v1"))]).await;
    let r5 = committed(
        store,
        vec![Write::Delete {
            key: a.clone(),
            expected: r2,
        }],
    )
    .await;

    let at = |r| store.get(&a, At::Revision(r));
    assert_eq!(
        at(start).await.unwrap().value,
        None,
        "before it was created"
    );
    let first = at(r1).await.unwrap().value.expect("a at r1");
    assert_eq!(image(&first), "v1");
    assert_eq!(first.object.metadata().resource_version, r1);
    assert_eq!((first.create_revision, first.mod_revision), (r1, r1));
    let second = at(r3).await.unwrap();
    assert_eq!(second.revision, r3, "served at the revision asked for");
    let second = second.value.expect("a at r3");
    assert_eq!(image(&second), "v2");
    assert_eq!((second.create_revision, second.mod_revision), (r1, r2));
    assert_eq!(second.object.metadata().resource_version, r2);
    assert_eq!(at(r5).await.unwrap().value, None, "deleted at r5");
    let latest = store.get(&a, At::Latest).await.unwrap();
    assert_eq!((latest.value, latest.revision), (None, r5));

    let pods = |r| store.list(Scope::Kind(Kind::Pod), At::Revision(r));
    assert_eq!(names(&pods(r3).await.unwrap()), ["a"]);
    assert_eq!(names(&pods(r4).await.unwrap()), ["a", "b"]);
    assert_eq!(names(&pods(r5).await.unwrap()), ["b"]);
    let all = store.list(Scope::All, At::Revision(r4)).await.unwrap();
    assert_eq!(names(&all), ["n1", "a", "b"], "sorted by key path");
    let latest = store.list(Scope::All, At::Latest).await.unwrap();
    assert_eq!(
        (names(&latest), latest.revision),
        (vec!["n1".into(), "b".into()], r5)
    );

    let future = store.get(&a, At::Revision(r5 + 10)).await.unwrap_err();
    assert_eq!(
        future,
        StoreError::FutureRevision {
            requested: r5 + 10,
            current: r5
        }
    );
}

async fn writes_are_conditional_on_the_revision_read(store: Arc<dyn Store>) {
    let store = &*store;
    let a = Key::new(Kind::Pod, "a");
    let r1 = committed(store, vec![Write::Create(pod("a", "v1"))]).await;
    let c = conflict(store, vec![Write::Create(pod("a", "v9"))]).await;
    assert_eq!(
        (c.index, c.key.clone(), c.current),
        (0, a.clone(), Some(r1))
    );

    let r2 = committed(
        store,
        vec![Write::Update {
            object: pod("a", "v2"),
            expected: r1,
        }],
    )
    .await;
    // A writer that read r1 is stale now: rejected, nothing written, no revision spent.
    let c = conflict(
        store,
        vec![Write::Update {
            object: pod("a", "stale"),
            expected: r1,
        }],
    )
    .await;
    assert_eq!(c.current, Some(r2));
    let c = conflict(
        store,
        vec![Write::Delete {
            key: a.clone(),
            expected: r1,
        }],
    )
    .await;
    assert_eq!(c.current, Some(r2));
    assert_eq!(store.revision().await.unwrap(), r2);
    let now = store.get(&a, At::Latest).await.unwrap().value.unwrap();
    assert_eq!(image(&now), "v2");

    // The writer that read r2 is current: accepted.
    let r3 = committed(
        store,
        vec![Write::Delete {
            key: a.clone(),
            expected: r2,
        }],
    )
    .await;
    let c = conflict(
        store,
        vec![Write::Update {
            object: pod("a", "v3"),
            expected: r2,
        }],
    )
    .await;
    assert_eq!(c.current, None, "gone");
    // Created again: a new create revision.
    let r4 = committed(store, vec![Write::Create(pod("a", "v4"))]).await;
    let again = store.get(&a, At::Latest).await.unwrap().value.unwrap();
    assert_eq!((again.create_revision, r4), (r3 + 1, r3 + 1));
}

async fn a_commit_applies_all_or_nothing(store: Arc<dyn Store>) {
    let store = &*store;
    let r1 = committed(store, vec![Write::Create(pod("a", "v1"))]).await;
    let c = conflict(
        store,
        vec![
            Write::Create(pod("b", "v1")),
            Write::Create(pod("a", "again")),
        ],
    )
    .await;
    assert_eq!((c.index, c.key.name.as_str()), (1, "a"));
    assert_eq!(
        store
            .get(&Key::new(Kind::Pod, "b"), At::Latest)
            .await
            .unwrap()
            .value,
        None
    );
    let r2 = committed(
        store,
        vec![
            Write::Create(pod("b", "v1")),
            Write::Update {
                object: pod("a", "v2"),
                expected: r1,
            },
        ],
    )
    .await;
    assert_eq!(r2, r1 + 1, "one revision for the whole commit");
    let pods = store
        .list(Scope::Kind(Kind::Pod), At::Latest)
        .await
        .unwrap();
    assert!(pods.value.iter().all(|s| s.mod_revision == r2));
    let twice = store
        .commit(vec![
            Write::Create(pod("c", "v1")),
            Write::Create(pod("c", "v2")),
        ])
        .await;
    assert!(matches!(twice, Err(StoreError::Invalid(_))), "{twice:?}");
}

async fn a_watch_replays_from_a_revision_then_follows(store: Arc<dyn Store>) {
    let store = &*store;
    let r1 = committed(store, vec![Write::Create(pod("a", "v1"))]).await;
    let r2 = committed(store, vec![Write::Create(node("n1"))]).await;
    let r3 = committed(
        store,
        vec![Write::Update {
            object: pod("a", "v2"),
            expected: r1,
        }],
    )
    .await;

    // Pods from r2: the update at r3 (the create at r1 is before, the node another kind).
    let mut pods = store.watch(Scope::Kind(Kind::Pod), r2).await.unwrap();
    let WatchEvent::Put(seen) = next(&mut pods).await.unwrap() else {
        panic!("expected a put")
    };
    assert_eq!((seen.mod_revision, image(&seen)), (r3, "v2".into()));
    assert_eq!(seen.object.metadata().resource_version, r3);

    // Everything from r1: all three, in order.
    let mut all = store.watch(Scope::All, r1).await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let event = next(&mut all).await.unwrap();
        seen.push((event.revision(), event.key().name.clone()));
    }
    assert_eq!(
        seen,
        [(r1, "a".into()), (r2, "n1".into()), (r3, "a".into())]
    );

    // Then it follows: a live delete reaches both, with the object as it was.
    let r4 = committed(
        store,
        vec![Write::Delete {
            key: Key::new(Kind::Pod, "a"),
            expected: r3,
        }],
    )
    .await;
    for watch in [&mut pods, &mut all] {
        match next(watch).await.unwrap() {
            WatchEvent::Deleted {
                key,
                revision,
                last,
            } => {
                assert_eq!((key.name.as_str(), revision), ("a", r4));
                assert_eq!(last.map(|s| s.mod_revision), Some(r3));
            }
            other => panic!("expected a delete, got {other:?}"),
        }
    }
}

async fn compaction_is_an_error_of_its_own(store: Arc<dyn Store>) {
    let store = &*store;
    let a = Key::new(Kind::Pod, "a");
    let r1 = committed(store, vec![Write::Create(pod("a", "v1"))]).await;
    let r2 = committed(
        store,
        vec![Write::Update {
            object: pod("a", "v2"),
            expected: r1,
        }],
    )
    .await;
    let r3 = committed(store, vec![Write::Create(pod("b", "v1"))]).await;
    store.compact(r2).await.unwrap();

    let old = store.get(&a, At::Revision(r1)).await.unwrap_err();
    assert!(
        matches!(old, StoreError::Compacted { requested, .. } if requested == r1),
        "{old}"
    );
    let list = store.list(Scope::All, At::Revision(r1)).await.unwrap_err();
    assert!(matches!(list, StoreError::Compacted { .. }), "{list}");
    // The compaction point itself and later are still served.
    let kept = store
        .get(&a, At::Revision(r2))
        .await
        .unwrap()
        .value
        .unwrap();
    assert_eq!(image(&kept), "v2");
    let kept = store
        .list(Scope::Kind(Kind::Pod), At::Revision(r3))
        .await
        .unwrap();
    assert_eq!(names(&kept), ["a", "b"]);

    // A watch from before the compaction point says so, and stays ended.
    let mut watch = store.watch(Scope::All, r1).await.unwrap();
    let err = next(&mut watch).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Compacted { compacted: Some(c), .. } if c == r2),
        "{err}"
    );
    assert_eq!(next(&mut watch).await.unwrap_err(), err);
    // From the compaction point it works.
    let mut watch = store.watch(Scope::Kind(Kind::Pod), r3).await.unwrap();
    assert_eq!(next(&mut watch).await.unwrap().revision(), r3);

    let again = store.compact(r1).await.unwrap_err();
    assert!(matches!(again, StoreError::Compacted { .. }), "{again}");
}

#[tokio::test]
async fn an_unreachable_etcd_is_an_error_naming_the_endpoint() {
    // A port nothing listens on: refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let refused = tokio::time::timeout(
        Duration::from_secs(5),
        EtcdStore::connect(std::slice::from_ref(&endpoint)),
    )
    .await
    .expect("an answer within 5 s");
    let err = refused.err().expect("nothing listens there");
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains(&endpoint), "{err}");

    // A port that accepts connections but never answers: the connect timeout.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let err = tokio::time::timeout(
        Duration::from_secs(5),
        EtcdStore::connect(std::slice::from_ref(&endpoint)),
    )
    .await
    .expect("an answer within 5 s")
    .err()
    .expect("it never answers");
    assert!(err.to_string().contains(&endpoint), "{err}");
}

#[tokio::test]
async fn a_stopped_etcd_is_unreachable_and_a_running_one_is_not() {
    let (etcd, store) = start_etcd().await;
    assert!(store.revision().await.is_ok());
    let endpoint = etcd.endpoint().to_string();
    drop(etcd);
    let err = store.revision().await.unwrap_err();
    assert!(matches!(err, StoreError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains(&endpoint), "{err}");
}

#[test]
fn a_private_etcd_is_healthy_and_stopped_on_drop() {
    let etcd = EtcdProcess::start().expect("etcd-server installed");
    assert!(etcd.is_healthy());
    let dir = etcd.log_dir().to_path_buf();
    let pid = etcd.pid();
    drop(etcd);
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "process gone"
    );
    assert!(!dir.exists(), "data directory removed");
}

#[test]
fn a_three_member_cluster_forms_on_loopback() {
    let members = EtcdProcess::start_cluster(3).expect("etcd-server installed");
    assert_eq!(members.len(), 3);
    assert!(members.iter().all(EtcdProcess::is_healthy));
    let ports: std::collections::BTreeSet<&str> =
        members.iter().map(EtcdProcess::endpoint).collect();
    assert_eq!(ports.len(), 3, "different ports");
}

/// A serializable store reads its member's own state: it still answers when the member has lost
/// its quorum, where a linearizable read through the same member does not.
#[tokio::test]
async fn a_member_without_its_quorum_serves_serializable_reads_only() {
    let mut members = tokio::task::spawn_blocking(|| EtcdProcess::start_cluster(3))
        .await
        .expect("start task")
        .expect("etcd-server installed");
    let endpoints: Vec<String> = members.iter().map(|m| m.endpoint().to_string()).collect();
    let writer = EtcdStore::connect(&endpoints).await.expect("connect");
    let last = std::slice::from_ref(&endpoints[2]);
    let serializable = EtcdStore::connect_with(last, Reads::Serializable)
        .await
        .expect("connect");
    let linearizable = EtcdStore::connect(last).await.expect("connect");
    assert_eq!(serializable.reads(), Reads::Serializable);
    assert!(serializable.describe().contains("serializable"));
    let r = committed(&writer, vec![Write::Create(pod("a", "v1"))]).await;
    while serializable.revision().await.expect("revision") < r {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Members 0 and 1 stop; member 2 is left alone, without a quorum.
    let _last = members.pop();
    drop(members);
    let read = serializable
        .list(Scope::All, At::Latest)
        .await
        .expect("served");
    assert_eq!((names(&read), read.revision), (vec!["a".to_string()], r));
    let quorum_read = tokio::time::timeout(
        Duration::from_millis(300),
        linearizable.list(Scope::All, At::Latest),
    )
    .await;
    assert!(
        !matches!(quorum_read, Ok(Ok(_))),
        "a linearizable read needs the quorum: {quorum_read:?}"
    );
}

#[tokio::test]
async fn a_memory_watch_overtaken_by_compaction_says_so() {
    let store = MemoryStore::new();
    let r1 = committed(&store, vec![Write::Create(pod("a", "v1"))]).await;
    let mut behind = store.watch(Scope::All, r1).await.unwrap();
    let mut caught_up = store.watch(Scope::All, r1).await.unwrap();
    assert_eq!(next(&mut caught_up).await.unwrap().revision(), r1);
    let r2 = committed(&store, vec![Write::Create(pod("b", "v1"))]).await;
    store.compact(r2).await.unwrap();
    // The watch that had not read r1 cannot any more; the one that had goes on.
    let err = next(&mut behind).await.unwrap_err();
    assert_eq!(
        err,
        StoreError::Compacted {
            requested: r1,
            compacted: Some(r2)
        }
    );
    assert_eq!(next(&mut caught_up).await.unwrap().revision(), r2);
}

/// Slow (6 s): an idle etcd watch is not cut by any request timeout.
#[tokio::test]
#[ignore = "waits 6 s"]
async fn an_etcd_watch_outlives_the_request_timeout() {
    let (_etcd, store) = start_etcd().await;
    let from = store.revision().await.unwrap() + 1;
    let mut watch = store.watch(Scope::All, from).await.unwrap();
    tokio::time::sleep(super::etcd::REQUEST_TIMEOUT + Duration::from_secs(2)).await;
    let r = committed(&store, vec![Write::Create(pod("late", "v1"))]).await;
    assert_eq!(next(&mut watch).await.unwrap().revision(), r);
}
