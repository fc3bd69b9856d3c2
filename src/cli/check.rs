//! `orchard check`: load a model, apply the command line's overrides, run the checker, write a
//! trace per failure, print a summary (or one JSON object).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;

use super::Outcome;
use super::flags::{self, ProgressMode};
use super::load::{LoadedFile, load_model_with, warn_outside};
use super::report;
use super::signals::Signals;
use crate::explore::checker::{CheckOptions, CheckOutcome, Strategy, Verdict, check};
use crate::explore::progress::Progress;
use crate::explore::shrink::shrink_counterexamples;
use crate::explore::stop::Stop;
use crate::explore::swarm::{DEFAULT_SPLIT_DEPTH, Shard, over_seeds};
use crate::explore::trace::Trace;
use crate::model::config::Syncs;
use crate::model::config::guards::GuardSwitches;
use crate::model::history::{CommitMode, Consistency, Lag, Relist};
use crate::model::properties::vacuity::Vacuity;
use crate::model::properties::{self, Property};
use crate::model::suggest;
use crate::model::system::{Reduction, System};

/// Arguments of `orchard check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The model file.
    pub model: PathBuf,
    /// The consistency level (synchronous, monotonic-session, resettable-session,
    /// optimistic-linear, causal, informer); the model's by default.
    #[arg(long, value_parser = flags::consistency)]
    pub consistency: Option<Consistency>,
    /// Session levels: a controller never reads older than its own last write.
    #[arg(long)]
    pub read_your_writes: bool,
    /// Informer: how a restarted controller lists (any-revision, latest); the model's by default.
    #[arg(long, value_parser = flags::relist)]
    pub relist: Option<Relist>,
    /// Informer: how far caches may lag (any, zero); the model's by default.
    #[arg(long, value_parser = flags::lag)]
    pub lag: Option<Lag>,
    /// The commit mode (kubernetes, atomic); the model's by default.
    #[arg(long, value_parser = flags::commit)]
    pub commit: Option<CommitMode>,
    /// How a controller's sync is modelled: one-write (one write per step, coarser) or
    /// multi-write (Kubernetes' own: every write of a sync, one by one); the model's by default.
    #[arg(long, value_parser = Syncs::parse)]
    pub syncs: Option<Syncs>,
    /// Switch a guard against stale reads (repeatable): expectations, staleness-guard,
    /// wait-for-cache-sync, podgc-live-node-check; the model's by default.
    #[arg(long = "guard", value_name = "NAME=on|off", value_parser = flags::guard)]
    pub guards: Vec<(&'static str, bool)>,
    /// bfs, dfs or simulation; the model's by default.
    #[arg(long, value_parser = flags::strategy)]
    pub strategy: Option<Strategy>,
    /// The most steps from the initial state (0 to 100000); the model's by default.
    #[arg(long, value_parser = flags::max_depth)]
    pub max_depth: Option<usize>,
    /// Worker threads for BFS and DFS (1 to 256); the machine's cores by default.
    #[arg(long, value_parser = flags::threads)]
    pub threads: Option<usize>,
    /// BFS: the memory the search may use (e.g. `4G`, `512M`); past it the visited set
    /// spills to disk. Three quarters of the memory available now by default.
    #[arg(long, value_parser = flags::memory)]
    pub memory: Option<u64>,
    /// Where BFS makes its spill folder (removed at the end); the system's temp folder by
    /// default.
    #[arg(long, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Stop the whole run (settling, searching, minimising) after this many seconds (0.001 to
    /// a year); simulation stops after 10 s without it.
    #[arg(long, value_parser = flags::timeout)]
    pub timeout: Option<Duration>,
    /// The simulation's seed (0 to 2^64-1).
    #[arg(long, default_value_t = 0, value_parser = flags::seed)]
    pub seed: u64,
    /// Check only this property (repeatable), or `all`; the model's list by default.
    #[arg(long = "property", value_name = "ID")]
    pub properties: Vec<String>,
    /// Where counterexample traces are written.
    #[arg(long, default_value = "traces")]
    pub trace_dir: PathBuf,
    /// Print one JSON object on stdout instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// State-space reductions: `all` (default), `none` (the plain model, for comparison), or a
    /// list such as `all,-symmetry` (names: session-only-steps, equivalent-reads,
    /// fold-deliveries, symmetry).
    #[arg(long, value_parser = flags::reduction)]
    pub reduction: Option<Reduction>,
    /// Write simulation and DFS counterexamples as found, without shrinking them.
    #[arg(long)]
    pub no_minimise: bool,
    /// Progress on stderr: `auto` (redrawn on a terminal, a line every 2 s otherwise; none with
    /// --json), `always`, `never`.
    #[arg(long, default_value = "auto", value_parser = flags::progress)]
    pub progress: ProgressMode,
    /// Do not report the model's fields that orchard ignores.
    #[arg(long, short)]
    pub quiet: bool,
    /// Let the model's `file:` entries name files outside its directory.
    #[arg(long)]
    pub allow_outside_files: bool,
    /// Run as shard I of N of a swarm (`orchard swarm`): simulations over seeds I, I+N, ...
    /// for half of --timeout, then breadth-first search of this shard's share of the states
    /// at --split-depth.
    #[arg(long, value_name = "I/N", value_parser = flags::shard)]
    pub shard: Option<Shard>,
    /// With --shard: the depth whose states are shared out among the shards.
    #[arg(long, default_value_t = DEFAULT_SPLIT_DEPTH, value_parser = flags::max_depth)]
    pub split_depth: usize,
    /// Simulate over many seeds (--seeds, from --seed on), keep every counterexample
    /// (minimised), group them by cause and write one trace per cause under TRACE_DIR/triage.
    #[arg(long)]
    pub all_counterexamples: bool,
    /// With --shard or --all-counterexamples: the number of simulation seeds.
    #[arg(long, default_value_t = 8, value_parser = flags::seeds)]
    pub seeds: u64,
    /// With --shard or --all-counterexamples: write the result as JSON to this file
    /// (atomically), for `orchard swarm merge`.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,
}

