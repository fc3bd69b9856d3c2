//! `orchard explain`: the stale-reads trace told sentence by sentence; every shipped trace's
//! stale reads and broken property named; a path that records no violation; bad input located.

use crate::support::{Scratch, shipped_trace as trace, shipped_traces};

/// The sentences printed (each on its own indented line after the file's name).
fn sentences(out: &str) -> Vec<String> {
    out.lines()
        .skip(1)
        .map(|l| l.trim_start().to_string())
        .collect()
}

#[test]
fn the_stale_reads_trace_is_told_in_these_sentences() {
    let s = Scratch::new();
    let t = trace("statefulset-stale-reads-P8-resettable-session.json");
    let out = s.run(&["explain", &t]).expect(0).stdout();
    assert!(out.starts_with(&format!("{t}:\n")), "{out}");
    let expected = [
        "The path has nine steps under resettable-session with the kubernetes commit mode, and violates P8 after step 9.",
        "node-1 restarted at step 7, lost its session, and at step 8 read r7, eight revisions behind, in which web-0 was still bound to it and Node node-1 still existed.",
        "That read led node-1 to start web-0, in its local state only (no write).",
        "It would have been prevented: under synchronous, node-1 may read only the latest revision, r15; under monotonic-session, node-1, without a session, may read only the latest revision, r15; under causal, node-1, without a session, may read only the latest revision, r15; with the atomic commit mode, node-1's step is rejected: nodes and pods changed since r7.",
        "node-1's local state diverged from the store: since step 8 it runs web-0, but the store's web-0 is a newer pod of that name.",
        "After step 9, P8 fails (\"pods running on nodes are unique by name across the cluster\"): Pod web-0: bound to node-2, Running; running on node-1 and node-2.",
        "The last write before it was node-2's `update Pod web-0` at step 9.",
        "Under optimistic-linear every step is still possible, and P8 still fails: it would not have helped.",
        "With read-your-writes every step is still possible, and P8 still fails: it would not have helped.",
    ];
    assert_eq!(sentences(&out), expected);
}

#[test]
fn every_shipped_trace_names_its_stale_reads_and_its_broken_property() {
    let s = Scratch::new();
    for t in shipped_traces() {
        let text = std::fs::read_to_string(&t).expect("the trace reads");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let property = json["violation"]["property"].as_str().expect("a property");
        let step = json["violation"]["step"].as_u64().expect("a step");
        let out = s.run(&["explain", &t]).expect(0).stdout();
        let stale = sentences(&out)
            .into_iter()
            .filter(|l| l.contains(" read ") && l.contains(" behind"))
            .count();
        assert!(stale >= 1, "{t}: no stale read named:\n{out}");
        assert!(
            out.contains(&format!("After step {step}, {property} fails (\"")),
            "{t}: the broken property is not named:\n{out}"
        );
        assert!(
            out.contains("That read led "),
            "{t}: no effect of a stale read:\n{out}"
        );
    }
}

#[test]
fn the_optimistic_trace_tells_the_lost_deletion() {
    let s = Scratch::new();
    let t = trace("replicaset-scale-G1-optimistic-linear.json");
    let out = s.run(&["explain", &t]).expect(0).stdout();
    assert!(
        out.contains("replicaset's write at step 4 (`delete Pod web-12`, r14) was acknowledged but lost: at step 5 scheduler wrote `update Pod web-12` from r13"),
        "{out}"
    );
    assert!(
        out.contains("since step 4 it expects its deletion of web-12 for ReplicaSet/web"),
        "{out}"
    );
}

#[test]
fn a_path_that_records_no_violation_is_explained_too() {
    let s = Scratch::new();
    let t = trace("statefulset-stale-reads-P8-resettable-session.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&t).expect("reads")).expect("JSON");
    json["violation"] = serde_json::json!({"property": "", "text": "", "step": 9});
    let path = s.write("path.json", &serde_json::to_string_pretty(&json).unwrap());
    let out = s.run(&["explain", &path]).expect(0).stdout();
    assert!(
        out.contains("The path has nine steps under resettable-session with the kubernetes commit mode, and records no violated property."),
        "{out}"
    );
    assert!(
        out.contains("at step 8 read r7, eight revisions behind"),
        "{out}"
    );
    assert!(!out.contains(" fails ("), "{out}");
}

#[test]
fn bad_input_is_located_as_other_trace_commands_locate_it() {
    let s = Scratch::new();
    let missing = s.run(&["explain", "nowhere.json"]).expect(2).stderr();
    assert!(
        missing.contains("nowhere.json: cannot read the trace"),
        "{missing}"
    );
    let broken = s.write("broken.json", "{\"format\": 1,\n  \"steps\": [\n");
    let err = s.run(&["explain", &broken]).expect(2).stderr();
    assert!(err.contains("broken.json:3:"), "{err}");
    // A step whose digest no longer fits: the replay's error, at the step's line.
    let t = trace("statefulset-stale-reads-P8-resettable-session.json");
    let text = std::fs::read_to_string(&t).expect("reads");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    json["steps"][2]["digest"] = serde_json::json!("0000000000000000");
    let pretty = serde_json::to_string_pretty(&json).unwrap();
    let path = s.write("digest.json", &pretty);
    let err = s.run(&["explain", &path]).expect(2).stderr();
    assert!(
        err.contains("digest.json:") && err.contains("step 3") && err.contains("field `digest`"),
        "{err}"
    );
    let line = pretty
        .lines()
        .position(|l| l.contains("0000000000000000"))
        .expect("the digest's line")
        + 1;
    assert!(err.contains(&format!("digest.json:{line}: ")), "{err}");
}
