//! Store revisions and model revisions: the same history counted from another start. An
//! object's `resourceVersion` and a status' `observedRevision` (the revision a controller's
//! view stood at) are shifted; uids, generated names and deletion timestamps are made from
//! the model's revision already (the API server's stamp).

use crate::model::resources::{Object, Revision};

/// The object with its revisions moved by `offset`: down (store to model) or, with `up`,
/// up (model to store).
pub fn shift(object: &Object, offset: Revision, up: bool) -> Object {
    let map = |r: Revision| {
        if up {
            r + offset
        } else {
            r.saturating_sub(offset)
        }
    };
    let mut object = object.clone();
    let rv = object.metadata().resource_version;
    object.metadata_mut().resource_version = map(rv);
    let observed = match &mut object {
        Object::Deployment(d) => &mut d.status.observed_revision,
        Object::Job(j) => &mut j.status.observed_revision,
        Object::ReplicaSet(r) => &mut r.status.observed_revision,
        Object::StatefulSet(s) => &mut s.status.observed_revision,
        _ => return object,
    };
    *observed = observed.map(map);
    object
}

/// Where two versions of one resource first differ, as a JSON path with both values
/// (`status.nodeInfo: "a" in the store, "b" in the model`), for a refused step's note.
pub fn first_difference(store: Option<&Object>, model: Option<&Object>) -> String {
    let value = |o: Option<&Object>| {
        o.map_or(serde_json::Value::Null, |o| {
            serde_json::to_value(o).unwrap_or(serde_json::Value::Null)
        })
    };
    let (a, b) = (value(store), value(model));
    match differ(&a, &b, String::new()) {
        Some((path, a, b)) => format!(
            "{}: {a} in the store, {b} in the model",
            if path.is_empty() { "the object" } else { &path }
        ),
        None => "equal as JSON (a field that does not serialize)".into(),
    }
}

fn differ(
    a: &serde_json::Value,
    b: &serde_json::Value,
    at: String,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    let join = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let none = Value::Null;
                differ(
                    x.get(k).unwrap_or(&none),
                    y.get(k).unwrap_or(&none),
                    join(k),
                )
            })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| differ(p, q, format!("{at}[{i}]"))),
        _ if a == b => None,
        _ => Some((at, short(a), short(b))),
    }
}

fn short(v: &serde_json::Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::StatefulSet;

    #[test]
    fn a_shift_down_and_up_is_the_object_again() {
        let mut s = StatefulSet::default();
        s.metadata.resource_version = 9;
        s.status.observed_revision = Some(7);
        let object = Object::StatefulSet(s);
        let down = shift(&object, 5, false);
        assert_eq!(down.metadata().resource_version, 4);
        let Object::StatefulSet(d) = &down else {
            unreachable!()
        };
        assert_eq!(d.status.observed_revision, Some(2));
        assert_eq!(shift(&down, 5, true), object);
    }
}
