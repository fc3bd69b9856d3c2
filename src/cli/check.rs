//! `orchard check`: load a model, apply the command line's overrides, run the checker, write a
//! trace per failure, print a summary (or one JSON object).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::Outcome;
use super::load::{LoadedFile, load_model, warn_ignored};
use super::report;
use crate::explore::checker::{CheckOptions, CheckOutcome, Strategy, Verdict, check};
use crate::explore::progress::Progress;
use crate::explore::shrink::shrink_counterexamples;
use crate::explore::trace::Trace;
use crate::model::history::{CommitMode, Consistency, Lag, Relist};
use crate::model::properties::{self, Property};
use crate::model::system::{Reduction, System};

/// Arguments of `orchard check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The model file.
    pub model: PathBuf,
    /// The consistency level (synchronous, monotonic-session, resettable-session,
    /// optimistic-linear, causal, informer); the model's by default.
    #[arg(long, value_parser = parse_consistency)]
    pub consistency: Option<Consistency>,
    /// Session levels: a controller never reads older than its own last write.
    #[arg(long)]
    pub read_your_writes: bool,
    /// Informer: how a restarted controller lists (any-revision, latest); the model's by default.
    #[arg(long, value_parser = parse_relist)]
    pub relist: Option<Relist>,
    /// Informer: how far caches may lag (any, zero); the model's by default.
    #[arg(long, value_parser = parse_lag)]
    pub lag: Option<Lag>,
    /// The commit mode (kubernetes, atomic); the model's by default.
    #[arg(long, value_parser = parse_commit)]
    pub commit: Option<CommitMode>,
    /// bfs, dfs or simulation; the model's by default.
    #[arg(long, value_parser = parse_strategy)]
    pub strategy: Option<Strategy>,
    /// The most steps from the initial state; the model's by default.
    #[arg(long)]
    pub max_depth: Option<usize>,
    /// Worker threads (BFS and DFS).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Stop after this many seconds (simulation: 10 by default).
    #[arg(long)]
    pub timeout: Option<f64>,
    /// The simulation's seed.
    #[arg(long, default_value_t = 0)]
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
    #[arg(long, value_parser = parse_reduction)]
    pub reduction: Option<Reduction>,
    /// Write simulation and DFS counterexamples as found, without shrinking them.
    #[arg(long)]
    pub no_minimise: bool,
}

pub(crate) use crate::explore::session::settings::{
    parse_commit, parse_consistency, parse_lag, parse_relist,
};

fn parse_reduction(s: &str) -> Result<Reduction, String> {
    Reduction::parse(s)
}

fn parse_strategy(s: &str) -> Result<Strategy, String> {
    s.parse()
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
    /// The strategy.
    pub strategy: Option<Strategy>,
    /// The depth bound.
    pub max_depth: Option<usize>,
    /// The properties.
    pub properties: Vec<String>,
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

/// Applies overrides to a loaded model and builds its system.
pub fn plan(mut file: LoadedFile, o: &Overrides) -> anyhow::Result<Plan> {
    let origin = file.path.display().to_string();
    let config = &mut file.config;
    o.settings().apply(config);
    if o.properties.iter().any(|id| id == "all") {
        config.properties = Vec::new();
    } else if !o.properties.is_empty() {
        config.properties = o.properties.clone();
    }
    let known = || {
        let ids: Vec<&str> = properties::all().iter().map(|p| p.id).collect();
        ids.join(", ")
    };
    for id in &config.properties {
        if properties::by_id(id).is_none() {
            let place = if o.properties.is_empty() {
                format!("{origin}: field `properties`")
            } else {
                "--property".to_string()
            };
            bail!("{place}: unknown property `{id}` (known: {})", known());
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

/// Runs `orchard check`.
pub fn run(args: &CheckArgs) -> anyhow::Result<Outcome> {
    if args.threads == 0 {
        bail!("--threads: must be at least 1");
    }
    let timeout = match args.timeout {
        Some(t) if !(t.is_finite() && t > 0.0) => {
            bail!("--timeout: must be a positive number of seconds, not {t}")
        }
        t => t.map(Duration::from_secs_f64),
    };
    let file = load_model(&args.model)?;
    warn_ignored(&file);
    let overrides = Overrides {
        consistency: args.consistency,
        read_your_writes: args.read_your_writes,
        relist: args.relist,
        lag: args.lag,
        reduction: args.reduction,
        commit: args.commit,
        strategy: args.strategy,
        max_depth: args.max_depth,
        properties: args.properties.clone(),
    };
    let plan = plan(file, &overrides)?;
    let options = CheckOptions {
        threads: args.threads,
        timeout,
        seed: args.seed,
        ..plan.options.clone()
    };
    let mut progress = ProgressLine::new(!args.json && std::io::stderr().is_terminal());
    let mut outcome = check(
        plan.system.clone(),
        plan.properties.clone(),
        &options,
        &mut |p| progress.show(p),
    );
    progress.clear();
    let shrunk = if args.no_minimise || options.strategy == Strategy::Bfs {
        vec![None; outcome.results.len()]
    } else {
        shrink_counterexamples(&plan.system, &mut outcome)
    };
    let traces = write_traces(&plan, &outcome, &args.trace_dir)?;
    if args.json {
        println!(
            "{}",
            report::to_json(&plan, &options, &outcome, &traces, &shrunk)
        );
    } else {
        report::print_summary(&plan, &options, &outcome, &traces, &shrunk);
    }
    Ok(if outcome.failed() {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// Writes one trace per counterexample; the paths, by property index.
fn write_traces(
    plan: &Plan,
    outcome: &CheckOutcome,
    dir: &Path,
) -> anyhow::Result<Vec<Option<PathBuf>>> {
    outcome
        .results
        .iter()
        .map(|r| match &r.verdict {
            Verdict::Failed {
                counterexample: Some(steps),
            } => {
                let trace = Trace::new(&plan.system, r.property, steps);
                let path = trace.write_into(dir).context("writing the trace")?;
                Ok(Some(path))
            }
            _ => Ok(None),
        })
        .collect()
}

/// The progress line on stderr, redrawn at most every 200 ms, when stderr is a terminal.
struct ProgressLine {
    enabled: bool,
    last: Option<Instant>,
}

impl ProgressLine {
    fn new(enabled: bool) -> ProgressLine {
        ProgressLine {
            enabled,
            last: None,
        }
    }

    fn show(&mut self, p: &Progress) {
        if !self.enabled
            || self
                .last
                .is_some_and(|t| t.elapsed() < Duration::from_millis(200))
        {
            return;
        }
        self.last = Some(Instant::now());
        eprint!("\r\x1b[K{}", p.line());
    }

    fn clear(&self) {
        if self.enabled && self.last.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}
