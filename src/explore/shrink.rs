//! Shrinking the counterexamples a check found by simulation or DFS before they are shown and
//! written: each is replaced by the shortest one [`minimise`] finds that still violates the
//! same property and replays in the model.

use crate::model::minimise::minimise;
use crate::model::properties::PropertyKind;
use crate::model::system::{Action, System, Transition};

use super::outcome::{CheckOutcome, Verdict};

/// Shrinks every `always` counterexample in `outcome` in place; returns, per property, the
/// length it had before when it got shorter.
pub fn shrink_counterexamples(system: &System, outcome: &mut CheckOutcome) -> Vec<Option<usize>> {
    outcome
        .results
        .iter_mut()
        .map(|result| {
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
            let replayed = replay(system, &shorter)?;
            let before = steps.len();
            *steps = replayed;
            Some(before)
        })
        .collect()
}

/// The transitions of a list of actions taken from the initial state.
fn replay(system: &System, actions: &[Action]) -> Option<Vec<Transition>> {
    let mut state = system.initial();
    let mut out = Vec::with_capacity(actions.len());
    for action in actions {
        let t = system.take(&state, action).ok()?;
        state = t.next.clone();
        out.push(t);
    }
    Some(out)
}
