//! Models in which a reduction once lost a real violation, kept as fixtures: each gives the
//! plain model's verdicts and counterexample lengths with every reduction.

use crate::support::{compare, load};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/differential/fixtures")
        .join(name)
}

#[test]
fn issue_15_the_pod_garbage_collector_s_stale_read_is_found_with_every_reduction() {
    // Two nodes, the scheduler, the StatefulSet controller and the pod garbage collector; node-1
    // restarts once. The collector, which has never written, must read a revision older than
    // the latest: session-only-steps once left out the step that gave it a session.
    let config = load(&fixture("issue-15-podgc-restart.yaml"));
    let compared = compare(&config, 200_000, true).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(compared.shortest, vec![("P8", Some(8))]);
    assert!(compared.depth >= 10, "compared to depth {}", compared.depth);
}

#[test]
fn a_stable_statefulset_s_status_judged_after_its_writer_read_again_is_found_under_informer() {
    // Found by re-measuring BENCHMARKS.md after the issue 15 fix: under informer the
    // `stable => p` properties judge the latest write by its writer's read, so a step in which
    // the writer only reads again (its session moves) can make P12 and P13 fail. The old
    // session-only-steps left that step out and the model held; the plain model fails after 6
    // steps that are not deliveries (11 with them).
    let config = load(&fixture("statefulset-scale-informer.yaml"));
    let compared = compare(&config, 100_000, true).unwrap_or_else(|e| panic!("{e}"));
    let failing: Vec<_> = compared
        .shortest
        .iter()
        .filter(|(_, s)| s.is_some())
        .collect();
    assert!(failing.contains(&&("P12", Some(6))), "{failing:?}");
    assert!(compared.depth >= 8, "compared to depth {}", compared.depth);
}
