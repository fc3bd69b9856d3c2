//! core/v1 PersistentVolumeClaim.

use super::Shape::{List, Map, Object, Opaque, Value, Values};
use super::meta::{LABEL_SELECTOR, OBJECT_META};
use super::{Type, k, m};

/// `v1.PersistentVolumeClaim`.
pub(super) static PERSISTENT_VOLUME_CLAIM: Type = Type {
    name: "PersistentVolumeClaim",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("spec", Object(&PVC_SPEC)),
        m("status", Object(&PVC_STATUS)),
    ],
};

/// `v1.PersistentVolumeClaimSpec`.
static PVC_SPEC: Type = Type {
    name: "PersistentVolumeClaimSpec",
    fields: &[
        k("accessModes", Values),
        k("selector", Object(&LABEL_SELECTOR)),
        m("resources", Object(&VOLUME_RESOURCES)),
        k("volumeName", Value),
        k("storageClassName", Value),
        k("volumeMode", Value),
        k("dataSource", Opaque),
        k("dataSourceRef", Opaque),
        k("volumeAttributesClassName", Value),
    ],
};

/// `v1.VolumeResourceRequirements`.
static VOLUME_RESOURCES: Type = Type {
    name: "VolumeResourceRequirements",
    fields: &[k("limits", Map), m("requests", Map)],
};

/// `v1.PersistentVolumeClaimStatus`.
static PVC_STATUS: Type = Type {
    name: "PersistentVolumeClaimStatus",
    fields: &[
        m("phase", Value),
        k("accessModes", Values),
        k("capacity", Map),
        k("conditions", List(&PVC_CONDITION)),
        k("allocatedResources", Map),
        k("allocatedResourceStatuses", Map),
        k("currentVolumeAttributesClassName", Value),
        k("modifyVolumeStatus", Opaque),
        k("healthStatus", Opaque),
    ],
};

/// `v1.PersistentVolumeClaimCondition`.
static PVC_CONDITION: Type = Type {
    name: "PersistentVolumeClaimCondition",
    fields: &[
        k("type", Value),
        k("status", Value),
        k("lastProbeTime", Value),
        k("lastTransitionTime", Value),
        k("reason", Value),
        k("message", Value),
    ],
};
