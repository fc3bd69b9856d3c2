//! `orchard run MODEL [--store memory|etcd] [--etcd URL,...|--start-etcd] [--duration SECS]
//! [--seed N] [--restarts P] [--stale-reads P] [--relist any-revision|latest] [--timeout S]
//! [--json] [--trace FILE]`: the model's controllers live (`runtime::manager`), until the
//! duration ends, Ctrl-C, or a property fails; then what happened is written as a trace.
//! `--serve ADDR [--kubeconfig PATH]` answers the Kubernetes API beside it ([`serve`]).
//!
//! On a store the run owns (the memory store, or `--start-etcd` with one member) and without
//! `--serve`, the run is a sequence of episodes (`runtime::manager`'s module doc), each from
//! the model's initial state with fresh budgets; the trace written is the episode's that found
//! the violation (or the last one's). `--one-episode` runs a single episode for the whole
//! duration. The exit codes are documented on the `run` command (`orchard run --help`).

mod cluster;
mod serve;

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
use crate::model::history::Consistency;
use crate::model::properties;
use crate::runtime::manager::faults::{Faults, Relist};
use crate::runtime::manager::recorder::Verdict;
use crate::runtime::manager::{Ended, Manager, RunConfig, clear};
use crate::store::{EtcdProcess, EtcdStore, MemoryStore, Store};

/// Above this many steps, writing the trace is announced (digesting takes a while).
const LONG_TRACE: usize = 1_000;

/// How long a run that ended on a stop spends writing its trace before cutting it short.
const STOPPED_WRITE_GRACE: Duration = Duration::from_secs(5);

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
    /// With `--start-etcd`: how many members the private etcd has (each controller's caches
    /// read member `i mod N`, serializably; the manager writes through the first).
    #[arg(long, default_value_t = 1)]
    pub members: usize,
    /// Per 100 ms: the chance that a member other than the first is cut from its peers
    /// (needs `--start-etcd --members 3`, run in network namespaces, as root).
    #[arg(long, default_value_t = 0.0)]
    pub partition: f64,
    /// Run this many seconds at most (a violation ends it earlier); default 10, and with
    /// `--serve` until Ctrl-C.
    #[arg(long)]
    pub duration: Option<f64>,
    /// The seed of every random choice (moments, faults, reads).
    #[arg(long, value_parser = flags::seed, default_value_t = 1)]
    pub seed: u64,
    /// Per controller step: the chance that a restart the model's environment allows fires
    /// (decided for every step any task takes, so independent of the machine's speed).
    #[arg(long, default_value_t = 0.0)]
    pub restarts: f64,
    /// Per step: the chance that a controller reads an older revision than the latest.
    #[arg(long, default_value_t = 0.0)]
    pub stale_reads: f64,
    /// What a restarted controller lists from: any-revision or latest. Default: any-revision
    /// under resettable-session; under monotonic-session a reader without a session reads the
    /// latest revision, so only `latest` goes with it.
    #[arg(long)]
    pub relist: Option<String>,
    /// Give up after this many seconds (setup included).
    #[arg(long, value_parser = flags::timeout)]
    pub timeout: Option<Duration>,
    /// The status as JSON lines on stdout.
    #[arg(long)]
    pub json: bool,
    /// Where the trace goes (default: `run-<model>-seed<N>.json` here).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Answer the Kubernetes API for kubectl on this address (`127.0.0.1:0`: any free port).
    #[arg(long, value_name = "ADDR")]
    pub serve: Option<std::net::SocketAddr>,
    /// With `--serve`: where the kubeconfig goes (default: beside the trace).
    #[arg(long, requires = "serve")]
    pub kubeconfig: Option<PathBuf>,
    /// One episode for the whole duration: the environment's moments spread over it, no
    /// reset (the default on a store the run owns is a sequence of short episodes).
    #[arg(long)]
    pub one_episode: bool,
    /// Switch a guard against stale reads (repeatable), as `orchard check --guard`.
    #[arg(long = "guard", value_name = "NAME=on|off", value_parser = flags::guard)]
    pub guards: Vec<(&'static str, bool)>,
}

