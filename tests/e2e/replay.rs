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

/// A shipped trace, by absolute path.
fn shipped(name: &str) -> String {
    format!("{}/traces/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Every step of a printed report matched, and the property reproduced.
fn all_matched(out: &str, property: &str) {
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" -> r") && !l.contains("model -> store"))
        .collect();
    assert!(rows.len() > 5, "{out}");
    assert!(
        rows.iter()
            .all(|l| l.ends_with("  match") || l.contains("  match  (")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{property} is violated on the target")),
        "{out}"
    );
    assert!(out.contains("reproduce with: orchard replay"), "{out}");
}

#[test]
fn the_stale_reads_trace_from_check_replays_against_controllers_and_a_private_etcd() {
    let s = crate::support::Scratch::new();
    let model = format!(
        "{}/models/statefulset-stale-reads.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    s.run(&["check", &model]).expect(1);
    let trace = "traces/statefulset-stale-reads-P8-resettable-session.json";
    assert!(s.exists(trace));
    let out = s
        .run(&["replay", trace, "--against", "controllers"])
        .expect(0)
        .stdout();
    all_matched(&out, "P8");
    let out = s
        .run(&[
            "replay",
            trace,
            "--against",
            "etcd",
            "--start-etcd",
            "--report",
            "out/report.json",
        ])
        .expect(0)
        .stdout();
    all_matched(&out, "P8");
    assert!(out.contains("--start-etcd"), "{out}");
    let report: serde_json::Value = serde_json::from_str(&s.read("out/report.json")).unwrap();
    assert_eq!(report["reproduced"], true);
    assert!(report["target"].as_str().unwrap().starts_with("etcd"));
    let steps = report["steps"].as_array().unwrap();
    assert!(steps.iter().all(|r| r["matched"] == true));
    assert!(steps.iter().all(|r| r["storeRevision"].is_u64()));
}

#[test]
fn the_informer_trace_replays_against_controllers_and_a_private_etcd() {
    let s = crate::support::Scratch::new();
    let trace = shipped("statefulset-stale-reads-P8-informer.json");
    for target in [
        vec!["--against", "controllers"],
        vec!["--against", "etcd", "--start-etcd"],
    ] {
        let mut args = vec!["replay", trace.as_str()];
        args.extend(target);
        let out = s.run(&args).expect(0).stdout();
        all_matched(&out, "P8");
        // The restarted node lists its pods at an old revision: the stale read itself.
        assert!(out.contains("node-1 reads nodes@r2 pods@r6"), "{out}");
    }
}

#[test]
fn a_causal_trace_against_etcd_is_refused_naming_its_step_and_served_by_controllers() {
    let s = crate::support::Scratch::new();
    let trace = shipped("deployment-rollout-P8-causal.json");
    let run = s
        .run(&["replay", &trace, "--against", "etcd", "--start-etcd"])
        .expect(2);
    let err = run.stderr();
    assert!(err.contains("step 6"), "{err}");
    assert!(err.contains("cannot serve this history"), "{err}");
    assert!(err.contains("causal branch"), "{err}");
    let out = s
        .run(&["replay", &trace, "--against", "controllers"])
        .expect(0)
        .stdout();
    all_matched(&out, "P8");
}

#[test]
fn an_absent_etcd_gives_exit_2_naming_the_endpoint() {
    let s = crate::support::Scratch::new();
    let trace = shipped("statefulset-stale-reads-P8-informer.json");
    // A port nothing listens on: a free one, released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    let run = s
        .run(&["replay", &trace, "--against", "etcd", "--etcd", &endpoint])
        .expect(2);
    // The bound the command promises (the store's connect timeout is 4 s), not a benchmark.
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let err = run.stderr();
    assert!(err.contains(&endpoint), "{err}");
    assert!(err.contains("unreachable"), "{err}");
}

#[test]
fn etcd_flags_without_etcd_and_etcd_without_an_endpoint_are_bad_input() {
    let s = crate::support::Scratch::new();
    let trace = shipped("statefulset-stale-reads-P8-informer.json");
    let err = s
        .run(&["replay", &trace, "--against", "controllers", "--start-etcd"])
        .expect(2)
        .stderr();
    assert!(err.contains("--against etcd"), "{err}");
    let err = s
        .run(&["replay", &trace, "--against", "etcd"])
        .expect(2)
        .stderr();
    assert!(err.contains("--start-etcd"), "{err}");
}

/// A trace of format 1 (digests of the in-memory state) still replays, its digests checked the
/// old way; `--upgrade` rewrites it as format 2 in place, which replays with canonical
/// digests, and a second `--upgrade` leaves it as it is.
#[test]
fn a_format_1_trace_replays_and_upgrades_to_format_2() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/format1/replicaset-scale-P10-optimistic-linear.json"
    );
    let s = crate::support::Scratch::new();
    let old = std::fs::read_to_string(fixture).unwrap();
    assert!(old.contains("\"format\": 1,"), "the fixture is of format 1");
    s.write("old.json", &old);
    let out = s.run(&["replay", "old.json"]).expect(0).stdout();
    assert!(out.contains("P10"), "{out}");

    // A changed digest is refused in format 1 as in format 2.
    s.write(
        "broken.json",
        &old.replacen("\"digest\": \"", "\"digest\": \"0", 2),
    );
    let err = s.run(&["replay", "broken.json"]).expect(2).stderr();
    assert!(err.contains("digest"), "{err}");

    let out = s
        .run(&["replay", "old.json", "--upgrade"])
        .expect(0)
        .stdout();
    assert!(out.contains("from trace format 1 to format 2"), "{out}");
    let new = s.read("old.json");
    assert!(new.contains("\"format\": 2,"), "{new}");
    assert_ne!(old, new, "the digests are rewritten");
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&old).unwrap(),
        serde_json::from_str(&new).unwrap(),
    );
    assert_eq!(
        a["steps"].as_array().unwrap().len(),
        b["steps"].as_array().unwrap().len()
    );
    assert_eq!(a["steps"][0]["action"], b["steps"][0]["action"]);
    assert_ne!(a["steps"][0]["digest"], b["steps"][0]["digest"]);
    s.run(&["replay", "old.json"]).expect(0);
    let out = s
        .run(&["replay", "old.json", "--upgrade"])
        .expect(0)
        .stdout();
    assert!(out.contains("already trace format 2"), "{out}");
    assert_eq!(s.read("old.json"), new);

    // A trace that does not replay is not upgraded.
    s.run(&["replay", "broken.json", "--upgrade"]).expect(2);
    assert!(s.read("broken.json").contains("\"format\": 1,"));
}

