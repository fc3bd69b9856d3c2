//! `orchard export TRACE --format itf [-o FILE]`: a trace as ITF (the Informal Trace Format
//! of Apalache and Quint), with its resources as Kubernetes objects. Also the trace reading
//! that `orchard state` and `orchard dag` share: read, parse and replay, every error located.

use std::path::{Path, PathBuf};

use anyhow::anyhow;

use super::Outcome;
use super::load::read_trace_file;
use crate::explore::replay::replay;
use crate::explore::session::command::write_atomically;
use crate::explore::trace::Trace;
use crate::history_view::{ItfSource, Provenance, to_itf};
use crate::model::properties;
use crate::model::system::{System, SystemState, Transition};

/// The formats `orchard export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The Informal Trace Format (Apalache ADR-015), as Apalache and Quint write it.
    Itf,
}

/// Arguments of `orchard export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The trace file.
    pub trace: PathBuf,
    /// The output format.
    #[arg(long, value_enum, ignore_case = true, default_value_t = Format::Itf)]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// A trace file read and replayed: every step taken again in its embedded model.
pub struct TraceFile {
    /// The file, as named on the command line.
    pub origin: String,
    /// The trace.
    pub trace: Trace,
    /// The system rebuilt from the trace's model.
    pub system: System,
    /// The start state and the state after each step.
    pub states: Vec<SystemState>,
    /// Each step as taken (action, outcome, next state).
    pub transitions: Vec<Transition>,
}

impl TraceFile {
    /// The step count: states run from 0 (the start) to this.
    pub fn last(&self) -> usize {
        self.transitions.len()
    }

    /// Who wrote each revision of the start state and of the first `step` steps.
    pub fn provenance(&self, step: usize) -> Provenance {
        let mut provenance = Provenance::of_start(&self.system);
        for (i, t) in self.transitions[..step].iter().enumerate() {
            provenance.record_action(&self.system, i + 1, &t.action, &t.outcome);
        }
        provenance
    }
}

/// Reads, parses and replays the trace at `path`; an error names the file, the line and the
/// field (a file that is a model or a manifest says so).
pub fn open_trace(path: &Path) -> anyhow::Result<TraceFile> {
    let origin = path.display().to_string();
    let text = read_trace_file(path)?;
    let trace = Trace::parse(&text).map_err(|e| anyhow!(e.located(&text, &origin)))?;
    let replayed = replay(&trace).map_err(|e| anyhow!(e.located(&text, &origin)))?;
    let system = replayed.system;
    let mut transitions = Vec::with_capacity(trace.steps.len());
    for (i, s) in trace.steps.iter().enumerate() {
        // The replay took every step, so each is enabled again from the same state.
        let t = system
            .take(&replayed.states[i], &s.action)
            .map_err(|e| anyhow!("{origin}: step {}: {e}", i + 1))?;
        transitions.push(t);
    }
    Ok(TraceFile {
        origin,
        trace,
        system,
        states: replayed.states,
        transitions,
    })
}

/// Writes `text` to `output` atomically, or to standard output without one.
pub fn emit(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(path) => write_atomically(path, text).map_err(|e| anyhow!("cannot write {e}")),
    }
}

/// Runs `orchard export`: 0 when written, 2 on bad input or a failed write.
pub fn run(args: &ExportArgs) -> anyhow::Result<Outcome> {
    let file = open_trace(&args.trace)?;
    let text = match args.format {
        Format::Itf => {
            let v = &file.trace.violation;
            let source = ItfSource {
                source: &file.origin,
                property: properties::by_id(&v.property),
                violation_step: v.step,
            };
            let itf = to_itf(
                &file.system,
                &file.states[0],
                &file.transitions,
                file.provenance(0),
                &source,
            );
            // Invariant: a JSON value with string keys always serializes.
            serde_json::to_string_pretty(&itf).expect("a JSON value serializes") + "\n"
        }
    };
    emit(args.output.as_deref(), &text)?;
    Ok(Outcome::Success)
}
