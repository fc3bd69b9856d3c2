//! Properties of the job controller: P5-P7 of the dissertation (§3.3.7) in the `stable => p`
//! form, and the integration-test rules T15-T16 (§3.3.5.2).
//!
//! - P5, P6: a stable Job's `status.active` / `status.ready` equal the active / ready pods it
//!   owns in the state at its observed revision (the state its controller read).
//! - P7: in the state at a stable Job's observed revision, no done pod (succeeded, failed, or
//!   deleted) that the Job's status *at that revision* had already recorded
//!   (`uncountedTerminatedPods`, or for a succeeded Indexed pod `completedIndexes`) still holds
//!   the tracking finalizer: the controller releases what it recorded before it writes again.
//! - T15 (latest state): a Job whose spec its controller has observed (`metadata.generation ==
//!   status.observedGeneration`) and that is not terminating owns no more active pods (neither
//!   finished nor terminating) than its `parallelism` (1 when unset). While the spec has
//!   changed and not been observed, the controller may still be reducing the pods.
//! - T16 (the latest write): when it creates a pod controlled by an Indexed Job, every index
//!   below the pod's completion index is, in the state the write was applied to, covered: the
//!   Job owns an active pod with that index, the index is in its `completedIndexes`, or a
//!   succeeded pod with that index still holds the tracking finalizer (succeeded, not yet
//!   recorded).

use super::{Property, PropertyKind, at_observed_revision, last_write, stable};
use crate::model::controllers::job::{
    completion_index, has_tracking_finalizer, is_done, owned_pods, parse_indexes,
};
use crate::model::history::History;
use crate::model::resources::{Job, Pod, PodPhase};
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};

/// The job properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "P5",
        text: "when a Job is stable it correctly reports the number of its active pods",
        kind: PropertyKind::Always,
        stable_form: true,
        check: reports_active,
    },
    Property {
        id: "P6",
        text: "when a Job is stable it correctly reports the number of its ready pods",
        kind: PropertyKind::Always,
        stable_form: true,
        check: reports_ready,
    },
    Property {
        id: "P7",
        text: "when a Job is stable, finished pods it had recorded have their finalizer removed",
        kind: PropertyKind::Always,
        stable_form: true,
        check: releases_recorded_pods,
    },
    Property {
        id: "T15",
        text: "a Job whose spec was observed never has more active pods than its parallelism",
        kind: PropertyKind::Always,
        stable_form: false,
        check: within_parallelism,
    },
    Property {
        id: "T16",
        text: "an Indexed Job creates a pod only when every lower index is running or done",
        kind: PropertyKind::Always,
        stable_form: false,
        check: ascending_indexes,
    },
];

/// Whether `p` holds for every stable Job of the latest state, given the state at the Job's
/// observed revision (Jobs whose observed revision is unknown are skipped).
fn every_stable_job(state: &SystemState, p: impl Fn(&Job, &StateView) -> bool) -> bool {
    let latest = state.latest();
    let revision = state.history.latest();
    latest.jobs.iter().all(|job| {
        let m = &job.metadata;
        if !stable(
            m.generation,
            job.status.observed_generation,
            m.resource_version,
            revision,
        ) {
            return true;
        }
        at_observed_revision(state, job.status.observed_revision)
            .is_none_or(|observed| p(job, &observed))
    })
}

fn count(pods: impl Iterator<Item = impl Sized>) -> i32 {
    i32::try_from(pods.count()).unwrap_or(i32::MAX)
}

fn reports_active(_: &System, state: &SystemState) -> bool {
    every_stable_job(state, |job, observed| {
        let active = owned_pods(&observed.pods, job)
            .into_iter()
            .filter(|p| p.is_active());
        count(active) == job.status.active
    })
}

fn reports_ready(_: &System, state: &SystemState) -> bool {
    every_stable_job(state, |job, observed| {
        let ready = owned_pods(&observed.pods, job)
            .into_iter()
            .filter(|p| p.is_active() && p.is_ready());
        count(ready) == job.status.ready
    })
}

fn releases_recorded_pods(_: &System, state: &SystemState) -> bool {
    every_stable_job(state, |job, observed| {
        let Some(then) = observed
            .jobs
            .get(&job.metadata.name)
            .filter(|j| j.metadata.uid == job.metadata.uid)
        else {
            return true;
        };
        owned_pods(&observed.pods, then)
            .into_iter()
            .filter(|p| is_done(p) && has_tracking_finalizer(p))
            .all(|p| !recorded(then, p))
    })
}

/// Whether the Job's status records the pod as finished.
fn recorded(job: &Job, pod: &Pod) -> bool {
    let uid = &pod.metadata.uid;
    let in_uncounted = job
        .status
        .uncounted_terminated_pods
        .as_ref()
        .is_some_and(|u| u.succeeded.contains(uid) || u.failed.contains(uid));
    let index_recorded = job.is_indexed()
        && pod.status.phase == PodPhase::Succeeded
        && job.spec.completions.is_some_and(|c| {
            completion_index(pod)
                .is_some_and(|i| parse_indexes(&job.status.completed_indexes, c).contains(&i))
        });
    in_uncounted || index_recorded
}

fn within_parallelism(_: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    latest.jobs.iter().all(|job| {
        if job.metadata.is_terminating()
            || job.metadata.generation != job.status.observed_generation
        {
            return true;
        }
        let active = owned_pods(&latest.pods, job)
            .into_iter()
            .filter(|p| p.is_active());
        count(active) <= job.parallelism()
    })
}

fn ascending_indexes(_: &System, state: &SystemState) -> bool {
    let Some((before, after)) = last_write(state) else {
        return true;
    };
    let Some(created) = after
        .pods
        .iter()
        .find(|p| !before.pods.contains(&p.metadata.name))
    else {
        return true;
    };
    let (Some(owner), Some(index)) = (created.metadata.controller_ref(), completion_index(created))
    else {
        return true;
    };
    let Some(job) = before
        .jobs
        .iter()
        .find(|j| j.metadata.uid == owner.uid && j.is_indexed())
    else {
        return true;
    };
    let Some(completions) = job.spec.completions else {
        return true;
    };
    let mut covered = parse_indexes(&job.status.completed_indexes, completions);
    for pod in owned_pods(&before.pods, job) {
        let succeeded_unrecorded =
            pod.status.phase == PodPhase::Succeeded && has_tracking_finalizer(pod);
        if pod.is_active() || succeeded_unrecorded {
            covered.extend(completion_index(pod));
        }
    }
    (0..index).all(|i| covered.contains(&i))
}

#[cfg(test)]
mod tests;
