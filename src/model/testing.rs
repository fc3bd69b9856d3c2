//! Helpers for tests and fixtures: driving controllers to a fixed point, and an exhaustive
//! search that measures a model's verdicts, for comparing a reduced model with the plain one.

use std::collections::{HashMap, VecDeque};

use super::properties::{Property, PropertyKind};
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

/// What [`explore`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exploration {
    /// Every reachable state was visited.
    pub complete: bool,
    /// Every state within this many steps was visited and checked (the greatest depth reached
    /// when complete).
    pub depth: usize,
    /// The states visited (by fingerprint).
    pub states: usize,
    /// Per property, in the order given: for `always`, the length of the shortest path to a
    /// state that violates it; for `sometimes`, to one that satisfies it; `None` when there is
    /// none within `depth`.
    pub shortest: Vec<(&'static str, Option<usize>)>,
}

/// Visits every state of `system` reachable within `max_depth` steps (breadth first, states
/// identified by [`System::fingerprint`]), stopping early once more than `max_states` were
/// seen, and measures each `always` and `sometimes` property's shortest path (panics on an
/// `eventually` one: none is registered, and a terminal state means something else in a
/// reduced model). A step's length is one, but for a cache delivery of its own, which counts
/// nothing: the folded model merges deliveries into steps, so counting the steps that are not
/// deliveries makes a path of the plain model and its folded twin equally long.
pub fn explore(
    system: &System,
    properties: &[&'static Property],
    max_depth: usize,
    max_states: usize,
) -> Exploration {
    assert!(
        properties
            .iter()
            .all(|p| p.kind != PropertyKind::Eventually),
        "explore measures `always` and `sometimes` properties only"
    );
    let initial = system.initial();
    let mut distance: HashMap<u64, usize> = HashMap::new();
    let mut shortest: Vec<Option<usize>> = vec![None; properties.len()];
    // Depths never decrease along the queue: a delivery (length 0) goes to its front.
    let mut queue: VecDeque<(SystemState, u64, usize)> = VecDeque::new();
    let fp = system.fingerprint(&initial);
    distance.insert(fp, 0);
    queue.push_back((initial, fp, 0));
    let mut exact_to = None;
    let mut bounded = false;
    let mut deepest = 0;
    while let Some((state, fp, depth)) = queue.pop_front() {
        if distance.get(&fp).is_some_and(|d| *d < depth) {
            continue;
        }
        if distance.len() > max_states {
            // Every state at a smaller depth has been checked and expanded.
            exact_to = Some(depth.saturating_sub(1));
            break;
        }
        deepest = deepest.max(depth);
        for (p, property) in properties.iter().enumerate() {
            let holds = (property.check)(system, &state);
            let found = match property.kind {
                PropertyKind::Sometimes => holds,
                _ => !holds,
            };
            if found && shortest[p].is_none_or(|s| depth < s) {
                shortest[p] = Some(depth);
            }
        }
        for t in system.transitions(&state) {
            let cost = usize::from(!matches!(t.action, Action::Cache { .. }));
            let next_depth = depth + cost;
            if next_depth > max_depth {
                bounded = true;
                continue;
            }
            let next_fp = system.fingerprint(&t.next);
            if distance.get(&next_fp).is_none_or(|d| next_depth < *d) {
                distance.insert(next_fp, next_depth);
                if cost == 0 {
                    queue.push_front((t.next, next_fp, next_depth));
                } else {
                    queue.push_back((t.next, next_fp, next_depth));
                }
            }
        }
    }
    let depth = exact_to.unwrap_or(if bounded { max_depth } else { deepest });
    Exploration {
        complete: exact_to.is_none() && !bounded,
        depth,
        states: distance.len(),
        shortest: properties
            .iter()
            .zip(shortest)
            .map(|(p, s)| (p.id, s.filter(|l| *l <= depth)))
            .collect(),
    }
}
