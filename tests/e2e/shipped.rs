//! The shipped models: the stale-reads bug found and replayed, its fixes holding over the
//! whole reachable space, and every model holding every property under synchronous.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::{Scratch, shipped_models};

fn model(name: &str) -> String {
    shipped_models()
        .join(format!("{name}.yaml"))
        .to_str()
        .expect("a UTF-8 path")
        .to_string()
}

#[test]
fn stale_reads_fail_p8_under_resettable_session_and_the_trace_replays() {
    let s = Scratch::new();
    let stale = model("statefulset-stale-reads");
    let j = s
        .run(&[
            "check",
            &stale,
            "--consistency",
            "resettable-session",
            "--strategy",
            "bfs",
            "--json",
        ])
        .expect(1)
        .json();
    let p8 = &j["properties"][0];
    assert_eq!(p8["id"], "P8");
    assert_eq!(p8["verdict"], "failed");
    assert_eq!(p8["length"], 9, "BFS gives the shortest counterexample");
    let trace = p8["trace"].as_str().expect("a trace path").to_string();
    assert!(s.exists(&trace));
    let out = s
        .run(&["replay", &trace, "--against", "model"])
        .expect(0)
        .stdout();
    assert!(out.contains("violated at step 9"), "{out}");
}

#[test]
fn stale_reads_hold_under_monotonic_session_and_atomic_commit_everywhere() {
    let s = Scratch::new();
    let stale = model("statefulset-stale-reads");
    for extra in [
        &["--consistency", "monotonic-session"][..],
        &["--consistency", "resettable-session", "--commit", "atomic"][..],
    ] {
        let mut args = vec!["check", stale.as_str(), "--strategy", "bfs", "--json"];
        args.extend_from_slice(extra);
        let j = s.run(&args).expect(0).json();
        assert_eq!(j["complete"], true, "every reachable state checked: {j}");
        assert_eq!(j["properties"][0]["verdict"], "holds", "{j}");
    }
    assert!(!s.exists("traces"));
}

#[test]
fn every_shipped_model_holds_every_property_under_synchronous() {
    let s = Scratch::new();
    let dir = shipped_models();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let path = path.to_str().unwrap().to_string();
        let run = s.run(&[
            "check",
            &path,
            "--consistency",
            "synchronous",
            "--property",
            "all",
            "--timeout",
            "1",
            "--seed",
            "1",
            "--json",
        ]);
        assert_eq!(run.code(), 0, "{path}\n{}\n{}", run.stdout(), run.stderr());
        checked += 1;
    }
    assert!(checked >= 10, "ten shipped models, found {checked}");
}

#[test]
fn stale_reads_under_informer_fail_with_relist_any_revision_and_hold_with_latest() {
    let s = Scratch::new();
    let stale = model("statefulset-stale-reads");
    let base = [
        "check",
        stale.as_str(),
        "--consistency",
        "informer",
        "--strategy",
        "bfs",
    ];
    let mut any = base.to_vec();
    any.extend(["--relist", "any-revision", "--json"]);
    let j = s.run(&any).expect(1).json();
    assert_eq!(j["properties"][0]["verdict"], "failed", "{j}");
    let trace = j["properties"][0]["trace"].as_str().unwrap().to_string();
    s.run(&["replay", &trace, "--against", "model"]).expect(0);
    let mut latest = base.to_vec();
    latest.extend(["--relist", "latest", "--json"]);
    let j = s.run(&latest).expect(0).json();
    assert_eq!(j["complete"], true, "every reachable state checked: {j}");
    assert_eq!(j["properties"][0]["verdict"], "holds", "{j}");
}

