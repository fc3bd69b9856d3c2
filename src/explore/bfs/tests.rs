//! The BFS engine on the shipped stale-reads model: the same states and counterexample lengths
//! on one thread and two, with and without a depth bound; the same unique count as stateright's
//! BFS on a complete search; counterexamples that replay; bounds and timeouts reported.

use std::sync::Arc;
use std::time::Duration;

use stateright::{Checker, Model};

use super::search;
use crate::explore::checker::{CheckOptions, CheckOutcome, Ending, Strategy, Verdict};
use crate::explore::model::CheckModel;
use crate::model::config::parse_model;
use crate::model::history::{Consistency, ConsistencySetting};
use crate::model::properties::{self, Property};
use crate::model::system::{Reduction, System};

const STALE_READS: &str = include_str!("../../../models/statefulset-stale-reads.yaml");

fn system(level: Consistency, reduction: Reduction) -> System {
    let mut config = parse_model(STALE_READS, "statefulset-stale-reads.yaml", &|_| {
        Err("no includes".into())
    })
    .expect("the shipped model loads")
    .config;
    config.consistency = ConsistencySetting::of(level);
    System::new(config)
        .expect("the shipped model builds")
        .with_reduction(reduction)
}

fn p8() -> Vec<&'static Property> {
    vec![properties::by_id("P8").expect("P8 exists")]
}

fn bfs(system: &System, threads: usize, max_depth: usize) -> CheckOutcome {
    let options = CheckOptions {
        strategy: Strategy::Bfs,
        max_depth,
        threads,
        ..CheckOptions::default()
    };
    search(system, &p8(), &options, &mut |_| {})
}

fn counterexample_len(outcome: &CheckOutcome) -> Option<usize> {
    match &outcome.results[0].verdict {
        Verdict::Failed {
            counterexample: Some(steps),
        } => Some(steps.len()),
        _ => None,
    }
}

#[test]
fn resettable_session_fails_at_the_same_shortest_depth_on_one_thread_and_two() {
    let system = system(Consistency::ResettableSession, Reduction::default());
    let one = bfs(&system, 1, 30);
    let two = bfs(&system, 2, 30);
    assert_eq!(one.ending, Ending::Failure);
    assert_eq!(counterexample_len(&one), Some(9));
    assert_eq!(counterexample_len(&two), Some(9));
    assert_eq!(one.unique_states, two.unique_states);
    assert_eq!(one.max_depth, 9);
    // The same counterexample, whichever thread reached it first: the smallest fingerprint of
    // the failing level and the smallest parent of each state.
    let actions = |o: &CheckOutcome| match &o.results[0].verdict {
        Verdict::Failed {
            counterexample: Some(steps),
        } => steps.iter().map(|t| t.action.clone()).collect::<Vec<_>>(),
        other => panic!("expected a failure, got {other:?}"),
    };
    for _ in 0..3 {
        assert_eq!(actions(&bfs(&system, 2, 30)), actions(&one));
    }
}

#[test]
fn a_counterexample_replays_step_by_step_and_ends_in_a_violation() {
    let system = system(Consistency::ResettableSession, Reduction::default());
    let outcome = bfs(&system, 2, 30);
    let Verdict::Failed {
        counterexample: Some(steps),
    } = &outcome.results[0].verdict
    else {
        panic!("P8 fails under resettable session");
    };
    let mut state = system.initial();
    for step in steps {
        let replayed = system
            .take(&state, &step.action)
            .expect("each step is enabled");
        assert_eq!(replayed.next, step.next);
        state = replayed.next;
    }
    assert!(
        !(p8()[0].check)(&system, &state),
        "the last state violates P8"
    );
}

#[test]
fn monotonic_session_holds_in_the_whole_space_with_the_same_count_on_one_thread_and_two() {
    let system = system(Consistency::MonotonicSession, Reduction::default());
    let one = bfs(&system, 1, 40);
    let two = bfs(&system, 2, 40);
    assert!(one.complete() && two.complete());
    assert!(matches!(one.results[0].verdict, Verdict::Holds { .. }));
    assert_eq!(one.unique_states, two.unique_states);
    assert_eq!(one.states, two.states);
}

#[test]
fn under_a_depth_bound_one_thread_and_two_count_the_same_states() {
    // The plain model, where the frontier is wide: stateright's parallel BFS lost states here.
    let system = system(Consistency::MonotonicSession, Reduction::NONE);
    let one = bfs(&system, 1, 6);
    let two = bfs(&system, 2, 6);
    assert!(one.depth_bounded && two.depth_bounded);
    assert_eq!(one.ending, Ending::Exhausted);
    assert_eq!(one.max_depth, 6);
    assert_eq!(one.unique_states, two.unique_states);
    assert_eq!(one.states, two.states);
}

#[test]
fn a_complete_search_visits_as_many_states_as_stateright_does() {
    let system = Arc::new(system(Consistency::MonotonicSession, Reduction::default()));
    let ours = bfs(&system, 1, 40);
    let model = CheckModel::new(system.clone(), p8(), false);
    let theirs = model.checker().target_max_depth(42).spawn_bfs().join();
    assert!(ours.complete());
    assert_eq!(ours.unique_states, theirs.unique_state_count());
}

#[test]
fn a_timeout_ends_the_search_as_such() {
    let system = system(Consistency::MonotonicSession, Reduction::NONE);
    let options = CheckOptions {
        strategy: Strategy::Bfs,
        max_depth: 40,
        threads: 2,
        timeout: Some(Duration::from_millis(50)),
        ..CheckOptions::default()
    };
    let outcome = search(&system, &p8(), &options, &mut |_| {});
    assert_eq!(outcome.ending, Ending::Timeout);
    assert!(matches!(
        outcome.results[0].verdict,
        Verdict::HoldsWithinBounds
    ));
}

#[test]
fn a_cancel_from_another_thread_ends_the_search_as_cancelled() {
    let system = system(Consistency::MonotonicSession, Reduction::NONE);
    let stop = crate::explore::stop::Stop::never();
    let options = CheckOptions {
        strategy: Strategy::Bfs,
        max_depth: 40,
        threads: 2,
        stop: stop.clone(),
        ..CheckOptions::default()
    };
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        stop.cancel();
    });
    let outcome = search(&system, &p8(), &options, &mut |_| {});
    canceller.join().unwrap();
    assert_eq!(outcome.ending, Ending::Cancelled);
    assert!(matches!(
        outcome.results[0].verdict,
        Verdict::HoldsWithinBounds
    ));
}
