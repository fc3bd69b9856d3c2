//! Swarms, the way SPIN's swarm verification scales: N independent searches (shards), each a
//! simulation over its own seeds and a breadth-first search of its own share of the states
//! at a split depth (a state at that depth is kept by shard `fingerprint % N`; the levels above
//! are searched by every shard). The shards do not communicate: a state reached by two shards
//! costs time, never correctness, and together they cover every state the whole search would.
//!
//! A shard's result is a [`ShardResult`] (JSON); [`merge`] joins them: states per shard and in
//! total, every property's verdict, every counterexample (minimised) with the shard and seed
//! that found it, and the counterexamples grouped by cause ([`super::triage`]).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::checker::{CheckOptions, Strategy, check};
use super::outcome::{CheckOutcome, Verdict};
use super::shrink::shrink_counterexamples;
use super::simulation::simulate;
use super::trace::Trace;
use super::triage::{Group, Signature, group};
use crate::model::properties::Property;
use crate::model::system::{System, SystemState};

/// The depth at which shards split the breadth-first search, when not given.
pub const DEFAULT_SPLIT_DEPTH: usize = 3;

/// The version of the shard result format.
pub const RESULT_FORMAT: u32 = 1;

/// One shard of a swarm: `index` of `count`, splitting at `split_depth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, from 0.
    pub index: usize,
    /// The number of shards.
    pub count: usize,
    /// The depth whose states are shared out.
    pub split_depth: usize,
}

impl Shard {
    /// Whether this shard keeps the state of this fingerprint at the split depth.
    pub fn keeps(&self, fingerprint: u64) -> bool {
        fingerprint % self.count as u64 == self.index as u64
    }

    /// The simulation seeds of this shard: `base + index`, `base + index + count`, ...
    pub fn seeds(&self, base: u64, how_many: usize) -> Vec<u64> {
        (0..how_many as u64)
            .map(|k| {
                base.wrapping_add(self.index as u64)
                    .wrapping_add(k.wrapping_mul(self.count as u64))
            })
            .collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `I/N` with `0 <= I < N <= 10000`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a shard: write I/N, e.g. 0/4 (I from 0 to N-1)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "`{s}`: the number of shards must be 1 to {MAX_SHARDS}"
            ));
        }
        if index >= count {
            return Err(format!(
                "`{s}`: shard {index} of {count} does not exist (shards are 0 to {})",
                count - 1
            ));
        }
        Ok(Shard {
            index,
            count,
            split_depth: DEFAULT_SPLIT_DEPTH,
        })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The most shards of a swarm.
pub const MAX_SHARDS: usize = 10_000;

/// A counterexample found by a shard (or a check over many seeds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Found {
    /// The property it violates.
    pub property: String,
    /// The shard that found it (none for a plain check).
    pub shard: Option<usize>,
    /// The simulation seed that found it; none for breadth-first search.
    pub seed: Option<u64>,
    /// Its number of steps (after minimising).
    pub steps: usize,
    /// Its cause.
    pub signature: Signature,
    /// The whole trace.
    pub trace: Trace,
}

/// A property's verdict in a shard, or merged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PropertyVerdict {
    /// The property's id.
    pub property: String,
    /// `FAILED`, `holds`, `holds within bounds` or `not checked within bounds`.
    pub verdict: String,
}

/// What one shard found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShardResult {
    /// [`RESULT_FORMAT`].
    pub format: u32,
    /// The model's name.
    pub model: String,
    /// This shard (none for a plain check over many seeds).
    pub shard: Option<usize>,
    /// The number of shards.
    pub shards: usize,
    /// The split depth of the breadth-first part.
    pub split_depth: usize,
    /// The simulation seeds run.
    pub seeds: Vec<u64>,
    /// States visited by the simulations.
    pub simulation_states: usize,
    /// States generated by the breadth-first search.
    pub bfs_states: usize,
    /// Distinct states of the breadth-first search.
    pub bfs_unique_states: usize,
    /// The depth the breadth-first search reached.
    pub bfs_depth: usize,
    /// Each property's verdict.
    pub properties: Vec<PropertyVerdict>,
    /// Every counterexample found, minimised.
    pub counterexamples: Vec<Found>,
}

