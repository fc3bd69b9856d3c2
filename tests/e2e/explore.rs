//! The explorer's command-line side: `orchard diff TRACE A B`, and a path saved by the
//! explorer's session (violating nothing) that `orchard replay` accepts.

use std::path::Path;

use crate::support::Scratch;

fn stale_trace() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces/statefulset-stale-reads-P8-resettable-session.json")
        .display()
        .to_string()
}

#[test]
fn diff_shows_two_steps_field_by_field() {
    let s = Scratch::new();
    let out = s
        .run(&["diff", &stale_trace(), "7", "9"])
        .expect(0)
        .stdout();
    assert!(out.contains("step 7 -> step 9"), "{out}");
    assert!(out.contains("~ Pod/web-0"), "{out}");
    assert!(out.contains("status.phase: Pending -> Running"), "{out}");
    assert!(out.contains("~ node-1 (local state)"), "{out}");
    assert!(
        out.contains("running.web-0.uid: - -> pods-5-web-0"),
        "{out}"
    );
}

#[test]
fn diff_of_a_step_past_the_end_is_bad_input() {
    let s = Scratch::new();
    let err = s
        .run(&["diff", &stale_trace(), "7", "19"])
        .expect(2)
        .stderr();
    assert!(err.contains("the path has steps 0 to 9"), "{err}");
    let err = s
        .run(&["diff", "nothing.json", "0", "1"])
        .expect(2)
        .stderr();
    assert!(err.contains("nothing.json"), "{err}");
}

#[test]
fn an_explored_path_that_violates_nothing_replays() {
    use orchard::explore::session::{Command, Overrides, Session};
    let s = Scratch::new();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/statefulset-stale-reads.yaml");
    let mut session = Session::open(&model, &Overrides::default()).unwrap();
    session.set_trace_dir(s.path().to_path_buf());
    let first = session
        .actions()
        .iter()
        .position(|a| a.action().is_some())
        .unwrap();
    session.handle(Command::TakeEntry(first));
    session.run(Command::Save(Some("walk".into())));
    assert!(s.exists("walk.json"), "{:?}", session.message());
    let out = s.run(&["replay", "walk.json"]).expect(0).stdout();
    assert!(out.contains("1 steps replay"), "{out}");
    assert!(out.contains("records no violation"), "{out}");
}
