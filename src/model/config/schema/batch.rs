//! batch/v1 Job.

use super::Shape::{Count, List, Object, Opaque, Value, Values};
use super::meta::{LABEL_SELECTOR, OBJECT_META};
use super::pod::POD_TEMPLATE_SPEC;
use super::{Type, k, m};

/// `batchv1.Job`.
pub(super) static JOB: Type = Type {
    name: "Job",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("spec", Object(&JOB_SPEC)),
        m("status", Object(&JOB_STATUS)),
    ],
};

/// `batchv1.JobSpec`.
static JOB_SPEC: Type = Type {
    name: "JobSpec",
    fields: &[
        m("parallelism", Count),
        m("completions", Count),
        k("activeDeadlineSeconds", Count),
        k("podFailurePolicy", Opaque),
        k("successPolicy", Opaque),
        m("backoffLimit", Count),
        k("backoffLimitPerIndex", Count),
        k("maxFailedIndexes", Count),
        m("selector", Object(&LABEL_SELECTOR)),
        k("manualSelector", Value),
        m("template", Object(&POD_TEMPLATE_SPEC)),
        k("ttlSecondsAfterFinished", Count),
        m("completionMode", Value),
        m("suspend", Value),
        k("podReplacementPolicy", Value),
        k("managedBy", Value),
        k("scheduling", Opaque),
    ],
};

/// `batchv1.JobStatus`, with orchard's own `observedGeneration` and `observedRevision`
/// (what its job controller last acted on).
static JOB_STATUS: Type = Type {
    name: "JobStatus",
    fields: &[
        m("conditions", List(&JOB_CONDITION)),
        k("startTime", Value),
        k("completionTime", Value),
        m("active", Count),
        m("succeeded", Count),
        m("failed", Count),
        k("terminating", Count),
        m("completedIndexes", Value),
        k("failedIndexes", Value),
        m(
            "uncountedTerminatedPods",
            Object(&UNCOUNTED_TERMINATED_PODS),
        ),
        m("ready", Count),
        m("observedGeneration", Count),
        m("observedRevision", Count),
    ],
};

/// `batchv1.UncountedTerminatedPods`.
static UNCOUNTED_TERMINATED_PODS: Type = Type {
    name: "UncountedTerminatedPods",
    fields: &[m("succeeded", Values), m("failed", Values)],
};

/// `batchv1.JobCondition`.
static JOB_CONDITION: Type = Type {
    name: "JobCondition",
    fields: &[
        m("type", Value),
        m("status", Value),
        k("lastProbeTime", Value),
        k("lastTransitionTime", Value),
        m("reason", Value),
        m("message", Value),
    ],
};
