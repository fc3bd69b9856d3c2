//! Check from here: a counterexample appended, a bound reported, a cancel.

use super::*;

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
fn check_from_a_violating_state_says_so_and_appends_nothing() {
    let mut s = open(STALE_TRACE);
    s.run(Command::Check(CheckSpec::of(Strategy::Dfs)));
    s.wait_check();
    let report = s.check_report().unwrap();
    assert!(report.contains("violated here already"), "{report}");
    assert_eq!(s.path_len(), 9);
}

#[test]
fn simulation_and_dfs_from_here_append_their_counterexamples_too() {
    for strategy in [Strategy::Simulation, Strategy::Dfs] {
        let mut s = open(STALE_TRACE);
        s.handle(Command::Goto(7));
        s.run(Command::Check(CheckSpec {
            max_depth: Some(3),
            timeout_secs: Some(60),
            ..CheckSpec::of(strategy)
        }));
        s.wait_check();
        let report = s.check_report().unwrap().to_string();
        assert!(
            report.contains("P8") && report.contains("appended"),
            "{strategy}: {report}"
        );
        assert!(
            s.path_len() > 7 && s.cursor_step() == s.path_len(),
            "{strategy}"
        );
        assert_eq!(s.header().violated, vec!["P8"], "{strategy}");
        assert!(s.path_lines()[7].text.starts_with("7. scheduler reads r14"));
    }
}
