//! `orchard state TRACE [--step N] [-o yaml|json] [--for-apply] [--output-file FILE]`: the
//! resources at a step of a trace as `kubectl get -o yaml` (or `-o json`) prints them, a `v1`
//! `List`; with `--for-apply`, without what only an API server sets, so that a cluster takes
//! it with `kubectl apply -f`.

use std::path::PathBuf;

use anyhow::{anyhow, bail};

use super::Outcome;
use super::export::{emit, open_trace};
use crate::history_view::kube_list;

/// How the state is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// YAML, as `kubectl get -o yaml`.
    Yaml,
    /// JSON, as `kubectl get -o json`.
    Json,
}

/// Arguments of `orchard state`.
#[derive(Debug, clap::Args)]
pub struct StateArgs {
    /// The trace file.
    pub trace: PathBuf,
    /// The state after this step (0 is the start state; default: the last).
    #[arg(long)]
    pub step: Option<usize>,
    /// The output format.
    #[arg(long = "output", short = 'o', value_enum, ignore_case = true, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Leave out what only an API server sets (uid, resourceVersion, generation, timestamps,
    /// owner references, status), for `kubectl apply -f` on a cluster that never had them.
    #[arg(long)]
    pub for_apply: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// Runs `orchard state`: 0 when printed, 2 on bad input (a step past the end names the range).
pub fn run(args: &StateArgs) -> anyhow::Result<Outcome> {
    let file = open_trace(&args.trace)?;
    let last = file.last();
    let step = args.step.unwrap_or(last);
    if step > last {
        bail!(
            "--step {step}: {} has {last} steps: give 0 (the start state) to {last}",
            file.origin
        );
    }
    let list = kube_list(&file.states[step].latest(), args.for_apply);
    let text = match args.format {
        Format::Yaml => serde_saphyr::to_string(&list)
            .map_err(|e| anyhow!("{}: cannot write the state as YAML: {e}", file.origin))?,
        Format::Json => to_json(&list)?,
    };
    emit(args.output_file.as_deref(), &text)?;
    Ok(Outcome::Success)
}

/// JSON indented by four spaces, as kubectl prints it.
fn to_json(value: &serde_json::Value) -> anyhow::Result<String> {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    let mut text = String::from_utf8(out)?;
    text.push('\n');
    Ok(text)
}
