//! The accounting of one Job from its pods and status: which pods are active and ready, which
//! finished pods are still to be recorded in `status.uncountedTerminatedPods` (or, for a
//! succeeded Indexed pod, `completedIndexes`), which may have their tracking finalizer removed,
//! and the totals the Job decides on.
//!
//! Tracking with finalizers (Kubernetes' order): a finished pod is first recorded, then its
//! finalizer is removed, then its uid moves from the uncounted lists into the counts. A pod is
//! counted once: a pod without the finalizer is never recorded again.

use std::collections::BTreeSet;

use super::indexes::parse_indexes;
use super::pods::{completion_index, considered_failed, has_tracking_finalizer, is_done};
use crate::model::resources::{Job, Pod, PodPhase, UncountedTerminatedPods};

/// A Job's completion mode, with what it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Any pod counts; `completions` may be unset.
    NonIndexed,
    /// Each index in `0..completions` must succeed once.
    Indexed {
        /// The number of indexes.
        completions: i32,
    },
}

impl Mode {
    /// The Job's mode; `None` for a Job Kubernetes' validation would reject (an unknown mode,
    /// or Indexed without completions), which the controller leaves alone.
    pub fn of(job: &Job) -> Option<Mode> {
        match job.spec.completion_mode.as_deref() {
            None | Some("NonIndexed") => Some(Mode::NonIndexed),
            Some("Indexed") => job
                .spec
                .completions
                .map(|c| Mode::Indexed { completions: c }),
            Some(_) => None,
        }
    }

    /// Whether an index is one the Job runs (always true for a NonIndexed Job).
    fn counts(self, pod: &Pod) -> bool {
        match self {
            Mode::NonIndexed => true,
            Mode::Indexed { completions } => completion_index(pod).is_some_and(|i| i < completions),
        }
    }
}

/// One Job's accounting.
#[derive(Debug)]
pub struct Tally<'a> {
    /// The mode.
    pub mode: Mode,
    /// Owned pods, in name order.
    pub pods: Vec<&'a Pod>,
    /// Active pods (neither finished nor terminating), in name order.
    pub active: Vec<&'a Pod>,
    /// Active pods that are ready.
    pub ready: i32,
    /// Done pods whose finalizer may go now: recorded, or not counted at all.
    pub releasable: Vec<&'a Pod>,
    /// NonIndexed succeeded pods to record in `uncountedTerminatedPods.succeeded`.
    pub new_succeeded: Vec<&'a Pod>,
    /// Failed pods to record in `uncountedTerminatedPods.failed`.
    pub new_failed: Vec<&'a Pod>,
    /// Indexed: the indexes in `status.completedIndexes`.
    pub previous_indexes: BTreeSet<i32>,
    /// Indexed: those and the indexes of succeeded pods still holding the finalizer.
    pub succeeded_indexes: BTreeSet<i32>,
    /// The uids of owned pods holding the tracking finalizer.
    pub with_finalizer: BTreeSet<&'a str>,
    /// The uncounted pods of the status as read.
    pub uncounted: UncountedTerminatedPods,
}

impl<'a> Tally<'a> {
    /// The accounting of `job` with its owned `pods`.
    pub fn new(job: &Job, mode: Mode, pods: Vec<&'a Pod>) -> Self {
        let uncounted = job
            .status
            .uncounted_terminated_pods
            .clone()
            .unwrap_or_default();
        let previous_indexes = match mode {
            Mode::Indexed { completions } => {
                parse_indexes(&job.status.completed_indexes, completions)
            }
            Mode::NonIndexed => BTreeSet::new(),
        };
        let mut tally = Tally {
            mode,
            active: pods.iter().copied().filter(|p| p.is_active()).collect(),
            ready: 0,
            releasable: Vec::new(),
            new_succeeded: Vec::new(),
            new_failed: Vec::new(),
            succeeded_indexes: previous_indexes.clone(),
            previous_indexes,
            with_finalizer: BTreeSet::new(),
            uncounted,
            pods,
        };
        tally.ready = count(tally.active.iter().filter(|p| p.is_ready()));
        for pod in tally.pods.clone() {
            if has_tracking_finalizer(pod) {
                tally.with_finalizer.insert(pod.metadata.uid.as_str());
                if is_done(pod) {
                    tally.classify_done(pod);
                }
            }
        }
        tally
    }

    /// Sorts a done pod holding the finalizer: releasable, or to be recorded.
    fn classify_done(&mut self, pod: &'a Pod) {
        let uid = &pod.metadata.uid;
        if !self.mode.counts(pod) {
            self.releasable.push(pod);
            return;
        }
        let recorded_failed = self.uncounted.failed.contains(uid);
        let succeeded = pod.status.phase == PodPhase::Succeeded && !recorded_failed;
        let recorded = if recorded_failed {
            true
        } else if succeeded {
            match self.mode {
                Mode::NonIndexed => self.uncounted.succeeded.contains(uid),
                Mode::Indexed { .. } => {
                    completion_index(pod).is_some_and(|i| self.previous_indexes.contains(&i))
                }
            }
        } else {
            false
        };
        if recorded {
            self.releasable.push(pod);
        } else if succeeded {
            match self.mode {
                Mode::NonIndexed => self.new_succeeded.push(pod),
                Mode::Indexed { .. } => {
                    self.succeeded_indexes.extend(completion_index(pod));
                }
            }
        } else if considered_failed(pod) {
            self.new_failed.push(pod);
        }
    }

    /// Successful pods so far, recorded or not (Indexed: succeeded indexes).
    pub fn succeeded_total(&self, job: &Job) -> i32 {
        match self.mode {
            Mode::NonIndexed => {
                job.status.succeeded
                    + count(self.uncounted.succeeded.iter())
                    + count(self.new_succeeded.iter())
            }
            Mode::Indexed { .. } => count(self.succeeded_indexes.iter()),
        }
    }

    /// Failed pods so far, recorded or not.
    pub fn failed_total(&self, job: &Job) -> i32 {
        job.status.failed + count(self.uncounted.failed.iter()) + count(self.new_failed.iter())
    }

    /// The number of active pods.
    pub fn active_count(&self) -> i32 {
        count(self.active.iter())
    }

    /// Indexed: the indexes in `0..completions` that neither succeeded nor have an active pod,
    /// lowest first.
    pub fn pending_indexes(&self) -> Vec<i32> {
        let Mode::Indexed { completions } = self.mode else {
            return Vec::new();
        };
        let running: BTreeSet<i32> = self
            .active
            .iter()
            .filter_map(|p| completion_index(p))
            .collect();
        (0..completions)
            .filter(|i| !self.succeeded_indexes.contains(i) && !running.contains(i))
            .collect()
    }
}

/// A count as the status's `i32` (saturating; model sizes are tiny).
pub fn count<T>(items: impl Iterator<Item = T>) -> i32 {
    i32::try_from(items.count()).unwrap_or(i32::MAX)
}
