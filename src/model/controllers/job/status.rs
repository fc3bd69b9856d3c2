//! The status a Job should have given its accounting: counts moved out of the uncounted lists
//! for pods whose finalizer is gone, newly finished pods recorded, active and ready pods,
//! conditions, and the generation observed.

use std::collections::BTreeSet;

use super::indexes::format_indexes;
use super::tally::{Mode, Tally, count};
use crate::model::resources::{
    Condition, Job, JobStatus, Pod, UncountedTerminatedPods, find_condition, set_condition,
};

/// Why a Job is finishing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// More pods failed than `backoffLimit` allows.
    BackoffLimitExceeded,
    /// Enough pods succeeded and none is active.
    Complete,
}

impl Finish {
    /// The terminal condition it leads to.
    fn condition(self) -> Condition {
        match self {
            Finish::BackoffLimitExceeded => Condition {
                message: "Job has reached the specified backoff limit".into(),
                ..Condition::new("Failed", true, "BackoffLimitExceeded")
            },
            Finish::Complete => Condition::new("Complete", true, ""),
        }
    }
}

/// Whether the Job has finished: a `Complete` or `Failed` condition that is true.
pub fn is_finished(job: &Job) -> bool {
    ["Complete", "Failed"]
        .iter()
        .any(|t| find_condition(&job.status.conditions, t).is_some_and(Condition::is_true))
}

/// The status as it compares: an empty uncounted list is the same as none.
pub fn normalized(status: &JobStatus) -> JobStatus {
    let mut status = status.clone();
    if status
        .uncounted_terminated_pods
        .as_ref()
        .is_some_and(|u| u.succeeded.is_empty() && u.failed.is_empty())
    {
        status.uncounted_terminated_pods = None;
    }
    status
}

/// The status the Job should have (its `observedRevision` left as read).
pub fn next_status(job: &Job, tally: &Tally<'_>, finish: Option<Finish>) -> JobStatus {
    let mut status = normalized(&job.status);
    let mut uncounted = UncountedTerminatedPods::default();
    let holding = &tally.with_finalizer;
    status.succeeded += count_released(
        &tally.uncounted.succeeded,
        holding,
        &mut uncounted.succeeded,
    );
    status.failed += count_released(&tally.uncounted.failed, holding, &mut uncounted.failed);
    uncounted.succeeded.extend(uids(&tally.new_succeeded));
    uncounted.failed.extend(uids(&tally.new_failed));
    if let Mode::Indexed { .. } = tally.mode {
        status.completed_indexes = format_indexes(&tally.succeeded_indexes);
        status.succeeded = count(tally.succeeded_indexes.iter());
    }
    let all_counted = uncounted.succeeded.is_empty() && uncounted.failed.is_empty();
    status.uncounted_terminated_pods = (!all_counted).then_some(uncounted);
    status.active = tally.active_count();
    status.ready = tally.ready;
    status.observed_generation = job.metadata.generation;
    match finish {
        Some(finish) => {
            let settled = all_counted && tally.active.is_empty() && tally.with_finalizer.is_empty();
            if settled {
                set_condition(&mut status.conditions, finish.condition());
            }
        }
        None => suspend_condition(job, &mut status),
    }
    status
}

/// Keeps in `left` the uncounted uids whose pod still holds the finalizer; returns how many
/// others there are (released, or gone): those are counted now.
fn count_released(uncounted: &[String], holding: &BTreeSet<&str>, left: &mut Vec<String>) -> i32 {
    let (held, released): (Vec<&String>, Vec<&String>) = uncounted
        .iter()
        .partition(|uid| holding.contains(uid.as_str()));
    left.extend(held.into_iter().cloned());
    count(released.iter())
}

fn uids(pods: &[&Pod]) -> impl Iterator<Item = String> {
    pods.iter().map(|p| p.metadata.uid.clone())
}

/// `Suspended` is true while the Job is suspended; on resume an existing one turns false.
fn suspend_condition(job: &Job, status: &mut JobStatus) {
    if job.is_suspended() {
        set_condition(
            &mut status.conditions,
            Condition {
                message: "Job suspended".into(),
                ..Condition::new("Suspended", true, "JobSuspended")
            },
        );
    } else if find_condition(&status.conditions, "Suspended").is_some() {
        set_condition(
            &mut status.conditions,
            Condition {
                message: "Job resumed".into(),
                ..Condition::new("Suspended", false, "JobResumed")
            },
        );
    }
}
