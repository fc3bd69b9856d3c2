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

/// The whole-state BFS the compact frontier replaced, kept as the reference: each level's
/// states held whole, one thread, the same rules (a state keeps the smallest parent of its
/// level, a property the smallest fingerprint failing in its level, a level is finished before
/// stopping, `eventually` pending bits from the first path).
mod reference {
    use std::collections::{HashMap, HashSet};

    use crate::model::properties::{Property, PropertyKind};
    use crate::model::system::{Action, System, SystemState};

    /// What the comparison looks at.
    #[derive(Debug, PartialEq, Eq)]
    pub struct Summary {
        pub states: usize,
        pub unique: usize,
        pub depth: usize,
        pub bounded: bool,
        /// Per property, the actions to its discovery.
        pub discoveries: Vec<Option<Vec<Action>>>,
    }

    pub fn bfs(system: &System, properties: &[&'static Property], max_depth: usize) -> Summary {
        let initial = system.initial();
        let mut parents: HashMap<u64, u64> = HashMap::new();
        let mut discoveries: Vec<Option<u64>> = vec![None; properties.len()];
        let mut found = vec![false; properties.len()];
        let eventually = properties
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PropertyKind::Eventually)
            .fold(0u64, |bits, (i, _)| bits | 1 << i);
        let check = |state: &SystemState,
                     fp: u64,
                     mut pending: u64,
                     found: &[bool],
                     discoveries: &mut Vec<Option<u64>>| {
            for (i, p) in properties.iter().enumerate() {
                let holds = (p.check)(system, state);
                let discovered = match p.kind {
                    PropertyKind::Always => !found[i] && !holds,
                    PropertyKind::Sometimes => !found[i] && holds,
                    PropertyKind::Eventually => {
                        if holds {
                            pending &= !(1 << i);
                        }
                        false
                    }
                };
                if discovered && discoveries[i].is_none_or(|d| fp < d) {
                    discoveries[i] = Some(fp);
                }
            }
            pending
        };
        let terminal = |fp: u64, pending: u64, found: &[bool], d: &mut Vec<Option<u64>>| {
            for i in 0..properties.len() {
                if pending & (1 << i) != 0 && !found[i] && d[i].is_none_or(|x| fp < x) {
                    d[i] = Some(fp);
                }
            }
        };
        let failed = |d: &[Option<u64>]| {
            d.iter()
                .zip(properties)
                .any(|(d, p)| d.is_some() && p.kind != PropertyKind::Sometimes)
        };
        let fp = system.fingerprint(&initial);
        parents.insert(fp, 0);
        let pending = check(&initial, fp, eventually, &found, &mut discoveries);
        let end_level = |found: &mut Vec<bool>, d: &[Option<u64>]| {
            for (f, d) in found.iter_mut().zip(d) {
                *f |= d.is_some();
            }
        };
        end_level(&mut found, &discoveries);
        let mut level = vec![(initial.clone(), fp, pending)];
        let (mut depth, mut states, mut bounded) = (0, 1, false);
        loop {
            if failed(&discoveries) || level.is_empty() {
                break;
            }
            let mut next = Vec::new();
            let mut fresh = HashSet::new();
            for (state, fp, pending) in &level {
                let transitions = system.transitions(state);
                if transitions.is_empty() {
                    terminal(*fp, *pending, &found, &mut discoveries);
                }
                if depth == max_depth {
                    bounded |= transitions
                        .iter()
                        .any(|t| !parents.contains_key(&system.fingerprint(&t.next)));
                    continue;
                }
                states += transitions.len();
                for t in transitions {
                    let nfp = system.fingerprint(&t.next);
                    match parents.get_mut(&nfp) {
                        Some(p) => {
                            if fresh.contains(&nfp) && *fp < *p {
                                *p = *fp;
                            }
                        }
                        None => {
                            parents.insert(nfp, *fp);
                            fresh.insert(nfp);
                            let pending = check(&t.next, nfp, *pending, &found, &mut discoveries);
                            next.push((t.next, nfp, pending));
                        }
                    }
                }
            }
            end_level(&mut found, &discoveries);
            if depth == max_depth {
                break;
            }
            level = next;
            if !level.is_empty() {
                depth += 1;
            }
        }
        let path = |target: u64| {
            let mut fps = vec![target];
            while let Some(&p) = parents.get(fps.last().unwrap()) {
                if p == 0 {
                    break;
                }
                fps.push(p);
            }
            fps.reverse();
            let mut state = initial.clone();
            let mut actions = Vec::new();
            for &fp in &fps[1..] {
                let t = system
                    .transitions(&state)
                    .into_iter()
                    .find(|t| system.fingerprint(&t.next) == fp)
                    .expect("a parent's successor");
                actions.push(t.action);
                state = t.next;
            }
            actions
        };
        Summary {
            states,
            unique: parents.len(),
            depth,
            bounded,
            discoveries: discoveries.into_iter().map(|d| d.map(path)).collect(),
        }
    }
}

