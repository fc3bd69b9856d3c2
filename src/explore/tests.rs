//! Checker, trace and replay tests on a small model built in code: one scheduler (with no pods,
//! it has nothing to do) and an environment rule scaling a Deployment, with properties of the
//! Deployment's replicas defined here.

use std::sync::Arc;
use std::time::Duration;

use super::checker::{CheckOptions, CheckOutcome, Ending, Strategy, Verdict, check};
use super::replay::{ReplayError, replay};
use super::trace::{Trace, TraceError};
use crate::model::config::ModelConfig;
use crate::model::controllers::ControllerSpec;
use crate::model::environment::{EnvironmentOp, EnvironmentRule, Target};
use crate::model::history::{Consistency, ConsistencySetting};
use crate::model::properties::{Property, PropertyKind};
use crate::model::resources::{Deployment, Kind, Metadata, Object};
use crate::model::system::{System, SystemState};

fn replicas(state: &SystemState) -> i32 {
    state
        .latest()
        .deployments
        .get("web")
        .map_or(0, Deployment::replicas)
}

/// Fails once the Deployment is scaled to 3.
static NEVER_THREE: Property = Property {
    id: "X1",
    text: "web never has 3 replicas",
    kind: PropertyKind::Always,
    stable_form: false,
    check: |_, s| replicas(s) != 3,
};

/// Holds everywhere.
static POSITIVE: Property = Property {
    id: "X2",
    text: "web has replicas",
    kind: PropertyKind::Always,
    stable_form: false,
    check: |_, s| replicas(s) > 0,
};

/// Has an example two scalings away.
static SOMETIMES_TWO: Property = Property {
    id: "X3",
    text: "web sometimes has 2 replicas",
    kind: PropertyKind::Sometimes,
    stable_form: false,
    check: |_, s| replicas(s) == 2,
};

fn config(counts: Vec<i32>, max: u32) -> ModelConfig {
    let mut web = Deployment {
        metadata: Metadata::named("web"),
        ..Deployment::default()
    };
    web.spec.replicas = Some(1);
    ModelConfig {
        name: "tiny".into(),
        description: "a scheduler and a scaled Deployment".into(),
        consistency: ConsistencySetting::of(Consistency::MonotonicSession),
        controllers: vec![ControllerSpec {
            kind: "scheduler".into(),
            name: "scheduler".into(),
            node: None,
        }],
        environment: vec![EnvironmentRule {
            op: EnvironmentOp::Scale {
                target: Target {
                    kind: Kind::Deployment,
                    name: "web".into(),
                },
                replicas: counts,
            },
            max,
        }],
        initial: vec![Object::Deployment(web)],
        ..ModelConfig::default()
    }
}

fn system() -> Arc<System> {
    Arc::new(System::new(config(vec![1, 2, 3], 2)).unwrap())
}

fn run(props: Vec<&'static Property>, options: CheckOptions) -> CheckOutcome {
    check(system(), props, &options, &mut |_| {})
}

