//! What the kubectl tests share, whether the API is served in-process (`kubeapi.rs`) or by
//! `orchard run --serve` (`run_serve.rs`): the real kubectl, a background `kubectl get pods
//! -w`, the StatefulSet flow (apply, watch, scale, delete and recreate, a stale update), raw
//! HTTP requests, and the table of malformed requests with the codes they must get.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The manifests and models of the kubectl tests.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/kubeapi");

/// How long anything here waits for the cluster to get somewhere.
pub const PATIENCE: Duration = Duration::from_secs(20);

pub fn kubectl(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(config)
        .args(args)
        .output()
        .expect("kubectl runs")
}

pub fn kubectl_ok(config: &Path, args: &[&str]) -> String {
    let out = kubectl(config, args);
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `kubectl get pods -w` in the background, one `name uid node deleting` line per event.
pub struct PodWatch {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl PodWatch {
    pub fn start(config: &Path) -> PodWatch {
        let template = r#"{.metadata.name} {.metadata.uid} node={.spec.nodeName} del={.metadata.deletionTimestamp}{"\n"}"#;
        let mut child = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(config)
            .args(["get", "pods", "-w", "-o", &format!("jsonpath={template}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("kubectl get -w starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        PodWatch {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for an event line that `wanted` accepts and returns it.
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        wait_for_line(&self.lines, &mut self.seen, wanted).unwrap_or_else(|| {
            panic!(
                "kubectl get pods -w never showed {what}; it showed {:#?}",
                self.seen
            )
        })
    }
}

/// Waits up to [`PATIENCE`] for a line from `lines` that `wanted` accepts, keeping every line
/// read in `seen`; `None` when none came in time.
pub fn wait_for_line(
    lines: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    wanted: impl Fn(&str) -> bool,
) -> Option<String> {
    let deadline = Instant::now() + PATIENCE;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let line = lines.recv_timeout(left).ok()?;
        seen.push(line.clone());
        if wanted(&line) {
            return Some(line);
        }
    }
    None
}

impl Drop for PodWatch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn scheduled(name: &'static str) -> impl Fn(&str) -> bool {
    move |line: &str| {
        let fields: Vec<&str> = line.split(' ').collect();
        fields.first() == Some(&name) && !line.contains("node= ") && line.ends_with("del=")
    }
}

/// One raw HTTP request; the status code and the body as JSON.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let code = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = serde_json::from_str(body.trim()).unwrap_or(Value::Null);
    (code, body)
}

pub fn statefulset(name: &str, replicas: i64, selector: &str) -> String {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": name, "labels": {"app": "web"}},
        "spec": {"replicas": replicas, "serviceName": "web",
                 "selector": {"matchLabels": {"app": selector}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "c", "image": "nginx:1"}]}}}
    })
    .to_string()
}

