//! The field-level difference between the model's state and a target's, both in the model's
//! terms: every field that differs, named by object and JSON path, with both values.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::model::state::StateView;

/// One field that differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldDiff {
    /// The object and the field: `Pod/web-1 .status.phase`; an object missing on one side is
    /// named without a field.
    pub field: String,
    /// The model's value (`null`: absent).
    pub model: Value,
    /// The target's value (`null`: absent).
    pub target: Value,
}

impl std::fmt::Display for FieldDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: model {}, target {}",
            self.field,
            short(&self.model),
            short(&self.target)
        )
    }
}

/// A value on one line, long ones cut.
fn short(value: &Value) -> String {
    let text = match value {
        Value::Null => "absent".to_string(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn objects(state: &StateView) -> BTreeMap<String, Value> {
    state
        .objects()
        .into_iter()
        .map(|o| {
            let name = format!("{}/{}", o.kind().name(), o.metadata().name);
            (name, serde_json::to_value(&o).unwrap_or(Value::Null))
        })
        .collect()
}

/// Every differing field, objects in kind and name order.
pub fn diff(model: &StateView, target: &StateView) -> Vec<FieldDiff> {
    let model = objects(model);
    let target = objects(target);
    let mut out = Vec::new();
    let names: std::collections::BTreeSet<&String> = model.keys().chain(target.keys()).collect();
    for name in names {
        match (model.get(name), target.get(name)) {
            (Some(m), Some(t)) => values(name, "", m, t, &mut out),
            (m, t) => out.push(FieldDiff {
                field: name.clone(),
                model: m
                    .cloned()
                    .map_or(Value::Null, |_| Value::String("present".into())),
                target: t
                    .cloned()
                    .map_or(Value::Null, |_| Value::String("present".into())),
            }),
        }
    }
    out
}

fn values(object: &str, path: &str, model: &Value, target: &Value, out: &mut Vec<FieldDiff>) {
    if model == target {
        return;
    }
    match (model, target) {
        (Value::Object(m), Value::Object(t)) => {
            let keys: std::collections::BTreeSet<&String> = m.keys().chain(t.keys()).collect();
            for key in keys {
                let null = Value::Null;
                values(
                    object,
                    &format!("{path}.{key}"),
                    m.get(key).unwrap_or(&null),
                    t.get(key).unwrap_or(&null),
                    out,
                );
            }
        }
        (Value::Array(m), Value::Array(t)) if m.len() == t.len() => {
            for (i, (a, b)) in m.iter().zip(t).enumerate() {
                values(object, &format!("{path}[{i}]"), a, b, out);
            }
        }
        _ => out.push(FieldDiff {
            field: format!("{object} {path}"),
            model: model.clone(),
            target: target.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Object, Pod};

    #[test]
    fn a_changed_field_and_a_missing_object_are_named() {
        let mut pod = Pod::default();
        pod.metadata.name = "web-0".into();
        let mut other = pod.clone();
        other.spec.node_name = Some("node-1".into());
        let mut extra = Pod::default();
        extra.metadata.name = "web-1".into();
        let model = StateView::from_objects([Object::Pod(pod.clone())]);
        let target = StateView::from_objects([Object::Pod(other), Object::Pod(extra)]);
        let found = diff(&model, &target);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].field, "Pod/web-0 .spec.nodeName");
        assert_eq!(found[0].target, Value::String("node-1".into()));
        assert_eq!(found[1].field, "Pod/web-1");
        assert_eq!(found[1].model, Value::Null);
        assert!(diff(&model, &model).is_empty());
    }
}
