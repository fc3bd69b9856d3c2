//! Traces are behaviours: whatever reductions found a trace, its steps are steps of the plain
//! model (a folded step stands for its deliveries and a plain step), and a trace with steps
//! no reduced search offers still replays.

use std::sync::Arc;

use orchard::explore::checker::{CheckOptions, check};
use orchard::explore::outcome::Verdict;
use orchard::explore::replay::replay;
use orchard::explore::trace::{Trace, digest};
use orchard::model::history::{Consistency, ConsistencySetting};
use orchard::model::properties;
use orchard::model::system::{Action, Reduction, System, Transition};

use crate::support::{load, models_dir};

/// Replays `trace` under the plain transition relation: each step expanded into the plain
/// actions it stands for, every digest compared.
fn replays_plain(trace: &Trace) -> Result<(), String> {
    let plain = System::new(trace.model.clone())
        .map_err(|e| e.to_string())?
        .with_reduction(Reduction::NONE);
    let found_with = System::new(trace.model.clone())
        .map_err(|e| e.to_string())?
        .with_reduction(trace.reduction);
    let mut state = plain.initial();
    if digest(&state) != trace.initial {
        return Err("the initial state differs".into());
    }
    for (i, step) in trace.steps.iter().enumerate() {
        for action in found_with.plain_actions(&state, &step.action) {
            state = plain
                .take(&state, &action)
                .map_err(|e| format!("step {} ({}): {e}", i + 1, step.describe))?
                .next;
        }
        if digest(&state) != step.digest {
            return Err(format!("step {} ({}): another state", i + 1, step.describe));
        }
    }
    Ok(())
}

#[test]
fn every_shipped_trace_replays_under_the_plain_transition_relation() {
    let dir = models_dir().parent().unwrap().join("traces");
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let trace = Trace::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        replays_plain(&trace).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        replayed += 1;
    }
    assert!(
        replayed >= 15,
        "the shipped traces (18 when written), found {replayed}"
    );
}

/// The counterexamples a BFS with every reduction finds in a shipped model under `setting`.
fn counterexamples(model: &str, setting: ConsistencySetting) -> Vec<Trace> {
    let mut config = load(&models_dir().join(format!("{model}.yaml")));
    config.consistency = setting;
    let system = Arc::new(System::new(config).unwrap().with_reduction(Reduction::ALL));
    let props = properties::selected(&system);
    let options = CheckOptions {
        max_depth: 10,
        stop_on_failure: true,
        ..CheckOptions::default()
    };
    let outcome = check(Arc::clone(&system), props, &options, &mut |_| {});
    outcome
        .results
        .iter()
        .filter_map(|r| match &r.verdict {
            Verdict::Failed {
                counterexample: Some(steps),
            } => Some(Trace::new(&system, r.property, steps)),
            _ => None,
        })
        .collect()
}

#[test]
fn counterexamples_found_with_every_reduction_replay_under_the_plain_model() {
    let level = |level| ConsistencySetting {
        level,
        ..ConsistencySetting::default()
    };
    let mut found = 0;
    for (model, setting) in [
        ("podgc-restart", level(Consistency::MonotonicSession)),
        ("statefulset-stale-reads", level(Consistency::Informer)),
        ("replicaset-adopt", level(Consistency::Informer)),
        ("statefulset-scale", level(Consistency::Causal)),
    ] {
        for trace in counterexamples(model, setting) {
            replays_plain(&trace).unwrap_or_else(|e| panic!("{model}: {e}"));
            assert!(replay(&trace).is_ok_and(|r| r.violated), "{model}");
            found += 1;
        }
    }
    assert!(found >= 4, "counterexamples in every model, found {found}");
}

/// A path of plain steps: for each controller in turn, its first plain step that the reduced
/// search does not offer, until `steps` were taken.
fn steps_no_reduced_search_offers(
    reduced: &System,
    plain: &System,
    steps: usize,
) -> Vec<Transition> {
    let mut state = plain.initial();
    let mut path = Vec::new();
    while path.len() < steps {
        let offered: Vec<Action> = reduced
            .transitions(&state)
            .into_iter()
            .map(|t| t.action)
            .collect();
        let all = plain.transitions(&state);
        let Some(t) = all
            .iter()
            .find(|t| !offered.contains(&t.action))
            .or(all.first())
            .cloned()
        else {
            break;
        };
        state = t.next.clone();
        path.push(t);
    }
    path
}

#[test]
fn a_trace_written_by_hand_with_steps_no_reduced_search_offers_replays() {
    let level = |level| ConsistencySetting {
        level,
        ..ConsistencySetting::default()
    };
    let p8 = properties::by_id("P8").unwrap();
    for setting in [
        level(Consistency::MonotonicSession),
        level(Consistency::ResettableSession),
        level(Consistency::Informer),
    ] {
        let mut config = load(&models_dir().join("statefulset-stale-reads.yaml"));
        config.consistency = setting;
        let reduced = System::new(config.clone())
            .unwrap()
            .with_reduction(Reduction::ALL);
        let plain = System::new(config).unwrap().with_reduction(Reduction::NONE);
        let path = steps_no_reduced_search_offers(&reduced, &plain, 8);
        // Some of its steps are ones the reduced search leaves out.
        let mut state = reduced.initial();
        let mut left_out = 0;
        for t in &path {
            let offered = reduced.transitions(&state);
            left_out += usize::from(!offered.iter().any(|o| o.action == t.action));
            let taken = reduced
                .take(&state, &t.action)
                .expect("a plain step is taken");
            assert_eq!(digest(&taken.next), digest(&t.next));
            state = taken.next;
        }
        assert!(
            left_out >= 2,
            "{}: {left_out} steps left out",
            setting.level.name()
        );
        // Written as a trace found with every reduction, it replays.
        let mut trace = Trace::new(&reduced, p8, &path);
        trace.violation.step = 0;
        let replayed = replay(&trace).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(replayed.states.len(), path.len() + 1);
        // Taking a step that the plain model does not allow is still refused.
        let stale = Action::Step {
            controller: 0,
            read: orchard::model::history::Read::At(9_999),
            choice: 0,
        };
        assert!(reduced.take(&state, &stale).is_err());
    }
}
