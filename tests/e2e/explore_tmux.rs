//! Driving a program in tmux: a detached session of a given size on its own server socket,
//! keys sent, the screen captured and waited on; and the explorer's replay (`R`, `:replay`)
//! driven there on the real binary.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Whether tmux can run here; when it cannot, the caller prints why and skips.
pub fn available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A tmux server with one session of one pane, killed when dropped.
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts a shell (no rc files, a plain prompt) in `dir` in a `width` x `height` pane.
    pub fn start(dir: &Path, width: u16, height: u16) -> Tmux {
        static N: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "orchard-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let tmux = Tmux { socket };
        let status = Command::new("tmux")
            .args(["-L", &tmux.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &width.to_string(), "-y", &height.to_string()])
            .arg("-c")
            .arg(dir)
            .args([
                "env",
                "PS1=$ ",
                "TERM=xterm-256color",
                "bash",
                "--norc",
                "--noprofile",
            ])
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        tmux.wait_for("the shell's prompt", |s| s.contains('$'));
        tmux
    }

    /// Runs tmux with these arguments on this server; its stdout.
    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Types literal text.
    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }

    /// Sends keys by tmux's names (`Enter`, `Tab`, `Escape`, `C-c`, `Up`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types a line and presses Enter.
    pub fn line(&self, text: &str) {
        self.text(text);
        self.keys(&["Enter"]);
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// A pane variable (`alternate_on`, `cursor_flag`, `mouse_any_flag`).
    pub fn var(&self, name: &str) -> String {
        self.tmux(&["display-message", "-p", &format!("#{{{name}}}")])
            .trim()
            .to_string()
    }

    /// Waits (up to 30 s) until the screen satisfies `ok`; panics with the screen otherwise.
    pub fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("waited 30 s for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows `text`.
    pub fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("`{text}`"), |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The explorer on the shipped stale-reads counterexample, at its violation: `R` replays the
/// path against the deployed controllers on the memory store (every step marked matched, the
/// status line says P8 reproduced); `:replay etcd URL` replays it on a private etcd started
/// here (the same); on an etcd nobody serves no step is marked matched and the status line
/// names the endpoint.
#[test]
fn r_replays_the_path_and_marks_every_step() {
    if !available() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux; .ci/run installs it)");
        return;
    }
    let s = crate::support::Scratch::new();
    let trace = crate::support::shipped_trace("statefulset-stale-reads-P8-resettable-session.json");
    let tmux = Tmux::start(s.path(), 160, 48);
    tmux.line(&format!(
        "{} explore {trace}; echo exited-$?",
        env!("CARGO_BIN_EXE_orchard")
    ));
    let opened = tmux.wait_for("the violation", |s| {
        s.contains("step 9 of 9") && s.contains("VIOLATED: P8")
    });
    assert!(
        !opened.contains("✓ "),
        "no marks before a replay:\n{opened}"
    );

    tmux.keys(&["R"]);
    let replayed = tmux.wait_text("all 9 steps match");
    assert!(
        replayed.contains("replay against the controllers on memory: all 9 steps match; the violation of P8 reproduced"),
        "{replayed}"
    );
    for step in 0..=9 {
        assert!(
            replayed.contains(&format!("✓ {step}. ")),
            "step {step} marked:\n{replayed}"
        );
    }
    assert!(!replayed.contains("✗ "), "{replayed}");

    let etcd = orchard::store::EtcdProcess::start().expect("etcd-server is installed");
    tmux.keys(&[":"]);
    tmux.text(&format!("replay etcd {}", etcd.endpoint()));
    tmux.keys(&["Enter"]);
    let on_etcd = tmux.wait_text(&format!(
        "replay against etcd at {}: all 9 steps match",
        etcd.endpoint()
    ));
    assert!(
        on_etcd.contains("the violation of P8 reproduced"),
        "{on_etcd}"
    );
    assert!(on_etcd.contains("✓ 9. "), "{on_etcd}");
    drop(etcd);

    // Nobody serves the discard port on loopback: the replay fails, no step matched.
    tmux.keys(&[":"]);
    tmux.text("replay etcd http://127.0.0.1:9");
    tmux.keys(&["Enter"]);
    let failed = tmux.wait_text("replay against etcd at http://127.0.0.1:9:");
    assert!(!failed.contains("✓ "), "no marks of success:\n{failed}");
    assert!(failed.contains("· 9. "), "{failed}");
    tmux.keys(&["q"]);
    tmux.wait_text("exited-0");
}
