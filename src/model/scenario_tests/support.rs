//! Building small models in code for scenario tests.

use std::collections::BTreeMap;

use crate::model::config::ModelConfig;
use crate::model::controllers::{ControllerSpec, NodeMachine};
use crate::model::history::{Consistency, ConsistencySetting};
use crate::model::resources::*;
use crate::model::state::StateView;
use crate::model::system::{Action, System, SystemState};

/// A node controller spec with room for a few pods.
pub fn node(name: &str) -> ControllerSpec {
    let capacity: BTreeMap<String, Quantity> = [
        ("cpu".to_string(), Quantity::units(4)),
        ("memory".to_string(), Quantity::parse("8Gi").unwrap()),
        ("pods".to_string(), Quantity::units(10)),
    ]
    .into_iter()
    .collect();
    ControllerSpec {
        kind: "node".into(),
        name: name.into(),
        node: Some(NodeMachine {
            capacity,
            ..NodeMachine::default()
        }),
    }
}

/// A non-node controller spec named after its kind.
pub fn controller(kind: &str) -> ControllerSpec {
    ControllerSpec {
        kind: kind.into(),
        name: kind.into(),
        node: None,
    }
}

/// A pod template with one container.
pub fn template(app: &str, image: &str) -> PodTemplateSpec {
    let mut t = PodTemplateSpec::default();
    t.metadata.labels.insert("app".into(), app.into());
    t.spec.containers.push(Container {
        name: app.into(),
        image: image.into(),
        ..Container::default()
    });
    t
}

/// A selector for `app: NAME`.
pub fn selector(app: &str) -> LabelSelector {
    LabelSelector::from_labels([("app".to_string(), app.to_string())].into_iter().collect())
}

/// A StatefulSet of `replicas` pods of `image`.
pub fn statefulset(name: &str, replicas: i32, image: &str) -> Object {
    let mut s = StatefulSet::default();
    s.metadata.name = name.into();
    s.spec.replicas = Some(replicas);
    s.spec.service_name = name.into();
    s.spec.selector = selector(name);
    s.spec.template = template(name, image);
    Object::StatefulSet(s)
}

/// A model configuration.
pub fn config(
    consistency: Consistency,
    controllers: Vec<ControllerSpec>,
    initial: Vec<Object>,
) -> ModelConfig {
    ModelConfig {
        name: "scenario".into(),
        consistency: ConsistencySetting::of(consistency),
        controllers,
        initial,
        ..ModelConfig::default()
    }
}

/// Steps controller `i`, always reading the newest revision it may, until `done` holds of the
/// latest state or it has nothing to do; panics if `done` never holds.
pub fn step_until(
    system: &System,
    mut state: SystemState,
    i: usize,
    done: impl Fn(&StateView) -> bool,
) -> SystemState {
    for _ in 0..50 {
        if done(&state.latest()) {
            return state;
        }
        let next = system
            .readable(&state, i)
            .into_iter()
            .rev()
            .find_map(|read| system.step_controller(&state, i, read));
        match next {
            Some(t) => state = t.next,
            None => break,
        }
    }
    assert!(
        done(&state.latest()),
        "{} stopped before the condition held",
        system.controller_name(i)
    );
    state
}

/// The environment action of rule `rule` that `describe`s as `text`.
pub fn environment(system: &System, state: &SystemState, text: &str) -> Action {
    let (rule, action) = system
        .environment_actions(state)
        .into_iter()
        .find(|(_, a)| a.to_string() == text)
        .unwrap_or_else(|| panic!("environment action `{text}` is not enabled"));
    Action::Environment { rule, action }
}

/// A stage of a scenario: something the environment does, after which the controllers run to
/// a fixed point.
#[derive(Clone, Debug)]
pub enum Stage {
    /// The environment action that describes itself as this text.
    Env(&'static str),
    /// The containers of every pod running on a node exit with this code.
    FinishRunningPods(i32),
}

/// Runs the controllers to a fixed point, then each stage followed by another fixed point,
/// checking every property in every state on the way; returns the final state and the ids of
/// `always` properties that failed somewhere and of `sometimes` properties that never held.
pub fn drive(system: &System, stages: &[Stage]) -> (SystemState, Vec<&'static str>) {
    use crate::model::properties::{self, PropertyKind};
    use crate::model::testing::run_to_fixed_point;
    let always: Vec<_> = properties::all()
        .into_iter()
        .filter(|p| p.kind == PropertyKind::Always)
        .collect();
    let mut sometimes: Vec<_> = properties::all()
        .into_iter()
        .filter(|p| p.kind == PropertyKind::Sometimes)
        .collect();
    let mut failed: Vec<&'static str> = Vec::new();
    let mut check = |state: &SystemState| {
        for p in &always {
            if !(p.check)(system, state) && !failed.contains(&p.id) {
                failed.push(p.id);
            }
        }
        sometimes.retain(|p| !(p.check)(system, state));
    };
    let settle = |state: SystemState, check: &mut dyn FnMut(&SystemState)| {
        let (end, transitions) = run_to_fixed_point(system, state, 2_000);
        for t in &transitions {
            check(&t.next);
        }
        assert!(
            transitions.len() < 2_000,
            "no fixed point within 2000 steps"
        );
        end
    };
    let mut state = settle(system.initial(), &mut check);
    for stage in stages {
        let actions: Vec<Action> = match stage {
            Stage::Env(text) => vec![environment(system, &state, text)],
            Stage::FinishRunningPods(code) => system
                .environment_actions(&state)
                .into_iter()
                .filter(|(_, a)| {
                    matches!(a, crate::model::environment::EnvironmentAction::MarkContainers { exit_code, .. } if exit_code == code)
                })
                .map(|(rule, action)| Action::Environment { rule, action })
                .collect(),
        };
        for action in actions {
            let t = system
                .take(&state, &action)
                .unwrap_or_else(|e| panic!("stage {stage:?}: {e}"));
            check(&t.next);
            state = t.next;
        }
        state = settle(state, &mut check);
    }
    check(&state);
    failed.extend(sometimes.iter().map(|p| p.id));
    (state, failed)
}