fn summary(outcome: &CheckOutcome) -> reference::Summary {
    let actions = |steps: &Option<Vec<crate::model::system::Transition>>| {
        steps
            .as_ref()
            .map(|s| s.iter().map(|t| t.action.clone()).collect::<Vec<_>>())
    };
    reference::Summary {
        states: outcome.states,
        unique: outcome.unique_states,
        depth: outcome.max_depth,
        bounded: outcome.depth_bounded,
        discoveries: outcome
            .results
            .iter()
            .map(|r| match &r.verdict {
                Verdict::Failed { counterexample } => actions(counterexample),
                Verdict::Holds { example } => actions(example),
                _ => None,
            })
            .collect(),
    }
}

fn shipped_models() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut paths = Vec::new();
    for dir in [root.clone(), root.join("bugs")] {
        for entry in std::fs::read_dir(&dir).expect("the models folder") {
            let path = entry.expect("a folder entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

fn load(path: &std::path::Path) -> System {
    let text = std::fs::read_to_string(path).expect("a model file");
    let dir = path.parent().expect("a folder").to_path_buf();
    let include =
        move |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string());
    let config = parse_model(&text, &path.to_string_lossy(), &include)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .config;
    System::new(config).expect("a shipped model builds")
}

#[test]
fn the_compact_frontier_finds_what_the_whole_state_frontier_found_on_every_shipped_model() {
    let paths = shipped_models();
    assert!(paths.len() > 15, "the shipped models and the bug catalogue");
    let mut failures = 0;
    for path in paths {
        let system = load(&path);
        let properties = properties::selected(&system);
        // Deep enough for the catalogue's counterexamples and a few levels of the others.
        let max_depth = system.config().checker.max_depth.min(7);
        let expected = reference::bfs(&system, &properties, max_depth);
        for threads in [1, 2] {
            let options = CheckOptions {
                strategy: Strategy::Bfs,
                max_depth,
                threads,
                ..CheckOptions::default()
            };
            let outcome = search(&system, &properties, &options, &mut |_| {});
            assert_eq!(
                summary(&outcome),
                expected,
                "{} on {threads} thread(s)",
                path.display()
            );
        }
        failures += usize::from(expected.discoveries.iter().any(Option::is_some));
    }
    assert!(
        failures >= 5,
        "some counterexamples are compared, not only counts"
    );
}

#[test]
fn under_a_tiny_memory_budget_the_search_spills_and_finds_the_same_states_and_counterexample() {
    let spill = tempfile::tempdir().expect("a temp folder");
    for level in [
        Consistency::ResettableSession,
        Consistency::MonotonicSession,
    ] {
        let system = system(level, Reduction::default());
        for threads in [1, 2] {
            let options = CheckOptions {
                strategy: Strategy::Bfs,
                max_depth: 30,
                threads,
                ..CheckOptions::default()
            };
            let memory = search(&system, &p8(), &options, &mut |_| {});
            let tiny = CheckOptions {
                memory: Some(super::MemoryBudget {
                    bytes: 64 << 10,
                    spill_dir: spill.path().to_path_buf(),
                }),
                ..options.clone()
            };
            let spilled = search(&system, &p8(), &tiny, &mut |_| {});
            assert_eq!(memory.spilled_bytes, 0, "no budget, no spill");
            assert!(spilled.spilled_bytes > 0, "{level:?}: 64K is too little");
            assert_eq!(summary(&spilled), summary(&memory), "{level:?}, {threads}");
            assert_eq!(spilled.ending, memory.ending);
        }
    }
    assert_eq!(
        std::fs::read_dir(spill.path()).expect("the folder").count(),
        0,
        "spill folders are removed at the end"
    );
}

#[test]
fn a_level_larger_than_the_whole_budget_spills_with_bounded_writes_and_the_same_result() {
    let spill = tempfile::tempdir().expect("a temp folder");
    let system = system(Consistency::MonotonicSession, Reduction::default());
    for threads in [1, 2] {
        let options = CheckOptions {
            strategy: Strategy::Bfs,
            max_depth: 30,
            threads,
            ..CheckOptions::default()
        };
        let memory = search(&system, &p8(), &options, &mut |_| {});
        // One byte: 16 states a shard, 1,024 in all, fewer than the widest level holds.
        let tiny = CheckOptions {
            memory: Some(super::MemoryBudget {
                bytes: 1,
                spill_dir: spill.path().to_path_buf(),
            }),
            ..options.clone()
        };
        let spilled = search(&system, &p8(), &tiny, &mut |_| {});
        assert_eq!(summary(&spilled), summary(&memory), "{threads} thread(s)");
        let unique = spilled.unique_states as u64;
        assert!(
            unique > 4 * 1024,
            "the space passes the budget several times"
        );
        // Each record is rewritten once per doubling of the runs: 16 bytes × log2 of the
        // number of spills (at most unique / 256, a spill moving a quarter share of 64 shards).
        let log = u64::from((unique / 256).max(2).ilog2()) + 2;
        assert!(spilled.spilled_bytes > 0);
        assert!(
            spilled.spilled_bytes <= unique * 16 * log,
            "{} bytes written for {unique} states: a rewrite per spill",
            spilled.spilled_bytes
        );
    }
}
