//! Helpers for tests and fixtures: driving controllers to a fixed point.

use super::system::{Action, System, SystemState, Transition};

/// Steps controllers in rotation (each taking its first effective step, in action order) until
/// none has anything left to do or `max_steps` were taken. Environment rules never fire.
/// Returns the final state and the transitions taken.
pub fn run_to_fixed_point(
    system: &System,
    state: SystemState,
    max_steps: usize,
) -> (SystemState, Vec<Transition>) {
    system.settle(state, max_steps, &|| false)
}

/// Takes a sequence of actions, panicking with the step number and reason if one is not
/// enabled: for tests that spell out an interleaving.
pub fn take_all(system: &System, mut state: SystemState, actions: &[Action]) -> SystemState {
    for (i, action) in actions.iter().enumerate() {
        match system.take(&state, action) {
            Ok(t) => state = t.next,
            Err(e) => panic!("step {} ({}): {e}", i + 1, system.describe(action)),
        }
    }
    state
}
