//! The layering rule of DESIGN.md: `src/model` is pure. It imports nothing of the layers above
//! it and does no I/O, no clock, no threads.

use std::fs;
use std::path::Path;

const FORBIDDEN: &[&str] = &[
    "crate::explore",
    "crate::store",
    "crate::replay",
    "crate::ui",
    "crate::history_view",
    "crate::cli",
    "tokio",
    "ratatui",
    "crossterm",
    "clap",
    "std::fs",
    "std::net",
    "std::process",
    "std::thread",
    "std::time",
    "std::env",
    "println!",
    "eprintln!",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).expect("src/model is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether a file is test code only (its contents are compiled under `cfg(test)`).
fn is_test_file(path: &Path, text: &str) -> bool {
    path.file_name().is_some_and(|n| n == "tests.rs")
        || path.components().any(|c| c.as_os_str() == "scenario_tests")
        || text.starts_with("#![cfg(test)]")
}

/// The code lines of the non-test files under `src/<layer>`, comments left out, each with the
/// place it stands (`file:line`); the layer must have at least `min_files` files.
fn code_lines(layer: &str, min_files: usize) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() >= min_files, "src/{layer} has its files");
    let mut lines = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("readable source");
        if is_test_file(&file, &text) {
            continue;
        }
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        for (number, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if !line.starts_with("//") {
                lines.push((
                    format!("{}:{}", file.display(), number + 1),
                    line.to_string(),
                ));
            }
        }
    }
    lines
}

#[test]
fn the_model_layer_imports_nothing_above_it_and_does_no_io() {
    let mut offences = Vec::new();
    for (at, line) in code_lines("model", 11) {
        for word in FORBIDDEN {
            if line.contains(word) {
                offences.push(format!("{at}: {word}"));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "src/model must stay pure:\n{}",
        offences.join("\n")
    );
}

/// The `crate::` layers a file under `src/<layer>` uses.
fn crate_imports(layer: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(layer);
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut uses = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).expect("readable source");
        for (number, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let used: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                uses.push((format!("{}:{}", file.display(), number + 1), used));
            }
        }
    }
    uses
}

#[test]
fn the_store_imports_only_the_model_and_the_runtime_only_the_store_and_the_model() {
    for (layer, allowed) in [
        ("store", &["model", "store"][..]),
        ("runtime", &["model", "store", "runtime"][..]),
    ] {
        let uses = crate_imports(layer);
        assert!(!uses.is_empty(), "src/{layer} imports the layers below it");
        let offences: Vec<String> = uses
            .iter()
            .filter(|(_, used)| !allowed.contains(&used.as_str()))
            .map(|(at, used)| format!("{at}: crate::{used}"))
            .collect();
        assert!(
            offences.is_empty(),
            "src/{layer} may import only {allowed:?}:\n{}",
            offences.join("\n")
        );
    }
}

/// Every `crate::` path a line of `code` names, as `crate::word`.
fn crate_paths(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .map(|(i, _)| {
            let rest = &line[i + "crate::".len()..];
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            format!("crate::{word}")
        })
        .collect()
}

#[test]
fn the_history_view_imports_only_the_model_and_does_no_io() {
    let mut offences = Vec::new();
    let io = [
        "tokio",
        "crossterm",
        "clap",
        "std::fs",
        "std::net",
        "std::process",
        "std::thread",
        "std::env",
        "println!",
        "eprintln!",
    ];
    for (at, line) in code_lines("history_view", 5) {
        let mut found: Vec<String> = crate_paths(&line)
            .into_iter()
            .filter(|p| p != "crate::model")
            .collect();
        found.extend(
            io.iter()
                .filter(|w| line.contains(*w))
                .map(|w| w.to_string()),
        );
        for word in found {
            offences.push(format!("{at}: {word}"));
        }
    }
    assert!(
        offences.is_empty(),
        "src/history_view imports only crate::model:\n{}",
        offences.join("\n")
    );
    assert_eq!(
        crate_paths("use crate::explore::trace; crate::model::x"),
        ["crate::explore", "crate::model"],
        "the check sees a higher layer's path"
    );
}
