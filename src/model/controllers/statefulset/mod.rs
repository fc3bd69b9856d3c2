//! The statefulset controller (Kubernetes' `pkg/controller/statefulset`): for each StatefulSet
//! in name order it makes at most one write per step, the first of
//!
//! 1. the ControllerRevision of the current template (create it, or renumber an older equal one);
//! 2. claiming pods: adopt orphans that match the selector and are named `<set>-<ordinal>`,
//!    release controlled pods that no longer do;
//! 3. the replicas, ordinals `[start, start + replicas)` in order: a finished (Failed or
//!    Succeeded) pod is deleted, to be recreated under the same name on a later step; a missing
//!    pod gets its claims (one per volume claim template) and then itself; a Pending pod gets any
//!    missing claim. Under `OrderedReady` the walk stops at a pod that is not Running and Ready
//!    or is terminating; under `Parallel` it never waits. A pod whose identity (pod-name label,
//!    hostname, subdomain) or claim volumes do not match the set is then updated to match;
//! 4. the condemned pods (claimed, ordinal outside the range), highest ordinal first: each is
//!    deleted; under `OrderedReady` the walk stops at a terminating one, so they go one at a time
//!    and (having passed step 3) only while every replica is Running and Ready;
//! 5. under `RollingUpdate` (the default), from the highest replica down to `start + partition`:
//!    delete the first pod not at the update revision, stopping at one that is not Running and
//!    Ready or is terminating; `OnDelete` never deletes for an update;
//! 6. the status, when it differs in anything but `observedRevision`;
//! 7. the oldest unused ControllerRevision beyond `revisionHistoryLimit`.
//!
//! A terminating StatefulSet only gets steps 1 and 7 (the API server rejects any other write to
//! it, and a rejected write would hide the sets after it).

mod identity;
mod revisions;
mod status;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use super::{Controller, ControllerSpec, LocalState, Registration};
use crate::model::collection::Resources;
use crate::model::operation::Operation;
use crate::model::resources::{
    ControllerRevision, Kind, Object, PersistentVolumeClaim, Pod, PodPhase, Revision, StatefulSet,
};
use crate::model::view::View;

pub use identity::{
    POD_NAME_LABEL, REVISION_LABEL, claim_name, claimed, in_range, ordinal_of, pod_name,
    pod_revision,
};
pub use revisions::{HASH_LABEL, template_hash};

/// Registration of the statefulset controller.
pub const REGISTRATION: Registration = Registration {
    kind: "statefulset",
    summary: "keeps each StatefulSet's ordered pods, their volume claims and revisions",
    watches: &[
        Kind::StatefulSet,
        Kind::Pod,
        Kind::ControllerRevision,
        Kind::PersistentVolumeClaim,
    ],
    is_node: false,
    expectations: false,
    staleness_guard: &[Kind::Pod, Kind::PersistentVolumeClaim],
    live_check: None,
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(StatefulSetController)
}

/// The statefulset controller. It keeps no local state beyond its session.
#[derive(Debug)]
pub struct StatefulSetController;

impl Controller for StatefulSetController {
    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation> {
        let sets = view.statefulsets();
        if sets.is_empty() {
            // Read nothing more: in the atomic commit mode a step's reads are its preconditions.
            return None;
        }
        let world = World {
            pods: view.pods(),
            revisions: view.controller_revisions(),
            claims: view.persistent_volume_claims(),
            read: view.revision(),
        };
        // KEP-5647: no sync of a set while its pods or claims in the cache are behind this
        // controller's own writes (ControllerRevisions are not tracked).
        sets.iter()
            .filter(|set| !local.is_stale_for(&format!("StatefulSet/{}", set.metadata.name)))
            .find_map(|set| sync(set, &world))
    }
}

/// What a step reads besides the StatefulSets.
struct World<'a> {
    pods: &'a Resources<Pod>,
    revisions: &'a Resources<ControllerRevision>,
    claims: &'a Resources<PersistentVolumeClaim>,
    read: Revision,
}

/// The first write one StatefulSet needs, if any.
fn sync(set: &StatefulSet, world: &World<'_>) -> Option<Operation> {
    let owned = revisions::owned(set, world.revisions);
    let update = match revisions::update_revision(set, &owned, world.revisions) {
        revisions::UpdateRevision::Ready(r) => r,
        revisions::UpdateRevision::Write(op) => {
            let writes_set = matches!(*op, Operation::Update(Object::StatefulSet(_)));
            return (!writes_set || !set.metadata.is_terminating()).then_some(*op);
        }
    };
    let current = owned
        .iter()
        .find(|r| r.metadata.name == set.status.current_revision)
        .copied()
        .unwrap_or(update);
    if !set.metadata.is_terminating() {
        if let Some(op) = claim(set, world.pods) {
            return Some(op);
        }
        let revisions = Revisions { current, update };
        if let Some(op) = manage_pods(set, world, &revisions) {
            return Some(op);
        }
    }
    let claimed = identity::claimed(set, world.pods);
    let status = status::compute(
        set,
        &claimed,
        &current.metadata.name,
        &update.metadata.name,
        world.read,
    );
    // A terminating set is read-only but for its finalizers: its status cannot be written.
    if status::differs(&status, &set.status) && !set.metadata.is_terminating() {
        let mut next = set.clone();
        next.status = status;
        return Some(Operation::Update(Object::StatefulSet(next)));
    }
    let mut live: BTreeSet<&str> = claimed
        .iter()
        .filter_map(|(_, p)| pod_revision(p))
        .collect();
    live.insert(&current.metadata.name);
    live.insert(&update.metadata.name);
    revisions::excess(set, &owned, &live)
        .map(|r| Operation::Delete(Object::ControllerRevision(r.clone())))
}

