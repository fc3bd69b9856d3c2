//! The checker runner: breadth-first search of our own ([`super::bfs`]: level by level, on any
//! number of threads, shortest counterexamples), depth-first search through stateright, random
//! simulation of our own ([`super::simulation`]); a depth bound, a timeout and progress reports
//! (stateright's timeout slows multi-threaded search and it has no cancel call; we stop its DFS
//! through [`super::model::Control`]).
//!
//! The depth bound counts actions: `max_depth = 3` checks every state reachable in at most three
//! steps.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use stateright::{Checker, HasDiscoveries, Model};

use super::model::{CheckModel, Step};
use super::outcome::verdict;
pub use super::outcome::{CheckOutcome, Ending, PropertyResult, Verdict};
use super::progress::Progress;
use super::simulation;
use super::stop::{Stop, StopReason};
use crate::model::properties::{Property, PropertyKind};
use crate::model::system::{System, SystemState, Transition};

/// How the state space is searched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Strategy {
    /// Breadth-first: shortest counterexamples.
    Bfs,
    /// Depth-first.
    Dfs,
    /// Random walks from the initial state, seeded.
    Simulation,
}

impl Strategy {
    /// Every strategy.
    pub const ALL: [Strategy; 3] = [Strategy::Bfs, Strategy::Dfs, Strategy::Simulation];

    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Bfs => "bfs",
            Strategy::Dfs => "dfs",
            Strategy::Simulation => "simulation",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Strategy::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown strategy `{s}` (known: bfs, dfs, simulation)"))
    }
}

/// How to run a check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The search strategy.
    pub strategy: Strategy,
    /// The most actions from the initial state.
    pub max_depth: usize,
    /// Worker threads (BFS and DFS).
    pub threads: usize,
    /// Stop after this long. Simulation without a timeout runs for [`DEFAULT_SIMULATION`].
    pub timeout: Option<Duration>,
    /// The simulation's seed.
    pub seed: u64,
    /// Stop at the first failing property (the other properties are then not checked).
    pub stop_on_failure: bool,
    /// A stop from outside (a whole-run deadline, Esc, a signal), checked inside the search's
    /// loops besides [`CheckOptions::timeout`].
    pub stop: Stop,
    /// The state to search from (the explorer's "check from here"); the system's initial
    /// state when `None`. Depths and counterexamples count from it.
    pub initial: Option<SystemState>,
    /// A swarm's shard: BFS keeps only its share of the states at the split depth.
    pub shard: Option<super::swarm::Shard>,
    /// BFS: the memory budget past which the search spills to disk (none: all in memory).
    pub memory: Option<super::bfs::MemoryBudget>,
}

/// How long a simulation runs when no timeout is given.
pub const DEFAULT_SIMULATION: Duration = Duration::from_secs(10);

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            strategy: Strategy::Bfs,
            max_depth: 40,
            threads: 1,
            timeout: None,
            seed: 0,
            stop_on_failure: true,
            stop: Stop::never(),
            initial: None,
            shard: None,
            memory: None,
        }
    }
}

