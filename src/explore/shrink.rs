//! Shrinking the counterexamples a check found by simulation or DFS before they are shown and
//! written: each is replaced by the shortest one [`minimise`] finds that still violates the
//! same property and replays in the model.

use crate::model::minimise::minimise;
use crate::model::properties::PropertyKind;
use crate::model::system::{Action, System, SystemState, Transition};

use super::outcome::{CheckOutcome, Verdict};
use super::stop::Stop;

/// Shrinks every `always` counterexample in `outcome` in place; returns, per property, the
/// length it had before when it got shorter. Once `stop` says so (the run's deadline, a
/// signal) the counterexamples left are kept as found: each shrink is bounded, and the stop is
/// asked before each.
pub fn shrink_counterexamples(
    system: &System,
    outcome: &mut CheckOutcome,
    stop: &Stop,
) -> Vec<Option<usize>> {
    let initial = outcome.initial.clone();
    outcome
        .results
        .iter_mut()
        .map(|result| {
            if stop.should_stop() {
                return None;
            }
            let Verdict::Failed {
                counterexample: Some(steps),
            } = &mut result.verdict
            else {
                return None;
            };
            if result.property.kind != PropertyKind::Always {
                return None;
            }
            let actions: Vec<Action> = steps.iter().map(|t| t.action.clone()).collect();
            let shorter = minimise(system, &actions, result.property);
            if shorter.len() >= steps.len() {
                return None;
            }
            let initial = match &initial {
                Some(state) => state.clone(),
                None => system.initial(),
            };
            let replayed = replay(system, &initial, &shorter)?;
            let before = steps.len();
            *steps = replayed;
            Some(before)
        })
        .collect()
}

/// The transitions of a list of actions taken from the initial state.
fn replay(system: &System, initial: &SystemState, actions: &[Action]) -> Option<Vec<Transition>> {
    let mut state = initial.clone();
    let mut out = Vec::with_capacity(actions.len());
    for action in actions {
        let t = system.take(&state, action).ok()?;
        state = t.next.clone();
        out.push(t);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::explore::checker::{CheckOptions, Strategy, check};
    use crate::model::collection::hash_of;
    use crate::model::config::parse_model;
    use crate::model::properties;

    /// The stale-reads model (P8 fails; BFS's counterexample has 9 steps).
    fn stale_reads() -> Arc<System> {
        let text = include_str!("../../models/statefulset-stale-reads.yaml");
        let loaded = parse_model(text, "statefulset-stale-reads.yaml", &|f: &str| {
            Err(format!("no include {f}"))
        })
        .expect("the shipped model parses");
        Arc::new(System::new(loaded.config).expect("and builds"))
    }

    fn counterexample(outcome: &CheckOutcome) -> Vec<Transition> {
        match &outcome.results[0].verdict {
            Verdict::Failed {
                counterexample: Some(steps),
            } => steps.clone(),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn minimised_counterexamples_replay_fail_the_same_property_and_are_never_longer() {
        let system = stale_reads();
        let p8 = properties::by_id("P8").expect("P8 is registered");
        let mut at_bfs_length = 0;
        for seed in 1..=5 {
            let options = CheckOptions {
                strategy: Strategy::Simulation,
                seed,
                max_depth: 30,
                timeout: Some(Duration::from_secs(120)),
                ..CheckOptions::default()
            };
            let mut outcome = check(system.clone(), vec![p8], &options, &mut |_| {});
            let raw = counterexample(&outcome);
            let mut again = outcome.clone();
            let from = shrink_counterexamples(&system, &mut outcome, &Stop::never());
            let shrunk = counterexample(&outcome);
            assert!(shrunk.len() <= raw.len(), "seed {seed}");
            let shorter = (shrunk.len() < raw.len()).then_some(raw.len());
            assert_eq!(from, vec![shorter], "seed {seed}");
            // It replays step by step, to the same states, and P8 fails at its last state
            // only.
            let mut state = system.initial();
            for (i, t) in shrunk.iter().enumerate() {
                let again = system.take(&state, &t.action).expect("the step replays");
                assert_eq!(
                    hash_of(&again.next),
                    hash_of(&t.next),
                    "seed {seed} step {i}"
                );
                state = again.next;
                let last = i + 1 == shrunk.len();
                assert_eq!((p8.check)(&system, &state), !last, "seed {seed} step {i}");
            }
            assert!(shrunk.len() >= 9, "never shorter than BFS's: seed {seed}");
            let stopped = Stop::never();
            stopped.cancel();
            assert_eq!(
                shrink_counterexamples(&system, &mut again, &stopped),
                vec![None],
                "a stopped run keeps its counterexample as found"
            );
            assert_eq!(counterexample(&again).len(), raw.len());
            at_bfs_length += usize::from(shrunk.len() == 9);
        }
        assert!(
            at_bfs_length >= 4,
            "{at_bfs_length} of 5 seeds reach 9 steps"
        );
    }
}
