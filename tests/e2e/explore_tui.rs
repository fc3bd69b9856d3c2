//! `orchard explore` driven in tmux: the stale-reads bug found by hand, stepped back and
//! forth, a what-if, a saved trace that replays, and a terminal restored on quitting; and the
//! README's first command in a fresh clone leaves the clone clean. Skipped (saying why) only
//! when tmux is absent.

use std::path::Path;
use std::process::Command;

use crate::explore_tmux::{self, Tmux};
use crate::support::Scratch;

/// The steps of traces/statefulset-stale-reads-P8-resettable-session.json.
const STEPS: [&str; 9] = [
    "change image of StatefulSet/web to nginx:2",
    "statefulset reads r9",
    "statefulset reads r10",
    "node-1 reads r11",
    "statefulset reads r12",
    "restart node node-1",
    "scheduler reads r14",
    "node-1 reads r6",
    "node-2 reads r15",
];

fn skip_without_tmux() -> bool {
    if explore_tmux::available() {
        return false;
    }
    eprintln!("skipped: tmux is not installed (apt-get install tmux; .ci/run installs it)");
    true
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Whether the terminal is back to normal: the main screen, the cursor shown, no mouse
/// reporting, and the line discipline cooked (`stty` shows `icanon` and `echo`, not `-icanon`).
fn assert_restored(tmux: &Tmux) {
    assert_eq!(tmux.var("alternate_on"), "0", "left the alternate screen");
    assert_eq!(tmux.var("cursor_flag"), "1", "the cursor is shown");
    assert_eq!(tmux.var("mouse_any_flag"), "0", "mouse reporting is off");
    tmux.line("clear; stty -a | tr ' ;' '\\n\\n' | grep -x -e '-\\?icanon' -e '-\\?echo'; echo stty-$((1+1))-done");
    let screen = tmux.wait_text("stty-2-done");
    let lines: Vec<&str> = screen.lines().map(str::trim).collect();
    assert!(
        lines.contains(&"icanon") && lines.contains(&"echo"),
        "{screen}"
    );
}

/// Takes the action described `describe`: filters the actions by its actor, then walks the
/// lines and their reads until the preview names it, and presses Enter.
fn take(tmux: &Tmux, describe: &str) {
    let actor = match describe.split_once(" reads ") {
        Some((actor, _)) => format!("{actor}:"),
        None => format!("environment: {describe}"),
    };
    tmux.keys(&["/"]);
    tmux.text(&actor);
    tmux.keys(&["Enter"]);
    let wanted = format!("preview: {describe} ");
    let wanted_end = format!("preview: {describe}─");
    let mut last = String::new();
    for _ in 0..60 {
        let screen = tmux.wait_for("the preview", |s| s.contains("preview"));
        if screen.contains(&wanted) || screen.contains(&wanted_end) {
            tmux.keys(&["Enter"]);
            return;
        }
        // The next read of this line; at its end, the next line.
        let key = if screen == last { "j" } else { "l" };
        last = screen;
        tmux.keys(&[key]);
        std::thread::sleep(std::time::Duration::from_millis(60));
    }
    panic!(
        "no action `{describe}` found; the screen:\n{}",
        tmux.screen()
    );
}

#[test]
fn the_stale_reads_bug_found_in_the_explorer() {
    if skip_without_tmux() {
        return;
    }
    let s = Scratch::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("models"), &s.path().join("models"));
    let tmux = Tmux::start(s.path(), 160, 48);
    tmux.line(&format!(
        "{} explore models/statefulset-stale-reads.yaml; echo exited-$?",
        env!("CARGO_BIN_EXE_orchard")
    ));
    tmux.wait_text("step 0 of 0");
    for (i, describe) in STEPS.iter().enumerate() {
        take(&tmux, describe);
        tmux.wait_text(&format!("step {} of {}", i + 1, i + 1));
    }
    let screen = tmux.wait_text("VIOLATED: P8");
    assert!(screen.contains("9. node-2 reads r15"), "{screen}");
    // Back one step: P8 holds there; forward again: violated.
    // Esc alone (Esc and a key in one write read as Alt-key): the filter goes.
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", |s| !s.contains("/node-2:"));
    tmux.keys(&["b"]);
    let back = tmux.wait_text("step 8 of 9");
    assert!(!back.contains("VIOLATED"), "{back}");
    tmux.keys(&["f"]);
    tmux.wait_for("step 9 and P8 violated", |s| {
        s.contains("step 9 of 9") && s.contains("VIOLATED: P8")
    });
    // What-if: under monotonic session the stale step is named.
    tmux.keys(&[":"]);
    tmux.text("consistency monotonic-session");
    tmux.keys(&["Enter"]);
    let what_if = tmux.wait_text("step 8: node-1 reads r6");
    assert!(
        what_if.contains("may not read r6 under monotonic-session"),
        "{what_if}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("the what-if closed", |s| {
        !s.contains("Esc close · :restore")
    });
    tmux.keys(&[":"]);
    tmux.text("restore");
    tmux.keys(&["Enter"]);
    tmux.wait_text("VIOLATED: P8");
    // The revision DAG in the state tree's place, and back.
    tmux.keys(&["r"]);
    tmux.wait_text("revisions at step 9 · 16 · latest r16");
    tmux.keys(&["r"]);
    tmux.wait_text("state at step 9");
    // Save the path under a name.
    tmux.keys(&["s"]);
    tmux.wait_text("save as traces/");
    tmux.text("found-by-hand");
    tmux.keys(&["Enter"]);
    tmux.wait_text("saved traces/found-by-hand.json");
    tmux.keys(&["q"]);
    tmux.wait_text("exited-0");
    assert_restored(&tmux);
    let out = s
        .run(&["replay", "traces/found-by-hand.json"])
        .expect(0)
        .stdout();
    assert!(out.contains("P8"), "{out}");
}

