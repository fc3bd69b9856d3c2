//! Objects in and out of their Kubernetes JSON form. Out: the model's own serde form with
//! `apiVersion`, a namespace for namespaced kinds, `resourceVersion` as a string, and the
//! model's logical times as RFC 3339 (`creationTimestamp` from the revision that created the
//! object, `deletionTimestamp` from the one that asked to delete it: revision `r` is `r`
//! seconds after the Unix epoch, as `model::resources::kube_time` has it). In: a JSON body
//! checked against the URL (kind, apiVersion, name, namespace) and read with the model's
//! serde, whatever fields only a real API server keeps (`managedFields`, `selfLink`, ...)
//! left aside.

use serde_json::{Map, Value, json};

use super::routes::{DEFAULT_NAMESPACE, namespaced};
use super::status::Failure;
use crate::model::resources::kube_time::timestamp;
use crate::model::resources::{Kind, Object, Revision};
use crate::store::Stored;

/// An object as Kubernetes writes it; `created` is the revision that created it.
pub fn to_kube(object: &Object, created: Revision) -> Value {
    // Invariant: the resource types have string keys and no serializer that can fail.
    let mut value = serde_json::to_value(object).expect("a resource serializes to JSON");
    let Value::Object(map) = &mut value else {
        return value;
    };
    map.insert("apiVersion".into(), json!(object.kind().api_version()));
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = meta {
        let m = object.metadata();
        meta.insert("creationTimestamp".into(), json!(timestamp(created)));
        meta.insert(
            "resourceVersion".into(),
            json!(m.resource_version.to_string()),
        );
        if let Some(at) = m.deletion_timestamp {
            meta.insert("deletionTimestamp".into(), json!(timestamp(at)));
        }
        if namespaced(object.kind()) && m.namespace.as_deref().is_none_or(str::is_empty) {
            meta.insert("namespace".into(), json!(DEFAULT_NAMESPACE));
        }
    }
    value
}

/// A stored object as Kubernetes writes it.
pub fn stored_to_kube(stored: &Stored) -> Value {
    to_kube(&stored.object, stored.create_revision)
}

/// A body parsed as JSON, or a 400 naming what is wrong.
pub fn parse_body(body: &[u8]) -> Result<Value, Failure> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| Failure::bad_request(format!("the request body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Failure::bad_request(
            "the request body is not a JSON object",
        ));
    }
    Ok(value)
}

/// A string field of the metadata (`name`, `namespace`, ...), if set.
pub fn meta_str<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get("metadata")?.get(field)?.as_str()
}

/// Reads a Kubernetes JSON object of `kind` sent to namespace `namespace` (and, for an update,
/// to `name`): 400 when its kind, apiVersion, namespace or name differ from the URL's or it
/// does not read as the model's resource.
pub fn from_kube(
    mut value: Value,
    kind: Kind,
    namespace: Option<&str>,
    name: Option<&str>,
) -> Result<Object, Failure> {
    let sent_kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if sent_kind != kind.name() {
        return Err(Failure::bad_request(format!(
            "the kind in the body (`{sent_kind}`) does not match the URL's ({})",
            kind.name()
        )));
    }
    let sent_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    if sent_version != kind.api_version() {
        return Err(Failure::bad_request(format!(
            "the apiVersion in the body (`{sent_version}`) does not match the URL's ({})",
            kind.api_version()
        )));
    }
    if let Some(ns) = namespace
        && let Some(sent) = meta_str(&value, "namespace")
        && !sent.is_empty()
        && sent != ns
    {
        return Err(Failure::bad_request(format!(
            "the namespace of the object ({sent}) does not match the namespace on the request ({ns})"
        )));
    }
    if let Some(name) = name {
        let sent = meta_str(&value, "name").unwrap_or("");
        if sent != name {
            return Err(Failure::bad_request(format!(
                "the name of the object ({sent}) does not match the name on the URL ({name})"
            )));
        }
    }
    let Some(Value::Object(meta)) = value.get_mut("metadata") else {
        return Err(Failure::bad_request("the object has no metadata"));
    };
    // Fields a real API server keeps and the model has not; an empty resourceVersion is none.
    for field in ["creationTimestamp", "managedFields", "selfLink"] {
        meta.remove(field);
    }
    if meta.get("resourceVersion").and_then(Value::as_str) == Some("") {
        meta.remove("resourceVersion");
    }
    if let Some(ns) = namespace {
        meta.insert("namespace".into(), json!(ns));
    }
    serde_json::from_value(value)
        .map_err(|e| Failure::bad_request(format!("the {kind} in the body does not read: {e}")))
}

/// A list of objects as `kubectl get` reads it (`PodList`, ...), at store revision `revision`.
pub fn list(kind: Kind, items: Vec<Value>, revision: Revision) -> Value {
    json!({
        "kind": format!("{}List", kind.name()),
        "apiVersion": kind.api_version(),
        "metadata": { "resourceVersion": revision.to_string() },
        "items": items,
    })
}
