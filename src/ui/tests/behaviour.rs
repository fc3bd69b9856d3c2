//! Behaviour behind the keys, the mouse, resizes and colours, and the whole loop on a
//! `TestBackend`.

use std::sync::mpsc::channel;

use ratatui::crossterm::event::{KeyEventKind, KeyEventState, MouseEvent, MouseEventKind};
use ratatui::style::Color;

use super::*;
use crate::explore::trace::Trace;
use crate::ui::event;
use crate::ui::layout::{self, PaneId};

fn session(app: &App) -> &Session {
    app.session.as_ref().unwrap()
}

#[test]
fn enter_takes_the_selected_action_and_back_redo_first_last_move_the_cursor() {
    let mut app = app_on(MODEL);
    render(&app, 160, 48);
    typed(&mut app, "/change image<Enter><Enter>");
    assert_eq!(
        (session(&app).cursor_step(), session(&app).path_len()),
        (1, 1)
    );
    assert!(render(&app, 160, 48).contains("1. change image of StatefulSet/web"));
    typed(&mut app, "<Esc><Enter>");
    assert_eq!(session(&app).cursor_step(), 2);
    typed(&mut app, "b");
    assert_eq!(
        (session(&app).cursor_step(), session(&app).path_len()),
        (1, 2)
    );
    typed(&mut app, "f");
    assert_eq!(session(&app).cursor_step(), 2);
    typed(&mut app, "g");
    assert_eq!(session(&app).cursor_step(), 0);
    typed(&mut app, "G");
    assert_eq!(session(&app).cursor_step(), 2);
    typed(&mut app, ":goto 1<Enter>");
    assert_eq!(session(&app).cursor_step(), 1);
}

#[test]
fn right_and_left_choose_which_read_of_a_group_is_taken() {
    let mut app = app_on(MODEL);
    render(&app, 160, 48);
    // node-2 reads r3..r8: the oldest by default, the next one after `l`.
    typed(&mut app, "/node-2<Enter>");
    assert!(render(&app, 160, 48).contains("preview: node-2 reads r3 (1 of 6"));
    typed(&mut app, "ll");
    assert!(render(&app, 160, 48).contains("preview: node-2 reads r5 (3 of 6"));
    typed(&mut app, "h<Enter>");
    let path = render(&app, 160, 48);
    assert!(path.contains("1. node-2 reads r4"), "{path}");
}

#[test]
fn a_different_action_after_going_back_is_a_branch_listed_at_its_fork() {
    let mut app = app_on(TRACE);
    typed(&mut app, "g");
    typed(&mut app, "/restart node node-2<Enter><Enter><Esc>");
    assert_eq!(session(&app).path_len(), 1);
    let screen = render(&app, 160, 48);
    assert!(screen.contains("├ branch 1. change image"), "{screen}");
    // Path pane: select the branch (n) and switch to it (Enter).
    app.focus = PaneId::Path;
    typed(&mut app, "n<Enter>");
    assert_eq!(session(&app).path_len(), 9);
    assert!(render(&app, 160, 48).contains("├ branch 1. restart node node-2"));
}

#[test]
fn tab_and_shift_tab_move_the_focus_and_the_footer_follows() {
    let mut app = app_on(MODEL);
    assert_eq!(app.focus, PaneId::Actions);
    typed(&mut app, "<Tab>");
    assert_eq!(app.focus, PaneId::State);
    assert!(render(&app, 160, 48).contains("w watch field"));
    typed(&mut app, "<BackTab><BackTab>");
    assert_eq!(app.focus, PaneId::Path);
    assert!(render(&app, 160, 48).contains("n next branch"));
}

