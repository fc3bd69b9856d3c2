//! `orchard replay TRACE --against model`: re-run a trace's steps in its embedded model.

use std::path::PathBuf;

use anyhow::{Context, bail};

use super::Outcome;
use crate::explore::replay::replay;
use crate::explore::trace::{Trace, TraceError, line_of_key, line_of_step};

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
    let text = std::fs::read_to_string(&args.trace)
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
    let v = &trace.violation;
    if v.property.is_empty() {
        println!(
            "{origin}: {} steps replay (an explored path that records no violation)",
            trace.steps.len()
        );
        return Ok(Outcome::Success);
    }
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
