//! `orchard run MODEL [--store memory|etcd] [--etcd URL,...|--start-etcd] [--duration SECS]
//! [--seed N] [--restarts P] [--stale-reads P] [--relist any-revision|latest] [--timeout S]
//! [--json] [--trace FILE]`: the model's controllers live (`runtime::manager`), until the
//! duration ends, Ctrl-C, or a property fails; then what happened is written as a trace.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::Outcome;
use super::flags;
use super::load::load_model;
use super::signals::Signals;
use crate::explore::session::command::write_atomically;
use crate::explore::stop::Stop;
use crate::explore::trace::Trace;
use crate::model::controllers::REGISTRY;
use crate::model::properties;
use crate::runtime::manager::faults::{Faults, Relist};
use crate::runtime::manager::recorder::Verdict;
use crate::runtime::manager::{Manager, RunConfig};
use crate::store::{EtcdProcess, EtcdStore, MemoryStore, Store};

/// Where the run keeps the cluster state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// The in-memory store.
    Memory,
    /// etcd (`--etcd` or `--start-etcd`).
    Etcd,
}

/// Arguments of `orchard run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The model file.
    pub model: PathBuf,
    /// The store.
    #[arg(long, value_enum, ignore_case = true, default_value_t = StoreKind::Memory)]
    pub store: StoreKind,
    /// With `--store etcd`: the etcd endpoints, comma-separated.
    #[arg(long, value_delimiter = ',', conflicts_with = "start_etcd")]
    pub etcd: Vec<String>,
    /// With `--store etcd`: start a private etcd on free loopback ports (stopped at the end).
    #[arg(long)]
    pub start_etcd: bool,
    /// Run this many seconds at most (a violation ends it earlier).
    #[arg(long, default_value_t = 10.0)]
    pub duration: f64,
    /// The seed of every random choice (moments, faults, reads).
    #[arg(long, value_parser = flags::seed, default_value_t = 1)]
    pub seed: u64,
    /// Per 100 ms: the chance that a restart the model's environment allows fires.
    #[arg(long, default_value_t = 0.0)]
    pub restarts: f64,
    /// Per step: the chance that a controller reads an older revision than the latest.
    #[arg(long, default_value_t = 0.0)]
    pub stale_reads: f64,
    /// What a restarted controller lists from: any-revision or latest.
    #[arg(long, default_value = "any-revision")]
    pub relist: String,
    /// Give up after this many seconds (setup included).
    #[arg(long, value_parser = flags::timeout)]
    pub timeout: Option<Duration>,
    /// The status as JSON lines on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where the trace goes (default: `run-<model>-seed<N>.json` here).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Switch a guard against stale reads (repeatable), as `orchard check --guard`.
    #[arg(long = "guard", value_name = "NAME=on|off", value_parser = flags::guard)]
    pub guards: Vec<(&'static str, bool)>,
}

