//! The findings of a path: restarts, stale reads that mattered (and what they led to), writes
//! lost with their optimistic branch, local state the store contradicts, the broken property.

use std::collections::BTreeSet;

use super::{
    Broken, Divergence, Effect, Finding, LostWrite, PathInput, Restart, StaleObject, StaleRead,
};
use crate::model::controllers::LocalState;
use crate::model::environment::EnvironmentAction;
use crate::model::history::{AnyHistory, History, Read};
use crate::model::properties::offenders::offenders;
use crate::model::resources::{Kind, Pod, Revision};
use crate::model::state::StateView;
use crate::model::system::{Action, Outcome, System, SystemState, Transition};

/// The most objects a stale read names.
const MOST_OBJECTS: usize = 3;

/// The controller an environment action restarts, and whether it is a node restart.
fn restarted(action: &Action) -> Option<(&str, bool)> {
    match action {
        Action::Environment {
            action: EnvironmentAction::RestartNode { node },
            ..
        } => Some((node, true)),
        Action::Environment {
            action: EnvironmentAction::RestartController { controller },
            ..
        } => Some((controller, false)),
        _ => None,
    }
}

/// Every restart on the path.
pub(super) fn restarts(input: &PathInput<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, t) in input.steps.iter().enumerate() {
        let Some((name, node)) = restarted(&t.action) else {
            continue;
        };
        let before = input.state(i);
        let lost_session = input
            .system
            .controller_index(name)
            .and_then(|c| before.locals.get(c))
            .and_then(|l| l.session.read.clone());
        out.push(Finding::Restart(Restart {
            step: i + 1,
            controller: name.to_string(),
            node,
            lost_session,
        }));
    }
    out
}

/// The state a reader reading now would see: the latest revision, or under causal consistency
/// the merge of every head.
fn current(history: &AnyHistory) -> (Read, StateView) {
    let read = match history {
        AnyHistory::Causal(_) => Read::merge(history.graph(&[]).heads),
        _ => Read::At(history.latest()),
    };
    let state = history
        .state(&read)
        .unwrap_or_else(|| history.latest_state());
    (read, state)
}

/// How many of the history's revisions are not in the causal past of `revisions` (what a read
/// of them misses).
fn missed(history: &AnyHistory, revisions: &[Revision]) -> Vec<Revision> {
    let mut past = BTreeSet::new();
    let mut todo: Vec<Revision> = revisions.to_vec();
    while let Some(r) = todo.pop() {
        if past.insert(r) {
            todo.extend(history.parents(r));
        }
    }
    history
        .revisions()
        .into_iter()
        .filter(|r| !past.contains(r))
        .collect()
}

/// The stale reads of the path that changed what their step did: reading the current state
/// instead would have done something else.
pub(super) fn stale_reads(input: &PathInput<'_>) -> Vec<Finding> {
    input
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, t)| stale_read(input, i + 1, t))
        .map(|s| Finding::StaleRead(Box::new(s)))
        .collect()
}

