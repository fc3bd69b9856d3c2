//! Each screen and overlay at 80x24 and 160x48, as text snapshots (a check's counts, rates and
//! times filtered).

use super::*;

/// Snapshots the app at both sizes under `name`.
fn both(name: &str, app: &App) {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"(?m)states \d+  unique \d+  \d+/s  depth \d+  [\d.]+s.*$",
        "[progress]",
    );
    settings.add_filter(
        r"(states|unique|states/s|depth|elapsed)( +)[\d.]+s? *",
        "$1$2[n]",
    );
    settings.add_filter(r"panic-[\w.-]+\.json", "[trace].json");
    settings.bind(|| {
        insta::assert_snapshot!(format!("{name}_80x24"), render(app, 80, 24));
        insta::assert_snapshot!(format!("{name}_160x48"), render(app, 160, 48));
    });
}

#[test]
fn the_start_picker() {
    let mut app = picker_app();
    both("picker", &app);
    typed(&mut app, "stale");
    both("picker_filtered", &app);
}

#[test]
fn a_model_at_its_start() {
    both("model_start", &app_on(MODEL));
}

#[test]
fn a_trace_at_its_violation() {
    let app = app_on(TRACE);
    let screen = render(&app, 160, 48);
    assert!(screen.contains("VIOLATED: P8"), "{screen}");
    both("violation", &app);
}

#[test]
fn the_help() {
    let mut app = app_on(MODEL);
    typed(&mut app, "?");
    both("help", &app);
}

#[test]
fn a_diff_with_the_previous_step() {
    let mut app = app_on(TRACE);
    typed(&mut app, "d");
    both("diff", &app);
}

#[test]
fn a_what_if_result() {
    let mut app = app_on(TRACE);
    typed(&mut app, ":consistency monotonic-session<Enter>");
    both("what_if", &app);
}

#[test]
fn check_progress() {
    let session = Session::open(
        Path::new(MODEL),
        &Overrides {
            consistency: Some(crate::model::history::Consistency::MonotonicSession),
            ..Overrides::default()
        },
    )
    .unwrap();
    let mut app = App::new(session, Keymap::standard().unwrap(), Theme { color: false });
    typed(&mut app, ":check bfs<Enter>");
    assert!(app.session.as_ref().unwrap().check_running());
    both("check", &app);
    typed(&mut app, "<Esc>");
    app.session.as_mut().unwrap().wait_check();
}

#[test]
fn a_watch_timeline() {
    let mut app = app_on(TRACE);
    typed(&mut app, ":watch Pod/web-0 spec.nodeName<Enter>");
    both("watch", &app);
}

#[test]
fn the_command_line_with_completions() {
    let mut app = app_on(MODEL);
    typed(&mut app, ":co<Tab>");
    both("command_line", &app);
}

#[test]
fn the_save_prompt() {
    let mut app = app_on(TRACE);
    typed(&mut app, "s");
    both("save_prompt", &app);
}

#[test]
fn an_error_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: bad\nconsistency: casual\n").unwrap();
    let mut app = app_on(MODEL);
    typed(&mut app, ":open ");
    let line = bad.display().to_string();
    typed(&mut app, &line);
    typed(&mut app, "<Enter>");
    let screen = render(&app, 160, 48);
    assert!(screen.contains("bad.yaml"), "{screen}");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(&dir.path().display().to_string()), "[dir]");
    settings.bind(|| both("error", &app));
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

#[test]
fn a_terminal_too_small() {
    let app = app_on(MODEL);
    insta::assert_snapshot!("too_small_79x23", render(&app, 79, 23));
}