/// Runs a check of `properties` over `system`, calling `on_progress` now and then.
pub fn check(
    system: Arc<System>,
    properties: Vec<&'static Property>,
    options: &CheckOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> CheckOutcome {
    match options.strategy {
        Strategy::Simulation => simulation::simulate(&system, &properties, options, on_progress),
        Strategy::Bfs => super::bfs::search(&system, &properties, options, on_progress),
        Strategy::Dfs => dfs(system, properties, options, on_progress),
    }
}

/// Depth-first search through stateright.
fn dfs(
    system: Arc<System>,
    properties: Vec<&'static Property>,
    options: &CheckOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> CheckOutcome {
    let started = Instant::now();
    let stop = options
        .stop
        .with_deadline(options.timeout.and_then(|t| started.checked_add(t)));
    let initial = match &options.initial {
        Some(state) => state.clone(),
        None => match stop.initial(&system) {
            Ok(state) => state,
            Err(reason) => {
                return CheckOutcome::stopped_settling(
                    &properties,
                    reason.into(),
                    started.elapsed(),
                );
            }
        },
    };
    let model =
        CheckModel::new(system, properties.clone(), options.stop_on_failure).with_initial(initial);
    // stateright skips (after generating) states whose depth, counted in states from 1 for the
    // initial state, reaches the target: `max_depth + 2` checks every state `max_depth` actions
    // away.
    let target = options.max_depth + 2;
    let builder = model
        .checker()
        .threads(options.threads.max(1))
        .target_max_depth(target)
        .finish_when(if options.stop_on_failure {
            HasDiscoveries::AnyFailures
        } else {
            HasDiscoveries::All
        });
    finish(
        builder.spawn_dfs(),
        &properties,
        options,
        started,
        on_progress,
    )
}

/// Waits for a spawned search (cancelling it at the timeout) and collects its verdicts.
fn finish<C: Checker<CheckModel>>(
    mut checker: C,
    properties: &[&'static Property],
    options: &CheckOptions,
    started: Instant,
    on_progress: &mut dyn FnMut(&Progress),
) -> CheckOutcome {
    let control = checker.model().control.clone();
    let target = options.max_depth + 2;
    let mut timed_out = false;
    let mut cancelled = false;
    while !checker.is_done() {
        // Poll at a tenth of the time spent (1 to 100 ms): the end is noticed within 10%.
        let poll =
            (started.elapsed() / 10).clamp(Duration::from_millis(1), Duration::from_millis(100));
        std::thread::sleep(poll);
        on_progress(&Progress {
            states: checker.state_count(),
            unique_states: checker.unique_state_count(),
            max_depth: checker.max_depth().saturating_sub(1),
            elapsed: started.elapsed(),
        });
        if !(timed_out || cancelled) {
            match options.stop.reason() {
                Some(StopReason::Cancelled) => cancelled = true,
                Some(StopReason::Timeout) => timed_out = true,
                None => timed_out = options.timeout.is_some_and(|t| started.elapsed() >= t),
            }
            if timed_out || cancelled {
                control.cancel();
            }
        }
    }
    let mut panic = None;
    for handle in checker.handles() {
        if let Err(payload) = handle.join() {
            panic.get_or_insert(payload);
        }
    }
    if let Some(payload) = panic {
        // A controller or property panicked in a worker: a bug, never a verdict.
        std::panic::resume_unwind(payload);
    }
    let elapsed = started.elapsed();
    let failure_stop = control.is_cancelled() && !timed_out && !cancelled;
    // Rebuilding discovery paths lists actions again: let the model offer them.
    control.resume();
    let discoveries = checker.discoveries();
    let depth_bounded = checker.max_depth() >= target;
    let ending = if cancelled {
        Ending::Cancelled
    } else if timed_out {
        Ending::Timeout
    } else if failure_stop
        || (options.stop_on_failure
            && !discoveries.is_empty()
            && any_failure(properties, &discoveries))
    {
        Ending::Failure
    } else {
        Ending::Exhausted
    };
    let complete = ending == Ending::Exhausted && !depth_bounded;
    let results = properties
        .iter()
        .map(|&property| {
            let found = discoveries
                .get(property.id)
                .map(|path| steps_of(path.clone().into_actions()));
            PropertyResult {
                property,
                verdict: verdict(property.kind, found, complete, ending),
            }
        })
        .collect();
    CheckOutcome {
        states: checker.state_count(),
        unique_states: checker.unique_state_count(),
        max_depth: checker
            .max_depth()
            .min(options.max_depth + 1)
            .saturating_sub(1),
        depth_bounded,
        elapsed,
        ending,
        results,
        walks: 0,
        spilled_bytes: 0,
        initial: checker.model().initial.as_deref().cloned(),
    }
}

fn any_failure(
    properties: &[&'static Property],
    discoveries: &std::collections::HashMap<
        &'static str,
        stateright::Path<crate::model::system::SystemState, Step>,
    >,
) -> bool {
    properties
        .iter()
        .any(|p| p.kind != PropertyKind::Sometimes && discoveries.contains_key(p.id))
}

fn steps_of(actions: Vec<Step>) -> Vec<Transition> {
    actions.into_iter().map(|s| (*s.0).clone()).collect()
}