fn stale_read(input: &PathInput<'_>, step: usize, t: &Transition) -> Option<StaleRead> {
    let Action::Step {
        controller,
        read,
        choice,
    } = &t.action
    else {
        return None;
    };
    let c = *controller;
    let system = input.system;
    let before = input.state(step - 1);
    let history = &before.history;
    let seen = history.state(read)?;
    let (fresh, now) = current(history);
    let watches = system.registration(c).watches;
    let kinds: Vec<Kind> = watches
        .iter()
        .copied()
        .filter(|k| !seen.same_kind(&now, *k))
        .collect();
    let missing = missed(history, &read.revisions());
    if kinds.is_empty() && missing.is_empty() {
        return None;
    }
    let current_text = match &fresh {
        Read::Merge(_) => format!("the heads {fresh}"),
        _ => format!("the latest r{}", history.latest()),
    };
    let fresh = match read {
        Read::PerKind(revisions) => {
            let mut fresh = *revisions;
            for k in watches {
                fresh[k.index()] = history.latest();
            }
            Read::PerKind(fresh)
        }
        _ => fresh,
    };
    let instead = Action::Step {
        controller: c,
        read: fresh,
        choice: *choice,
    };
    // Where a write lands depends on the read under causal and optimistic histories: the
    // history must come out the same too.
    let same = system.take(before, &instead).is_ok_and(|f| {
        f.outcome == t.outcome
            && f.next.history == t.next.history
            && f.next.locals[c].same_apart_from_session_and_caches(&t.next.locals[c])
    });
    if same {
        return None;
    }
    let name = system.controller_name(c).to_string();
    let (read_text, behind) = match read {
        Read::PerKind(revisions) => {
            let parts: Vec<String> = kinds
                .iter()
                .map(|k| format!("{} at r{}", k.plural(), revisions[k.index()]))
                .collect();
            let behind = kinds
                .iter()
                .map(|k| missed(history, &[revisions[k.index()]]).len())
                .max()
                .unwrap_or(0);
            (and_list(&parts), behind)
        }
        _ => (read_label(system, c, read), missing.len()),
    };
    let mut objects = Vec::new();
    for kind in &kinds {
        objects.extend(stale_objects(*kind, &seen, &now, &name));
    }
    // What concerns the reader itself (a pod still bound to it) first.
    objects.sort_by_key(|o| !o.then.ends_with("bound to it"));
    objects.truncate(MOST_OBJECTS);
    Some(StaleRead {
        step,
        controller: name,
        read: read.clone(),
        read_text,
        latest: history.latest(),
        current: current_text,
        missed: missing.into_iter().take(MOST_OBJECTS).collect(),
        behind,
        kinds,
        restarted_at: restart_before(input, step, c),
        objects,
        effect: effect(t, before, c),
        prevented_by: Vec::new(),
    })
}

/// The step of the controller's restart, when nothing of it stepped since.
fn restart_before(input: &PathInput<'_>, step: usize, c: usize) -> Option<usize> {
    let name = input.system.controller_name(c);
    for j in (1..step).rev() {
        let action = &input.steps[j - 1].action;
        if let Some((who, _)) = restarted(action)
            && who == name
        {
            return Some(j);
        }
        if matches!(action, Action::Step { controller, .. } if *controller == c) {
            return None;
        }
    }
    None
}

/// The objects of `kind` that `seen` holds otherwise than `now`, told from the reader's side.
fn stale_objects(kind: Kind, seen: &StateView, now: &StateView, reader: &str) -> Vec<StaleObject> {
    let mut names: BTreeSet<String> = seen.names(kind).into_iter().collect();
    names.extend(now.names(kind));
    let mut out = Vec::new();
    for name in names {
        if seen.resource_hash(kind, &name) == now.resource_hash(kind, &name) {
            continue;
        }
        let object = format!("{} {name}", kind.name());
        // A pod bound to the reader in what it read, and not (or not that pod) now.
        let seen_pod = seen.pods.get(&name).filter(|_| kind == Kind::Pod);
        let now_pod = now.pods.get(&name).filter(|_| kind == Kind::Pod);
        if let Some(p) = seen_pod
            && p.spec.node_name.as_deref() == Some(reader)
            && now_pod.is_none_or(|q| {
                q.metadata.uid != p.metadata.uid || q.spec.node_name != p.spec.node_name
            })
        {
            out.push(StaleObject {
                kind,
                name: name.clone(),
                then: bound_then(&name, p, reader),
            });
            continue;
        }
        let then = match (seen.metadata(kind, &name), now.metadata(kind, &name)) {
            (Some(_), None) => format!("{object} still existed"),
            (None, Some(_)) => format!("{object} did not exist yet"),
            (Some(a), Some(b)) if a.uid != b.uid => {
                format!("{object} was an earlier object of that name")
            }
            (Some(a), Some(b)) => {
                let pods = (seen.pods.get(&name), now.pods.get(&name));
                match (kind, pods) {
                    (Kind::Pod, (Some(p), Some(q))) if p.spec.node_name != q.spec.node_name => {
                        bound_then(&name, p, reader)
                    }
                    _ if a.deletion_timestamp.is_none() && b.deletion_timestamp.is_some() => {
                        format!("{object} was not yet being deleted")
                    }
                    _ => format!(
                        "{object} was at resourceVersion {}, not {}",
                        a.resource_version, b.resource_version
                    ),
                }
            }
            (None, None) => continue,
        };
        out.push(StaleObject { kind, name, then });
    }
    out
}