impl ShardResult {
    /// States explored in all.
    pub fn states(&self) -> usize {
        self.simulation_states + self.bfs_states
    }
}

/// Counterexamples of `properties` from simulations over `seeds`, each given an equal share
/// of `budget` (what a seed leaves unused goes to the seeds after it), each minimised unless
/// `no_minimise`. Returns them with the states the simulations visited.
pub fn over_seeds(
    system: &System,
    properties: &[&'static Property],
    options: &CheckOptions,
    seeds: &[u64],
    budget: Duration,
    no_minimise: bool,
) -> (Vec<Found>, usize, Vec<CheckOutcome>) {
    let started = Instant::now();
    let mut found = Vec::new();
    let mut states = 0;
    let mut outcomes = Vec::new();
    let Some(initial) = initial(system, options) else {
        return (found, states, outcomes);
    };
    for (k, &seed) in seeds.iter().enumerate() {
        if options.stop.should_stop() {
            break;
        }
        let left = budget.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        let share = left / u32::try_from(seeds.len() - k).unwrap_or(u32::MAX);
        let opts = CheckOptions {
            strategy: Strategy::Simulation,
            seed,
            timeout: Some(share.max(Duration::from_millis(1))),
            stop_on_failure: true,
            initial: Some(initial.clone()),
            shard: None,
            ..options.clone()
        };
        let mut outcome = simulate(system, properties, &opts, &mut |_| {});
        states += outcome.states;
        if !no_minimise {
            shrink_counterexamples(system, &mut outcome, &options.stop);
        }
        found.extend(counterexamples(
            system,
            &initial,
            &outcome,
            None,
            Some(seed),
        ));
        outcomes.push(outcome);
    }
    (found, states, outcomes)
}

/// The initial state, settled once for every run; `None` when stopped while settling.
fn initial(system: &System, options: &CheckOptions) -> Option<SystemState> {
    match &options.initial {
        Some(state) => Some(state.clone()),
        None => options.stop.initial(system).ok(),
    }
}

/// The counterexamples of an outcome as [`Found`]s.
fn counterexamples(
    system: &System,
    initial: &SystemState,
    outcome: &CheckOutcome,
    shard: Option<usize>,
    seed: Option<u64>,
) -> Vec<Found> {
    outcome
        .results
        .iter()
        .filter_map(|r| match &r.verdict {
            Verdict::Failed {
                counterexample: Some(steps),
            } => Some(Found {
                property: r.property.id.to_string(),
                shard,
                seed,
                steps: steps.len(),
                signature: Signature::of(system, initial, steps),
                trace: Trace::from_initial(system, initial, r.property, steps),
            }),
            _ => None,
        })
        .collect()
}

/// Runs one shard: simulations over its seeds for half of `budget`, then breadth-first search
/// of its share for the rest (and what the simulations left).
pub fn run_shard(
    system: &Arc<System>,
    properties: &[&'static Property],
    options: &CheckOptions,
    shard: Shard,
    seeds: usize,
    budget: Duration,
) -> ShardResult {
    let started = Instant::now();
    let seeds = shard.seeds(options.seed, seeds);
    let initial = initial(system, options);
    let options = CheckOptions {
        initial: initial.clone(),
        ..options.clone()
    };
    let (mut found, simulation_states, _) =
        over_seeds(system, properties, &options, &seeds, budget / 2, false);
    for f in &mut found {
        f.shard = Some(shard.index);
    }
    let bfs = CheckOptions {
        strategy: Strategy::Bfs,
        timeout: Some(
            budget
                .saturating_sub(started.elapsed())
                .max(Duration::from_millis(1)),
        ),
        stop_on_failure: false,
        shard: Some(shard),
        ..options.clone()
    };
    let outcome = check(system.clone(), properties.to_vec(), &bfs, &mut |_| {});
    if let Some(initial) = &initial {
        found.extend(counterexamples(
            system,
            initial,
            &outcome,
            Some(shard.index),
            None,
        ));
    }
    ShardResult {
        format: RESULT_FORMAT,
        model: system.config().name.clone(),
        shard: Some(shard.index),
        shards: shard.count,
        split_depth: shard.split_depth,
        seeds,
        simulation_states,
        bfs_states: outcome.states,
        bfs_unique_states: outcome.unique_states,
        bfs_depth: outcome.max_depth,
        properties: verdicts(properties, &outcome, &found),
        counterexamples: found,
    }
}

/// Each property's verdict: failed when any counterexample of it was found, the
/// breadth-first search's verdict otherwise.
pub fn verdicts(
    properties: &[&'static Property],
    outcome: &CheckOutcome,
    found: &[Found],
) -> Vec<PropertyVerdict> {
    properties
        .iter()
        .map(|p| {
            let bfs = outcome
                .results
                .iter()
                .find(|r| r.property.id == p.id)
                .map_or("not checked within bounds", |r| r.verdict.word());
            let failed = found.iter().any(|f| f.property == p.id) || bfs == "FAILED";
            PropertyVerdict {
                property: p.id.to_string(),
                verdict: if failed { "FAILED" } else { bfs }.to_string(),
            }
        })
        .collect()
}

/// One shard's line in a merged result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardLine {
    /// The shard.
    pub shard: Option<usize>,
    /// States explored (simulation and breadth-first).
    pub states: usize,
    /// Counterexamples found.
    pub counterexamples: usize,
}

/// The shards' results joined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Merged {
    /// The model's name.
    pub model: String,
    /// Per shard, in shard order.
    pub shards: Vec<ShardLine>,
    /// States explored by all shards (a state reached by two counts twice).
    pub states: usize,
    /// Each property's verdict: failed if any shard found a counterexample; holds if every
    /// shard's search of its share was complete; otherwise holds within bounds.
    pub properties: Vec<PropertyVerdict>,
    /// Every counterexample.
    pub counterexamples: Vec<Found>,
    /// The counterexamples by cause, each group with its shortest member.
    pub groups: Vec<Group<Found>>,
}

/// Why shard results cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// Nothing to merge.
    #[error("no shard results to merge")]
    Empty,
    /// Results of different models or swarms.
    #[error("shard results of different swarms: {0}")]
    Mixed(String),
}

