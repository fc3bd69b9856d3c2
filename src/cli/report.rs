//! The result of `orchard check` for people (a summary per property) and for programs (one JSON
//! object). Simulation is reported as what it covered (walks, their length, the states seen),
//! never in the words of a bounded search; a property about kinds the model lacks is "not
//! applicable", not "holds".

use std::path::PathBuf;

use serde_json::json;

use super::check::Plan;
use super::legend::Legend;
use crate::explore::checker::{CheckOptions, CheckOutcome, Ending, Strategy, Verdict};
use crate::explore::progress::Progress;
use crate::model::properties::Property;
use crate::model::properties::vacuity::Vacuity;
use crate::model::properties::view::describe_state;

/// Everything a check's report shows.
pub struct Result<'a> {
    /// The plan checked.
    pub plan: &'a Plan,
    /// The options it ran with.
    pub options: &'a CheckOptions,
    /// What it found.
    pub outcome: &'a CheckOutcome,
    /// Per result, the trace it is written to.
    pub traces: &'a [Option<PathBuf>],
    /// Per result, the length of the counterexample before minimising, when it got shorter.
    pub shrunk: &'a [Option<usize>],
    /// Properties that do not apply, and warnings.
    pub vacuity: &'a Vacuity,
    /// The signal that stopped the run, if any (`SIGINT`).
    pub signal: Option<&'static str>,
}

fn ending(r: &Result) -> String {
    let o = r.outcome;
    let simulation = r.options.strategy == Strategy::Simulation;
    let stop = match (o.ending, r.signal) {
        (Ending::Cancelled, Some(signal)) => Some(format!("stopped by {signal}")),
        (Ending::Cancelled, None) => Some("cancelled".to_string()),
        (Ending::Timeout, _) => Some("time limit reached".to_string()),
        _ => None,
    };
    if o.stopped_while_settling() {
        return format!(
            "{} while settling the initial state: nothing checked",
            stop.unwrap_or_else(|| "stopped".into())
        );
    }
    let covered = if simulation {
        format!(
            "{} walks of up to {} steps, {} distinct states",
            o.walks, r.options.max_depth, o.unique_states
        )
    } else {
        format!("every state within {} steps", o.max_depth)
    };
    match (o.ending, stop) {
        (Ending::Failure, _) => "stopped at the first failure".into(),
        (Ending::Exhausted, _) if o.depth_bounded => "depth bound reached".into(),
        (Ending::Exhausted, _) if simulation => format!("explored: {covered}"),
        (Ending::Exhausted, _) => "every reachable state checked".into(),
        (_, Some(stop)) if simulation => format!("{stop}: no violation in {covered}"),
        (_, Some(stop)) if o.failed() => format!("{stop} at depth {}", o.max_depth),
        (_, Some(stop)) => format!(
            "{stop} at depth {}: the verdicts hold for the states explored",
            o.max_depth
        ),
        (_, None) => String::new(),
    }
}

/// The verdict's words for the summary.
fn words(r: &Result, verdict: &Verdict) -> String {
    match verdict {
        Verdict::HoldsWithinBounds if r.options.strategy == Strategy::Simulation => {
            format!("no violation in {} walks", r.outcome.walks)
        }
        Verdict::Failed {
            counterexample: Some(steps),
        } => format!("{} after {} steps", verdict.word(), steps.len()),
        _ => verdict.word().to_string(),
    }
}

/// The properties in the plan's order: a result, or why it does not apply.
fn lines<'a>(r: &'a Result) -> Vec<(&'static Property, std::result::Result<usize, &'a str>)> {
    r.plan
        .properties
        .iter()
        .map(|&p| {
            let found = r.outcome.results.iter().position(|x| x.property.id == p.id);
            let why = r
                .vacuity
                .not_applicable
                .iter()
                .find(|(q, _)| q.id == p.id)
                .map(|(_, why)| why.as_str());
            (p, found.ok_or(why.unwrap_or("not checked")))
        })
        .collect()
}

