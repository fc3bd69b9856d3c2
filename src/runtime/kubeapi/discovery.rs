//! Discovery: `/api`, `/apis`, `/apis/<group>`, the group versions' `APIResourceList`s and
//! `/version`, in the legacy (v1) forms every kubectl reads. A client asking for the
//! aggregated form (`apidiscovery.k8s.io/v2`) gets these with `Content-Type:
//! application/json`, and falls back to them, as it does with an older API server.

use serde_json::{Value, json};

use super::routes::{GROUPS, VERSION, has_status, kinds_of, namespaced, scalable, short_names};

/// `/api`: the core group's versions.
pub fn core_versions() -> Value {
    json!({
        "kind": "APIVersions",
        "versions": [VERSION],
        "serverAddressByClientCIDRs": [],
    })
}

fn group_version(group: &str) -> Value {
    let gv = format!("{group}/{VERSION}");
    json!({ "groupVersion": gv, "version": VERSION })
}

/// `/apis/<group>`: one named group.
pub fn group(name: &str) -> Value {
    json!({
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": name,
        "versions": [group_version(name)],
        "preferredVersion": group_version(name),
    })
}

/// `/apis`: every named group.
pub fn groups() -> Value {
    let groups: Vec<Value> = GROUPS
        .iter()
        .map(|g| {
            let mut v = group(g);
            if let Value::Object(map) = &mut v {
                map.remove("kind");
                map.remove("apiVersion");
            }
            v
        })
        .collect();
    json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
}

/// The verbs of a kind's main resource.
const VERBS: [&str; 7] = [
    "create", "delete", "get", "list", "patch", "update", "watch",
];

/// `/api/v1`, `/apis/apps/v1`, ...: the resources of one group version (`""` is core).
pub fn resources(group: &str) -> Value {
    let mut resources = Vec::new();
    for kind in kinds_of(group) {
        let mut main = json!({
            "name": kind.plural(),
            "singularName": kind.name().to_lowercase(),
            "namespaced": namespaced(kind),
            "kind": kind.name(),
            "verbs": VERBS,
        });
        if !short_names(kind).is_empty() {
            main["shortNames"] = json!(short_names(kind));
        }
        resources.push(main);
        if has_status(kind) {
            resources.push(json!({
                "name": format!("{}/status", kind.plural()),
                "singularName": "",
                "namespaced": namespaced(kind),
                "kind": kind.name(),
                "verbs": ["get", "patch", "update"],
            }));
        }
        if scalable(kind) {
            resources.push(json!({
                "name": format!("{}/scale", kind.plural()),
                "singularName": "",
                "namespaced": namespaced(kind),
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": ["get", "patch", "update"],
            }));
        }
    }
    let group_version = if group.is_empty() {
        VERSION.to_string()
    } else {
        format!("{group}/{VERSION}")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    })
}

/// `/version`: the Kubernetes version whose API this serves.
pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "32",
        "gitVersion": concat!("v1.32.0-orchard.", env!("CARGO_PKG_VERSION")),
        "platform": "orchard",
    })
}