/// Runs `orchard run`: 1 when a property failed (the trace reproduces it), 0 when none did,
/// 2 on bad input, 3 when the model refused a recorded step, 4 when the run stalled.
pub fn run(args: &RunArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let faults = Faults {
        restarts: args.restarts,
        stale_reads: args.stale_reads,
        relist: match &args.relist {
            Some(text) => Relist::parse(text)?,
            None => Relist::AnyRevision,
        },
        partition: args.partition,
    };
    faults.check()?;
    cluster::check(args.members, args.partition, args.start_etcd)?;
    let (length, horizon) = serve::run_length(args.duration, args.serve.is_some())?;
    if args.store == StoreKind::Etcd && args.etcd.is_empty() && !args.start_etcd {
        bail!("--store etcd needs --etcd URL[,URL...] or --start-etcd");
    }
    if args.store == StoreKind::Memory && (args.start_etcd || !args.etcd.is_empty()) {
        bail!("--etcd and --start-etcd go with --store etcd");
    }
    let loaded = load_model(&args.model)?;
    let mut model = loaded.config;
    if model.consistency.level == Consistency::MonotonicSession
        && faults.relist == Relist::AnyRevision
        && args.relist.is_some()
    {
        bail!(
            "--relist any-revision: {} is a monotonic-session model, whose restarted controllers read the latest revision (use a resettable-session model, or --relist latest)",
            args.model.display()
        );
    }
    if model.initial.is_empty() {
        bail!(
            "{}: field `resources`: the model has no initial resources; orchard run loads them into the store and has nothing to run without them",
            args.model.display()
        );
    }
    // Episodes empty the store between them: only on a store the run owns, unshared.
    let episodes = !args.one_episode
        && args.serve.is_none()
        && (args.store == StoreKind::Memory || (args.start_etcd && args.members == 1));
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
        horizon,
        episode: usize::from(episodes),
        run_started: started,
        stall: crate::runtime::manager::STALL,
    };
    let deadline = length.map(|l| started + l);
    let trace_path = args
        .trace
        .clone()
        .unwrap_or_else(|| default_trace(&config.model.name, args.seed));
    let mut served_note = None;
    let mut cluster_note = None;
    let controllers = config.model.controllers.len();
    let (finished, ended, episode) = runtime.block_on(async {
        let listener = match args.serve {
            Some(addr) => Some(serve::bind(addr).await?),
            None => None,
        };
        let mut private = None;
        let mut many = None;
        let mut reads = None;
        let store: Arc<dyn Store> = match args.store {
            StoreKind::Memory => Arc::new(MemoryStore::new()),
            StoreKind::Etcd => {
                let endpoints = if args.start_etcd && args.members > 1 {
                    let started =
                        cluster::Private::start(args.members, args.partition > 0.0).await?;
                    let endpoints = started.endpoints();
                    reads = Some(cluster::reads(&endpoints, controllers).await?);
                    many = Some(started);
                    // The manager writes through the first member, which is never cut.
                    endpoints[..1].to_vec()
                } else if args.start_etcd {
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
        let mut manager = Manager::start(config.clone(), store.clone(), reads, REGISTRY)
            .await
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.model.display()))?;
        let serving = match listener {
            Some(listener) => {
                let kubeconfig = serve::kubeconfig_path(args.kubeconfig.as_deref(), &trace_path);
                let (serving, line) = serve::Serving::start(listener, manager.api(), kubeconfig)?;
                eprintln!(
                    "serving the Kubernetes API on http://{}: {line}",
                    serving.addr
                );
                Some(serving)
            }
            None => None,
        };
        let partitions = match &many {
            Some(cluster::Private::Namespaced(netns)) if args.partition > 0.0 => {
                Some(tokio::spawn(
                    cluster::Partitions {
                        cluster: netns.clone(),
                        rate: args.partition,
                        rng: crate::runtime::manager::rng::Rng::new(args.seed).fork(u64::MAX),
                        stats: manager.stats().clone(),
                        notes: manager.notes(),
                    }
                    .run(),
                ))
            }
            _ => None,
        };
        let mut ended = watch_run(&mut manager, args, &stop, deadline).await;
        let mut config = config;
        while ended == Why::Settled {
            // The next episode, on the emptied store, from the model's initial state.
            let _ = manager.finish();
            config.episode += 1;
            config.seed = config.seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
            manager = next_episode(&config, &store, &args.model).await?;
            ended = watch_run(&mut manager, args, &stop, deadline).await;
        }
        let episode = config.episode;
        if let Some(partitions) = partitions {
            partitions.abort();
            let _ = partitions.await;
            cluster::end_open_cuts(manager.stats());
        }
        if let Some(cluster::Private::Namespaced(netns)) = &many {
            let endpoints = netns.endpoints();
            cluster_note = Some(cluster::verify(netns, &endpoints, manager.recorder()).await?);
        }
        if let Some(serving) = serving {
            serving.stop().await?;
            let awaited = manager
                .recorder()
                .lock()
                .map(|r| (r.waiting().1, r.offset()));
            if let (Ok((awaited, offset)), Ok(latest)) =
                (awaited, manager.api().store().revision().await)
            {
                served_note = serve::note(awaited, latest, offset);
            }
        }
        let finished = manager.finish();
        drop(private);
        drop(many);
        anyhow::Ok((finished, ended, episode))
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
    if transitions.len() > LONG_TRACE {
        eprintln!(
            "writing the trace: {} steps (each step's digest covers the history it stands on; \
             Ctrl-C or --timeout cuts the trace short)",
            transitions.len()
        );
    }
    // A run that ended on a stop (Ctrl-C, --timeout) still gets its trace, within a grace.
    let stopped_already = stop.should_stop();
    let grace_ends = Instant::now() + STOPPED_WRITE_GRACE;
    let keep_going = || {
        if stopped_already {
            Instant::now() < grace_ends
        } else {
            !stop.should_stop()
        }
    };
    let mut trace = Trace::from_initial_while(
        &system,
        &finished.initial,
        violated.unwrap_or(any),
        &transitions,
        &keep_going,
    );
    if trace.steps.len() < transitions.len() {
        eprintln!(
            "the trace holds the first {} of {} steps: stopped while writing it",
            trace.steps.len(),
            transitions.len()
        );
    }
    if violated.is_none() {
        trace.violation.property.clear();
        trace.violation.text.clear();
    }
    for (step, recorded) in trace.steps.iter_mut().zip(&finished.steps) {
        if let Some(note) = &recorded.note {
            step.describe = format!("{} ({note})", step.describe);
        }
    }
    let path = trace_path;
    write_atomically(&path, &trace.to_json()).map_err(|e| anyhow::anyhow!("--trace {e}"))?;
    let elapsed = started.elapsed().as_secs_f64();
    let in_episode = if episode > 0 {
        format!(" in episode {episode}")
    } else {
        String::new()
    };
    let mut summary = match &finished.verdict {
        Some(Verdict::Violated { property, step }) => format!(
            "{property} violated after {step} steps{in_episode} ({elapsed:.1} s, seed {}): trace {}\n  \
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
        None => match &ended {
            Why::Stalled(why) => format!(
                "the run stalled after {elapsed:.1} s{in_episode}: {why}; the steps recorded: trace {}",
                path.display()
            ),
            _ if episode > 0 => format!(
                "no property failed in {episode} episodes ({elapsed:.1} s, {}, seed {}): the last episode's {} steps: trace {}",
                ended.describe(),
                args.seed,
                finished.steps.len(),
                path.display()
            ),
            _ => format!(
                "no property failed in {} steps ({elapsed:.1} s, {}, seed {}): trace {}",
                finished.steps.len(),
                ended.describe(),
                args.seed,
                path.display()
            ),
        },
    };
    if let Some(note) = cluster_note {
        summary = format!("{summary}\n  {note}");
    }
    if let Some(note) = served_note {
        summary = format!("{summary}\n  {note}");
    }
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "result": match (&finished.verdict, &ended) {
                    (Some(Verdict::Violated { .. }), _) => "violated",
                    (Some(Verdict::Refused { .. }), _) => "refused",
                    (None, Why::Stalled(_)) => "stalled",
                    (None, _) => "holds",
                },
                "episodes": episode,
                "steps": finished.steps.len(),
                "trace": path.display().to_string(),
                "seconds": elapsed,
                "message": summary,
            })
        );
    }
    match &finished.verdict {
        Some(Verdict::Refused { .. }) => {
            eprintln!("error: {summary}");
            Ok(Outcome::Refused)
        }
        Some(Verdict::Violated { .. }) => {
            eprintln!("{summary}");
            Ok(Outcome::Failure)
        }
        None if matches!(ended, Why::Stalled(_)) => {
            eprintln!("error: {summary}");
            Ok(Outcome::Stalled)
        }
        None if ended == Why::Interrupted => {
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

/// Why a run (or an episode) ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Why {
    Verdict,
    Interrupted,
    Timeout,
    Duration,
    StepLimit,
    Settled,
    Stalled(String),
}

impl Why {
    fn describe(&self) -> &str {
        match self {
            Why::Verdict => "a verdict",
            Why::Interrupted => "interrupted",
            Why::Timeout => "--timeout",
            Why::Duration => "the duration",
            Why::StepLimit => "the step limit",
            Why::Settled => "the episode settled",
            Why::Stalled(why) => why,
        }
    }
}

/// Empties the store and starts the next episode's manager.
async fn next_episode(
    config: &RunConfig,
    store: &Arc<dyn Store>,
    model: &std::path::Path,
) -> anyhow::Result<Manager> {
    // A write the last episode's tasks had in flight may still land: empty the store until
    // the load finds it empty.
    let mut tries = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        clear(store.as_ref()).await.map_err(|e| {
            anyhow::anyhow!("emptying the store for episode {}: {e}", config.episode)
        })?;
        match Manager::start(config.clone(), store.clone(), None, REGISTRY).await {
            Ok(manager) => return Ok(manager),
            Err(crate::runtime::manager::ManagerError::Load { .. }) if tries < 3 => tries += 1,
            Err(e) => bail!("{}: episode {}: {e}", model.display(), config.episode),
        }
    }
}