/// The command line's overrides of a model's settings.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// The consistency level.
    pub consistency: Option<Consistency>,
    /// Turn read-your-writes on.
    pub read_your_writes: bool,
    /// The informer's relist.
    pub relist: Option<Relist>,
    /// The informer's lag.
    pub lag: Option<Lag>,
    /// The state-space reductions.
    pub reduction: Option<Reduction>,
    /// The commit mode.
    pub commit: Option<CommitMode>,
    /// The syncs.
    pub syncs: Option<Syncs>,
    /// The strategy.
    pub strategy: Option<Strategy>,
    /// The depth bound.
    pub max_depth: Option<usize>,
    /// The properties.
    pub properties: Vec<String>,
    /// Guards switched on or off.
    pub guards: Vec<(&'static str, bool)>,
}

impl Overrides {
    /// The settings part, shared with `orchard explore`.
    pub fn settings(&self) -> crate::explore::session::Overrides {
        crate::explore::session::Overrides {
            consistency: self.consistency,
            read_your_writes: self.read_your_writes,
            relist: self.relist,
            lag: self.lag,
            commit: self.commit,
            guards: GuardSwitches::from_pairs(&self.guards),
            syncs: self.syncs,
        }
    }
}

/// A check ready to run.
pub struct Plan {
    /// The model file.
    pub file: LoadedFile,
    /// The system, built from the file with the overrides.
    pub system: Arc<System>,
    /// The properties checked.
    pub properties: Vec<&'static Property>,
    /// The strategy and depth bound (threads, timeout and seed are the caller's).
    pub options: CheckOptions,
}

