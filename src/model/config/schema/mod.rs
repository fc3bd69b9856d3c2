//! Kubernetes' own field lists for the modelled kinds, one table per kind (written from the
//! API types in k8s.io/api and k8s.io/apimachinery), and the strict check that kubectl's
//! field validation makes: a field not in its type's table is an unknown field (an error,
//! with the nearest valid name); a field in the table that orchard does not model is reported
//! as ignored. A subtree orchard does not model at all (probes, affinity, security contexts)
//! is [`Shape::Opaque`]: reported once, as a whole, and not checked inside.

mod apps;
mod batch;
mod meta;
mod node;
mod pod;
mod storage;

use serde_json::Value;

use super::limits::{MAX_INTEGER, MAX_PERCENT};
use super::locate::{index, join};
use crate::model::resources::Kind;
use crate::model::suggest;

/// What a field holds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape {
    /// A scalar (string, number, boolean, quantity, int-or-string).
    Value,
    /// A whole number Kubernetes requires not to be negative (replicas, a status count).
    Count,
    /// An int-or-string: a count as [`Shape::Count`], or a percentage (`25%`).
    CountOrPercent,
    /// A list of scalars.
    Values,
    /// A mapping with keys of the author's choosing (labels, a resource list).
    Map,
    /// An object of a type.
    Object(&'static Type),
    /// A list of objects of a type.
    List(&'static Type),
    /// A Kubernetes type orchard does not model: its inside is not checked.
    Opaque,
}

/// One field of a Kubernetes type.
#[derive(Debug)]
pub(crate) struct Field {
    /// The JSON name.
    pub name: &'static str,
    /// What it holds.
    pub shape: Shape,
    /// Whether orchard's model reads it (otherwise it is reported as ignored).
    pub modelled: bool,
}

/// A Kubernetes type: its name and its fields.
#[derive(Debug)]
pub(crate) struct Type {
    /// The Go type's name, e.g. `PodSpec`.
    pub name: &'static str,
    /// Its fields, in the API's order.
    pub fields: &'static [Field],
}

/// A field orchard models.
pub(crate) const fn m(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        modelled: true,
    }
}

/// A field Kubernetes knows and orchard does not model.
pub(crate) const fn k(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        modelled: false,
    }
}

impl Type {
    fn field(&'static self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// The table of a kind's top-level object.
pub(crate) fn of_kind(kind: Kind) -> &'static Type {
    match kind {
        Kind::Node => &node::NODE,
        Kind::Pod => &pod::POD,
        Kind::ReplicaSet => &apps::REPLICA_SET,
        Kind::Deployment => &apps::DEPLOYMENT,
        Kind::StatefulSet => &apps::STATEFUL_SET,
        Kind::Job => &batch::JOB,
        Kind::ControllerRevision => &apps::CONTROLLER_REVISION,
        Kind::PersistentVolumeClaim => &storage::PERSISTENT_VOLUME_CLAIM,
    }
}

/// A field that is not in the Kubernetes schema of its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Unknown {
    /// Its path inside the manifest, e.g. `spec.repılicas`.
    pub path: String,
    /// The type it was found in, e.g. `StatefulSetSpec`.
    pub within: &'static str,
    /// The path of the nearest valid field, if one is near.
    pub suggestion: Option<String>,
}

impl Unknown {
    /// `unknown field; did you mean spec.replicas?` (the path prefixed by `prefix`).
    pub(crate) fn message(&self, prefix: &str) -> String {
        match &self.suggestion {
            Some(s) => format!("unknown field; did you mean {}?", join(prefix, s)),
            None => format!(
                "unknown field: {} has no such field in Kubernetes",
                self.within
            ),
        }
    }
}

/// A field whose value Kubernetes or orchard's limits refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// Its path inside the manifest.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// What the strict check of one manifest found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Fields not in the schema.
    pub unknown: Vec<Unknown>,
    /// Values out of range: a negative count, a number past [`MAX_INTEGER`], a percentage
    /// past [`MAX_PERCENT`].
    pub invalid: Vec<Invalid>,
    /// Paths of fields in the schema that orchard does not model.
    pub ignored: Vec<String>,
}

/// Checks a manifest of `kind` against the schema.
pub(crate) fn check(kind: Kind, manifest: &Value) -> Report {
    let mut report = Report::default();
    walk(of_kind(kind), manifest, "", false, &mut report);
    report
}

/// Walks `value` as a `ty`; inside an ignored field (`quiet`) only unknown fields are noted,
/// so that an ignored subtree is reported once.
fn walk(ty: &'static Type, value: &Value, path: &str, quiet: bool, report: &mut Report) {
    // A value of the wrong type is left to the reader of the struct, which names it.
    let Value::Object(map) = value else { return };
    for (key, inner) in map {
        let at = join(path, key);
        let Some(field) = ty.field(key) else {
            let suggestion = suggest::closest(key, ty.fields.iter().map(|f| f.name))
                .map(|name| join(path, name));
            report.unknown.push(Unknown {
                path: at,
                within: ty.name,
                suggestion,
            });
            continue;
        };
        if !field.modelled && !quiet && !is_zero(inner) {
            report.ignored.push(at.clone());
        }
        if field.modelled
            && let Some(message) = out_of_range(field.shape, inner)
        {
            report.invalid.push(Invalid {
                path: at.clone(),
                message,
            });
        }
        let quiet = quiet || !field.modelled;
        match (field.shape, inner) {
            (Shape::Object(inner_ty), _) => walk(inner_ty, inner, &at, quiet, report),
            (Shape::List(inner_ty), Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    walk(inner_ty, item, &index(&at, i), quiet, report);
                }
            }
            _ => {}
        }
    }
}

/// Why a modelled scalar is out of range, if it is: every whole number within
/// ±[`MAX_INTEGER`] (so that no arithmetic on it overflows), a count not negative, a
/// count's percentage within [`MAX_PERCENT`].
fn out_of_range(shape: Shape, value: &Value) -> Option<String> {
    match (shape, value) {
        (Shape::Value | Shape::Count | Shape::CountOrPercent, Value::Number(n)) => {
            let whole = n.as_i64();
            let beyond = match whole {
                Some(v) => v.unsigned_abs() > MAX_INTEGER.unsigned_abs(),
                None => {
                    n.as_u64().is_some() || n.as_f64().is_some_and(|f| f.abs() > MAX_INTEGER as f64)
                }
            };
            if beyond {
                return Some(format!("{n} is past the limit of {MAX_INTEGER}"));
            }
            let count = matches!(shape, Shape::Count | Shape::CountOrPercent);
            match whole {
                Some(v) if count && v < 0 => Some(format!("must not be negative ({v})")),
                None if count => Some(format!("must be a whole number ({n})")),
                _ => None,
            }
        }
        (Shape::CountOrPercent, Value::String(text)) => {
            let Some(number) = text.strip_suffix('%') else {
                return Some(format!(
                    "`{text}` is neither a count nor a percentage (e.g. 2 or 25%)"
                ));
            };
            match number.trim().parse::<i64>() {
                Ok(p) if (0..=MAX_PERCENT).contains(&p) => None,
                Ok(p) if p < 0 => Some(format!("must not be negative ({text})")),
                Ok(_) => Some(format!("{text} is past the limit of {MAX_PERCENT}%")),
                Err(_) => Some(format!("`{text}` is not a percentage (e.g. 25%)")),
            }
        }
        _ => None,
    }
}

/// Whether a value is its type's zero (null, false, 0, empty): an unmodelled field set so
/// behaves in Kubernetes as in orchard, and is not reported.
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
    }
}

#[cfg(test)]
mod tests;
