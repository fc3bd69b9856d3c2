//! Step properties (issue 21 item 6): properties of one step, the state before, the action and
//! the state after, as TLA+'s action properties, for the steps that write. Each judges the
//! latest write of the history: the state it was applied to (its first parent, the revision it
//! lands on), the state after it, and who wrote it (the controller whose session's last write
//! is the latest revision; none for the environment).
//!
//! - A1: a binding (a pod's `nodeName` set) names a Node that exists at the revision it lands
//!   on (the scheduler's assume cache and a stale Node list can bind to a deleted Node).
//! - A2: a finished Job (condition Complete or Failed true at the revision the write lands on)
//!   creates no pod.
//! - A3: no controller deletes a pod without a grace period (a bound pod, neither finished nor
//!   terminating, gone in one write) while a node is running it; the node's own write is not
//!   such a deletion (it forgets the pod before it deletes it).
//!
//! Why these are judged on states, and why every checker then evaluates them: a step property
//! over writes is a function of the state after the write, because the history holds the
//! revision the write landed on and the one it made. It keeps its verdict until the next write
//! (a step that does not write leaves both revisions as they are), so checking every reachable
//! state, which BFS, the stateright DFS, simulation, trace replay and the explorer's panel all
//! do for `always` properties, checks every write exactly once at the state right after it, and
//! the first failing state of a path is the one right after the offending step: the
//! counterexample ends there, and is minimised and explained like any other. A3 reads the
//! node's local state after the step; the writing step changes only the writer's local state,
//! so at the state right after the deletion the node's is what it was before. (Later, while the
//! deletion is still the latest write, A3 also flags a node that starts the deleted pod from a
//! stale read: the same hazard, a pod running that the API server no longer has.)
//!
//! Reductions stay sound: the reductions merge states with equal fingerprints (symmetry: node
//! renaming, under which these properties are invariant, as they name no node) or leave out
//! steps that only move a session or deliver to a cache (no write: the latest write, its
//! revision and every local state but the stepper's session are unchanged, and A3 does not read
//! sessions except to find the writer, whose last write a session-only step keeps). A violating
//! write is thus reached under the reduction whenever it is reached without it; the differential
//! test in this module checks it on models with and without reductions.

use super::{Property, PropertyKind, last_write};
use crate::model::controllers::job::is_finished;
use crate::model::history::History;
use crate::model::resources::Kind;
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};

/// The step properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "A1",
        text: "a binding names a Node that exists at the revision it lands on",
        kind: PropertyKind::Always,
        stable_form: false,
        check: binds_to_existing_nodes,
    },
    Property {
        id: "A2",
        text: "a finished Job creates no pod",
        kind: PropertyKind::Always,
        stable_form: false,
        check: finished_jobs_create_nothing,
    },
    Property {
        id: "A3",
        text: "a controller never deletes without a grace period a pod that a node is running",
        kind: PropertyKind::Always,
        stable_form: false,
        check: no_forced_deletion_of_running_pods,
    },
];

/// The pods bound by the latest write, with the node each was bound to.
fn bindings<'a>(before: &'a StateView, after: &'a StateView) -> Vec<(&'a str, &'a str)> {
    after
        .pods
        .iter()
        .filter_map(|p| {
            let node = p.spec.node_name.as_deref()?;
            let was = before.pods.get(&p.metadata.name)?;
            (was.metadata.uid == p.metadata.uid && was.spec.node_name.is_none())
                .then_some((p.metadata.name.as_str(), node))
        })
        .collect()
}

fn binds_to_existing_nodes(_: &System, state: &SystemState) -> bool {
    let Some((before, after)) = last_write(state) else {
        return true;
    };
    bindings(&before, &after)
        .iter()
        .all(|(_, node)| before.nodes.contains(node))
}

fn finished_jobs_create_nothing(_: &System, state: &SystemState) -> bool {
    let Some((before, after)) = last_write(state) else {
        return true;
    };
    after.pods.iter().all(|p| {
        if before.pods.get(&p.metadata.name).is_some() {
            return true;
        }
        let Some(owner) = p.metadata.controller_ref() else {
            return true;
        };
        if owner.kind != Kind::Job.name() {
            return true;
        }
        before
            .jobs
            .get(&owner.name)
            .filter(|j| j.metadata.uid == owner.uid)
            .is_none_or(|j| !is_finished(j))
    })
}

fn no_forced_deletion_of_running_pods(system: &System, state: &SystemState) -> bool {
    let Some((before, after)) = last_write(state) else {
        return true;
    };
    let latest = state.history.latest();
    let writer = state
        .locals
        .iter()
        .position(|l| l.session.last_write == Some(latest));
    before.pods.iter().all(|p| {
        let Some(node) = p.spec.node_name.as_deref() else {
            return true;
        };
        let gone = after
            .pods
            .get(&p.metadata.name)
            .is_none_or(|now| now.metadata.uid != p.metadata.uid);
        if !gone || p.is_finished() || p.metadata.is_terminating() {
            return true;
        }
        let Some(i) = system.controller_index(node) else {
            return true;
        };
        if writer == Some(i) {
            return true;
        }
        state.locals[i]
            .running
            .get(&p.metadata.name)
            .is_none_or(|r| r.uid != p.metadata.uid)
    })
}

#[cfg(test)]
mod tests;
