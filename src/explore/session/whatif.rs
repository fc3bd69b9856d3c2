//! What-if: re-validate a path's steps under other settings (consistency level and options,
//! commit mode) and find the first step that is no longer possible or whose outcome changes,
//! why, and the nearest step still possible in its place; or that the whole path still holds,
//! and which properties its end violates.

use super::actions::{effect_text, read_text, reads_label};
use super::settings::Settings;
use super::tree::StepInfo;
use crate::model::history::{CommitMode, Consistency, History, Read, Relist};
use crate::model::properties::{Property, PropertyKind};
use crate::model::resources::Kind;
use crate::model::system::{Action, Outcome, System, SystemState, Transition};

/// How a step fails under the new settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakKind {
    /// The action is not offered (a read the controller may not make, an operation not
    /// enabled).
    NotPossible,
    /// The action is offered but changes nothing now (in the atomic commit mode, its write or
    /// its stale step is rejected).
    NoEffect,
    /// The action is possible but does something else (a write now rejected).
    OutcomeChanged,
}

/// A step that can be taken in place of a broken one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nearest {
    /// The action.
    pub action: Action,
    /// It for people: `node-1 reads r15`.
    pub describe: String,
    /// What it does: `update Pod web-0`.
    pub outcome: String,
}

/// The first step that breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    /// The step's number (1-based, as the path shows it).
    pub step: usize,
    /// The step for people.
    pub describe: String,
    /// How it breaks.
    pub kind: BreakKind,
    /// Why: `node-1 may not read r6 under monotonic-session: a restarted node reads only the
    /// latest, r15`.
    pub why: String,
    /// The nearest step possible in its place (the same controller's closest read that does
    /// something), if any.
    pub nearest: Option<Nearest>,
}

/// The result of a what-if.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatIfReport {
    /// The settings the path was made under.
    pub from: Settings,
    /// The settings it was re-validated under.
    pub to: Settings,
    /// The number of steps re-validated.
    pub steps: usize,
    /// The first step that breaks; `None` when the whole path is still possible.
    pub broken: Option<Break>,
    /// The properties the path's end violated under the old settings.
    pub violated_before: Vec<&'static str>,
    /// The properties violated at the end of what still holds (the whole path, or the steps
    /// before the break).
    pub violated_now: Vec<&'static str>,
}

impl WhatIfReport {
    /// One paragraph for people.
    pub fn text(&self) -> String {
        let head = format!("what-if {}:", self.to);
        match &self.broken {
            Some(b) => {
                let nearest = match &b.nearest {
                    Some(n) => format!("; nearest in its place: {} => {}", n.describe, n.outcome),
                    None => "; nothing of the same controller is possible in its place".into(),
                };
                format!("{head} step {}: {}{nearest}", b.step, b.why)
            }
            None => {
                let verdict = if self.violated_now.is_empty() {
                    "and violates nothing".to_string()
                } else {
                    format!("and still violates {}", self.violated_now.join(", "))
                };
                format!(
                    "{head} all {} steps are still possible {verdict}",
                    self.steps
                )
            }
        }
    }
}

/// The `always` properties a state violates.
pub fn violated(
    system: &System,
    properties: &[&'static Property],
    state: &SystemState,
) -> Vec<&'static str> {
    properties
        .iter()
        .filter(|p| p.kind == PropertyKind::Always && !(p.check)(system, state))
        .map(|p| p.id)
        .collect()
}

/// Re-takes `steps` on `system` (built under the new settings) from its initial state. Returns
/// the transitions that still hold (up to the first break) and the break, if any.
pub fn revalidate(
    system: &System,
    steps: &[&StepInfo],
) -> (SystemState, Vec<Transition>, Option<Break>) {
    let start = system.initial();
    let mut state = start.clone();
    let mut taken: Vec<Transition> = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let number = i + 1;
        match system.take(&state, &step.action) {
            Ok(t) if t.outcome.to_string() == step.outcome => {
                state = t.next.clone();
                taken.push(t);
            }
            Ok(t) => {
                let why = format!(
                    "{} now does `{}` (it did `{}`)",
                    step.describe, t.outcome, step.outcome
                );
                let nearest = Some(Nearest {
                    action: t.action.clone(),
                    describe: system.describe(&t.action),
                    outcome: effect_text(&t),
                });
                let b = Break {
                    step: number,
                    describe: step.describe.clone(),
                    kind: BreakKind::OutcomeChanged,
                    why,
                    nearest,
                };
                return (start, taken, Some(b));
            }
            Err(e) => {
                let (kind, why) = explain(system, &state, &step.action, &step.describe, &e);
                let b = Break {
                    step: number,
                    describe: step.describe.clone(),
                    kind,
                    why,
                    nearest: nearest(system, &state, &step.action),
                };
                return (start, taken, Some(b));
            }
        }
    }
    (start, taken, None)
}

