//! The explanation of the current path ([`crate::history_view::explain`]): its steps re-taken
//! as transitions, the DAG at its end, and the property it violates: the trace's recorded
//! property, or the first `always` property that fails on the path (a counterexample check
//! from here placed there). Computed on request (it re-runs the path under other settings),
//! not on every frame.

use super::Session;
use crate::history_view::{DagGraph, Explanation, PathInput, Provenance, explain};
use crate::model::properties::{Property, PropertyKind};
use crate::model::system::{SystemState, Transition};

impl Session {
    /// The story of the path through the cursor to its end.
    pub fn explanation(&self) -> Explanation {
        let ids = self.tree.path();
        let states: Vec<&SystemState> = ids.iter().map(|&id| &self.tree.node(id).state).collect();
        let mut steps: Vec<Transition> = Vec::with_capacity(ids.len().saturating_sub(1));
        for (i, &id) in ids.iter().enumerate().skip(1) {
            let Some(step) = &self.tree.node(id).step else {
                break;
            };
            // Every step of the tree was taken from its parent's state, so it is enabled there.
            match self.system.take(states[i - 1], &step.action) {
                Ok(t) => steps.push(t),
                Err(_) => break,
            }
        }
        let start = states[0];
        let end = steps.last().map_or(start, |t| &t.next);
        let mut provenance = Provenance::of_start(&self.system);
        provenance.extend(Provenance::from_transitions(&self.system, 1, &steps));
        let dag = DagGraph::of_state(&self.system, end, &provenance);
        let violation = self.violation_on(&states[..=steps.len()]);
        explain(&PathInput {
            system: &self.system,
            start,
            steps: &steps,
            dag: &dag,
            violation,
        })
    }

    /// The property the path violates and the first step after which it does: the trace's
    /// own property first, else the first checked `always` property to fail.
    fn violation_on(&self, states: &[&SystemState]) -> Option<(&'static Property, usize)> {
        let fails_at = |p: &'static Property| {
            states
                .iter()
                .position(|s| !(p.check)(&self.system, s))
                .map(|step| (p, step))
        };
        let recorded = self
            .trace_property
            .as_deref()
            .and_then(crate::model::properties::by_id);
        recorded.and_then(fails_at).or_else(|| {
            self.properties
                .iter()
                .filter(|p| p.kind == PropertyKind::Always)
                .filter_map(|p| fails_at(p))
                .min_by_key(|(_, step)| *step)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::explore::session::{Overrides, Session};

    #[test]
    fn a_trace_is_explained_from_its_whole_path_and_a_model_start_is_not_a_violation() {
        let trace = "tests/fixtures/traces/statefulset-stale-reads-P8-resettable-session.json";
        let session = Session::open(Path::new(trace), &Overrides::default()).unwrap();
        let e = session.explanation();
        assert_eq!(e.steps, 9);
        assert_eq!(
            e.violation().map(|v| (v.property.as_str(), v.step)),
            Some(("P8", 9))
        );
        let stale: Vec<(usize, &str)> = e
            .stale_reads()
            .map(|s| (s.step, s.controller.as_str()))
            .collect();
        assert_eq!(stale, [(8, "node-1")]);
        let model = Session::open(
            Path::new("models/statefulset-stale-reads.yaml"),
            &Overrides::default(),
        )
        .unwrap();
        let e = model.explanation();
        assert_eq!(e.steps, 0);
        assert!(e.violation().is_none() && e.findings.is_empty(), "{e:?}");
        assert!(e.sentences()[0].ends_with("records no violated property."));
    }
}
