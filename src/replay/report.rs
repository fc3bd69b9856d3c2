//! A replay's report: one row per step, the first divergence in full, whether the violation
//! reproduced, and the command that reproduces the run; printed as a table or written as JSON.

use serde::Serialize;

use super::diff::FieldDiff;
use crate::model::resources::Revision;

/// One replayed step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepRow {
    /// The trace's 1-based step; 0 for a step of a settled start's settling.
    pub step: usize,
    /// The action, for people.
    pub action: String,
    /// The model's latest revision after the step.
    pub model_revision: Revision,
    /// The store revision it maps to (`None`: it maps to none, the target did not write).
    pub store_revision: Option<Revision>,
    /// Whether the store's state matched the model's.
    pub matched: bool,
    /// The first differing field, when not matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_difference: Option<FieldDiff>,
    /// What the replay did to serve the step (a materialised branch), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The first step where the target and the model part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Divergence {
    /// The step (as in [`StepRow::step`]).
    pub step: usize,
    /// Its position in the table.
    pub row: usize,
    /// Every differing field.
    pub fields: Vec<FieldDiff>,
}

/// The whole report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The trace file.
    pub trace: String,
    /// The target, described: `controllers on memory`, `etcd at http://...`.
    pub target: String,
    /// Every step replayed, settling first; replay ends at the first divergence.
    pub steps: Vec<StepRow>,
    /// The trace's step count.
    pub trace_steps: usize,
    /// The first divergence, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub divergence: Option<Divergence>,
    /// The property the trace records as violated (empty: none).
    pub property: String,
    /// The step it is violated at.
    pub violation_step: usize,
    /// Whether the property is violated on the target's state at that step.
    pub reproduced: bool,
    /// The command that reproduces this run.
    pub command: String,
}

impl Report {
    /// Whether every step matched and the violation reproduced (exit 0).
    pub fn success(&self) -> bool {
        self.divergence.is_none()
            && self.steps.iter().filter(|r| r.step > 0).count() == self.trace_steps
            && (self.reproduced || self.property.is_empty())
    }

    /// The report as people read it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "replay of {} against {}\n",
            self.trace, self.target
        ));
        let width = self
            .steps
            .iter()
            .map(|r| r.action.chars().count())
            .max()
            .unwrap_or(6)
            .clamp(6, 60);
        out.push_str(&format!(
            "{:>5}  {:<width$}  {:>14}  result\n",
            "step", "action", "model -> store"
        ));
        for row in &self.steps {
            let step = if row.step == 0 {
                "start".to_string()
            } else {
                row.step.to_string()
            };
            let revisions = format!(
                "r{} -> {}",
                row.model_revision,
                row.store_revision
                    .map_or_else(|| "-".to_string(), |s| format!("r{s}"))
            );
            let action: String = row.action.chars().take(width).collect();
            let result = match &row.first_difference {
                None if row.matched => "match".to_string(),
                None => "differs".to_string(),
                Some(d) => format!("differs: {d}"),
            };
            out.push_str(&format!(
                "{step:>5}  {action:<width$}  {revisions:>14}  {result}"
            ));
            if let Some(note) = &row.note {
                out.push_str(&format!("  ({note})"));
            }
            out.push('\n');
        }
        if let Some(d) = &self.divergence {
            let step = if d.step == 0 {
                "the settling of the start".to_string()
            } else {
                format!("step {}", d.step)
            };
            out.push_str(&format!(
                "\nfirst divergence at {step}: {} field(s) differ\n",
                d.fields.len()
            ));
            for f in &d.fields {
                out.push_str(&format!("  {f}\n"));
            }
            let left = self.trace_steps - self.steps.iter().filter(|r| r.step > 0).count();
            if left > 0 {
                out.push_str(&format!("  ({left} later step(s) not replayed)\n"));
            }
        }
        out.push('\n');
        if self.property.is_empty() {
            out.push_str("the trace records no violation\n");
        } else if self.reproduced {
            out.push_str(&format!(
                "{} is violated on the target at step {}: reproduced\n",
                self.property, self.violation_step
            ));
        } else {
            out.push_str(&format!(
                "{} is not violated on the target at step {}: not reproduced\n",
                self.property, self.violation_step
            ));
        }
        out.push_str(&format!("reproduce with: {}\n", self.command));
        out
    }
}
