//! Bad input exits 2, names the file, the line and the field, and writes nothing.

use crate::support::{Scratch, failing_trace, tiny};

/// Whether `err` names `file:LINE`.
fn names_a_line(err: &str, file: &str) -> bool {
    err.match_indices(&format!("{file}:"))
        .any(|(i, m)| err[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// A bad model: a text edit of the tiny model, and what the error must mention.
struct BadModel {
    what: &'static str,
    from: &'static str,
    to: &'static str,
    mentions: &'static [&'static str],
}

const BAD_MODELS: &[BadModel] = &[
    BadModel {
        what: "misspelt key",
        from: "controllers:",
        to: "controlers:",
        mentions: &["controlers"],
    },
    BadModel {
        what: "unknown controller kind",
        from: "  scheduler: 1",
        to: "  schedular: 1",
        mentions: &["schedular"],
    },
    BadModel {
        what: "unknown resource kind",
        from: "kind: Deployment",
        to: "kind: Deploymnet",
        mentions: &["Deploymnet"],
    },
    BadModel {
        what: "unknown consistency",
        from: "consistency: monotonic-session",
        to: "consistency: eventual",
        mentions: &["eventual", "consistency"],
    },
    BadModel {
        what: "negative count",
        from: "  scheduler: 1",
        to: "  scheduler: -1",
        mentions: &["-1"],
    },
    BadModel {
        what: "unknown property",
        from: "properties: [P8, K2]",
        to: "properties: [P8, P99]",
        mentions: &["P99"],
    },
    BadModel {
        what: "unknown strategy",
        from: "strategy: bfs",
        to: "strategy: sideways",
        mentions: &["sideways"],
    },
    BadModel {
        what: "malformed YAML",
        from: "properties: [P8, K2]",
        to: "properties: [P8, K2",
        mentions: &[],
    },
    BadModel {
        what: "environment target that does not exist",
        from: "scale: Deployment/web",
        to: "scale: Deployment/api",
        mentions: &["api"],
    },
];

#[test]
fn bad_models_are_refused_with_file_line_and_field() {
    for case in BAD_MODELS {
        let s = Scratch::new();
        let good = tiny("");
        assert!(good.contains(case.from), "{}: the edit applies", case.what);
        s.write("bad.yaml", &good.replacen(case.from, case.to, 1));
        let err = s.run(&["check", "bad.yaml"]).expect(2).stderr();
        assert!(names_a_line(&err, "bad.yaml"), "{}: {err}", case.what);
        for m in case.mentions {
            assert!(err.contains(m), "{}: `{m}` in {err}", case.what);
        }
        assert!(!s.exists("traces"), "{}: nothing written", case.what);
    }
}

#[test]
fn duplicate_resource_names_are_refused() {
    let s = Scratch::new();
    let good = tiny("");
    let (head, resources) = good.split_once("resources:\n").unwrap();
    s.write(
        "dup.yaml",
        &format!("{head}resources:\n{resources}{resources}"),
    );
    let err = s.run(&["check", "dup.yaml"]).expect(2).stderr();
    assert!(err.contains("dup.yaml") && err.contains("web"), "{err}");
}

#[test]
fn bad_flags_are_refused() {
    let s = Scratch::new();
    s.write("m.yaml", &tiny(""));
    for (args, mention) in [
        (
            &["check", "m.yaml", "--consistency", "eventual"][..],
            "eventual",
        ),
        (
            &["check", "m.yaml", "--strategy", "sideways"][..],
            "sideways",
        ),
        (&["check", "m.yaml", "--property", "P99"][..], "P99"),
        (&["check", "m.yaml", "--threads", "0"][..], "--threads"),
        (&["check", "m.yaml", "--timeout=-1"][..], "--timeout"),
        (&["check", "missing.yaml"][..], "missing.yaml"),
    ] {
        let err = s.run(args).expect(2).stderr();
        assert!(err.contains(mention), "{args:?}: {err}");
        assert!(!s.exists("traces"));
    }
}

/// An environment step scaling `web` to `replicas`, with a digest.
fn step(replicas: i32, digest: &str) -> String {
    format!(
        r#"{{"action": {{"type": "environment", "rule": 0, "action": {{"op": "scale", "target": {{"kind": "Deployment", "name": "web"}}, "replicas": {replicas}}}}},
      "describe": "scale", "outcome": "", "digest": "{digest}"}}"#
    )
}

#[test]
fn bad_traces_are_refused_with_the_line_and_field() {
    let (s, trace) = failing_trace();
    let good = s.read(&trace);
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "malformed JSON",
            good.replacen("\"steps\": []", "\"steps\": [", 1),
            &[],
        ),
        (
            "unknown format",
            good.replacen("\"format\": 1", "\"format\": 2", 1),
            &["format", "version 2"],
        ),
        (
            "unknown field",
            good.replacen("\"steps\"", "\"stpes\"", 1),
            &["stpes"],
        ),
        (
            "missing field",
            good.replacen("\"format\": 1,", "", 1),
            &["missing field `format`"],
        ),
        (
            "step not enabled",
            good.replacen(
                "\"steps\": []",
                &format!("\"steps\": [\n    {}]", step(1, "0")),
                1,
            ),
            &["step 1", "not enabled"],
        ),
        (
            "digest differs",
            good.replacen(
                "\"steps\": []",
                &format!("\"steps\": [\n    {}]", step(3, "0000000000000000")),
                1,
            ),
            &["step 1", "digest", "0000000000000000"],
        ),
        (
            "unknown property",
            good.replacen("\"property\": \"K2\"", "\"property\": \"P99\"", 1),
            &["violation.property", "P99"],
        ),
        (
            "violation past the end",
            good.replacen("\"step\": 0", "\"step\": 4", 1),
            &["violation.step"],
        ),
    ];
    for (what, text, mentions) in cases {
        assert_ne!(text, good, "{what}: the edit applies");
        s.write("bad.json", &text);
        let err = s.run(&["replay", "bad.json"]).expect(2).stderr();
        assert!(names_a_line(&err, "bad.json"), "{what}: {err}");
        for m in mentions {
            assert!(err.contains(m), "{what}: `{m}` in {err}");
        }
    }
}
