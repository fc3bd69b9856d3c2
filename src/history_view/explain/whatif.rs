//! The what-if of an explanation: the path's actions re-taken, one by one, under each stronger
//! setting (the other consistency levels, read-your-writes, the informer's consistent relist
//! and zero lag, the atomic commit mode), and the first step that becomes impossible there.

use crate::model::history::{
    CommitMode, Consistency, ConsistencySetting, History, Lag, Read, Relist,
};
use crate::model::resources::Kind;
use crate::model::system::{Action, NotEnabled, Outcome, System, SystemState};

use super::PathInput;
use super::findings::{and_list, read_label};

/// The path under one other setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatIf {
    /// The setting for people: `monotonic-session`, `read-your-writes`, `the atomic commit mode`.
    pub setting: String,
    /// The consistency it runs under.
    pub consistency: ConsistencySetting,
    /// The commit mode it runs under.
    pub commit: CommitMode,
    /// What became of the path.
    pub result: WhatIfResult,
}

/// What became of a path under another setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhatIfResult {
    /// A step is no longer possible, or does something else.
    Breaks {
        /// The step (1-based).
        step: usize,
        /// It for people: `node-1 reads r7`.
        describe: String,
        /// Why: `node-1, without a session, may read only the latest revision, r15`.
        why: String,
        /// Whether the step is prevented (impossible, or its write rejected), not merely
        /// changed into another write.
        prevents: bool,
    },
    /// Every step is still possible; whether the recorded property still fails where it did
    /// (`None` when the path records none).
    Holds {
        /// Whether the property still fails.
        still_fails: Option<bool>,
    },
    /// The path cannot be re-taken there at all (the start differs).
    NotComparable {
        /// Why.
        why: String,
    },
}

/// The settings stronger than (or beside) `setting` to re-run a path under, each with its name:
/// under a level with reads of one revision, the other such levels (with read-your-writes kept
/// where it applies), read-your-writes where the level has sessions and it is off; under
/// informer, a consistent relist and zero lag; and the atomic commit mode when it is off.
pub fn settings_to_try(
    setting: ConsistencySetting,
    commit: CommitMode,
) -> Vec<(String, ConsistencySetting, CommitMode)> {
    let mut out = Vec::new();
    if setting.level == Consistency::Informer {
        if setting.relist != Relist::Latest {
            let relist = ConsistencySetting {
                relist: Relist::Latest,
                ..setting
            };
            out.push(("relist: latest".to_string(), relist, commit));
        }
        if setting.lag != Lag::Zero {
            let lag = ConsistencySetting {
                lag: Lag::Zero,
                ..setting
            };
            out.push(("lag: zero".to_string(), lag, commit));
        }
    } else {
        for level in Consistency::ALL {
            if level == setting.level || level == Consistency::Informer {
                continue;
            }
            let other = ConsistencySetting {
                level,
                read_your_writes: setting.read_your_writes && level.has_sessions(),
                ..ConsistencySetting::default()
            };
            out.push((level.name().to_string(), other, commit));
        }
        if setting.level.has_sessions() && !setting.read_your_writes {
            let ryw = ConsistencySetting {
                read_your_writes: true,
                ..setting
            };
            out.push(("read-your-writes".to_string(), ryw, commit));
        }
    }
    if commit != CommitMode::Atomic {
        out.push((
            "the atomic commit mode".to_string(),
            setting,
            CommitMode::Atomic,
        ));
    }
    out
}

/// The path re-run under every setting of [`settings_to_try`].
pub(super) fn what_ifs(input: &PathInput<'_>) -> Vec<WhatIf> {
    let config = input.system.config();
    settings_to_try(config.consistency, config.commit)
        .into_iter()
        .map(|(setting, consistency, commit)| {
            let result = rerun(input, consistency, commit);
            WhatIf {
                setting,
                consistency,
                commit,
                result,
            }
        })
        .collect()
}

