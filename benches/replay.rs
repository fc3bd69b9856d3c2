//! Replay against the deployed controllers (`cargo bench --bench replay`, release):
//!
//! - a long trace on the memory store and on a private 1-member etcd on loopback. The trace is
//!   made here by simulation: `replicaset-scale` with its scale rule allowed to fire without
//!   bound, walked by always taking the first enabled transition (controllers before the
//!   environment), for 1,000 steps. Reported: the whole replay's wall time and the time per
//!   step;
//! - how soon a divergence is reported: the same trace replayed on a fresh private etcd by a
//!   test double of the replicaset controller (registered only here) that labels the pods it
//!   creates once the ReplicaSet's generation reaches the one it has at step 900. Reported: the
//!   step it diverges at, and the time from the double's changed write (the step's commit
//!   follows it at once) to the replay's report of the divergence;
//! - every trace in `traces/` against the controllers on the memory store, one after another:
//!   the whole set's wall time and the slowest trace.
//!
//! Run by `cargo test --all-targets` (no `--bench` argument) it only checks itself: 50 steps,
//! everything on the memory store.

use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use orchard::explore::stop::Stop;
use orchard::explore::trace::Trace;
use orchard::model::config::parse_model;
use orchard::model::controllers::{
    Controller, ControllerSpec, LocalState, REGISTRY, Registration, node, replicaset, scheduler,
};
use orchard::model::operation::Operation;
use orchard::model::properties;
use orchard::model::resources::{Kind, Object};
use orchard::model::system::System;
use orchard::model::view::View;
use orchard::replay::{Options, Report, TargetKind, replay_against};
use orchard::store::{EtcdProcess, EtcdStore, MemoryStore, Store};

const MODEL: &str = include_str!("../models/replicaset-scale.yaml");

/// The generation of ReplicaSet `web` from which the double changes what it writes (set once
/// the trace is made, before the double runs).
static DIVERGE_FROM_GENERATION: AtomicI64 = AtomicI64::new(i64::MAX);

/// When the double first wrote something the real controller would not have.
static CHANGED_AT: OnceLock<Instant> = OnceLock::new();

/// The replicaset controller, except that once the ReplicaSet it reads has reached
/// [`DIVERGE_FROM_GENERATION`], the pods it creates carry an extra label.
#[derive(Debug)]
struct LateLabelling(Box<dyn Controller>);

impl Controller for LateLabelling {
    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation> {
        let mut operation = self.0.step(view, local)?;
        let threshold = DIVERGE_FROM_GENERATION.load(Ordering::Relaxed);
        let late = view
            .replicasets()
            .iter()
            .any(|rs| rs.metadata.generation >= threshold);
        if let (true, Operation::Create(Object::Pod(pod))) = (late, &mut operation) {
            pod.metadata
                .labels
                .insert("double".into(), "changed".into());
            CHANGED_AT.get_or_init(Instant::now);
        }
        Some(operation)
    }
}

fn build_late_labelling(spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(LateLabelling((replicaset::REGISTRATION.build)(spec)))
}

/// The registry with the double in the replicaset controller's place.
static DOUBLE: &[Registration] = &[
    scheduler::REGISTRATION,
    node::REGISTRATION,
    Registration {
        build: build_late_labelling,
        ..replicaset::REGISTRATION
    },
];

/// A path of `steps` steps of the scaling model, as a trace, and the ReplicaSet's generation
/// after step `late`.
fn long_trace(steps: usize, late: usize) -> (Trace, i64) {
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
    let mut generation = 0;
    while taken.len() < steps {
        let t = system
            .transitions(&state)
            .into_iter()
            .next()
            .expect("scaling is always enabled");
        state = t.next.clone();
        taken.push(t);
        if taken.len() == late {
            generation = state
                .latest()
                .get(Kind::ReplicaSet, "web")
                .expect("the ReplicaSet")
                .metadata()
                .generation;
        }
    }
    let property = properties::by_id("P10").expect("registered");
    (Trace::new(&system, property, &taken), generation)
}

