//! `orchard dag MODEL|TRACE [--step N] [--format text|dot|json] [--reader CONTROLLER]`: the
//! revision DAG at the end of a trace (or after step N), or of a model's start state.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::Outcome;
use super::check::ignored_line;
use super::load::{load_model, warn_outside};
use crate::explore::replay::replay;
use crate::explore::trace::{Trace, TraceError, line_of_key, line_of_step};
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
}

/// Runs `orchard dag`: 0 when printed, 2 on bad input.
pub fn run(args: &DagArgs) -> anyhow::Result<Outcome> {
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
        let state = system.initial();
        let provenance = Provenance::of_start(&system);
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
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{origin}: cannot read the trace"))?;
    let trace = match Trace::parse(&text) {
        Ok(trace) => trace,
        Err(TraceError::Json {
            line,
            column,
            message,
        }) => bail!("{origin}:{line}:{column}: {message}"),
        Err(e) => match e.field().and_then(|f| line_of_key(&text, f)) {
            Some(line) => bail!("{origin}:{line}: {e}"),
            None => bail!("{origin}: {e}"),
        },
    };
    let last = trace.steps.len();
    let step = step.unwrap_or(last);
    if step > last {
        bail!("--step {step}: {origin} has {last} steps (0 is the start state)");
    }
    let replayed = match replay(&trace) {
        Ok(r) => r,
        Err(e) => match e
            .step()
            .and_then(|s| line_of_step(&text, s - 1))
            .or_else(|| e.field().and_then(|f| line_of_key(&text, f)))
        {
            Some(line) => bail!("{origin}:{line}: {e}"),
            None => bail!("{origin}: {e}"),
        },
    };
    let system = replayed.system;
    let mut provenance = Provenance::of_start(&system);
    for (i, s) in trace.steps[..step].iter().enumerate() {
        // The replay took every step, so each is enabled again from the same state.
        let t = system
            .take(&replayed.states[i], &s.action)
            .map_err(|e| anyhow::anyhow!("{origin}: step {}: {e}", i + 1))?;
        provenance.record_action(&system, i + 1, &t.action, &t.outcome);
    }
    let state = replayed.states[step].clone();
    Ok((system, state, provenance))
}
