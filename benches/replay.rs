//! Replay of a long trace against the deployed controllers: on the memory store and on a
//! private 1-member etcd on loopback. The trace is made here by simulation: `replicaset-scale`
//! with its scale rule allowed to fire without bound, walked by always taking the first
//! enabled transition (controllers before the environment), for 1,000 steps.
//!
//! `cargo bench --bench replay` (release). Reported: the whole replay's wall time, and the
//! time per step, which is how long after a step the replay reports a divergence there (each
//! step is compared as soon as it is taken). Run by `cargo test --all-targets` it only checks
//! itself on 50 steps and the memory store.

use std::sync::Arc;
use std::time::Instant;

use orchard::explore::stop::Stop;
use orchard::explore::trace::Trace;
use orchard::model::config::parse_model;
use orchard::model::controllers::REGISTRY;
use orchard::model::properties;
use orchard::model::system::System;
use orchard::replay::{Options, TargetKind, replay_against};
use orchard::store::{EtcdProcess, EtcdStore, MemoryStore, Store};

const MODEL: &str = include_str!("../models/replicaset-scale.yaml");

/// A path of `steps` steps of the scaling model, as a trace.
fn long_trace(steps: usize) -> Trace {
    let mut config = parse_model(MODEL, "replicaset-scale.yaml", &|_| {
        Err("no includes".into())
    })
    .expect("the model loads")
    .config;
    for rule in &mut config.environment {
        rule.max = u32::MAX;
    }
    let system = System::new(config).expect("the model builds");
    let mut state = system.initial();
    let mut taken = Vec::new();
    while taken.len() < steps {
        let t = system
            .transitions(&state)
            .into_iter()
            .next()
            .expect("scaling is always enabled");
        state = t.next.clone();
        taken.push(t);
    }
    let property = properties::by_id("P10").expect("registered");
    Trace::new(&system, property, &taken)
}

async fn replay(trace: &Trace, store: Arc<dyn Store>, kind: TargetKind) -> (f64, usize) {
    let options = Options {
        registry: REGISTRY,
        stop: Stop::never(),
        origin: "bench".into(),
        command: String::new(),
    };
    let started = Instant::now();
    let report = replay_against(trace, store, kind, &options)
        .await
        .expect("the trace replays");
    assert!(report.divergence.is_none(), "{}", report.render());
    (started.elapsed().as_secs_f64(), report.steps.len())
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let steps = if benching { 1_000 } else { 50 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let made = Instant::now();
    let trace = long_trace(steps);
    println!(
        "trace of {steps} steps made in {:.2} s",
        made.elapsed().as_secs_f64()
    );
    runtime.block_on(async {
        let (secs, rows) = replay(
            &trace,
            Arc::new(MemoryStore::new()),
            TargetKind::Controllers,
        )
        .await;
        println!(
            "controllers on memory: {rows} rows in {secs:.3} s, {:.2} ms per step",
            secs * 1000.0 / rows as f64
        );
        if !benching {
            return;
        }
        let etcd = tokio::task::spawn_blocking(EtcdProcess::start)
            .await
            .unwrap()
            .expect("etcd-server starts");
        let store = EtcdStore::connect(&[etcd.endpoint().to_string()])
            .await
            .expect("etcd answers");
        let (secs, rows) = replay(&trace, Arc::new(store), TargetKind::Etcd).await;
        println!(
            "controllers on a 1-member etcd: {rows} rows in {secs:.3} s, {:.2} ms per step",
            secs * 1000.0 / rows as f64
        );
    });
}
