//! A state's resources as Kubernetes writes them: each object with `apiVersion`, `kind`,
//! `metadata`, `spec` and `status` in Kubernetes' field names and forms (`resourceVersion` a
//! string, `deletionTimestamp` an RFC 3339 time, `creationTimestamp` null, as the model has no
//! clock), and the whole state as the `List` that `kubectl get -o yaml` prints. Keys are
//! sorted, as kubectl prints them. The model's manifest loader reads these objects back.

use serde_json::{Map, Value, json};

use crate::model::resources::kube_time::timestamp;
use crate::model::resources::{Kind, Object};
use crate::model::state::StateView;

/// The namespace Kubernetes gives a namespaced object created without one.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The metadata fields the API server sets: an object sent to a new cluster must leave them
/// out (a create with `resourceVersion` set is refused; owner references name uids that
/// cluster never had, and its garbage collector would delete what they own).
const SERVER_SET: [&str; 7] = [
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
];

/// Whether objects of a kind live in a namespace.
pub fn namespaced(kind: Kind) -> bool {
    kind != Kind::Node
}

/// One object as Kubernetes writes it.
pub fn kube_object(object: &Object) -> Value {
    // Invariant: the resource types have string keys only and no custom serializer that can
    // fail, so serializing one to a JSON value cannot fail.
    let mut value = serde_json::to_value(object).expect("a resource serializes to JSON");
    let Value::Object(map) = &mut value else {
        return value;
    };
    map.insert("apiVersion".into(), json!(object.kind().api_version()));
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = metadata {
        kube_metadata(object, meta);
    }
    value
}

fn kube_metadata(object: &Object, meta: &mut Map<String, Value>) {
    let m = object.metadata();
    meta.insert("creationTimestamp".into(), Value::Null);
    if m.resource_version != 0 {
        meta.insert(
            "resourceVersion".into(),
            json!(m.resource_version.to_string()),
        );
    }
    if let Some(at) = m.deletion_timestamp {
        meta.insert("deletionTimestamp".into(), json!(timestamp(at)));
    }
    if namespaced(object.kind()) && m.namespace.is_none() {
        meta.insert("namespace".into(), json!(DEFAULT_NAMESPACE));
    }
}

/// A state's objects as Kubernetes writes them, in state order (kind, then name).
pub fn kube_objects(view: &StateView) -> Vec<Value> {
    view.objects().iter().map(kube_object).collect()
}

/// A state as `kubectl get -o yaml` prints several objects: a `v1` `List`. With `for_apply`,
/// the fields only an API server sets are left out ([`for_apply`]).
pub fn kube_list(view: &StateView, apply: bool) -> Value {
    let mut items = kube_objects(view);
    if apply {
        items.iter_mut().for_each(for_apply);
    }
    json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": items,
        "metadata": { "resourceVersion": "" },
    })
}

/// Leaves out of an object what only the API server sets (uid, resourceVersion, generation,
/// timestamps, owner references, status), so that a new cluster accepts it as a create and
/// its controllers adopt what their selectors match.
pub fn for_apply(object: &mut Value) {
    let Value::Object(map) = object else { return };
    map.remove("status");
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        for field in SERVER_SET {
            meta.remove(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Metadata, OwnerReference, Pod};

    fn pod() -> Object {
        let mut p = Pod {
            metadata: Metadata::named("web-0"),
            ..Pod::default()
        };
        p.metadata.uid = "uid-4".into();
        p.metadata.resource_version = 12;
        p.metadata.generation = 1;
        p.metadata.deletion_timestamp = Some(14);
        p.metadata.owner_references = vec![OwnerReference {
            api_version: "apps/v1".into(),
            kind: "StatefulSet".into(),
            name: "web".into(),
            uid: "uid-1".into(),
            controller: true,
            block_owner_deletion: true,
        }];
        Object::Pod(p)
    }

    #[test]
    fn an_object_has_kubernetes_forms() {
        let v = kube_object(&pod());
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(v["kind"], "Pod");
        let meta = &v["metadata"];
        assert_eq!(meta["resourceVersion"], "12");
        assert_eq!(meta["deletionTimestamp"], "1970-01-01T00:00:14Z");
        assert_eq!(meta["creationTimestamp"], Value::Null);
        assert_eq!(meta["namespace"], "default");
        assert_eq!(meta["generation"], 1);
        assert_eq!(meta["ownerReferences"][0]["uid"], "uid-1");
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["apiVersion", "kind", "metadata", "spec", "status"]);
    }

    #[test]
    fn for_apply_leaves_out_what_the_server_sets() {
        let mut v = kube_object(&pod());
        for_apply(&mut v);
        let meta = v["metadata"].as_object().unwrap();
        let keys: Vec<&String> = meta.keys().collect();
        assert_eq!(keys, ["name", "namespace"]);
        assert!(v.get("status").is_none());
        assert!(v.get("spec").is_some());
    }

    #[test]
    fn a_state_is_a_list() {
        let view = StateView::from_objects([pod()]);
        let list = kube_list(&view, false);
        assert_eq!(list["kind"], "List");
        assert_eq!(list["apiVersion"], "v1");
        assert_eq!(list["metadata"]["resourceVersion"], "");
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert!(
            kube_list(&view, true)["items"][0]["metadata"]
                .get("uid")
                .is_none()
        );
    }
}
