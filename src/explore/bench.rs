//! Benchmark measurements: one check of a model under one consistency level and strategy,
//! with its speed and memory. Memory is the growth of the process's peak resident set
//! (`VmHWM` in `/proc/self/status`) during the check, divided by the unique states: it counts
//! everything the search keeps (stateright's fingerprint table and queue, the states and the
//! history they share), so it is the cost of one more state, not the size of one. It is only
//! meaningful in a fresh process (the peak never falls), which is why `orchard bench` runs
//! each case in a child process.
//!
//! A simulation or DFS case also minimises its counterexample, timed apart from the check: a
//! row gives the length as found and after minimising. [`seeds`] sums up a simulation run over
//! many seeds.

pub mod seeds;

use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::checker::{CheckOptions, CheckOutcome, Ending, Strategy, Verdict, check};
use super::progress::per_second;
use super::shrink::shrink_counterexamples;
use crate::model::properties::Property;
use crate::model::system::System;

/// Below this many unique states the memory per state is not reported: page granularity and
/// fixed costs (threads, buffers) would dominate it.
pub const MEMORY_MIN_STATES: usize = 1000;

/// One benchmark measurement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BenchRow {
    /// The model's name.
    pub model: String,
    /// The consistency level.
    pub consistency: String,
    /// The strategy.
    pub strategy: String,
    /// Seconds to the verdict (or spent, at the timeout).
    pub seconds: f64,
    /// States generated.
    pub states: usize,
    /// Distinct states.
    pub unique_states: usize,
    /// States generated per second.
    pub states_per_second: f64,
    /// Peak resident memory growth per unique state, in bytes (`None` without `/proc` or
    /// under [`MEMORY_MIN_STATES`] states).
    pub bytes_per_state: Option<f64>,
    /// The deepest state, in steps.
    pub max_depth: usize,
    /// What the check concluded.
    pub verdict: String,
    /// The simulation's seed (simulation cases).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The first failure's counterexample length, as the check found it.
    #[serde(default)]
    pub counterexample: Option<usize>,
    /// Simulation and DFS: that counterexample's length after minimising.
    #[serde(default)]
    pub minimised: Option<usize>,
    /// Seconds spent minimising (not part of `seconds`).
    #[serde(default)]
    pub minimise_seconds: Option<f64>,
}

/// Reads a `kB` field (`VmHWM`, `VmRSS`) of `/proc/self/status`, in bytes.
pub fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line[field.len()..]
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Runs one check and measures it; a simulation or DFS counterexample is then minimised, and
/// that timed on its own.
pub fn measure(
    system: Arc<System>,
    properties: Vec<&'static Property>,
    options: &CheckOptions,
) -> BenchRow {
    let config = system.config().clone();
    let resident = proc_status_bytes("VmRSS");
    let mut outcome = check(system.clone(), properties, options, &mut |_| {});
    let peak = proc_status_bytes("VmHWM");
    let counterexample = first_counterexample(&outcome);
    let verdict = verdict_text(&outcome);
    let (minimised, minimise_seconds) = match counterexample {
        Some(_) if options.strategy != Strategy::Bfs => {
            let started = Instant::now();
            shrink_counterexamples(&system, &mut outcome, &options.stop);
            let seconds = started.elapsed().as_secs_f64();
            (first_counterexample(&outcome), Some(seconds))
        }
        _ => (None, None),
    };
    let bytes_per_state = match (resident, peak) {
        (Some(r), Some(p)) if outcome.unique_states >= MEMORY_MIN_STATES => {
            Some(p.saturating_sub(r) as f64 / outcome.unique_states as f64)
        }
        _ => None,
    };
    BenchRow {
        model: config.name,
        consistency: config.consistency.to_string(),
        strategy: options.strategy.name().into(),
        seconds: outcome.elapsed.as_secs_f64(),
        states: outcome.states,
        unique_states: outcome.unique_states,
        states_per_second: per_second(outcome.states, outcome.elapsed),
        bytes_per_state,
        max_depth: outcome.max_depth,
        verdict,
        seed: (options.strategy == Strategy::Simulation).then_some(options.seed),
        counterexample,
        minimised,
        minimise_seconds,
    }
}