#[test]
fn the_state_tree_opens_closes_and_filters() {
    let mut app = app_on(MODEL);
    app.focus = PaneId::State;
    let closed = render(&app, 160, 48);
    assert!(!closed.contains("spec.nodeName"));
    // Node (2), node-1, node-2, Pod (1), web-0: open web-0.
    typed(&mut app, "jjjj<Right>");
    let open = render(&app, 160, 48);
    assert!(open.contains("spec.nodeName: node-1"), "{open}");
    typed(&mut app, "<Left>");
    assert!(!render(&app, 160, 48).contains("spec.nodeName"));
    typed(&mut app, "/nodeName<Enter>");
    let filtered = render(&app, 160, 48);
    assert!(filtered.contains("spec.nodeName: node-1") && !filtered.contains("StatefulSet (1)"));
}

#[test]
fn w_on_a_field_watches_it_and_n_jumps_to_its_next_change() {
    let mut app = app_on(TRACE);
    typed(&mut app, "g");
    app.focus = PaneId::State;
    typed(&mut app, "/spec.nodeName<Enter>");
    typed(&mut app, "jjj");
    typed(&mut app, "w");
    let screen = render(&app, 160, 48);
    assert!(
        screen.contains("watch 1: Pod/web-0 spec.nodeName"),
        "{screen}"
    );
    typed(
        &mut app,
        "<Esc>:watch Pod/web-0 metadata.resourceVersion<Enter>",
    );
    assert!(render(&app, 160, 48).contains("watch 2: Pod/web-0 metadata.resourceVersion"));
    typed(&mut app, "n");
    let first = session(&app).cursor_step();
    typed(&mut app, "n");
    let second = session(&app).cursor_step();
    assert!(0 < first && first < second, "{first} {second}");
    typed(&mut app, "N");
    assert_eq!(session(&app).cursor_step(), first);
}

#[test]
fn the_mouse_selects_and_scrolls() {
    let mut app = app_on(TRACE);
    render(&app, 160, 48);
    let areas = layout::areas(Rect::new(0, 0, 160, 48)).unwrap();
    let path = areas.pane(PaneId::Path);
    let click = |row: u16| {
        UiEvent::Term(Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(ratatui::crossterm::event::MouseButton::Left),
            column: path.x + 3,
            row,
            modifiers: KeyModifiers::NONE,
        }))
    };
    // The row of step 3 is the fourth inside the border.
    app.handle(click(path.y + 4));
    assert_eq!(app.focus, PaneId::Path);
    assert_eq!(session(&app).cursor_step(), 3);
    let scroll = UiEvent::Term(Event::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: path.x + 3,
        row: path.y + 4,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.handle(scroll), Flow::Redraw);
    typed(&mut app, "<Enter>");
    assert_eq!(session(&app).cursor_step(), 6);
}

#[test]
fn resizes_are_clean_and_a_small_terminal_gets_a_message() {
    let mut app = app_on(TRACE);
    for (w, h) in [
        (160, 48),
        (80, 24),
        (79, 24),
        (40, 10),
        (1, 1),
        (200, 60),
        (80, 24),
    ] {
        assert_eq!(app.handle(UiEvent::Term(Event::Resize(w, h))), Flow::Redraw);
        let screen = render(&app, w, h);
        if w < 80 {
            assert!(w < 20 || screen.contains("orchard"), "{screen}");
        } else {
            assert!(screen.contains("VIOLATED: P8"), "{screen}");
        }
    }
    assert_eq!(typed(&mut app, "q"), Flow::Quit);
}

