//! A path of the tree as a trace file: the steps from the start to a node, the digest of each
//! state, and the first violation of a checked `always` property on it (a path that violates
//! nothing is saved with an empty `violation.property`, which replay accepts).

use super::Session;
use super::tree::NodeId;
use crate::explore::trace::{FORMAT, Trace, TraceStep, Violation, digest};

impl Session {
    /// The trace of the path from the start to `leaf`.
    pub fn trace_of(&self, leaf: NodeId) -> Trace {
        let nodes = self.tree.ancestors(leaf);
        let config = self.system.config().clone();
        let steps: Vec<TraceStep> = nodes[1..]
            .iter()
            .map(|&id| {
                let node = self.tree.node(id);
                let step = node
                    .step
                    .as_ref()
                    .expect("every node but the start has a step");
                TraceStep {
                    action: step.action.clone(),
                    describe: step.describe.clone(),
                    outcome: step.outcome.clone(),
                    digest: digest(&node.state),
                }
            })
            .collect();
        let violation = nodes
            .iter()
            .enumerate()
            .find_map(|(k, &id)| {
                let state = &self.tree.node(id).state;
                let ids = super::whatif::violated(&self.system, &self.properties, state);
                let first = *ids.first()?;
                let property = crate::model::properties::by_id(first)?;
                Some(Violation {
                    property: property.id.to_string(),
                    text: property.text.to_string(),
                    step: k,
                })
            })
            .unwrap_or(Violation {
                property: String::new(),
                text: "an explored path: no property violated".to_string(),
                step: steps.len(),
            });
        Trace {
            format: FORMAT,
            consistency: config.consistency,
            commit: config.commit,
            reduction: self.system.reduction(),
            initial: digest(&self.tree.node(nodes[0]).state),
            steps,
            violation,
            model: config,
        }
    }
}

/// The default file name: model-property-consistency, with `explored` for a path that
/// violates nothing.
pub fn default_name(trace: &Trace) -> String {
    if trace.violation.property.is_empty() {
        let mut named = trace.clone();
        named.violation.property = "explored".to_string();
        named.file_name()
    } else {
        trace.file_name()
    }
}
