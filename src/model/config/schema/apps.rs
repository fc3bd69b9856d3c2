//! apps/v1 ReplicaSet, Deployment, StatefulSet and ControllerRevision. Each status also takes
//! orchard's own `observedRevision` (the revision its controller last acted on).

use super::Shape::{Count, CountOrPercent, List, Object, Opaque, Value};
use super::meta::{LABEL_SELECTOR, OBJECT_META};
use super::pod::POD_TEMPLATE_SPEC;
use super::storage::PERSISTENT_VOLUME_CLAIM;
use super::{Type, k, m};

/// `appsv1.ReplicaSet`.
pub(super) static REPLICA_SET: Type = Type {
    name: "ReplicaSet",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("spec", Object(&REPLICA_SET_SPEC)),
        m("status", Object(&REPLICA_SET_STATUS)),
    ],
};

/// `appsv1.ReplicaSetSpec`.
static REPLICA_SET_SPEC: Type = Type {
    name: "ReplicaSetSpec",
    fields: &[
        m("replicas", Count),
        k("minReadySeconds", Count),
        m("selector", Object(&LABEL_SELECTOR)),
        m("template", Object(&POD_TEMPLATE_SPEC)),
    ],
};

/// `appsv1.ReplicaSetStatus`.
static REPLICA_SET_STATUS: Type = Type {
    name: "ReplicaSetStatus",
    fields: &[
        m("replicas", Count),
        m("fullyLabeledReplicas", Count),
        m("readyReplicas", Count),
        m("availableReplicas", Count),
        k("terminatingReplicas", Count),
        m("observedGeneration", Count),
        m("conditions", List(&WORKLOAD_CONDITION)),
        m("observedRevision", Count),
    ],
};

/// `appsv1.Deployment`.
pub(super) static DEPLOYMENT: Type = Type {
    name: "Deployment",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("spec", Object(&DEPLOYMENT_SPEC)),
        m("status", Object(&DEPLOYMENT_STATUS)),
    ],
};

/// `appsv1.DeploymentSpec`.
static DEPLOYMENT_SPEC: Type = Type {
    name: "DeploymentSpec",
    fields: &[
        m("replicas", Count),
        m("selector", Object(&LABEL_SELECTOR)),
        m("template", Object(&POD_TEMPLATE_SPEC)),
        m("strategy", Object(&DEPLOYMENT_STRATEGY)),
        k("minReadySeconds", Count),
        m("revisionHistoryLimit", Count),
        m("paused", Value),
        m("progressDeadlineSeconds", Count),
    ],
};

/// `appsv1.DeploymentStrategy`.
static DEPLOYMENT_STRATEGY: Type = Type {
    name: "DeploymentStrategy",
    fields: &[
        m("type", Value),
        m("rollingUpdate", Object(&ROLLING_UPDATE_DEPLOYMENT)),
    ],
};

/// `appsv1.RollingUpdateDeployment`.
static ROLLING_UPDATE_DEPLOYMENT: Type = Type {
    name: "RollingUpdateDeployment",
    fields: &[
        m("maxUnavailable", CountOrPercent),
        m("maxSurge", CountOrPercent),
    ],
};

/// `appsv1.DeploymentStatus`.
static DEPLOYMENT_STATUS: Type = Type {
    name: "DeploymentStatus",
    fields: &[
        m("observedGeneration", Count),
        m("replicas", Count),
        m("updatedReplicas", Count),
        m("readyReplicas", Count),
        m("availableReplicas", Count),
        m("unavailableReplicas", Count),
        k("terminatingReplicas", Count),
        m("conditions", List(&DEPLOYMENT_CONDITION)),
        m("collisionCount", Count),
        m("observedRevision", Count),
    ],
};

/// `appsv1.DeploymentCondition`.
static DEPLOYMENT_CONDITION: Type = Type {
    name: "DeploymentCondition",
    fields: &[
        m("type", Value),
        m("status", Value),
        k("lastUpdateTime", Value),
        k("lastTransitionTime", Value),
        m("reason", Value),
        m("message", Value),
    ],
};

/// `appsv1.ReplicaSetCondition` and `appsv1.StatefulSetCondition` (the same fields).
static WORKLOAD_CONDITION: Type = Type {
    name: "ReplicaSetCondition",
    fields: &[
        m("type", Value),
        m("status", Value),
        k("lastTransitionTime", Value),
        m("reason", Value),
        m("message", Value),
    ],
};

/// `appsv1.StatefulSet`.
pub(super) static STATEFUL_SET: Type = Type {
    name: "StatefulSet",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("spec", Object(&STATEFUL_SET_SPEC)),
        m("status", Object(&STATEFUL_SET_STATUS)),
    ],
};

/// `appsv1.StatefulSetSpec`.
static STATEFUL_SET_SPEC: Type = Type {
    name: "StatefulSetSpec",
    fields: &[
        m("replicas", Count),
        m("selector", Object(&LABEL_SELECTOR)),
        m("template", Object(&POD_TEMPLATE_SPEC)),
        m("volumeClaimTemplates", List(&PERSISTENT_VOLUME_CLAIM)),
        m("serviceName", Value),
        m("podManagementPolicy", Value),
        m("updateStrategy", Object(&STATEFUL_SET_UPDATE_STRATEGY)),
        m("revisionHistoryLimit", Count),
        k("minReadySeconds", Count),
        k(
            "persistentVolumeClaimRetentionPolicy",
            Object(&PVC_RETENTION_POLICY),
        ),
        m("ordinals", Object(&STATEFUL_SET_ORDINALS)),
    ],
};

/// `appsv1.StatefulSetUpdateStrategy`.
static STATEFUL_SET_UPDATE_STRATEGY: Type = Type {
    name: "StatefulSetUpdateStrategy",
    fields: &[
        m("type", Value),
        m("rollingUpdate", Object(&ROLLING_UPDATE_STATEFUL_SET)),
    ],
};

/// `appsv1.RollingUpdateStatefulSetStrategy`.
static ROLLING_UPDATE_STATEFUL_SET: Type = Type {
    name: "RollingUpdateStatefulSetStrategy",
    fields: &[m("partition", Count), m("maxUnavailable", CountOrPercent)],
};

/// `appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy`.
static PVC_RETENTION_POLICY: Type = Type {
    name: "StatefulSetPersistentVolumeClaimRetentionPolicy",
    fields: &[k("whenDeleted", Value), k("whenScaled", Value)],
};

/// `appsv1.StatefulSetOrdinals`.
static STATEFUL_SET_ORDINALS: Type = Type {
    name: "StatefulSetOrdinals",
    fields: &[m("start", Count)],
};

/// `appsv1.StatefulSetStatus`.
static STATEFUL_SET_STATUS: Type = Type {
    name: "StatefulSetStatus",
    fields: &[
        m("observedGeneration", Count),
        m("replicas", Count),
        m("readyReplicas", Count),
        m("currentReplicas", Count),
        m("updatedReplicas", Count),
        m("currentRevision", Value),
        m("updateRevision", Value),
        m("collisionCount", Count),
        k("conditions", List(&WORKLOAD_CONDITION)),
        m("availableReplicas", Count),
        m("observedRevision", Count),
    ],
};

/// `appsv1.ControllerRevision`. Kubernetes' `data` is a raw object (any JSON); orchard reads
/// it as the pod template the revision snapshots.
pub(super) static CONTROLLER_REVISION: Type = Type {
    name: "ControllerRevision",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("data", Opaque),
        m("revision", Count),
    ],
};