#[test]
fn no_color_draws_without_colours() {
    let draw = |color: bool| {
        let session = Session::open(Path::new(TRACE), &Overrides::default()).unwrap();
        let app = App::new(session, Keymap::standard().unwrap(), Theme { color });
        let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
        terminal.draw(|f| app.draw(f)).unwrap();
        terminal.backend().buffer().clone()
    };
    let plain = draw(false);
    assert!(
        plain
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    let coloured = draw(true);
    assert!(coloured.content.iter().any(|c| c.fg == Color::Red));
}

#[test]
fn releases_and_repeats_are_ignored_and_ctrl_c_always_quits() {
    let mut app = app_on(MODEL);
    for kind in [KeyEventKind::Release, KeyEventKind::Repeat] {
        let q = KeyEvent {
            code: KeyCode::Char('q'),
            modifiers: KeyModifiers::NONE,
            kind,
            state: KeyEventState::NONE,
        };
        assert_eq!(app.handle(UiEvent::Term(Event::Key(q))), Flow::Same);
    }
    typed(&mut app, ":goto");
    assert_eq!(
        key(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL),
        Flow::Quit
    );
    let mut picker = picker_app();
    assert_eq!(
        key(&mut picker, KeyCode::Char('c'), KeyModifiers::CONTROL),
        Flow::Quit
    );
    let mut help = app_on(MODEL);
    typed(&mut help, "?");
    assert_eq!(
        key(&mut help, KeyCode::Char('c'), KeyModifiers::CONTROL),
        Flow::Quit
    );
}

#[test]
fn the_start_picker_filters_and_opens_a_trace_at_its_violation() {
    let mut app = picker_app();
    typed(&mut app, "stale-reads-P8-resettable");
    typed(&mut app, "<Enter>");
    let s = session(&app);
    assert_eq!((s.cursor_step(), s.path_len()), (9, 9));
    assert!(render(&app, 80, 24).contains("VIOLATED: P8"));
    let mut app = picker_app();
    assert_eq!(
        typed(&mut app, "<Esc>"),
        Flow::Quit,
        "Esc in the start picker quits"
    );
}

#[test]
fn a_what_if_is_shown_and_restore_switches_back() {
    let mut app = app_on(TRACE);
    typed(&mut app, ":consistency monotonic-session<Enter>");
    let screen = render(&app, 160, 48);
    assert!(screen.contains("step 8: node-1 reads r6"), "{screen}");
    assert!(
        screen.contains("may not read r6 under monotonic-session"),
        "{screen}"
    );
    typed(&mut app, "<Esc>:restore<Enter>");
    let back = render(&app, 160, 48);
    assert!(
        back.contains("resettable-session") && back.contains("VIOLATED: P8"),
        "{back}"
    );
    typed(
        &mut app,
        ":consistency resettable-session read-your-writes<Enter>",
    );
    let ryw = render(&app, 160, 48);
    assert!(ryw.contains("all 9 steps are still possible"), "{ryw}");
}

#[test]
fn check_from_here_shows_progress_and_esc_cancels() {
    let session = Session::open(
        Path::new(MODEL),
        &Overrides {
            consistency: Some(crate::model::history::Consistency::MonotonicSession),
            ..Overrides::default()
        },
    )
    .unwrap();
    let mut app = App::new(session, Keymap::standard().unwrap(), Theme { color: false });
    typed(&mut app, "c");
    assert!(app.tick().is_some(), "ticks while a check runs");
    assert!(render(&app, 160, 48).contains("check bfs from step 0"));
    // Keys still reach the panes while it runs; with the overlay covered by the command
    // line and closed, Esc still cancels.
    typed(&mut app, "<Tab>");
    assert_eq!(app.focus, PaneId::State);
    typed(&mut app, ":<Esc>");
    assert!(app.overlay.is_none());
    typed(&mut app, "<Esc>");
    assert!(
        app.session
            .as_ref()
            .unwrap()
            .check_status()
            .is_none_or(|s| s.cancelling)
    );
    app.session.as_mut().unwrap().wait_check();
    app.handle(UiEvent::Tick);
    assert!(app.tick().is_none(), "no tick once idle");
    assert!(!render(&app, 160, 48).contains("check from here"));
}

#[test]
fn a_saved_path_is_a_trace_and_a_bad_name_or_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on(MODEL);
    app.session
        .as_mut()
        .unwrap()
        .set_trace_dir(dir.path().to_path_buf());
    typed(&mut app, "/change image<Enter><Enter>s");
    typed(&mut app, "mine<Enter>");
    let file = dir.path().join("mine.json");
    let trace = Trace::parse(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(trace.steps.len(), 1);
    assert!(render(&app, 160, 48).contains("saved"));
    typed(&mut app, ":open /nonexistent/m.yaml<Enter>");
    assert!(render(&app, 160, 48).contains("/nonexistent/m.yaml"));
    assert_eq!(session(&app).path_len(), 1, "nothing changed");
}

#[test]
fn a_change_of_the_model_file_reloads_it_and_a_broken_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(MODEL).unwrap();
    let model = dir.path().join("m.yaml");
    std::fs::write(&model, &text).unwrap();
    let mut app = app_on(model.to_str().unwrap());
    typed(&mut app, "/change image<Enter><Enter>");
    std::fs::write(&model, text.replace("max: 1", "max: 2")).unwrap();
    app.handle(UiEvent::FileChanged);
    assert!(render(&app, 160, 48).contains("reloaded"));
    std::fs::write(&model, "name: [unclosed\n").unwrap();
    app.handle(UiEvent::FileChanged);
    let screen = render(&app, 160, 48);
    assert!(screen.contains("reload failed"), "{screen}");
    assert_eq!(session(&app).path_len(), 1);
}

