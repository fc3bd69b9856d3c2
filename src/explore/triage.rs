//! Triage: many counterexamples of one property usually have a few causes. A counterexample's
//! cause is its [`Signature`]: the set of what happened in it that a consistency bug is made
//! of (who read a stale state, which resources it saw old and what it then did; which
//! controllers and nodes restarted; which writes were rejected), independent of the order the
//! steps interleave in and of unrelated steps between them. Counterexamples with one signature
//! form a [`Group`], shown by its shortest member.
//!
//! Who is a controller's kind (`node`, `statefulset`), not its instance, so that two runs that
//! differ only in which of two interchangeable nodes did it share a cause.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::environment::EnvironmentAction;
use crate::model::history::{History, Read};
use crate::model::resources::Kind;
use crate::model::state::StateView;
use crate::model::system::{Action, Outcome, System, SystemState, Transition};

/// What a counterexample's cause is made of: each fact once, sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Signature(pub BTreeSet<String>);

impl Signature {
    /// The signature of the steps `steps` taken from `initial`.
    pub fn of(system: &System, initial: &SystemState, steps: &[Transition]) -> Signature {
        let mut facts = BTreeSet::new();
        let mut before = initial;
        for t in steps {
            if let Some(fact) = fact(system, before, t) {
                facts.insert(fact);
            }
            before = &t.next;
        }
        Signature(facts)
    }

    /// The facts, one line each.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "no stale read, restart or rejected write".into();
        }
        self.0.iter().cloned().collect::<Vec<_>>().join("; ")
    }
}

/// The fact one step adds to a signature, if any.
fn fact(system: &System, before: &SystemState, t: &Transition) -> Option<String> {
    match &t.action {
        Action::Step {
            controller, read, ..
        } => {
            let who = system.registration(*controller).kind;
            if let Outcome::Rejected { operation, reason } = &t.outcome {
                let object = operation.object();
                return Some(format!(
                    "{who}'s {} {}/{} rejected ({})",
                    operation.verb(),
                    object.kind().name(),
                    object.metadata().name,
                    rejection_kind(reason)
                ));
            }
            // What it acted on: the kind it wrote, or (a local change: a node starting or
            // stopping a container) its pods. Only those stale resources make the cause; the
            // rest of the state it read old depends on what else happened meanwhile.
            let (kind, did) = match &t.outcome {
                Outcome::Wrote { operation, .. } => {
                    let object = operation.object();
                    (
                        object.kind(),
                        format!(
                            "wrote {} {}/{}",
                            operation.verb(),
                            object.kind().name(),
                            object.metadata().name
                        ),
                    )
                }
                _ => (Kind::Pod, "changed its local state".into()),
            };
            let stale = stale_resources(before, read, kind);
            if stale.is_empty() {
                return None;
            }
            Some(format!("{who} read stale {} and {did}", stale.join(", ")))
        }
        Action::Cache { .. } => None,
        Action::Continue { controller } => match &t.outcome {
            Outcome::Rejected { operation, reason } => Some(format!(
                "{}'s later {} {}/{} rejected ({})",
                system.registration(*controller).kind,
                operation.verb(),
                operation.kind().name(),
                operation.object().metadata().name,
                rejection_kind(reason)
            )),
            _ => None,
        },
        Action::Environment { action, .. } => match action {
            EnvironmentAction::RestartController { controller } => {
                let kind = system
                    .controller_index(controller)
                    .map_or(controller.as_str(), |i| system.registration(i).kind);
                Some(format!("restart of a {kind}"))
            }
            EnvironmentAction::RestartNode { .. } => Some("restart of a node".into()),
            EnvironmentAction::DeleteNode { .. } => Some("deletion of a node".into()),
            _ => None,
        },
    }
}

/// The resources of `kind` (`Pod/web-0`) that the state a read sees has other than the latest
/// revision does (older, missing, or already deleted there), sorted.
fn stale_resources(state: &SystemState, read: &Read, kind: Kind) -> Vec<String> {
    let history = &state.history;
    let latest = history.latest();
    if matches!(read, Read::At(r) if *r == latest) {
        return Vec::new();
    }
    let (Some(seen), Some(now)) = (history.state(read), history.state(&Read::At(latest))) else {
        return Vec::new();
    };
    differing(&seen, &now, kind)
}

fn differing(seen: &StateView, now: &StateView, kind: Kind) -> Vec<String> {
    let mut out = BTreeSet::new();
    if !seen.same_kind(now, kind) {
        let names: BTreeSet<String> = seen
            .names(kind)
            .into_iter()
            .chain(now.names(kind))
            .collect();
        for name in names {
            if seen.get(kind, &name) != now.get(kind, &name) {
                out.insert(format!("{}/{name}", kind.name()));
            }
        }
    }
    out.into_iter().collect()
}

/// Why a write was rejected, without the uids and versions that differ from run to run.
fn rejection_kind(reason: &crate::model::history::Rejection) -> String {
    use crate::model::api::ApplyError;
    use crate::model::history::Rejection;
    match reason {
        Rejection::Apply(e) => match e {
            ApplyError::AlreadyExists { .. } => "already exists",
            ApplyError::NotFound { .. } => "not found",
            ApplyError::Conflict { .. } => "a stale resourceVersion",
            ApplyError::UidMismatch { .. } => "another uid",
            ApplyError::Terminating { .. } => "terminating",
            ApplyError::AlreadyDeleting { .. } => "already deleting",
            ApplyError::Invalid { .. } | ApplyError::Validation { .. } => "invalid",
        }
        .into(),
        Rejection::StaleRead { kind } => format!("atomic commit, {}s changed", kind.name()),
        Rejection::UnknownRead(_) => "an unknown read".into(),
    }
}

#[cfg(test)]
mod tests;

/// Counterexamples of one property with one signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group<T> {
    /// The property.
    pub property: String,
    /// The shared cause.
    pub signature: Signature,
    /// How many counterexamples have it.
    pub size: usize,
    /// The shortest of them (the first found among equals).
    pub representative: T,
}

/// Groups counterexamples by property and signature; `len` gives a counterexample's number of
/// steps. Groups come by property, then largest first, then by signature.
pub fn group<T: Clone>(
    items: &[T],
    key: impl Fn(&T) -> (String, Signature),
    len: impl Fn(&T) -> usize,
) -> Vec<Group<T>> {
    let mut groups: BTreeMap<(String, Signature), (usize, usize)> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let entry = groups.entry(key(item)).or_insert((0, i));
        entry.0 += 1;
        if len(item) < len(&items[entry.1]) {
            entry.1 = i;
        }
    }
    let mut out: Vec<Group<T>> = groups
        .into_iter()
        .map(|((property, signature), (size, best))| Group {
            property,
            signature,
            size,
            representative: items[best].clone(),
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.property, std::cmp::Reverse(a.size), &a.signature).cmp(&(
            &b.property,
            std::cmp::Reverse(b.size),
            &b.signature,
        ))
    });
    out
}
