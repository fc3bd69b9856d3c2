//! Shrinking counterexamples: delta debugging over a trace's actions, keeping only candidates
//! that still replay in the model and still violate the same property.
//!
//! Dropping a write renumbers every later revision, so a recorded read (`node-1 reads r7`) may
//! name another state, or none, in a shorter trace. Each step of a candidate is therefore
//! re-chosen while it is replayed: a controller step takes the read that gives the same kind of
//! outcome (the same verb on the same object, written or rejected, or a local change) nearest in
//! age to the recorded one; a cache move takes the change point nearest the recorded age. When
//! the nearest choice leads nowhere (a scheduler that reads a revision in which a restarted
//! node still exists binds the pod back to it), the replay backtracks and tries the next
//! nearest, within a budget of steps per candidate. The result is a list of actions that
//! replays exactly with [`System::take`].

use super::history::{History, Read};
use super::properties::Property;
use super::system::{Action, Outcome, System, SystemState, Transition};

/// The outcome of a step with revision numbers left out: what must stay the same when a step
/// is re-chosen.
fn shape(system: &System, t: &Transition) -> String {
    let who = match &t.action {
        Action::Step { controller, .. } => system.controller_name(*controller).to_string(),
        Action::Cache {
            controller, kind, ..
        } => format!("{}:{}", system.controller_name(*controller), kind),
        Action::Environment { action, .. } => action.to_string(),
        Action::Continue { controller } => format!("{}+", system.controller_name(*controller)),
    };
    let what = match &t.outcome {
        Outcome::Wrote { operation, .. } => format!("wrote {operation}"),
        Outcome::Rejected { operation, .. } => format!("rejected {operation}"),
        Outcome::Local => "local".to_string(),
    };
    format!("{who} {what}")
}

/// How far back a read looks from the latest revision.
fn age(state: &SystemState, read: &Read) -> u64 {
    state.history.latest().saturating_sub(read.newest())
}

/// A recorded step: the action as it was, its age, and its outcome's shape.
struct Recorded {
    action: Action,
    age: u64,
    shape: String,
}

/// How many re-chosen steps one replay of a candidate may take, backtracking included: enough
/// to try the second and third nearest read at a few steps of a 10-30 step trace, and a bound
/// on the work per candidate whatever the trace.
const REPLAY_BUDGET: usize = 100;

/// The ways to re-take one recorded step in `state`, nearest in age first; empty when no
/// action of that shape is enabled.
fn rechoose(system: &System, state: &SystemState, step: &Recorded) -> Vec<Transition> {
    let candidates: Vec<Transition> = match &step.action {
        Action::Step { controller, .. } => system
            .readable(state, *controller)
            .into_iter()
            .flat_map(|read| system.step_alternatives(state, *controller, read))
            .collect(),
        Action::Cache {
            controller, kind, ..
        } => system
            .cache_moves(state)
            .into_iter()
            .filter(|(c, k, _)| c == controller && k == kind)
            .map(|(c, k, revision)| system.move_cache(state, c, k, revision))
            .collect(),
        Action::Environment { .. } | Action::Continue { .. } => {
            return system.take(state, &step.action).ok().into_iter().collect();
        }
    };
    let mut same: Vec<Transition> = candidates
        .into_iter()
        .filter(|t| shape(system, t) == step.shape)
        .collect();
    // Stable: among reads as near, the older first, as the candidates come in read order.
    same.sort_by_key(|t| {
        let a = match &t.action {
            Action::Step { read, .. } => age(state, read),
            Action::Cache { revision, .. } => state.history.latest().saturating_sub(*revision),
            Action::Environment { .. } | Action::Continue { .. } => 0,
        };
        a.abs_diff(step.age)
    });
    same
}

/// Replays recorded steps from `initial`, re-choosing each; returns the actions taken up to
/// and including the first state that violates `property`, or `None` if no choice within
/// [`REPLAY_BUDGET`] gets there.
fn replay_failing(
    system: &System,
    initial: &SystemState,
    steps: &[&Recorded],
    property: &Property,
) -> Option<Vec<Action>> {
    let mut taken = Vec::new();
    let mut budget = REPLAY_BUDGET;
    replay_from(system, initial, steps, property, &mut taken, &mut budget).then_some(taken)
}

/// Depth-first over the re-choices of `steps` from `state`, nearest first; on success `taken`
/// holds the actions to the violation.
fn replay_from(
    system: &System,
    state: &SystemState,
    steps: &[&Recorded],
    property: &Property,
    taken: &mut Vec<Action>,
    budget: &mut usize,
) -> bool {
    let Some((step, rest)) = steps.split_first() else {
        return false;
    };
    for t in rechoose(system, state, step) {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        taken.push(t.action);
        if !(property.check)(system, &t.next)
            || replay_from(system, &t.next, rest, property, taken, budget)
        {
            return true;
        }
        taken.pop();
    }
    false
}

