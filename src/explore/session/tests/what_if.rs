//! What-if: the path re-validated under other settings.

use super::*;

#[test]
fn what_if_monotonic_session_stops_at_the_stale_step_and_restores() {
    let mut s = open(STALE_TRACE);
    s.handle(Command::Line("consistency monotonic-session".into()));
    let r = s.what_if().expect("a what-if").clone();
    let b = r.broken.expect("the path breaks");
    assert_eq!(b.step, 8);
    assert_eq!(b.kind, BreakKind::NotPossible);
    assert!(
        b.why.starts_with("node-1 may not read r6 under monotonic-session: a restarted node reads only the latest, r15"),
        "{}",
        b.why
    );
    let nearest = b.nearest.expect("a nearest step");
    assert!(
        nearest.describe.starts_with("node-1 reads r15"),
        "{nearest:?}"
    );
    assert_eq!(s.path_len(), 7);
    assert!(s.header().what_if);
    assert!(s.header().consistency.starts_with("monotonic-session"));
    // Back: the path and its settings are restored.
    s.handle(Command::RestoreSettings);
    assert_eq!((s.cursor_step(), s.path_len()), (9, 9));
    assert!(!s.header().what_if);
    assert_eq!(s.header().violated, vec!["P8"]);
}

#[test]
fn what_if_atomic_commit_rejects_the_stale_steps_write() {
    let mut s = open(STALE_TRACE);
    s.handle(Command::Line("commit atomic".into()));
    let b = s
        .what_if()
        .unwrap()
        .broken
        .clone()
        .expect("the path breaks");
    assert_eq!(b.step, 8);
    assert_eq!(b.kind, BreakKind::NoEffect);
    assert!(
        b.why.contains("rejected under the atomic commit mode")
            && b.why.contains("update Pod web-0"),
        "{}",
        b.why
    );
    // Switching back to the path's own settings restores it too.
    s.handle(Command::Commit(CommitMode::Kubernetes));
    assert!(s.what_if().is_none());
    assert_eq!(s.path_len(), 9);
}

#[test]
fn what_if_read_your_writes_keeps_the_whole_path_and_its_violation() {
    let mut s = open(STALE_TRACE);
    s.handle(Command::Consistency(ConsistencySetting {
        read_your_writes: true,
        ..ConsistencySetting::of(Consistency::ResettableSession)
    }));
    let r = s.what_if().unwrap();
    assert!(r.broken.is_none(), "{:?}", r.broken);
    assert_eq!(r.violated_now, vec!["P8"]);
    assert!(r.text().contains("still violates P8"), "{}", r.text());
    assert_eq!((s.cursor_step(), s.path_len()), (9, 9));
    assert_eq!(s.header().violated, vec!["P8"]);
}

#[test]
fn an_informer_trace_groups_reads_per_kind_and_breaks_under_relist_latest() {
    let mut s = open("tests/fixtures/traces/statefulset-stale-reads-P8-informer.json");
    s.handle(Command::Goto(7));
    let lines: Vec<String> = s.actions().iter().map(|a| a.text()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("node-1: nodes@r3 pods@r6 => update Pod web-0")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l == "node-1: nodes@r14 pods@r1..r15 (8 reads) => create Node node-1"),
        "{lines:#?}"
    );
    s.handle(Command::Line("consistency informer relist=latest".into()));
    let b = s
        .what_if()
        .unwrap()
        .broken
        .clone()
        .expect("the path breaks");
    assert_eq!(b.step, 8);
    assert!(
        b.why.starts_with("node-1 may not read nodes@r2 pods@r6 under informer: a restarted node lists at the latest revision"),
        "{}",
        b.why
    );
    // Under a level whose reads are whole revisions, the informer's first read is not one.
    s.handle(Command::Line("consistency resettable-session".into()));
    let b = s.what_if().unwrap().broken.clone().unwrap();
    assert_eq!(b.step, 2);
    assert!(
        b.why.contains("it may read r8..r9 (2 revisions) only"),
        "{}",
        b.why
    );
    s.handle(Command::RestoreSettings);
    assert_eq!(s.path_len(), 9);
}
