//! The `scale` subresource of StatefulSets, ReplicaSets and Deployments: an
//! `autoscaling/v1` `Scale` whose `spec.replicas` is the workload's, read by GET and written
//! by PUT or PATCH (`kubectl scale`), as an update of the workload through the API server.

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::json::stored_to_kube;
use super::read::stored;
use super::server::{Context, Reply, Request};
use super::status::Failure;
use super::write::{Part, Target, merge_patch, patch_body, replace};
use crate::model::resources::LabelSelector;

/// A selector as Kubernetes writes it in a query: `app=web,tier in (a,b)`.
pub fn selector_text(selector: &LabelSelector) -> String {
    let mut terms: Vec<String> = selector
        .match_labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in &selector.match_expressions {
        terms.push(match e.operator.as_str() {
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {} ({})", e.key, op.to_lowercase(), e.values.join(",")),
        });
    }
    terms.join(",")
}

/// The `Scale` of a workload in its Kubernetes JSON form.
fn scale_of(workload: &Value) -> Value {
    let meta = &workload["metadata"];
    let selector: LabelSelector =
        serde_json::from_value(workload["spec"]["selector"].clone()).unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": { "replicas": workload["spec"]["replicas"].as_i64().unwrap_or(1) },
        "status": {
            "replicas": workload["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector_text(&selector),
        },
    })
}

/// GET of a workload's scale.
pub async fn get(ctx: &Context, target: &Target) -> Result<Reply, Failure> {
    let stored = stored(ctx, target).await?;
    Ok(Reply::Json(
        StatusCode::OK,
        scale_of(&stored_to_kube(&stored)),
    ))
}

/// PUT or PATCH of a workload's scale: the replicas asked for become the workload's.
pub async fn set(ctx: &Context, request: &Request, target: &Target) -> Result<Reply, Failure> {
    let sent = if request.method == Method::PUT {
        super::json::parse_body(&request.body)?
    } else {
        patch_body(request)?
    };
    let patching = request.method == Method::PATCH;
    let edit = move |mut workload: Value| {
        let scale = if patching {
            merge_patch(scale_of(&workload), &sent)
        } else {
            sent.clone()
        };
        if !patching && scale.get("kind").and_then(Value::as_str) != Some("Scale") {
            return Err(Failure::bad_request("the body is not a Scale"));
        }
        let replicas = &scale["spec"]["replicas"];
        let Some(replicas) = replicas.as_i64() else {
            return Err(Failure::bad_request(format!(
                "spec.replicas must be a whole number, not {replicas}"
            )));
        };
        let Ok(replicas) = i32::try_from(replicas) else {
            return Err(Failure::invalid(format!(
                "Scale.autoscaling \"{}\" is invalid: spec.replicas: Invalid value: {replicas}",
                target_name(&workload)
            )));
        };
        if replicas < 0 {
            return Err(Failure::invalid(format!(
                "Scale.autoscaling \"{}\" is invalid: spec.replicas: Invalid value: {replicas}: \
                 must be greater than or equal to 0",
                target_name(&workload)
            )));
        }
        let version = scale["metadata"]["resourceVersion"].clone();
        let pinned = !patching && version.as_str().is_some_and(|v| !v.is_empty())
            || patching && sent["metadata"]["resourceVersion"].is_string();
        workload["spec"]["replicas"] = json!(replicas);
        if pinned {
            workload["metadata"]["resourceVersion"] = version;
        }
        Ok((workload, pinned))
    };
    let Reply::Json(code, workload) = replace(ctx, target, Part::Object, &edit).await? else {
        return Err(Failure::internal("an update streamed"));
    };
    Ok(Reply::Json(code, scale_of(&workload)))
}

fn target_name(workload: &Value) -> String {
    workload["metadata"]["name"]
        .as_str()
        .unwrap_or("")
        .to_string()
}
