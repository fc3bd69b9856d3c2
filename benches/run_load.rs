//! Load figures of `orchard run` (issue 20): writes per second sustained by the whole
//! controller manager (every controller task, the environment, the recorder and its property
//! monitor) on the memory store, a 1-member and a 3-member etcd, and kubectl-API requests per
//! second against `orchard run --serve` while the manager runs.
//!
//! `cargo bench --bench run_load [-- TARGET...]` (release), TARGET among `memory`, `etcd-1`,
//! `etcd-3`, `kubeapi` (default: all). Each runs the `orchard` binary on the load model
//! `benches/run-load.yaml` (a ReplicaSet scaled between 12 replicas and 1 many times over four
//! nodes, so that the manager keeps creating, binding, running and deleting pods) with
//! `--json`, against a private etcd started here (on loopback, in a temporary directory) and
//! given by `--etcd URL[,URL...]`. A store's figure is the store revisions committed between
//! the first and the last status line over the seconds between them (every write of the run:
//! controllers' and environment's); the controllers' own writes are shown beside it. The
//! kubectl figure is a bounded loop of GET, LIST (label selector) and merge PATCH requests on
//! one keep-alive connection, timed per kind. Run by `cargo test --all-targets` (no
//! `--bench` argument), it only checks itself: the memory store and the API for a second.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use orchard::store::EtcdProcess;
use serde_json::Value;

#[path = "support/http_client.rs"]
mod http_client;
use http_client::Client;

/// The orchard binary, built by cargo for this bench.
const ORCHARD: &str = env!("CARGO_BIN_EXE_orchard");

/// The load model.
const MODEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/run-load.yaml");

/// How long each run lasts, in seconds.
const RUN_SECONDS: u64 = 20;

/// How long each run lasts when the bench is run as a test.
const QUICK_SECONDS: u64 = 6;

/// How many requests of each kind the kubectl loop sends.
const REQUESTS: usize = 2000;

/// How many when the bench is run as a test.
const QUICK_REQUESTS: usize = 20;

/// The targets, by the name that selects them.
const TARGETS: [&str; 4] = ["memory", "etcd-1", "etcd-3", "kubeapi"];

/// What one run sustained.
struct Sustained {
    /// Store revisions per second between the first and the last status line.
    writes_per_second: f64,
    /// The controllers' writes per second over the same span.
    controller_writes_per_second: f64,
    /// The revisions committed over the span.
    revisions: u64,
    /// The span, in seconds.
    seconds: f64,
    /// The run's result line (`holds`, `violated`, `refused`).
    result: String,
}

fn controller_writes(status: &Value) -> u64 {
    status["controllers"]
        .as_array()
        .map_or(0, |cs| cs.iter().filter_map(|c| c["writes"].as_u64()).sum())
}

/// Reads a run's JSON lines: the sustained figures.
fn sustained(stdout: &str) -> Sustained {
    let lines: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let statuses: Vec<&Value> = lines
        .iter()
        .filter_map(|l| l.get("status"))
        .filter(|s| s["revision"].as_u64().is_some())
        .collect();
    let result = lines
        .iter()
        .rev()
        .find_map(|l| l["result"].as_str())
        .unwrap_or("still running")
        .to_string();
    let (Some(first), Some(last)) = (statuses.first(), statuses.last()) else {
        panic!("no status line in the run's output:\n{stdout}");
    };
    let seconds = last["elapsed"].as_f64().unwrap() - first["elapsed"].as_f64().unwrap();
    let revisions = last["revision"].as_u64().unwrap() - first["revision"].as_u64().unwrap();
    let writes = controller_writes(last) - controller_writes(first);
    let seconds = seconds.max(f64::EPSILON);
    Sustained {
        writes_per_second: revisions as f64 / seconds,
        controller_writes_per_second: writes as f64 / seconds,
        revisions,
        seconds,
        result,
    }
}

/// `orchard run` on the load model with these store arguments, in `dir`.
fn orchard_run(dir: &Path, store: &[String], seconds: u64, extra: &[String]) -> Command {
    let mut command = Command::new(ORCHARD);
    command
        .current_dir(dir)
        .args(["run", MODEL, "--json", "--seed", "1", "--trace", "t.json"])
        // One continuous run: episodes would empty the store between short runs.
        .arg("--one-episode")
        .args(["--duration", &seconds.to_string()])
        .args(store)
        .args(extra);
    command
}

