use super::*;
use crate::explore::replay::replay;
use crate::explore::trace::Trace;

const TRACE: &str =
    include_str!("../../../traces/statefulset-stale-reads-P8-resettable-session.json");

fn signature_of(trace: &Trace) -> Signature {
    let replayed = replay(trace).expect("the shipped trace replays");
    let steps: Vec<Transition> = trace
        .steps
        .iter()
        .zip(replayed.states.windows(2))
        .map(|(step, pair)| replayed.system.take(&pair[0], &step.action).unwrap())
        .collect();
    Signature::of(&replayed.system, &replayed.states[0], &steps)
}

#[test]
fn the_stale_reads_counterexample_is_a_restarted_node_reading_its_pod_stale() {
    let trace = Trace::parse(TRACE).unwrap();
    let signature = signature_of(&trace);
    assert!(signature.0.contains("restart of a node"), "{signature:?}");
    assert!(
        signature
            .0
            .iter()
            .any(|f| f.starts_with("node read stale Pod/web-0 and ")),
        "{signature:?}"
    );
    // No fact names a node instance: interchangeable nodes share a cause.
    assert!(
        !signature.describe().contains("node-1 read"),
        "{signature:?}"
    );
}

#[test]
fn a_path_without_stale_reads_or_restarts_has_an_empty_signature() {
    let trace = Trace::parse(TRACE).unwrap();
    let replayed = replay(&trace).unwrap();
    // From the settled start: the image change, then every step that reads the latest
    // revision, a few deep.
    let system = &replayed.system;
    let initial = &replayed.states[0];
    let mut latest: Vec<Transition> = system
        .transitions(initial)
        .into_iter()
        .filter(|t| {
            matches!(
                &t.action,
                Action::Environment {
                    action: EnvironmentAction::ChangeImage { .. },
                    ..
                }
            )
        })
        .collect();
    assert_eq!(latest.len(), 1);
    for _ in 0..3 {
        let state = latest.last().unwrap().next.clone();
        let newest = state.history.latest();
        let Some(t) = system
            .transitions(&state)
            .into_iter()
            .find(|t| matches!(&t.action, Action::Step { read: Read::At(r), .. } if *r == newest))
        else {
            break;
        };
        latest.push(t);
    }
    assert!(
        latest.len() > 1,
        "steps that read the latest revision follow"
    );
    let signature = Signature::of(system, initial, &latest);
    assert!(signature.0.is_empty(), "{signature:?}");
    assert_eq!(
        signature.describe(),
        "no stale read, restart or rejected write"
    );
}

#[test]
fn groups_count_members_keep_the_shortest_and_come_largest_first() {
    let sig = |facts: &[&str]| Signature(facts.iter().map(|f| f.to_string()).collect());
    // (property, signature, length, name)
    let items = vec![
        ("P8", sig(&["a", "b"]), 9, "first"),
        ("P8", sig(&["b", "a"]), 7, "shorter"),
        ("P8", sig(&["c"]), 5, "other"),
        ("P8", sig(&["a", "b"]), 7, "equal"),
        ("P1", sig(&["a", "b"]), 3, "p1"),
    ];
    let groups = group(&items, |i| (i.0.to_string(), i.1.clone()), |i| i.2);
    let seen: Vec<(&str, usize, &str)> = groups
        .iter()
        .map(|g| (g.property.as_str(), g.size, g.representative.3))
        .collect();
    assert_eq!(
        seen,
        vec![("P1", 1, "p1"), ("P8", 3, "shorter"), ("P8", 1, "other")]
    );
}
