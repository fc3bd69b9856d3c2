//! Writes per second the API server (`orchard::runtime::ApiServer`) sustains on each store: the
//! memory store, a 1-member and a 3-member etcd on loopback (private, started here).
//!
//! `cargo bench --bench store` (release). Plain timing: each figure is operations over wall
//! time for a fixed duration, one writer issuing creates then updates of its own pods, then
//! 16 writers at once on different pods. Run by `cargo test --all-targets` (no `--bench`
//! argument), it only checks itself: 0.1 s per figure, no 3-member cluster.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orchard::model::operation::Operation;
use orchard::model::resources::{Container, Metadata, Object, Pod, Shared};
use orchard::runtime::ApiServer;
use orchard::store::{EtcdProcess, EtcdStore, MemoryStore, Store};

/// How long each measurement runs.
const RUN: Duration = Duration::from_secs(2);

/// How long each measurement runs when the bench is run as a test.
const QUICK_RUN: Duration = Duration::from_millis(100);

/// Concurrent writers in the second measurement.
const WRITERS: usize = 16;

fn pod(name: String) -> Object {
    let mut p = Pod {
        metadata: Metadata::named(name),
        ..Pod::default()
    };
    p.metadata.labels = Shared::new([("app".to_string(), "web".to_string())].into());
    p.spec.containers.push(Container {
        name: "nginx".into(),
        image: "nginx:1".into(),
        ..Container::default()
    });
    Object::Pod(p)
}

/// One writer: creates pods for half the time, then updates them round-robin. Returns
/// (creates, updates) done.
async fn writer(api: ApiServer, prefix: String, run: Duration) -> (u64, u64) {
    let start = Instant::now();
    let mut objects = Vec::new();
    while start.elapsed() < run / 2 {
        let name = format!("{prefix}-{}", objects.len());
        let created = api
            .apply(&Operation::Create(pod(name)))
            .await
            .expect("create accepted");
        objects.push(created.object.expect("stored"));
    }
    let creates = objects.len() as u64;
    let mut updates = 0u64;
    let mut i = 0;
    while start.elapsed() < run {
        let mut object = objects[i].clone();
        if let Object::Pod(p) = &mut object {
            p.spec.containers[0].image = format!("nginx:{updates}");
        }
        let updated = api
            .apply(&Operation::Update(object))
            .await
            .expect("update accepted");
        objects[i] = updated.object.expect("stored");
        updates += 1;
        i = (i + 1) % objects.len();
    }
    (creates, updates)
}

async fn measure(label: &str, store: Arc<dyn Store>, run: Duration) {
    let api = ApiServer::new(store);
    let started = Instant::now();
    let (creates, updates) = writer(api.clone(), "solo".into(), run).await;
    let elapsed = started.elapsed().as_secs_f64();
    let half = elapsed / 2.0;
    println!(
        "{label:<16} 1 writer : {:>9.0} creates/s {:>9.0} updates/s",
        creates as f64 / half,
        updates as f64 / half
    );
    let started = Instant::now();
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(writer(api.clone(), format!("w{w}"), run)))
        .collect();
    let (mut creates, mut updates) = (0, 0);
    for task in tasks {
        let (c, u) = task.await.expect("writer task");
        creates += c;
        updates += u;
    }
    let half = started.elapsed().as_secs_f64() / 2.0;
    println!(
        "{label:<16} {WRITERS} writers: {:>9.0} creates/s {:>9.0} updates/s",
        creates as f64 / half,
        updates as f64 / half
    );
}

async fn etcd_store(members: &[EtcdProcess]) -> Arc<dyn Store> {
    let endpoints: Vec<String> = members.iter().map(|m| m.endpoint().to_string()).collect();
    Arc::new(
        EtcdStore::connect(&endpoints)
            .await
            .expect("connect to the private etcd"),
    )
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let run = if bench { RUN } else { QUICK_RUN };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        measure("memory", Arc::new(MemoryStore::new()), run).await;
        match EtcdProcess::start_cluster(1) {
            Ok(one) => measure("etcd, 1 member", etcd_store(&one).await, run).await,
            Err(e) => println!("etcd, 1 member: not measured: {e}"),
        }
        if !bench {
            return;
        }
        match EtcdProcess::start_cluster(3) {
            Ok(three) => measure("etcd, 3 members", etcd_store(&three).await, run).await,
            Err(e) => println!("etcd, 3 members: not measured: {e}"),
        }
    });
}