/// The length of the first failing property's counterexample.
fn first_counterexample(outcome: &CheckOutcome) -> Option<usize> {
    outcome.results.iter().find_map(|r| match &r.verdict {
        Verdict::Failed {
            counterexample: Some(steps),
        } => Some(steps.len()),
        _ => None,
    })
}

/// A short verdict: the first failure and its length, or how far the check got.
pub fn verdict_text(outcome: &CheckOutcome) -> String {
    let failure = outcome.results.iter().find_map(|r| match &r.verdict {
        Verdict::Failed { counterexample } => Some(match counterexample {
            Some(steps) => format!("{} FAILED ({} steps)", r.property.id, steps.len()),
            None => format!("{} FAILED", r.property.id),
        }),
        _ => None,
    });
    match failure {
        Some(f) => f,
        None if outcome.complete() => "holds".into(),
        None if outcome.ending == Ending::Timeout => "holds until timeout".into(),
        None => "holds within depth".into(),
    }
}

/// Column widths of the model and consistency columns.
pub type Widths = (usize, usize);

/// The widths that fit every row.
pub fn widths(rows: &[BenchRow]) -> Widths {
    let w = |f: fn(&BenchRow) -> usize, min| rows.iter().map(f).max().unwrap_or(0).max(min);
    (w(|r| r.model.len(), 5), w(|r| r.consistency.len(), 11))
}

/// The rows as a table with a header, with these widths of the name columns (at least
/// [`widths`] of the rows, so that each row fits).
pub fn table(rows: &[BenchRow], (w, c): Widths) -> String {
    let mut out = format!(
        "{:<w$} {:<c$} {:<10} {:>8} {:>10} {:>10} {:>9} {:>9} {:>5}  {}\n",
        "model",
        "consistency",
        "strategy",
        "time",
        "states",
        "unique",
        "states/s",
        "B/state",
        "depth",
        "verdict"
    );
    for r in rows {
        out.push_str(&row_line(r, (w, c)));
        out.push('\n');
    }
    out
}

/// One row of the table with these column widths.
pub fn row_line(r: &BenchRow, (w, c): Widths) -> String {
    let bytes = r
        .bytes_per_state
        .map_or("-".to_string(), |b| format!("{b:.0}"));
    let minimised = match r.minimised {
        Some(m) if Some(m) != r.counterexample => format!(", minimised to {m}"),
        _ => String::new(),
    };
    format!(
        "{:<w$} {:<c$} {:<10} {:>7.2}s {:>10} {:>10} {:>9.0} {:>9} {:>5}  {}{}",
        r.model,
        r.consistency,
        r.strategy,
        r.seconds,
        r.states,
        r.unique_states,
        r.states_per_second,
        bytes,
        r.max_depth,
        r.verdict,
        minimised
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_peak_resident_set() {
        let now = proc_status_bytes("VmRSS").expect("Linux has /proc/self/status");
        let peak = proc_status_bytes("VmHWM").unwrap();
        assert!(peak >= now && now > 0);
        assert_eq!(proc_status_bytes("NoSuchField"), None);
    }

    #[test]
    fn the_table_has_a_header_and_a_line_per_row() {
        let row = BenchRow {
            model: "m".into(),
            consistency: "causal".into(),
            strategy: "bfs".into(),
            seconds: 1.5,
            states: 10,
            unique_states: 5,
            states_per_second: 6.7,
            bytes_per_state: None,
            max_depth: 3,
            verdict: "holds".into(),
            seed: None,
            counterexample: None,
            minimised: None,
            minimise_seconds: None,
        };
        let t = table(
            std::slice::from_ref(&row),
            widths(std::slice::from_ref(&row)),
        );
        assert_eq!(t.lines().count(), 2);
        assert!(t.lines().nth(1).unwrap().contains("causal"));
    }
}
