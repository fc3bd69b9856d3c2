//! Check from here: starting a check from the cursor's state and collecting its outcome (a
//! counterexample appended to the path from where it started, or the bound it holds to).

use std::time::Duration;

use super::Session;
use super::check::{CheckRequest, Finished};
use super::command::{CheckSpec, Effect};
use crate::explore::checker::{CheckOptions, Ending, Verdict};
use crate::explore::stop::Stop;
use crate::model::system::{Reduction, System};

impl Session {
    pub(super) fn start_check(&mut self, spec: CheckSpec) -> Vec<Effect> {
        if self.check.is_some() {
            self.error("a check is already running (cancel it first)");
            return Vec::new();
        }
        let system = match System::new(self.config.clone()) {
            Ok(s) => s.with_reduction(Reduction {
                fold_deliveries: self.fold,
                ..Reduction::ALL
            }),
            Err(e) => {
                self.error(e.to_string());
                return Vec::new();
            }
        };
        let options = CheckOptions {
            strategy: spec.strategy,
            max_depth: spec.max_depth.unwrap_or(self.config.checker.max_depth),
            timeout: spec.timeout_secs.map(Duration::from_secs),
            stop: Stop::never(),
            initial: Some(self.state().clone()),
            ..CheckOptions::default()
        };
        self.check_report = None;
        self.info(format!(
            "checking from step {} ({}, depth {})",
            self.cursor_step(),
            spec.strategy,
            options.max_depth
        ));
        vec![Effect::StartCheck(Box::new(CheckRequest {
            system: std::sync::Arc::new(system),
            properties: self.properties.clone(),
            options,
            from: self.tree.cursor(),
        }))]
    }

    pub(super) fn collect_check(&mut self) {
        let Some(handle) = self.check.as_mut() else {
            return;
        };
        let Some(finished) = handle.try_finish() else {
            return;
        };
        let (from, strategy, depth) = (handle.from, handle.strategy, handle.max_depth);
        self.check = None;
        let outcome = match finished {
            Finished::Outcome(o) => o,
            Finished::Panicked(p) => {
                self.error(format!(
                    "the check stopped on a bug (please report it): {p}"
                ));
                return;
            }
        };
        let from_step = self.tree.node(from).depth;
        let counts = format!(
            "{} states, {} unique, depth {}, {:.1}s",
            outcome.states,
            outcome.unique_states,
            outcome.max_depth,
            outcome.elapsed.as_secs_f64()
        );
        let failed = outcome.results.iter().find_map(|r| match &r.verdict {
            Verdict::Failed {
                counterexample: Some(steps),
            } => Some((r.property, steps.clone())),
            _ => None,
        });
        let report = if let Some((property, _)) = failed.as_ref().filter(|(_, s)| s.is_empty()) {
            format!(
                "{strategy} from step {from_step}: {} ({}) is violated here already ({counts})",
                property.id, property.text
            )
        } else if let Some((property, steps)) = failed {
            self.tree.select(from);
            for t in &steps {
                let describe = self.system.describe(&t.action);
                self.tree.push(t.clone(), describe);
            }
            format!(
                "{strategy} from step {from_step}: {} ({}) fails {} steps on: steps {}..{} appended ({counts})",
                property.id,
                property.text,
                steps.len(),
                from_step + 1,
                from_step + steps.len()
            )
        } else {
            match outcome.ending {
                Ending::Cancelled => {
                    format!("{strategy} from step {from_step}: cancelled ({counts})")
                }
                Ending::Exhausted if !outcome.depth_bounded => format!(
                    "{strategy} from step {from_step}: every property holds in all states reachable from here ({counts})"
                ),
                Ending::Timeout => format!(
                    "{strategy} from step {from_step}: no violation before the timeout, within depth {} ({counts})",
                    outcome.max_depth
                ),
                _ => format!(
                    "{strategy} from step {from_step}: every property holds within depth {depth} of here ({counts})"
                ),
            }
        };
        self.info(report.clone());
        self.check_report = Some(report);
    }
}
