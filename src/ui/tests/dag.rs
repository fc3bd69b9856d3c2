//! The revision DAG pane: what it lights per consistency level (a session and the pane, no
//! terminal), then toggling it with the state tree, following the path cursor and selecting
//! a revision (keys on the app), and its snapshots.

use super::*;
use crate::explore::session::Command;
use crate::history_view::{DagGraph, Highlight, Layout, Mark};
use crate::model::history::Consistency;
use crate::ui::layout::PaneId;
use crate::ui::pane::Pane;
use crate::ui::panes::dag::DagPane;

/// The stale-reads model under `level`, after the steps described (`restart node node-2`).
fn session_after(level: Consistency, read_your_writes: bool, steps: &[&str]) -> Session {
    let overrides = Overrides {
        consistency: Some(level),
        read_your_writes,
        ..Overrides::default()
    };
    let mut s = Session::open(Path::new(MODEL), &overrides).unwrap();
    for step in steps {
        let t = s
            .system()
            .transitions(s.state())
            .into_iter()
            .find(|t| s.system().describe(&t.action) == *step)
            .unwrap_or_else(|| panic!("no step `{step}`"));
        s.handle(Command::Take(t.action));
    }
    s
}

/// What the pane lights with the actions pane on the line `line` (its text starts so) and
/// its read `choice`.
fn lit_on(s: &Session, line: &str, choice: usize) -> (DagPane, Highlight) {
    let mut pane = DagPane::default();
    pane.shown = true;
    pane.sync(s);
    let entry = s
        .actions()
        .iter()
        .position(|e| e.text().starts_with(line))
        .unwrap_or_else(|| panic!("no line `{line}`"));
    pane.link(s, Some((entry, choice)));
    let lit = pane.highlight();
    (pane, lit)
}

fn readable(lit: &Highlight) -> Vec<u64> {
    lit.marked(&Mark::Readable)
}

#[test]
fn synchronous_lights_only_the_latest_and_a_session_level_what_lies_past_the_session() {
    let s = session_after(Consistency::Synchronous, false, &[]);
    let (_, lit) = lit_on(&s, "node-2", 0);
    assert_eq!(readable(&lit), [8]);
    assert!(lit.marked(&Mark::Session).is_empty(), "{lit:?}");
    let s = session_after(Consistency::MonotonicSession, false, &[]);
    let (_, lit) = lit_on(&s, "node-2", 0);
    assert_eq!(readable(&lit), [3, 4, 5, 6, 7, 8]);
    assert_eq!(lit.marked(&Mark::Session), [2]);
    assert_eq!(lit.summary(), "readable r3..r8 · session r2 · read r3");
}

#[test]
fn after_a_restart_resettable_session_lights_every_revision_and_monotonic_only_the_latest() {
    let steps = ["restart node node-2"];
    let s = session_after(Consistency::ResettableSession, false, &steps);
    let (_, lit) = lit_on(&s, "node-2", 0);
    assert_eq!(readable(&lit), (1..=9).collect::<Vec<_>>());
    assert!(lit.marked(&Mark::Session).is_empty());
    let s = session_after(Consistency::MonotonicSession, false, &steps);
    let (_, lit) = lit_on(&s, "node-2", 0);
    assert_eq!(readable(&lit), [9]);
}

#[test]
fn causal_lights_both_heads_and_a_merge_read_marks_them_both() {
    let steps = [
        "change image of StatefulSet/web to nginx:2",
        "restart node node-1",
        "statefulset reads r9",
    ];
    let s = session_after(Consistency::Causal, false, &steps);
    let (pane, lit) = lit_on(&s, "statefulset: {r10,r11}", 0);
    assert_eq!(pane.graph().unwrap().heads(), [10, 11]);
    assert_eq!(readable(&lit), [10, 11]);
    assert_eq!(lit.marked(&Mark::Read), [10, 11]);
    assert_eq!(lit.marked(&Mark::Session), [9]);
    // The same steps under monotonic-session: one head, and no merge to read.
    let s = session_after(Consistency::MonotonicSession, false, &steps);
    let (pane, _) = lit_on(&s, "statefulset", 0);
    assert_eq!(pane.graph().unwrap().heads(), [11]);
    assert!(!s.actions().iter().any(|e| e.text().contains('{')));
}

