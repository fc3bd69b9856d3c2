//! `orchard learn NAME` driven in tmux with the real binary: the stale-reads lesson walked to
//! its end. The next step is selected in the actions pane, so Enter takes it; another action
//! is explained with the way back, and at the end the contrast is shown.

use crate::explore_tmux::{self, Tmux};
use crate::support::{Scratch, shipped_models};

#[test]
fn the_stale_reads_lesson_walked_to_its_end() {
    if !explore_tmux::available() {
        eprintln!("skipped: tmux is not installed (apt-get install tmux; .ci/run installs it)");
        return;
    }
    let s = Scratch::new();
    let tmux = Tmux::start(s.path(), 160, 48);
    tmux.line(&format!(
        "{} learn stale-reads --dir {}; echo exited-$?",
        env!("CARGO_BIN_EXE_orchard"),
        shipped_models().join("lessons").display()
    ));
    let first = tmux.wait_text("lesson stale-reads · step 1 of 9");
    assert!(
        first.contains("▶ step 1: change image of StatefulSet/web to nginx:2"),
        "{first}"
    );
    assert!(
        first.contains("▶ environment: change image"),
        "marked in the actions:\n{first}"
    );
    // Another action first: line 5 of the actions restarts node-1.
    tmux.keys(&[":"]);
    tmux.line("take 5");
    let off = tmux.wait_text("✗ at step 1 you took restart node node-1");
    assert!(off.contains("The lesson's step 1 is change image"), "{off}");
    assert!(off.contains("To go back: b/Backspace once"), "{off}");
    tmux.keys(&["b"]);
    tmux.wait_text("lesson stale-reads · step 1 of 9");
    for step in 1..=9 {
        tmux.keys(&["Enter"]);
        if step < 9 {
            let screen = tmux.wait_text(&format!("lesson stale-reads · step {} of 9", step + 1));
            assert!(screen.contains(&format!("✓ step {step} done")), "{screen}");
        }
    }
    let done = tmux.wait_text("lesson stale-reads · done");
    assert!(done.contains("✓ all 9 steps done"), "{done}");
    assert!(done.contains("VIOLATED: P8"), "{done}");
    assert!(done.contains("Contrast:"), "{done}");
    // The panel wraps its text: the contrast's line is read in its two parts.
    assert!(
        done.contains("step 8 (node-1 reads r7): allowed by resettable-session,"),
        "{done}"
    );
    assert!(done.contains("not by monotonic-session"), "{done}");
    assert!(done.contains("node-1 may not read r7 now"), "{done}");
    tmux.keys(&["q"]);
    tmux.wait_text("exited-0");
}
