//! `orchard replay TRACE --against model`: re-run a trace's steps in its embedded model.

use std::path::PathBuf;

use super::Outcome;
use super::load::read_trace_file;
use crate::explore::replay::replay;
use crate::explore::trace::Trace;

/// What a trace is replayed against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// The model embedded in the trace.
    Model,
}

/// Arguments of `orchard replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The trace file.
    pub trace: PathBuf,
    /// What to replay against.
    #[arg(long, value_enum, default_value_t = Target::Model)]
    pub against: Target,
}

/// Runs `orchard replay`: 0 when every step replays and the recorded property fails at the
/// recorded step, 1 when the property does not fail there, 2 when the trace is bad or no
/// longer fits the model (a step not enabled, a digest that differs).
pub fn run(args: &ReplayArgs) -> anyhow::Result<Outcome> {
    let origin = args.trace.display().to_string();
    let text = read_trace_file(&args.trace)?;
    let trace = Trace::parse(&text).map_err(|e| anyhow::anyhow!(e.located(&text, &origin)))?;
    let replayed = replay(&trace).map_err(|e| anyhow::anyhow!(e.located(&text, &origin)))?;
    let v = &trace.violation;
    if replayed.violated {
        println!(
            "{origin}: {} steps replay; {} ({}) is violated at step {}",
            trace.steps.len(),
            v.property,
            v.text,
            v.step
        );
        Ok(Outcome::Success)
    } else {
        println!(
            "{origin}: {} steps replay, but {} ({}) is not violated at step {}: the trace diverges",
            trace.steps.len(),
            v.property,
            v.text,
            v.step
        );
        Ok(Outcome::Failure)
    }
}