#[test]
fn optimistic_linear_lights_past_the_commit_point_into_the_lost_branch() {
    let steps = ["restart node node-1", "node-1 reads r1"];
    let s = session_after(Consistency::OptimisticLinear, false, &steps);
    let (pane, lit) = lit_on(&s, "node-2: r3..", 0);
    let graph = pane.graph().unwrap();
    assert_eq!(graph.commit_point, Some(10));
    assert_eq!(graph.lost(), (2..=9).collect::<Vec<_>>());
    assert_eq!(readable(&lit), (3..=10).collect::<Vec<_>>());
    let s = session_after(Consistency::MonotonicSession, false, &steps[..1]);
    let (pane, _) = lit_on(&s, "node-2", 0);
    assert_eq!(pane.graph().unwrap().commit_point, None);
    assert!(pane.graph().unwrap().lost().is_empty());
}

#[test]
fn informer_lights_each_cache_at_its_own_revision_and_a_cache_move_marks_its_target() {
    let s = session_after(Consistency::Informer, false, &[]);
    let (_, lit) = lit_on(&s, "scheduler: nodes@", 0);
    assert_eq!(
        lit.summary(),
        "readable r3, r7 · nodes cache r3 · pods cache r7 · read r3, r7"
    );
    let s = session_after(
        Consistency::Informer,
        false,
        &["change image of StatefulSet/web to nginx:2"],
    );
    let moves = s
        .actions()
        .iter()
        .position(|e| e.kind == crate::explore::session::EntryKind::Cache)
        .expect("a cache can move");
    let focus = s.dag_focus(moves, 0).unwrap();
    let mut pane = DagPane::default();
    pane.shown = true;
    pane.sync(&s);
    pane.link(&s, Some((moves, 0)));
    assert_eq!(pane.highlight().marked(&Mark::Read), focus.reads);
    assert_eq!(focus.reads.len(), 1);
    // Monotonic-session has no caches to light.
    let s = session_after(Consistency::MonotonicSession, false, &[]);
    let (_, lit) = lit_on(&s, "scheduler", 0);
    assert!(lit.marked(&Mark::Cache { kinds: vec![] }).is_empty());
}

#[test]
fn read_your_writes_lights_from_the_last_write_on_and_without_it_from_the_session() {
    let steps = [
        "change image of StatefulSet/web to nginx:2",
        "restart node node-1",
        "statefulset reads r9",
    ];
    let s = session_after(Consistency::MonotonicSession, true, &steps);
    let (_, lit) = lit_on(&s, "statefulset", 0);
    assert_eq!(lit.marked(&Mark::LastWrite), [11]);
    assert_eq!(readable(&lit), [11]);
    let s = session_after(Consistency::MonotonicSession, false, &steps);
    let (_, lit) = lit_on(&s, "statefulset", 0);
    assert!(lit.marked(&Mark::LastWrite).is_empty());
    assert_eq!(readable(&lit), [10, 11]);
}

#[test]
fn the_chosen_read_of_a_group_is_the_one_marked_read() {
    let s = session_after(Consistency::MonotonicSession, false, &[]);
    let (_, first) = lit_on(&s, "node-2", 0);
    let (_, third) = lit_on(&s, "node-2", 2);
    assert_eq!(first.marked(&Mark::Read), [3]);
    assert_eq!(third.marked(&Mark::Read), [5]);
    // The environment's lines light nothing.
    let (_, none) = lit_on(&s, "environment", 0);
    assert_eq!(none, Highlight::none());
}

// ---- on the app ----

fn session(app: &App) -> &Session {
    app.session.as_ref().unwrap()
}

#[test]
fn r_shows_the_dag_in_the_state_trees_place_and_tab_visits_it_instead() {
    let mut app = app_on(TRACE);
    app.focus = PaneId::State;
    assert!(render(&app, 160, 48).contains("r revision DAG"));
    typed(&mut app, "r");
    assert_eq!(app.focus, PaneId::Dag);
    let screen = render(&app, 160, 48);
    assert!(
        screen.contains("revisions at step 9 · 16 · latest r16"),
        "{screen}"
    );
    assert!(!screen.contains("state at step"), "{screen}");
    assert!(screen.contains("r state tree"), "{screen}");
    typed(&mut app, "<Tab>");
    assert_eq!(app.focus, PaneId::Properties);
    typed(&mut app, "<BackTab>");
    assert_eq!(app.focus, PaneId::Dag);
    typed(&mut app, "<BackTab><BackTab>");
    assert_eq!(app.focus, PaneId::Path);
    // From another pane `r` toggles too, and the focus stays.
    typed(&mut app, "r");
    assert_eq!(app.focus, PaneId::Path);
    assert!(render(&app, 160, 48).contains("state at step 9"));
}

