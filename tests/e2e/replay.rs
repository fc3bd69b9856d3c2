//! `orchard replay`: a written trace replays; a trace whose violation does not happen diverges.

use crate::support::failing_trace;

#[test]
fn a_written_trace_replays() {
    let (s, trace) = failing_trace();
    let out = s
        .run(&["replay", &trace, "--against", "model"])
        .expect(0)
        .stdout();
    assert!(out.contains("K2"), "{out}");
    assert!(out.contains("violated at step 0"), "{out}");
}

#[test]
fn a_trace_whose_property_holds_diverges() {
    let (s, trace) = failing_trace();
    let text = s
        .read(&trace)
        .replace("\"property\": \"K2\"", "\"property\": \"P8\"");
    s.write("p8.json", &text);
    let out = s.run(&["replay", "p8.json"]).expect(1).stdout();
    assert!(out.contains("diverges"), "{out}");
}

/// A trace of several steps, made with the library from the failing model: K2 fails in every
/// state, so it is violated at the last step too.
fn several_steps(s: &crate::support::Scratch) -> String {
    use orchard::explore::trace::Trace;
    use orchard::model::config::parse_model;
    use orchard::model::properties;
    use orchard::model::system::System;

    let text = s.read("models/owners.yaml");
    let config = parse_model(&text, "owners.yaml", &|_| Err("no includes".into()))
        .unwrap()
        .config;
    let system = System::new(config).unwrap();
    let mut state = system.initial();
    let mut steps = Vec::new();
    for _ in 0..2 {
        let t = system.transitions(&state).pop().expect("an enabled action");
        state = t.next.clone();
        steps.push(t);
    }
    let trace = Trace::new(&system, properties::by_id("K2").unwrap(), &steps);
    trace.write_into(&s.path().join("made")).unwrap();
    format!("made/{}", trace.file_name())
}

#[test]
fn a_trace_of_several_steps_replays_and_a_changed_step_is_refused() {
    let (s, _) = failing_trace();
    let trace = several_steps(&s);
    let out = s.run(&["replay", &trace]).expect(0).stdout();
    assert!(out.contains("2 steps replay"), "{out}");
    assert!(out.contains("violated at step 2"), "{out}");

    let text = s.read(&trace);
    let digest = text
        .match_indices("\"digest\": \"")
        .nth(1)
        .map(|(i, m)| &text[i + m.len()..i + m.len() + 16])
        .unwrap()
        .to_string();
    s.write(
        "changed.json",
        &text.replacen(&digest, "ffffffffffffffff", 1),
    );
    let err = s.run(&["replay", "changed.json"]).expect(2).stderr();
    assert!(err.contains("step 2"), "{err}");
    assert!(err.contains(&digest), "{err}");
}

#[test]
fn every_shipped_trace_replays() {
    let s = crate::support::Scratch::new();
    let dir = crate::support::shipped_models()
        .parent()
        .expect("models/ has a parent")
        .join("traces");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).expect("traces/ is shipped") {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        s.run(&["replay", path.to_str().unwrap(), "--against", "model"])
            .expect(0);
        replayed += 1;
    }
    assert!(replayed >= 5, "the shipped traces: {replayed}");
}

/// The shipped stale-reads trace with its model grown to 100 replicas on 16 roomy nodes under
/// informer consistency (within the loader's limits): settling its start takes seconds, before
/// any step is replayed.
fn slow_trace(s: &crate::support::Scratch) -> String {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/statefulset-stale-reads-P8-resettable-session.json");
    let mut trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(shipped).unwrap()).unwrap();
    trace["model"]["initial"][0]["spec"]["replicas"] = 100.into();
    trace["model"]["consistency"]["level"] = "informer".into();
    trace["consistency"]["level"] = "informer".into();
    let controllers = trace["model"]["controllers"].as_array_mut().unwrap();
    let mut node = controllers
        .iter()
        .find(|c| c["kind"] == "node")
        .expect("a node")
        .clone();
    node["node"]["capacity"] =
        serde_json::json!({"cpu": "1000", "memory": "1000Gi", "pods": "1000"});
    controllers.retain(|c| c["kind"] != "node");
    for i in 1..=16 {
        node["name"] = format!("node-{i}").into();
        controllers.push(node.clone());
    }
    s.write("slow.json", &serde_json::to_string_pretty(&trace).unwrap())
}

#[test]
fn a_replay_stops_at_its_timeout_even_while_settling() {
    let s = crate::support::Scratch::new();
    let trace = slow_trace(&s);
    let started = std::time::Instant::now();
    let err = s
        .run(&["replay", &trace, "--timeout", "0.3"])
        .expect(2)
        .stderr();
    let took = started.elapsed();
    assert!(took.as_secs_f64() < 1.3, "--timeout 0.3 took {took:?}");
    assert!(
        err.contains("slow.json: the replay did not finish within --timeout (0.3 s)"),
        "{err}"
    );
    let err = s
        .run(&["replay", &trace, "--timeout", "1e20"])
        .expect(2)
        .stderr();
    assert!(err.contains("a year"), "{err}");
    // A trace that replays within its limit is unaffected by it.
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/statefulset-stale-reads-P8-resettable-session.json");
    s.run(&["replay", shipped.to_str().unwrap(), "--timeout", "60"])
        .expect(0);
}
