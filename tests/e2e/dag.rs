//! `orchard dag`: the DAG of shipped traces as text, DOT (accepted by Graphviz) and JSON;
//! readers lit; bad input located.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{Scratch, shipped_models, shipped_trace as trace, shipped_traces};

/// Whether Graphviz accepts `dot` (panics when graphviz is not installed: .ci/run installs it).
fn graphviz_accepts(dot: &str) -> Result<(), String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("graphviz's dot is installed (.ci/run installs it)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dot.as_bytes())
        .expect("dot reads its input");
    let out = child.wait_with_output().expect("dot runs");
    let svg = String::from_utf8_lossy(&out.stdout);
    if out.status.success() && svg.contains("<svg") {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn the_dot_of_every_shipped_trace_is_accepted_by_graphviz() {
    let s = Scratch::new();
    for t in shipped_traces() {
        let dot = s.run(&["dag", &t, "--format", "dot"]).expect(0).stdout();
        assert!(dot.starts_with("digraph history {"), "{t}: {dot}");
        if let Err(e) = graphviz_accepts(&dot) {
            panic!("{t}: graphviz rejects the DOT: {e}\n{dot}");
        }
        // Styled for a reader: one controller of each kind in the trace's model.
        let text = std::fs::read_to_string(&t).expect("the trace");
        let model: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let mut kinds = std::collections::BTreeSet::new();
        for c in model["model"]["controllers"]
            .as_array()
            .expect("controllers")
        {
            if !kinds.insert(c["kind"].to_string()) {
                continue;
            }
            let reader = c["name"].as_str().expect("a name");
            let dot = s
                .run(&["dag", &t, "--format", "dot", "--reader", reader])
                .expect(0)
                .stdout();
            if let Err(e) = graphviz_accepts(&dot) {
                panic!("{t} --reader {reader}: graphviz rejects the DOT: {e}\n{dot}");
            }
        }
    }
    assert!(
        graphviz_accepts("digraph { a -> }").is_err(),
        "dot rejects bad input"
    );
}

#[test]
fn an_optimistic_trace_shows_its_lost_branch_as_text_dot_and_json() {
    let s = Scratch::new();
    let t = trace("replicaset-scale-G1-optimistic-linear.json");
    let text = s.run(&["dag", &t]).expect(0).stdout();
    assert!(
        text.contains("× │ r14 s4 replicaset: delete Pod web-12  (head, lost)"),
        "{text}"
    );
    assert!(text.contains("○─╯ r13 s3 environment"), "{text}");
    let dot = s.run(&["dag", &t, "--format", "dot"]).expect(0).stdout();
    assert!(
        dot.contains("r14 [") && dot.contains("style=\"dashed,bold\""),
        "lost revisions dashed: {dot}"
    );
    let json = s.run(&["dag", &t, "--format", "json"]).expect(0).json();
    assert_eq!(json["lost"], serde_json::json!([14]));
    assert_eq!(json["commitPoint"], 15);
    // Before the leader change nothing is lost.
    let before = s
        .run(&["dag", &t, "--step", "4", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(before["lost"], serde_json::json!([]));
    assert_eq!(before["latest"], 14);
}

#[test]
fn a_reader_lights_what_it_may_read_and_its_caches() {
    let s = Scratch::new();
    let t = trace("statefulset-stale-reads-P8-informer.json");
    let json = s
        .run(&["dag", &t, "--reader", "node-1", "--format", "json"])
        .expect(0)
        .json();
    let marks = json["highlight"].as_array().expect("marks");
    let cache_marks = marks
        .iter()
        .filter(|m| m[1].to_string().contains("cache"))
        .count();
    assert!(cache_marks >= 1, "{marks:?}");
    let dot = s
        .run(&["dag", &t, "--reader", "node-1", "--format", "dot"])
        .expect(0)
        .stdout();
    assert!(dot.contains("fillcolor=\"palegreen\""), "{dot}");
    let plain = s.run(&["dag", &t, "--format", "dot"]).expect(0).stdout();
    assert!(!plain.contains("palegreen"), "nothing lit without --reader");
}

#[test]
fn a_model_shows_its_start_state() {
    let s = Scratch::new();
    let model = shipped_models().join("statefulset-stale-reads.yaml");
    let out = s
        .run(&["dag", model.to_str().expect("UTF-8")])
        .expect(0)
        .stdout();
    assert!(out.contains("r1 start"), "{out}");
}

#[test]
fn bad_input_is_named() {
    let s = Scratch::new();
    let t = trace("replicaset-scale-G1-optimistic-linear.json");
    let err = s.run(&["dag", &t, "--step", "99"]).expect(2).stderr();
    assert!(
        err.contains("--step 99") && err.contains("6 steps"),
        "{err}"
    );
    let err = s
        .run(&["dag", &t, "--reader", "replicast"])
        .expect(2)
        .stderr();
    assert!(err.contains("did you mean replicaset?"), "{err}");
    let broken = s.write("broken.json", "{\n  \"format\": 1,\n  \"model\": 3\n}\n");
    let err = s.run(&["dag", &broken]).expect(2).stderr();
    assert!(err.contains("broken.json:3:"), "{err}");
    let err = s.run(&["dag", "missing.yaml"]).expect(2).stderr();
    assert!(err.contains("missing.yaml"), "{err}");
}
