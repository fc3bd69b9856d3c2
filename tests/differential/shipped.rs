//! Every shipped model under every consistency setting, reduced against plain.
//!
//! The plain model's space is many times the reduced one (every step that only moves a
//! session, every delivery on its own, every read of a group, every renaming of the nodes), so
//! the test that always runs searches each plain model until 8,000 states and compares to the
//! depth covered, but for the issue 15 model under monotonic-session, searched to its counterexample's depth
//! plus two.
//! The ignored test goes to the reduced counterexample's depth plus two everywhere (release
//! build: `cargo test --release --test differential -- --ignored`).

use crate::support::{compare, load, models_dir, settings, with_setting};

/// Compares every shipped model (those whose path contains `$ORCHARD_DIFF_MODEL`, if set) at
/// every setting; returns the failures.
fn compare_shipped(max_states: usize, deepen: &dyn Fn(&str, &str) -> bool) -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(models_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 12,
        "every shipped model, found {}",
        paths.len()
    );
    let only = std::env::var("ORCHARD_DIFF_MODEL").ok();
    let mut failures = Vec::new();
    for path in &paths {
        if only
            .as_ref()
            .is_some_and(|o| !path.to_string_lossy().contains(o.as_str()))
        {
            continue;
        }
        let config = load(path);
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        for (label, setting, commit) in settings() {
            let config = with_setting(&config, setting, commit);
            match compare(&config, max_states, deepen(&name, &label)) {
                Ok(c) => eprintln!(
                    "{name} {label}: depth {}{} states {:?} {:?}",
                    c.depth,
                    if c.complete { " (complete)" } else { "" },
                    c.states,
                    c.shortest
                ),
                Err(e) => failures.push(format!("{name} under {label}: {e}")),
            }
        }
    }
    failures
}

#[test]
fn every_shipped_model_gives_the_plain_verdicts_and_counterexample_lengths_at_every_setting() {
    let failures = compare_shipped(8_000, &|name, label| {
        name == "podgc-restart" && label == "monotonic-session"
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
#[ignore = "minutes in a release build: the plain model to each counterexample's depth plus two"]
fn every_shipped_model_agrees_with_the_plain_model_past_every_counterexample() {
    let failures = compare_shipped(50_000, &|_, _| true);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
