//! The explorer's replay (`R`, `:replay`): the path's steps marked by a replay against the
//! deployed controllers on the memory store, the first divergence selected.

use std::time::{Duration, Instant};

use super::*;
use crate::ui::replay::Mark;

/// Ticks the app until its replay is over (the replay runs on its own thread).
fn finish(app: &mut App) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.replay_job.is_some() {
        assert!(Instant::now() < deadline, "the replay ends");
        std::thread::sleep(Duration::from_millis(20));
        app.handle(UiEvent::Tick);
    }
}

fn marks(app: &App) -> Vec<Mark> {
    app.panes
        .path
        .replay
        .as_ref()
        .expect("a replay")
        .marks
        .clone()
}

fn status(app: &App) -> String {
    app.replay_status.clone().expect("a status").0
}

#[test]
fn the_stale_reads_path_matches_the_controllers_at_every_step() {
    let mut app = app_on(TRACE);
    typed(&mut app, "R");
    assert!(
        app.replay_job.is_some(),
        "the replay runs in the background"
    );
    assert!(status(&app).contains("running"), "{}", status(&app));
    finish(&mut app);
    let marks = marks(&app);
    let session = app.session.as_ref().unwrap();
    assert_eq!(marks.len(), session.path_len() + 1);
    assert!(marks.iter().all(|m| *m == Mark::Matched), "{marks:?}");
    let status = status(&app);
    assert!(status.contains("all 9 steps match"), "{status}");
    assert!(
        status.contains("the violation of P8 reproduced"),
        "{status}"
    );
    let screen = render(&app, 160, 48);
    assert!(screen.contains("✓ 9."), "{screen}");
    insta::assert_snapshot!("replay_matched_160x48", screen);
    let small = render(&app, 80, 24);
    assert!(small.contains("✓ 9."), "{small}");
    insta::assert_snapshot!("replay_matched_80x24", small);
}

#[test]
fn a_changed_controller_selects_the_first_divergent_step() {
    let mut app = app_on(TRACE);
    app.registry = crate::replay::tests::DOUBLE;
    typed(&mut app, ":replay memory<Enter>");
    // Submitting the line closes it (the overlay was taken to handle the key) and the
    // replay runs with no overlay over the path.
    assert!(app.overlay.is_none(), "the command line closed");
    assert!(app.replay_job.is_some(), "the replay runs");
    finish(&mut app);
    let marks = marks(&app);
    let first = marks
        .iter()
        .position(|m| *m == Mark::Diverged)
        .expect("a divergent step");
    assert!(
        marks[..first].iter().all(|m| *m == Mark::Matched),
        "{marks:?}"
    );
    assert!(
        marks[first + 1..].iter().all(|m| *m == Mark::NotReached),
        "{marks:?}"
    );
    let outcome = app.panes.path.replay.as_ref().unwrap();
    assert_eq!(outcome.divergence, Some(first));
    assert_eq!(app.session.as_ref().unwrap().cursor_step(), first);
    let status = status(&app);
    assert!(status.contains("diverges at"), "{status}");
    assert!(
        status.contains("Pod/web-0 .metadata.labels.double: model absent, target \"changed\""),
        "{status}"
    );
    insta::assert_snapshot!("replay_diverged_160x48", render(&app, 160, 48));
    insta::assert_snapshot!("replay_diverged_80x24", render(&app, 80, 24));
}

#[test]
fn esc_cancels_a_running_replay_and_a_bad_target_is_refused() {
    let mut app = app_on(TRACE);
    typed(&mut app, "R<Esc>");
    assert!(app.replay_job.is_none());
    assert_eq!(status(&app), "replay cancelled");
    assert!(
        app.panes.path.replay.is_none(),
        "no marks from a cancelled replay"
    );
    typed(&mut app, ":replay etcd<Enter>");
    assert!(app.replay_job.is_none());
    assert!(status(&app).contains("needs a URL"), "{}", status(&app));
    typed(&mut app, ":replay nowhere<Enter>");
    assert!(
        status(&app).contains("`nowhere` is not a target"),
        "{}",
        status(&app)
    );
}

#[test]
fn an_unreachable_etcd_is_reported_without_marks_of_success() {
    let mut app = app_on(TRACE);
    // A port nobody listens on (the discard port, never served on loopback here).
    typed(&mut app, ":replay etcd http://127.0.0.1:9<Enter>");
    finish(&mut app);
    let marks = marks(&app);
    assert!(marks.iter().all(|m| *m == Mark::NotReached), "{marks:?}");
    let (text, bad) = app.replay_status.clone().unwrap();
    assert!(bad && text.contains("etcd at http://127.0.0.1:9"), "{text}");
}
