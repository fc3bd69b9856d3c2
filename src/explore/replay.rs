//! Replay of a trace against the model: rebuild the embedded model, take every step, compare
//! every digest, and judge the recorded property at the recorded step.

use thiserror::Error;

use super::trace::{Trace, digest};
use crate::model::properties::{self, PropertyKind};
use crate::model::system::{BuildError, NotEnabled, System, SystemState};

/// Why a trace does not fit the model (the trace is refused).
#[derive(Debug, Error)]
pub enum ReplayError {
    /// The embedded model does not build.
    #[error("field `model`: {0}")]
    Build(#[from] BuildError),
    /// The initial state differs.
    #[error("field `initial`: the initial state's digest is {found}, the trace records {recorded}")]
    InitialDigest {
        /// The model's digest.
        found: String,
        /// The trace's digest.
        recorded: String,
    },
    /// A step is not enabled.
    #[error("step {step} ({describe}): NotEnabled: {reason}")]
    NotEnabled {
        /// The 1-based step.
        step: usize,
        /// The step's action for people.
        describe: String,
        /// Why.
        reason: Box<NotEnabled>,
    },
    /// A step leads to another state.
    #[error(
        "step {step} ({describe}): field `digest`: the state's digest is {found}, the trace records {recorded}"
    )]
    Digest {
        /// The 1-based step.
        step: usize,
        /// The step's action for people.
        describe: String,
        /// The model's digest.
        found: String,
        /// The trace's digest.
        recorded: String,
    },
    /// The violated property is not registered.
    #[error("field `violation.property`: unknown property `{0}`")]
    UnknownProperty(String),
    /// The violation is placed past the last step.
    #[error("field `violation.step`: step {step} is past the last step {last}")]
    StepOutOfRange {
        /// The recorded step.
        step: usize,
        /// The number of steps.
        last: usize,
    },
}

impl ReplayError {
    /// The top-level field the error is about (for its line), if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ReplayError::Build(_) => Some("model"),
            ReplayError::InitialDigest { .. } => Some("initial"),
            ReplayError::UnknownProperty(_) => Some("property"),
            ReplayError::StepOutOfRange { .. } => Some("step"),
            ReplayError::NotEnabled { .. } | ReplayError::Digest { .. } => None,
        }
    }

    /// The 1-based step the error is about, if any.
    pub fn step(&self) -> Option<usize> {
        match self {
            ReplayError::NotEnabled { step, .. } | ReplayError::Digest { step, .. } => Some(*step),
            _ => None,
        }
    }
}

/// A replay that fits: the states, and whether the property fails where recorded.
#[derive(Debug)]
pub struct Replayed {
    /// The system rebuilt from the trace.
    pub system: System,
    /// The initial state and the state after each step.
    pub states: Vec<SystemState>,
    /// Whether the recorded property is violated at the recorded step.
    pub violated: bool,
}

/// Replays a trace against the model it embeds. A trace whose `violation.property` is empty is
/// an explored path that records no violation (the explorer saves such paths): its steps must
/// replay, and `violated` is false.
pub fn replay(trace: &Trace) -> Result<Replayed, ReplayError> {
    let property = match trace.violation.property.as_str() {
        "" => None,
        id => Some(
            properties::by_id(id).ok_or_else(|| ReplayError::UnknownProperty(id.to_string()))?,
        ),
    };
    if trace.violation.step > trace.steps.len() {
        return Err(ReplayError::StepOutOfRange {
            step: trace.violation.step,
            last: trace.steps.len(),
        });
    }
    let system = System::new(trace.model.clone())?.with_reduction(trace.reduction);
    let initial = system.initial();
    let found = digest(&initial);
    if found != trace.initial {
        return Err(ReplayError::InitialDigest {
            found,
            recorded: trace.initial.clone(),
        });
    }
    let mut states = vec![initial];
    for (i, step) in trace.steps.iter().enumerate() {
        let describe = system.describe(&step.action);
        let last = states.last().expect("states starts with the initial state");
        let t = system
            .take(last, &step.action)
            .map_err(|reason| ReplayError::NotEnabled {
                step: i + 1,
                describe: describe.clone(),
                reason: Box::new(reason),
            })?;
        let found = digest(&t.next);
        if found != step.digest {
            return Err(ReplayError::Digest {
                step: i + 1,
                describe,
                found,
                recorded: step.digest.clone(),
            });
        }
        states.push(t.next);
    }
    let Some(property) = property else {
        return Ok(Replayed {
            system,
            states,
            violated: false,
        });
    };
    let at = &states[trace.violation.step];
    let holds = (property.check)(&system, at);
    let violated = match property.kind {
        PropertyKind::Always => !holds,
        PropertyKind::Sometimes => false,
        PropertyKind::Eventually => {
            system.transitions(at).is_empty()
                && !states[..=trace.violation.step]
                    .iter()
                    .any(|s| (property.check)(&system, s))
        }
    };
    Ok(Replayed {
        system,
        states,
        violated,
    })
}
