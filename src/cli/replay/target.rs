//! `orchard replay --against controllers|etcd`: the deployed controllers on the memory store or
//! a live etcd (started privately with `--start-etcd`, stopped at the end whatever happens).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::{ReplayArgs, Target};
use crate::cli::Outcome;
use crate::cli::signals::Signals;
use crate::explore::stop::{Stop, StopReason};
use crate::explore::trace::Trace;
use crate::model::controllers::REGISTRY;
use crate::replay::{Options, ReplayTargetError, Report, TargetKind, replay_against};
use crate::store::{EtcdProcess, EtcdStore, MemoryStore, Store};

/// Runs the replay against a store target and prints its report.
pub fn run(
    args: &ReplayArgs,
    trace: &Trace,
    text: &str,
    origin: &str,
    stop: &Stop,
    signals: &Signals,
    started: Instant,
) -> anyhow::Result<Outcome> {
    if args.against == Target::Etcd && args.etcd.is_empty() && !args.start_etcd {
        bail!("--against etcd needs --etcd URL[,URL...] or --start-etcd");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let outcome = runtime.block_on(async {
        let work = replay_on_target(args, trace, origin, stop);
        tokio::pin!(work);
        loop {
            tokio::select! {
                result = &mut work => break Ok(result),
                () = tokio::time::sleep(Duration::from_millis(10)) => {
                    if let Some(reason) = stop.reason() {
                        break Err(reason);
                    }
                }
            }
        }
    });
    // The tasks, and a private etcd, are gone once the future is dropped (above, on a stop).
    runtime.shutdown_timeout(Duration::from_secs(1));
    let result = match outcome {
        Err(StopReason::Cancelled) => return Ok(interrupted(signals, origin, started)),
        Err(StopReason::Timeout) => bail!(
            "{origin}: the replay did not finish within --timeout ({:.1} s)",
            started.elapsed().as_secs_f64()
        ),
        Ok(result) => result,
    };
    let report = match result {
        Ok(report) => report,
        Err(Failure::Replay(ReplayTargetError::Stopped(StopReason::Cancelled))) => {
            return Ok(interrupted(signals, origin, started));
        }
        Err(Failure::Replay(ReplayTargetError::Stopped(StopReason::Timeout))) => bail!(
            "{origin}: the replay did not finish within --timeout ({:.1} s)",
            started.elapsed().as_secs_f64()
        ),
        Err(Failure::Replay(ReplayTargetError::Trace(e))) => bail!(e.located(text, origin)),
        Err(Failure::Replay(e)) => bail!("{origin}: {e}"),
        Err(Failure::Setup(e)) => return Err(e),
    };
    print!("{}", report.render());
    if let Some(path) = &args.report {
        write_report(path, &report)?;
    }
    Ok(if report.success() {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

fn interrupted(signals: &Signals, origin: &str, started: Instant) -> Outcome {
    let (name, code) = signals.received().unwrap_or(("a signal", 130));
    eprintln!(
        "{origin}: replay stopped by {name} after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Outcome::Interrupted(code)
}

/// What ends a replay on a target without a report.
enum Failure {
    /// The target could not be set up (etcd absent, or failing to start).
    Setup(anyhow::Error),
    /// The replay refused the trace or failed.
    Replay(ReplayTargetError),
}

/// Sets up the target (a private etcd lives inside this future, so dropping it stops etcd) and
/// replays.
async fn replay_on_target(
    args: &ReplayArgs,
    trace: &Trace,
    origin: &str,
    stop: &Stop,
) -> Result<Report, Failure> {
    let mut command = format!(
        "orchard replay {} --against {}",
        args.trace.display(),
        match args.against {
            Target::Model => "model",
            Target::Controllers => "controllers",
            Target::Etcd => "etcd",
        }
    );
    let mut private = None;
    let (store, kind): (Arc<dyn Store>, TargetKind) = match args.against {
        Target::Model | Target::Controllers => {
            (Arc::new(MemoryStore::new()), TargetKind::Controllers)
        }
        Target::Etcd => {
            let endpoints = if args.start_etcd {
                command.push_str(" --start-etcd");
                let process = tokio::task::spawn_blocking(EtcdProcess::start)
                    .await
                    .map_err(|e| Failure::Setup(anyhow::anyhow!("starting etcd: {e}")))?
                    .map_err(|e| Failure::Setup(anyhow::anyhow!("--start-etcd: {e}")))?;
                let endpoint = process.endpoint().to_string();
                private = Some(process);
                vec![endpoint]
            } else {
                command.push_str(&format!(" --etcd {}", args.etcd.join(",")));
                args.etcd.clone()
            };
            let store = EtcdStore::connect(&endpoints)
                .await
                .map_err(|e| Failure::Setup(anyhow::anyhow!("{e}")))?;
            (Arc::new(store), TargetKind::Etcd)
        }
    };
    let options = Options {
        registry: REGISTRY,
        stop: stop.clone(),
        origin: origin.to_string(),
        command,
    };
    let report = replay_against(trace, store, kind, &options)
        .await
        .map_err(Failure::Replay);
    drop(private);
    report
}

/// Writes a report as JSON, atomically.
pub fn write_report(path: &Path, report: &Report) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report).context("encoding the report")?;
    crate::explore::session::command::write_atomically(path, &format!("{json}\n"))
        .map_err(|e| anyhow::anyhow!("--report {e}"))
}
