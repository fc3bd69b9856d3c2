//! `orchard bench`'s child process: one case measured and printed as a JSON row; `--seeds`
//! on a few seeds, for its rows and summary (never its timings). (The whole table takes
//! seconds per case and is not run here: timings live in `orchard bench`.)

use crate::support::{Scratch, shipped_models, with_models};

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

#[test]
fn bench_seeds_simulates_each_seed_beside_bfs() {
    let s = Scratch::new();
    let stale = shipped_models().join("statefulset-stale-reads.yaml");
    let stale = stale.to_str().expect("a UTF-8 path");
    let runs = s
        .run(&["bench", "--seeds", "3", "--seconds", "60", "--json", stale])
        .expect(0)
        .json();
    let runs = runs.as_array().expect("an array of runs");
    assert_eq!(runs.len(), 1, "the model's own level only");
    let run = &runs[0];
    assert_eq!(run["model"], "statefulset-stale-reads");
    assert_eq!(run["consistency"], "resettable-session");
    assert_eq!(run["bfs"]["strategy"], "bfs");
    assert_eq!(run["bfs"]["counterexample"], 9);
    let seeds = run["seeds"].as_array().unwrap();
    let mut at_nine = 0;
    for (i, row) in seeds.iter().enumerate() {
        assert_eq!(row["seed"], i as u64 + 1);
        assert_eq!(row["strategy"], "simulation");
        let found = row["counterexample"].as_u64().expect("a counterexample");
        let minimised = row["minimised"].as_u64().expect("minimised");
        assert!(9 <= minimised && minimised <= found, "{row}");
        assert!(row["minimiseSeconds"].as_f64().is_some(), "{row}");
        at_nine += usize::from(minimised == 9);
    }
    let summary = &run["summary"];
    assert_eq!(summary["seeds"], 3);
    assert_eq!(summary["found"], 3);
    assert_eq!(summary["bfsLength"], 9);
    assert_eq!(summary["atBfsLength"], at_nine);
    assert!(summary["medianSeconds"].as_f64().is_some());
}

#[test]
fn bench_seeds_prints_a_line_per_seed_and_a_summary() {
    let s = with_models();
    let out = s
        .run(&[
            "bench",
            "--seeds",
            "2",
            "--seconds",
            "5",
            "models/owners.yaml",
        ])
        .expect(0)
        .stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2 + 2 + 2, "{out}");
    assert!(lines[0].starts_with("tiny, monotonic-session"), "{out}");
    assert!(lines[1].contains("minimised"), "{out}");
    assert!(out.contains("in 2 of 2 seeds"), "{out}");
    s.run(&["bench", "--seeds", "0", "models/owners.yaml"])
        .expect(2);
    let err = s
        .run(&["bench", "--consistency", "nope", "models/owners.yaml"])
        .expect(2)
        .stderr();
    assert!(err.contains("nope"), "{err}");
}

#[test]
fn bench_prints_each_row_once_aligned_under_its_header() {
    let s = with_models();
    let run = s
        .run(&[
            "bench",
            "models/tiny.yaml",
            "--consistency",
            "Causal",
            "--consistency",
            "synchronous",
            "--seconds",
            "1",
        ])
        .expect(0);
    assert_eq!(run.stderr(), "", "no second copy of the rows on stderr");
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines.len(),
        1 + 2 * 2,
        "a header and a row per level and strategy: {out}"
    );
    assert!(lines[0].starts_with("model "), "{out}");
    let column = lines[0].find("strategy").unwrap();
    for row in &lines[1..] {
        assert!(row.starts_with("tiny "), "{out}");
        let strategy = &row[column..];
        assert!(
            strategy.starts_with("simulation") || strategy.starts_with("bfs "),
            "aligned under the header: {out}"
        );
    }
    for bad in [
        &["--seconds", "0"][..],
        &["--seconds", "86401"],
        &["--threads", "100000"],
        &["--seeds", "0"],
    ] {
        let mut args = vec!["bench", "models/tiny.yaml"];
        args.extend_from_slice(bad);
        let err = s.run(&args).expect(2).stderr();
        assert!(err.contains(bad[0]), "{bad:?}: {err}");
    }
}