/// Drives a cluster of two nodes with the scheduler and the StatefulSet controller through
/// kubectl (blocking): `apply` the `web` StatefulSet, `get pods -w` sees its pods created and
/// scheduled, `scale` to 3, `delete pod web-0` and its recreation with a new uid, a stale
/// `replace` refused with a Conflict, a merge patch, and a second `apply` configuring it.
pub fn drive_statefulset(config: &Path) {
    let config = config.to_path_buf();
    let manifest = format!("{FIXTURES}/web.yaml");
    let nodes = kubectl_ok(&config, &["get", "nodes", "-o", "name"]);
    assert_eq!(nodes.lines().count(), 2, "{nodes}");
    let mut watch = PodWatch::start(&config);
    let applied = kubectl_ok(&config, &["apply", "-f", &manifest]);
    assert!(
        applied.contains("statefulset.apps/web created"),
        "{applied}"
    );
    watch.wait_for("web-0 scheduled", scheduled("web-0"));
    watch.wait_for("web-1 scheduled", scheduled("web-1"));

    let scaled = kubectl_ok(&config, &["scale", "statefulset", "web", "--replicas", "3"]);
    assert!(scaled.contains("statefulset.apps/web scaled"), "{scaled}");
    watch.wait_for("web-2 scheduled", scheduled("web-2"));
    let listed = kubectl_ok(&config, &["get", "pods", "-l", "app=web", "-o", "name"]);
    assert_eq!(listed.lines().count(), 3, "{listed}");
    assert_eq!(
        kubectl_ok(&config, &["get", "pods", "-l", "app!=web", "-o", "name"]),
        ""
    );

    let old_uid = kubectl_ok(
        &config,
        &["get", "pod", "web-0", "-o", "jsonpath={.metadata.uid}"],
    );
    // The watch below sees the termination and the recreation; kubectl's own wait for the
    // name to vanish races the StatefulSet controller recreating it under the same name.
    let deleted = kubectl_ok(&config, &["delete", "pod", "web-0", "--wait=false"]);
    assert!(deleted.contains("pod \"web-0\" deleted"), "{deleted}");
    watch.wait_for("web-0 terminating", |l| {
        l.starts_with(&format!("web-0 {old_uid} ")) && !l.ends_with("del=")
    });
    let old = old_uid.clone();
    watch.wait_for("web-0 recreated and scheduled", move |l| {
        scheduled("web-0")(l) && !l.contains(&old)
    });

    // An update from a stale read is refused with 409 and changes nothing.
    let stale = kubectl_ok(&config, &["get", "statefulset", "web", "-o", "json"]);
    kubectl_ok(&config, &["label", "statefulset", "web", "tier=front"]);
    let file = config.with_file_name("stale.json");
    std::fs::write(&file, stale).unwrap();
    let refused = kubectl(&config, &["replace", "-f", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("Conflict") || stderr.contains("modified"),
        "{stderr}"
    );
    let labels = kubectl_ok(
        &config,
        &[
            "get",
            "sts",
            "web",
            "-o",
            "jsonpath={.metadata.labels.tier}",
        ],
    );
    assert_eq!(labels, "front");
    // The same replace with no resourceVersion is an unconditional update.
    let patched = kubectl_ok(
        &config,
        &[
            "patch",
            "sts",
            "web",
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"labels":{"tier":"back"}}}"#,
        ],
    );
    assert!(patched.contains("patched"), "{patched}");
    // Applying the manifest again is a (strategic merge) patch of the live object.
    let manifest_two = manifest.replace("web.yaml", "web-one.yaml");
    let again = kubectl_ok(&config, &["apply", "-f", &manifest_two]);
    assert!(again.contains("statefulset.apps/web configured"), "{again}");
    let replicas = kubectl_ok(
        &config,
        &["get", "sts", "web", "-o", "jsonpath={.spec.replicas}"],
    );
    assert_eq!(replicas, "1");
}

/// The store revision now, as a LIST reports it.
pub fn revision(addr: SocketAddr) -> u64 {
    let (code, list) = request(addr, "GET", "/api/v1/pods", "application/json", "");
    assert_eq!(code, 200, "{list}");
    list["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a LIST without a resourceVersion: {list}"))
}