/// Prints the summary: the settings, the counts, a line per property, and for a failure its
/// steps, the state they lead to and its trace.
pub fn print_summary(r: &Result) {
    let config = r.plan.system.config();
    let o = r.options;
    let how = match o.strategy {
        Strategy::Simulation => format!(
            "simulation, seed {}, walks of up to {} steps",
            o.seed, o.max_depth
        ),
        strategy => format!(
            "{strategy}, max depth {}, {} thread{}",
            o.max_depth,
            o.threads,
            if o.threads == 1 { "" } else { "s" }
        ),
    };
    let syncs = if config.syncs.is_one_write() {
        String::new()
    } else {
        format!(", {} syncs", config.syncs.name())
    };
    println!(
        "{} ({}): {}, commit {}{syncs}, {how}",
        config.name,
        r.plan.file.path.display(),
        config.consistency,
        config.commit.name(),
    );
    println!("  guards: {}", config.guards.summary());
    r.plan
        .system
        .reduction_notes()
        .iter()
        .for_each(|n| println!("  {n}"));
    let counts = Progress {
        states: r.outcome.states,
        unique_states: r.outcome.unique_states,
        max_depth: r.outcome.max_depth,
        elapsed: r.outcome.elapsed,
    }
    .line();
    match o.strategy {
        Strategy::Simulation => println!("walks {}  {counts}  ({})", r.outcome.walks, ending(r)),
        _ => println!("{counts}  ({})", ending(r)),
    }
    let mut legend = Legend::default();
    for (property, at) in lines(r) {
        let i = match at {
            Ok(i) => i,
            Err(why) => {
                println!(
                    "  {:<5} {:<28} {}",
                    property.id, "not applicable", property.text
                );
                println!("        ({why})");
                continue;
            }
        };
        let result = &r.outcome.results[i];
        println!(
            "  {:<5} {:<28} {}",
            property.id,
            words(r, &result.verdict),
            property.text
        );
        if let Verdict::NotChecked { reason } = &result.verdict {
            println!("        ({reason})");
        }
        if let Verdict::Failed {
            counterexample: Some(steps),
        } = &result.verdict
        {
            let system = &r.plan.system;
            for (n, t) in steps.iter().enumerate() {
                let line = format!(
                    "{} => {}",
                    system.describe(&t.action),
                    crate::model::properties::view::describe_outcome(system, t)
                );
                for note in legend.notes(&line) {
                    println!("             ({note})");
                }
                println!("        {:>3}. {line}", n + 1);
            }
            let last = match (steps.last(), &r.outcome.initial) {
                (Some(t), _) => t.next.clone(),
                (None, Some(initial)) => initial.clone(),
                (None, None) => system.initial(),
            };
            println!("        then:");
            for line in describe_state(system, &last, property) {
                println!("          {line}");
            }
        }
        if let Some(from) = r.shrunk.get(i).copied().flatten() {
            println!("        (minimised from {from} steps)");
        }
        if let Some(path) = r.traces.get(i).and_then(Option::as_ref) {
            println!("        trace: {}", path.display());
        }
    }
}

/// The result as one JSON object.
pub fn to_json(r: &Result) -> serde_json::Value {
    let config = r.plan.system.config();
    let properties: Vec<_> = lines(r)
        .into_iter()
        .map(|(property, at)| {
            let Ok(i) = at else {
                return json!({
                    "id": property.id,
                    "text": property.text,
                    "kind": property.kind.name(),
                    "verdict": "not-applicable",
                    "length": null,
                    "reason": at.err(),
                    "trace": null,
                    "minimisedFrom": null,
                });
            };
            let result = &r.outcome.results[i];
            let (verdict, length, reason) = match &result.verdict {
                Verdict::Holds { example } => ("holds", example.as_ref().map(Vec::len), None),
                Verdict::HoldsWithinBounds => ("holds-within-bounds", None, None),
                Verdict::Failed { counterexample } => {
                    ("failed", counterexample.as_ref().map(Vec::len), None)
                }
                Verdict::NotChecked { reason } => ("not-checked", None, Some(reason.clone())),
            };
            json!({
                "id": property.id,
                "text": property.text,
                "kind": property.kind.name(),
                "verdict": verdict,
                "length": length,
                "reason": reason,
                "trace": r.traces.get(i).and_then(Option::as_ref).map(|p| p.display().to_string()),
                "minimisedFrom": r.shrunk.get(i).copied().flatten(),
            })
        })
        .collect();
    let o = r.outcome;
    json!({
        "model": config.name,
        "file": r.plan.file.path.display().to_string(),
        "consistency": config.consistency.level.name(),
        "readYourWrites": config.consistency.read_your_writes,
        "commit": config.commit.name(),
        "syncs": config.syncs.name(),
        "guards": crate::model::config::guards::GUARDS
            .iter()
            .map(|g| (g.name.to_string(), json!(config.guards.is_on(g.name))))
            .collect::<serde_json::Map<_, _>>(),
        "strategy": r.options.strategy.name(),
        "maxDepth": r.options.max_depth,
        "threads": r.options.threads,
        "seed": (r.options.strategy == Strategy::Simulation).then_some(r.options.seed),
        "walks": (r.options.strategy == Strategy::Simulation).then_some(o.walks),
        "states": o.states,
        "uniqueStates": o.unique_states,
        "spilledBytes": o.spilled_bytes,
        "maxDepthReached": o.max_depth,
        "elapsedSeconds": o.elapsed.as_secs_f64(),
        "ending": match o.ending {
            Ending::Exhausted => "exhausted",
            Ending::Failure => "failure",
            Ending::Timeout => "timeout",
            Ending::Cancelled => "cancelled",
        },
        "stoppedWhileSettling": o.stopped_while_settling(),
        "signal": r.signal,
        "complete": o.complete(),
        "warnings": r.vacuity.warnings,
        "properties": properties,
    })
}