/// Merges shard results (any order).
pub fn merge(mut results: Vec<ShardResult>) -> Result<Merged, MergeError> {
    let first = results.first().ok_or(MergeError::Empty)?.clone();
    if let Some(other) = results
        .iter()
        .find(|r| r.model != first.model || r.shards != first.shards)
    {
        return Err(MergeError::Mixed(format!(
            "model {} in {} shards, and model {} in {}",
            first.model, first.shards, other.model, other.shards
        )));
    }
    results.sort_by_key(|r| r.shard);
    let mut properties: Vec<PropertyVerdict> = Vec::new();
    for r in &results {
        for v in &r.properties {
            match properties.iter_mut().find(|p| p.property == v.property) {
                Some(p) => p.verdict = joined(&p.verdict, &v.verdict).to_string(),
                None => properties.push(v.clone()),
            }
        }
    }
    let counterexamples: Vec<Found> = results
        .iter()
        .flat_map(|r| r.counterexamples.iter().cloned())
        .collect();
    let groups = group(
        &counterexamples,
        |f| (f.property.clone(), f.signature.clone()),
        |f| f.steps,
    );
    Ok(Merged {
        model: first.model,
        shards: results
            .iter()
            .map(|r| ShardLine {
                shard: r.shard,
                states: r.states(),
                counterexamples: r.counterexamples.len(),
            })
            .collect(),
        states: results.iter().map(ShardResult::states).sum(),
        properties,
        counterexamples,
        groups,
    })
}

/// Two shards' verdicts of one property joined.
fn joined<'a>(a: &'a str, b: &'a str) -> &'a str {
    let rank = |v: &str| match v {
        "FAILED" => 3,
        "not checked within bounds" => 2,
        "holds within bounds" => 1,
        _ => 0,
    };
    if rank(a) >= rank(b) { a } else { b }
}

#[cfg(test)]
mod tests;
