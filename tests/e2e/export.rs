//! `orchard export` (a trace as ITF) and `orchard state` (a state as `kubectl get -o yaml`):
//! the ITF of every shipped trace keeps ITF's rules, the state parses, shows the stale-reads
//! bug, and is what kubectl takes; bad input is named. Also `orchard dag`'s `--timeout` and
//! signals while a model's start state settles.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{
    Scratch, shipped_models, shipped_trace as trace, shipped_traces, slow_settling,
};

// ---- ITF, checked by its rules (Apalache ADR-015) ----

/// Why `value` is not an ITF value as orchard writes it (every integer a `#bigint`), if it
/// is not: `at` names where.
fn itf_value(value: &Value, at: &str) -> Result<(), String> {
    let each = |items: &[Value], at: &str| {
        items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| itf_value(v, &format!("{at}[{i}]")))
    };
    match value {
        Value::Null => Err(format!("{at}: null is not an ITF value")),
        Value::Number(n) => Err(format!("{at}: bare number {n} (integers are #bigint)")),
        Value::Bool(_) | Value::String(_) => Ok(()),
        Value::Array(items) => each(items, at),
        Value::Object(map) => {
            let special: Vec<&String> = map.keys().filter(|k| k.starts_with('#')).collect();
            if special.is_empty() {
                if map.contains_key("tag") {
                    // A Quint variant: a string tag and one value.
                    let keys: BTreeSet<&str> = map.keys().map(String::as_str).collect();
                    if keys != BTreeSet::from(["tag", "value"]) || !map["tag"].is_string() {
                        return Err(format!("{at}: a variant is {{tag, value}}: {value}"));
                    }
                }
                return map
                    .iter()
                    .try_for_each(|(k, v)| itf_value(v, &format!("{at}.{k}")));
            }
            if map.len() != 1 {
                return Err(format!("{at}: {special:?} beside other keys"));
            }
            let (key, inner) = map.iter().next().expect("one key");
            match (key.as_str(), inner) {
                ("#bigint", Value::String(digits)) => {
                    let body = digits.strip_prefix('-').unwrap_or(digits);
                    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(format!("{at}: #bigint {digits:?} is not an integer"));
                    }
                    Ok(())
                }
                ("#set" | "#tup", Value::Array(items)) => each(items, &format!("{at}.{key}")),
                ("#map", Value::Array(pairs)) => {
                    pairs
                        .iter()
                        .enumerate()
                        .try_for_each(|(i, pair)| match pair {
                            Value::Array(kv) if kv.len() == 2 => {
                                each(kv, &format!("{at}.#map[{i}]"))
                            }
                            _ => Err(format!("{at}.#map[{i}]: not a [key, value] pair")),
                        })
                }
                ("#unserializable", Value::String(_)) => Ok(()),
                _ => Err(format!("{at}: bad {key}: {inner}")),
            }
        }
    }
}

/// Why `trace` is not an ITF trace of `states` states, if it is not.
fn itf_trace(trace: &Value, states: usize) -> Result<(), String> {
    let meta = trace["#meta"].as_object().ok_or("no #meta object")?;
    if meta.get("format") != Some(&json!("ITF")) {
        return Err(format!("#meta.format is not ITF: {meta:?}"));
    }
    for key in ["source", "description", "format-description"] {
        if !meta.get(key).is_some_and(Value::is_string) {
            return Err(format!("#meta.{key} is not a string"));
        }
    }
    let vars: Vec<&str> = trace["vars"]
        .as_array()
        .ok_or("no vars")?
        .iter()
        .map(|v| v.as_str().ok_or("a var is not a string"))
        .collect::<Result<_, _>>()?;
    let var_set: BTreeSet<&str> = vars.iter().copied().collect();
    if var_set.len() != vars.len() || vars.is_empty() {
        return Err(format!("vars empty or repeated: {vars:?}"));
    }
    let list = trace["states"].as_array().ok_or("no states")?;
    if list.len() != states {
        return Err(format!("{} states, not {states}", list.len()));
    }
    let top: BTreeSet<&str> = trace
        .as_object()
        .ok_or("not an object")?
        .keys()
        .map(String::as_str)
        .collect();
    if !top.is_subset(&BTreeSet::from([
        "#meta", "params", "vars", "states", "loop",
    ])) {
        return Err(format!("unknown top-level keys: {top:?}"));
    }
    for (i, state) in list.iter().enumerate() {
        let map = state
            .as_object()
            .ok_or(format!("states[{i}] is not an object"))?;
        if map.get("#meta").and_then(|m| m.get("index")) != Some(&json!(i)) {
            return Err(format!("states[{i}].#meta.index is not {i}"));
        }
        let keys: BTreeSet<&str> = map
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "#meta")
            .collect();
        if keys != var_set {
            return Err(format!("states[{i}] has {keys:?}, not exactly the vars"));
        }
        for var in &vars {
            itf_value(&map[*var], &format!("states[{i}].{var}"))?;
        }
    }
    Ok(())
}