fn rerun(
    input: &PathInput<'_>,
    consistency: ConsistencySetting,
    commit: CommitMode,
) -> WhatIfResult {
    let mut config = input.system.config().clone();
    config.consistency = consistency;
    config.commit = commit;
    let system = match System::new(config) {
        Ok(s) => s.with_reduction(input.system.reduction()),
        Err(e) => return WhatIfResult::NotComparable { why: e.to_string() },
    };
    let mut state = system.initial();
    if state.history.latest() != input.start.history.latest()
        || state.latest() != input.start.latest()
    {
        return WhatIfResult::NotComparable {
            why: "its start state differs".to_string(),
        };
    }
    let recorded = input.violation;
    let mut at_violation = None;
    if let Some((_, 0)) = recorded {
        at_violation = Some(state.clone());
    }
    for (i, t) in input.steps.iter().enumerate() {
        let step = i + 1;
        let describe = system.describe(&t.action);
        match system.take(&state, &t.action) {
            Ok(next) if next.outcome == t.outcome => state = next.next,
            Ok(next) => {
                return WhatIfResult::Breaks {
                    step,
                    describe,
                    why: changed(&next.outcome, &t.outcome),
                    prevents: matches!(next.outcome, Outcome::Rejected { .. }),
                };
            }
            Err(e) => {
                return WhatIfResult::Breaks {
                    step,
                    describe,
                    why: not_enabled(&system, &state, &t.action, &e),
                    prevents: true,
                };
            }
        }
        if recorded.is_some_and(|(_, s)| s == step) {
            at_violation = Some(state.clone());
        }
    }
    let still_fails =
        recorded.map(|(property, _)| at_violation.is_some_and(|s| !(property.check)(&system, &s)));
    WhatIfResult::Holds { still_fails }
}

/// Why a step that is possible does something else now.
fn changed(now: &Outcome, was: &Outcome) -> String {
    match now {
        Outcome::Rejected { operation, reason } => {
            format!("its write `{operation}` is rejected: {reason}")
        }
        _ if now.to_string() == was.to_string() => {
            format!("its `{now}` writes other values")
        }
        _ => format!("it does `{now}` instead of `{was}`"),
    }
}

/// Why an action is not enabled under the re-run's setting.
fn not_enabled(
    system: &System,
    state: &SystemState,
    action: &Action,
    error: &NotEnabled,
) -> String {
    let Action::Step {
        controller, read, ..
    } = action
    else {
        return error.to_string();
    };
    let name = system.controller_name(*controller);
    match error {
        NotEnabled::NotReadable { .. } => not_readable(system, state, *controller, read),
        NotEnabled::NoEffect { .. } if system.config().commit == CommitMode::Atomic => {
            let seen = state.history.state(read);
            let latest = state.history.latest_state();
            let kinds: Vec<&str> = system
                .registration(*controller)
                .watches
                .iter()
                .filter(|k| seen.as_ref().is_some_and(|s| !s.same_kind(&latest, **k)))
                .map(|k| Kind::plural(*k))
                .collect();
            if kinds.is_empty() {
                format!("the step of {name} is rejected")
            } else {
                format!(
                    "{name}'s step is rejected: {} changed since {}",
                    and_list(&kinds),
                    read_label(system, *controller, read)
                )
            }
        }
        other => other.to_string(),
    }
}

/// Why a controller may not make a read, from its session and the level's rule.
fn not_readable(system: &System, state: &SystemState, c: usize, read: &Read) -> String {
    let setting = system.config().consistency;
    let latest = state.history.latest();
    let name = system.controller_name(c);
    let session = &state.locals[c].session;
    let wrote = session.last_write.filter(|w| *w > read.newest());
    match (setting.level, &session.read) {
        (Consistency::Synchronous, _) => {
            format!("{name} may read only the latest revision, r{latest}")
        }
        (Consistency::MonotonicSession | Consistency::Causal, None) => {
            format!("{name}, without a session, may read only the latest revision, r{latest}")
        }
        (Consistency::Informer, _) if setting.relist == Relist::Latest => {
            format!("{name}'s empty caches list at the latest revision, r{latest}")
        }
        _ if setting.read_your_writes && wrote.is_some() => format!(
            "with read-your-writes {name} reads nothing older than its own last write, r{}",
            wrote.unwrap_or_default()
        ),
        (_, Some(seen)) if seen.newest() > read.newest() => {
            format!(
                "{name}'s session has read {}, newer than {}",
                read_label(system, c, seen),
                read_label(system, c, read)
            )
        }
        _ => {
            let readable: Vec<String> = system
                .readable(state, c)
                .iter()
                .take(4)
                .map(|r| read_label(system, c, r))
                .collect();
            if readable.is_empty() {
                format!("{name} may read nothing now")
            } else {
                format!("{name} may read only {}", and_list(&readable))
            }
        }
    }
}
