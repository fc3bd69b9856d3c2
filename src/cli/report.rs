//! The result of `orchard check` for people (a summary per property) and for programs (one JSON
//! object).

use std::path::PathBuf;

use serde_json::json;

use super::check::Plan;
use crate::explore::checker::{CheckOptions, CheckOutcome, Ending, Verdict};
use crate::explore::progress::Progress;

fn ending(outcome: &CheckOutcome) -> &'static str {
    match outcome.ending {
        Ending::Exhausted if outcome.depth_bounded => "depth bound reached",
        Ending::Exhausted => "every reachable state checked",
        Ending::Failure => "stopped at the first failure",
        Ending::Timeout => "timeout",
        Ending::Cancelled => "cancelled",
    }
}

/// Prints the summary: the settings, the counts, a line per property and its trace.
pub fn print_summary(
    plan: &Plan,
    options: &CheckOptions,
    outcome: &CheckOutcome,
    traces: &[Option<PathBuf>],
    shrunk: &[Option<usize>],
) {
    let config = plan.system.config();
    println!(
        "{} ({}): {}, commit {}, {}, max depth {}, {} thread{}",
        config.name,
        plan.file.path.display(),
        config.consistency,
        config.commit.name(),
        options.strategy,
        options.max_depth,
        options.threads,
        if options.threads == 1 { "" } else { "s" }
    );
    plan.system
        .reduction_notes()
        .iter()
        .for_each(|n| println!("  {n}"));
    println!(
        "{}  ({})",
        Progress {
            states: outcome.states,
            unique_states: outcome.unique_states,
            max_depth: outcome.max_depth,
            elapsed: outcome.elapsed,
        }
        .line(),
        ending(outcome)
    );
    for ((r, trace), from) in outcome.results.iter().zip(traces).zip(shrunk) {
        let mut verdict = r.verdict.word().to_string();
        if let Verdict::Failed {
            counterexample: Some(steps),
        } = &r.verdict
        {
            verdict = format!("{verdict} after {} steps", steps.len());
        }
        println!("  {:<5} {:<28} {}", r.property.id, verdict, r.property.text);
        if let Verdict::NotChecked { reason } = &r.verdict {
            println!("        ({reason})");
        }
        if let Verdict::Failed {
            counterexample: Some(steps),
        } = &r.verdict
        {
            for (n, t) in steps.iter().enumerate() {
                println!(
                    "        {:>3}. {} => {}",
                    n + 1,
                    plan.system.describe(&t.action),
                    t.outcome
                );
            }
        }
        if let Some(from) = from {
            println!("        (minimised from {from} steps)");
        }
        if let Some(path) = trace {
            println!("        trace: {}", path.display());
        }
    }
}

/// The result as one JSON object.
pub fn to_json(
    plan: &Plan,
    options: &CheckOptions,
    outcome: &CheckOutcome,
    traces: &[Option<PathBuf>],
    shrunk: &[Option<usize>],
) -> serde_json::Value {
    let config = plan.system.config();
    let properties: Vec<_> = outcome
        .results
        .iter()
        .zip(traces)
        .zip(shrunk)
        .map(|((r, trace), from)| {
            let (verdict, length, reason) = match &r.verdict {
                Verdict::Holds { example } => ("holds", example.as_ref().map(Vec::len), None),
                Verdict::HoldsWithinBounds => ("holds-within-bounds", None, None),
                Verdict::Failed { counterexample } => {
                    ("failed", counterexample.as_ref().map(Vec::len), None)
                }
                Verdict::NotChecked { reason } => ("not-checked", None, Some(reason.clone())),
            };
            json!({
                "id": r.property.id,
                "text": r.property.text,
                "kind": r.property.kind.name(),
                "verdict": verdict,
                "length": length,
                "reason": reason,
                "trace": trace.as_ref().map(|p| p.display().to_string()),
                "minimisedFrom": from,
            })
        })
        .collect();
    json!({
        "model": config.name,
        "file": plan.file.path.display().to_string(),
        "consistency": config.consistency.level.name(),
        "readYourWrites": config.consistency.read_your_writes,
        "commit": config.commit.name(),
        "strategy": options.strategy.name(),
        "maxDepth": options.max_depth,
        "threads": options.threads,
        "states": outcome.states,
        "uniqueStates": outcome.unique_states,
        "maxDepthReached": outcome.max_depth,
        "elapsedSeconds": outcome.elapsed.as_secs_f64(),
        "ending": match outcome.ending {
            Ending::Exhausted => "exhausted",
            Ending::Failure => "failure",
            Ending::Timeout => "timeout",
        Ending::Cancelled => "cancelled",
        },
        "complete": outcome.complete(),
        "properties": properties,
    })
}