/// Each property's verdict in a bounded BFS of a model.
fn verdicts(s: &Scratch, path: &str, consistency: &[&str]) -> Vec<(String, String)> {
    let mut args = vec![
        "check",
        path,
        "--strategy",
        "bfs",
        "--max-depth",
        "5",
        "--property",
        "all",
        "--json",
    ];
    args.extend_from_slice(consistency);
    let run = s.run(&args);
    assert!(matches!(run.code(), 0 | 1), "{path}: {}", run.stderr());
    run.json()["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn informer_with_zero_lag_gives_the_synchronous_verdicts_on_every_shipped_model() {
    let s = Scratch::new();
    for entry in std::fs::read_dir(shipped_models()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let path = path.to_str().unwrap().to_string();
        let synchronous = verdicts(&s, &path, &["--consistency", "synchronous"]);
        let informer = verdicts(&s, &path, &["--consistency", "informer", "--lag", "zero"]);
        assert_eq!(informer, synchronous, "{path}");
    }
}

#[test]
fn bfs_on_a_shipped_model_counts_the_same_states_on_one_and_two_threads_every_run() {
    let s = Scratch::new();
    let stale = model("statefulset-stale-reads");
    let count = |threads: &str| {
        let j = s
            .run(&[
                "check",
                &stale,
                "--consistency",
                "monotonic-session",
                "--threads",
                threads,
                "--json",
            ])
            .expect(0)
            .json();
        assert_eq!(j["complete"], true, "{j}");
        j["uniqueStates"].as_u64().expect("a count")
    };
    let one = count("1");
    assert!(one > 1000, "the whole reachable space: {one}");
    assert_eq!(count("2"), one);
    assert_eq!(count("1"), one);
    assert_eq!(count("2"), one);
}

#[test]
fn simulation_counterexamples_are_minimised_and_still_replay() {
    let s = Scratch::new();
    let stale = model("statefulset-stale-reads");
    for seed in ["1", "2", "3"] {
        let j = s
            .run(&[
                "check",
                &stale,
                "--strategy",
                "simulation",
                "--seed",
                seed,
                "--timeout",
                "60",
                "--trace-dir",
                seed,
                "--json",
            ])
            .expect(1)
            .json();
        let p8 = &j["properties"][0];
        assert_eq!(p8["verdict"], "failed", "seed {seed}: {j}");
        let length = p8["length"].as_u64().unwrap();
        if let Some(raw) = p8["minimisedFrom"].as_u64() {
            assert!(length < raw, "seed {seed}: {length} from {raw}");
        }
        assert!(length >= 9, "never shorter than the BFS counterexample");
        let trace = p8["trace"].as_str().unwrap().to_string();
        s.run(&["replay", &trace, "--against", "model"]).expect(0);
    }
}

/// The failing properties of a bounded BFS, with their counterexample lengths.
fn failures(s: &Scratch, path: &str, consistency: &str, reduction: &str) -> Vec<(String, u64)> {
    let run = s.run(&[
        "check",
        path,
        "--consistency",
        consistency,
        "--reduction",
        reduction,
        "--strategy",
        "bfs",
        "--max-depth",
        "5",
        "--property",
        "all",
        "--trace-dir",
        "traces",
        "--json",
    ]);
    assert!(matches!(run.code(), 0 | 1), "{path}: {}", run.stderr());
    run.json()["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] == "failed")
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["length"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_reductions_keep_every_verdict_and_the_shortest_counterexample() {
    let s = Scratch::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(shipped_models()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        checked += 1;
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let path = path.to_string_lossy().to_string();
        for consistency in [
            "synchronous",
            "monotonic-session",
            "resettable-session",
            "optimistic-linear",
            "causal",
        ] {
            assert_eq!(
                failures(&s, &path, consistency, "all"),
                failures(&s, &path, consistency, "none"),
                "{name} under {consistency}"
            );
        }
        // Under informer the plain model delivers each cache by a step of its own, so the
        // folded model fails whenever the plain one does, and no later.
        let folded = failures(&s, &path, "informer", "all");
        let plain = failures(&s, &path, "informer", "none");
        if let Some(plain_shortest) = plain.iter().map(|(_, l)| *l).min() {
            let folded_shortest = folded.iter().map(|(_, l)| *l).min();
            assert!(
                folded_shortest.is_some_and(|l| l <= plain_shortest),
                "{name}: plain {plain:?}, folded {folded:?}"
            );
        }
    }
    assert!(checked >= 10, "every shipped model, found {checked}");
}

#[test]
fn symmetry_keeps_every_verdict_and_the_shortest_counterexample() {
    // The three-node model starts before the nodes register, so its nodes are interchangeable.
    let s = Scratch::new();
    let path = model("statefulset-three-nodes");
    for consistency in ["monotonic-session", "causal"] {
        assert_eq!(
            failures(&s, &path, consistency, "all"),
            failures(&s, &path, consistency, "all,-symmetry"),
            "{consistency}"
        );
    }
    let unique = |reduction: &str| {
        s.run(&[
            "check",
            &path,
            "--consistency",
            "monotonic-session",
            "--reduction",
            reduction,
            "--max-depth",
            "5",
            "--property",
            "P8",
            "--json",
        ])
        .expect(0)
        .json()["uniqueStates"]
            .as_u64()
            .unwrap()
    };
    assert!(unique("all") < unique("all,-symmetry"));
    // A counterexample found with symmetry names the nodes that really acted, and replays.
    let found = s
        .run(&[
            "check",
            &path,
            "--consistency",
            "causal",
            "--trace-dir",
            "sym",
            "--json",
        ])
        .expect(1)
        .json();
    let trace = found["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|p| p["trace"].as_str())
        .expect("a failure under causal writes a trace")
        .to_string();
    s.run(&["replay", &trace, "--against", "model"]).expect(0);
}

/// The shipped traces, grouped by the command that writes them: for each model and setting,
/// the `orchard check` arguments and the names of the traces it writes.
fn shipped_trace_commands() -> BTreeMap<(String, Vec<String>), BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let mut groups: BTreeMap<(String, Vec<String>), BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("traces/ is shipped") {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let trace: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let c = &trace["consistency"];
        let level = c["level"].as_str().expect("a level").to_string();
        let mut args = vec!["--consistency".to_string(), level.clone()];
        if c["read-your-writes"] == true {
            args.push("--read-your-writes".into());
        }
        if level == "informer" {
            for flag in ["relist", "lag"] {
                args.push(format!("--{flag}"));
                args.push(c[flag].as_str().expect("a setting").to_string());
            }
        }
        args.push("--commit".into());
        args.push(trace["commit"].as_str().expect("a commit mode").to_string());
        let model = trace["model"]["name"].as_str().expect("a name").to_string();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        groups.entry((model, args)).or_default().insert(name);
    }
    groups
}

/// Every shipped trace is exactly what `orchard check models/M.yaml` writes now for its
/// setting, and nothing else is written: a newcomer's first command leaves the checkout
/// clean. After a change to the checker, regenerate them with
/// `ORCHARD_REGENERATE_TRACES=1 cargo test --test e2e shipped_traces`.
#[test]
fn shipped_traces_are_what_the_checker_writes_now() {
    let regenerate = std::env::var_os("ORCHARD_REGENERATE_TRACES").is_some();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let groups = shipped_trace_commands();
    assert!(groups.len() >= 5, "{groups:?}");
    for ((name, args), names) in groups {
        let s = Scratch::new();
        let path = model(&name);
        let mut all = vec!["check", path.as_str(), "--trace-dir", "out", "-q"];
        all.extend(args.iter().map(String::as_str));
        s.run(&all).expect(1);
        let written: BTreeSet<String> = std::fs::read_dir(s.path().join("out"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
            .collect();
        if regenerate {
            for old in names.difference(&written) {
                std::fs::remove_file(shipped.join(old)).unwrap();
            }
            for new in &written {
                std::fs::copy(s.path().join("out").join(new), shipped.join(new)).unwrap();
            }
            continue;
        }
        assert_eq!(written, names, "{name} {args:?}: the traces written");
        for file in &written {
            assert!(
                s.read(&format!("out/{file}"))
                    == std::fs::read_to_string(shipped.join(file)).unwrap(),
                "traces/{file} differs from what `orchard check` writes now: regenerate with \
                 ORCHARD_REGENERATE_TRACES=1 cargo test --test e2e shipped_traces"
            );
        }
    }
}

/// The README's first command, run in a fresh clone of the repository (its committed state),
/// leaves `git status` clean: the trace it writes is the shipped one, byte for byte.
#[test]
fn the_readme_first_command_leaves_a_fresh_clone_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    let s = Scratch::new();
    let git = |dir: &Path, args: &[&str]| {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    git(s.path(), &["clone", "--quiet", root, "clone"]);
    let clone = s.path().join("clone");
    let readme = std::fs::read_to_string(clone.join("README.md")).unwrap();
    let first = readme
        .lines()
        .find(|l| l.contains(" check models/"))
        .expect("the README shows a check");
    let model = first
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| c == '`' || c == '(' || c == ')'))
        .find(|w| w.starts_with("models/"))
        .expect("a model path");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_orchard"))
        .args(["check", model])
        .current_dir(&clone)
        .output()
        .expect("orchard runs");
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    assert_eq!(
        git(&clone, &["status", "--porcelain"]),
        "",
        "after `orchard check {model}`"
    );
}

#[test]
fn the_pod_garbage_collector_s_stale_read_fails_p8_with_the_default_reductions_as_without() {
    // Issue 15: session-only-steps once hid this counterexample (the collector, which never
    // writes before, needs a session to read a revision older than the latest).
    let s = Scratch::new();
    let path = model("podgc-restart");
    let mut lengths = Vec::new();
    for reduction in [None, Some("none"), Some("all,-session-only-steps")] {
        let mut args = vec!["check", path.as_str(), "--json", "--trace-dir", "t"];
        if let Some(r) = reduction {
            args.extend(["--reduction", r]);
        }
        let j = s.run(&args).expect(1).json();
        let p8 = &j["properties"][0];
        assert_eq!(p8["verdict"], "failed", "{reduction:?}: {j}");
        lengths.push(p8["length"].as_u64().unwrap());
        let trace = p8["trace"].as_str().unwrap().to_string();
        s.run(&["replay", &trace, "--against", "model"]).expect(0);
    }
    assert_eq!(lengths, [8, 8, 8]);
}

#[test]
fn check_says_when_a_reduction_is_switched_off_for_a_model() {
    let s = Scratch::new();
    let text = std::fs::read_to_string(model("statefulset-three-nodes")).unwrap().replace(
        "        spec:\n          containers:",
        "        spec:\n          nodeSelector: {kubernetes.io/hostname: node-1}\n          containers:",
    );
    let path = s.write("pinned.yaml", &text);
    let out = s
        .run(&["check", &path, "--max-depth", "2"])
        .expect(0)
        .stdout();
    assert!(
        out.contains("symmetry: node-1 is not interchangeable: it is named in StatefulSet/web"),
        "{out}"
    );
    let out = s
        .run(&["check", &path, "--max-depth", "2", "--reduction", "none"])
        .expect(0)
        .stdout();
    assert!(!out.contains("interchangeable"), "{out}");
}
