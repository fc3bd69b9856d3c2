//! What the session gives the revision-DAG pane: the steps into a node, the reader a line of
//! the actions is about and what its action reads, a revision's state and diff.

use super::*;

#[test]
fn the_steps_into_a_node_are_the_paths_steps_taken_again() {
    let s = open(STALE_TRACE);
    let actions = trace_actions(STALE_TRACE);
    let all = s.steps_into(s.tree().cursor(), 0);
    let taken: Vec<Action> = all.iter().map(|t| t.action.clone()).collect();
    assert_eq!(taken, actions);
    assert_eq!(all.last().unwrap().next, *s.state());
    let tail = s.steps_into(s.tree().cursor(), 5);
    assert_eq!(tail.len(), 4);
    assert_eq!(tail[0].action, actions[5]);
    assert!(s.steps_into(s.tree().cursor(), 9).is_empty());
}

#[test]
fn a_controllers_line_names_its_reader_and_the_read_chosen_and_the_environments_none() {
    let s = open(STALE_MODEL);
    let node2 = s
        .actions()
        .iter()
        .position(|e| e.text().starts_with("node-2: r3..r8"))
        .unwrap();
    let first = s.dag_focus(node2, 0).unwrap();
    assert_eq!(
        (first.reader.as_str(), first.reads.clone()),
        ("node-2", vec![3])
    );
    assert_eq!(s.dag_focus(node2, 2).unwrap().reads, [5]);
    // A choice past the group's reads falls back to its first.
    assert_eq!(s.dag_focus(node2, 99).unwrap().reads, [3]);
    let env = s
        .actions()
        .iter()
        .position(|e| e.actor == "environment")
        .unwrap();
    assert_eq!(s.dag_focus(env, 0), None);
    assert_eq!(s.dag_focus(999, 0), None);
}

#[test]
fn an_informer_step_reads_a_revision_per_kind_and_a_cache_move_its_target() {
    let overrides = Overrides {
        consistency: Some(Consistency::Informer),
        ..Overrides::default()
    };
    let mut s = Session::open(&shipped(STALE_MODEL), &overrides).unwrap();
    let scheduler = s
        .actions()
        .iter()
        .position(|e| e.actor == "scheduler")
        .unwrap();
    assert_eq!(s.dag_focus(scheduler, 0).unwrap().reads, [3, 7]);
    let image = s
        .actions()
        .iter()
        .position(|e| e.text().contains("change image"))
        .unwrap();
    s.handle(Command::TakeEntry(image));
    let (i, entry) = s
        .actions()
        .iter()
        .enumerate()
        .find(|(_, e)| e.kind == EntryKind::Cache)
        .expect("a cache lags the change");
    let Some(Action::Cache { revision, .. }) = entry.action() else {
        panic!("a cache line moves a cache: {entry:?}");
    };
    assert_eq!(s.dag_focus(i, 0).unwrap().reads, [*revision]);
}

#[test]
fn a_revision_shows_its_state_and_its_diff_against_the_latest() {
    let mut s = open(STALE_TRACE);
    let latest = s.revision_view(16).unwrap();
    assert!(latest.diff.is_empty());
    let r14 = s.revision_view(14).unwrap();
    assert_eq!((r14.revision, r14.latest), (14, 16));
    let pod = r14.diff.iter().find(|d| d.key == "Pod/web-0").unwrap();
    assert!(
        pod.fields
            .iter()
            .any(|f| f.path == "spec.nodeName" && f.new.as_deref() == Some("node-2")),
        "{pod:?}"
    );
    let start = s.revision_view(1).unwrap();
    let kinds: Vec<&str> = start.resources.iter().map(|k| k.kind.name()).collect();
    assert!(!kinds.contains(&"Pod"), "{kinds:?}");
    assert_eq!(s.revision_view(99), None);
    // The diff overlay's command, and an unknown revision's error.
    s.handle(Command::DiffRevision(14));
    assert_eq!(s.diff().unwrap().title, "r14 -> latest r16");
    assert_eq!(s.diff().unwrap().entries, r14.diff);
    s.handle(Command::CloseDiff);
    s.handle(Command::DiffRevision(99));
    assert!(s.diff().is_none());
    assert!(s.message().unwrap().error);
    assert!(s.message().unwrap().text.contains("no revision r99"));
}

#[test]
fn the_tree_generation_changes_with_a_what_if_and_not_with_a_step() {
    let mut s = open(STALE_TRACE);
    let before = s.tree_generation();
    s.handle(Command::Back);
    assert_eq!(s.tree_generation(), before);
    s.handle(Command::Consistency(ConsistencySetting::of(
        Consistency::MonotonicSession,
    )));
    assert_ne!(s.tree_generation(), before);
}
