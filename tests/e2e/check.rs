//! `orchard check`: verdicts, exit codes, traces, JSON, and reproducible state counts.

use crate::support::{Scratch, tiny, with_models};

#[test]
fn a_model_whose_properties_hold_exits_0() {
    let s = with_models();
    let run = s.run(&["check", "models/tiny.yaml"]).expect(0);
    let out = run.stdout();
    assert!(out.contains("every reachable state checked"), "{out}");
    assert!(out.contains("K2    holds"), "{out}");
    assert!(!s.exists("traces"));
}

#[test]
fn a_failure_exits_1_and_writes_a_trace() {
    let s = with_models();
    let run = s.run(&["check", "models/owners.yaml"]).expect(1);
    let out = run.stdout();
    assert!(out.contains("K2    FAILED after 0 steps"), "{out}");
    assert!(
        out.contains("trace: traces/tiny-K2-monotonic-session.json"),
        "{out}"
    );
    let trace: serde_json::Value =
        serde_json::from_str(&s.read("traces/tiny-K2-monotonic-session.json")).unwrap();
    assert_eq!(trace["format"], 1);
    assert_eq!(trace["violation"]["property"], "K2");
    assert_eq!(trace["model"]["name"], "tiny");
}

#[test]
fn overrides_name_the_trace_and_the_json_result() {
    let s = with_models();
    let run = s
        .run(&[
            "check",
            "models/owners.yaml",
            "--consistency",
            "causal",
            "--commit",
            "atomic",
            "--trace-dir",
            "out",
            "--json",
        ])
        .expect(1);
    let j = run.json();
    assert_eq!(j["consistency"], "causal");
    assert_eq!(j["commit"], "atomic");
    assert_eq!(j["strategy"], "bfs");
    let k2 = &j["properties"][1];
    assert_eq!(k2["id"], "K2");
    assert_eq!(k2["verdict"], "failed");
    assert_eq!(k2["length"], 0);
    assert_eq!(k2["trace"], "out/tiny-K2-causal-atomic.json");
    assert!(s.exists("out/tiny-K2-causal-atomic.json"));
}

fn unique_states(s: &Scratch, extra: &[&str]) -> u64 {
    let mut args = vec!["check", "models/tiny.yaml", "--json"];
    args.extend_from_slice(extra);
    let j = s.run(&args).expect(0).json();
    assert_eq!(j["complete"], true, "{j}");
    j["uniqueStates"].as_u64().unwrap()
}

#[test]
fn bfs_counts_the_same_states_on_one_and_two_threads_and_on_every_run() {
    let s = with_models();
    let one = unique_states(&s, &["--threads", "1"]);
    assert!(one > 3);
    assert_eq!(unique_states(&s, &["--threads", "2"]), one);
    assert_eq!(unique_states(&s, &["--threads", "1"]), one);
    assert_eq!(unique_states(&s, &["--threads", "2"]), one);
}

#[test]
fn dfs_and_simulation_run_within_their_bounds() {
    let s = with_models();
    let dfs = s
        .run(&["check", "models/tiny.yaml", "--strategy", "dfs", "--json"])
        .expect(0)
        .json();
    assert_eq!(dfs["strategy"], "dfs");
    let sim = s
        .run(&[
            "check",
            "models/tiny.yaml",
            "--strategy",
            "simulation",
            "--timeout",
            "0.3",
            "--seed",
            "7",
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(sim["ending"], "timeout");
    assert_eq!(sim["properties"][0]["verdict"], "holds-within-bounds");
}

#[test]
fn a_depth_bound_is_reported() {
    let s = Scratch::new();
    s.write("m.yaml", &tiny(""));
    let out = s
        .run(&["check", "m.yaml", "--max-depth", "1"])
        .expect(0)
        .stdout();
    assert!(out.contains("depth bound reached"), "{out}");
    assert!(out.contains("holds within bounds"), "{out}");
}

#[test]
fn only_the_properties_asked_for_are_checked() {
    let s = with_models();
    let j = s
        .run(&["check", "models/owners.yaml", "--property", "P8", "--json"])
        .expect(0)
        .json();
    let ids: Vec<_> = j["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["P8"]);
}

#[test]
fn every_shipped_model_loads_and_checks_within_small_bounds() {
    let s = Scratch::new();
    let dir = crate::support::shipped_models();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            continue;
        }
        let run = s.run(&[
            "check",
            path.to_str().unwrap(),
            "--max-depth",
            "2",
            "--json",
        ]);
        assert!(
            matches!(run.code(), 0 | 1),
            "{}: exit {}\n{}",
            path.display(),
            run.code(),
            run.stderr()
        );
        assert_eq!(run.json()["maxDepth"], 2);
    }
}

#[test]
fn file_includes_are_read_beside_the_model() {
    let s = Scratch::new();
    let model = tiny("");
    let (head, resource) = model.split_once("resources:\n").unwrap();
    let manifest: String = resource
        .lines()
        .map(|l| {
            format!(
                "{}\n",
                l.strip_prefix("    ")
                    .unwrap_or(l.trim_start_matches("  - "))
            )
        })
        .collect();
    s.write("deep/dir/web.yaml", &manifest);
    s.write(
        "deep/dir/m.yaml",
        &format!("{head}resources:\n  - file: web.yaml\n"),
    );
    let j = s
        .run(&["check", "deep/dir/m.yaml", "--json"])
        .expect(0)
        .json();
    assert!(j["uniqueStates"].as_u64().unwrap() > 3, "{j}");
    s.write(
        "deep/dir/m2.yaml",
        &format!("{head}resources:\n  - file: gone.yaml\n"),
    );
    let err = s.run(&["check", "deep/dir/m2.yaml"]).expect(2).stderr();
    assert!(err.contains("gone.yaml"), "{err}");
}
