//! The catalogue of real Kubernetes bugs (`models/bugs/`): each found by `orchard check` under
//! the behaviour before its fix (as the model file sets it) and holding under the fix (the
//! guard switched on, or the consistency that prevents it), and listed apart by `orchard models`.

use crate::support::{Scratch, shipped_models};

/// Each bug model and the flags that apply its fix. Every file in `models/bugs/` must be here.
const FIXES: &[(&str, &[&str])] = &[
    (
        "k8s-10030-rc-restart-overshoot",
        &["--guard", "wait-for-cache-sync=on"],
    ),
    (
        "k8s-105200-job-counted-twice",
        &["--guard", "staleness-guard=on"],
    ),
    (
        "k8s-129795-replicaset-expectations-expire",
        &["--guard", "staleness-guard=on"],
    ),
    (
        "k8s-130103-job-two-pods-stale-cache",
        &["--guard", "staleness-guard=on"],
    ),
    (
        "k8s-41675-replicaset-no-expectations",
        &["--guard", "expectations=on"],
    ),
    (
        "k8s-41889-statefulset-scale-order-stale-cache",
        &["--guard", "staleness-guard=on"],
    ),
    (
        "k8s-59848-statefulset-time-travel",
        &["--consistency", "monotonic-session"],
    ),
    (
        "k8s-82365-podgc-stale-node-cache",
        &["--guard", "podgc-live-node-check=on"],
    ),
];

fn bug_files() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(shipped_models().join("bugs"))
        .expect("models/bugs is listed")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_bug_is_found_before_its_fix_and_holds_after_it() {
    let files = bug_files();
    let known: Vec<String> = FIXES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(files, known, "every bug model has its fix listed here");
    assert!(files.len() >= 7, "{files:?}");
    let s = Scratch::new();
    for (name, fix) in FIXES {
        let path = shipped_models().join("bugs").join(format!("{name}.yaml"));
        let path = path.to_str().expect("a UTF-8 path");
        let base = [
            "check",
            path,
            "--json",
            "--trace-dir",
            "t",
            "--progress",
            "never",
        ];
        let before = s.run(&base).expect(1).json();
        let failed: Vec<&serde_json::Value> = before["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["verdict"] == "failed")
            .collect();
        assert!(!failed.is_empty(), "{name}: found before the fix: {before}");
        let mut args = base.to_vec();
        args.extend_from_slice(fix);
        let after = s.run(&args).expect(0).json();
        for p in after["properties"].as_array().unwrap() {
            assert!(
                p["verdict"] == "holds" || p["verdict"] == "holds-within-bounds",
                "{name}: {} under the fix {fix:?}: {after}",
                p["id"]
            );
        }
    }
}

#[test]
fn orchard_models_lists_the_bugs_apart() {
    let s = Scratch::new();
    let dir = shipped_models();
    let out = s.run(&["models", dir.to_str().unwrap()]).expect(0).stdout();
    let (models, bugs) = out
        .split_once("real Kubernetes bugs")
        .expect("a heading for the bugs");
    assert!(models.contains("podgc-restart.yaml"), "{out}");
    assert!(!models.contains("k8s-10030"), "{out}");
    for name in bug_files() {
        assert!(bugs.contains(&format!("{name}.yaml")), "{name}: {out}");
    }
}

#[test]
fn a_guard_switch_is_shown_in_the_header_and_a_bad_one_is_refused() {
    let s = Scratch::new();
    let path = shipped_models().join("bugs/k8s-10030-rc-restart-overshoot.yaml");
    let path = path.to_str().unwrap();
    let out = s
        .run(&[
            "check",
            path,
            "--trace-dir",
            "t",
            "--progress",
            "never",
            "-q",
        ])
        .expect(1)
        .stdout();
    assert!(out.contains("wait-for-cache-sync off"), "{out}");
    let err = s
        .run(&["check", path, "--guard", "wait-for-cache-synk=on"])
        .expect(2)
        .stderr();
    assert!(err.contains("did you mean wait-for-cache-sync?"), "{err}");
    // The trace records the guards it was made under and replays under them; with the guard
    // switched on the replay no longer reaches the failure.
    let trace = std::fs::read_dir(s.path().join("t"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.contains("\"wait-for-cache-sync\": false"), "{text}");
    let trace = trace.to_str().unwrap();
    s.run(&["replay", trace]).expect(0);
    let diverged = s.run(&["replay", trace, "--guard", "wait-for-cache-sync=on"]);
    assert_ne!(diverged.code(), 0, "{}", diverged.stdout());
}
