//! The API server's validation, as Kubernetes' `pkg/apis/*/validation/validation.go` does it,
//! for the fields orchard models: every create and update through the API is checked after
//! defaulting, and an invalid object is refused with the list of causes Kubernetes gives
//! (`spec.replicas: Invalid value: -1: must be greater than or equal to 0`), the field path
//! of each cause included, as a `422 Invalid` Status carries them.
//!
//! One file per group of kinds: `pod.rs` (pods and every pod template), `apps.rs`
//! (ReplicaSet, Deployment, StatefulSet, ControllerRevision), `job.rs`.

mod apps;
mod job;
mod pod;

use std::collections::BTreeMap;
use std::fmt;

use crate::model::resources::{
    ControllerRevision, Deployment, Job, LabelSelector, Metadata, Node, Object,
    PersistentVolumeClaim, Pod, ReplicaSet, Resource, StatefulSet,
};
use crate::with_object;

/// Why a field is refused: Kubernetes' `field.ErrorType`, as the `reason` of a `StatusCause`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CauseType {
    /// `FieldValueInvalid`: a value out of range, an immutable field changed.
    Invalid,
    /// `FieldValueRequired`: a required field is missing.
    Required,
    /// `FieldValueNotSupported`: a value outside a fixed set.
    NotSupported,
    /// `FieldValueForbidden`: a field that may not be set (or changed) here.
    Forbidden,
    /// `FieldValueDuplicate`: a name given twice in a list.
    Duplicate,
}

impl CauseType {
    /// The `reason` of a Kubernetes `StatusCause`.
    pub fn reason(self) -> &'static str {
        match self {
            CauseType::Invalid => "FieldValueInvalid",
            CauseType::Required => "FieldValueRequired",
            CauseType::NotSupported => "FieldValueNotSupported",
            CauseType::Forbidden => "FieldValueForbidden",
            CauseType::Duplicate => "FieldValueDuplicate",
        }
    }
}

/// One refused field: its path, the kind of refusal and Kubernetes' message for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cause {
    /// The kind of refusal.
    pub kind: CauseType,
    /// The field's path, e.g. `spec.template.spec.restartPolicy`.
    pub field: String,
    /// The message without the path, e.g. `Invalid value: -1: must be greater than or equal
    /// to 0`.
    pub message: String,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl Cause {
    /// `Invalid value: VALUE: DETAIL`.
    pub fn invalid(field: &str, value: impl fmt::Display, detail: &str) -> Cause {
        Cause {
            kind: CauseType::Invalid,
            field: field.to_string(),
            message: format!("Invalid value: {value}: {detail}"),
        }
    }

    /// `Required value` (with a detail when there is one).
    pub fn required(field: &str, detail: &str) -> Cause {
        let message = if detail.is_empty() {
            "Required value".to_string()
        } else {
            format!("Required value: {detail}")
        };
        Cause {
            kind: CauseType::Required,
            field: field.to_string(),
            message,
        }
    }

    /// `Unsupported value: "VALUE": supported values: "A", "B"`.
    pub fn not_supported(field: &str, value: &str, supported: &[&str]) -> Cause {
        let supported: Vec<String> = supported.iter().map(|s| format!("\"{s}\"")).collect();
        Cause {
            kind: CauseType::NotSupported,
            field: field.to_string(),
            message: format!(
                "Unsupported value: \"{value}\": supported values: {}",
                supported.join(", ")
            ),
        }
    }

    /// `Forbidden: DETAIL`.
    pub fn forbidden(field: &str, detail: &str) -> Cause {
        Cause {
            kind: CauseType::Forbidden,
            field: field.to_string(),
            message: format!("Forbidden: {detail}"),
        }
    }

    /// `Duplicate value: "VALUE"`.
    pub fn duplicate(field: &str, value: &str) -> Cause {
        Cause {
            kind: CauseType::Duplicate,
            field: field.to_string(),
            message: format!("Duplicate value: \"{value}\""),
        }
    }
}

/// The causes found so far for one object.
pub type Causes = Vec<Cause>;

/// A kind the API server validates: its own checks on create, and those of an update.
pub trait Validated: Resource {
    /// The checks of the kind's spec (run on create, and on an update that changes the spec).
    fn check(&self, out: &mut Causes);
    /// The checks of an update from `old` (immutable fields), after [`Validated::check`].
    fn check_update(&self, _old: &Self, _out: &mut Causes) {}
}

impl Validated for Pod {
    fn check(&self, out: &mut Causes) {
        pod::pod(self, out);
    }
    fn check_update(&self, old: &Self, out: &mut Causes) {
        pod::pod_update(self, old, out);
    }
}

impl Validated for ReplicaSet {
    fn check(&self, out: &mut Causes) {
        apps::replicaset(self, out);
    }
    fn check_update(&self, old: &Self, out: &mut Causes) {
        immutable(
            "spec.selector",
            &self.spec.selector,
            &old.spec.selector,
            out,
        );
    }
}

impl Validated for Deployment {
    fn check(&self, out: &mut Causes) {
        apps::deployment(self, out);
    }
    fn check_update(&self, old: &Self, out: &mut Causes) {
        immutable(
            "spec.selector",
            &self.spec.selector,
            &old.spec.selector,
            out,
        );
    }
}

