//! `orchard dag MODEL|TRACE [--step N] [--format text|dot|json] [--reader CONTROLLER]`: the
//! revision DAG at the end of a trace (or after step N), or of a model's start state.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::Outcome;
use super::check::ignored_line;
use super::export::open_trace;
use super::flags;
use super::load::{load_model, warn_outside};
use super::signals::Signals;
use crate::explore::stop::{Stop, StopReason};
use crate::history_view::{DagGraph, Highlight, Layout, Provenance, to_dot, to_json, to_text};
use crate::model::suggest::did_you_mean;
use crate::model::system::{System, SystemState};

/// How the DAG is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lanes and labels, newest first, as the explorer draws them.
    Text,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// JSON: nodes, edges, heads, commit point, lost revisions, readable sets.
    Json,
}

/// Arguments of `orchard dag`.
#[derive(Debug, clap::Args)]
pub struct DagArgs {
    /// A trace file (`.json`) or a model file (`.yaml`).
    pub input: PathBuf,
    /// For a trace: the DAG after this step (0 is the start state; default: the last).
    #[arg(long)]
    pub step: Option<usize>,
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Light the revisions this controller may read now (and its session or caches).
    #[arg(long)]
    pub reader: Option<String>,
    /// Collapse runs of more than this many revisions by one writer.
    #[arg(long)]
    pub collapse: Option<usize>,
    /// Give up after this many seconds (0.001 to a year): settling a large model's start state
    /// can take long.
    #[arg(long, value_parser = flags::timeout)]
    pub timeout: Option<Duration>,
}

/// Runs `orchard dag`: 0 when printed, 2 on bad input or when `--timeout` passes while a
/// model's start state settles; SIGINT and SIGTERM stop settling too (130, 143).
pub fn run(args: &DagArgs) -> anyhow::Result<Outcome> {
    let stop = Stop::after(args.timeout);
    let signals = Signals::install(&stop)?;
    let started = Instant::now();
    let (system, state, provenance) = if is_trace(&args.input) {
        from_trace(&args.input, args.step)?
    } else {
        if args.step.is_some() {
            bail!(
                "{}: --step needs a trace; a model shows its start state",
                args.input.display()
            );
        }
        let file = load_model(&args.input)?;
        warn_outside(&file);
        if let Some(line) = ignored_line(&file) {
            eprintln!("{line}");
        }
        let origin = file.path.display().to_string();
        let system = System::new(file.config).with_context(|| origin.clone())?;
        let settled = stop.initial(&system).and_then(|state| {
            let provenance = Provenance::of_start_until(&system, &state, &|| stop.should_stop());
            match stop.reason() {
                Some(reason) => Err(reason),
                None => Ok((state, provenance)),
            }
        });
        let (state, provenance) = match settled {
            Ok(settled) => settled,
            Err(StopReason::Timeout) => bail!(
                "{origin}: the start state did not settle within --timeout ({:.1} s)",
                started.elapsed().as_secs_f64()
            ),
            Err(StopReason::Cancelled) => {
                let (name, code) = signals.received().unwrap_or(("a signal", 130));
                eprintln!(
                    "{origin}: stopped by {name} while settling the start state, after {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                return Ok(Outcome::Interrupted(code));
            }
        };
        (system, state, provenance)
    };
    let mut graph = DagGraph::of_state(&system, &state, &provenance);
    if let Some(longest) = args.collapse {
        graph = graph.collapse_runs(longest);
    }
    let highlight = match &args.reader {
        None => Highlight::none(),
        Some(name) => Highlight::reader(&graph, name).ok_or_else(|| {
            anyhow::anyhow!(
                "--reader: no controller `{name}` in the model{}",
                did_you_mean(name, graph.readers())
            )
        })?,
    };
    let out = match args.format {
        Format::Text => to_text(&graph, &Layout::of(&graph), &highlight),
        Format::Dot => to_dot(&graph, &highlight),
        Format::Json => to_json(&graph, &highlight) + "\n",
    };
    print!("{out}");
    Ok(Outcome::Success)
}

fn is_trace(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Replays a trace up to `step` (default: its end), with who wrote each revision.
fn from_trace(
    path: &Path,
    step: Option<usize>,
) -> anyhow::Result<(System, SystemState, Provenance)> {
    let file = open_trace(path)?;
    let last = file.last();
    let step = step.unwrap_or(last);
    if step > last {
        bail!(
            "--step {step}: {} has {last} steps: give 0 (the start state) to {last}",
            file.origin
        );
    }
    let provenance = file.provenance(step);
    let state = file.states[step].clone();
    Ok((file.system, state, provenance))
}