#[test]
fn the_validator_refuses_what_itf_does_not_allow() {
    let good = json!({
        "#meta": {"format": "ITF", "source": "t", "description": "d", "format-description": "u"},
        "vars": ["x"],
        "states": [{"#meta": {"index": 0}, "x": {"#bigint": "3"}}],
    });
    assert_eq!(itf_trace(&good, 1), Ok(()));
    let mut bare = good.clone();
    bare["states"][0]["x"] = json!(3);
    assert!(itf_trace(&bare, 1).unwrap_err().contains("bare number"));
    let mut extra = good.clone();
    extra["states"][0]["y"] = json!(true);
    assert!(
        itf_trace(&extra, 1)
            .unwrap_err()
            .contains("exactly the vars")
    );
    let mut null = good.clone();
    null["states"][0]["x"] = json!({"a": null});
    assert!(itf_trace(&null, 1).unwrap_err().contains("null"));
    let mut digits = good.clone();
    digits["states"][0]["x"] = json!({"#bigint": "1e3"});
    assert!(itf_trace(&digits, 1).is_err());
    assert!(itf_trace(&good, 2).unwrap_err().contains("1 states"));
}

#[test]
fn every_shipped_trace_exports_as_valid_itf() {
    let s = Scratch::new();
    for t in shipped_traces() {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&t).unwrap()).unwrap();
        let steps = file["steps"].as_array().unwrap().len();
        let violated = file["violation"]["step"].as_u64().unwrap() as usize;
        s.run(&["export", &t, "--format", "itf", "-o", "out/t.itf.json"])
            .expect(0);
        let itf: Value = serde_json::from_str(&s.read("out/t.itf.json")).expect("JSON");
        if let Err(e) = itf_trace(&itf, steps + 1) {
            panic!("{t}: {e}");
        }
        let states = itf["states"].as_array().unwrap();
        assert_eq!(states[0]["mbt::actionTaken"], "init", "{t}");
        assert_eq!(states[violated]["property"]["holds"], false, "{t}");
        assert_eq!(
            states[violated]["property"]["id"],
            file["violation"]["property"]
        );
    }
    // Standard output by default, the same text.
    let t = trace("statefulset-stale-reads-P8-resettable-session.json");
    let out = s.run(&["export", &t]).expect(0).stdout();
    s.run(&["export", &t, "-o", "again.json"]).expect(0);
    assert_eq!(out, s.read("again.json"));
}

#[test]
fn the_stale_reads_itf_shows_both_nodes_running_web_0() {
    let s = Scratch::new();
    let t = trace("statefulset-stale-reads-P8-resettable-session.json");
    let itf: Value = serde_json::from_str(&s.run(&["export", &t]).expect(0).stdout()).unwrap();
    let last = itf["states"].as_array().unwrap().last().unwrap().clone();
    let controllers = &last["controllers"];
    let uid = |node: &str| controllers[node]["running"]["web-0"]["uid"].clone();
    assert!(
        uid("node-1").is_string() && uid("node-2").is_string(),
        "{controllers}"
    );
    assert_ne!(uid("node-1"), uid("node-2"));
    let pod = &last["resources"]["Pod"]["web-0"];
    assert_eq!(pod["apiVersion"], "v1");
    assert_eq!(pod["spec"]["nodeName"], "node-2");
    assert_eq!(pod["metadata"]["resourceVersion"], "16");
    assert_eq!(last["revision"], json!({"#bigint": "16"}));
    assert_eq!(
        controllers["node-1"]["session"]["read"]["at"],
        json!({"#bigint": "7"})
    );
    assert_eq!(last["action"]["describe"], "node-2 reads r14");
    assert_eq!(last["mbt::nondetPicks"]["controller"]["value"], "node-2");
    assert_eq!(last["budgets"][1]["used"], json!({"#bigint": "1"}));
}

// ---- orchard state ----

fn items(list: &Value) -> &Vec<Value> {
    list["items"].as_array().expect("items")
}

