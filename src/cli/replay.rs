//! `orchard replay TRACE --against model|controllers|etcd [--etcd URL,...|--start-etcd]
//! [--report FILE] [--upgrade]`: re-run a trace's steps in its embedded model, or with the deployed
//! controllers on the memory store or a live etcd (`replay/target.rs`).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::bail;

mod target;

use super::Outcome;
use super::flags;
use super::load::read_trace_file;
use super::signals::Signals;
use crate::explore::replay::{ReplayError, Replayed, replay};
use crate::explore::stop::{Stop, StopReason};
use crate::explore::trace::{FORMAT, Trace};

/// What a trace is replayed against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// The model embedded in the trace.
    Model,
    /// The deployed controllers (tokio tasks with informer caches) on the in-memory store.
    Controllers,
    /// The deployed controllers on a live etcd (`--etcd` or `--start-etcd`).
    Etcd,
}

/// Arguments of `orchard replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The trace file.
    pub trace: PathBuf,
    /// What to replay against.
    #[arg(long, value_enum, ignore_case = true, default_value_t = Target::Model)]
    pub against: Target,
    /// Give up after this many seconds (0.001 to a year), settling included.
    #[arg(long, value_parser = flags::timeout)]
    pub timeout: Option<Duration>,
    /// With `--against etcd`: the etcd endpoints, comma-separated.
    #[arg(long, value_delimiter = ',', conflicts_with = "start_etcd")]
    pub etcd: Vec<String>,
    /// With `--against etcd`: start a private etcd on free loopback ports (stopped at the end).
    #[arg(long)]
    pub start_etcd: bool,
    /// Also write the report as JSON to this file (atomically).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// With `--against model`: once every step replays, rewrite a trace of an older format
    /// in the current one (format 2, canonical digests), atomically, in place.
    #[arg(long)]
    pub upgrade: bool,
    /// Replay under a guard switched on or off (repeatable), instead of the guards the trace
    /// was made with: does the failure still happen with the guard on?
    #[arg(long = "guard", value_name = "NAME=on|off", value_parser = flags::guard)]
    pub guards: Vec<(&'static str, bool)>,
}

/// Runs `orchard replay`: 0 when every step replays and the recorded property fails at the
/// recorded step, 1 when the property does not fail there, 2 when the trace is bad or no
/// longer fits the model (a step not enabled, a digest that differs). `--timeout`, SIGINT
/// and SIGTERM end it with a message wherever it is (settling a large model included).
pub fn run(args: &ReplayArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let stop = Stop::after(args.timeout);
    let signals = Signals::install(&stop)?;
    let origin = args.trace.display().to_string();
    let text = read_trace_file(&args.trace)?;
    let mut trace = Trace::parse(&text).map_err(|e| anyhow::anyhow!(e.located(&text, &origin)))?;
    if args.upgrade && !args.guards.is_empty() {
        bail!("--upgrade rewrites the trace as it was made: leave out --guard");
    }
    crate::model::config::guards::GuardSwitches::from_pairs(&args.guards)
        .apply(&mut trace.model.guards);
    if args.against != Target::Etcd && (args.start_etcd || !args.etcd.is_empty()) {
        bail!("--etcd and --start-etcd go with --against etcd");
    }
    if args.upgrade && args.against != Target::Model {
        bail!("--upgrade goes with --against model");
    }
    if args.against != Target::Model {
        return target::run(args, &trace, &text, &origin, &stop, &signals, started);
    }
    let replayed = match within(&stop, &trace) {
        Err(StopReason::Cancelled) => {
            let (name, code) = signals.received().unwrap_or(("a signal", 130));
            eprintln!(
                "{origin}: replay stopped by {name} after {:.1} s",
                started.elapsed().as_secs_f64()
            );
            return Ok(Outcome::Interrupted(code));
        }
        Err(StopReason::Timeout) => bail!(
            "{origin}: the replay did not finish within --timeout ({:.1} s)",
            started.elapsed().as_secs_f64()
        ),
        Ok(result) => result,
    };
    let replayed = replayed.map_err(|e| anyhow::anyhow!(e.located(&text, &origin)))?;
    if let Some(path) = &args.report {
        target::write_report(path, &model_report(args, &trace, &replayed, &origin))?;
    }
    if args.upgrade {
        upgrade(&args.trace, &origin, &trace, &replayed)?;
    }
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

/// Rewrites a replayed trace of an older format as the current format, in place and
/// atomically; a trace in the current format is left as it is.
fn upgrade(path: &Path, origin: &str, trace: &Trace, replayed: &Replayed) -> anyhow::Result<()> {
    if trace.format == FORMAT {
        println!("{origin}: already trace format {FORMAT}; left as it is");
        return Ok(());
    }
    trace
        .upgraded(&replayed.states)
        .write_to(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {}", e.path.display(), e.source))?;
    println!(
        "{origin}: rewritten from trace format {} to format {FORMAT}",
        trace.format
    );
    Ok(())
}

/// Replays `trace` on a worker thread, waiting for it until `stop` says otherwise (polled every
/// 10 ms): a stopped replay is abandoned where it is, and the process ends with the message.
fn within(stop: &Stop, trace: &Trace) -> Result<Result<Replayed, ReplayError>, StopReason> {
    let (done, result) = mpsc::channel();
    let trace = trace.clone();
    let worker = std::thread::spawn(move || {
        // The receiver is gone only when the replay was abandoned.
        let _ = done.send(replay(&trace));
    });
    loop {
        match result.recv_timeout(Duration::from_millis(10)) {
            Ok(replayed) => return Ok(replayed),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if let Some(reason) = stop.reason() {
                    return Err(reason);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // The replay panicked (a bug): the panic goes on here.
                if let Err(payload) = worker.join() {
                    std::panic::resume_unwind(payload);
                }
                unreachable!("a replay that returns sends its result first");
            }
        }
    }
}

/// The model replay as a report: every step matched its digest.
fn model_report(
    args: &ReplayArgs,
    trace: &Trace,
    replayed: &Replayed,
    origin: &str,
) -> crate::replay::Report {
    use crate::model::history::History;
    let steps = trace
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| crate::replay::StepRow {
            step: i + 1,
            action: replayed.system.describe(&step.action),
            model_revision: replayed.states[i + 1].history.latest(),
            store_revision: None,
            matched: true,
            first_difference: None,
            note: None,
        })
        .collect();
    crate::replay::Report {
        trace: origin.to_string(),
        target: "model".into(),
        steps,
        trace_steps: trace.steps.len(),
        divergence: None,
        property: trace.violation.property.clone(),
        violation_step: trace.violation.step,
        reproduced: replayed.violated,
        command: format!("orchard replay {} --against model", args.trace.display()),
    }
}
