//! Explorer session timings (plain timing with percentiles): from a take to the new state's
//! grouped actions on statefulset-stale-reads and statefulset-three-nodes (target < 16 ms),
//! and what-if re-validation of a 1,000-step path made by a random walk (target < 200 ms).
//!
//! Run with `cargo bench --bench session`.

use std::path::Path;
use std::time::{Duration, Instant};

use orchard::explore::session::{Command, Overrides, Session, Settings};
use orchard::model::history::Lag;
use orchard::model::system::Action;

fn open(model: &str) -> Session {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(model);
    Session::open(&path, &Overrides::default()).expect("a shipped model opens")
}

/// The stale-reads model with its environment unbounded (images toggling, nodes restarting up
/// to 1,000 times, in ten copies of each rule), so that a random walk goes on for 1,000 steps; written to a temporary file.
fn unbounded_stale_reads() -> std::path::PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/statefulset-stale-reads.yaml");
    let text = std::fs::read_to_string(path).expect("the shipped model");
    // A rule fires at most 100 times (the loader's limit): ten copies of each rule.
    let rules = "  - change-image: StatefulSet/web\n    images: [\"nginx:2\", \"nginx:1\"]\n    max: 100\n  - restart-node: all\n    max: 100\n";
    let once = "  - change-image: StatefulSet/web\n    images: [\"nginx:2\"]\n    max: 1\n  - restart-node: all\n    max: 1\n";
    assert!(text.contains(once), "the stale-reads model's environment");
    let text = text.replace(once, &rules.repeat(10));
    let out = std::env::temp_dir().join(format!("orchard-bench-{}.yaml", std::process::id()));
    std::fs::write(&out, text).expect("a temporary file");
    out
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A random action of the cursor's state: a random line, then a random read of it.
fn random_action(s: &Session, rng: &mut Rng) -> Option<Action> {
    let lines: Vec<&Vec<Action>> = s
        .actions()
        .iter()
        .map(|e| &e.actions)
        .filter(|a| !a.is_empty())
        .collect();
    if lines.is_empty() {
        return None;
    }
    let line = lines[rng.below(lines.len())];
    Some(line[rng.below(line.len())].clone())
}

fn report(name: &str, mut times: Vec<Duration>, target_ms: f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name:<58} n={:<5} p50 {:>8.3} ms  p90 {:>8.3} ms  p99 {:>8.3} ms  max {:>8.3} ms  (target < {target_ms} ms)",
        times.len(),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(0.99)),
        ms(*times.last().unwrap()),
    );
}

/// Takes random actions from the start, `walks` walks of `steps` steps, timing each take
/// (the step, the new node and the new state's grouped actions).
fn take_to_actions(model: &str, walks: u64, steps: usize) {
    let mut times = Vec::new();
    let mut actions = 0usize;
    for seed in 1..=walks {
        let mut s = open(model);
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        for _ in 0..steps {
            let Some(action) = random_action(&s, &mut rng) else {
                break;
            };
            let started = Instant::now();
            s.handle(Command::Take(action));
            times.push(started.elapsed());
            actions += s.actions().len();
        }
    }
    let mean_lines = actions as f64 / times.len().max(1) as f64;
    report(
        &format!("take -> grouped actions, {model} ({mean_lines:.0} lines)"),
        times,
        16.0,
    );
}

/// Takes the steps of a shipped trace from the model's start, `runs` times, timing each take:
/// the states a person reaching the bug goes through (a restarted node offered every revision).
fn trace_takes(model: &str, trace: &str, runs: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(trace);
    let text = std::fs::read_to_string(path).expect("the shipped trace");
    let trace = orchard::explore::trace::Trace::parse(&text).expect("a trace");
    let mut times = Vec::new();
    for _ in 0..runs {
        let mut s = open(model);
        for step in &trace.steps {
            let started = Instant::now();
            s.handle(Command::Take(step.action.clone()));
            times.push(started.elapsed());
        }
    }
    report(
        &format!(
            "take -> grouped actions, the stale-reads {} trace",
            trace.violation.property
        ),
        times,
        16.0,
    );
}

/// A path of `steps` random steps, then what-if re-validations of it, timed.
fn what_if(model: &Path, steps: usize, runs: usize) {
    let mut s = Session::open(model, &Overrides::default()).expect("the model opens");
    let model = "statefulset-stale-reads, environment unbounded";
    let mut rng = Rng(7);
    while s.path_len() < steps {
        match random_action(&s, &mut rng) {
            Some(a) => {
                s.handle(Command::Take(a));
            }
            None => break,
        }
    }
    let len = s.path_len();
    let own = s.header().settings;
    // An option the level ignores: the same behaviour, so every step is re-validated.
    let mut same = own;
    same.consistency.lag = if own.consistency.lag == Lag::Zero {
        Lag::Any
    } else {
        Lag::Zero
    };
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        s.handle(Command::Settings(same));
        times.push(started.elapsed());
        let r = s.what_if().expect("a what-if");
        assert!(
            r.broken.is_none(),
            "the whole path re-validates: {:?}",
            r.broken
        );
        s.handle(Command::Settings(Settings { ..own }));
    }
    report(
        &format!("what-if, all {len} steps still possible ({model})"),
        times,
        200.0,
    );
    let mut monotonic = own;
    monotonic.consistency.level = orchard::model::history::Consistency::MonotonicSession;
    let mut times = Vec::new();
    let mut broke_at = 0;
    // A level under which the path breaks: re-validation stops at the first broken step.
    for _ in 0..runs {
        let started = Instant::now();
        s.handle(Command::Settings(monotonic));
        times.push(started.elapsed());
        broke_at = s
            .what_if()
            .and_then(|r| r.broken.as_ref())
            .map_or(0, |b| b.step);
        s.handle(Command::RestoreSettings);
    }
    report(
        &format!("what-if monotonic-session, {len} steps (breaks at {broke_at})"),
        times,
        200.0,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this too, in debug: then
    // only a quick pass shows that it works.
    let full = std::env::args().any(|a| a == "--bench");
    let (walks, steps, trace_runs, path, runs) = if full {
        (20, 60, 50, 1000, 20)
    } else {
        println!("(a quick pass: run `cargo bench --bench session` for the figures)");
        (1, 5, 1, 30, 1)
    };
    take_to_actions("models/statefulset-stale-reads.yaml", walks, steps);
    take_to_actions("models/statefulset-three-nodes.yaml", walks, steps);
    trace_takes(
        "models/statefulset-stale-reads.yaml",
        "traces/statefulset-stale-reads-P8-resettable-session.json",
        trace_runs,
    );
    let unbounded = unbounded_stale_reads();
    what_if(&unbounded, path, runs);
    let _ = std::fs::remove_file(unbounded);
}