/// The etcd processes whose parent is `parent`, with their `--data-dir`.
fn etcd_children(parent: u32) -> Vec<(u32, std::path::PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc is readable") {
        let Ok(pid) = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .parse::<u32>()
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`: the command name may hold spaces, so split after `)`.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map_or("", |(_, c)| c);
        let ppid = tail
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if comm != "etcd" || ppid != Some(parent) {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args: Vec<String> = cmdline
            .split(|&b| b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        if let Some(i) = args.iter().position(|a| a == "--data-dir") {
            out.push((pid, std::path::PathBuf::from(&args[i + 1])));
        }
    }
    out
}

/// Whether a process is alive (present and not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let (_, tail) = stat.rsplit_once(')')?;
            tail.split_whitespace().next().map(|state| state != "Z")
        })
        .unwrap_or(false)
}

/// `orchard replay` of the slow trace on a private etcd (`--start-etcd`), sent `signals`
/// SIGINTs in a row once its etcd runs: its exit code, stderr, and the etcd's pid and
/// data directory.
fn replay_on_etcd_interrupted(signals: usize) -> (i32, String, u32, std::path::PathBuf) {
    let s = crate::support::Scratch::new();
    let trace = slow_trace(&s);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_orchard"))
        .args(["replay", &trace, "--against", "etcd", "--start-etcd"])
        .current_dir(s.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("orchard starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let (etcd, data) = loop {
        if let Some(found) = etcd_children(child.id()).pop() {
            break found;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no private etcd started within 20 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let dir = data.parent().expect("the member's directory");
    assert!(dir.exists(), "{} exists while etcd runs", dir.display());
    // Into the replay (settling the slow trace's start on etcd takes seconds).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = i32::try_from(child.id()).expect("a pid");
    for _ in 0..signals {
        // SAFETY: kill(2) with a pid this test started and a valid signal number.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
        // Two pending SIGINTs are one to the kernel: let the handler run between them.
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let out = child.wait_with_output().expect("orchard ends");
    let code = out
        .status
        .code()
        .expect("an exit code: the signal is handled");
    (
        code,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        etcd,
        data,
    )
}

/// A second Ctrl-C exits at once, and first stops the private etcd and removes its data.
#[test]
#[ignore = "timing-dependent: slow.json is refused (exit 2, its initial digest) once settling ends; needs a valid long trace"]
fn a_second_sigint_stops_the_private_etcd_and_removes_its_data() {
    let (code, err, etcd, data) = replay_on_etcd_interrupted(2);
    assert_eq!(code, 130, "{err}");
    // The second signal lands while the first one's clean stop is under way; when that stop
    // wins the race (it takes milliseconds), the process is gone before the second is read.
    assert!(
        err.contains(&format!(
            "a second SIGINT: stopped the private etcd (pid {etcd})"
        )) || err.contains("replay stopped by SIGINT"),
        "{err}"
    );
    assert!(!alive(etcd), "etcd {etcd} is still running");
    let dir = data.parent().expect("the member's directory");
    assert!(!dir.exists(), "{} is left behind", dir.display());
}

/// One Ctrl-C stops the replay cleanly: the partial report, the etcd stopped and its data
/// removed as at any end, and not the second signal's hurried exit.
#[test]
#[ignore = "timing-dependent: slow.json is refused (exit 2, its initial digest) once settling ends; needs a valid long trace"]
fn one_sigint_stops_a_replay_on_a_private_etcd_cleanly() {
    let (code, err, etcd, data) = replay_on_etcd_interrupted(1);
    assert_eq!(code, 130, "{err}");
    assert!(err.contains("replay stopped by SIGINT"), "{err}");
    assert!(!err.contains("a second SIGINT"), "{err}");
    assert!(!alive(etcd), "etcd {etcd} is still running");
    let dir = data.parent().expect("the member's directory");
    assert!(!dir.exists(), "{} is left behind", dir.display());
}
