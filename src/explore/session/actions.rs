//! The next actions of a state, grouped for the screen: per controller its reads grouped by
//! what they produce (`node-1: r6..r11 (6 revisions) => update Pod web-0`, `r12 => nothing`),
//! then its alternatives (a scheduler's other tied nodes); informer cache moves; then the
//! environment's operations, restarts last. Computed on the plain model: every read a
//! controller may make is offered.

use super::view::{local_fields, object_fields, value_at};
use crate::model::environment::EnvironmentAction;
use crate::model::history::Read;
use crate::model::resources::{Kind, Revision};
use crate::model::system::{Action, Outcome, System, SystemState, Transition};

/// What kind of entry an action line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A controller's reads that produce the same step.
    Reads,
    /// Another alternative of a controller's step (a scheduler's other tied node).
    Alternative,
    /// An informer cache moving to a revision.
    Cache,
    /// An environment operation.
    Environment,
    /// A restart (of a controller or a node).
    Restart,
}

/// One line of the actions pane.
#[derive(Clone, Debug)]
pub struct ActionEntry {
    /// What kind of line.
    pub kind: EntryKind,
    /// The controller's index, for controller entries.
    pub controller: Option<usize>,
    /// Who acts: `node-1`, or `environment`.
    pub actor: String,
    /// Which reads, for a group: `r6..r11 (6 revisions)`, `r12`; empty otherwise.
    pub reads: String,
    /// What it does: `update Pod web-0`, `nothing`, `local state only`.
    pub outcome: String,
    /// The actions of the line, one per read of a group (oldest first); the first is the one
    /// taken by default. Empty when the line does nothing (it cannot be taken).
    pub actions: Vec<Action>,
}

impl ActionEntry {
    /// The line: `node-1: r6..r11 (6 revisions) => update Pod web-0`.
    pub fn text(&self) -> String {
        match self.kind {
            EntryKind::Reads | EntryKind::Alternative => {
                format!("{}: {} => {}", self.actor, self.reads, self.outcome)
            }
            _ => format!("{}: {}", self.actor, self.outcome),
        }
    }

    /// The action taken for this line, if it does something.
    pub fn action(&self) -> Option<&Action> {
        self.actions.first()
    }
}

/// What a step produces, for grouping: the operation (and whether it is rejected), or only
/// local state.
pub fn effect_text(t: &Transition) -> String {
    match &t.outcome {
        Outcome::Wrote { operation, .. } => operation.to_string(),
        Outcome::Rejected { operation, reason } => format!("{operation} (rejected: {reason})"),
        Outcome::Local => "local state only".to_string(),
    }
}

/// What a controller step produces, for people: the operation, or for a step that writes
/// nothing, the local fields it changes (`local: running=web-0`), or `nothing` for a step that
/// only moves its session.
pub fn step_effect(state: &SystemState, i: usize, t: &Transition) -> String {
    if t.outcome != Outcome::Local {
        return effect_text(t);
    }
    let (before, after) = (local_fields(state, i), local_fields(&t.next, i));
    let mut heads: Vec<&str> = before
        .keys()
        .chain(after.keys())
        .filter(|k| {
            !(k.starts_with("session") || k.starts_with("caches"))
                && before.get(*k) != after.get(*k)
        })
        .map(|k| k.split(['.', '[']).next().unwrap_or(k))
        .collect();
    heads.sort_unstable();
    heads.dedup();
    if heads.is_empty() {
        return "nothing".to_string();
    }
    let parts: Vec<String> = heads
        .iter()
        .map(|h| {
            format!(
                "{h}={}",
                value_at(&after, h).unwrap_or_else(|| "(none)".into())
            )
        })
        .collect();
    format!("local: {}", parts.join(" "))
}

/// The fields in which the object `other` writes differs from the one `base` writes, as
/// `path=value`, for telling a step's alternatives apart (`spec.nodeName=node-2`).
fn distinguish(base: &Transition, other: &Transition) -> String {
    let written = |t: &Transition| match &t.outcome {
        Outcome::Wrote { operation, .. } | Outcome::Rejected { operation, .. } => {
            Some(object_fields(operation.object()))
        }
        Outcome::Local => None,
    };
    let (Some(a), Some(b)) = (written(base), written(other)) else {
        return String::new();
    };
    let mut parts: Vec<String> = b
        .iter()
        .filter(|(path, value)| a.get(*path) != Some(value) && !path.starts_with("metadata."))
        .map(|(path, value)| format!("{path}={value}"))
        .collect();
    parts.truncate(2);
    parts.join(" ")
}

