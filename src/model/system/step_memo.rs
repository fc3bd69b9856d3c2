//! The step memo: what a controller decided from a read, remembered so that the same decision
//! is not computed again, within one state (the equivalent-reads reduction runs the step from
//! every readable revision, and again for each group it compares against) and across states
//! (the same view and local state recur along many paths).
//!
//! Why it is sound: [`System::decide`](super::System) is a function of exactly
//! - the controller instance `i` (its configuration and registration are fixed for the life of
//!   the [`System`](super::System), which owns the memo),
//! - the read (the view's revision, the caches it moves to, the staleness guard's entries it
//!   sees fulfilled),
//! - the state the read shows (the [`View`](crate::model::view::View)),
//! - the controller's local state before the step (its session included),
//! - the alternative asked for,
//!
//! and controllers are deterministic functions of their view and local state (the model layer
//! has no clock, no randomness, no I/O; a controller's `step` takes `&self`). An entry stores
//! all five and a lookup compares all five for equality, not only their fingerprints, so a
//! fingerprint collision costs a miss, never a wrong answer. The memo is bounded: a fixed number
//! of shards, each cleared when it holds [`SHARD_CAPACITY`] entries.
//!
//! It is checked against the unmemoised system by the tests below: the same states and the
//! same shortest counterexamples on several models and levels with and without it, and a
//! deliberately wrong memo (one that leaves the local state out of what it compares) is caught
//! by that comparison.

use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use rustc_hash::FxHasher;

use crate::model::controllers::LocalState;
use crate::model::history::Read;
use crate::model::resources::KindSet;
use crate::model::state::StateView;

/// How many shards the memo has (threads lock one at a time).
const SHARDS: usize = 16;

/// How many entries a shard holds before it is cleared.
pub const SHARD_CAPACITY: usize = 4096;

/// What a step decided, as the memo keeps it: the decision, the kinds the step read and how
/// many alternatives the controller had.
pub(super) type Remembered<D> = (D, KindSet, usize);

/// Everything a decision depends on, kept whole so that a hit is an exact match.
struct Entry<D> {
    controller: usize,
    choice: usize,
    read: Read,
    read_state: StateView,
    local: LocalState,
    result: Remembered<D>,
}

/// A bounded, sharded map from (controller, read, read state, local state, choice) to what the
/// controller decided.
pub(super) struct StepMemo<D> {
    shards: Vec<Mutex<HashMap<u64, Vec<Entry<D>>>>>,
    /// Whether lookups compare the local state (always, but for the test showing that a memo
    /// which does not is caught).
    compares_local: bool,
}

impl<D> fmt::Debug for StepMemo<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepMemo")
            .field("shards", &self.shards.len())
            .finish()
    }
}

impl<D: Clone> StepMemo<D> {
    /// An empty memo.
    pub(super) fn new() -> Self {
        StepMemo {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            compares_local: true,
        }
    }

    /// A memo that leaves the local state out of its key: wrong, for the test that shows the
    /// differential comparison catches it.
    #[cfg(test)]
    pub(super) fn without_local_state() -> Self {
        StepMemo {
            compares_local: false,
            ..StepMemo::new()
        }
    }

    fn key(
        &self,
        controller: usize,
        choice: usize,
        read: &Read,
        read_state: &StateView,
        local: &LocalState,
    ) -> u64 {
        let mut hasher = FxHasher::default();
        controller.hash(&mut hasher);
        choice.hash(&mut hasher);
        read.hash(&mut hasher);
        read_state.fingerprint().hash(&mut hasher);
        if self.compares_local {
            local.hash(&mut hasher);
        }
        hasher.finish()
    }

    fn shard(&self, key: u64) -> &Mutex<HashMap<u64, Vec<Entry<D>>>> {
        &self.shards[(key >> 58) as usize % SHARDS]
    }

