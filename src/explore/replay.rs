//! Replay of a trace against the model: rebuild the embedded model, take every step, compare
//! every digest, and judge the recorded property at the recorded step.

use thiserror::Error;

use super::trace::{Trace, digest_for, line_of_key, line_of_step};
use crate::model::properties::{self, PropertyKind};
use crate::model::system::{Action, BuildError, NotEnabled, System, SystemState};

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
    /// A step names what the model does not have (a controller, a kind it watches, an
    /// environment rule): found before any step is taken.
    #[error("step {step}: field `{field}`: {message}")]
    BadStep {
        /// The 1-based step.
        step: usize,
        /// The field inside the step, e.g. `action.controller`.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A step is not enabled.
    #[error("step {step} ({describe}): not enabled: {reason}")]
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
            ReplayError::NotEnabled { .. }
            | ReplayError::Digest { .. }
            | ReplayError::BadStep { .. } => None,
        }
    }

    /// The 1-based step the error is about, if any.
    pub fn step(&self) -> Option<usize> {
        match self {
            ReplayError::NotEnabled { step, .. }
            | ReplayError::Digest { step, .. }
            | ReplayError::BadStep { step, .. } => Some(*step),
            _ => None,
        }
    }
}

impl ReplayError {
    /// The error as printed for the trace file `origin` whose text is `text`:
    /// `<origin>:<line>: <message>`, the line of the step (or of the field) it is about.
    pub fn located(&self, text: &str, origin: &str) -> String {
        let line = self
            .step()
            .and_then(|s| line_of_step(text, s - 1))
            .or_else(|| self.field().and_then(|f| line_of_key(text, f)))
            .unwrap_or(1);
        format!("{origin}:{line}: {self}")
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

/// Checks that an action names only what the system has: a controller index in range, a
/// cache of a kind the controller watches, an environment rule in range. What [`System::take`]
/// and [`System::describe`] index by is then in range; whether the action is enabled is
/// `take`'s to say. The error is the field and what is wrong.
fn check_action(system: &System, action: &Action) -> Result<(), (&'static str, String)> {
    let controllers = system.controller_count();
    let controller = |i: usize| {
        if i < controllers {
            Ok(())
        } else {
            Err((
                "action.controller",
                format!(
                    "there is no controller {i} (the model has {controllers}, numbered from 0)"
                ),
            ))
        }
    };
    match action {
        Action::Step { controller: i, .. } | Action::Continue { controller: i } => controller(*i),
        Action::Cache {
            controller: i,
            kind,
            ..
        } => {
            controller(*i)?;
            if system.registration(*i).watches.contains(kind) {
                Ok(())
            } else {
                Err((
                    "action.kind",
                    format!(
                        "{} keeps no cache of {}",
                        system.controller_name(*i),
                        kind.plural()
                    ),
                ))
            }
        }
        Action::Environment { rule, .. } => {
            let rules = system.config().environment.len();
            if *rule < rules {
                Ok(())
            } else {
                Err((
                    "action.rule",
                    format!(
                        "there is no environment rule {rule} (the model has {rules}, numbered from 0)"
                    ),
                ))
            }
        }
    }
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
    // The whole trace is checked before the first step is described or taken (and before a
    // settled start is settled).
    for (i, step) in trace.steps.iter().enumerate() {
        check_action(&system, &step.action).map_err(|(field, message)| ReplayError::BadStep {
            step: i + 1,
            field,
            message,
        })?;
    }
    let initial = system.initial();
    let digest = digest_for(trace.format);
    let found = digest(&initial);
    if found != trace.initial {
        return Err(ReplayError::InitialDigest {
            found,
            recorded: trace.initial.clone(),
        });
    }
    let mut states = vec![initial];
    for (i, step) in trace.steps.iter().enumerate() {
        let last = states.last().expect("states starts with the initial state");
        let t = system
            .take(last, &step.action)
            .map_err(|reason| ReplayError::NotEnabled {
                step: i + 1,
                describe: system.describe(&step.action),
                reason: Box::new(reason),
            })?;
        let found = digest(&t.next);
        if found != step.digest {
            return Err(ReplayError::Digest {
                step: i + 1,
                describe: system.describe(&step.action),
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