#[test]
fn the_readme_command_in_a_fresh_clone_leaves_it_clean() {
    if skip_without_tmux() {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let first = readme
        .lines()
        .find(|l| l.starts_with("cargo run"))
        .expect("a first command in the README");
    assert!(
        first.contains("explore models/statefulset-stale-reads.yaml"),
        "the README's first command opens the explorer: {first}"
    );
    let s = Scratch::new();
    let clone = s.path().join("orchard");
    let cloned = Command::new("git")
        .args(["clone", "--quiet", "--no-hardlinks"])
        .arg(root)
        .arg(&clone)
        .output();
    match cloned {
        Ok(out) if out.status.success() => {}
        other => {
            eprintln!("skipped: cannot git clone {}: {other:?}", root.display());
            return;
        }
    }
    let tmux = Tmux::start(&clone, 160, 48);
    tmux.line(&format!(
        "{} explore models/statefulset-stale-reads.yaml; echo exited-$?",
        env!("CARGO_BIN_EXE_orchard")
    ));
    tmux.wait_text("step 0 of 0");
    tmux.keys(&["Enter"]);
    tmux.wait_text("step 1 of 1");
    tmux.keys(&["q"]);
    tmux.wait_text("exited-0");
    assert_restored(&tmux);
    let status = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(&clone)
        .output()
        .unwrap();
    assert!(status.status.success());
    assert_eq!(
        String::from_utf8_lossy(&status.stdout),
        "",
        "the clone stays clean"
    );
}

#[test]
fn without_a_terminal_explore_exits_2_and_points_to_check() {
    let s = Scratch::new();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/statefulset-stale-reads.yaml");
    let model = model.to_str().unwrap();
    let err = s.run(&["explore", model]).expect(2).stderr();
    assert!(err.contains("needs a terminal"), "{err}");
    assert!(err.contains("orchard check"), "{err}");
    let err = s
        .run(&["explore", model, "--consistency", "casual"])
        .expect(2)
        .stderr();
    assert!(err.contains("`casual`"), "{err}");
    let err = s.run(&["explore", "missing.yaml"]).expect(2).stderr();
    assert!(err.contains("needs a terminal"), "{err}");
}

#[test]
fn the_check_flags_set_the_starting_settings() {
    if skip_without_tmux() {
        return;
    }
    let s = Scratch::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmux = Tmux::start(s.path(), 160, 48);
    tmux.line(&format!(
        "{} explore {} --consistency informer --relist latest --commit atomic; echo exited-$?",
        env!("CARGO_BIN_EXE_orchard"),
        root.join("models/statefulset-stale-reads.yaml").display()
    ));
    let screen = tmux.wait_text("step 0 of 0");
    let header = screen.lines().next().unwrap_or_default();
    assert!(
        header.contains("informer")
            && header.contains("latest")
            && header.contains("commit atomic"),
        "{screen}"
    );
    tmux.keys(&["C-c"]);
    tmux.wait_text("exited-0");
    assert_restored(&tmux);
}

#[test]
fn a_crash_restores_the_terminal_and_saves_the_path() {
    if skip_without_tmux() {
        return;
    }
    let s = Scratch::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("models"), &s.path().join("models"));
    let tmux = Tmux::start(s.path(), 160, 48);
    tmux.line(&format!(
        "{} explore models/statefulset-stale-reads.yaml --crash-test 2>err.txt; echo exited-$?",
        env!("CARGO_BIN_EXE_orchard")
    ));
    tmux.wait_text("exited-2");
    assert_restored(&tmux);
    let err = s.read("err.txt");
    assert!(err.contains("a crash asked for by --crash-test"), "{err}");
    assert!(err.contains("please report"), "{err}");
    let saved = err
        .split("saved in ")
        .nth(1)
        .map(str::trim)
        .unwrap_or_else(|| panic!("the saved trace is named: {err}"));
    assert!(saved.starts_with("traces/panic-"), "{err}");
    s.run(&["replay", saved]).expect(0);
}
