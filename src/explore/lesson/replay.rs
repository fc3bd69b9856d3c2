//! A lesson replayed: its steps taken one by one from the model's start, each matched by name
//! among the actions enabled where it stands ([`walk`]), and the same steps under the
//! contrast's setting, up to the first that it does not allow ([`contrast`]).

use super::{Impossible, LessonStep};
use crate::model::config::ModelConfig;
use crate::model::suggest::did_you_mean;
use crate::model::system::{Action, BuildError, Reduction, System, SystemState};

/// The most enabled actions an error lists.
const LISTED: usize = 12;

/// The system a lesson runs on: the plain model, as the explorer offers it (every read).
pub fn system_of(config: &ModelConfig) -> Result<System, BuildError> {
    Ok(System::new(config.clone())?.with_reduction(Reduction::NONE))
}

/// One step of a walk.
#[derive(Clone, Debug)]
pub struct Walked {
    /// The action.
    pub action: Action,
    /// Its name, as the explorer writes it.
    pub describe: String,
    /// What it did.
    pub outcome: String,
}

/// Why a walk stopped: the step (from 0) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkError {
    /// The step, from 0.
    pub index: usize,
    /// The message.
    pub message: String,
}

/// An action's name with its spaces made single, for comparing names.
pub fn normal(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The enabled action of `state` named `name` (as [`System::describe`] names it), or a
/// message listing the enabled ones.
pub fn find(system: &System, state: &SystemState, name: &str) -> Result<Walked, String> {
    let wanted = normal(name);
    let transitions = system.transitions(state);
    let names: Vec<String> = transitions
        .iter()
        .map(|t| system.describe(&t.action))
        .collect();
    if let Some(i) = names.iter().position(|n| *n == wanted) {
        let t = &transitions[i];
        return Ok(Walked {
            action: t.action.clone(),
            describe: names[i].clone(),
            outcome: t.outcome.to_string(),
        });
    }
    let hint = did_you_mean(&wanted, names.iter().map(String::as_str));
    let mut listed: Vec<&str> = names.iter().map(String::as_str).take(LISTED).collect();
    if names.len() > LISTED {
        listed.push("...");
    }
    Err(format!(
        "`{wanted}` is not enabled here{hint} (enabled: {})",
        if listed.is_empty() {
            "nothing".to_string()
        } else {
            listed.join("; ")
        }
    ))
}

/// Takes the named actions in order from the system's start; the first that is not enabled
/// where it stands stops the walk.
pub fn walk(system: &System, names: &[String]) -> Result<Vec<Walked>, WalkError> {
    let mut state = system.initial();
    let mut out = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let walked = find(system, &state, name).map_err(|message| WalkError {
            index,
            message: if index == 0 {
                format!("at the start: {message}")
            } else {
                format!("after step {index}: {message}")
            },
        })?;
        let t = system.take(&state, &walked.action).map_err(|e| WalkError {
            index,
            message: e.to_string(),
        })?;
        state = t.next;
        out.push(walked);
    }
    Ok(out)
}

/// The first of `steps` that `system` (the lesson's model under the contrast's setting) does
/// not allow: not enabled where it stands, or doing something other than it did in the
/// lesson (a write rejected, another object written). `None` when every step is the same.
pub fn contrast(system: &System, steps: &[LessonStep]) -> Option<Impossible> {
    let mut state = system.initial();
    for (i, step) in steps.iter().enumerate() {
        let impossible = |reason: String| Impossible {
            step: i + 1,
            describe: step.describe.clone(),
            reason,
        };
        match system.take(&state, &step.action) {
            Err(e) => return Some(impossible(e.to_string())),
            Ok(t) if t.outcome.to_string() != step.outcome => {
                return Some(impossible(format!(
                    "it does `{}` instead of `{}`",
                    t.outcome, step.outcome
                )));
            }
            Ok(t) => state = t.next,
        }
    }
    None
}