impl Validated for StatefulSet {
    fn check(&self, out: &mut Causes) {
        apps::statefulset(self, out);
    }
    fn check_update(&self, old: &Self, out: &mut Causes) {
        apps::statefulset_update(self, old, out);
    }
}

impl Validated for Job {
    fn check(&self, out: &mut Causes) {
        job::job(self, out);
    }
    fn check_update(&self, old: &Self, out: &mut Causes) {
        job::job_update(self, old, out);
    }
}

impl Validated for ControllerRevision {
    fn check(&self, out: &mut Causes) {
        nonnegative("revision", self.revision >= 0, self.revision, out);
    }
    fn check_update(&self, old: &Self, out: &mut Causes) {
        if self.data != old.data {
            out.push(Cause::invalid(
                "data",
                "(the new data)",
                "field is immutable",
            ));
        }
    }
}

impl Validated for Node {
    fn check(&self, _out: &mut Causes) {}
}

impl Validated for PersistentVolumeClaim {
    fn check(&self, _out: &mut Causes) {}
}

/// Validates `new` as the API server does on a create (`old` is `None`) or an update of `old`.
/// An update that leaves the spec as stored is checked only in its metadata: the stored spec
/// passed when it was written. Returns every cause, in field order; empty when valid.
pub fn validate_resource<R: Validated>(new: &R, old: Option<&R>) -> Vec<Cause> {
    let mut out = Causes::new();
    meta(new.metadata(), &mut out);
    match old {
        None => new.check(&mut out),
        Some(old) if new.spec_differs(old) => {
            new.check(&mut out);
            new.check_update(old, &mut out);
        }
        Some(_) => {}
    }
    out
}

/// [`validate_resource`] for an object of any kind (`old` of the same kind, or `None`).
pub fn validate(new: &Object, old: Option<&Object>) -> Vec<Cause> {
    with_object!(new, r => validate_resource(r, old.and_then(|o| same_kind(r, o))))
}

fn same_kind<'a, R: Resource>(_: &R, old: &'a Object) -> Option<&'a R> {
    R::from_object(old)
}

/// `ValidateObjectMeta`: a name (a DNS subdomain: lowercase letters, digits, `-` and `.`, a
/// letter or digit at each end, at most 253 characters) or a `generateName`.
fn meta(meta: &Metadata, out: &mut Causes) {
    if meta.name.is_empty() {
        if meta.generate_name.is_empty() {
            out.push(Cause::required(
                "metadata.name",
                "name or generateName is required",
            ));
        }
        return;
    }
    if let Err(why) = dns_subdomain(&meta.name) {
        out.push(Cause::invalid(
            "metadata.name",
            format!("\"{}\"", meta.name),
            &why,
        ));
    }
}

/// Kubernetes' `IsDNS1123Subdomain`, with its message.
pub(crate) fn dns_subdomain(name: &str) -> Result<(), String> {
    const MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case \
        alphanumeric characters, '-' or '.', and must start and end with an alphanumeric \
        character";
    if name.len() > 253 {
        return Err("must be no more than 253 characters".into());
    }
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes = name.as_bytes();
    let ok = bytes.first().is_some_and(|c| alnum(*c))
        && bytes.last().is_some_and(|c| alnum(*c))
        && bytes.iter().all(|c| alnum(*c) || *c == b'-' || *c == b'.');
    if ok { Ok(()) } else { Err(MESSAGE.into()) }
}

/// `ValidateNonnegativeField`: `ok` when `value` is at least 0.
fn nonnegative(field: &str, ok: bool, value: impl fmt::Display, out: &mut Causes) {
    if !ok {
        out.push(Cause::invalid(
            field,
            value,
            "must be greater than or equal to 0",
        ));
    }
}

/// A count that must not be negative (`replicas`, `parallelism`, ...), when set.
fn count(field: &str, value: Option<i32>, out: &mut Causes) {
    if let Some(v) = value {
        nonnegative(field, v >= 0, v, out);
    }
}

/// `ValidateImmutableField`.
fn immutable<T: PartialEq + serde::Serialize>(field: &str, new: &T, old: &T, out: &mut Causes) {
    if new != old {
        let shown = serde_json::to_string(new).unwrap_or_default();
        out.push(Cause::invalid(field, shown, "field is immutable"));
    }
}

/// A workload's selector: not empty, and it selects the template's labels
/// (`ValidatePodTemplateSpecForReplicaSet` and its siblings).
fn selector_selects(
    selector: &LabelSelector,
    labels: &BTreeMap<String, String>,
    what: &str,
    out: &mut Causes,
) {
    if selector.is_empty() {
        out.push(Cause::required(
            "spec.selector",
            &format!("empty selector is invalid for {what}"),
        ));
        return;
    }
    if !selector.matches(labels) {
        out.push(Cause::invalid(
            "spec.template.metadata.labels",
            serde_json::to_string(labels).unwrap_or_default(),
            "`selector` does not match template `labels`",
        ));
    }
}

#[cfg(test)]
mod tests;