/// Shrinks `actions` (a trace that violates the `always` property `property`) to a shorter one
/// that still does, by delta debugging. Returns the shrunk actions, never longer than the
/// input's prefix up to its first violation; the input itself when it does not replay.
pub fn minimise(system: &System, actions: &[Action], property: &Property) -> Vec<Action> {
    let mut recorded = Vec::new();
    let initial = system.initial();
    let mut state = initial.clone();
    for action in actions {
        let Ok(t) = system.take(&state, action) else {
            return actions.to_vec();
        };
        let read_age = match action {
            Action::Step { read, .. } => age(&state, read),
            Action::Cache { revision, .. } => state.history.latest().saturating_sub(*revision),
            Action::Environment { .. } | Action::Continue { .. } => 0,
        };
        recorded.push(Recorded {
            action: action.clone(),
            age: read_age,
            shape: shape(system, &t),
        });
        state = t.next;
        if !(property.check)(system, &state) {
            break;
        }
    }
    let all: Vec<&Recorded> = recorded.iter().collect();
    let Some(mut best) = replay_failing(system, &initial, &all, property) else {
        return actions.to_vec();
    };
    let mut current: Vec<&Recorded> = all[..best.len()].to_vec();
    let mut chunks = 2usize;
    while current.len() >= 2 {
        let size = current.len().div_ceil(chunks);
        let mut shrunk = false;
        for start in (0..current.len()).step_by(size) {
            let candidate: Vec<&Recorded> = current[..start]
                .iter()
                .chain(current[(start + size).min(current.len())..].iter())
                .copied()
                .collect();
            if let Some(taken) = replay_failing(system, &initial, &candidate, property) {
                current = candidate[..taken.len()].to_vec();
                best = taken;
                chunks = chunks.saturating_sub(1).max(2);
                shrunk = true;
                break;
            }
        }
        if !shrunk {
            if size == 1 {
                break;
            }
            chunks = (chunks * 2).min(current.len());
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::ModelConfig;
    use crate::model::environment::{EnvironmentAction, EnvironmentOp, EnvironmentRule, Target};
    use crate::model::properties::PropertyKind;
    use crate::model::resources::{Kind, Metadata, Object, StatefulSet};

    fn system() -> System {
        let web = Target {
            kind: Kind::StatefulSet,
            name: "web".into(),
        };
        let mut sts = StatefulSet {
            metadata: Metadata::named("web"),
            ..StatefulSet::default()
        };
        sts.spec.template.spec.containers.push(Default::default());
        System::new(ModelConfig {
            environment: vec![
                EnvironmentRule {
                    op: EnvironmentOp::Scale {
                        target: web.clone(),
                        replicas: vec![2, 3, 4],
                    },
                    max: 5,
                },
                EnvironmentRule {
                    op: EnvironmentOp::ChangeImage {
                        target: web,
                        images: vec!["nginx:2".into()],
                    },
                    max: 1,
                },
            ],
            initial: vec![Object::StatefulSet(sts)],
            ..ModelConfig::default()
        })
        .expect("no controllers to build")
    }

    fn four_of_nginx_2(_: &System, state: &SystemState) -> bool {
        let latest = state.latest();
        let sts = latest.statefulsets.get("web").expect("web exists");
        !(sts.replicas() == 4 && sts.spec.template.spec.containers[0].image == "nginx:2")
    }

    const PROPERTY: Property = Property {
        id: "X1",
        text: "never four replicas of nginx:2",
        kind: PropertyKind::Always,
        stable_form: false,
        check: four_of_nginx_2,
    };

    fn scale(to: i32) -> Action {
        Action::Environment {
            rule: 0,
            action: EnvironmentAction::Scale {
                target: Target {
                    kind: Kind::StatefulSet,
                    name: "web".into(),
                },
                replicas: to,
            },
        }
    }

    fn change_image() -> Action {
        Action::Environment {
            rule: 1,
            action: EnvironmentAction::ChangeImage {
                target: Target {
                    kind: Kind::StatefulSet,
                    name: "web".into(),
                },
                image: "nginx:2".into(),
            },
        }
    }

    #[test]
    fn drops_every_step_the_violation_does_not_need() {
        let system = system();
        let long = vec![
            scale(2),
            scale(3),
            change_image(),
            scale(2),
            scale(4),
            scale(3),
        ];
        let short = minimise(&system, &long, &PROPERTY);
        assert_eq!(short, vec![change_image(), scale(4)]);
        let mut state = system.initial();
        for a in &short {
            state = system
                .take(&state, a)
                .expect("the shrunk trace replays")
                .next;
        }
        assert!(!four_of_nginx_2(&system, &state));
    }

    #[test]
    fn a_trace_that_does_not_fail_is_left_as_it_is() {
        let system = system();
        let trace = vec![scale(2), change_image()];
        assert_eq!(minimise(&system, &trace, &PROPERTY), trace);
    }
}
