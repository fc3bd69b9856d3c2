//! Moving along the path, forks kept as branches, diffs.

use super::*;

#[test]
fn take_back_redo_and_goto_move_along_the_path() {
    let mut s = open(STALE_MODEL);
    let actions = trace_actions(STALE_TRACE);
    for a in &actions[..3] {
        s.handle(Command::Take(a.clone()));
        assert!(s.message().is_none_or(|m| !m.error), "{:?}", s.message());
    }
    assert_eq!((s.cursor_step(), s.path_len()), (3, 3));
    s.handle(Command::Back);
    s.handle(Command::Back);
    assert_eq!((s.cursor_step(), s.path_len()), (1, 3));
    assert!(s.path_lines()[2].after_cursor);
    s.handle(Command::Redo);
    assert_eq!(s.cursor_step(), 2);
    s.handle(Command::Goto(0));
    assert_eq!(s.cursor_step(), 0);
    s.handle(Command::Last);
    assert_eq!(s.cursor_step(), 3);
    s.handle(Command::Redo);
    assert!(s.message().unwrap().error);
    s.handle(Command::Goto(9));
    assert!(s.message().unwrap().text.contains("no step 9"));
    s.handle(Command::Line("goto 1".into()));
    assert_eq!(s.cursor_step(), 1);
    s.handle(Command::First);
    s.handle(Command::Back);
    assert!(s.message().unwrap().error);
    // The last step's changes, field by field.
    s.handle(Command::Goto(1));
    let changes = s.last_changes();
    let sts = changes.iter().find(|d| d.key == "StatefulSet/web").unwrap();
    assert!(
        sts.fields
            .iter()
            .any(|f| f.path.contains("image") && f.new.as_deref() == Some("nginx:2")),
        "{sts:?}"
    );
}

#[test]
fn a_different_action_after_going_back_forks_and_the_branch_can_be_switched_to() {
    let mut s = open(STALE_MODEL);
    let actions = trace_actions(STALE_TRACE);
    for a in &actions[..3] {
        s.handle(Command::Take(a.clone()));
    }
    s.handle(Command::Goto(0));
    // Another first step: restart node-2.
    let restart = s
        .actions()
        .iter()
        .find(|e| e.kind == EntryKind::Restart && e.outcome.contains("node-2"))
        .and_then(|e| e.action().cloned())
        .unwrap();
    let preview = s.preview(&restart).unwrap();
    assert!(
        preview.iter().any(|d| d.key == "Node/node-2"),
        "{preview:?}"
    );
    s.handle(Command::Take(restart));
    assert!(s.message().unwrap().text.contains("new branch"));
    assert_eq!(s.path_len(), 1);
    let forks = s.forks();
    assert_eq!(forks.len(), 1);
    assert_eq!(forks[0].step, 1);
    let old = &forks[0].branches[0];
    assert_eq!(old.steps, 3);
    assert!(old.text.contains("change image"), "{}", old.text);
    s.handle(Command::DiffBranch(old.node));
    assert!(!s.diff().unwrap().entries.is_empty());
    s.handle(Command::SwitchBranch(old.node));
    assert_eq!((s.cursor_step(), s.path_len()), (1, 3));
    assert!(s.path_lines()[1].text.contains("change image"));
    assert_eq!(s.forks()[0].branches.len(), 1);
    // Taking the same action again follows the existing child, no new branch.
    s.handle(Command::Back);
    s.handle(Command::Take(actions[0].clone()));
    assert_eq!(s.tree().len(), 5);
    assert_eq!(s.path_len(), 3);
}

#[test]
fn a_diff_of_two_steps_shows_resources_and_local_states_field_by_field() {
    let mut s = open(STALE_TRACE);
    s.handle(Command::Line("diff 3 7".into()));
    let d = s.diff().expect("a diff");
    assert_eq!(d.title, "step 3 -> step 7");
    let pod = d.entries.iter().find(|e| e.key == "Pod/web-0").unwrap();
    assert!(
        pod.fields
            .iter()
            .any(|f| f.path == "spec.nodeName" && f.new.as_deref() == Some("node-2")),
        "{pod:?}"
    );
    // Node node-1 was force-deleted by its restart at step 6.
    let node = d.entries.iter().find(|e| e.key == "Node/node-1").unwrap();
    assert_eq!(node.change, Change::Removed);
    assert!(d.entries.iter().any(|e| e.local), "local states differ too");
    s.handle(Command::Goto(5));
    s.handle(Command::Mark);
    s.handle(Command::Goto(8));
    s.handle(Command::DiffMarked);
    assert_eq!(s.diff().unwrap().title, "step 5 -> step 8");
    let node1 = s
        .diff()
        .unwrap()
        .entries
        .iter()
        .find(|e| e.local && e.key == "node-1")
        .cloned()
        .unwrap();
    assert!(
        node1
            .fields
            .iter()
            .any(|f| f.path.starts_with("running.web-0"))
    );
}