/// Sends each malformed request of the table to `addr` (blocking) and checks its `Status`
/// and that the store revision did not move; then the same scale made right changes it.
/// Makes the StatefulSet `web` first if it is not there, and changes its labels once so
/// that the version it had is stale. The cluster must be quiet (no controller writing).
pub fn check_malformed_requests(addr: SocketAddr) {
    let sts = "/apis/apps/v1/namespaces/default/statefulsets";
    let pods = "/api/v1/namespaces/default/pods";
    let json = "application/json";
    let merge = "application/merge-patch+json";
    // Set up: a StatefulSet, then a label change, so that its first resourceVersion is stale.
    let (stale_version, current) = {
        let (mut code, mut created) = request(addr, "GET", &format!("{sts}/web"), json, "");
        if code == 404 {
            (code, created) = request(addr, "POST", sts, json, &statefulset("web", 2, "web"));
            assert_eq!(code, 201, "{created}");
        }
        assert!(code == 200 || code == 201, "{created}");
        let stale = created["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string();
        let (code, patched) = request(
            addr,
            "PATCH",
            &format!("{sts}/web"),
            merge,
            r#"{"metadata":{"labels":{"x":"y"}}}"#,
        );
        assert_eq!(code, 200, "{patched}");
        (stale, patched)
    };
    let mut stale = current.clone();
    stale["metadata"]["resourceVersion"] = json!(stale_version);
    stale["spec"]["replicas"] = json!(5);
    let mut renamed = current.clone();
    renamed["metadata"]["name"] = json!("other");
    let mut negative = current.clone();
    negative["spec"]["replicas"] = json!(-1);
    let pod_as_job =
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}}).to_string();
    let cases: Vec<(&str, String, &str, String, u16, &str)> = vec![
        (
            "POST",
            pods.into(),
            json,
            "{not json".into(),
            400,
            "BadRequest",
        ),
        (
            "POST",
            pods.into(),
            json,
            "[1, 2]".into(),
            400,
            "BadRequest",
        ),
        ("POST", pods.into(), json, pod_as_job, 400, "BadRequest"),
        (
            "PUT",
            format!("{sts}/web"),
            json,
            renamed.to_string(),
            400,
            "BadRequest",
        ),
        (
            "GET",
            format!("{pods}?labelSelector=app%20in%20web"),
            json,
            String::new(),
            400,
            "BadRequest",
        ),
        (
            "DELETE",
            format!("{sts}/web"),
            json,
            r#"{"propagationPolicy":"Sideways"}"#.into(),
            400,
            "BadRequest",
        ),
        (
            "GET",
            "/api/v1/namespaces/default/services".into(),
            json,
            String::new(),
            404,
            "NotFound",
        ),
        (
            "GET",
            "/apis/extensions/v1beta1/deployments".into(),
            json,
            String::new(),
            404,
            "NotFound",
        ),
        (
            "GET",
            format!("{pods}/nope"),
            json,
            String::new(),
            404,
            "NotFound",
        ),
        (
            "DELETE",
            format!("{sts}/nope"),
            json,
            String::new(),
            404,
            "NotFound",
        ),
        (
            "PATCH",
            format!("{sts}/nope/scale"),
            merge,
            r#"{"spec":{"replicas":1}}"#.into(),
            404,
            "NotFound",
        ),
        (
            "PUT",
            sts.into(),
            json,
            statefulset("web", 1, "web"),
            405,
            "MethodNotAllowed",
        ),
        (
            "POST",
            format!("{sts}/web"),
            json,
            statefulset("web", 1, "web"),
            405,
            "MethodNotAllowed",
        ),
        (
            "DELETE",
            "/api/v1".into(),
            json,
            String::new(),
            405,
            "MethodNotAllowed",
        ),
        (
            "POST",
            sts.into(),
            json,
            statefulset("web", 1, "web"),
            409,
            "AlreadyExists",
        ),
        (
            "PUT",
            format!("{sts}/web"),
            json,
            stale.to_string(),
            409,
            "Conflict",
        ),
        (
            "DELETE",
            format!("{sts}/web"),
            json,
            format!(r#"{{"preconditions":{{"resourceVersion":"{stale_version}"}}}}"#),
            409,
            "Conflict",
        ),
        (
            "DELETE",
            format!("{sts}/web"),
            json,
            r#"{"preconditions":{"uid":"someone-else"}}"#.into(),
            409,
            "Conflict",
        ),
        (
            "PATCH",
            format!("{sts}/web"),
            "application/json-patch+json",
            r#"[{"op":"remove","path":"/spec"}]"#.into(),
            415,
            "UnsupportedMediaType",
        ),
        (
            "POST",
            sts.into(),
            json,
            statefulset("db", -1, "web"),
            422,
            "Invalid",
        ),
        (
            "POST",
            sts.into(),
            json,
            statefulset("db", 1, "other"),
            422,
            "Invalid",
        ),
        (
            "POST",
            sts.into(),
            json,
            statefulset("Not_A_Name", 1, "web"),
            422,
            "Invalid",
        ),
        (
            "PUT",
            format!("{sts}/web"),
            json,
            negative.to_string(),
            422,
            "Invalid",
        ),
        (
            "PATCH",
            format!("{sts}/web/scale"),
            merge,
            r#"{"spec":{"replicas":-2}}"#.into(),
            422,
            "Invalid",
        ),
        (
            "PATCH",
            format!("{sts}/web"),
            merge,
            r#"{"spec":{"replicas":-3}}"#.into(),
            422,
            "Invalid",
        ),
    ];
    for (method, path, content_type, body, code, reason) in cases {
        let before = revision(addr);
        let (got, status) = request(addr, method, &path, content_type, &body);
        let what = format!("{method} {path} {body}");
        assert_eq!(got, code, "{what}: {status}");
        assert_eq!(status["kind"], "Status", "{what}: {status}");
        assert_eq!(status["apiVersion"], "v1", "{what}");
        assert_eq!(status["status"], "Failure", "{what}");
        assert_eq!(status["reason"], reason, "{what}: {status}");
        assert_eq!(status["code"], code, "{what}");
        assert!(
            status["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}"
        );
        assert_eq!(revision(addr), before, "{what} changed the store");
    }
    // The same requests made right change the state: the refusals above were about them.
    let before = revision(addr);
    let (code, _) = request(
        addr,
        "PATCH",
        &format!("{sts}/web/scale"),
        merge,
        r#"{"spec":{"replicas":3}}"#,
    );
    assert_eq!(code, 200);
    assert!(
        revision(addr) > before,
        "a scale made right changes the store"
    );
}