#[test]
fn the_dag_follows_the_path_cursor_and_appends_as_the_path_goes_on() {
    let mut app = app_on(TRACE);
    typed(&mut app, "r");
    typed(&mut app, "b");
    let screen = render(&app, 160, 48);
    assert!(
        screen.contains("revisions at step 8 · 15 · latest r15"),
        "{screen}"
    );
    assert!(screen.contains("● r15 s7 scheduler"), "{screen}");
    typed(&mut app, "g");
    assert!(render(&app, 160, 48).contains("revisions at step 0 · 8 · latest r8"));
    // Forward step by step: each graph grown from the one before is the graph built afresh.
    for step in 1..=9 {
        typed(&mut app, "f");
        let s = session(&app);
        assert_eq!(s.cursor_step(), step);
        let pane = &app.panes.dag;
        let grown = pane.graph().unwrap();
        let provenance = {
            let mut p = crate::history_view::Provenance::of_start(s.system());
            p.extend(crate::history_view::Provenance::from_transitions(
                s.system(),
                1,
                &s.steps_into(s.tree().cursor(), 0),
            ));
            p
        };
        let fresh = DagGraph::of_state(s.system(), s.state(), &provenance);
        assert_eq!(
            grown.nodes().collect::<Vec<_>>(),
            fresh.nodes().collect::<Vec<_>>()
        );
        assert_eq!(grown.edges(), fresh.edges());
        assert_eq!(pane.layout().unwrap().rows(), Layout::of(&fresh).rows());
        assert!(pane.view_state().follow, "the latest stays in view");
    }
    assert!(render(&app, 160, 48).contains("● r16 s9 node-2: update Pod web-0"));
}

#[test]
fn a_selected_revision_shows_its_state_and_diff_and_enter_opens_the_diff() {
    let mut app = app_on(TRACE);
    app.focus = PaneId::State;
    typed(&mut app, "r");
    let plain = render(&app, 160, 48);
    assert!(!plain.contains("-> latest"), "{plain}");
    typed(&mut app, "jj");
    assert_eq!(app.panes.dag.selected(), Some(14));
    let screen = render(&app, 160, 48);
    assert!(screen.contains("r14 -> latest r16: 1 differ"), "{screen}");
    assert!(screen.contains("spec.nodeName: - -> node-2"), "{screen}");
    assert!(screen.contains("state at r14"), "{screen}");
    typed(&mut app, "<Enter>");
    let diff = render(&app, 160, 48);
    assert!(diff.contains("r14 -> latest r16"), "{diff}");
    assert_eq!(session(&app).diff().unwrap().title, "r14 -> latest r16");
    typed(&mut app, "<Esc>");
    assert!(session(&app).diff().is_none());
    // Home selects the latest: nothing differs; Esc leaves the selection.
    key(&mut app, KeyCode::Home, KeyModifiers::NONE);
    assert!(render(&app, 160, 48).contains("r16 is the latest"));
    typed(&mut app, "<Esc>");
    assert_eq!(app.panes.dag.selected(), None);
    // A selection outlives a step back while its revision is still there.
    typed(&mut app, "jjb");
    assert_eq!(app.panes.dag.selected(), Some(14));
}

#[test]
fn the_actions_selection_picks_the_reader_the_dag_lights() {
    let mut app = app_on(TRACE);
    typed(&mut app, "r");
    let first = render(&app, 160, 48);
    assert!(
        first.contains("scheduler: readable r15..r16 · session r14"),
        "{first}"
    );
    typed(&mut app, "jl");
    let next = render(&app, 160, 48);
    assert!(
        next.contains("node-1: readable r7..r16 · session r6"),
        "{next}"
    );
    assert_eq!(app.panes.dag.highlight().marked(&Mark::Read), [8]);
}

#[test]
fn snapshots_of_the_explorer_with_the_dag() {
    for (width, height) in [(80, 24), (160, 48)] {
        let mut app = app_on(TRACE);
        render(&app, width, height);
        typed(&mut app, "r");
        insta::assert_snapshot!(format!("dag_{width}x{height}"), render(&app, width, height));
        // Two revisions down from the latest, in a pane of this size.
        app.focus = PaneId::Dag;
        typed(&mut app, "jj");
        let name = format!("dag_selected_{width}x{height}");
        insta::assert_snapshot!(name, render(&app, width, height));
    }
}
