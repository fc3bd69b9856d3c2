//! The write verbs: POST (create), PUT (update, with `resourceVersion` as a precondition),
//! PATCH (JSON merge patch; a strategic merge patch is read as one) and DELETE (graceful,
//! with `DeleteOptions`). Each becomes one model [`Operation`] sent through the
//! [`crate::runtime::ApiServer`], so the model's apply rules decide, as for the controllers'
//! writes. As in Kubernetes, a write to the object leaves its status as stored and a write
//! to `/status` leaves everything else; an update or patch that names no `resourceVersion`
//! is retried when a controller got in first, one that names one gets the 409.

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json::{from_kube, parse_body, stored_to_kube, to_kube};
use super::read::stored;
use super::routes::{has_status, namespaced};
use super::server::{Context, Reply, Request};
use super::status::{Failure, deleted};
use super::validate::validate;
use crate::model::api::ApplyError;
use crate::model::operation::Operation;
use crate::model::resources::Kind;
use crate::runtime::ApiError;
use crate::store::Key;

/// How many times an update without a precondition is retried on a conflict.
const RETRIES: usize = 8;

/// The object a request names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The kind.
    pub kind: Kind,
    /// The namespace (`None` for a cluster-scoped kind).
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl Target {
    /// The store key.
    pub fn key(&self) -> Key {
        Key {
            kind: self.kind,
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }
}

fn json_body(request: &Request) -> Result<Value, Failure> {
    match request.content_type.as_str() {
        "application/json" | "" => parse_body(&request.body),
        other => Err(Failure::unsupported_media_type(format!(
            "the body of {} {} is `{other}`; this server reads application/json",
            request.method, request.path
        ))),
    }
}

/// POST: creates the object sent (its status is the controllers' to write).
pub async fn create(
    ctx: &Context,
    request: &Request,
    kind: Kind,
    namespace: Option<String>,
) -> Result<Reply, Failure> {
    let mut value = json_body(request)?;
    if let Value::Object(map) = &mut value {
        map.remove("status");
    }
    let namespace = namespace.filter(|_| namespaced(kind));
    let object = from_kube(value, kind, namespace.as_deref(), None)?;
    validate(&object, true)?;
    let accepted = ctx.api.apply(&Operation::Create(object)).await?;
    let object = accepted
        .object
        .ok_or_else(|| Failure::internal("the create left no object"))?;
    Ok(Reply::Json(
        StatusCode::CREATED,
        to_kube(&object, accepted.revision),
    ))
}

/// What part of an object a write may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// All but the status.
    Object,
    /// Only the status.
    Status,
}

impl From<super::routes::Subresource> for Part {
    fn from(sub: super::routes::Subresource) -> Part {
        match sub {
            super::routes::Subresource::Status => Part::Status,
            _ => Part::Object,
        }
    }
}

/// The new form of an object from its stored form, and whether the client pinned a
/// `resourceVersion` (a precondition: no retry on conflict).
pub type Edit<'a> = dyn Fn(Value) -> Result<(Value, bool), Failure> + Send + Sync + 'a;

fn has_version(value: &Value) -> bool {
    value
        .get("metadata")
        .and_then(|m| m.get("resourceVersion"))
        .is_some_and(|v| !v.is_null() && v != "")
}

