//! Random simulation, run by us rather than stateright (whose simulation cannot be stopped and
//! records wrong paths when a step changes nothing): seeded walks from the initial state, each
//! step chosen uniformly among the enabled transitions, until the depth bound or a terminal
//! state, repeated until the timeout or a failure. The same seed gives the same walks.

use std::time::{Duration, Instant};

use rustc_hash::FxHashSet;

use super::checker::{CheckOptions, DEFAULT_SIMULATION};
use super::outcome::{CheckOutcome, Ending, PropertyResult, verdict};
use super::progress::Progress;
use crate::model::collection::hash_of;
use crate::model::properties::{Property, PropertyKind};
use crate::model::system::{Action, System, SystemState, Transition};

/// A small deterministic generator (splitmix64): walks depend only on the seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// A step chosen uniformly among the effective ones, or `None` in a terminal state. The
/// candidate actions (every readable read of every controller, cache moves, environment
/// actions: what [`System::transitions`] draws from) are tried in a random order and the first
/// that changes something is taken (the first hit of a uniform permutation is uniform among
/// the hits), so a step costs one successor computation or a few, not one per enabled action.
/// Reads that the equivalent-reads reduction would group are each a candidate here: any of
/// them is a behaviour of the model, and [`System::take`] replays it.
pub fn random_step(system: &System, state: &SystemState, rng: &mut Rng) -> Option<Transition> {
    let mut candidates: Vec<Action> = Vec::new();
    for controller in 0..system.controller_count() {
        for read in system.readable(state, controller) {
            candidates.push(Action::Step {
                controller,
                read,
                choice: 0,
            });
        }
    }
    for (controller, kind, revision) in system.cache_moves(state) {
        candidates.push(Action::Cache {
            controller,
            kind,
            revision,
        });
    }
    for (rule, action) in system.environment_actions(state) {
        candidates.push(Action::Environment { rule, action });
    }
    for k in 0..candidates.len() {
        let j = k + rng.below(candidates.len() - k);
        candidates.swap(k, j);
        let t = match &candidates[k] {
            Action::Step {
                controller, read, ..
            } => system.step_controller(state, *controller, read.clone()),
            action => system.take(state, action).ok(),
        };
        if t.is_some() {
            return t;
        }
    }
    None
}

/// Runs random walks until the timeout (or [`DEFAULT_SIMULATION`]) or a failure.
pub fn simulate(
    system: &System,
    properties: &[&'static Property],
    options: &CheckOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> CheckOutcome {
    let started = Instant::now();
    let limit = options.timeout.unwrap_or(DEFAULT_SIMULATION);
    let mut rng = Rng::new(options.seed);
    let mut seen = FxHashSet::default();
    let mut found: Vec<Option<Vec<Transition>>> = vec![None; properties.len()];
    let mut states = 0usize;
    let mut max_depth = 0usize;
    let mut depth_bounded = false;
    let mut last_report = Instant::now();
    let mut failed = false;
    while !failed && started.elapsed() < limit {
        let mut state = system.initial();
        let mut path: Vec<Transition> = Vec::new();
        let mut held = vec![false; properties.len()];
        loop {
            states += 1;
            seen.insert(hash_of(&state));
            max_depth = max_depth.max(path.len());
            for (i, p) in properties.iter().enumerate() {
                if found[i].is_some() {
                    continue;
                }
                let holds = (p.check)(system, &state);
                match p.kind {
                    PropertyKind::Always if !holds => {
                        found[i] = Some(path.clone());
                        failed = true;
                    }
                    PropertyKind::Sometimes if holds => found[i] = Some(path.clone()),
                    PropertyKind::Eventually if holds => held[i] = true,
                    _ => {}
                }
            }
            if (failed && options.stop_on_failure) || path.len() >= options.max_depth {
                depth_bounded |= path.len() >= options.max_depth;
                break;
            }
            let Some(t) = random_step(system, &state, &mut rng) else {
                for (i, p) in properties.iter().enumerate() {
                    if p.kind == PropertyKind::Eventually && !held[i] && found[i].is_none() {
                        found[i] = Some(path.clone());
                        failed = true;
                    }
                }
                break;
            };
            state = t.next.clone();
            path.push(t);
        }
        failed &= options.stop_on_failure;
        if last_report.elapsed() >= Duration::from_millis(100) {
            last_report = Instant::now();
            on_progress(&Progress {
                states,
                unique_states: seen.len(),
                max_depth,
                elapsed: started.elapsed(),
            });
        }
    }
    let ending = if failed {
        Ending::Failure
    } else {
        Ending::Timeout
    };
    let results = properties
        .iter()
        .zip(found)
        .map(|(&property, found)| PropertyResult {
            property,
            verdict: verdict(property.kind, found, false, ending),
        })
        .collect();
    CheckOutcome {
        states,
        unique_states: seen.len(),
        max_depth,
        depth_bounded,
        elapsed: started.elapsed(),
        ending,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_step_is_one_of_the_transitions() {
        use crate::model::config::ModelConfig;
        let system = System::new(ModelConfig::default()).unwrap();
        let state = system.initial();
        assert!(system.transitions(&state).is_empty());
        assert!(random_step(&system, &state, &mut Rng::new(1)).is_none());
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<usize> = (0..10).map(|_| a.below(5)).collect();
        let ys: Vec<usize> = (0..10).map(|_| b.below(5)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| x < 5));
        assert_ne!(Rng::new(8).next_u64(), Rng::new(7).next_u64());
    }
}