    /// What `controller` decided, taking alternative `choice`, from `read` showing
    /// `read_state` with local state `local`; computed by `decide` when not remembered.
    pub(super) fn get_or_decide(
        &self,
        controller: usize,
        choice: usize,
        read: &Read,
        read_state: &StateView,
        local: &LocalState,
        decide: impl FnOnce() -> Remembered<D>,
    ) -> Remembered<D> {
        let key = self.key(controller, choice, read, read_state, local);
        let matches = |e: &Entry<D>| {
            e.controller == controller
                && e.choice == choice
                && e.read == *read
                && (!self.compares_local || e.local == *local)
                && e.read_state == *read_state
        };
        {
            let shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
            if let Some(entry) = shard
                .get(&key)
                .and_then(|es| es.iter().find(|e| matches(e)))
            {
                return entry.result.clone();
            }
        }
        let result = decide();
        let mut shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
        if shard.len() >= SHARD_CAPACITY {
            shard.clear();
        }
        let entries = shard.entry(key).or_default();
        if !entries.iter().any(matches) {
            entries.push(Entry {
                controller,
                choice,
                read: read.clone(),
                read_state: read_state.clone(),
                local: local.clone(),
                result: result.clone(),
            });
        }
        result
    }

    /// How many entries the memo holds.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                s.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .values()
                    .map(Vec::len)
                    .sum::<usize>()
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Reduction, System};
    use super::StepMemo;
    use crate::model::config::parse_model;
    use crate::model::history::{Consistency, ConsistencySetting};
    use crate::model::properties::{self, PropertyKind};
    use crate::model::testing::{Exploration, explore};

    const STALE_READS: &str = include_str!("../../../models/statefulset-stale-reads.yaml");
    const PODGC: &str = include_str!("../../../models/podgc-restart.yaml");
    const ROLLOUT: &str = include_str!("../../../models/deployment-rollout.yaml");
    const JOB: &str = include_str!("../../../models/job-indexed.yaml");

    /// The models and levels compared, with the depth each is searched to.
    const CASES: [(&str, &str, Consistency, usize); 7] = [
        (
            "stale-reads",
            STALE_READS,
            Consistency::ResettableSession,
            9,
        ),
        ("stale-reads", STALE_READS, Consistency::Informer, 7),
        ("podgc", PODGC, Consistency::MonotonicSession, 8),
        ("podgc", PODGC, Consistency::Causal, 8),
        ("rollout", ROLLOUT, Consistency::OptimisticLinear, 5),
        ("rollout", ROLLOUT, Consistency::Synchronous, 6),
        ("job", JOB, Consistency::MonotonicSession, 5),
    ];

    fn system(text: &str, level: Consistency, reduction: Reduction) -> System {
        let mut config = parse_model(text, "model.yaml", &|_| Err("no includes".into()))
            .expect("the model loads")
            .config;
        config.consistency = ConsistencySetting::of(level);
        System::new(config).unwrap().with_reduction(reduction)
    }

    /// The states within `depth` steps and every measured property's shortest counterexample.
    fn search(system: &System, depth: usize) -> Exploration {
        let props: Vec<_> = properties::selected(system)
            .into_iter()
            .filter(|p| p.kind != PropertyKind::Eventually)
            .collect();
        explore(system, &props, depth, 20_000)
    }

    #[test]
    fn the_memo_changes_no_state_and_no_counterexample() {
        let mut failures = 0;
        for (name, text, level, depth) in CASES {
            for reduction in [Reduction::ALL, Reduction::NONE] {
                let memoised = system(text, level, reduction);
                let with = search(&memoised, depth);
                let without = search(&system(text, level, reduction).with_step_memo(false), depth);
                assert_eq!(with, without, "{name} under {level:?}, {reduction:?}");
                assert!(memoised.step_memo.as_ref().unwrap().len() > 0);
                failures += with.shortest.iter().filter(|(_, s)| s.is_some()).count();
            }
        }
        // The comparison covers counterexamples, not only state counts.
        assert!(failures > 0);
    }

    #[test]
    fn a_memo_that_leaves_out_the_local_state_is_caught() {
        let mut caught = Vec::new();
        for (name, text, level, depth) in CASES {
            let right = search(&system(text, level, Reduction::ALL), depth);
            let mut wrong = system(text, level, Reduction::ALL);
            wrong.step_memo = Some(StepMemo::without_local_state());
            if search(&wrong, depth) != right {
                caught.push(name);
            }
        }
        assert!(!caught.is_empty(), "the wrong memo went unnoticed");
    }
}
