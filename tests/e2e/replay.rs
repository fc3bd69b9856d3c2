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
