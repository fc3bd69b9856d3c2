//! `orchard run MODEL --serve 127.0.0.1:0`, the real binary, driven by the real kubectl through
//! the kubeconfig it writes: the StatefulSet flow and the malformed-request table of
//! `kubeapi.rs` (shared in `kubectl_drive.rs`), here against the live controller manager, and
//! the server's end with the run (Ctrl-C, `--duration`).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::kubectl_drive::{
    FIXTURES, PATIENCE, check_malformed_requests, drive_statefulset, kubectl_ok, revision,
    wait_for_line,
};
use super::support::Scratch;

/// A running `orchard run --serve`, killed if the test fails before it ends.
struct Served {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    addr: SocketAddr,
    kubeconfig: PathBuf,
}

impl Served {
    fn start(dir: &Path, extra: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orchard"))
            .arg("run")
            .arg(format!("{FIXTURES}/run.yaml"))
            .args(["--serve", "127.0.0.1:0", "--seed", "1"])
            .args(extra)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("orchard run starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let mut served = Served {
            child,
            lines,
            seen: Vec::new(),
            addr: "127.0.0.1:1".parse().unwrap(),
            kubeconfig: PathBuf::new(),
        };
        let line = served.wait_for("the kubectl line", |l| l.contains("kubectl --kubeconfig "));
        let (_, rest) = line.split_once("http://").expect("the address served");
        let (addr, command) = rest
            .split_once(": ")
            .expect("the address, then the command");
        served.addr = addr.parse().expect("an address");
        let path = command.strip_prefix("kubectl --kubeconfig ").unwrap();
        served.kubeconfig = dir.join(path);
        served
    }

    /// Waits for a line of stderr that `wanted` accepts.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        wait_for_line(&self.lines, &mut self.seen, wanted).unwrap_or_else(|| {
            panic!(
                "orchard run never printed {what}; it printed {:#?}",
                self.seen
            )
        })
    }

    /// Waits for the process to end; its exit code.
    fn exit_code(&mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("an exit code");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("orchard run did not end; it printed {:#?}", self.seen);
    }

    /// Everything printed after what was read so far, until the end of stderr.
    fn rest(&mut self) -> String {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until no write has landed for a second (the controllers have settled).
fn settle(addr: SocketAddr) {
    let deadline = Instant::now() + PATIENCE;
    let mut last = revision(addr);
    let mut since = Instant::now();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        let now = revision(addr);
        if now != last {
            (last, since) = (now, Instant::now());
        } else if since.elapsed() >= Duration::from_secs(1) {
            return;
        }
    }
    panic!("the cluster never settled (at r{last})");
}

#[test]
fn kubectl_drives_orchard_run_serve_until_ctrl_c() {
    let scratch = Scratch::new();
    // No --duration: with --serve the run lasts until Ctrl-C.
    let mut served = Served::start(scratch.path(), &["--kubeconfig", "kc.yaml"]);
    assert_eq!(served.kubeconfig, scratch.path().join("kc.yaml"));
    let nodes = kubectl_ok(&served.kubeconfig, &["get", "nodes", "-o", "name"]);
    assert_eq!(nodes.lines().count(), 2, "{nodes}");
    drive_statefulset(&served.kubeconfig);
    settle(served.addr);
    check_malformed_requests(served.addr);

    let interrupted = Command::new("kill")
        .args(["-INT", &served.child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    assert_eq!(served.exit_code(), 130, "{}", served.rest());
    let printed = served.rest();
    assert!(printed.contains("interrupted"), "{printed}");
    assert!(
        printed.contains("writes made through the kubectl API are not steps of the model"),
        "{printed}"
    );
    assert!(
        TcpStream::connect(served.addr).is_err(),
        "the API is still served after the run"
    );
    assert!(scratch.exists("run-kubeapi-run-seed1.json"), "{printed}");
}

#[test]
fn a_served_run_ends_with_its_duration_and_stops_serving() {
    let scratch = Scratch::new();
    let mut served = Served::start(scratch.path(), &["--duration", "2"]);
    // The default kubeconfig is beside the trace.
    assert_eq!(
        served.kubeconfig,
        scratch.path().join("run-kubeapi-run-seed1.kubeconfig")
    );
    let pods = kubectl_ok(&served.kubeconfig, &["get", "pods", "-o", "name"]);
    assert_eq!(pods, "", "a model without a workload has no pods");
    assert_eq!(served.exit_code(), 0, "{}", served.rest());
    let printed = served.rest();
    assert!(printed.contains("the duration"), "{printed}");
    // Nothing was written through kubectl: the recording took every write.
    assert!(!printed.contains("kubectl API are not steps"), "{printed}");
    assert!(TcpStream::connect(served.addr).is_err());
}

#[test]
fn a_taken_port_or_a_kubeconfig_without_serve_is_refused() {
    let scratch = Scratch::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let model = format!("{FIXTURES}/run.yaml");
    let run = scratch.run(&["run", &model, "--serve", &addr, "--duration", "1"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .contains(&format!("--serve {addr}: cannot listen")),
        "{}",
        run.stderr()
    );
    assert!(!scratch.exists("run-kubeapi-run-seed1.json"));
    let run = scratch.run(&["run", &model, "--kubeconfig", "k", "--duration", "1"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--serve"), "{}", run.stderr());
}