fn bound_then(name: &str, pod: &Pod, reader: &str) -> String {
    match &pod.spec.node_name {
        Some(node) if node == reader => format!("{name} was still bound to it"),
        Some(node) => format!("{name} was still bound to {node}"),
        None => format!("{name} was not yet bound to a node"),
    }
}

/// What a step did, its local change told when it wrote nothing.
fn effect(t: &Transition, before: &SystemState, c: usize) -> Effect {
    match &t.outcome {
        Outcome::Wrote {
            operation,
            revision,
        } => {
            let heads = before.history.graph(&[]).heads;
            let mut on = t.next.history.parents(*revision);
            on.sort_unstable();
            let (on, beside) = if on == heads {
                (Vec::new(), Vec::new())
            } else {
                let past = missed(&before.history, &on);
                let beside = heads.into_iter().filter(|h| past.contains(h)).collect();
                (on, beside)
            };
            Effect::Wrote {
                operation: operation.to_string(),
                revision: *revision,
                on,
                beside,
            }
        }
        Outcome::Rejected { operation, reason } => Effect::Rejected {
            operation: operation.to_string(),
            reason: reason.to_string(),
        },
        Outcome::Local => Effect::Local {
            what: local_change(&before.locals[c], &t.next.locals[c]),
        },
    }
}

