//! Watches, reload, save: what survives and what is written.

use super::*;

#[test]
fn watches_follow_the_path_through_steps_what_if_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("stale.yaml");
    std::fs::copy(shipped(STALE_MODEL), &model).unwrap();
    let mut s = Session::open(&model, &Overrides::default()).unwrap();
    for a in trace_actions(STALE_TRACE) {
        s.handle(Command::Take(a));
    }
    s.handle(Command::Line("watch Pod/web-0 spec.nodeName".into()));
    s.handle(Command::Line("watch node-1 running".into()));
    let w = &s.watches()[0];
    assert_eq!(w.points.len(), 10);
    assert_eq!(w.points[7].value.as_deref(), Some("node-2"));
    assert!(w.points[7].changed);
    let running = &s.watches()[1];
    assert_eq!(running.points[8].value.as_deref(), Some("web-0"));
    // Next/previous change jump the cursor.
    s.handle(Command::Goto(0));
    s.handle(Command::NextChange(0));
    let first = s.cursor_step();
    assert!(first > 0 && s.watches()[0].points[first].changed);
    s.handle(Command::Last);
    s.handle(Command::PrevChange(0));
    assert_eq!(s.cursor_step(), 7);
    // Going back keeps them; so does a what-if and a reload.
    s.handle(Command::Back);
    assert_eq!(s.watches().len(), 2);
    s.handle(Command::Line("commit atomic".into()));
    assert_eq!(s.watches()[0].points.len(), 8);
    s.handle(Command::RestoreSettings);
    s.handle(Command::Last);
    let text = std::fs::read_to_string(&model).unwrap();
    std::fs::write(
        &model,
        text.replace("description: >", "description: >\n  Edited."),
    )
    .unwrap();
    s.run(Command::Reload);
    assert!(!s.message().unwrap().error, "{:?}", s.message());
    assert!(s.message().unwrap().text.contains("reloaded"));
    assert_eq!(s.path_len(), 9);
    assert_eq!(s.watches().len(), 2);
    assert_eq!(s.watches()[0].points[9].value.as_deref(), Some("node-2"));
    // Watching what is not there says so.
    s.handle(Command::Line("watch node-9 running".into()));
    assert!(s.message().unwrap().error);
}

#[test]
fn a_reload_that_fails_keeps_the_old_model_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("stale.yaml");
    std::fs::copy(shipped(STALE_MODEL), &model).unwrap();
    let mut s = Session::open(&model, &Overrides::default()).unwrap();
    for a in &trace_actions(STALE_TRACE)[..4] {
        s.handle(Command::Take(a.clone()));
    }
    // Bad YAML.
    std::fs::write(&model, "name: [unclosed\n").unwrap();
    s.run(Command::Reload);
    let m = s.message().unwrap();
    assert!(
        m.error && m.text.contains("reload failed") && m.text.contains("stale.yaml"),
        "{m:?}"
    );
    assert_eq!(s.path_len(), 4);
    // A model the path no longer fits: no image change allowed.
    let text = std::fs::read_to_string(shipped(STALE_MODEL)).unwrap();
    std::fs::write(
        &model,
        text.replace("images: [\"nginx:2\"]", "images: [\"nginx:3\"]"),
    )
    .unwrap();
    s.run(Command::Reload);
    let m = s.message().unwrap();
    assert!(m.error && m.text.contains("step 1"), "{m:?}");
    assert_eq!(s.path_len(), 4);
    assert!(s.path_lines()[1].text.contains("nginx:2"));
}

#[test]
fn a_saved_path_replays_even_when_it_violates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(STALE_MODEL);
    s.set_trace_dir(dir.path().to_path_buf());
    for a in &trace_actions(STALE_TRACE)[..3] {
        s.handle(Command::Take(a.clone()));
    }
    s.run(Command::Save(None));
    let saved = dir
        .path()
        .join("statefulset-stale-reads-explored-resettable-session.json");
    assert!(
        s.message().unwrap().text.contains("saved"),
        "{:?}",
        s.message()
    );
    let trace =
        crate::explore::trace::Trace::parse(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    assert_eq!(trace.steps.len(), 3);
    let replayed = crate::explore::replay::replay(&trace).unwrap();
    assert!(!replayed.violated);
    // The whole counterexample, saved under a name, replays with its violation.
    let mut s = open(STALE_TRACE);
    s.set_trace_dir(dir.path().to_path_buf());
    s.run(Command::Line("save mine".into()));
    let trace = crate::explore::trace::Trace::parse(
        &std::fs::read_to_string(dir.path().join("mine.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(trace.violation.property, "P8");
    assert_eq!(trace.violation.step, 9);
    assert!(crate::explore::replay::replay(&trace).unwrap().violated);
    // And it opens again, cursor on the violation.
    let again = Session::open(&dir.path().join("mine.json"), &Overrides::default()).unwrap();
    assert_eq!(again.cursor_step(), 9);
}

#[test]
fn a_branch_saves_as_a_trace_and_completion_knows_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(STALE_TRACE);
    s.set_trace_dir(dir.path().to_path_buf());
    s.handle(Command::Goto(5));
    let other = s
        .actions()
        .iter()
        .find(|e| e.kind == EntryKind::Restart && e.outcome.contains("node-2"))
        .and_then(|e| e.action().cloned())
        .unwrap();
    s.handle(Command::Take(other));
    let branch = s.forks()[0].branches[0].node;
    // The branch (the trace's own continuation) saves whole, with its violation.
    s.run(Command::SaveBranch(branch, Some("branch".into())));
    let text = std::fs::read_to_string(dir.path().join("branch.json")).unwrap();
    let trace = crate::explore::trace::Trace::parse(&text).unwrap();
    assert_eq!((trace.steps.len(), trace.violation.step), (9, 9));
    assert!(crate::explore::replay::replay(&trace).unwrap().violated);
    // Completion offers the cursor's resources and controllers and their fields.
    s.handle(Command::SwitchBranch(branch));
    s.handle(Command::Last);
    assert_eq!(s.cursor_step(), 9);
    assert!(
        s.complete("watch Pod/w")
            .contains(&"watch Pod/web-0".to_string())
    );
    assert!(
        s.complete("watch Pod/web-0 spec.node")
            .contains(&"watch Pod/web-0 spec.nodeName".to_string())
    );
    assert!(
        s.complete("watch node-1 run")
            .contains(&"watch node-1 running".to_string())
    );
}
