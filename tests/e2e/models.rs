//! `orchard models`: the model files of a directory with the first line of each description.

use crate::support::{Scratch, shipped_models, with_models};

#[test]
fn lists_model_files_with_their_first_description_line() {
    let s = with_models();
    s.write("models/notes.txt", "not a model");
    let out = s.run(&["models"]).expect(0).stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("owners.yaml"), "{out}");
    assert!(lines[1].starts_with("tiny.yaml"), "{out}");
    assert!(lines[1].contains("A scheduler and a Deployment scaled by the environment."));
    assert!(!out.contains("second line"));
}

#[test]
fn lists_the_shipped_models() {
    let s = Scratch::new();
    let dir = shipped_models();
    let out = s.run(&["models", dir.to_str().unwrap()]).expect(0).stdout();
    let files = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .count();
    assert!(files > 0);
    // The models of the folder, then (after a blank line) the catalogue of bugs apart.
    let top = out.split("\n\n").next().unwrap_or_default();
    assert_eq!(top.lines().count(), files, "{out}");
}

#[test]
fn reports_the_fields_each_model_leaves_out() {
    let s = Scratch::new();
    let dir = shipped_models();
    let run = s.run(&["models", dir.to_str().unwrap()]).expect(0);
    let err = run.stderr();
    assert!(
        err.lines().any(
            |l| l.contains("statefulset-scale.yaml: 1 field not modelled")
                && l.contains("StatefulSet/web: spec.volumeClaimTemplates[0].spec.accessModes")
        ),
        "{err}"
    );
}

#[test]
fn a_missing_directory_is_bad_input() {
    let s = Scratch::new();
    let err = s.run(&["models", "nowhere"]).expect(2).stderr();
    assert!(err.contains("nowhere"), "{err}");
}
