//! A Job's pods: which pods it owns, their completion index and tracking finalizer, the order
//! in which active pods are removed, and the pod it creates.

use std::collections::BTreeMap;

use crate::model::collection::Resources;
use crate::model::controllers::util::controller_ref;
use crate::model::resources::{Job, Kind, LabelSelector, Metadata, Pod, PodPhase};

/// The finalizer a Job puts on its pods so that none finishes uncounted.
pub const TRACKING_FINALIZER: &str = "batch.kubernetes.io/job-tracking";
/// The annotation (and label) carrying an Indexed Job pod's completion index.
pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
/// The label of the generated selector: the Job's uid.
pub const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
/// The label naming the Job on pods of a generated selector.
pub const JOB_NAME: &str = "batch.kubernetes.io/job-name";

/// The Job's selector: `spec.selector`, or `controller-uid: <uid>` when absent (what the API
/// server generates when the user does not choose a selector).
pub fn selector_of(job: &Job) -> LabelSelector {
    match &job.spec.selector {
        Some(selector) => selector.clone(),
        None => LabelSelector::from_labels(BTreeMap::from([(
            CONTROLLER_UID.to_string(),
            job.metadata.uid.clone(),
        )])),
    }
}

/// The pods the Job owns: controlled by it (owner reference with its uid) and matching its
/// selector, in name order.
pub fn owned_pods<'a>(pods: &'a Resources<Pod>, job: &Job) -> Vec<&'a Pod> {
    let selector = selector_of(job);
    pods.iter()
        .filter(|p| p.metadata.is_controlled_by(&job.metadata.uid))
        .filter(|p| selector.matches(&p.metadata.labels))
        .collect()
}

/// Whether the pod carries the tracking finalizer.
pub fn has_tracking_finalizer(pod: &Pod) -> bool {
    pod.metadata
        .finalizers
        .iter()
        .any(|f| f == TRACKING_FINALIZER)
}

/// The pod's completion index annotation, if it holds a non-negative number.
pub fn completion_index(pod: &Pod) -> Option<i32> {
    pod.metadata
        .annotations
        .get(COMPLETION_INDEX)
        .and_then(|v| v.parse::<i32>().ok())
        .filter(|i| *i >= 0)
}

/// Whether the Job counts the pod as failed: it failed, or it is being deleted without having
/// succeeded (Kubernetes' `isPodFailed`, so that deleted pods are never lost).
pub fn considered_failed(pod: &Pod) -> bool {
    pod.status.phase == PodPhase::Failed
        || (pod.metadata.is_terminating() && pod.status.phase != PodPhase::Succeeded)
}

/// Whether the pod is done as far as the Job is concerned: succeeded or considered failed.
pub fn is_done(pod: &Pod) -> bool {
    pod.status.phase == PodPhase::Succeeded || considered_failed(pod)
}

/// The order in which active pods are removed, first first: pods already without the tracking
/// finalizer (their removal is under way), then Kubernetes' `ActivePods` order (unscheduled
/// before scheduled, pending before unknown before running, not ready before ready), then name.
pub fn removal_key(pod: &Pod) -> (bool, bool, u8, bool, &str) {
    let phase = match pod.status.phase {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        PodPhase::Succeeded | PodPhase::Failed => 3,
    };
    (
        has_tracking_finalizer(pod),
        pod.spec.node_name.is_some(),
        phase,
        pod.is_ready(),
        pod.metadata.name.as_str(),
    )
}

/// The pod the Job creates next: from its template, controlled by it, with the tracking
/// finalizer; with the generated labels when the selector is generated; for an Indexed Job,
/// with its index (annotation and label), hostname `<job>-<index>` and name `<job>-<index>-…`.
pub fn new_pod(job: &Job, index: Option<i32>) -> Pod {
    let name = &job.metadata.name;
    let mut metadata = Metadata {
        generate_name: match index {
            Some(i) => format!("{name}-{i}-"),
            None => format!("{name}-"),
        },
        namespace: job.metadata.namespace.clone(),
        owner_references: vec![controller_ref(Kind::Job, &job.metadata)],
        finalizers: vec![TRACKING_FINALIZER.to_string()],
        ..Metadata::default()
    };
    if job.spec.selector.is_none() {
        metadata
            .labels
            .insert(CONTROLLER_UID.to_string(), job.metadata.uid.clone());
        metadata.labels.insert(JOB_NAME.to_string(), name.clone());
    }
    if let Some(i) = index {
        metadata
            .annotations
            .insert(COMPLETION_INDEX.to_string(), i.to_string());
        metadata
            .labels
            .insert(COMPLETION_INDEX.to_string(), i.to_string());
    }
    let mut pod = job.spec.template.instantiate(metadata);
    if let Some(i) = index {
        pod.spec.hostname = Some(format!("{name}-{i}"));
    }
    pod
}

/// The pod without the tracking finalizer (what is sent to release it).
pub fn without_finalizer(pod: &Pod) -> Pod {
    let mut pod = pod.clone();
    pod.metadata.finalizers.retain(|f| f != TRACKING_FINALIZER);
    pod
}
