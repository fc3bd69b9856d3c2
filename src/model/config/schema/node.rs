//! core/v1 Node: NodeSpec, Taint, NodeStatus.

use super::Shape::{List, Map, Object, Opaque, Value, Values};
use super::meta::OBJECT_META;
use super::{Type, k, m};

/// `v1.Node`.
pub(super) static NODE: Type = Type {
    name: "Node",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("spec", Object(&NODE_SPEC)),
        m("status", Object(&NODE_STATUS)),
    ],
};

/// `v1.NodeSpec`.
static NODE_SPEC: Type = Type {
    name: "NodeSpec",
    fields: &[
        k("podCIDR", Value),
        k("podCIDRs", Values),
        k("providerID", Value),
        m("unschedulable", Value),
        m("taints", List(&TAINT)),
        k("configSource", Opaque),
        k("externalID", Value),
        k("podPreemptionPolicy", Value),
    ],
};

/// `v1.Taint`.
pub(super) static TAINT: Type = Type {
    name: "Taint",
    fields: &[
        m("key", Value),
        m("value", Value),
        m("effect", Value),
        k("timeAdded", Value),
    ],
};

/// `v1.NodeStatus`.
static NODE_STATUS: Type = Type {
    name: "NodeStatus",
    fields: &[
        m("capacity", Map),
        m("allocatable", Map),
        k("phase", Value),
        m("conditions", List(&NODE_CONDITION)),
        k("addresses", Opaque),
        k("daemonEndpoints", Opaque),
        k("nodeInfo", Opaque),
        k("images", Opaque),
        k("volumesInUse", Values),
        k("volumesAttached", Opaque),
        k("config", Opaque),
        k("runtimeHandlers", Opaque),
        k("features", Opaque),
        k("declaredFeatures", Values),
    ],
};

/// `v1.NodeCondition`.
static NODE_CONDITION: Type = Type {
    name: "NodeCondition",
    fields: &[
        m("type", Value),
        m("status", Value),
        k("lastHeartbeatTime", Value),
        k("lastTransitionTime", Value),
        m("reason", Value),
        m("message", Value),
    ],
};
