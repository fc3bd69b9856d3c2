//! The etcd store over several endpoints fails over (issue 20, point 6): with a private
//! 3-member etcd on loopback, writes and a watch go on after the leader's process is killed,
//! every acknowledged write is stored once (the revision counts one per acknowledged commit),
//! while a store given the leader alone stops. A commit whose answer is lost (a proxy in front
//! of a member drops the answers, or the requests) is resolved by re-reading its keys: the one
//! that landed is reported committed at the revision it landed at and not applied again; the
//! one that never reached etcd is sent again and lands once; one overtaken by another writer
//! is a conflict.
//!
//! Needs Debian's `etcd` on PATH (as the store contract tests do); no root.

use std::io::{Read, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use orchard::model::resources::{Metadata, Object, Pod, Revision};
use orchard::store::failover::Resolution;
use orchard::store::{
    At, EtcdProcess, EtcdStore, Key, Outcome, Scope, Store, StoreError, WatchEvent, Write,
};

/// Each request's bound in these tests: past it, the answer is taken as lost.
const TIMEOUT: Duration = Duration::from_millis(800);

fn pod(name: &str, image: &str) -> Object {
    let mut metadata = Metadata::named(name.to_string());
    metadata.uid = format!("uid-{name}");
    let mut pod = Pod {
        metadata,
        ..Pod::default()
    };
    pod.spec.node_name = Some(image.to_string());
    Object::Pod(pod)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

async fn connect(endpoints: &[String]) -> EtcdStore {
    EtcdStore::connect(endpoints)
        .await
        .expect("etcd answers")
        .with_request_timeout(TIMEOUT)
}

async fn create(store: &EtcdStore, name: &str) -> Result<Revision, StoreError> {
    match store.commit(vec![Write::Create(pod(name, "a"))]).await? {
        Outcome::Committed(r) => Ok(r),
        Outcome::Conflict(c) => panic!("{name}: unexpected conflict {c:?}"),
    }
}

/// The index of the member that leads now.
async fn leader(members: &[EtcdProcess]) -> usize {
    for _ in 0..100 {
        for (i, m) in members.iter().enumerate() {
            let one = connect(&[m.endpoint().to_string()]).await;
            if let Ok(status) = one.status().await
                && status.leader != 0
                && status.leader == status.member
            {
                return i;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no leader elected");
}

#[test]
fn writes_and_a_watch_go_on_when_the_leader_is_killed_and_nothing_acknowledged_is_lost() {
    let mut members = EtcdProcess::start_cluster(3).expect("a 3-member etcd");
    let rt = runtime();
    rt.block_on(async {
        // The leader first: requests go to it until it dies.
        let lead = leader(&members).await;
        members.swap(0, lead);
        let endpoints: Vec<String> = members.iter().map(|m| m.endpoint().to_string()).collect();
        let store = connect(&endpoints).await;
        let alone = connect(&endpoints[..1]).await;
        assert_eq!(store.current_endpoint(), endpoints[0]);
        let start = store.revision().await.unwrap();
        let mut watch = store.watch(Scope::All, start + 1).await.unwrap();
        let mut acknowledged = Vec::new();
        for i in 0..10 {
            let name = format!("before-{i}");
            acknowledged.push((name.clone(), create(&store, &name).await.unwrap()));
        }
        let r = create(&alone, "alone-before").await.unwrap();
        acknowledged.push(("alone-before".to_string(), r));
        drop(members.remove(0));
        // The store given the leader alone cannot go on.
        assert!(matches!(
            create(&alone, "alone-after").await,
            Err(StoreError::Unreachable { .. })
        ));
        for i in 0..10 {
            let name = format!("after-{i}");
            let r = create(&store, &name)
                .await
                .unwrap_or_else(|e| panic!("{name} after the leader was killed: {e}"));
            acknowledged.push((name, r));
        }
        assert_ne!(store.current_endpoint(), endpoints[0], "it failed over");
        // Every acknowledged write is stored, at the revision acknowledged, and each landed
        // once: one revision per acknowledged commit, nothing else.
        let latest = store.revision().await.unwrap();
        assert_eq!(latest, start + acknowledged.len() as Revision);
        let listed = store.list(Scope::All, At::Latest).await.unwrap().value;
        assert_eq!(listed.len(), acknowledged.len());
        for (name, r) in &acknowledged {
            let key = Key::of(&pod(name, "a"));
            let stored = listed.iter().find(|s| s.key == key);
            assert_eq!(stored.map(|s| s.mod_revision), Some(*r), "{name}");
        }
        // The watch opened on the leader went on from another member: every revision once.
        let mut seen = Vec::new();
        while seen.last() != Some(&latest) {
            let event = tokio::time::timeout(Duration::from_secs(10), watch.next())
                .await
                .expect("the watch goes on")
                .expect("the watch failed over");
            seen.push(event.revision());
        }
        assert_eq!(seen, ((start + 1)..=latest).collect::<Vec<_>>());
    });
}

/// What the proxy does with the bytes it carries.
const FORWARD: u8 = 0;
const DROP_ANSWERS: u8 = 1;
const DROP_REQUESTS: u8 = 2;

/// A TCP proxy on loopback in front of one endpoint: forwards both ways, or drops one way.
struct Proxy {
    url: String,
    mode: Arc<AtomicU8>,
}

impl Proxy {
    fn start(target: &str) -> Proxy {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let target = target.trim_start_matches("http://").to_string();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let shared = mode.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let up = shared.clone();
                std::thread::spawn(move || pipe(client, server, &up, DROP_REQUESTS));
                let down = shared.clone();
                std::thread::spawn(move || pipe(s2, c2, &down, DROP_ANSWERS));
            }
        });
        Proxy { url, mode }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

/// Copies `from` to `to` except while the mode is `dropping`.
fn pipe(mut from: TcpStream, mut to: TcpStream, mode: &AtomicU8, dropping: u8) {
    let mut buffer = [0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buffer) {
        if n == 0 {
            return;
        }
        if mode.load(Ordering::SeqCst) != dropping && to.write_all(&buffer[..n]).is_err() {
            return;
        }
    }
}

#[test]
fn a_commit_whose_answer_is_lost_is_resolved_by_re_reading_and_never_applied_twice() {
    let member = EtcdProcess::start().expect("an etcd");
    let direct = member.endpoint().to_string();
    let rt = runtime();
    rt.block_on(async {
        // The answer lost: the create landed; it is reported at its revision, once.
        let proxy = Proxy::start(&direct);
        let store = connect(&[proxy.url.clone(), direct.clone()]).await;
        assert_eq!(store.current_endpoint(), proxy.url);
        let before = store.revision().await.unwrap();
        proxy.set(DROP_ANSWERS);
        let landed = create(&store, "web-0").await.expect("resolved as landed");
        assert_eq!(landed, before + 1);
        assert_eq!(store.revision().await.unwrap(), before + 1, "applied once");
        assert_eq!(store.current_endpoint(), direct, "failed over");
        // Its re-read says so; the same create, never sent, would be pending elsewhere.
        let create_web0 = vec![Write::Create(pod("web-0", "a"))];
        assert_eq!(
            store.resolve_lost(&create_web0).await.unwrap(),
            Resolution::Landed(landed)
        );
        assert_eq!(
            store
                .resolve_lost(&[Write::Create(pod("web-9", "a"))])
                .await
                .unwrap(),
            Resolution::Pending
        );

        // The request lost: nothing landed, every condition holds, so it is sent again to the
        // other endpoint and lands once.
        let proxy = Proxy::start(&direct);
        let store = connect(&[proxy.url.clone(), direct.clone()]).await;
        proxy.set(DROP_REQUESTS);
        let update = Write::Update {
            object: pod("web-0", "b"),
            expected: landed,
        };
        let outcome = store.commit(vec![update.clone()]).await.unwrap();
        assert_eq!(outcome, Outcome::Committed(landed + 1));
        assert_eq!(store.revision().await.unwrap(), landed + 1, "applied once");
        let stored = store
            .get(&Key::of(&pod("web-0", "a")), At::Latest)
            .await
            .unwrap()
            .value
            .unwrap();
        assert_eq!(stored.mod_revision, landed + 1);
        // The same update resolved now: it landed (the key holds it past the revision it
        // expected), so it is not sent a second time.
        assert_eq!(
            store
                .resolve_lost(std::slice::from_ref(&update))
                .await
                .unwrap(),
            Resolution::Landed(landed + 1)
        );

        // The request lost, and another writer got there first: a conflict, nothing applied.
        let proxy = Proxy::start(&direct);
        let store = connect(&[proxy.url.clone(), direct.clone()]).await;
        proxy.set(DROP_REQUESTS);
        let stale = Write::Update {
            object: pod("web-0", "c"),
            expected: landed,
        };
        let outcome = store.commit(vec![stale]).await.unwrap();
        assert!(
            matches!(&outcome, Outcome::Conflict(c) if c.current == Some(landed + 1)),
            "{outcome:?}"
        );
        assert_eq!(
            store.revision().await.unwrap(),
            landed + 1,
            "nothing applied"
        );

        // A lost delete that landed is dated by its key's history.
        let proxy = Proxy::start(&direct);
        let store = connect(&[proxy.url.clone(), direct.clone()]).await;
        proxy.set(DROP_ANSWERS);
        let delete = Write::Delete {
            key: Key::of(&pod("web-0", "a")),
            expected: landed + 1,
        };
        let outcome = store.commit(vec![delete]).await.unwrap();
        assert_eq!(outcome, Outcome::Committed(landed + 2));
        let mut watch = store.watch(Scope::All, landed + 2).await.unwrap();
        let event = watch.next().await.unwrap();
        assert!(matches!(event, WatchEvent::Deleted { revision, .. } if revision == landed + 2));
        assert_eq!(store.revision().await.unwrap(), landed + 2);
    });
}
