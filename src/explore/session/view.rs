//! A state as data for the screen: resources by kind with their fields flattened
//! (`spec.nodeName`), each controller's local state likewise, and field-by-field diffs between
//! two states.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::resources::Kind;
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};

/// A flattened field: its dotted path and its value as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// `spec.nodeName`, `metadata.labels.app`, `spec.containers[0].image`.
    pub path: String,
    /// The value (strings without quotes).
    pub value: String,
}

/// One resource, its fields flattened in path order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceView {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

impl ResourceView {
    /// `Pod/web-0`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.kind.name(), self.name)
    }
}

/// The resources of one kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindView {
    /// The kind.
    pub kind: Kind,
    /// Its resources, by name.
    pub resources: Vec<ResourceView>,
}

/// A controller's local state, flattened: `session.read`, `running.web-0.uid`, `caches.pods`,
/// `expectations.StatefulSet/web.creations[0]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalView {
    /// The controller's name.
    pub controller: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// Flattened fields by path.
pub type Fields = BTreeMap<String, String>;

/// The resources of a state's latest revision, by kind (in [`Kind::ALL`] order, kinds with no
/// resource left out), each by name.
pub fn resources(state: &SystemState) -> Vec<KindView> {
    resources_of(&state.latest())
}

/// The resources of one revision's state, by kind, as [`resources`] gives the latest's.
pub fn resources_of(latest: &StateView) -> Vec<KindView> {
    let mut by_kind: BTreeMap<usize, Vec<ResourceView>> = BTreeMap::new();
    for object in latest.objects() {
        let kind = object.kind();
        by_kind.entry(kind.index()).or_default().push(ResourceView {
            kind,
            name: object.name().to_string(),
            fields: to_fields(&object_value(&object)),
        });
    }
    by_kind
        .into_values()
        .map(|mut resources| {
            resources.sort_by(|a, b| a.name.cmp(&b.name));
            KindView {
                kind: resources[0].kind,
                resources,
            }
        })
        .collect()
}

/// Every resource of a state's latest revision as `Kind/name` and its fields.
pub fn resource_fields(state: &SystemState) -> BTreeMap<String, Fields> {
    resource_fields_of(&state.latest())
}

/// Every resource of one revision's state as `Kind/name` and its fields.
pub fn resource_fields_of(view: &StateView) -> BTreeMap<String, Fields> {
    view.objects()
        .iter()
        .map(|o| {
            let key = format!("{}/{}", o.kind().name(), o.name());
            (key, flatten(&object_value(o)))
        })
        .collect()
}

/// Each controller's local state, in configuration order.
pub fn locals(system: &System, state: &SystemState) -> Vec<LocalView> {
    (0..system.controller_count())
        .map(|i| LocalView {
            controller: system.controller_name(i).to_string(),
            fields: to_fields(&local_value(state, i)),
        })
        .collect()
}

/// Controller `i`'s local state, flattened.
pub fn local_fields(state: &SystemState, i: usize) -> Fields {
    flatten(&local_value(state, i))
}

fn to_fields(value: &Value) -> Vec<Field> {
    flatten(value)
        .into_iter()
        .map(|(path, value)| Field { path, value })
        .collect()
}

/// One resource's fields, flattened.
pub fn object_fields(object: &crate::model::resources::Object) -> Fields {
    flatten(&object_value(object))
}

fn object_value(object: &crate::model::resources::Object) -> Value {
    // Invariant: resources are plain data with string keys; they serialize.
    let mut value = serde_json::to_value(object).expect("a resource serializes");
    if let Value::Object(map) = &mut value {
        map.remove("kind");
        map.remove("apiVersion");
    }
    value
}

fn local_value(state: &SystemState, i: usize) -> Value {
    let local = &state.locals[i];
    // Invariant: a local state is plain data with string keys; it serializes.
    let mut value = serde_json::to_value(&**local).expect("a local state serializes");
    if let Value::Object(map) = &mut value {
        let caches: serde_json::Map<String, Value> = Kind::ALL
            .iter()
            .filter_map(|k| {
                local.caches[k.index()].map(|r| (k.plural().to_string(), Value::from(r)))
            })
            .collect();
        if caches.is_empty() {
            map.remove("caches");
        } else {
            map.insert("caches".into(), Value::Object(caches));
        }
        if let Some(Value::Object(session)) = map.get_mut("session") {
            if let Some(read) = &local.session.read {
                session.insert("read".into(), Value::from(read.to_string()));
            }
            if let Some(w) = local.session.last_write {
                session.insert("lastWrite".into(), Value::from(format!("r{w}")));
            }
        }
    }
    value
}

