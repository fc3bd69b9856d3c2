//! Replays of the shipped traces against the deployed controllers on the memory store.

use std::sync::Arc;

use super::*;
use crate::explore::stop::Stop;
use crate::explore::trace::Trace;
use crate::model::controllers::REGISTRY;
use crate::store::MemoryStore;

fn trace(name: &str) -> Trace {
    let path = format!("{}/traces/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the trace is shipped");
    Trace::parse(&text).expect("the trace parses")
}

fn options(name: &str, registry: &'static [crate::model::controllers::Registration]) -> Options {
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
