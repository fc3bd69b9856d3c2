//! The job controller: runs pods to completion (Kubernetes' `pkg/controller/job`), one write
//! per step, Jobs in name order.
//!
//! For each Job that has not finished, the first of these that applies is done:
//! 1. remove the tracking finalizer from a done pod already recorded in the status (or one the
//!    Job does not count, such as an Indexed pod outside `0..completions`);
//! 2. if more pods failed than `backoffLimit` (default 6): delete an active pod, keeping its
//!    finalizer (it is then counted as failed);
//! 3. otherwise remove an active pod the Job does not want (all while suspended; beyond
//!    `min(parallelism, completions - succeeded)`; a duplicate or invalid index): first its
//!    finalizer, then the pod (a pod removed so is not counted);
//! 4. create a missing pod (Indexed: the lowest missing index) unless suspended;
//! 5. write the status when it differs: record newly finished pods in
//!    `uncountedTerminatedPods` (succeeded Indexed pods in `completedIndexes`), move recorded
//!    pods whose finalizer is gone into `succeeded`/`failed`, `active`, `ready`, `Suspended`, and
//!    `Complete` or `Failed` once nothing is active, uncounted or holding a finalizer.
//!
//! Finally, a pod holding the tracking finalizer whose Job is gone, terminating, or no longer
//! selects it has the finalizer removed. A finished Job is left alone.

mod indexes;
mod pods;
mod status;
mod tally;

#[cfg(test)]
mod tests;

use super::{Controller, ControllerSpec, LocalState, Registration};
use crate::model::operation::Operation;
use crate::model::resources::{Job, Kind, Object, Pod, Resource, Revision};
use crate::model::view::View;

pub use indexes::{format_indexes, parse_indexes};
pub use pods::{
    COMPLETION_INDEX, CONTROLLER_UID, JOB_NAME, TRACKING_FINALIZER, completion_index,
    has_tracking_finalizer, is_done, owned_pods, selector_of,
};
pub use status::is_finished;

use pods::{new_pod, removal_key, without_finalizer};
use status::{Finish, next_status, normalized};
use tally::{Mode, Tally};

/// Registration of the job controller.
pub const REGISTRATION: Registration = Registration {
    kind: "job",
    summary: "runs Jobs' pods to completion, tracking finished pods with a finalizer",
    watches: &[Kind::Job, Kind::Pod],
    is_node: false,
    expectations: true,
    staleness_guard: &[Kind::Pod],
    live_check: None,
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(JobController)
}

/// The job controller. It keeps nothing locally.
#[derive(Debug)]
pub struct JobController;

impl Controller for JobController {
    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation> {
        let pods = view.pods();
        for job in view.jobs().iter() {
            if job.metadata.is_terminating() || is_finished(job) {
                continue;
            }
            let key = format!("Job/{}", job.metadata.name);
            // KEP-5647: no sync while the pod cache is behind this controller's own writes.
            if local.is_stale_for(&key) {
                continue;
            }
            // Expectations: pods are created or deleted only once earlier ones have been seen.
            let manage = !local.expects(&key);
            if let Some(op) = reconcile(job, owned_pods(pods, job), view.revision(), manage) {
                return Some(op);
            }
        }
        release_strays(view)
    }
}

/// The next write for one Job, if any; pods are created and deleted only when `manage`.
fn reconcile(job: &Job, pods: Vec<&Pod>, revision: Revision, manage: bool) -> Option<Operation> {
    let mode = Mode::of(job)?;
    let tally = Tally::new(job, mode, pods);
    if let Some(pod) = tally.releasable.first() {
        return Some(update(without_finalizer(pod)));
    }
    let failed = tally.failed_total(job) > job.spec.backoff_limit.unwrap_or(6);
    if let Some(op) = manage.then(|| manage_pods(job, &tally, failed)).flatten() {
        return Some(op);
    }
    let finish = if failed {
        Some(Finish::BackoffLimitExceeded)
    } else if complete(job, &tally) {
        Some(Finish::Complete)
    } else {
        None
    };
    let status = next_status(job, &tally, finish);
    if status == normalized(&job.status) {
        return None;
    }
    let mut job = job.clone();
    job.status = status;
    job.status.observed_revision = Some(revision);
    Some(update(job))
}