/// Applies overrides to a loaded model and builds its system. A flag that means nothing at
/// the level checked, or `--property all` beside other ids, is an error.
pub fn plan(mut file: LoadedFile, o: &Overrides) -> anyhow::Result<Plan> {
    let origin = file.path.display().to_string();
    let config = &mut file.config;
    if let Some(level) = o.consistency {
        config.consistency.level = level;
    }
    if let Some(why) = o.settings().pointless_under(config.consistency.level) {
        bail!("{why}");
    }
    o.settings().apply(config);
    let ids = || properties::all().into_iter().map(|p| p.id);
    let all = o.properties.iter().any(|id| id.eq_ignore_ascii_case("all"));
    if all && o.properties.len() > 1 {
        bail!("--property: `all` checks every property; leave out the other ids or `all`");
    }
    if all {
        config.properties = Vec::new();
    } else if !o.properties.is_empty() {
        config.properties = Vec::new();
        for id in &o.properties {
            let Some(known) = suggest::matching(id.trim(), ids()) else {
                bail!(
                    "--property: unknown property `{id}`{} (known: all, {})",
                    suggest::did_you_mean(id.trim(), ids()),
                    ids().collect::<Vec<_>>().join(", ")
                );
            };
            config.properties.push(known.to_string());
        }
    }
    for id in &config.properties {
        if properties::by_id(id).is_none() {
            bail!(
                "{origin}: field `properties`: unknown property `{id}`{} (known: {})",
                suggest::did_you_mean(id, ids()),
                ids().collect::<Vec<_>>().join(", ")
            );
        }
    }
    let strategy = match o.strategy {
        Some(s) => s,
        None => config
            .checker
            .strategy
            .parse()
            .map_err(|e| anyhow::anyhow!("{origin}: field `checker.strategy`: {e}"))?,
    };
    let max_depth = o.max_depth.unwrap_or(config.checker.max_depth);
    let system = System::new(config.clone())
        .map_err(|e| anyhow::anyhow!("{origin}: field `controllers`: {e}"))?
        .with_reduction(o.reduction.unwrap_or_default());
    let properties = properties::selected(&system);
    Ok(Plan {
        file,
        system: Arc::new(system),
        properties,
        options: CheckOptions {
            strategy,
            max_depth,
            ..CheckOptions::default()
        },
    })
}

/// Runs `orchard check`: the summary (or JSON) is printed before any trace is written, so a
/// failed write loses nothing but the file; SIGINT and SIGTERM end the search with what it
/// found.
pub fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    let stop = Stop::after(args.timeout);
    let signals = Signals::install(&stop)?;
    let file = load_model_with(&args.model, args.allow_outside_files)?;
    warn_outside(&file);
    if !args.quiet
        && let Some(line) = ignored_line(&file)
    {
        eprintln!("{line}");
    }
    let overrides = Overrides {
        consistency: args.consistency,
        read_your_writes: args.read_your_writes,
        relist: args.relist,
        lag: args.lag,
        reduction: args.reduction,
        commit: args.commit,
        syncs: args.syncs,
        strategy: args.strategy,
        max_depth: args.max_depth,
        properties: args.properties.clone(),
        guards: args.guards.clone(),
    };
    let plan = plan(file, &overrides)?;
    let options = CheckOptions {
        threads: args.threads.unwrap_or_else(flags::default_threads),
        timeout: args.timeout,
        seed: args.seed,
        stop: stop.clone(),
        memory: Some(memory_budget(args)?),
        ..plan.options.clone()
    };
    let vacuity = Vacuity::of(plan.system.config(), &plan.properties);
    if !args.json {
        for warning in &vacuity.warnings {
            eprintln!("warning: {warning}");
        }
    }
    // A property about kinds the model lacks is reported as such, not checked.
    let checked: Vec<&'static Property> = plan
        .properties
        .iter()
        .copied()
        .filter(|p| vacuity.applies(p))
        .collect();
    if args.shard.is_some() || args.all_counterexamples {
        return many(args, &plan, &options, &checked, signals.received());
    }
    if args.result.is_some() {
        bail!("--result goes with --shard or --all-counterexamples");
    }
    let mut progress = ProgressLine::new(args.progress, args.json);
    let mut outcome = check(plan.system.clone(), checked, &options, &mut |p| {
        progress.show(p)
    });
    progress.clear();
    let shrunk = if args.no_minimise || options.strategy == Strategy::Bfs {
        vec![None; outcome.results.len()]
    } else {
        shrink_counterexamples(&plan.system, &mut outcome, &stop)
    };
    let traces = traces(&plan, &outcome);
    let paths: Vec<Option<PathBuf>> = traces
        .iter()
        .map(|t| t.as_ref().map(|t| args.trace_dir.join(t.file_name())))
        .collect();
    let signal = signals.received();
    let result = report::Result {
        plan: &plan,
        options: &options,
        outcome: &outcome,
        traces: &paths,
        shrunk: &shrunk,
        vacuity: &vacuity,
        signal: signal.map(|(name, _)| name),
    };
    if args.json {
        println!("{}", report::to_json(&result));
    } else {
        report::print_summary(&result);
    }
    for trace in traces.iter().flatten() {
        if let Err(e) = trace.write_into(&args.trace_dir) {
            eprintln!(
                "error: cannot write the trace {}: {}",
                e.path.display(),
                e.source
            );
        }
    }
    Ok(match signal {
        Some((_, code)) => Outcome::Interrupted(code),
        None if outcome.failed() => Outcome::Failure,
        None => Outcome::Success,
    })
}