/// Reads the object, edits its Kubernetes form, and sends the result as an update; retried
/// while a concurrent writer wins and the client pinned no version.
pub async fn replace(
    ctx: &Context,
    target: &Target,
    part: Part,
    edit: &Edit<'_>,
) -> Result<Reply, Failure> {
    let mut last = None;
    for _ in 0..RETRIES {
        let stored = stored(ctx, target).await?;
        let current = stored_to_kube(&stored);
        let (mut next, pinned) = edit(current.clone())?;
        let (Value::Object(next_map), Value::Object(current_map)) = (&mut next, &current) else {
            return Err(Failure::bad_request("the object is not a JSON object"));
        };
        if has_status(target.kind) {
            match part {
                Part::Object => match current_map.get("status") {
                    Some(status) => {
                        next_map.insert("status".into(), status.clone());
                    }
                    None => {
                        next_map.remove("status");
                    }
                },
                Part::Status => {
                    let status = next_map.remove("status");
                    let version = next_map
                        .get("metadata")
                        .and_then(|m| m.get("resourceVersion"))
                        .cloned();
                    *next_map = current_map.clone();
                    if let Some(status) = status {
                        next_map.insert("status".into(), status);
                    }
                    if let (Some(version), Some(Value::Object(meta))) =
                        (version, next_map.get_mut("metadata"))
                    {
                        meta.insert("resourceVersion".into(), version);
                    }
                }
            }
        }
        if !pinned && let Some(Value::Object(meta)) = next_map.get_mut("metadata") {
            meta.insert(
                "resourceVersion".into(),
                json!(stored.mod_revision.to_string()),
            );
        }
        let object = from_kube(
            next,
            target.kind,
            target.namespace.as_deref(),
            Some(&target.name),
        )?;
        validate(&object, false)?;
        match ctx.api.apply(&Operation::Update(object)).await {
            Ok(accepted) => {
                let object = accepted
                    .object
                    .ok_or_else(|| Failure::internal("the update left no object"))?;
                return Ok(Reply::Json(
                    StatusCode::OK,
                    to_kube(&object, stored.create_revision),
                ));
            }
            Err(e @ ApiError::Rejected(ApplyError::Conflict { .. })) if !pinned => {
                last = Some(e);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(last.map_or_else(|| Failure::conflict("still conflicting"), Failure::from))
}

/// PUT: replaces the object (or its status) with the one sent.
pub async fn update(
    ctx: &Context,
    request: &Request,
    target: &Target,
    sub: super::routes::Subresource,
) -> Result<Reply, Failure> {
    let body = json_body(request)?;
    let pinned = has_version(&body);
    replace(ctx, target, sub.into(), &move |_| {
        Ok((body.clone(), pinned))
    })
    .await
}

/// RFC 7386: `patch` merged into `target` (null removes a key; anything but an object
/// replaces).
pub fn merge_patch(target: Value, patch: &Value) -> Value {
    let Value::Object(patch) = patch else {
        return patch.clone();
    };
    let mut target = match target {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for (key, value) in patch {
        if value.is_null() {
            target.remove(key);
        } else {
            let old = target.remove(key).unwrap_or(Value::Null);
            target.insert(key.clone(), merge_patch(old, value));
        }
    }
    Value::Object(target)
}

/// Reads a patch body: a merge patch, or a strategic merge patch read as one (lists are
/// replaced whole rather than merged by key; the `$`-directives are ignored).
pub fn patch_body(request: &Request) -> Result<Value, Failure> {
    match request.content_type.as_str() {
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            parse_body(&request.body)
        }
        other => Err(Failure::unsupported_media_type(format!(
            "PATCH {} with `{other}`: this server takes application/merge-patch+json and \
             application/strategic-merge-patch+json",
            request.path
        ))),
    }
}

/// PATCH: merges the patch into the stored object (or its status).
pub async fn patch(
    ctx: &Context,
    request: &Request,
    target: &Target,
    sub: super::routes::Subresource,
) -> Result<Reply, Failure> {
    let patch = patch_body(request)?;
    let pinned = has_version(&patch);
    let edit = move |current: Value| Ok((merge_patch(current, &patch), pinned));
    replace(ctx, target, sub.into(), &edit).await
}

/// `DeleteOptions`, the parts that matter here.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DeleteOptions {
    grace_period_seconds: Option<i64>,
    preconditions: Option<Preconditions>,
    propagation_policy: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Preconditions {
    uid: Option<String>,
    resource_version: Option<String>,
}

/// DELETE: graceful (the node finishes a running pod; finalizers hold the object), or at once
/// with `gracePeriodSeconds: 0`.
pub async fn delete(ctx: &Context, request: &Request, target: &Target) -> Result<Reply, Failure> {
    let options: DeleteOptions = if request.body.is_empty() {
        DeleteOptions::default()
    } else {
        serde_json::from_value(json_body(request)?)
            .map_err(|e| Failure::bad_request(format!("the DeleteOptions do not read: {e}")))?
    };
    if let Some(policy) = &options.propagation_policy
        && !matches!(policy.as_str(), "Orphan" | "Background" | "Foreground")
    {
        return Err(Failure::bad_request(format!(
            "propagationPolicy `{policy}` is not Orphan, Background or Foreground"
        )));
    }
    let stored = stored(ctx, target).await?;
    let mut object = stored.object.clone();
    if let Some(pre) = &options.preconditions {
        if let Some(uid) = &pre.uid {
            object.metadata_mut().uid = uid.clone();
        }
        if let Some(version) = &pre.resource_version
            && *version != stored.mod_revision.to_string()
        {
            return Err(Failure::conflict(format!(
                "Precondition failed: ResourceVersion in precondition: {version}, \
                 ResourceVersion in object meta: {}",
                stored.mod_revision
            )));
        }
    }
    let operation = match options.grace_period_seconds {
        Some(0) => Operation::ForceDelete(object),
        Some(n) if n < 0 => {
            return Err(Failure::invalid(format!(
                "gracePeriodSeconds: Invalid value: {n}: must be >= 0"
            )));
        }
        _ => Operation::Delete(object),
    };
    let accepted = ctx.api.apply(&operation).await?;
    let reply = match accepted.object {
        Some(object) => to_kube(&object, stored.create_revision),
        None => deleted(
            target.kind.plural(),
            &target.name,
            &stored.object.metadata().uid,
        ),
    };
    Ok(Reply::Json(StatusCode::OK, reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patches_follow_rfc_7386() {
        let target = json!({"a": "b", "c": {"d": "e", "f": "g"}, "l": [1, 2]});
        let patch = json!({"a": "z", "c": {"f": null, "h": 1}, "l": [3]});
        assert_eq!(
            merge_patch(target, &patch),
            json!({"a": "z", "c": {"d": "e", "h": 1}, "l": [3]})
        );
        assert_eq!(merge_patch(json!({"a": 1}), &json!([1])), json!([1]));
        assert_eq!(merge_patch(json!(1), &json!({"a": null})), json!({}));
    }
}