/// Runs `orchard run`: 1 when a property failed (the trace reproduces it), 0 when none did,
/// 2 on bad input or when the model refused a recorded step.
pub fn run(args: &RunArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let faults = Faults {
        restarts: args.restarts,
        stale_reads: args.stale_reads,
        relist: Relist::parse(&args.relist)?,
        partition: 0.0,
    };
    faults.check()?;
    if !(args.duration > 0.0 && args.duration <= 31_536_000.0) {
        bail!(
            "--duration: {} is not a number of seconds between 0 and a year",
            args.duration
        );
    }
    if args.store == StoreKind::Etcd && args.etcd.is_empty() && !args.start_etcd {
        bail!("--store etcd needs --etcd URL[,URL...] or --start-etcd");
    }
    if args.store == StoreKind::Memory && (args.start_etcd || !args.etcd.is_empty()) {
        bail!("--etcd and --start-etcd go with --store etcd");
    }
    let loaded = load_model(&args.model)?;
    let mut model = loaded.config;
    crate::model::config::guards::GuardSwitches::from_pairs(&args.guards).apply(&mut model.guards);
    let stop = Stop::after(args.timeout);
    let signals = Signals::install(&stop)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config = RunConfig {
        model,
        faults,
        seed: args.seed,
        horizon: Duration::from_secs_f64(args.duration),
    };
    let deadline = started + Duration::from_secs_f64(args.duration);
    let (finished, ended) = runtime.block_on(async {
        let mut private = None;
        let store: Arc<dyn Store> = match args.store {
            StoreKind::Memory => Arc::new(MemoryStore::new()),
            StoreKind::Etcd => {
                let endpoints = if args.start_etcd {
                    let process = tokio::task::spawn_blocking(EtcdProcess::start)
                        .await
                        .map_err(|e| anyhow::anyhow!("starting etcd: {e}"))?
                        .map_err(|e| anyhow::anyhow!("--start-etcd: {e}"))?;
                    let endpoint = process.endpoint().to_string();
                    private = Some(process);
                    vec![endpoint]
                } else {
                    args.etcd.clone()
                };
                Arc::new(EtcdStore::connect(&endpoints).await?)
            }
        };
        let mut manager = Manager::start(config, store, None, REGISTRY)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.model.display()))?;
        let ended = watch_run(&mut manager, args, &stop, deadline).await;
        let finished = manager.finish();
        drop(private);
        anyhow::Ok((finished, ended))
    })?;
    runtime.shutdown_timeout(Duration::from_secs(1));
    let system = finished.system.clone();
    let violated = match &finished.verdict {
        Some(Verdict::Violated { property, .. }) => properties::by_id(property),
        _ => None,
    };
    let any = properties::all()[0];
    let transitions: Vec<_> = finished
        .steps
        .iter()
        .map(|r| r.transition.clone())
        .collect();
    let mut trace = Trace::from_initial(
        &system,
        &finished.initial,
        violated.unwrap_or(any),
        &transitions,
    );
    if violated.is_none() {
        trace.violation.property.clear();
        trace.violation.text.clear();
    }
    for (step, recorded) in trace.steps.iter_mut().zip(&finished.steps) {
        if let Some(note) = &recorded.note {
            step.describe = format!("{} ({note})", step.describe);
        }
    }
    let path = args.trace.clone().unwrap_or_else(|| {
        let name = if system.config().name.is_empty() {
            "model"
        } else {
            &system.config().name
        };
        PathBuf::from(format!("run-{name}-seed{}.json", args.seed))
    });
    write_atomically(&path, &trace.to_json()).map_err(|e| anyhow::anyhow!("--trace {e}"))?;
    let elapsed = started.elapsed().as_secs_f64();
    let summary = match &finished.verdict {
        Some(Verdict::Violated { property, step }) => format!(
            "{property} violated after {step} steps ({elapsed:.1} s, seed {}): trace {}\n  \
             reproduce: orchard replay {} --against model",
            args.seed,
            path.display(),
            path.display()
        ),
        Some(Verdict::Refused {
            step,
            describe,
            reason,
        }) => format!(
            "the model refuses recorded step {step} ({describe}): {reason}; this is a bug in \
             the model or in orchard. The steps before it: trace {}",
            path.display()
        ),
        None => format!(
            "no property failed in {} steps ({elapsed:.1} s, {ended}, seed {}): trace {}",
            finished.steps.len(),
            args.seed,
            path.display()
        ),
    };
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "result": match &finished.verdict {
                    Some(Verdict::Violated { .. }) => "violated",
                    Some(Verdict::Refused { .. }) => "refused",
                    None => "holds",
                },
                "steps": finished.steps.len(),
                "trace": path.display().to_string(),
                "seconds": elapsed,
                "message": summary,
            })
        );
    }
    match &finished.verdict {
        Some(Verdict::Refused { .. }) => bail!(summary),
        Some(Verdict::Violated { .. }) => {
            eprintln!("{summary}");
            Ok(Outcome::Failure)
        }
        None if ended == "interrupted" => {
            eprintln!("{summary}");
            Ok(Outcome::Interrupted(
                signals.received().map_or(130, |(_, code)| code),
            ))
        }
        None => {
            eprintln!("{summary}");
            Ok(Outcome::Success)
        }
    }
}

/// Runs the manager, showing the status, until the deadline, a stop or a verdict; says which
/// ended the run.
async fn watch_run(
    manager: &mut Manager,
    args: &RunArgs,
    stop: &Stop,
    deadline: Instant,
) -> &'static str {
    let terminal = !args.json && std::io::stderr().is_terminal();
    let mut shown = Instant::now();
    let every = if terminal {
        Duration::from_millis(250)
    } else {
        Duration::from_secs(2)
    };
    let should_stop = || stop.should_stop() || Instant::now() >= deadline;
    let mut status = |snapshot: &crate::runtime::manager::status::Snapshot| {
        if shown.elapsed() < every {
            return;
        }
        shown = Instant::now();
        show(snapshot, args, terminal);
    };
    manager.run(&should_stop, &mut status).await;
    show(&manager.snapshot(), args, terminal);
    if terminal {
        eprintln!();
    }
    if manager.verdict().is_some() {
        return "a verdict";
    }
    match stop.reason() {
        Some(crate::explore::stop::StopReason::Cancelled) => "interrupted",
        Some(crate::explore::stop::StopReason::Timeout) => "--timeout",
        None if Instant::now() >= deadline => "the duration",
        None => "the step limit",
    }
}

fn show(snapshot: &crate::runtime::manager::status::Snapshot, args: &RunArgs, terminal: bool) {
    if args.json {
        println!("{}", snapshot.json());
    } else if terminal {
        eprint!("\r\x1b[K{}", snapshot.line());
    } else {
        eprintln!("{}", snapshot.line());
    }
}