/// Kubernetes' `manageJob`: the pod to delete (past the backoff limit, or unwanted) or create.
fn manage_pods(job: &Job, tally: &Tally<'_>, failed: bool) -> Option<Operation> {
    if failed {
        let mut active = tally.active.clone();
        active.sort_by_key(|p| removal_key(p));
        return active
            .first()
            .map(|pod| Operation::Delete(Object::Pod((*pod).clone())));
    }
    if let Some(pod) = unwanted(job, tally).first() {
        return Some(if has_tracking_finalizer(pod) {
            update(without_finalizer(pod))
        } else {
            Operation::Delete(Object::Pod((*pod).clone()))
        });
    }
    missing(job, tally).map(|pod| Operation::Create(Object::Pod(pod)))
}

/// How many pods the Job wants active: `parallelism`, but no more than the completions left;
/// without `completions`, once a pod succeeded, only those still running.
fn wanted_active(job: &Job, tally: &Tally<'_>) -> i32 {
    let parallelism = job.parallelism().max(0);
    let succeeded = tally.succeeded_total(job);
    match job.spec.completions {
        None if succeeded > 0 => tally.active_count(),
        None => parallelism,
        Some(completions) => (completions - succeeded).clamp(0, parallelism),
    }
}

/// Active pods to remove, first first: every one while suspended; otherwise duplicate or
/// invalid indexes (Indexed), then the excess over [`wanted_active`].
fn unwanted<'a>(job: &Job, tally: &Tally<'a>) -> Vec<&'a Pod> {
    let mut active = tally.active.clone();
    active.sort_by_key(|p| removal_key(p));
    if job.is_suspended() {
        return active;
    }
    let mut remove = Vec::new();
    if let Mode::Indexed { completions } = tally.mode {
        let mut kept = Vec::new();
        // Keep the last pod of each valid index in removal order (the furthest along).
        for (i, pod) in active.iter().enumerate() {
            let index = completion_index(pod).filter(|ix| *ix < completions);
            let later_twin =
                index.is_some() && active[i + 1..].iter().any(|q| completion_index(q) == index);
            if index.is_none() || later_twin {
                remove.push(*pod);
            } else {
                kept.push(*pod);
            }
        }
        active = kept;
    }
    let excess = usize::try_from(tally.active_count() - wanted_active(job, tally))
        .unwrap_or(0)
        .saturating_sub(remove.len());
    remove.extend(active.into_iter().take(excess));
    remove
}

/// The pod to create next, if the Job wants more than it has.
fn missing(job: &Job, tally: &Tally<'_>) -> Option<Pod> {
    if job.is_suspended() || tally.active_count() >= wanted_active(job, tally) {
        return None;
    }
    let pod = match tally.mode {
        Mode::NonIndexed => new_pod(job, None),
        Mode::Indexed { .. } => new_pod(job, Some(*tally.pending_indexes().first()?)),
    };
    // A template its own selector does not select would be created without end.
    selector_of(job)
        .matches(&pod.metadata.labels)
        .then_some(pod)
}

/// Whether the Job has succeeded: enough successes (any, without `completions`) and nothing
/// active.
fn complete(job: &Job, tally: &Tally<'_>) -> bool {
    let succeeded = tally.succeeded_total(job);
    tally.active.is_empty()
        && match job.spec.completions {
            None => succeeded > 0,
            Some(completions) => succeeded >= completions,
        }
}

/// Removes the tracking finalizer from a pod whose controlling Job is gone, terminating, or no
/// longer selects it (Kubernetes releases orphans so they can be deleted).
fn release_strays(view: &View) -> Option<Operation> {
    let jobs = view.jobs();
    view.pods()
        .iter()
        .filter(|p| has_tracking_finalizer(p))
        .find(|pod| {
            let Some(owner) = pod.metadata.controller_ref() else {
                return true;
            };
            if owner.kind != Kind::Job.name() {
                return false;
            }
            !jobs.iter().any(|j| {
                j.metadata.uid == owner.uid
                    && !j.metadata.is_terminating()
                    && selector_of(j).matches(&pod.metadata.labels)
            })
        })
        .map(|pod| update(without_finalizer(pod)))
}

fn update<R: Resource>(resource: R) -> Operation {
    Operation::Update(resource.into_object())
}
