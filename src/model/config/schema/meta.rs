//! apimachinery's `metav1` types: ObjectMeta, OwnerReference, LabelSelector.

use super::Shape::{Count, List, Map, Opaque, Value, Values};
use super::{Type, k, m};

/// `metav1.ObjectMeta` of a resource.
pub(super) static OBJECT_META: Type = Type {
    name: "ObjectMeta",
    fields: &[
        m("name", Value),
        m("generateName", Value),
        m("namespace", Value),
        k("selfLink", Value),
        m("uid", Value),
        m("resourceVersion", Count),
        m("generation", Count),
        k("creationTimestamp", Value),
        m("deletionTimestamp", Count),
        m("deletionGracePeriodSeconds", Count),
        m("labels", Map),
        m("annotations", Map),
        m("ownerReferences", List(&OWNER_REFERENCE)),
        m("finalizers", Values),
        k("managedFields", Opaque),
    ],
};

/// `metav1.ObjectMeta` inside a pod template: orchard keeps only its labels and annotations.
pub(super) static TEMPLATE_META: Type = Type {
    name: "ObjectMeta",
    fields: &[
        k("name", Value),
        k("generateName", Value),
        k("namespace", Value),
        k("selfLink", Value),
        k("uid", Value),
        k("resourceVersion", Count),
        k("generation", Count),
        k("creationTimestamp", Value),
        k("deletionTimestamp", Count),
        k("deletionGracePeriodSeconds", Count),
        m("labels", Map),
        m("annotations", Map),
        k("ownerReferences", List(&OWNER_REFERENCE)),
        k("finalizers", Values),
        k("managedFields", Opaque),
    ],
};

/// `metav1.OwnerReference`.
pub(super) static OWNER_REFERENCE: Type = Type {
    name: "OwnerReference",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("name", Value),
        m("uid", Value),
        m("controller", Value),
        m("blockOwnerDeletion", Value),
    ],
};

/// `metav1.LabelSelector`.
pub(super) static LABEL_SELECTOR: Type = Type {
    name: "LabelSelector",
    fields: &[
        m("matchLabels", Map),
        m("matchExpressions", List(&LABEL_SELECTOR_REQUIREMENT)),
    ],
};

/// `metav1.LabelSelectorRequirement`.
pub(super) static LABEL_SELECTOR_REQUIREMENT: Type = Type {
    name: "LabelSelectorRequirement",
    fields: &[m("key", Value), m("operator", Value), m("values", Values)],
};