/// `--shard` and `--all-counterexamples`: many counterexamples, grouped by cause.
fn many(
    args: &CheckArgs,
    plan: &Plan,
    options: &CheckOptions,
    checked: &[&'static Property],
    signal: Option<(&'static str, u8)>,
) -> anyhow::Result<Outcome> {
    use crate::explore::checker::DEFAULT_SIMULATION;
    use crate::explore::swarm::{PropertyVerdict, RESULT_FORMAT, ShardResult, merge, run_shard};
    let budget = args.timeout.unwrap_or(DEFAULT_SIMULATION);
    let seeds = usize::try_from(args.seeds).unwrap_or(usize::MAX);
    let result = match args.shard {
        Some(shard) => {
            let shard = Shard {
                split_depth: args.split_depth,
                ..shard
            };
            run_shard(&plan.system, checked, options, shard, seeds, budget)
        }
        None => {
            let seeds: Vec<u64> = (0..args.seeds).map(|k| args.seed.wrapping_add(k)).collect();
            let (found, states, _) = over_seeds(
                &plan.system,
                checked,
                options,
                &seeds,
                budget,
                args.no_minimise,
            );
            ShardResult {
                format: RESULT_FORMAT,
                model: plan.system.config().name.clone(),
                shard: None,
                shards: 1,
                split_depth: 0,
                seeds,
                simulation_states: states,
                bfs_states: 0,
                bfs_unique_states: 0,
                bfs_depth: 0,
                properties: checked
                    .iter()
                    .map(|p| PropertyVerdict {
                        property: p.id.to_string(),
                        verdict: if found.iter().any(|f| f.property == p.id) {
                            "FAILED"
                        } else {
                            "holds within bounds"
                        }
                        .to_string(),
                    })
                    .collect(),
                counterexamples: found,
            }
        }
    };
    if let Some(path) = &args.result {
        super::triage::write_json(path, &result)?;
    }
    let failed = result.properties.iter().any(|p| p.verdict == "FAILED");
    if args.shard.is_some() {
        println!(
            "shard {}: {} states, {} counterexamples",
            args.shard.map(|s| s.to_string()).unwrap_or_default(),
            result.states(),
            result.counterexamples.len()
        );
    } else {
        let merged = merge(vec![result]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let dir = args.trace_dir.join(super::triage::TRIAGE_DIR);
        let paths = super::triage::write_representatives(&dir, &merged.groups)?;
        println!(
            "{}: {} seeds, {} states",
            args.model.display(),
            args.seeds,
            merged.states
        );
        super::triage::print_verdicts_and_groups(&merged, &paths);
    }
    Ok(match signal {
        Some((_, code)) => Outcome::Interrupted(code),
        None if failed => Outcome::Failure,
        None => Outcome::Success,
    })
}

/// The fields of a model file that orchard ignores, in one line: `FILE: 2 fields not modelled
/// (ignored; --quiet hides this): StatefulSet/web: spec...ports (line 44), ...`.
pub(crate) fn ignored_line(file: &LoadedFile) -> Option<String> {
    if file.ignored.is_empty() {
        return None;
    }
    let items: Vec<String> = file
        .ignored
        .iter()
        .map(
            |f| match f.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
                Some((at, what)) => {
                    let line = at.split(',').next().unwrap_or(at);
                    format!("{what} (line {line})")
                }
                None => f.clone(),
            },
        )
        .collect();
    let n = items.len();
    Some(format!(
        "{}: {n} field{} not modelled (ignored; --quiet hides this): {}",
        file.path.display(),
        if n == 1 { "" } else { "s" },
        items.join(", ")
    ))
}

/// One trace per counterexample, by property index.
fn traces(plan: &Plan, outcome: &CheckOutcome) -> Vec<Option<Trace>> {
    outcome
        .results
        .iter()
        .map(|r| match &r.verdict {
            Verdict::Failed {
                counterexample: Some(steps),
            } => Some(match &outcome.initial {
                Some(initial) => Trace::from_initial(&plan.system, initial, r.property, steps),
                None => Trace::new(&plan.system, r.property, steps),
            }),
            _ => None,
        })
        .collect()
}

/// The progress of a check on stderr: on a terminal one line redrawn at most every 200 ms;
/// elsewhere (a log, a pipe) a plain line every [`LOG_EVERY`].
struct ProgressLine {
    enabled: bool,
    terminal: bool,
    last: Option<Instant>,
    started: Instant,
}

/// How often the progress is printed when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(2);

impl ProgressLine {
    fn new(mode: ProgressMode, json: bool) -> ProgressLine {
        ProgressLine {
            enabled: match mode {
                ProgressMode::Never => false,
                ProgressMode::Auto => !json,
                ProgressMode::Always => true,
            },
            terminal: std::io::stderr().is_terminal(),
            last: None,
            started: Instant::now(),
        }
    }

    fn show(&mut self, p: &Progress) {
        if !self.enabled {
            return;
        }
        if self.terminal {
            if self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(200))
            {
                return;
            }
            self.last = Some(Instant::now());
            eprint!("\r\x1b[K{}", p.line());
        } else {
            let since = self.last.unwrap_or(self.started);
            if since.elapsed() >= LOG_EVERY {
                self.last = Some(Instant::now());
                eprintln!("progress: {}", p.line());
            }
        }
    }

    fn clear(&self) {
        if self.enabled && self.terminal && self.last.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}

/// The BFS memory budget of `check`: the spill folder must be a folder one can write in.
fn memory_budget(args: &CheckArgs) -> anyhow::Result<crate::explore::bfs::MemoryBudget> {
    let spill_dir = args.spill_dir.clone().unwrap_or_else(std::env::temp_dir);
    tempfile::Builder::new()
        .prefix("orchard-spill-")
        .tempdir_in(&spill_dir)
        .map_err(|e| {
            anyhow::anyhow!(
                "--spill-dir {}: cannot make a folder there: {e}",
                spill_dir.display()
            )
        })?;
    Ok(crate::explore::bfs::MemoryBudget {
        bytes: args.memory.unwrap_or_else(flags::default_memory),
        spill_dir,
    })
}