#[test]
fn a_panic_saves_the_path_explored_as_a_trace() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on(MODEL);
    typed(&mut app, "/change image<Enter><Enter>");
    let result: Result<(), _> = crate::ui::guarded(&mut app, dir.path(), |_| panic!("a test"));
    let Err(crate::ui::UiError::Crashed(Some(path))) = result else {
        panic!("a crash with a saved trace");
    };
    assert!(path.starts_with(dir.path()));
    let trace = Trace::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(trace.steps.len(), 1);
    let message = crate::ui::UiError::Crashed(Some(path.clone())).to_string();
    assert!(message.contains("please report") && message.contains(&path.display().to_string()));
}

#[test]
fn the_whole_loop_runs_on_a_test_backend_and_draws_only_on_change() {
    let mut app = app_on(MODEL);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let (tx, rx) = channel();
    let press = |c: char| {
        UiEvent::Term(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    let release = UiEvent::Term(Event::Key(KeyEvent {
        code: KeyCode::Char('x'),
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Release,
        state: KeyEventState::NONE,
    }));
    tx.send(press('?')).unwrap();
    tx.send(press('q')).unwrap();
    tx.send(release).unwrap();
    drop(tx);
    let mut frames = 0;
    event::run(&mut terminal, &mut app, &rx, || frames += 1).unwrap();
    assert_eq!(
        frames, 2,
        "the first frame, and one for the help (closed by q)"
    );
}

#[test]
fn o_opens_the_picker_and_a_chosen_trace_replaces_the_model() {
    let mut app = app_on(MODEL);
    typed(&mut app, "o");
    assert!(render(&app, 160, 48).contains("open a model or a trace"));
    typed(&mut app, "stale-reads-P8-resettable<Enter>");
    assert_eq!(session(&app).path_len(), 9);
    assert!(render(&app, 160, 48).contains("opened traces/statefulset-stale-reads"));
}

#[test]
fn a_branch_is_diffed_against_the_path_and_saved_under_a_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on(TRACE);
    app.session
        .as_mut()
        .unwrap()
        .set_trace_dir(dir.path().to_path_buf());
    typed(&mut app, "g/restart node node-2<Enter><Enter><Esc>");
    app.focus = PaneId::Path;
    typed(&mut app, "nD");
    let diff = render(&app, 160, 48);
    assert!(diff.contains("diff: "), "{diff}");
    typed(&mut app, "<Esc>");
    assert!(
        session(&app).diff().is_none(),
        "closing the diff forgets it"
    );
    typed(&mut app, "sbranch<Enter>");
    let trace = Trace::parse(&std::fs::read_to_string(dir.path().join("branch.json")).unwrap());
    assert_eq!(
        trace.unwrap().steps.len(),
        9,
        "the branch: the old continuation"
    );
}

#[test]
fn m_marks_a_step_and_d_diffs_against_it() {
    let mut app = app_on(TRACE);
    typed(&mut app, ":goto 3<Enter>m:goto 7<Enter>d");
    let screen = render(&app, 160, 48);
    assert!(screen.contains("diff: step 3 -> step 7"), "{screen}");
}