fn counterexample(outcome: &CheckOutcome, i: usize) -> Vec<crate::model::system::Transition> {
    match &outcome.results[i].verdict {
        Verdict::Failed {
            counterexample: Some(steps),
        } => steps.clone(),
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn bfs_finds_the_shortest_counterexample_on_one_and_two_threads() {
    for threads in [1, 2] {
        let options = CheckOptions {
            threads,
            ..CheckOptions::default()
        };
        let outcome = run(vec![&POSITIVE, &NEVER_THREE], options);
        let steps = counterexample(&outcome, 1);
        assert_eq!(steps.len(), 1, "threads {threads}");
        assert_eq!(replicas(&steps[0].next), 3);
        assert_eq!(outcome.ending, Ending::Failure);
        assert!(matches!(
            outcome.results[0].verdict,
            Verdict::NotChecked { .. }
        ));
    }
}

#[test]
fn a_complete_search_proves_and_counts_the_same_on_every_run() {
    let mut counts = Vec::new();
    for threads in [1, 2, 1] {
        let options = CheckOptions {
            threads,
            ..CheckOptions::default()
        };
        let outcome = run(vec![&POSITIVE, &SOMETIMES_TWO], options);
        assert!(outcome.complete(), "{outcome:?}");
        assert!(matches!(
            outcome.results[0].verdict,
            Verdict::Holds { example: None }
        ));
        match &outcome.results[1].verdict {
            Verdict::Holds {
                example: Some(steps),
            } => assert_eq!(steps.len(), 1),
            other => panic!("{other:?}"),
        }
        counts.push(outcome.unique_states);
    }
    assert!(counts[0] > 3);
    assert!(counts.iter().all(|&c| c == counts[0]), "{counts:?}");
}

#[test]
fn dfs_finds_a_counterexample() {
    let options = CheckOptions {
        strategy: Strategy::Dfs,
        ..CheckOptions::default()
    };
    let outcome = run(vec![&NEVER_THREE], options);
    assert!(outcome.failed());
    let steps = counterexample(&outcome, 0);
    assert_eq!(replicas(&steps.last().unwrap().next), 3);
}

#[test]
fn the_depth_bound_limits_the_search() {
    let options = CheckOptions {
        max_depth: 0,
        ..CheckOptions::default()
    };
    let outcome = run(vec![&NEVER_THREE], options);
    assert!(matches!(
        outcome.results[0].verdict,
        Verdict::HoldsWithinBounds
    ));
    assert!(outcome.depth_bounded);
    assert_eq!(outcome.max_depth, 0);
}

#[test]
fn simulation_is_seeded_and_finds_the_failure() {
    let options = CheckOptions {
        strategy: Strategy::Simulation,
        timeout: Some(Duration::from_secs(5)),
        seed: 3,
        ..CheckOptions::default()
    };
    let a = run(vec![&NEVER_THREE], options.clone());
    let b = run(vec![&NEVER_THREE], options);
    let (a, b) = (counterexample(&a, 0), counterexample(&b, 0));
    let actions = |s: &[crate::model::system::Transition]| {
        s.iter().map(|t| t.action.clone()).collect::<Vec<_>>()
    };
    assert_eq!(actions(&a), actions(&b));
    assert_eq!(replicas(&a.last().unwrap().next), 3);
}

#[test]
fn a_timeout_stops_a_large_search() {
    let big = Arc::new(System::new(config((1..60).collect(), 40)).unwrap());
    let options = CheckOptions {
        timeout: Some(Duration::from_millis(200)),
        max_depth: 1000,
        ..CheckOptions::default()
    };
    let outcome = check(big, vec![&POSITIVE], &options, &mut |_| {});
    assert_eq!(outcome.ending, Ending::Timeout);
    assert!(
        outcome.elapsed < Duration::from_secs(3),
        "{:?}",
        outcome.elapsed
    );
    assert!(matches!(
        outcome.results[0].verdict,
        Verdict::HoldsWithinBounds
    ));
}

fn failing_trace() -> Trace {
    let sys = system();
    let outcome = check(
        sys.clone(),
        vec![&NEVER_THREE],
        &CheckOptions {
            max_depth: 4,
            ..CheckOptions::default()
        },
        &mut |_| {},
    );
    // A longer trace than the shortest: the scheduler steps first.
    let mut steps = counterexample(&outcome, 0);
    let first = sys.transitions(&sys.initial()).remove(0);
    let then = sys.take(&first.next, &steps[0].action).unwrap();
    steps = vec![first, then];
    Trace::new(&sys, &NEVER_THREE, &steps)
}

#[test]
fn a_trace_round_trips_and_replays() {
    let trace = failing_trace();
    let text = trace.to_json();
    let parsed = Trace::parse(&text).unwrap();
    assert_eq!(parsed, trace);
    assert_eq!(trace.file_name(), "tiny-X1-monotonic-session.json");
    let mut ryw = trace.clone();
    ryw.consistency.read_your_writes = true;
    ryw.commit = crate::model::history::CommitMode::Atomic;
    assert_eq!(
        ryw.file_name(),
        "tiny-X1-monotonic-session-read-your-writes-atomic.json"
    );
    // X1 is not registered, so replay names it.
    match replay(&parsed) {
        Err(ReplayError::UnknownProperty(id)) => assert_eq!(id, "X1"),
        other => panic!("{other:?}"),
    }
}

fn registered(mut trace: Trace) -> Trace {
    // K2 holds in this model: replay must find the property not violated.
    trace.violation.property = "K2".into();
    trace
}

#[test]
fn replay_checks_the_property_at_the_recorded_step() {
    let replayed = replay(&registered(failing_trace())).unwrap();
    assert_eq!(replayed.states.len(), 3);
    assert!(!replayed.violated);
}

#[test]
fn replay_refuses_a_changed_digest_or_a_step_not_enabled() {
    let mut trace = registered(failing_trace());
    trace.steps[1].digest = "0000000000000000".into();
    let e = replay(&trace).unwrap_err();
    assert_eq!(e.step(), Some(2));
    assert!(e.to_string().contains("digest"), "{e}");

    let mut trace = registered(failing_trace());
    trace.steps.swap(0, 1);
    trace.steps.push(trace.steps[1].clone());
    let e = replay(&trace).unwrap_err();
    assert!(
        matches!(
            e,
            ReplayError::NotEnabled { .. } | ReplayError::Digest { .. }
        ),
        "{e}"
    );
    let mut trace = registered(failing_trace());
    let scale = trace.steps[1].clone();
    trace.steps.push(scale);
    let e = replay(&trace).unwrap_err();
    assert_eq!(e.step(), Some(3));
    assert!(e.to_string().contains("not enabled"), "{e}");
}

#[test]
fn parse_refuses_bad_text_with_line_column_and_field() {
    let text = failing_trace().to_json();
    match Trace::parse(&text.replacen("\"format\": 2", "\"format\": 7", 1)) {
        Err(TraceError::Version(7)) => {}
        other => panic!("{other:?}"),
    }
    match Trace::parse(&text.replacen("\"steps\"", "\"stepz\"", 1)) {
        Err(TraceError::Json { line, message, .. }) => {
            assert!(line > 1);
            assert!(message.contains("stepz"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match Trace::parse("{\n  \"format\": 1,\n  oops") {
        Err(TraceError::Json { line: 3, .. }) => {}
        other => panic!("{other:?}"),
    }
    let line = super::trace::line_of_step(&text, 1).unwrap();
    assert!(text.lines().nth(line - 1).unwrap().contains("digest"));
}

#[test]
fn a_trace_is_written_atomically_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let trace = failing_trace();
    let path = trace.write_into(&dir.path().join("traces")).unwrap();
    assert_eq!(path.file_name().unwrap(), "tiny-X1-monotonic-session.json");
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");
    assert_eq!(
        Trace::parse(&std::fs::read_to_string(&path).unwrap()).unwrap(),
        trace
    );
}

/// Panics once the Deployment is scaled.
static PANICS: Property = Property {
    id: "X4",
    text: "panics after a scaling",
    kind: PropertyKind::Always,
    stable_form: false,
    check: |_, s| {
        assert!(replicas(s) == 1, "a property bug");
        true
    },
};

#[test]
#[should_panic(expected = "a property bug")]
fn a_panic_in_a_worker_is_never_a_verdict() {
    run(vec![&PANICS], CheckOptions::default());
}

#[test]
fn random_steps_are_takeable_and_cover_the_transitions() {
    use super::simulation::{Rng, random_step};
    use std::collections::BTreeSet;
    let sys = system();
    let mut rng = Rng::new(11);
    let mut state = sys.initial();
    loop {
        let all: BTreeSet<_> = sys
            .transitions(&state)
            .into_iter()
            .map(|t| t.action)
            .collect();
        if all.is_empty() {
            assert!(random_step(&sys, &state, &mut rng).is_none());
            break;
        }
        let picked: BTreeSet<_> = (0..200)
            .map(|_| random_step(&sys, &state, &mut rng).unwrap().action)
            .collect();
        assert!(picked.is_superset(&all), "{picked:?} ⊉ {all:?}");
        for action in &picked {
            assert!(sys.take(&state, action).is_ok(), "{action:?}");
        }
        state = random_step(&sys, &state, &mut rng).unwrap().next;
    }
}