/// Flattens a JSON value into dotted paths; arrays as `[i]`; empty objects and arrays kept as
/// `{}` and `[]`, nulls left out.
pub fn flatten(value: &Value) -> Fields {
    let mut out = Fields::new();
    walk(value, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut Fields) {
    match value {
        Value::Null => {}
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                walk(v, p, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for (i, v) in items.iter().enumerate() {
                walk(v, format!("{path}[{i}]"), out);
            }
        }
        Value::String(s) => {
            out.insert(path, s.clone());
        }
        other => {
            out.insert(path, other.to_string());
        }
    }
}

/// The value at `path` in flattened fields: the field itself, or, for a path above several
/// fields, what lies under it in one line (`web-0` for `running`, `app=web` for
/// `metadata.labels`); `None` when nothing is there.
pub fn value_at(fields: &Fields, path: &str) -> Option<String> {
    if path.is_empty() {
        return None;
    }
    if let Some(v) = fields.get(path) {
        return Some(v.clone());
    }
    let prefix = format!("{path}.");
    let mut parts: Vec<String> = Vec::new();
    for (k, v) in fields.range(prefix.clone()..) {
        let Some(rest) = k.strip_prefix(&prefix) else {
            break;
        };
        let part = match rest.split_once('.') {
            Some((head, _)) => head.to_string(),
            None => format!("{rest}={v}"),
        };
        if parts.last() != Some(&part) {
            parts.push(part);
        }
    }
    let indexed = format!("{path}[");
    for (k, v) in fields.range(indexed.clone()..) {
        if !k.starts_with(&indexed) {
            break;
        }
        parts.push(format!("{}={v}", &k[path.len()..]));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// How a resource or local state differs between two states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the second.
    Added,
    /// Only in the first.
    Removed,
    /// In both, with fields that differ.
    Changed,
}

/// One field that differs: its old and new values (`None`: absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's path.
    pub path: String,
    /// Before.
    pub old: Option<String>,
    /// After.
    pub new: Option<String>,
}

impl FieldChange {
    /// `spec.nodeName: node-1 -> node-2` (`-` for absent).
    pub fn line(&self) -> String {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        format!("{}: {} -> {}", self.path, show(&self.old), show(&self.new))
    }
}

/// The difference of one resource (`Pod/web-0`) or one controller's local state (`node-1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryDiff {
    /// `Pod/web-0`, or the controller's name for a local state.
    pub key: String,
    /// Whether it is a controller's local state.
    pub local: bool,
    /// Added, removed or changed.
    pub change: Change,
    /// The fields that differ, by path.
    pub fields: Vec<FieldChange>,
}

/// Two states' differences: resources (latest revisions) first, by key, then local states in
/// configuration order.
pub fn diff(system: &System, a: &SystemState, b: &SystemState) -> Vec<EntryDiff> {
    let mut out = Vec::new();
    let (ra, rb) = (resource_fields(a), resource_fields(b));
    let keys: std::collections::BTreeSet<&String> = ra.keys().chain(rb.keys()).collect();
    for key in keys {
        out.extend(diff_entry(key, false, ra.get(key), rb.get(key)));
    }
    for i in 0..system.controller_count() {
        if a.locals[i] == b.locals[i] {
            continue;
        }
        let (la, lb) = (local_fields(a, i), local_fields(b, i));
        out.extend(diff_entry(
            system.controller_name(i),
            true,
            Some(&la),
            Some(&lb),
        ));
    }
    out
}

/// Two revisions' states' differences, resources only, by key (a revision holds no local
/// state).
pub fn diff_views(a: &StateView, b: &StateView) -> Vec<EntryDiff> {
    let (ra, rb) = (resource_fields_of(a), resource_fields_of(b));
    let keys: std::collections::BTreeSet<&String> = ra.keys().chain(rb.keys()).collect();
    keys.into_iter()
        .filter_map(|key| diff_entry(key, false, ra.get(key), rb.get(key)))
        .collect()
}

fn diff_entry(key: &str, local: bool, a: Option<&Fields>, b: Option<&Fields>) -> Option<EntryDiff> {
    let empty = Fields::new();
    let change = match (a, b) {
        (None, Some(_)) => Change::Added,
        (Some(_), None) => Change::Removed,
        _ => Change::Changed,
    };
    let (a, b) = (a.unwrap_or(&empty), b.unwrap_or(&empty));
    let paths: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let fields: Vec<FieldChange> = paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| FieldChange {
            path: p.clone(),
            old: a.get(p).cloned(),
            new: b.get(p).cloned(),
        })
        .collect();
    (!fields.is_empty()).then(|| EntryDiff {
        key: key.to_string(),
        local,
        change,
        fields,
    })
}

/// A diff as text, one entry per paragraph: `~ Pod/web-0` (`+` added, `-` removed, `~`
/// changed; `(local)` after a controller's local state), then `  path: old -> new`.
pub fn diff_text(diffs: &[EntryDiff]) -> String {
    let mut out = String::new();
    for d in diffs {
        let sign = match d.change {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Changed => '~',
        };
        let local = if d.local { " (local state)" } else { "" };
        out.push_str(&format!("{sign} {}{local}\n", d.key));
        for f in &d.fields {
            out.push_str(&format!("    {}\n", f.line()));
        }
    }
    if out.is_empty() {
        out.push_str("no difference\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattening_keeps_paths_and_a_parent_path_summarises() {
        let v: Value = serde_json::json!({
            "spec": {"nodeName": "node-1", "containers": [{"image": "nginx:1"}]},
            "running": {"web-0": {"uid": "u1"}},
            "labels": {"app": "web"},
            "gone": null
        });
        let f = flatten(&v);
        assert_eq!(f["spec.nodeName"], "node-1");
        assert_eq!(f["spec.containers[0].image"], "nginx:1");
        assert!(!f.contains_key("gone"));
        assert_eq!(value_at(&f, "running").as_deref(), Some("web-0"));
        assert_eq!(value_at(&f, "labels").as_deref(), Some("app=web"));
        assert_eq!(value_at(&f, "spec.nodeName").as_deref(), Some("node-1"));
        assert_eq!(value_at(&f, "nothing"), None);
    }
}