fn web_0_nodes(list: &Value) -> Vec<String> {
    items(list)
        .iter()
        .filter(|o| o["kind"] == "Pod" && o["metadata"]["name"] == "web-0")
        .map(|o| o["spec"]["nodeName"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_state_prints_as_kubectl_get_does() {
    let s = Scratch::new();
    let t = trace("statefulset-stale-reads-P8-resettable-session.json");
    let yaml = s.run(&["state", &t]).expect(0).stdout();
    let list: Value = serde_saphyr::from_str(&yaml).expect("YAML");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["kind"], "List");
    assert_eq!(list["metadata"], json!({"resourceVersion": ""}));
    assert!(yaml.contains("resourceVersion: \"16\""), "a string: {yaml}");
    for o in items(&list) {
        let meta = o["metadata"].as_object().expect("metadata");
        for key in ["name", "uid", "resourceVersion", "creationTimestamp"] {
            assert!(meta.contains_key(key), "{key} in {o}");
        }
        assert!(o["apiVersion"].is_string() && o["kind"].is_string(), "{o}");
    }
    // The store has web-0 on node-2; node-1, restarted, last read r7, where it ran there.
    assert_eq!(web_0_nodes(&list), ["node-2"]);
    let seen: Value =
        serde_saphyr::from_str(&s.run(&["state", &t, "--as", "node-1"]).expect(0).stdout())
            .unwrap();
    assert_eq!(web_0_nodes(&seen), ["node-1"]);
    // JSON is the same list; the start state has no pod yet bound to node-2.
    let json: Value =
        serde_json::from_str(&s.run(&["state", &t, "-o", "json"]).expect(0).stdout()).unwrap();
    assert_eq!(json, list);
    let start: Value =
        serde_saphyr::from_str(&s.run(&["state", &t, "--step", "0"]).expect(0).stdout()).unwrap();
    assert_eq!(web_0_nodes(&start), ["node-1"]);
    // For apply: nothing only a server sets.
    s.run(&["state", &t, "--for-apply", "--output-file", "apply.yaml"])
        .expect(0);
    let apply: Value = serde_saphyr::from_str(&s.read("apply.yaml")).unwrap();
    for o in items(&apply) {
        assert!(o.get("status").is_none(), "{o}");
        let meta = o["metadata"].as_object().unwrap();
        assert!(
            !meta.contains_key("uid") && !meta.contains_key("resourceVersion"),
            "{o}"
        );
    }
}

#[test]
fn bad_input_is_named_with_exit_2() {
    let s = Scratch::new();
    let t = trace("statefulset-stale-reads-P8-resettable-session.json");
    let err = s.run(&["state", &t, "--step", "99"]).expect(2).stderr();
    assert!(
        err.contains("--step 99")
            && err.contains("has 9 steps")
            && err.contains("0 (the start state) to 9"),
        "{err}"
    );
    let err = s.run(&["state", "missing.json"]).expect(2).stderr();
    assert!(err.contains("missing.json: cannot read the trace"), "{err}");
    let err = s.run(&["export", "missing.json"]).expect(2).stderr();
    assert!(err.contains("missing.json: cannot read the trace"), "{err}");
    let model = shipped_models().join("statefulset-stale-reads.yaml");
    let model = model.to_str().unwrap();
    for command in ["state", "export"] {
        let err = s.run(&[command, model]).expect(2).stderr();
        assert!(
            err.contains("statefulset-stale-reads.yaml:1: this file is"),
            "{err}"
        );
        assert!(err.contains("not a trace"), "{err}");
    }
    let broken = s.write("broken.json", "{\n  \"format\": 1,\n  \"model\": 3\n}\n");
    let err = s.run(&["export", &broken]).expect(2).stderr();
    assert!(err.contains("broken.json:3:"), "{err}");
    let err = s.run(&["state", &t, "--as", "nod-1"]).expect(2).stderr();
    assert!(err.contains("did you mean node-1?"), "{err}");
    std::fs::create_dir(s.path().join("dir")).unwrap();
    let err = s.run(&["export", &t, "-o", "dir"]).expect(2).stderr();
    assert!(err.contains("cannot write dir"), "{err}");
    let err = s.run(&["export", &t, "--format", "tla"]).expect(2).stderr();
    assert!(err.contains("tla"), "{err}");
}

// ---- kubectl ----

/// A stand-in for an API server, enough for `kubectl apply --dry-run=client
/// --validate=false`: discovery of the modelled kinds, and 404 for every object (so each is
/// a create). Returns its address.
fn fake_api_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    address
}

fn resource(name: &str, kind: &str, namespaced: bool) -> Value {
    json!({"name": name, "singularName": kind.to_lowercase(), "namespaced": namespaced,
           "kind": kind, "verbs": ["create", "delete", "get", "list", "patch", "update"]})
}

fn route(path: &str) -> (u16, Value) {
    let group = |name: &str| {
        json!({"name": name, "versions": [{"groupVersion": format!("{name}/v1"), "version": "v1"}],
               "preferredVersion": {"groupVersion": format!("{name}/v1"), "version": "v1"}})
    };
    let list = |gv: &str, resources: Vec<Value>| {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
               "resources": resources})
    };
    match path {
        "/version" => (
            200,
            json!({"major": "1", "minor": "32", "gitVersion": "v1.32.0"}),
        ),
        "/api" => (200, json!({"kind": "APIVersions", "versions": ["v1"]})),
        "/apis" => (
            200,
            json!({"kind": "APIGroupList", "apiVersion": "v1",
                   "groups": [group("apps"), group("batch")]}),
        ),
        "/api/v1" => (
            200,
            list(
                "v1",
                vec![
                    resource("nodes", "Node", false),
                    resource("pods", "Pod", true),
                    resource("persistentvolumeclaims", "PersistentVolumeClaim", true),
                ],
            ),
        ),
        "/apis/apps/v1" => (
            200,
            list(
                "apps/v1",
                vec![
                    resource("replicasets", "ReplicaSet", true),
                    resource("deployments", "Deployment", true),
                    resource("statefulsets", "StatefulSet", true),
                    resource("controllerrevisions", "ControllerRevision", true),
                ],
            ),
        ),
        "/apis/batch/v1" => (200, list("batch/v1", vec![resource("jobs", "Job", true)])),
        _ => (
            404,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                   "reason": "NotFound", "code": 404, "message": "not found"}),
        ),
    }
}

