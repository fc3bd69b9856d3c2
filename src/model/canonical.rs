//! A model state's canonical serialisation and its digest: what a trace records for each step
//! (trace format 2), so that a change of in-memory representation (a new collection, a cached
//! hash, a different layout of the history) leaves every shipped trace's digests as they were.
//!
//! The canonical form is JSON with object keys sorted and no spaces:
//!
//! ```json
//! {"budgets":[0,1],
//!  "history":{"commitPoint":null,"heads":[3],"latest":3,
//!             "revisions":[{"lost":false,"parents":[],"resources":[...],"revision":1,"term":0}]},
//!  "locals":[{"session":{...}}, ...]}
//! ```
//!
//! Each revision's resources are the objects as their Kubernetes JSON (the model's serde form:
//! `apiVersion`, `kind`, camelCase fields), sorted by kind and name; `locals` are the
//! controllers' local states in configuration order (their serde form); `budgets` how often
//! each environment rule has fired. The digest is the first 8 bytes of the SHA-256 of that
//! text, as 16 hex digits.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::history::{History, Read};
use super::resources::Object;
use super::state::StateView;
use super::system::SystemState;

/// The canonical JSON value of a state (see the module documentation).
pub fn canonical_value(state: &SystemState) -> Value {
    let graph = state.history.graph(&[]);
    let mut held = BTreeMap::new();
    state.history.each_revision_state(&mut |revision, view| {
        held.insert(revision, resources_value(view));
    });
    let revisions: Vec<Value> = graph
        .nodes
        .iter()
        .map(|node| {
            let resources = held.remove(&node.revision).unwrap_or_else(|| {
                state
                    .history
                    .state(&Read::At(node.revision))
                    .map(|view| resources_value(&view))
                    .unwrap_or(Value::Null)
            });
            json!({
                "revision": node.revision,
                "parents": node.parents,
                "lost": node.lost,
                "term": node.term,
                "resources": resources,
            })
        })
        .collect();
    let locals: Vec<Value> = state
        .locals
        .iter()
        .map(|local| to_value(local.as_ref()))
        .collect();
    json!({
        "history": {
            "revisions": revisions,
            "heads": graph.heads,
            "latest": graph.latest,
            "commitPoint": graph.commit_point,
        },
        "locals": locals,
        "budgets": state.env_used,
    })
}

/// The resources of one revision as their Kubernetes JSON, sorted by kind and name.
pub fn resources_value(view: &StateView) -> Value {
    let mut objects = view.objects();
    objects.sort_by(|a, b| {
        (a.kind().name(), a.metadata().name.as_str())
            .cmp(&(b.kind().name(), b.metadata().name.as_str()))
    });
    Value::Array(objects.iter().map(object_value).collect())
}

fn object_value(object: &Object) -> Value {
    to_value(object)
}

fn to_value<T: serde::Serialize>(value: &T) -> Value {
    // Invariant: model data has string map keys only and no serializer that can fail.
    serde_json::to_value(value).expect("model data serializes to JSON")
}

/// The canonical text of a state: its [`canonical_value`] with sorted keys, no spaces.
pub fn canonical_text(state: &SystemState) -> String {
    let mut out = String::new();
    write_sorted(&canonical_value(state), &mut out);
    out
}

/// The digest of a state: the first 8 bytes of the SHA-256 of its [`canonical_text`], as 16
/// hex digits.
pub fn canonical_digest(state: &SystemState) -> String {
    digest_of_text(&canonical_text(state))
}

/// The digest of a canonical text (16 hex digits).
pub fn digest_of_text(text: &str) -> String {
    let hash = Sha256::digest(text.as_bytes());
    hash[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `value` as JSON with every object's keys sorted (whatever order the map keeps).
fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_sorted(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests;
