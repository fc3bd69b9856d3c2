//! Session tests, without a terminal: commands in, assertions on the session.

use std::path::{Path, PathBuf};

use super::*;
use crate::model::history::{CommitMode, Consistency, ConsistencySetting};

fn shipped(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

const STALE_TRACE: &str = "traces/statefulset-stale-reads-P8-resettable-session.json";
const STALE_MODEL: &str = "models/statefulset-stale-reads.yaml";

fn open(path: &str) -> Session {
    Session::open(&shipped(path), &Overrides::default()).expect("a shipped file opens")
}

/// The trace's steps as actions.
fn trace_actions(path: &str) -> Vec<Action> {
    let text = std::fs::read_to_string(shipped(path)).unwrap();
    let trace = crate::explore::trace::Trace::parse(&text).unwrap();
    trace.steps.into_iter().map(|s| s.action).collect()
}

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
fn check_from_here_appends_a_counterexample() {
    let mut s = open(STALE_TRACE);
    s.handle(Command::Goto(7));
    s.run(Command::Line("check bfs depth=3".into()));
    assert!(s.check_running() || s.check_report().is_some());
    s.wait_check();
    let report = s.check_report().expect("a report").to_string();
    assert!(report.contains("P8"), "{report}");
    assert!(s.path_len() >= 8 && s.cursor_step() == s.path_len());
    assert_eq!(s.header().violated, vec!["P8"]);
    // The path up to step 7 is the trace's.
    assert!(s.path_lines()[7].text.starts_with("7. scheduler reads r14"));
}

#[test]
fn check_from_here_holds_within_its_bound_and_a_check_can_be_cancelled() {
    let mut s = open(STALE_MODEL);
    s.run(Command::Check(CheckSpec {
        max_depth: Some(1),
        ..CheckSpec::of(Strategy::Bfs)
    }));
    s.wait_check();
    let report = s.check_report().unwrap();
    assert!(report.contains("holds within depth 1"), "{report}");
    assert_eq!(s.path_len(), 0);
    // A long simulation, cancelled at once.
    s.run(Command::Check(CheckSpec {
        timeout_secs: Some(600),
        ..CheckSpec::of(Strategy::Simulation)
    }));
    assert!(s.check_status().is_some());
    s.handle(Command::CancelCheck);
    assert!(s.check_status().is_none_or(|c| c.cancelling));
    s.wait_check();
    let report = s.check_report().unwrap();
    assert!(
        report.contains("cancelled") || report.contains("P8"),
        "{report}"
    );
}

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

#[test]
fn check_from_a_violating_state_says_so_and_appends_nothing() {
    let mut s = open(STALE_TRACE);
    s.run(Command::Check(CheckSpec::of(Strategy::Dfs)));
    s.wait_check();
    let report = s.check_report().unwrap();
    assert!(report.contains("violated here already"), "{report}");
    assert_eq!(s.path_len(), 9);
}
