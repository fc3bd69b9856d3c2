//! `orchard learn`: the shipped lessons listed with their summaries and the contrast table;
//! an unknown name suggests the nearest; a bad lesson file is bad input with a located error.

use crate::support::{Scratch, shipped_models};

fn lessons_dir() -> String {
    shipped_models()
        .join("lessons")
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn lists_the_lessons_then_the_contrast_table() {
    let s = Scratch::new();
    let out = s
        .run(&["learn", "--dir", &lessons_dir()])
        .expect(0)
        .stdout();
    let (listing, table) = out
        .split_once("\n\n")
        .expect("a blank line before the table");
    let names: Vec<&str> = listing
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    for name in [
        "synchronous",
        "stale-reads",
        "stale-reads-monotonic",
        "stale-reads-atomic",
        "causal-merge",
        "optimistic-lost-write",
        "informer-two-caches",
        "guards",
    ] {
        assert!(names.contains(&name), "{name} missing:\n{out}");
    }
    assert!(
        listing.contains("Kubernetes issue 59848"),
        "a summary per lesson:\n{out}"
    );
    let rows: Vec<&str> = table.lines().collect();
    assert!(
        rows[0].starts_with("lesson") && rows[0].contains("impossible under the contrast"),
        "{table}"
    );
    assert_eq!(rows.len(), names.len() + 1, "{table}");
    let stale = rows
        .iter()
        .find(|r| r.starts_with("stale-reads "))
        .expect("the stale-reads row");
    let words: Vec<&str> = stale.split_whitespace().collect();
    assert_eq!(
        &words[..3],
        ["stale-reads", "resettable-session", "monotonic-session"]
    );
    assert!(
        stale.ends_with("step 8 (node-1 reads r7): node-1 may not read r7 now"),
        "{stale}"
    );
}

#[test]
fn an_unknown_lesson_suggests_the_nearest_and_a_lesson_needs_a_terminal() {
    let s = Scratch::new();
    let err = s
        .run(&["learn", "stale-read", "--dir", &lessons_dir()])
        .expect(2)
        .stderr();
    assert!(
        err.contains("no lesson `stale-read`; did you mean stale-reads?"),
        "{err}"
    );
    let err = s
        .run(&["learn", "stale-reads", "--dir", &lessons_dir()])
        .expect(2)
        .stderr();
    assert!(err.contains("needs a terminal"), "{err}");
}

#[test]
fn a_bad_lesson_is_bad_input_with_file_line_and_field() {
    let s = Scratch::new();
    s.write(
        "lessons/bad.yaml",
        "name: bad\nsumary: misspelt\nmodel: m.yaml\nsteps: []\ncontrast: {say: x}\n",
    );
    let err = s.run(&["learn", "--dir", "lessons"]).expect(2).stderr();
    assert!(
        err.contains("lessons/bad.yaml:2:1: sumary: unknown field `sumary`"),
        "{err}"
    );
}