fn explain(
    system: &System,
    state: &SystemState,
    action: &Action,
    describe: &str,
    error: &crate::model::system::NotEnabled,
) -> (BreakKind, String) {
    use crate::model::system::NotEnabled;
    let setting = system.config().consistency;
    let Action::Step {
        controller, read, ..
    } = action
    else {
        return (BreakKind::NotPossible, format!("{describe}: {error}"));
    };
    let name = system.controller_name(*controller);
    match error {
        NotEnabled::NotReadable { .. } => (
            BreakKind::NotPossible,
            format!(
                "{name} may not read {} under {}: {}",
                read_text(system, *controller, read),
                setting.level.name(),
                why_not_readable(system, state, *controller, read)
            ),
        ),
        NotEnabled::NoEffect { .. } if system.config().commit == CommitMode::Atomic => (
            BreakKind::NoEffect,
            format!(
                "{name} reading {} is rejected under the atomic commit mode: {}",
                read_text(system, *controller, read),
                atomic_reason(system, state, action, *controller, read)
            ),
        ),
        other => (BreakKind::NoEffect, format!("{describe}: {other}")),
    }
}

/// Why a controller may not make a read, from its session and the level's rule.
fn why_not_readable(system: &System, state: &SystemState, i: usize, read: &Read) -> String {
    let setting = system.config().consistency;
    let latest = state.history.latest();
    let local = &state.locals[i];
    let kind = system.registration(i).kind;
    let readable = system.readable(state, i);
    let wrote = local.session.last_write.filter(|w| *w > read.newest());
    match (setting.level, &local.session.read) {
        (Consistency::Synchronous, _) => {
            format!("a synchronous reader reads only the latest, r{latest}")
        }
        (Consistency::Informer, _)
            if setting.relist == Relist::Latest && local.caches.iter().all(Option::is_none) =>
        {
            format!(
                "a restarted {kind} lists at the latest revision under relist: latest, so it reads {} only",
                reads_label(system, i, &readable)
            )
        }
        (Consistency::MonotonicSession, None) => {
            format!("a restarted {kind} reads only the latest, r{latest}")
        }
        _ if setting.read_your_writes && wrote.is_some() => format!(
            "with read-your-writes it reads nothing older than its own last write, r{}",
            wrote.unwrap_or_default()
        ),
        (_, Some(seen)) if seen.newest() > read.newest() => format!(
            "its session has read {seen}: it reads {} only",
            reads_label(system, i, &readable)
        ),
        _ if readable.is_empty() => "it may read nothing now".to_string(),
        _ => format!("it may read {} only", reads_label(system, i, &readable)),
    }
}

/// What an atomic commit rejects: the write the step makes under the Kubernetes commit mode,
/// and the kinds that changed since its read.
fn atomic_reason(
    system: &System,
    state: &SystemState,
    action: &Action,
    i: usize,
    read: &Read,
) -> String {
    let latest = state.history.latest_state();
    let changed: Vec<&str> = match state.history.state(read) {
        Some(seen) => Kind::ALL
            .iter()
            .filter(|k| !seen.same_kind(&latest, **k))
            .map(|k| k.plural())
            .collect(),
        None => Vec::new(),
    };
    let since = if changed.is_empty() {
        "what it read changed since".to_string()
    } else {
        format!(
            "{} changed since {}",
            changed.join(", "),
            read_text(system, i, read)
        )
    };
    let mut config = system.config().clone();
    config.commit = CommitMode::Kubernetes;
    let write = System::new(config)
        .ok()
        .map(|k| k.with_reduction(system.reduction()))
        .and_then(|k| k.take(state, action).ok())
        .map(|t| match t.outcome {
            Outcome::Wrote { operation, .. } | Outcome::Rejected { operation, .. } => {
                format!("its write `{operation}` is rejected")
            }
            Outcome::Local => "its step (local state only) is rejected".to_string(),
        });
    match write {
        Some(w) => format!("{w}: {since}"),
        None => since,
    }
}

/// The same controller's closest read (by revision) whose step does something, for a broken
/// step; `None` for other actions or when it has nothing to do.
fn nearest(system: &System, state: &SystemState, action: &Action) -> Option<Nearest> {
    let Action::Step {
        controller, read, ..
    } = action
    else {
        return None;
    };
    let target = read.newest();
    let mut reads = system.readable(state, *controller);
    reads.sort_by_key(|r| (r.newest().abs_diff(target), r.newest()));
    reads.into_iter().find_map(|r| {
        let t = system
            .step_alternatives(state, *controller, r)
            .into_iter()
            .next()?;
        Some(Nearest {
            describe: system.describe(&t.action),
            outcome: effect_text(&t),
            action: t.action,
        })
    })
}