/// A local change for people: `start web-0`, `stop web-1`.
fn local_change(before: &LocalState, after: &LocalState) -> String {
    let mut parts = Vec::new();
    let started: Vec<&str> = after
        .running
        .iter()
        .filter(|(n, p)| before.running.get(*n) != Some(p))
        .map(|(n, _)| n.as_str())
        .collect();
    if !started.is_empty() {
        parts.push(format!("start {}", and_list(&started)));
    }
    let stopped: Vec<&str> = before
        .running
        .keys()
        .filter(|n| !after.running.contains_key(*n))
        .map(String::as_str)
        .collect();
    if !stopped.is_empty() {
        parts.push(format!("stop {}", and_list(&stopped)));
    }
    if before.expectations != after.expectations {
        parts.push("change its expectations".to_string());
    }
    if before.written != after.written {
        parts.push("change its staleness guard".to_string());
    }
    if parts.is_empty() {
        parts.push("move its session".to_string());
    }
    and_list(&parts)
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Every write the DAG shows on a lost branch, with the write that started the term that
/// lost it.
pub(super) fn lost_writes(input: &PathInput<'_>) -> Vec<Finding> {
    let dag = input.dag;
    let mut out = Vec::new();
    for node in dag.nodes().filter(|n| n.lost) {
        let Some(written) = &node.written else {
            continue;
        };
        let lost_by = dag
            .nodes()
            .filter(|m| m.term > node.term && !m.lost)
            .filter_map(|m| m.written.as_ref().map(|w| (m.revision, w)))
            .filter(|(_, w)| w.step > written.step)
            .min_by_key(|(_, w)| w.step);
        let branch_point = lost_by
            .and_then(|(r, _)| dag.parents(r).first().map(|(p, _)| *p))
            .filter(|p| *p < node.revision);
        out.push(Finding::LostWrite(LostWrite {
            step: written.step,
            controller: written.writer.clone(),
            change: written.change.clone(),
            revision: node.revision,
            lost_by: lost_by.map(|(_, w)| w.clone()),
            branch_point,
        }));
    }
    out
}

/// The controllers whose local state the store contradicts at the end of the path: a node
/// running a pod the store does not bind to it, a controller expecting a write the store
/// never holds.
pub(super) fn divergences(input: &PathInput<'_>) -> Vec<Finding> {
    let system = input.system;
    let end = input.steps.len();
    let last = input.state(end);
    let store = last.latest();
    let mut out = Vec::new();
    for (c, local) in last.locals.iter().enumerate() {
        let name = system.controller_name(c).to_string();
        if system.registration(c).is_node {
            for (pod, running) in local.running.iter() {
                let store_says = match store.pods.get(pod) {
                    None => format!("the store no longer holds {pod}"),
                    Some(p) if p.metadata.uid != running.uid => {
                        format!("the store's {pod} is a newer pod of that name")
                    }
                    Some(p) => match &p.spec.node_name {
                        Some(node) if *node == name => continue,
                        Some(node) => format!("the store binds {pod} to {node}"),
                        None => format!("the store has not bound {pod} to a node"),
                    },
                };
                let since = since(
                    input,
                    end,
                    |l: &LocalState| l.running.get(pod).is_some_and(|r| r.uid == running.uid),
                    c,
                );
                out.push(Finding::Diverged(Divergence {
                    controller: name.clone(),
                    since,
                    object: format!("Pod {pod}"),
                    local: format!("runs {pod}"),
                    store: store_says,
                }));
            }
        }
        for (owner, expected) in local.expectations.iter() {
            for uid in &expected.deletions {
                let Some(pod) = store
                    .pods
                    .iter()
                    .find(|p| p.metadata.uid == *uid && p.metadata.deletion_timestamp.is_none())
                else {
                    continue;
                };
                let pod_name = pod.metadata.name.clone();
                let since = since(
                    input,
                    end,
                    |l: &LocalState| {
                        l.expectations
                            .get(owner)
                            .is_some_and(|e| e.deletions.contains(uid))
                    },
                    c,
                );
                out.push(Finding::Diverged(Divergence {
                    controller: name.clone(),
                    since,
                    object: format!("Pod {pod_name}"),
                    local: format!("expects its deletion of {pod_name} for {owner}"),
                    store: format!("the store still holds {pod_name}, not being deleted"),
                }));
            }
            for created in &expected.creations {
                if store.pods.get(created).is_some() {
                    continue;
                }
                let since = since(
                    input,
                    end,
                    |l: &LocalState| {
                        l.expectations
                            .get(owner)
                            .is_some_and(|e| e.creations.contains(created))
                    },
                    c,
                );
                out.push(Finding::Diverged(Divergence {
                    controller: name.clone(),
                    since,
                    object: format!("Pod {created}"),
                    local: format!("expects its creation of {created} for {owner}"),
                    store: format!("the store holds no {created}"),
                }));
            }
        }
    }
    out
}

/// The first step from which `holds` is true of controller `c`'s local state through `end`.
fn since(
    input: &PathInput<'_>,
    end: usize,
    holds: impl Fn(&LocalState) -> bool,
    c: usize,
) -> usize {
    let mut first = end;
    while first > 0 && holds(&input.state(first - 1).locals[c]) {
        first -= 1;
    }
    first
}

/// The recorded property at its step: its offenders and the write that made the state.
pub(super) fn violation(input: &PathInput<'_>) -> Option<Broken> {
    let (property, step) = input.violation?;
    let step = step.min(input.steps.len());
    let state = input.state(step);
    let fails = !(property.check)(input.system, state);
    let last_write = input
        .dag
        .node(state.history.latest())
        .and_then(|n| n.written.clone())
        .filter(|w| w.step > 0 && w.step <= step);
    Some(Broken {
        step,
        property: property.id.to_string(),
        text: property.text.to_string(),
        offenders: offenders(input.system, state, property),
        last_write,
        fails,
    })
}

/// A read for people: one revision, a merge, or (per kind) the kinds the controller watches,
/// `nodes@r2 pods@r6`.
pub(super) fn read_label(system: &System, c: usize, read: &Read) -> String {
    match read {
        Read::PerKind(revisions) => system
            .registration(c)
            .watches
            .iter()
            .map(|k| format!("{}@r{}", k.plural(), revisions[k.index()]))
            .collect::<Vec<_>>()
            .join(" "),
        _ => read.to_string(),
    }
}
