//! Replays of the shipped traces against the deployed controllers on the memory store.

use std::sync::Arc;

use super::*;
use crate::explore::stop::Stop;
use crate::explore::trace::Trace;
use crate::model::controllers::{
    Controller, ControllerSpec, LocalState, REGISTRY, Registration, node, scheduler, statefulset,
};
use crate::model::operation::Operation;
use crate::model::resources::Object;
use crate::model::view::View;
use crate::store::{At, EtcdProcess, EtcdStore, MemoryStore, Scope, Store};

fn trace(name: &str) -> Trace {
    let path = format!("{}/traces/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the trace is shipped");
    Trace::parse(&text).expect("the trace parses")
}

fn options(name: &str, registry: &'static [Registration]) -> Options {
    Options {
        registry,
        stop: Stop::never(),
        origin: name.to_string(),
        command: format!("orchard replay traces/{name} --against controllers"),
    }
}

#[tokio::test]
async fn every_shipped_trace_replays_against_the_controllers() {
    let dir = format!("{}/traces", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 18);
    let mut failed = Vec::new();
    for name in &names {
        match replay_against(
            &trace(name),
            Arc::new(MemoryStore::new()),
            TargetKind::Controllers,
            &options(name, REGISTRY),
        )
        .await
        {
            Ok(report) if report.success() => {}
            Ok(report) => failed.push(report.render()),
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// A deliberately changed StatefulSet controller: the real one, but every pod it creates
/// carries an extra label.
#[derive(Debug)]
struct Labelling(Box<dyn Controller>);

impl Controller for Labelling {
    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation> {
        let mut operation = self.0.step(view, local)?;
        if let Operation::Create(Object::Pod(pod)) = &mut operation {
            pod.metadata
                .labels
                .insert("double".into(), "changed".into());
        }
        Some(operation)
    }
}

fn build_labelling(spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(Labelling((statefulset::REGISTRATION.build)(spec)))
}

/// The registry with the changed StatefulSet controller, registered only here.
pub(crate) static DOUBLE: &[Registration] = &[
    scheduler::REGISTRATION,
    node::REGISTRATION,
    Registration {
        build: build_labelling,
        ..statefulset::REGISTRATION
    },
];

#[tokio::test]
async fn a_changed_controller_is_reported_at_its_first_divergent_step_and_field() {
    let name = "statefulset-stale-reads-P8-resettable-session.json";
    // The real registry matches every step.
    let real = replay_against(
        &trace(name),
        Arc::new(MemoryStore::new()),
        TargetKind::Controllers,
        &options(name, REGISTRY),
    )
    .await
    .unwrap();
    assert!(real.success(), "{}", real.render());
    // The double parts at the settling step where the StatefulSet controller first creates a
    // pod: the store's pod carries the label, the model's does not.
    let report = replay_against(
        &trace(name),
        Arc::new(MemoryStore::new()),
        TargetKind::Controllers,
        &options(name, DOUBLE),
    )
    .await
    .unwrap();
    assert!(!report.success());
    let divergence = report.divergence.clone().expect("a divergence");
    let row = &report.steps[divergence.row];
    assert!(
        row.action.starts_with("statefulset reads"),
        "{}",
        report.render()
    );
    assert!(!row.matched);
    let first = &divergence.fields[0];
    assert_eq!(first.field, "Pod/web-0 .metadata.labels.double");
    assert_eq!(first.model, serde_json::Value::Null);
    assert_eq!(first.target, serde_json::Value::String("changed".into()));
    assert!(!report.reproduced);
    let text = report.render();
    assert!(text.contains("first divergence"), "{text}");
    assert!(text.contains("not reproduced"), "{text}");
    // Every row before it matched; none after it was replayed.
    assert!(report.steps[..divergence.row].iter().all(|r| r.matched));
    assert_eq!(report.steps.len(), divergence.row + 1);
}

#[tokio::test]
async fn a_causal_branch_is_refused_on_etcd_before_anything_is_written() {
    let etcd = tokio::task::spawn_blocking(EtcdProcess::start)
        .await
        .unwrap()
        .expect("etcd-server starts");
    let store = Arc::new(
        EtcdStore::connect(&[etcd.endpoint().to_string()])
            .await
            .unwrap(),
    );
    let name = "deployment-rollout-P8-causal.json";
    let err = replay_against(
        &trace(name),
        store.clone(),
        TargetKind::Etcd,
        &options(name, REGISTRY),
    )
    .await
    .expect_err("refused");
    let ReplayTargetError::Refused { step, why, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(*step, 6, "{err}");
    assert!(why.contains("causal branch"), "{err}");
    let listed = store.list(Scope::All, At::Latest).await.unwrap();
    assert!(listed.value.is_empty(), "nothing is written");
    // The same trace on the memory store is served, its branches materialised.
    let report = replay_against(
        &trace(name),
        Arc::new(MemoryStore::new()),
        TargetKind::Controllers,
        &options(name, REGISTRY),
    )
    .await
    .unwrap();
    assert!(report.success(), "{}", report.render());
    assert!(report.steps.iter().any(|r| r.note.is_some()));
}
