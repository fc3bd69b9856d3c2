//! batch/v1 Job.

use super::Shape::{List, Object, Opaque, Value, Values};
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
        m("parallelism", Value),
        m("completions", Value),
        k("activeDeadlineSeconds", Value),
        k("podFailurePolicy", Opaque),
        k("successPolicy", Opaque),
        m("backoffLimit", Value),
        k("backoffLimitPerIndex", Value),
        k("maxFailedIndexes", Value),
        m("selector", Object(&LABEL_SELECTOR)),
        k("manualSelector", Value),
        m("template", Object(&POD_TEMPLATE_SPEC)),
        k("ttlSecondsAfterFinished", Value),
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
        m("active", Value),
        m("succeeded", Value),
        m("failed", Value),
        k("terminating", Value),
        m("completedIndexes", Value),
        k("failedIndexes", Value),
        m(
            "uncountedTerminatedPods",
            Object(&UNCOUNTED_TERMINATED_PODS),
        ),
        m("ready", Value),
        m("observedGeneration", Value),
        m("observedRevision", Value),
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
