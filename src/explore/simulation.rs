//! Random simulation, run by us rather than stateright (whose simulation cannot be stopped and
//! records wrong paths when a step changes nothing): seeded walks from the initial state, each
//! step an actor drawn uniformly and then one of its effective actions (see [`random_step`]),
//! until the depth bound or a terminal state, repeated until the timeout or a failure. The same
//! seed gives the same walks.

use std::time::{Duration, Instant};

use super::stop::StopReason;

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

/// A random effective step, or `None` in a terminal state, chosen in two draws: first an
/// actor uniformly among those that can change something (each controller, with its cache
/// deliveries; each environment rule), then one of that actor's effective actions uniformly
/// (a controller's reads, a rule's targets). Every effective action keeps a positive chance,
/// so every behaviour of the model stays reachable, but an actor's share of the steps no
/// longer grows with the number of revisions it could read: a rule that fires once in a
/// run (a node restart) is as likely, at each step, as any controller, as it would be if each
/// acted on its own clock. Uniform over all actions, a one-off environment action competed
/// with every read of every controller and the rare runs that need one came ten times later.
///
/// An actor's candidates (what [`System::transitions`] draws from, each read on its own even
/// where the equivalent-reads reduction would group it: any of them is a behaviour, and
/// [`System::take`] replays it) are tried in a random order and the first that changes
/// something is taken (the first hit of a uniform permutation is uniform among the hits); an
/// actor with none is dropped and another drawn. A step costs one successor computation or a
/// few, not one per enabled action.
pub fn random_step(system: &System, state: &SystemState, rng: &mut Rng) -> Option<Transition> {
    let mut actors = actors(system, state);
    while !actors.is_empty() {
        let a = rng.below(actors.len());
        let candidates = &mut actors[a];
        for k in 0..candidates.len() {
            let j = k + rng.below(candidates.len() - k);
            candidates.swap(k, j);
            let t = match &candidates[k] {
                Action::Step {
                    controller, read, ..
                } => {
                    // A scheduler's tied nodes: one of them, uniformly.
                    let mut alternatives =
                        system.step_alternatives(state, *controller, read.clone());
                    (!alternatives.is_empty())
                        .then(|| alternatives.swap_remove(rng.below(alternatives.len())))
                }
                action => system.take(state, action).ok(),
            };
            if t.is_some() {
                return t;
            }
        }
        actors.swap_remove(a);
    }
    None
}

/// The enabled actions of each actor that has some: per controller its reads and cache
/// deliveries, per environment rule its actions; in configuration order.
fn actors(system: &System, state: &SystemState) -> Vec<Vec<Action>> {
    let controllers = system.controller_count();
    let mut actors: Vec<Vec<Action>> = (0..controllers)
        .map(|controller| {
            if !state.locals[controller].pending.is_empty() {
                // A sync under way: its next write is all the controller may do.
                return vec![Action::Continue { controller }];
            }
            system
                .readable(state, controller)
                .into_iter()
                .map(|read| Action::Step {
                    controller,
                    read,
                    choice: 0,
                })
                .collect()
        })
        .collect();
    for (controller, kind, revision) in system.cache_moves(state) {
        actors[controller].push(Action::Cache {
            controller,
            kind,
            revision,
        });
    }
    actors.resize_with(controllers + system.config().environment.len(), Vec::new);
    for (rule, action) in system.environment_actions(state) {
        actors[controllers + rule].push(Action::Environment { rule, action });
    }
    actors.retain(|candidates| !candidates.is_empty());
    actors
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
    let stop = options
        .stop
        .with_deadline(started.checked_add(limit).or(Some(started)));
    let mut rng = Rng::new(options.seed);
    let mut seen = FxHashSet::default();
    let mut found: Vec<Option<Vec<Transition>>> = vec![None; properties.len()];
    let mut states = 0usize;
    let mut max_depth = 0usize;
    let mut depth_bounded = false;
    let mut last_report = Instant::now();
    let mut failed = false;
    let mut walks = 0usize;
    // Settling a `start: settled` model takes as long as a walk: once is enough.
    let initial = match &options.initial {
        Some(state) => state.clone(),
        None => match stop.initial(system) {
            Ok(state) => state,
            Err(reason) => {
                return CheckOutcome::stopped_settling(
                    properties,
                    reason.into(),
                    started.elapsed(),
                );
            }
        },
    };
    let mut stopped = None;
    while !failed {
        stopped = stop.reason();
        if stopped.is_some() {
            break;
        }
        walks += 1;
        let mut state = initial.clone();
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
            if stop.should_stop() {
                break;
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
    } else if stopped == Some(StopReason::Cancelled) {
        Ending::Cancelled
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
        walks,
        spilled_bytes: 0,
        initial: Some(initial),
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
    fn each_actor_that_can_act_is_drawn_about_as_often() {
        use crate::model::config::parse_model;
        let text = include_str!("../../models/statefulset-stale-reads.yaml");
        let loaded = parse_model(text, "stale-reads.yaml", &|f: &str| Err(f.to_string())).unwrap();
        let system = System::new(loaded.config).unwrap();
        // Who acts: a controller, or an environment rule (after the controllers).
        let who = |t: &Transition| match &t.action {
            Action::Step { controller, .. }
            | Action::Cache { controller, .. }
            | Action::Continue { controller } => *controller,
            Action::Environment { rule, .. } => system.controller_count() + rule,
        };
        // Every effective action, each read on its own: what a step draws from.
        let effective = |state: &SystemState| -> Vec<Transition> {
            let mut out = Vec::new();
            for c in 0..system.controller_count() {
                for read in system.readable(state, c) {
                    out.extend(system.step_controller(state, c, read));
                }
            }
            for (rule, action) in system.environment_actions(state) {
                out.extend(
                    system
                        .take(state, &Action::Environment { rule, action })
                        .ok(),
                );
            }
            out
        };
        // The first state on a walk where two actors or more can act, one with at least three
        // times as many effective actions as another.
        let mut walk = Rng::new(1);
        let mut state = system.initial();
        let able = loop {
            let transitions = effective(&state);
            let mut able: Vec<usize> = transitions.iter().map(who).collect();
            able.sort_unstable();
            able.dedup();
            let count = |a: &usize| transitions.iter().filter(|t| who(t) == *a).count();
            let counts: Vec<usize> = able.iter().map(count).collect();
            let (least, most) = (counts.iter().min(), counts.iter().max());
            if able.len() >= 2 && most >= least.map(|n| 3 * n).as_ref() {
                break able;
            }
            state = random_step(&system, &state, &mut walk)
                .expect("such a state")
                .next;
        };
        let mut rng = Rng::new(5);
        let draws = 900;
        let mut drawn = vec![0usize; system.controller_count() + system.config().environment.len()];
        for _ in 0..draws {
            let t = random_step(&system, &state, &mut rng).expect("not terminal");
            assert!(system.take(&state, &t.action).is_ok());
            drawn[who(&t)] += 1;
        }
        let fair = draws / able.len();
        for (a, &n) in drawn.iter().enumerate() {
            if able.contains(&a) {
                assert!(
                    n > fair * 2 / 3 && n < fair * 4 / 3,
                    "actor {a}: {n} of {draws}, {drawn:?}"
                );
            } else {
                assert_eq!(n, 0, "actor {a} cannot act");
            }
        }
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
