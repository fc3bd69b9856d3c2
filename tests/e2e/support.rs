//! Running the binary in a scratch directory, and the small models the tests use.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory to run the binary in.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file (relative to the scratch directory) and returns its relative path.
    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        name.to_string()
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap()
    }

    pub fn exists(&self, name: &str) -> bool {
        self.dir.path().join(name).exists()
    }

    /// Runs `orchard ARGS` in the scratch directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_orchard"))
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("the orchard binary runs");
        Run(output)
    }
}

/// What a run printed and how it exited.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().expect("an exit code")
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout()).expect("one JSON object on stdout")
    }
}

/// The repository's shipped models.
pub fn shipped_models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// A small model: one scheduler, a Deployment `web` the environment may scale twice.
/// `owners` is spliced into the Deployment's metadata.
pub fn tiny(owners: &str) -> String {
    format!(
        r#"name: tiny
description: |
  A scheduler and a Deployment scaled by the environment.
  A second line that the listing leaves out.
consistency: monotonic-session
controllers:
  scheduler: 1
environment:
  - scale: Deployment/web
    replicas: [1, 2, 3]
    max: 2
properties: [P8, K2]
checker: {{strategy: bfs, max-depth: 10}}
resources:
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels: {{app: web}}{owners}
    spec:
      replicas: 1
      selector:
        matchLabels: {{app: web}}
      template:
        metadata:
          labels: {{app: web}}
        spec:
          containers:
            - name: c
              image: "nginx:1"
"#
    )
}

/// The Deployment has two controller owner references: K2 fails in the initial state.
pub fn two_owners() -> String {
    tiny(
        r#"
      ownerReferences:
        - {apiVersion: v1, kind: Owner, name: a, uid: "1", controller: true}
        - {apiVersion: v1, kind: Owner, name: b, uid: "2", controller: true}"#,
    )
}

/// Writes the holding and the failing model into a scratch directory.
pub fn with_models() -> Scratch {
    let s = Scratch::new();
    s.write("models/tiny.yaml", &tiny(""));
    s.write("models/owners.yaml", &two_owners());
    s
}

/// Checks the failing model and returns the scratch directory and the trace's path.
pub fn failing_trace() -> (Scratch, String) {
    let s = with_models();
    s.run(&["check", "models/owners.yaml"]).expect(1);
    let trace = "traces/tiny-K2-monotonic-session.json".to_string();
    assert!(s.exists(&trace));
    (s, trace)
}

/// The shipped traces (`traces/*.json`), sorted, as paths.
pub fn shipped_traces() -> Vec<String> {
    let dir = shipped_models().join("../traces");
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .expect("traces/ is readable")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.to_str().expect("a UTF-8 path").to_string())
        .collect();
    out.sort();
    assert!(out.len() > 5, "traces are shipped");
    out
}

/// The shipped trace whose file name ends with `name`.
pub fn shipped_trace(name: &str) -> String {
    shipped_traces()
        .into_iter()
        .find(|t| t.ends_with(name))
        .expect("a shipped trace")
}

/// The stale-reads model settled from 100 replicas on 16 roomy nodes under informer
/// consistency (within the loader's limits): settling alone takes seconds in a debug build.
pub fn slow_settling(s: &Scratch) -> String {
    let text = std::fs::read_to_string(shipped_models().join("statefulset-stale-reads.yaml"))
        .unwrap()
        .replace("replicas: 1\n", "replicas: 100\n")
        .replace("count: 2,", "count: 16,")
        .replace("consistency: resettable-session", "consistency: informer")
        .replace("pods: 110", "pods: 1000")
        .replace("cpu: \"4\"", "cpu: \"1000\"")
        .replace("memory: 8Gi", "memory: 1000Gi");
    s.write("big.yaml", &text)
}
