//! `orchard bench`'s child process: one case measured and printed as a JSON row. (The whole
//! table takes seconds per case and is not run here: timings live in `orchard bench`.)

use crate::support::with_models;

#[test]
fn a_bench_case_prints_one_row() {
    let s = with_models();
    let run = s
        .run(&[
            "bench-case",
            "models/tiny.yaml",
            "--consistency",
            "causal",
            "--strategy",
            "bfs",
            "--seconds",
            "5",
            "--threads",
            "1",
        ])
        .expect(0);
    let row = run.json();
    assert_eq!(row["model"], "tiny");
    assert_eq!(row["consistency"], "causal");
    assert_eq!(row["strategy"], "bfs");
    assert_eq!(row["verdict"], "holds");
    assert!(row["uniqueStates"].as_u64().unwrap() > 3);
}

#[test]
fn a_bench_of_a_bad_model_is_bad_input() {
    let s = with_models();
    s.write("models/bad.yaml", "name: [");
    let err = s.run(&["bench", "models/bad.yaml"]).expect(2).stderr();
    assert!(err.contains("bad.yaml"), "{err}");
}