/// Runs `command` and reads its JSON lines until a status line past `seconds` or the result
/// line, then stops it (the figures are in the status lines; writing a long run's trace at the
/// end is not part of the load measured).
fn status_lines(mut command: Command, seconds: u64) -> String {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("orchard runs");
    let stdout = child.stdout.take().expect("stdout piped");
    let mut read = String::new();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let value: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        read.push_str(&line);
        read.push('\n');
        let past = value["status"]["elapsed"]
            .as_f64()
            .is_some_and(|e| e >= seconds as f64 - 0.3);
        if past || value.get("result").is_some() {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    read
}

fn measure_store(label: &str, store: &[String], seconds: u64) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let stdout = status_lines(orchard_run(dir.path(), store, seconds, &[]), seconds);
    let s = sustained(&stdout);
    assert!(s.revisions > 0, "{label}: no write in the run\n{stdout}");
    println!(
        "{label:>8}  {:>8.0} writes/s  ({} revisions in {:.1} s; controllers {:.0} writes/s; recorder: {})",
        s.writes_per_second, s.revisions, s.seconds, s.controller_writes_per_second, s.result
    );
}

/// A port free on 127.0.0.1 now.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The kubectl requests timed: name, method, path, type, body (`N`: the request's number).
const KUBECTL: [(&str, &str, &str, &str, &str); 3] = [
    (
        "get",
        "GET",
        "/apis/apps/v1/namespaces/default/replicasets/web",
        "",
        "",
    ),
    (
        "list",
        "GET",
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
        "",
        "",
    ),
    (
        "patch",
        "PATCH",
        "/apis/apps/v1/namespaces/default/replicasets/web",
        "application/merge-patch+json",
        r#"{"metadata":{"annotations":{"bench":"N"}}}"#,
    ),
];

/// Waits until the run says it serves (its stderr), then drains the rest in a thread.
fn wait_serving(child: &mut Child) {
    let stderr = child.stderr.take().expect("stderr piped");
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("serving the Kubernetes API") => break,
            Some(Ok(_)) if Instant::now() < deadline => {}
            other => panic!("orchard run --serve did not serve: {other:?}"),
        }
    }
    std::thread::spawn(move || for _ in lines {});
}

fn measure_kubeapi(seconds: u64, requests: usize) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, free_port()));
    // Long enough for the loop; the run ends by itself after it.
    let mut child = orchard_run(
        dir.path(),
        &["--store".into(), "memory".into()],
        seconds.max(5) * 6,
        &["--serve".into(), addr.to_string()],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .expect("orchard runs");
    wait_serving(&mut child);
    let mut client = Client::connect(addr);
    let mut figures = Vec::new();
    for (name, method, path, content_type, body) in KUBECTL {
        let start = Instant::now();
        for n in 0..requests {
            let body = body.replace('N', &n.to_string());
            let code = client.request(method, path, content_type, &body);
            assert_eq!(code, 200, "{method} {path}");
        }
        figures.push((name, requests as f64 / start.elapsed().as_secs_f64()));
    }
    let _ = child.kill();
    let _ = child.wait();
    for (name, rate) in figures {
        println!(
            "{name:>8}  {rate:>8.0} requests/s  (kubectl API of orchard run --serve on the memory store, {requests} requests, one connection)"
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let asked: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|t| args.iter().any(|a| a == t))
        .collect();
    let targets: Vec<&str> = match (bench, asked.is_empty()) {
        (false, _) => vec!["memory", "kubeapi"],
        (true, true) => TARGETS.to_vec(),
        (true, false) => asked,
    };
    let (seconds, requests) = if bench {
        (RUN_SECONDS, REQUESTS)
    } else {
        (QUICK_SECONDS, QUICK_REQUESTS)
    };
    println!("orchard run on benches/run-load.yaml, {seconds} s per run");
    for target in targets {
        match target {
            "memory" => measure_store("memory", &["--store".into(), "memory".into()], seconds),
            "etcd-1" | "etcd-3" => {
                let members = if target == "etcd-1" { 1 } else { 3 };
                let cluster = EtcdProcess::start_cluster(members).expect("a private etcd");
                let endpoints: Vec<&str> = cluster.iter().map(|m| m.endpoint()).collect();
                measure_store(
                    target,
                    &[
                        "--store".into(),
                        "etcd".into(),
                        "--etcd".into(),
                        endpoints.join(","),
                    ],
                    seconds,
                );
            }
            "kubeapi" => measure_kubeapi(seconds, requests),
            _ => unreachable!("targets are filtered"),
        }
    }
}