/// The grouped actions of a state.
pub fn grouped(system: &System, state: &SystemState) -> Vec<ActionEntry> {
    let mut out = Vec::new();
    for i in 0..system.controller_count() {
        controller_entries(system, state, i, &mut out);
    }
    for (controller, kind, revision) in system.cache_moves(state) {
        out.push(ActionEntry {
            kind: EntryKind::Cache,
            controller: Some(controller),
            actor: system.controller_name(controller).to_string(),
            reads: String::new(),
            outcome: format!("{} cache -> r{revision}", kind.plural()),
            actions: vec![Action::Cache {
                controller,
                kind,
                revision,
            }],
        });
    }
    let mut restarts = Vec::new();
    for (rule, action) in system.environment_actions(state) {
        let restart = matches!(
            action,
            EnvironmentAction::RestartController { .. } | EnvironmentAction::RestartNode { .. }
        );
        let entry = ActionEntry {
            kind: if restart {
                EntryKind::Restart
            } else {
                EntryKind::Environment
            },
            controller: None,
            actor: "environment".to_string(),
            reads: String::new(),
            outcome: action.to_string(),
            actions: vec![Action::Environment { rule, action }],
        };
        if restart {
            restarts.push(entry);
        } else {
            out.push(entry);
        }
    }
    out.extend(restarts);
    out
}

fn controller_entries(system: &System, state: &SystemState, i: usize, out: &mut Vec<ActionEntry>) {
    let actor = system.controller_name(i).to_string();
    // (effect, reads, actions) runs of consecutive reads with one effect.
    let mut runs: Vec<(String, Vec<Read>, Vec<Action>)> = Vec::new();
    let mut alternatives: Vec<ActionEntry> = Vec::new();
    for read in system.readable(state, i) {
        let steps = system.step_alternatives(state, i, read.clone());
        let label = |t: &Transition, other: Option<&Transition>| {
            let effect = step_effect(state, i, t);
            match other.map(|o| distinguish(o, t)) {
                Some(d) if !d.is_empty() => format!("{effect} ({d})"),
                _ => effect,
            }
        };
        let (effect, action) = match steps.first() {
            Some(t) if is_choice(&t.action, 0) => (label(t, steps.get(1)), Some(t.action.clone())),
            _ => ("nothing".to_string(), None),
        };
        for t in steps.iter().filter(|t| !is_choice(&t.action, 0)) {
            alternatives.push(ActionEntry {
                kind: EntryKind::Alternative,
                controller: Some(i),
                actor: actor.clone(),
                reads: format!("{} {}", read_text(system, i, &read), choice_name(&t.action)),
                outcome: label(t, steps.first()),
                actions: vec![t.action.clone()],
            });
        }
        match runs.last_mut() {
            Some((e, reads, actions)) if *e == effect => {
                reads.push(read);
                actions.extend(action);
            }
            _ => runs.push((effect, vec![read], action.into_iter().collect())),
        }
    }
    for (effect, reads, actions) in runs {
        out.push(ActionEntry {
            kind: EntryKind::Reads,
            controller: Some(i),
            actor: actor.clone(),
            reads: reads_label(system, i, &reads),
            outcome: effect,
            actions,
        });
    }
    out.extend(alternatives);
}

fn is_choice(action: &Action, n: usize) -> bool {
    matches!(action, Action::Step { choice, .. } if *choice == n)
}

fn choice_name(action: &Action) -> String {
    match action {
        Action::Step { choice, .. } => format!("(alternative {})", choice + 1),
        _ => String::new(),
    }
}

/// A read for people: `r6`, `{r4,r5}`, or for informer caches the kinds controller `i`
/// watches, `nodes@r14 pods@r6`.
pub fn read_text(system: &System, i: usize, read: &Read) -> String {
    match read {
        Read::PerKind(revisions) => system
            .registration(i)
            .watches
            .iter()
            .map(|k| format!("{}@r{}", k.plural(), revisions[k.index()]))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// A group of controller `i`'s reads: `r6`, `r6..r11 (6 revisions)`, or for informer caches
/// each watched kind's revision or range, `nodes@r14 pods@r6..r16 (7 reads)`.
pub fn reads_label(system: &System, i: usize, reads: &[Read]) -> String {
    let per_kind: Vec<&[Revision; Kind::COUNT]> = reads
        .iter()
        .filter_map(|r| match r {
            Read::PerKind(revisions) => Some(revisions),
            _ => None,
        })
        .collect();
    match reads {
        [] => String::new(),
        [one] => read_text(system, i, one),
        _ if per_kind.len() == reads.len() => {
            let kinds: Vec<String> = system
                .registration(i)
                .watches
                .iter()
                .map(|k| {
                    let at = |r: &&[Revision; Kind::COUNT]| r[k.index()];
                    let low = per_kind.iter().map(at).min().unwrap_or_default();
                    let high = per_kind.iter().map(at).max().unwrap_or_default();
                    if low == high {
                        format!("{}@r{low}", k.plural())
                    } else {
                        format!("{}@r{low}..r{high}", k.plural())
                    }
                })
                .collect();
            format!("{} ({} reads)", kinds.join(" "), reads.len())
        }
        [first, .., last] => format!("{first}..{last} ({} revisions)", reads.len()),
    }
}