/// Adopts an orphan member or releases a controlled pod that is no longer one.
fn claim(set: &StatefulSet, pods: &Resources<Pod>) -> Option<Operation> {
    pods.iter()
        .filter(|p| !p.metadata.is_terminating())
        .find_map(|pod| {
            let member = identity::is_member(set, pod);
            let mut next = pod.clone();
            match pod.metadata.controller_ref() {
                Some(r) if r.uid == set.metadata.uid && !member => {
                    next.metadata
                        .owner_references
                        .retain(|r| r.uid != set.metadata.uid);
                }
                None if member => next
                    .metadata
                    .owner_references
                    .push(super::util::controller_ref(
                        Kind::StatefulSet,
                        &set.metadata,
                    )),
                _ => return None,
            }
            Some(Operation::Update(Object::Pod(next)))
        })
}

/// The set's current and update revisions.
struct Revisions<'a> {
    current: &'a ControllerRevision,
    update: &'a ControllerRevision,
}

/// What one replica needs.
enum Replica {
    /// This write.
    Write(Box<Operation>),
    /// Nothing now, but it is not Running and Ready (or is terminating): an ordered set waits.
    Wait,
    /// Nothing: it is Running and Ready.
    Healthy,
}

/// Steps 3-5: the first pod or claim write the set needs, `None` when there is none or an
/// ordered set must wait.
fn manage_pods(
    set: &StatefulSet,
    world: &World<'_>,
    revisions: &Revisions<'_>,
) -> Option<Operation> {
    let ordered = !set.is_parallel();
    let claimed = identity::claimed(set, world.pods);
    let start = set.start_ordinal();
    let end = start.saturating_add(set.replicas().max(0));
    let at = |ordinal: i32| claimed.iter().find(|(o, _)| *o == ordinal).map(|(_, p)| *p);
    for ordinal in start..end {
        match replica(set, ordinal, at(ordinal), world, revisions) {
            Replica::Write(op) => return Some(*op),
            Replica::Wait if ordered => return None,
            Replica::Wait | Replica::Healthy => {}
        }
    }
    let mut condemned: Vec<_> = claimed.iter().filter(|(o, _)| !in_range(set, *o)).collect();
    condemned.sort_by_key(|(o, _)| std::cmp::Reverse(*o));
    for (_, pod) in condemned {
        if !pod.metadata.is_terminating() {
            return Some(delete(pod));
        }
        if ordered {
            return None;
        }
    }
    if !status::is_rolling_update(set) {
        return None;
    }
    let partition = set
        .spec
        .update_strategy
        .rolling_update
        .as_ref()
        .and_then(|r| r.partition)
        .unwrap_or(0)
        .max(0);
    for ordinal in (start.saturating_add(partition)..end).rev() {
        let pod = at(ordinal)?;
        let terminating = pod.metadata.is_terminating();
        if pod_revision(pod) != Some(revisions.update.metadata.name.as_str()) && !terminating {
            return Some(delete(pod));
        }
        if terminating || !pod.is_running_and_ready() {
            return None;
        }
    }
    None
}

/// What the replica at `ordinal` (claimed pod `pod`, if any) needs.
fn replica(
    set: &StatefulSet,
    ordinal: i32,
    pod: Option<&Pod>,
    world: &World<'_>,
    revisions: &Revisions<'_>,
) -> Replica {
    let Some(pod) = pod else {
        if world.pods.contains(&pod_name(&set.metadata.name, ordinal)) {
            // The name is held by a pod the set does not own: creating would fail.
            return Replica::Wait;
        }
        if let Some(step) = missing_claim(set, ordinal, world) {
            return step;
        }
        let partition = set
            .spec
            .update_strategy
            .rolling_update
            .as_ref()
            .and_then(|r| r.partition)
            .unwrap_or(0);
        let revision = if status::is_rolling_update(set)
            && ordinal < set.start_ordinal().saturating_add(partition)
        {
            revisions.current
        } else {
            revisions.update
        };
        let pod = identity::new_pod(set, &revision.data, &revision.metadata.name, ordinal);
        return Replica::Write(Box::new(Operation::Create(Object::Pod(pod))));
    };
    let terminating = pod.metadata.is_terminating();
    if pod.is_finished() {
        return if terminating {
            Replica::Wait
        } else {
            Replica::Write(Box::new(delete(pod)))
        };
    }
    if pod.status.phase == PodPhase::Pending
        && !terminating
        && let Some(step) = missing_claim(set, ordinal, world)
    {
        return step;
    }
    let healthy = !terminating && pod.is_running_and_ready();
    if !healthy && !set.is_parallel() {
        return Replica::Wait;
    }
    // A terminating pod is read-only: its identity can no longer be repaired.
    if !terminating && let Some(fixed) = identity::repaired(set, pod, ordinal) {
        return Replica::Write(Box::new(Operation::Update(Object::Pod(fixed))));
    }
    if healthy {
        Replica::Healthy
    } else {
        Replica::Wait
    }
}

/// The first claim the pod at `ordinal` lacks (to create), a wait when one is being deleted,
/// or `None` when all exist.
fn missing_claim(set: &StatefulSet, ordinal: i32, world: &World<'_>) -> Option<Replica> {
    identity::claims_for(set, ordinal)
        .into_iter()
        .find_map(|claim| match world.claims.get(&claim.metadata.name) {
            None => Some(Replica::Write(Box::new(Operation::Create(
                Object::PersistentVolumeClaim(claim),
            )))),
            Some(existing) if existing.metadata.is_terminating() => Some(Replica::Wait),
            Some(_) => None,
        })
}

fn delete(pod: &Pod) -> Operation {
    Operation::Delete(Object::Pod(pod.clone()))
}
