//! `orchard explain TRACE`: the story of a trace in plain sentences (stale reads and what they
//! led to, lost writes, local state the store contradicts, the state that broke the property)
//! and which stronger settings would have prevented it.

use std::path::PathBuf;

use anyhow::anyhow;

use super::Outcome;
use super::load::read_trace_file;
use crate::explore::replay::replay;
use crate::explore::trace::Trace;
use crate::history_view::{DagGraph, PathInput, Provenance, explain};
use crate::model::properties;

/// Arguments of `orchard explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The trace file.
    pub trace: PathBuf,
}

/// Runs `orchard explain`: 0 when the trace is explained (a violation, or a path that records
/// none), 1 when its recorded property does not fail where it says (the trace diverges), 2
/// when the trace is bad or no longer fits its model.
pub fn run(args: &ExplainArgs) -> anyhow::Result<Outcome> {
    let origin = args.trace.display().to_string();
    let text = read_trace_file(&args.trace)?;
    let trace = Trace::parse(&text).map_err(|e| anyhow!(e.located(&text, &origin)))?;
    let replayed = replay(&trace).map_err(|e| anyhow!(e.located(&text, &origin)))?;
    let system = &replayed.system;
    let mut steps = Vec::with_capacity(trace.steps.len());
    for (i, step) in trace.steps.iter().enumerate() {
        // The replay took every step from these states, so each is enabled again.
        let t = system
            .take(&replayed.states[i], &step.action)
            .map_err(|e| anyhow!("{origin}: step {}: {e}", i + 1))?;
        steps.push(t);
    }
    let mut provenance = Provenance::of_start(system);
    provenance.extend(Provenance::from_transitions(system, 1, &steps));
    let end = replayed.states.last().unwrap_or(&replayed.states[0]);
    let dag = DagGraph::of_state(system, end, &provenance);
    let violation = properties::by_id(&trace.violation.property).map(|p| (p, trace.violation.step));
    let explanation = explain(&PathInput {
        system,
        start: &replayed.states[0],
        steps: &steps,
        dag: &dag,
        violation,
    });
    println!("{origin}:");
    for sentence in explanation.sentences() {
        println!("  {sentence}");
    }
    match explanation.violation() {
        Some(v) if !v.fails => Ok(Outcome::Failure),
        _ => Ok(Outcome::Success),
    }
}
