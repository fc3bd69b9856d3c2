//! What a check concludes: a verdict per property, why the search ended, and the counts.

use std::time::Duration;

use super::stop::StopReason;
use crate::model::properties::{Property, PropertyKind};
use crate::model::system::{SystemState, Transition};

/// What a check says about one property.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Holds in the whole reachable space (`sometimes`: an example was found, here).
    Holds {
        /// For `sometimes`: the path to the example.
        example: Option<Vec<Transition>>,
    },
    /// No counterexample within the bounds (depth, time, or random walks).
    HoldsWithinBounds,
    /// Fails. The counterexample: the steps to a state that violates an `always` property, or
    /// to a terminal state never satisfying an `eventually` one; none for a `sometimes`
    /// property with no example in the whole space.
    Failed {
        /// The steps from the initial state.
        counterexample: Option<Vec<Transition>>,
    },
    /// Not decided: the search stopped before (at another property's failure), or a
    /// `sometimes` property had no example within the bounds.
    NotChecked {
        /// Why.
        reason: String,
    },
}

impl Verdict {
    /// A word for the summary.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Holds { .. } => "holds",
            Verdict::HoldsWithinBounds => "holds within bounds",
            Verdict::Failed { .. } => "FAILED",
            Verdict::NotChecked { .. } => "not checked within bounds",
        }
    }

    /// Whether this is a failure.
    pub fn is_failure(&self) -> bool {
        matches!(self, Verdict::Failed { .. })
    }
}

/// One property's verdict.
#[derive(Clone, Debug)]
pub struct PropertyResult {
    /// The property.
    pub property: &'static Property,
    /// The verdict.
    pub verdict: Verdict,
}

/// Why the search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Every reachable state within the depth bound was visited.
    Exhausted,
    /// A property failed (and `stop_on_failure` was set).
    Failure,
    /// The timeout.
    Timeout,
    /// Cancelled from outside (Esc, SIGINT, SIGTERM).
    Cancelled,
}

impl From<StopReason> for Ending {
    fn from(reason: StopReason) -> Ending {
        match reason {
            StopReason::Timeout => Ending::Timeout,
            StopReason::Cancelled => Ending::Cancelled,
        }
    }
}

/// The result of a check.
#[derive(Clone, Debug)]
pub struct CheckOutcome {
    /// States generated (with repeats).
    pub states: usize,
    /// Distinct states.
    pub unique_states: usize,
    /// The deepest state visited, in actions.
    pub max_depth: usize,
    /// Whether a state beyond the depth bound was reached (the space is larger than checked).
    pub depth_bounded: bool,
    /// Time spent.
    pub elapsed: Duration,
    /// Why it ended.
    pub ending: Ending,
    /// One verdict per property, in order.
    pub results: Vec<PropertyResult>,
    /// Simulation: the walks started (0 for a search).
    pub walks: usize,
    /// BFS under a memory budget: bytes the visited set wrote to disk (0 when it fitted).
    pub spilled_bytes: u64,
    /// The initial state the check started from (settled once, for `start: settled`): traces
    /// and reports use it rather than settling again. `None` when stopped while settling.
    pub initial: Option<SystemState>,
}

impl CheckOutcome {
    /// Whether a property failed.
    pub fn failed(&self) -> bool {
        self.results.iter().any(|r| r.verdict.is_failure())
    }

    /// Whether every reachable state was checked.
    pub fn complete(&self) -> bool {
        self.ending == Ending::Exhausted && !self.depth_bounded
    }

    /// The outcome of a check stopped (`ending`: a timeout or a cancel) while it settled the
    /// initial state of a `start: settled` model: no state visited, no property checked.
    pub fn stopped_settling(
        properties: &[&'static Property],
        ending: Ending,
        elapsed: Duration,
    ) -> CheckOutcome {
        CheckOutcome {
            states: 0,
            unique_states: 0,
            max_depth: 0,
            depth_bounded: false,
            elapsed,
            ending,
            results: properties
                .iter()
                .map(|&property| PropertyResult {
                    property,
                    verdict: Verdict::NotChecked {
                        reason: "stopped while settling the initial state".into(),
                    },
                })
                .collect(),
            walks: 0,
            spilled_bytes: 0,
            initial: None,
        }
    }

    /// Whether the check stopped before its initial state was settled (nothing visited).
    pub fn stopped_while_settling(&self) -> bool {
        self.initial.is_none()
    }
}

/// The verdict of one property from what the search found.
pub(crate) fn verdict(
    kind: PropertyKind,
    found: Option<Vec<Transition>>,
    complete: bool,
    ending: Ending,
) -> Verdict {
    let stopped = || Verdict::NotChecked {
        reason: match ending {
            Ending::Failure => "the search stopped at the first failure".into(),
            Ending::Timeout => "the search timed out".into(),
            Ending::Cancelled => "the search was cancelled".into(),
            Ending::Exhausted => "no example within the depth bound".into(),
        },
    };
    match (kind, found) {
        (PropertyKind::Sometimes, Some(steps)) => Verdict::Holds {
            example: Some(steps),
        },
        (PropertyKind::Sometimes, None) if complete => Verdict::Failed {
            counterexample: None,
        },
        (PropertyKind::Sometimes, None) => stopped(),
        (_, Some(steps)) => Verdict::Failed {
            counterexample: Some(steps),
        },
        (_, None) if complete => Verdict::Holds { example: None },
        (_, None) if ending == Ending::Failure => stopped(),
        (_, None) => Verdict::HoldsWithinBounds,
    }
}
