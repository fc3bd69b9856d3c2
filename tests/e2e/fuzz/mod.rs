//! A seeded mutator over the shipped models, their manifests and the shipped traces: byte
//! flips, truncations, swapped lines, extreme and garbage values, deep nesting, misspelt
//! field names (orchard's keys and Kubernetes' fields alike). Every input is loaded in
//! process (the loader, then for what loads the system's settled start and first actions;
//! for traces the parser and the replay); none may panic or run past a time limit, and every
//! refusal names the file and the line (and the field, where the input has one). A
//! misspelt field must be refused naming it. A smaller sample goes through the binary for its
//! exit codes.
//!
//! `ORCHARD_FUZZ_CASES` (default 4000 model and 2000 trace inputs) and `ORCHARD_FUZZ_SEED`
//! (default 1) change the run; a failure prints the seed, the case and the input.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use orchard::explore::replay::replay;
use orchard::explore::trace::Trace;
use orchard::model::config::parse_model;
use orchard::model::system::System;

use crate::support::Scratch;

mod mutate;

use mutate::{Rng, misspell_a_key, mutate_json, mutate_text};

/// The longest any one input may take (a debug build on a loaded machine).
const LIMIT: Duration = Duration::from_secs(10);

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether a message names `file` and a line: `file:LINE`.
fn names_a_line(message: &str, file: &str) -> bool {
    message
        .match_indices(&format!("{file}:"))
        .any(|(i, m)| message[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Rust's debug formatting, which no message may show (`Nodes { nodes: 3 }`, `Some(`).
fn has_debug_formatting(message: &str) -> bool {
    let struct_like = message.match_indices(" { ").any(|(i, _)| {
        let before = &message[..i];
        let word = before
            .rsplit(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("");
        let after = &message[i + 3..];
        word.starts_with(|c: char| c.is_ascii_uppercase())
            && after
                .split_once(": ")
                .is_some_and(|(field, _)| field.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    });
    struct_like || message.contains("Some(") || message.contains("None)")
}

struct Corpus {
    models: Vec<(String, String)>,
    manifests: BTreeMap<String, String>,
    traces: Vec<(String, String)>,
}

fn corpus() -> Corpus {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read_dir = |dir: &Path, ext: &str| {
        let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&p).unwrap())
            })
            .collect();
        out.sort();
        out
    };
    let manifests = read_dir(&root.join("models/manifests"), "yaml")
        .into_iter()
        .map(|(name, text)| (format!("manifests/{name}"), text))
        .collect();
    Corpus {
        models: read_dir(&root.join("models"), "yaml"),
        manifests,
        traces: read_dir(&root.join("traces"), "json"),
    }
}

/// What went wrong with one input.
struct Finding {
    case: u64,
    what: String,
    input: String,
}

/// Loads one model text (its includes served from `manifests`), and for what loads builds
/// the system, settles its start and lists its first actions. `Ok(true)` when it loads,
/// `Ok(false)` when it is refused as it should be.
fn load_model(
    text: &str,
    manifests: &BTreeMap<String, String>,
    misspelt: Option<&str>,
) -> Result<bool, String> {
    let include = |name: &str| {
        manifests
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no file {name}"))
    };
    match parse_model(text, "fuzz.yaml", &include) {
        Err(e) => {
            let shown = e.to_string();
            if e.line().is_none() {
                return Err(format!("no line in: {shown}"));
            }
            // Only a problem with the file as a whole has no field: it is not a mapping, it
            // is empty, or the YAML scanner stopped before its first key (an unclosed quote,
            // a stray bracket or character).
            let whole_file = [
                "expected a mapping",
                "is empty",
                "unexpected character",
                "unclosed",
                "misplaced",
                "did not find expected",
            ];
            if e.field().is_empty() && !whole_file.iter().any(|w| e.message().contains(w)) {
                return Err(format!("no field in: {shown}"));
            }
            if std::env::var("ORCHARD_FUZZ_SHOW").is_ok() {
                eprintln!(
                    "refused{}: {shown}",
                    if e.field().is_empty() {
                        " (no field)"
                    } else {
                        ""
                    }
                );
            }
            if let Some(key) = misspelt
                && !shown.contains(key)
            {
                return Err(format!("misspelt `{key}` not named in: {shown}"));
            }
            if has_debug_formatting(&shown) && !has_debug_formatting(text) {
                return Err(format!("debug formatting in: {shown}"));
            }
            Ok(false)
        }
        Ok(_) if misspelt.is_some() => Err(format!(
            "misspelt `{}` accepted",
            misspelt.unwrap_or_default()
        )),
        Ok(loaded) => {
            let system = System::new(loaded.config).map_err(|e| format!("does not build: {e}"))?;
            let initial = system.initial();
            let _ = system.transitions(&initial);
            Ok(true)
        }
    }
}

/// Parses and replays one trace text: `Ok(true)` when it replays.
fn load_trace(text: &str) -> Result<bool, String> {
    let origin = "fuzz.json";
    match Trace::parse(text) {
        Err(e) => {
            let shown = e.located(text, origin);
            if !names_a_line(&shown, origin) {
                return Err(format!("no line in: {shown}"));
            }
            if std::env::var("ORCHARD_FUZZ_SHOW").is_ok() {
                eprintln!("refused: {shown}");
            }
            Ok(false)
        }
        Ok(trace) => match replay(&trace) {
            Err(e) => {
                let shown = e.located(text, origin);
                if !names_a_line(&shown, origin) {
                    return Err(format!("no line in: {shown}"));
                }
                if std::env::var("ORCHARD_FUZZ_SHOW").is_ok() {
                    eprintln!("refused: {shown}");
                }
                if has_debug_formatting(&shown) && !has_debug_formatting(text) {
                    return Err(format!("debug formatting in: {shown}"));
                }
                Ok(false)
            }
            Ok(_) => Ok(true),
        },
    }
}

/// How the inputs fared.
#[derive(Default)]
struct Stats {
    accepted: usize,
    refused: usize,
    slowest: Duration,
}

/// Runs `check` on one input, in process, catching a panic and timing it.
fn judge(
    stats: &mut Stats,
    case: u64,
    input: &str,
    check: impl FnOnce() -> Result<bool, String>,
) -> Option<Finding> {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(check));
    let took = start.elapsed();
    stats.slowest = stats.slowest.max(took);
    match result {
        Ok(Ok(true)) => stats.accepted += 1,
        Ok(Ok(false)) => stats.refused += 1,
        _ => {}
    }
    let what = match result {
        Err(panic) => Some(format!(
            "panic: {}",
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
        Ok(Err(why)) => Some(why),
        Ok(Ok(_)) if took > LIMIT => Some(format!("took {took:?}")),
        Ok(Ok(_)) => None,
    };
    what.map(|what| Finding {
        case,
        what,
        input: input.to_string(),
    })
}

fn report(seed: u64, findings: &[Finding]) -> String {
    findings
        .iter()
        .take(5)
        .map(|f| {
            let input: String = f.input.chars().take(3000).collect();
            format!(
                "seed {seed}, case {}: {}\n--- input ---\n{input}\n---",
                f.case, f.what
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The peak resident memory of this process, in KiB (Linux).
fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn mutated_models_and_traces_never_panic_hang_or_go_unlocated() {
    let seed = env_number("ORCHARD_FUZZ_SEED", 1);
    let cases = env_number("ORCHARD_FUZZ_CASES", 4000);
    let corpus = corpus();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut findings = Vec::new();
    let mut misspellings = 0;
    let mut models = Stats::default();
    let mut traces = Stats::default();
    for case in 0..cases {
        // Mostly models; now and then one of the included manifests.
        let (mut text, manifests) = if rng.below(8) == 0 {
            let (name, manifest) = corpus.manifests.iter().next().expect("a shipped manifest");
            let mut manifests = corpus.manifests.clone();
            let (mutated, misspelt) = match misspell_a_key(&mut rng, manifest) {
                Some((text, key)) if rng.below(3) == 0 => (text, Some(key)),
                _ => (mutate_text(&mut rng, manifest), None),
            };
            manifests.insert(name.clone(), mutated);
            let model = corpus
                .models
                .iter()
                .find(|(_, t)| t.contains(&format!("file: {name}")))
                .map(|(_, t)| t.clone())
                .expect("a model includes the manifest");
            let input = manifests[name].clone();
            let found = judge(&mut models, case, &input, || {
                load_model(&model, &manifests, misspelt.as_deref())
            });
            misspellings += usize::from(misspelt.is_some());
            findings.extend(found);
            continue;
        } else {
            (rng.pick(&corpus.models).1.clone(), &corpus.manifests)
        };
        // A misspelling is the only change to its input; other mutations come one or two.
        let mut misspelt = None;
        if rng.below(4) == 0 {
            if let Some((mutated, key)) = misspell_a_key(&mut rng, &text) {
                text = mutated;
                misspelt = Some(key);
            }
        } else {
            for _ in 0..=rng.below(2) {
                text = mutate_text(&mut rng, &text);
            }
        }
        misspellings += usize::from(misspelt.is_some());
        findings.extend(judge(&mut models, case, &text, || {
            load_model(&text, manifests, misspelt.as_deref())
        }));
    }
    let trace_cases = cases / 2;
    for case in 0..trace_cases {
        let text = rng.pick(&corpus.traces).1.clone();
        let text = if rng.below(4) == 0 {
            mutate_text(&mut rng, &text)
        } else {
            let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
            for _ in 0..=rng.below(2) {
                mutate_json(&mut rng, &mut value);
            }
            serde_json::to_string_pretty(&value).unwrap()
        };
        findings.extend(judge(&mut traces, cases + case, &text, || {
            load_trace(&text)
        }));
    }
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        report(seed, &findings)
    );
    eprintln!(
        "fuzz seed {seed}: models {} accepted, {} refused (slowest {:?}); traces {} replayed, {} refused (slowest {:?}); {misspellings} misspellings",
        models.accepted,
        models.refused,
        models.slowest,
        traces.accepted,
        traces.refused,
        traces.slowest
    );
    // The mutations reach both sides: the loader's refusals and, for what it accepts, the
    // system's settled start and first actions (a replay for traces).
    assert!(models.accepted > cases as usize / 20 && models.refused > cases as usize / 2);
    assert!(traces.accepted > 0 && traces.refused > 0);
    assert!(
        misspellings > cases as usize / 20,
        "only {misspellings} misspellings in {cases} cases"
    );
    if let Some(kib) = peak_kib() {
        assert!(kib < 4 << 20, "peak memory {kib} KiB");
    }
}

/// A sample through the binary: every mutated input ends with exit 0, 1 or 2 (never a
/// panic's 101 or a signal), and an input the loader refuses ends with exit 2.
#[test]
fn mutated_inputs_through_the_binary_exit_0_1_or_2() {
    let seed = env_number("ORCHARD_FUZZ_SEED", 1) + 1000;
    let corpus = corpus();
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let s = Scratch::new();
    for (name, text) in &corpus.manifests {
        s.write(&format!("models/{name}"), text);
    }
    for case in 0..16 {
        let model = rng.pick(&corpus.models).1.clone();
        let mutated = mutate_text(&mut rng, &model);
        s.write("models/fuzz.yaml", &mutated);
        let include = |name: &str| {
            corpus
                .manifests
                .get(name)
                .cloned()
                .ok_or_else(|| format!("no file {name}"))
        };
        let refused = parse_model(&mutated, "fuzz.yaml", &include).is_err();
        let run = s.run(&[
            "check",
            "models/fuzz.yaml",
            "--max-depth",
            "2",
            "--timeout",
            "20",
            "--trace-dir",
            "out",
        ]);
        let code = run.0.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "case {case}: exit {code:?}\n{}\n--- input ---\n{mutated}",
            run.stderr()
        );
        if refused {
            assert_eq!(code, Some(2), "case {case}: {}", run.stderr());
        }
    }
    for case in 0..8 {
        let mut value: serde_json::Value =
            serde_json::from_str(&rng.pick(&corpus.traces).1).unwrap();
        mutate_json(&mut rng, &mut value);
        s.write("fuzz.json", &serde_json::to_string_pretty(&value).unwrap());
        let run = s.run(&["replay", "fuzz.json"]);
        let code = run.0.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "trace case {case}: exit {code:?}\n{}",
            run.stderr()
        );
    }
}
