//! `orchard run` on the stale-reads model: P8 (kubernetes issue 59848) found live, on the
//! memory store and on a private etcd, in short episodes, and the trace it writes replaying in
//! the model and opening in the explorer's loader; under `--relist latest --stale-reads 0` the
//! same runs find nothing; and bad flags refused with exit code 2, naming the flag or file.
//!
//! A live run is concurrent, so which episode finds the violation varies from run to run. The
//! finding runs use the restart rate (0.05 per controller step: a restart in most
//! episodes, about one episode a second) and a generous duration, so that missing it would
//! take dozens of episodes in a row without the duplicate; a run ends at its violation,
//! usually within seconds (BENCHMARKS.md, "orchard run: finding P8 live").

use serde_json::Value;

use super::support::{Run, Scratch};

fn model() -> &'static str {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/models/statefulset-stale-reads.yaml"
    )
}

/// The JSON result line (the last line of `--json` output).
fn result(run: &Run) -> Value {
    let stdout = run.stdout();
    let last = stdout.lines().last().expect("a result line");
    serde_json::from_str(last).expect("a JSON result line")
}

/// `orchard run` on the stale-reads model with `extra` flags, writing `t.json`.
fn live(s: &Scratch, extra: &[&str]) -> Run {
    let mut args = vec![
        "run",
        model(),
        "--json",
        "--trace",
        "t.json",
        "--seed",
        "10",
    ];
    args.extend_from_slice(extra);
    s.run(&args)
}

/// The run found P8 and its trace reproduces it in the model and opens in the explorer.
fn found_and_replays(s: &Scratch, run: Run) {
    let run = run.expect(1);
    let result = result(&run);
    assert_eq!(result["result"], "violated", "{result}");
    let message = result["message"].as_str().unwrap();
    assert!(message.starts_with("P8 violated after "), "{message}");
    assert!(message.contains(" in episode "), "{message}");
    assert!(result["episodes"].as_u64().unwrap() >= 1, "{result}");
    let replay = s
        .run(&["replay", "t.json", "--against", "model"])
        .expect(0)
        .stdout();
    assert!(
        replay.contains("P8 (pods running on nodes are unique"),
        "{replay}"
    );
    assert!(replay.contains("is violated at step"), "{replay}");
    // The explorer's loader reads it (`diff` loads a trace as `explore` does).
    let diff = s.run(&["diff", "t.json", "0", "1"]).expect(0).stdout();
    assert!(diff.contains("step 0 -> step 1"), "{diff}");
}

#[test]
fn run_finds_p8_on_the_memory_store_and_its_trace_replays_in_the_model() {
    let s = Scratch::new();
    let run = live(
        &s,
        &[
            "--stale-reads",
            "0.3",
            "--restarts",
            "0.05",
            "--duration",
            "90",
        ],
    );
    found_and_replays(&s, run);
}

#[test]
fn run_finds_p8_on_a_private_etcd_and_its_trace_replays_in_the_model() {
    let s = Scratch::new();
    let run = live(
        &s,
        &[
            "--store",
            "etcd",
            "--start-etcd",
            "--stale-reads",
            "0.3",
            "--restarts",
            "0.05",
            "--duration",
            "90",
        ],
    );
    found_and_replays(&s, run);
}

#[test]
fn run_with_latest_relists_and_no_stale_reads_finds_nothing_over_many_episodes() {
    let s = Scratch::new();
    let run = live(
        &s,
        &[
            "--relist",
            "latest",
            "--stale-reads",
            "0",
            "--restarts",
            "0.5",
            "--duration",
            "8",
        ],
    )
    .expect(0);
    let result = result(&run);
    assert_eq!(result["result"], "holds", "{result}");
    // Several episodes, each with its restart: the restarts happened and found nothing.
    assert!(result["episodes"].as_u64().unwrap() >= 3, "{result}");
    let message = result["message"].as_str().unwrap();
    assert!(message.contains("no property failed in"), "{message}");
    s.run(&["replay", "t.json", "--against", "model"]).expect(0);
}

#[test]
fn run_refuses_bad_flags_and_models_with_exit_code_2_naming_them() {
    let s = Scratch::new();
    s.write(
        "empty.yaml",
        "name: empty\ncontrollers:\n  scheduler: 1\nproperties: [P8]\nresources: []\n",
    );
    let cases: &[(&[&str], &str)] = &[
        (&["--stale-reads", "1.5"], "--stale-reads: 1.5"),
        (&["--restarts=-0.1"], "--restarts: -0.1"),
        (
            &["--relist", "sometimes"],
            "--relist: unknown value `sometimes`",
        ),
        (&["--members", "3"], "--members"),
        (&["--store", "etcd"], "--store etcd needs --etcd"),
        (
            &["--start-etcd"],
            "--etcd and --start-etcd go with --store etcd",
        ),
        (&["--duration", "0"], "--duration: 0"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["run", model()];
        args.extend_from_slice(flags);
        let err = s.run(&args).expect(2).stderr();
        assert!(err.contains(expected), "{flags:?}: {err}");
    }
    // A monotonic-session model's restarted controllers read the latest revision: an explicit
    // `--relist any-revision` is refused, and without it the same model runs.
    let monotonic = std::fs::read_to_string(model()).unwrap().replace(
        "consistency: resettable-session",
        "consistency: monotonic-session",
    );
    s.write("mono.yaml", &monotonic);
    let err = s
        .run(&["run", "mono.yaml", "--relist", "any-revision"])
        .expect(2)
        .stderr();
    assert!(
        err.contains("--relist any-revision") && err.contains("monotonic-session"),
        "{err}"
    );
    s.run(&["run", "mono.yaml", "--duration", "1", "--trace", "m.json"])
        .expect(0);
    let err = s.run(&["run", "empty.yaml"]).expect(2).stderr();
    assert!(
        err.contains("empty.yaml") && err.contains("no initial resources"),
        "{err}"
    );
    let err = s.run(&["run", "missing.yaml"]).expect(2).stderr();
    assert!(err.contains("missing.yaml"), "{err}");
}
