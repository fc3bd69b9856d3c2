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
            good.replacen("\"format\": 2", "\"format\": 3", 1),
            &["format", "version 3"],
        ),
        (
            "unknown field",
            good.replacen("\"steps\"", "\"stpes\"", 1),
            &["stpes"],
        ),
        (
            "missing field",
            good.replacen("\"format\": 2,", "", 1),
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

/// The reproducers of the hardening issues (16 and 23), kept as fixtures: each is refused
/// with exit 2 and this text. `tests/fixtures/bad/NAME`, the command, the text.
const FIXTURES: &[(&str, &str, &str)] = &[
    (
        "cpu-overflow.yaml",
        "check",
        "cpu-overflow.yaml:6:37: controllers.nodes.capacity.cpu: `9223372036854776` is too large a quantity (at most 9223372036854775 units)",
    ),
    (
        "negative-capacity.yaml",
        "check",
        "negative-capacity.yaml:6:42: controllers.nodes.capacity.memory: memory must not be negative (-8589934592)",
    ),
    (
        "negative-request.yaml",
        "check",
        "resources[0].spec.template.spec.containers[0].resources.requests.cpu: cpu must not be negative (-500m)",
    ),
    (
        "pods-fraction.yaml",
        "check",
        "pods-fraction.yaml:6:55: controllers.nodes.capacity.pods: pods must be a whole number, not 3.5",
    ),
    (
        "nodes-2-32.yaml",
        "check",
        "nodes-2-32.yaml:6:11: controllers.nodes.count: 4294967296 nodes: the limit is 16",
    ),
    (
        "nodes-i64-max.yaml",
        "check",
        "nodes-i64-max.yaml:6:3: controllers.nodes: 9223372036854775807 nodes: the limit is 16",
    ),
    (
        "scheduler-million.yaml",
        "check",
        "scheduler-million.yaml:7:3: controllers.scheduler: 1000000 scheduler controllers: the limit is 16",
    ),
    (
        "settled-replicas.yaml",
        "check",
        "settled-replicas.yaml:18:7: resources[0].spec.replicas: replicas 100000 is past the limit of 100",
    ),
    (
        "settled-pods-total.yaml",
        "check",
        "settled-pods-total.yaml:37:7: resources[1].spec.replicas: the resources ask for 120 pods in all: the limit is 100",
    ),
    (
        "settled-replicas-i32-max.yaml",
        "check",
        "settled-replicas-i32-max.yaml:18:7: resources[0].spec.replicas: 2147483647 is past the limit of 1000000",
    ),
    (
        "max-surge-huge.yaml",
        "check",
        "resources[0].spec.updateStrategy.rollingUpdate.maxUnavailable: 2147483647 is past the limit of 1000000",
    ),
    (
        "generation-huge.yaml",
        "check",
        "generation-huge.yaml:17:7: resources[0].metadata.generation: 9223372036854775807 is past the limit of 1000000",
    ),
    (
        "depth-too-large.yaml",
        "check",
        "depth-too-large.yaml:10:26: checker.max-depth: the depth bound 99999999 is past the limit of 10000",
    ),
    (
        "env-max-huge.yaml",
        "check",
        "env-max-huge.yaml:12:5: environment[0].max: max 4294967296 is past the limit of 100",
    ),
    (
        "long-name.yaml",
        "check",
        "long-name.yaml:1:1: name: a name of 300 characters: the limit is 100",
    ),
    (
        "misspelt-replicas.yaml",
        "check",
        "misspelt-replicas.yaml:18:7: resources[0].spec.repılicas: unknown field; did you mean resources[0].spec.replicas?",
    ),
    (
        "included-misspelt.yaml",
        "check",
        "manifests/misspelt.yaml:7:3: spec.repılicas: unknown field; did you mean spec.replicas?",
    ),
    (
        "unknown-field-no-suggestion.yaml",
        "check",
        "unknown-field-no-suggestion.yaml:20:7: resources[0].spec.qqqqqqqq: unknown field: StatefulSetSpec has no such field in Kubernetes",
    ),
    (
        "file-etc-passwd.yaml",
        "check",
        "file-etc-passwd.yaml:12:5: resources[0].file: cannot read `/etc/passwd`: /etc/passwd is outside the model's directory",
    ),
    (
        "file-escape.yaml",
        "check",
        "is outside the model's directory tests/fixtures/bad (give --allow-outside-files to read it)",
    ),
    (
        "file-dev-null.yaml",
        "check",
        "cannot read `/dev/null`: /dev/null is outside the model's directory",
    ),
    (
        "empty-manifest.yaml",
        "check",
        "empty-manifest.yaml:12:5: resources[0].file: `manifests/empty.yaml` holds no manifest (it is empty or only comments)",
    ),
    (
        "empty-model.yaml",
        "check",
        "empty-model.yaml:1:1: the model is empty: it needs at least a `name`",
    ),
    (
        "kubectl-manifest.yaml",
        "check",
        "kubectl-manifest.yaml:1:1: this file is a Kubernetes manifest (a StatefulSet), not a model: a model includes it from its `resources:` as `- file: tests/fixtures/bad/kubectl-manifest.yaml`",
    ),
    (
        "trace-rule-99.json",
        "check",
        "trace-rule-99.json:1:1: this file is an orchard trace, not a model: `orchard replay tests/fixtures/bad/trace-rule-99.json` replays it",
    ),
    (
        "misspelt-replicas.yaml",
        "replay",
        "misspelt-replicas.yaml:1: this file is an orchard model, not a trace (`orchard check tests/fixtures/bad/misspelt-replicas.yaml` checks it)",
    ),
    (
        "empty-trace.json",
        "replay",
        "empty-trace.json:1: the trace is empty",
    ),
    (
        "trace-controller-99.json",
        "replay",
        "trace-controller-99.json:190: step 2: field `action.controller`: there is no controller 99 (the model has 4, numbered from 0)",
    ),
    (
        "trace-cache-controller-99.json",
        "replay",
        "trace-cache-controller-99.json:180: step 2: field `action.controller`: there is no controller 99",
    ),
    (
        "trace-cache-kind-not-watched.json",
        "replay",
        "trace-cache-kind-not-watched.json:180: step 2: field `action.kind`: scheduler keeps no cache of jobs",
    ),
    (
        "trace-per-kind-out-of-range.json",
        "replay",
        "trace-per-kind-out-of-range.json:190: step 2 (statefulset reads statefulsets@r99999 pods@r99999 controllerrevisions@r99999 persistentvolumeclaims@r99999): not enabled: statefulset may not read",
    ),
    (
        "trace-rule-99.json",
        "replay",
        "trace-rule-99.json:169: step 1: field `action.rule`: there is no environment rule 99 (the model has 2, numbered from 0)",
    ),
    (
        "trace-unknown-key.json",
        "replay",
        "trace-unknown-key.json:191: field `steps[1].action`: unknown field `bogus`, expected one of `controller`, `read`, `choice`",
    ),
    (
        "trace-settled-replicas.json",
        "replay",
        "trace-settled-replicas.json:125: field `model.initial[0].spec.replicas`: replicas 100000 is past the limit of 100",
    ),
    (
        "trace-too-many-nodes.json",
        "replay",
        "trace-too-many-nodes.json:13: field `model.controllers`: 100 nodes: the limit is 16",
    ),
];

/// Rust's debug formatting (`Nodes { nodes: 250001 }`, `Some(..)`, `NotEnabled`) in a message.
fn debug_formatting(message: &str) -> bool {
    let struct_like = message.match_indices(" { ").any(|(i, _)| {
        let word = message[..i]
            .rsplit(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("");
        let field = message[i + 3..].split(": ").next().unwrap_or("");
        word.starts_with(|c: char| c.is_ascii_uppercase())
            && !field.is_empty()
            && field.chars().all(|c| c.is_ascii_lowercase() || c == '_')
    });
    struct_like || message.contains("Some(") || message.contains("NotEnabled")
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/bad/{name}")
}

/// Runs `orchard ARGS` in the repository (fixtures are named relative to it).
fn run_in_repo(args: &[&str]) -> crate::support::Run {
    let out = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_orchard"))
        .args(args)
        .args(if args[0] == "check" {
            vec!["--trace-dir".to_string(), out.path().display().to_string()]
        } else {
            Vec::new()
        })
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the orchard binary runs");
    crate::support::Run(output)
}

#[test]
fn the_issues_reproducers_are_refused_with_their_errors() {
    for (name, command, expected) in FIXTURES {
        let path = fixture(name);
        let run = run_in_repo(&[command, &path]).expect(2);
        let err = run.stderr();
        assert!(
            err.contains(expected),
            "{name}: expected\n  {expected}\nin\n  {err}"
        );
        assert!(
            err.starts_with("error: tests/fixtures/bad/"),
            "{name}: {err}"
        );
        assert!(!debug_formatting(&err), "{name}: debug formatting in {err}");
    }
}

#[test]
fn outside_files_are_read_only_with_the_flag_and_then_named() {
    let model = "tests/fixtures/outside/model.yaml";
    let err = run_in_repo(&["check", model, "--max-depth", "1"])
        .expect(2)
        .stderr();
    assert!(
        err.contains("../shared/web.yaml is outside the model's directory tests/fixtures/outside (give --allow-outside-files to read it)"),
        "{err}"
    );
    let run = run_in_repo(&["check", model, "--max-depth", "1", "--allow-outside-files"]).expect(0);
    assert!(
        run.stderr().contains(
            "tests/fixtures/outside/model.yaml: includes tests/fixtures/outside/../shared/web.yaml, outside the model's directory (--allow-outside-files)"
        ),
        "{}",
        run.stderr()
    );
    // `models` takes the flag too.
    run_in_repo(&["models", "tests/fixtures/outside"]).expect(2);
    let listed =
        run_in_repo(&["models", "tests/fixtures/outside", "--allow-outside-files"]).expect(0);
    assert!(
        listed.stdout().contains("model.yaml"),
        "{}",
        listed.stdout()
    );
    assert!(
        listed.stderr().contains("outside the model's directory"),
        "{}",
        listed.stderr()
    );
    // With the flag, special files are still refused: only regular files are read.
    for device in [
        "file-dev-zero.yaml",
        "file-dev-urandom.yaml",
        "file-dev-null.yaml",
    ] {
        let err = run_in_repo(&["check", &fixture(device), "--allow-outside-files"])
            .expect(2)
            .stderr();
        assert!(
            err.contains("is not a regular file (a device, FIFO or socket)"),
            "{device}: {err}"
        );
    }
    let err = run_in_repo(&[
        "check",
        &fixture("file-etc-passwd.yaml"),
        "--allow-outside-files",
    ])
    .expect(2)
    .stderr();
    assert!(err.contains("/etc/passwd:1:1:"), "{err}");
}

#[test]
fn special_and_oversized_files_are_refused_before_they_are_read() {
    let s = Scratch::new();
    let fifo = s.path().join("fifo.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|status| status.success()) {
        let err = s.run(&["check", "fifo.yaml"]).expect(2).stderr();
        assert!(
            err.contains("fifo.yaml: cannot read the model file: is not a regular file"),
            "{err}"
        );
        s.write(
            "m.yaml",
            &tiny("").replacen("resources:\n", "resources:\n  - file: fifo.yaml\n", 1),
        );
        let err = s.run(&["check", "m.yaml"]).expect(2).stderr();
        assert!(err.contains("fifo.yaml: is not a regular file"), "{err}");
    }
    for (args, expected) in [
        (
            &["check", "/dev/null"][..],
            "/dev/null: cannot read the model file: is not a regular file",
        ),
        (
            &["check", "/dev/zero"][..],
            "/dev/zero: cannot read the model file: is not a regular file",
        ),
        (
            &["replay", "/dev/urandom"][..],
            "/dev/urandom: cannot read the trace: is not a regular file",
        ),
        (
            &["check", "."][..],
            ".: cannot read the model file: is a directory",
        ),
    ] {
        let err = s.run(args).expect(2).stderr();
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    // 250,001 YAML nodes: past the size limit, and in process past the YAML reader's limit,
    // said in words (not `budget breached: Nodes { nodes: 250001 }`).
    let huge = format!(
        "name: huge\nproperties: [{}]\n",
        vec!["P8"; 300_000].join(", ")
    );
    s.write("huge.yaml", &huge);
    let err = s.run(&["check", "huge.yaml"]).expect(2).stderr();
    assert!(
        err.contains(
            "huge.yaml: cannot read the model file: is 1200024 bytes: the limit is 1048576 bytes"
        ),
        "{err}"
    );
    let e = orchard::model::config::parse_model(&huge, "huge.yaml", &|_| Err(String::new()))
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("the YAML is past the reader's limits: more than 250,000 nodes"),
        "{e}"
    );
    assert!(!debug_formatting(&e.to_string()), "{e}");
}

#[test]
fn fields_kubernetes_knows_but_orchard_does_not_model_are_reported_as_ignored() {
    let s = Scratch::new();
    let model = tiny("")
        .replacen("      replicas: 1\n", "      replicas: 1\n      minReadySeconds: 5\n", 1)
        .replacen(
            "              image: \"nginx:1\"\n",
            "              image: \"nginx:1\"\n              livenessProbe: {httpGet: {path: /, port: 80}}\n",
            1,
        );
    s.write("m.yaml", &model);
    let err = s.run(&["check", "m.yaml"]).expect(0).stderr();
    for field in [
        "Deployment/web: spec.minReadySeconds (changes behaviour, not modelled)",
        "Deployment/web: spec.template.spec.containers[0].livenessProbe",
    ] {
        assert!(
            err.contains("fields not modelled (ignored; --quiet hides this)")
                && err.contains(field),
            "{field}: {err}"
        );
    }
    // A zero value changes nothing and is not reported.
    s.write(
        "zero.yaml",
        &tiny("").replacen(
            "      replicas: 1\n",
            "      replicas: 1\n      minReadySeconds: 0\n",
            1,
        ),
    );
    let err = s.run(&["check", "zero.yaml"]).expect(0).stderr();
    assert!(!err.contains("minReadySeconds"), "{err}");
}

#[test]
fn a_trace_past_the_step_limit_is_refused_before_any_step() {
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/statefulset-stale-reads-P8-informer.json");
    let mut trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(shipped).unwrap()).unwrap();
    let step = trace["steps"][0].clone();
    trace["steps"] = serde_json::Value::Array(vec![step; 10_001]);
    let s = Scratch::new();
    s.write("long.json", &serde_json::to_string_pretty(&trace).unwrap());
    let err = s.run(&["replay", "long.json"]).expect(2).stderr();
    assert!(
        err.contains("field `steps`: the number of steps 10001 is past the limit of 10000"),
        "{err}"
    );
}