/// Runs the manager, showing the status, until the deadline, a stop, a verdict or the end of
/// the episode; says which ended it.
async fn watch_run(
    manager: &mut Manager,
    args: &RunArgs,
    stop: &Stop,
    deadline: Option<Instant>,
) -> Why {
    let terminal = !args.json && std::io::stderr().is_terminal();
    let mut shown = Instant::now();
    let every = if terminal {
        Duration::from_millis(250)
    } else {
        Duration::from_secs(2)
    };
    let past = || deadline.is_some_and(|d| Instant::now() >= d);
    let should_stop = || stop.should_stop() || past();
    let mut status = |snapshot: &crate::runtime::manager::status::Snapshot| {
        if shown.elapsed() < every {
            return;
        }
        shown = Instant::now();
        show(snapshot, args, terminal);
    };
    let ended = manager.run(&should_stop, &mut status).await;
    if ended == Ended::Settled && !should_stop() {
        return Why::Settled;
    }
    show(&manager.snapshot(), args, terminal);
    if terminal {
        eprintln!();
    }
    if manager.verdict().is_some() {
        return Why::Verdict;
    }
    if let Ended::Stalled(why) = ended {
        return Why::Stalled(why);
    }
    match stop.reason() {
        Some(crate::explore::stop::StopReason::Cancelled) => Why::Interrupted,
        Some(crate::explore::stop::StopReason::Timeout) => Why::Timeout,
        None if past() => Why::Duration,
        None => Why::StepLimit,
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

/// `run-<model>-seed<N>.json`, here.
fn default_trace(name: &str, seed: u64) -> PathBuf {
    let name = if name.is_empty() { "model" } else { name };
    PathBuf::from(format!("run-{name}-seed{seed}.json"))
}
