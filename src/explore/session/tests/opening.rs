//! Opening models and traces, and what the screen shows of a state.

use super::*;

#[test]
fn a_model_opens_at_its_start_with_grouped_actions() {
    let s = open(STALE_MODEL);
    let h = s.header();
    assert_eq!(h.model, "statefulset-stale-reads");
    assert_eq!((h.step, h.steps), (0, 0));
    assert!(h.violated.is_empty());
    assert!(h.consistency.starts_with("resettable-session"));
    assert_eq!(h.commit, "kubernetes");
    assert_eq!(s.path_lines()[0].text, "0. start");
    // Every controller's reads appear, grouped, then the environment, restarts last.
    let actions = s.actions();
    assert!(
        actions
            .iter()
            .any(|a| a.actor == "node-1" && a.kind == EntryKind::Reads)
    );
    let kinds: Vec<EntryKind> = actions.iter().map(|a| a.kind).collect();
    let first_env = kinds
        .iter()
        .position(|k| *k == EntryKind::Environment)
        .unwrap();
    let first_restart = kinds.iter().position(|k| *k == EntryKind::Restart).unwrap();
    assert!(first_env < first_restart);
    assert!(
        kinds[..first_env]
            .iter()
            .all(|k| *k == EntryKind::Reads || *k == EntryKind::Alternative)
    );
    let p = s.properties();
    assert_eq!(p[0].property.id, "P8");
    assert_eq!(p[0].status, Status::Holds);
    // The state shows resources by kind and each controller's local state.
    assert!(s.resources().iter().any(|k| k.kind.name() == "StatefulSet"));
    let node = s
        .locals()
        .into_iter()
        .find(|l| l.controller == "node-1")
        .unwrap();
    assert!(
        node.fields.iter().any(|f| f.path.starts_with("running.")),
        "{node:?}"
    );
}

#[test]
fn a_trace_opens_with_its_path_and_the_cursor_on_the_violation() {
    let s = open(STALE_TRACE);
    let h = s.header();
    assert_eq!((h.step, h.steps), (9, 9));
    assert_eq!(h.violated, vec!["P8"]);
    let lines = s.path_lines();
    assert_eq!(lines.len(), 10);
    assert!(lines[9].at_cursor);
    assert!(
        lines[9]
            .text
            .starts_with("9. node-2 reads r15 => update Pod web-0 -> r16"),
        "{}",
        lines[9].text
    );
    assert_eq!(s.properties()[0].status, Status::Violated);
}

#[test]
fn bad_files_are_refused_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bad.yaml");
    std::fs::write(&model, "name: x\nconsistency: casual\n").unwrap();
    let e = Session::open(&model, &Overrides::default()).unwrap_err();
    assert!(
        e.0.contains("bad.yaml") && e.0.contains("consistency"),
        "{e}"
    );
    let trace = dir.path().join("bad.json");
    let text = std::fs::read_to_string(shipped(STALE_TRACE)).unwrap();
    // The 8th step's digest no longer matches.
    let broken = text.replacen("\"digest\": \"", "\"digest\": \"0", 8);
    std::fs::write(&trace, broken).unwrap();
    let e = Session::open(&trace, &Overrides::default()).unwrap_err();
    assert!(e.0.contains("bad.json:") && e.0.contains("step 1"), "{e}");
}

#[test]
fn open_replaces_the_session_and_a_bad_open_changes_nothing() {
    let mut s = open(STALE_MODEL);
    s.run(Command::Open(shipped("models/no-such-model.yaml")));
    assert!(s.message().unwrap().error);
    assert_eq!(s.header().model, "statefulset-stale-reads");
    s.run(Command::Open(shipped(STALE_TRACE)));
    assert_eq!(s.cursor_step(), 9);
    assert!(
        s.run(Command::Line("quit".into()))
            .iter()
            .any(|e| matches!(e, Effect::Quit))
    );
}

#[test]
fn opening_a_trace_with_overrides_is_a_what_if() {
    let o = Overrides {
        consistency: Some(Consistency::MonotonicSession),
        ..Overrides::default()
    };
    let s = Session::open(&shipped(STALE_TRACE), &o).unwrap();
    assert_eq!(s.what_if().unwrap().broken.as_ref().unwrap().step, 8);
    let m = Session::open(&shipped(STALE_MODEL), &o).unwrap();
    assert!(m.header().consistency.starts_with("monotonic-session"));
}

#[test]
fn the_three_node_model_offers_alternatives_and_grouped_reads() {
    let mut s = open("models/statefulset-three-nodes.yaml");
    // Walk until a scheduler offers tied nodes.
    let mut found = false;
    for _ in 0..30 {
        if s.actions().iter().any(|a| a.kind == EntryKind::Alternative) {
            found = true;
            break;
        }
        let next = s
            .actions()
            .iter()
            .filter(|a| a.kind == EntryKind::Reads)
            .find_map(|a| a.action().cloned());
        let Some(next) = next else { break };
        s.handle(Command::Take(next));
    }
    assert!(found, "a scheduler with tied nodes");
    let alt = s
        .actions()
        .iter()
        .find(|a| a.kind == EntryKind::Alternative)
        .unwrap();
    assert!(
        alt.text().contains("alternative 2") && alt.text().contains("spec.nodeName=node-"),
        "{}",
        alt.text()
    );
}

#[test]
fn a_restarted_node_under_resettable_session_offers_grouped_reads_of_every_revision() {
    let mut s = open(STALE_TRACE);
    s.handle(Command::Goto(7));
    let lines: Vec<String> = s
        .actions()
        .iter()
        .filter(|a| a.actor == "node-1")
        .map(|a| a.text())
        .collect();
    // Every revision is offered, grouped by what it produces; the stale read the trace takes
    // (r6) tries to update web-0 from before it moved.
    assert!(lines[0].starts_with("node-1: r1 => "), "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.contains("(4 revisions) => nothing")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("node-1: r6 => update Pod web-0 (rejected")),
        "{lines:#?}"
    );
    assert!(lines.last().unwrap().contains("r15"), "{lines:#?}");
}
