//! Writes per second the API server (`orchard::runtime::ApiServer`) sustains on each store: the
//! memory store, a 1-member and a 3-member etcd on loopback, and a 3-member etcd with each
//! member in its own network namespace (`orchard::store::netns`, where namespaces can be
//! made), all private, started here.
//!
//! `cargo bench --bench store [-- TARGET...]` (release), TARGET among `memory`, `etcd-1`,
//! `etcd-3`, `etcd-3-netns` (default: all). Plain timing: each figure is operations over wall
//! time for a fixed duration, with 1, 4 and 16 writers at once, each issuing creates then
//! updates of its own pods. Run by `cargo test --all-targets` (no `--bench` argument), it only
//! checks itself: 0.1 s per figure, memory and a 1-member etcd.

use std::sync::Arc;
use std::time::{Duration, Instant};

use orchard::model::operation::Operation;
use orchard::model::resources::{Container, Metadata, Object, Pod, Shared};
use orchard::runtime::ApiServer;
use orchard::store::{EtcdProcess, EtcdStore, MemoryStore, NetnsCluster, Store};

/// How long each measurement runs.
const RUN: Duration = Duration::from_secs(2);

/// How long each measurement runs when the bench is run as a test.
const QUICK_RUN: Duration = Duration::from_millis(100);

/// How many writers write at once, one measurement each.
const WRITERS: [usize; 3] = [1, 4, 16];

/// The stores measured, by the name that selects them.
const TARGETS: [&str; 4] = ["memory", "etcd-1", "etcd-3", "etcd-3-netns"];

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
    for writers in WRITERS {
        let started = Instant::now();
        let tasks: Vec<_> = (0..writers)
            .map(|w| tokio::spawn(writer(api.clone(), format!("w{writers}-{w}"), run)))
            .collect();
        let (mut creates, mut updates) = (0, 0);
        for task in tasks {
            let (c, u) = task.await.expect("writer task");
            creates += c;
            updates += u;
        }
        let half = started.elapsed().as_secs_f64() / 2.0;
        println!(
            "{label:<20} {writers:>2} writers: {:>9.0} creates/s {:>9.0} updates/s",
            creates as f64 / half,
            updates as f64 / half
        );
    }
}

async fn etcd_store(members: &[EtcdProcess]) -> Arc<dyn Store> {
    let endpoints: Vec<String> = members.iter().map(|m| m.endpoint().to_string()).collect();
    Arc::new(
        EtcdStore::connect(&endpoints)
            .await
            .expect("connect to the private etcd"),
    )
}

async fn measure_target(target: &str, run: Duration) {
    match target {
        "memory" => measure("memory", Arc::new(MemoryStore::new()), run).await,
        "etcd-1" | "etcd-3" => {
            let members = if target == "etcd-1" { 1 } else { 3 };
            match EtcdProcess::start_cluster(members) {
                Ok(cluster) => measure(target, etcd_store(&cluster).await, run).await,
                Err(e) => println!("{target}: not measured: {e}"),
            }
        }
        _ => match NetnsCluster::start(3) {
            Ok(cluster) => measure(target, etcd_store(cluster.members()).await, run).await,
            Err(e) => println!("{target}: not measured: {e}"),
        },
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let chosen: Vec<&str> = args
        .iter()
        .filter(|a| !a.starts_with('-'))
        .map(String::as_str)
        .collect();
    if let Some(unknown) = chosen.iter().find(|c| !TARGETS.contains(c)) {
        eprintln!(
            "unknown target `{unknown}`: choose among {}",
            TARGETS.join(", ")
        );
        std::process::exit(2);
    }
    let targets: Vec<&str> = match (bench, chosen.is_empty()) {
        (false, _) => vec!["memory", "etcd-1"],
        (true, true) => TARGETS.to_vec(),
        (true, false) => chosen,
    };
    let run = if bench { RUN } else { QUICK_RUN };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        for target in targets {
            measure_target(target, run).await;
        }
    });
}