fn options(origin: &str, registry: &'static [Registration]) -> Options {
    Options {
        registry,
        stop: Stop::never(),
        origin: origin.into(),
        command: String::new(),
    }
}

async fn replay(
    trace: &Trace,
    store: Arc<dyn Store>,
    kind: TargetKind,
    registry: &'static [Registration],
) -> (f64, Report) {
    let started = Instant::now();
    let report = replay_against(trace, store, kind, &options("bench", registry))
        .await
        .expect("the trace replays");
    (started.elapsed().as_secs_f64(), report)
}

/// A fresh private etcd and a store on it.
async fn private_etcd() -> (EtcdProcess, Arc<dyn Store>) {
    let etcd = tokio::task::spawn_blocking(EtcdProcess::start)
        .await
        .expect("the start thread")
        .expect("etcd-server starts");
    let store = EtcdStore::connect(&[etcd.endpoint().to_string()])
        .await
        .expect("etcd answers");
    (etcd, Arc::new(store))
}

/// The whole replay matched: its wall time per row.
fn timed_rows(label: &str, secs: f64, report: &Report) {
    assert!(report.divergence.is_none(), "{}", report.render());
    let rows = report.steps.len();
    println!(
        "{label}: {rows} rows in {secs:.3} s, {:.2} ms per step",
        secs * 1000.0 / rows as f64
    );
}

/// The double's replay: where it diverged and how long after the changed write.
async fn divergence(label: &str, trace: &Trace, store: Arc<dyn Store>, kind: TargetKind) {
    let (_, report) = replay(trace, store, kind, DOUBLE).await;
    let reported = Instant::now();
    let divergence = report.divergence.as_ref().expect("the double diverges");
    let changed = *CHANGED_AT.get().expect("the double changed a write");
    let field = divergence
        .fields
        .first()
        .map_or_else(String::new, |f| f.field.clone());
    println!(
        "{label}: diverged at step {} of {} ({field}), reported {:.1} ms after the changed write",
        divergence.step,
        trace.steps.len(),
        reported.duration_since(changed).as_secs_f64() * 1000.0
    );
}

/// Every shipped trace against the controllers on the memory store.
async fn shipped_traces() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/traces");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("traces/ is readable")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let started = Instant::now();
    let mut slowest = (0.0, String::new());
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("a shipped trace");
        let trace = Trace::parse(&text).expect("the trace parses");
        let (secs, report) = replay(
            &trace,
            Arc::new(MemoryStore::new()),
            TargetKind::Controllers,
            REGISTRY,
        )
        .await;
        assert!(report.success(), "{}", report.render());
        if secs > slowest.0 {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            slowest = (secs, name.into_owned());
        }
    }
    println!(
        "every trace in traces/ ({}) against controllers on memory: {:.3} s; slowest {} ({:.3} s)",
        paths.len(),
        started.elapsed().as_secs_f64(),
        slowest.1,
        slowest.0
    );
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let steps = if benching { 1_000 } else { 50 };
    let late = steps * 9 / 10;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let made = Instant::now();
    let (trace, generation) = long_trace(steps, late);
    DIVERGE_FROM_GENERATION.store(generation, Ordering::Relaxed);
    println!(
        "trace of {steps} steps made in {:.2} s; the double diverges from generation \
         {generation} (step {late})",
        made.elapsed().as_secs_f64()
    );
    runtime.block_on(async {
        let memory = || Arc::new(MemoryStore::new());
        let (secs, report) = replay(&trace, memory(), TargetKind::Controllers, REGISTRY).await;
        timed_rows("controllers on memory", secs, &report);
        if !benching {
            divergence(
                "the double on memory",
                &trace,
                memory(),
                TargetKind::Controllers,
            )
            .await;
            shipped_traces().await;
            return;
        }
        let (_etcd, store) = private_etcd().await;
        let (secs, report) = replay(&trace, store, TargetKind::Etcd, REGISTRY).await;
        timed_rows("controllers on a 1-member etcd", secs, &report);
        let (_etcd, store) = private_etcd().await;
        divergence(
            "the double on a 1-member etcd",
            &trace,
            store,
            TargetKind::Etcd,
        )
        .await;
        shipped_traces().await;
    });
}
