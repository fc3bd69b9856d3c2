//! `orchard check`: verdicts, exit codes, traces, JSON, and reproducible state counts.

use crate::support::{Scratch, slow_settling, tiny, with_models};

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
    assert_eq!(trace["format"], 2);
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

/// A model whose BFS runs for minutes: three nodes under causal consistency, P8 holding.
fn slow_bfs() -> Vec<String> {
    let model = crate::support::shipped_models().join("statefulset-three-nodes.yaml");
    [
        "check",
        model.to_str().expect("a UTF-8 path"),
        "--consistency",
        "causal",
        "--property",
        "P8",
        "--max-depth",
        "40",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn a_timeout_bounds_the_whole_run_settling_included() {
    let s = Scratch::new();
    let started = std::time::Instant::now();
    let mut args = slow_bfs();
    args.extend(["--timeout", "2", "--json"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let j = s.run(&args).expect(0).json();
    let took = started.elapsed();
    assert!(took.as_secs_f64() < 3.0, "--timeout 2 took {took:?}");
    assert_eq!(j["ending"], "timeout");
    assert_eq!(j["properties"][0]["verdict"], "holds-within-bounds");
    assert!(j["uniqueStates"].as_u64().unwrap() > 100, "{j}");

    let big = slow_settling(&s);
    let started = std::time::Instant::now();
    let run = s.run(&["check", &big, "--timeout", "0.3", "-q"]).expect(0);
    let took = started.elapsed();
    assert!(
        took.as_secs_f64() < 1.3,
        "--timeout 0.3 while settling took {took:?}"
    );
    let out = run.stdout();
    assert!(
        out.contains("time limit reached while settling the initial state: nothing checked"),
        "{out}"
    );
    assert!(out.contains("P8    not checked within bounds"), "{out}");
}

/// Starts `orchard ARGS`, sends `signal` after `after`, and returns its exit code and what it
/// printed.
fn signalled(
    s: &Scratch,
    args: &[String],
    signal: i32,
    after: std::time::Duration,
) -> (i32, String, String) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_orchard"))
        .args(args)
        .current_dir(s.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("orchard starts");
    std::thread::sleep(after);
    let pid = i32::try_from(child.id()).expect("a pid");
    // SAFETY: kill(2) with a pid this test started and a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let out = child.wait_with_output().expect("orchard ends");
    (
        out.status
            .code()
            .expect("an exit code: the signal is handled"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn sigint_and_sigterm_end_a_search_with_its_partial_summary() {
    let s = Scratch::new();
    let (code, out, err) = signalled(&s, &slow_bfs(), libc::SIGINT, SECOND);
    assert_eq!(code, 130, "{out}\n{err}");
    assert!(out.contains("stopped by SIGINT at depth"), "{out}");
    assert!(
        out.contains("the verdicts hold for the states explored"),
        "{out}"
    );
    assert!(out.contains("P8    holds within bounds"), "{out}");
    // The header, the guards it ran under, then the progress line.
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("guards: "),
        "{out}"
    );
    assert!(out.lines().nth(2).unwrap().starts_with("states "), "{out}");
    let mut json = slow_bfs();
    json.push("--json".into());
    let (code, out, _) = signalled(&s, &json, libc::SIGTERM, SECOND);
    assert_eq!(code, 143);
    let j: serde_json::Value = serde_json::from_str(&out).expect("the JSON is printed");
    assert_eq!(j["ending"], "cancelled");
    assert_eq!(j["signal"], "SIGTERM");
    assert!(j["uniqueStates"].as_u64().unwrap() > 0);
}

const SECOND: std::time::Duration = std::time::Duration::from_secs(1);

#[test]
fn a_counterexample_found_before_a_signal_is_still_shown_and_written() {
    let s = Scratch::new();
    let model = crate::support::shipped_models().join("statefulset-three-nodes.yaml");
    // Under causal, BFS finds D1 failing about a second into level 7 and finishes that level
    // (a few seconds more) before it stops: the signal comes in between.
    let args: Vec<String> = [
        "check",
        model.to_str().unwrap(),
        "--consistency",
        "causal",
        "--property",
        "D1",
    ]
    .map(String::from)
    .to_vec();
    // The window between the failure and the end of its level depends on the machine's speed:
    // a signal that comes too early (no failure yet) or too late (the search ended by itself)
    // is tried again a little later or earlier; the first run inside the window is judged.
    let mut after = std::time::Duration::from_millis(2500);
    let mut tried = Vec::new();
    let out = loop {
        let (code, out, err) = signalled(&s, &args, libc::SIGINT, after);
        tried.push((after, code));
        match code {
            130 if out.contains("D1    FAILED") && out.contains("stopped by SIGINT") => break out,
            // The search had already stopped at the failure: the signal came too late.
            130 if out.contains("D1    FAILED") => after = after * 2 / 3,
            130 => after += after / 2,
            1 => after /= 2,
            _ => panic!("exit {code}\n{out}\n{err}"),
        }
        assert!(tried.len() < 8, "never inside the window: {tried:?}");
    };
    assert!(out.contains("stopped by SIGINT at depth"), "{out}");
    assert!(out.contains("D1    FAILED after 7 steps"), "{out}");
    assert!(
        out.contains("trace: traces/statefulset-three-nodes-D1-causal.json"),
        "{out}"
    );
    assert!(s.exists("traces/statefulset-three-nodes-D1-causal.json"));
}

#[test]
fn a_trace_that_cannot_be_written_still_shows_the_counterexample_and_exits_1() {
    let s = with_models();
    // A file where the trace directory should be: no user (root neither) can write there.
    s.write("blocked", "");
    let run = s
        .run(&[
            "check",
            "models/owners.yaml",
            "--trace-dir",
            "blocked/traces",
        ])
        .expect(1);
    let out = run.stdout();
    assert!(out.contains("K2    FAILED after 0 steps"), "{out}");
    assert!(out.contains("trace: blocked/traces/tiny-K2"), "{out}");
    let err = run.stderr();
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].starts_with("error: cannot write the trace blocked/traces/tiny-K2"),
        "{err}"
    );
    assert_eq!(
        errors[0].matches("os error").count(),
        1,
        "the OS error once: {err}"
    );
    // A read-only directory, where permissions apply (not as root).
    let ro = s.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let run = s.run(&["check", "models/owners.yaml", "--trace-dir", "ro"]);
    if std::fs::write(ro.join("probe"), "").is_err() {
        let run = run.expect(1);
        assert!(run.stdout().contains("K2    FAILED"), "{}", run.stdout());
        assert!(run.stderr().contains("error: cannot write the trace ro/"));
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn leftover_temporary_traces_are_removed_by_the_next_write() {
    let s = with_models();
    // A pid above Linux's largest: a writer that can no longer be running.
    let leftover = "traces/.tiny-K2-monotonic-session.json.4194305.tmp";
    s.write(leftover, "{\"half");
    s.run(&["check", "models/owners.yaml"]).expect(1);
    assert!(!s.exists(leftover));
    assert!(s.exists("traces/tiny-K2-monotonic-session.json"));
}

#[test]
fn simulation_says_what_it_covered() {
    let s = Scratch::new();
    s.write("m.yaml", &tiny(""));
    let out = s
        .run(&[
            "check",
            "m.yaml",
            "--strategy",
            "simulation",
            "--timeout",
            "0.3",
        ])
        .expect(0)
        .stdout();
    assert!(out.contains("walks of up to 10 steps"), "{out}");
    assert!(out.contains("time limit reached: no violation in"), "{out}");
    assert!(out.contains("K2    no violation in "), "{out}");
    assert!(!out.contains("holds"), "not the words of a search: {out}");
    let bfs = s.run(&["check", "m.yaml"]).expect(0).stdout();
    assert!(bfs.contains("K2    holds"), "{bfs}");
}

#[test]
fn flags_that_mean_nothing_at_the_level_checked_are_errors() {
    let s = Scratch::new();
    s.write("m.yaml", &tiny(""));
    for (args, says) in [
        (
            &["--relist", "latest"][..],
            "--relist: means nothing under monotonic-session",
        ),
        (
            &["--lag", "zero"][..],
            "--lag: means nothing under monotonic-session",
        ),
        (
            &["--consistency", "informer", "--read-your-writes"][..],
            "--read-your-writes: means nothing under informer",
        ),
        (
            &["--property", "all", "--property", "P8"][..],
            "--property: `all` checks every",
        ),
        (
            &["--consistency", "resetable-session"][..],
            "did you mean resettable-session?",
        ),
        (&["--strategy", "simulaton"][..], "did you mean simulation?"),
        (&["--property", "p99"][..], "unknown property `p99`"),
        (&["--threads", "100000"][..], "from 1 to 256"),
        (&["--timeout", "1e20"][..], "a year"),
        (&["--timeout", "9.3e18"][..], "a year"),
        (&["--timeout", "NaN"][..], "--timeout"),
        (&["--max-depth", "99999999999999999999"][..], "--max-depth"),
        (&["--max-depth", "100001"][..], "from 0 to 100000"),
        (&["--seed=-1"][..], "must be a whole number from 0 to"),
    ] {
        let mut all = vec!["check", "m.yaml"];
        all.extend_from_slice(args);
        let err = s.run(&all).expect(2).stderr();
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!s.exists("traces"));
    }
    // Values ignore case; the flags that do mean something are accepted.
    let j = s
        .run(&[
            "check",
            "m.yaml",
            "--consistency",
            "Informer",
            "--relist",
            "LATEST",
            "--lag",
            "zero",
            "--strategy",
            "BFS",
            "--property",
            "k2",
            "--json",
        ])
        .expect(0)
        .json();
    assert_eq!(j["consistency"], "informer");
    assert_eq!(j["properties"][0]["id"], "K2");
    let cores = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(256);
    assert_eq!(j["threads"], cores, "the cores by default");
}

#[test]
fn properties_about_kinds_the_model_lacks_are_not_applicable() {
    let s = Scratch::new();
    s.write(
        "m.yaml",
        &tiny("").replace("properties: [P8, K2]", "properties: [P5, D1, K2]"),
    );
    let out = s.run(&["check", "m.yaml"]).expect(0).stdout();
    assert!(out.contains("P5    not applicable"), "{out}");
    assert!(out.contains("(the model has no Job)"), "{out}");
    assert!(out.contains("D1    not applicable"), "{out}");
    assert!(out.contains("K2    holds"), "{out}");
    let j = s.run(&["check", "m.yaml", "--json"]).expect(0).json();
    let property = |id: &str| {
        j["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .expect("the property is reported")
    };
    assert_eq!(property("P5")["verdict"], "not-applicable");
    assert_eq!(property("P5")["reason"], "the model has no Job");
    assert_eq!(property("D1")["verdict"], "not-applicable");
    assert_eq!(property("K2")["verdict"], "holds");
}

#[test]
fn a_model_that_proves_little_gets_a_warning() {
    let s = Scratch::new();
    let idle = tiny("").replace("controllers:\n  scheduler: 1\n", "controllers: {}\n");
    s.write("idle.yaml", &idle);
    let run = s.run(&["check", "idle.yaml"]).expect(0);
    assert!(
        run.stderr()
            .contains("warning: the model has no controllers"),
        "{}",
        run.stderr()
    );
    let j = s.run(&["check", "idle.yaml", "--json"]).expect(0).json();
    assert!(
        j["warnings"][0]
            .as_str()
            .unwrap()
            .contains("no controllers"),
        "{j}"
    );
    let tight = tiny("")
        .replace(
            "controllers:\n  scheduler: 1\n",
            "controllers:\n  scheduler: 1\n  nodes: {count: 2, capacity: {cpu: \"1\", pods: 10}}\n",
        )
        .replace(
            "image: \"nginx:1\"",
            "image: \"nginx:1\"\n              resources: {requests: {cpu: \"2\"}}",
        );
    s.write("tight.yaml", &tight);
    let err = s.run(&["check", "tight.yaml", "--max-depth", "2"]).stderr();
    assert!(
        err.contains("warning: the pods of Deployment/web fit on no node")
            && err.contains("a pod requests more cpu than it has"),
        "{err}"
    );
    let roomy = tight.replace("cpu: \"1\"", "cpu: \"4\"");
    s.write("roomy.yaml", &roomy);
    let err = s.run(&["check", "roomy.yaml", "--max-depth", "2"]).stderr();
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn progress_goes_to_a_log_every_few_seconds_unless_turned_off() {
    let s = Scratch::new();
    let mut args = slow_bfs();
    args.extend(["--timeout", "2.5", "-q"].map(String::from));
    let auto: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut never = auto.clone();
    never.extend(["--progress", "never"]);
    let mut json = auto.clone();
    json.push("--json");
    let mut always = json.clone();
    always.extend(["--progress", "always"]);
    let [a, n, j, aj] = std::thread::scope(|scope| {
        let runs = [&auto, &never, &json, &always].map(|args| {
            let s = &s;
            scope.spawn(move || s.run(args).expect(0).stderr())
        });
        runs.map(|r| r.join().unwrap())
    });
    assert!(a.lines().any(|l| l.starts_with("progress: states ")), "{a}");
    assert!(!a.contains('\r'), "no terminal redraws in a log: {a:?}");
    assert!(!n.contains("progress"), "{n}");
    assert!(
        !j.contains("progress"),
        "none beside JSON unless asked: {j}"
    );
    assert!(aj.contains("progress: states "), "{aj}");
}

#[test]
fn ignored_fields_are_one_line_and_quiet_hides_it() {
    let s = Scratch::new();
    let stale = crate::support::shipped_models().join("statefulset-stale-reads.yaml");
    let stale = stale.to_str().unwrap();
    let run = s.run(&["check", stale, "--max-depth", "1"]).expect(0);
    let err = run.stderr();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].ends_with(
            "1 field not modelled (ignored; --quiet hides this): StatefulSet/web: spec.template.spec.containers[0].ports (line 44)"
        ),
        "{err}"
    );
    let quiet = s
        .run(&["check", stale, "--max-depth", "1", "--quiet"])
        .expect(0);
    assert_eq!(quiet.stderr(), "");
}

#[test]
fn a_counterexample_ends_with_the_state_that_breaks_the_property_and_a_legend() {
    let s = Scratch::new();
    let stale = crate::support::shipped_models().join("statefulset-stale-reads.yaml");
    let out = s
        .run(&["check", stale.to_str().unwrap(), "--trace-dir", "t"])
        .expect(1)
        .stdout();
    let then = out.find("        then:").expect("the last state is shown");
    let state = &out[then..];
    assert!(
        state.contains("Pod web-0: bound to node-2, Running; running on node-1 and node-2"),
        "{out}"
    );
    assert_eq!(out.matches("(rN: revision N").count(), 1, "{out}");
    assert_eq!(out.matches("(alternative K:").count(), 1, "{out}");
    let legend = out.find("(rN: revision N").unwrap();
    let first_revision = out.find(" r9").unwrap();
    assert!(
        legend < first_revision,
        "the legend comes before its first use: {out}"
    );
    assert!(
        out.contains(
            "restart node node-1 => the kubelet of node-1 restarted (its running pods and session lost) and its Node was removed: force-delete Node node-1"
        ),
        "{out}"
    );
    for debug in ["Some(", "None", " { ", "\\\""] {
        assert!(!out.contains(debug), "no debug formatting ({debug}): {out}");
    }
}