fn serve(stream: std::net::TcpStream) {
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request).unwrap_or(0) == 0 {
            return;
        }
        let mut length = 0;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let target = request.split_whitespace().nth(1).unwrap_or("/");
        let path = target.split('?').next().unwrap_or(target);
        let (code, value) = route(path);
        let body = value.to_string();
        let head = format!(
            "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            if code == 200 { "OK" } else { "Not Found" },
            body.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(body.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// `kubectl apply --dry-run=client` of `file` against the stand-in server.
fn kubectl_apply(s: &Scratch, server: &str, file: &str) -> std::process::Output {
    Command::new("kubectl")
        .args(["apply", "--dry-run=client", "--validate=false", "-f", file])
        .args([
            "-s",
            server,
            "--cache-dir",
            "kube-cache",
            "--request-timeout",
            "10s",
        ])
        .env("KUBECONFIG", s.path().join("no-kubeconfig"))
        .current_dir(s.path())
        .output()
        .expect("kubectl runs")
}

#[test]
fn kubectl_applies_every_shipped_state() {
    if Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        println!("skipped: kubectl is not installed (kubectl apply --dry-run=client not tried)");
        return;
    }
    let s = Scratch::new();
    let server = fake_api_server();
    // Every shipped trace's last state, as printed and for apply, in one kubectl run each
    // (kubectl takes a directory; the dry run creates each object on its own).
    for (dir, extra) in [("printed", None), ("for-apply", Some("--for-apply"))] {
        let mut objects = 0;
        for (i, t) in shipped_traces().iter().enumerate() {
            let file = format!("{dir}/{i:02}.yaml");
            let mut args = vec!["state", t, "--output-file", &file];
            args.extend(extra);
            s.run(&args).expect(0);
            let list: Value = serde_saphyr::from_str(&s.read(&file)).unwrap();
            objects += items(&list).len();
        }
        let out = kubectl_apply(&s, &server, dir);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{dir}: {stdout}\n{stderr}");
        let created = stdout
            .lines()
            .filter(|l| l.ends_with("created (dry run)"))
            .count();
        assert_eq!(created, objects, "{dir}: {stdout}\n{stderr}");
    }
    // The other way: a kind the server does not serve is refused.
    let bogus = s.write(
        "bogus.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Bogus\n  metadata: {name: b}\n",
    );
    let out = kubectl_apply(&s, &server, &bogus);
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

// ---- orchard dag: --timeout and signals while settling ----

#[test]
fn dag_stops_settling_at_its_timeout_and_on_sigint() {
    let s = Scratch::new();
    let big = slow_settling(&s);
    let started = Instant::now();
    let err = s.run(&["dag", &big, "--timeout", "0.3"]).expect(2).stderr();
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(1300),
        "--timeout 0.3 took {took:?}"
    );
    assert!(
        err.contains("big.yaml: the start state did not settle within --timeout"),
        "{err}"
    );
    // A model that settles at once prints within the same timeout.
    let small = shipped_models().join("statefulset-stale-reads.yaml");
    let out = s
        .run(&["dag", small.to_str().unwrap(), "--timeout", "30"])
        .expect(0)
        .stdout();
    assert!(out.contains("r1 start"), "{out}");

    let child = Command::new(env!("CARGO_BIN_EXE_orchard"))
        .args(["dag", &big])
        .current_dir(s.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("orchard starts");
    std::thread::sleep(Duration::from_millis(300));
    let pid = i32::try_from(child.id()).expect("a pid");
    let signalled = Instant::now();
    // SAFETY: kill(2) with a pid this test started and a valid signal number.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = child.wait_with_output().expect("orchard ends");
    assert!(
        signalled.elapsed() < Duration::from_secs(1),
        "{:?}",
        signalled.elapsed()
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(
        err.contains("stopped by SIGINT while settling the start state"),
        "{err}"
    );
}
