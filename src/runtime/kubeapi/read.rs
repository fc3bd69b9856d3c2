//! GET of one object and LIST of a collection (in a namespace or in all of them, with label
//! and field selectors), served from the store at its newest revision.

use hyper::StatusCode;
use serde_json::Value;

use super::json::{list as list_of, stored_to_kube};
use super::selector::Selectors;
use super::server::{Context, Reply, Request};
use super::status::Failure;
use super::write::Target;
use crate::model::resources::Kind;
use crate::store::{At, Scope, Stored};

/// The `pods "web-0" not found` failure.
pub fn not_found(target: &Target) -> Failure {
    Failure::not_found(format!(
        "{} \"{}\" not found",
        target.kind.plural(),
        target.name
    ))
}

/// The object a target names, as stored now.
pub async fn stored(ctx: &Context, target: &Target) -> Result<Stored, Failure> {
    let read = ctx.api.store().get(&target.key(), At::Latest).await?;
    read.value.ok_or_else(|| not_found(target))
}

/// GET of one object.
pub async fn get(ctx: &Context, target: &Target) -> Result<Reply, Failure> {
    let stored = stored(ctx, target).await?;
    Ok(Reply::Json(StatusCode::OK, stored_to_kube(&stored)))
}

/// Whether a stored object is in the namespace asked for (`None`: any).
pub fn in_namespace(stored: &Stored, namespace: Option<&str>) -> bool {
    namespace.is_none_or(|ns| stored.key.namespace.as_deref() == Some(ns))
}

/// The selectors of a request.
pub fn selectors(request: &Request) -> Result<Selectors, Failure> {
    Selectors::parse(
        request.param("labelSelector"),
        request.param("fieldSelector"),
    )
}

/// LIST of a collection.
pub async fn list(
    ctx: &Context,
    request: &Request,
    kind: Kind,
    namespace: Option<String>,
) -> Result<Reply, Failure> {
    let selectors = selectors(request)?;
    let read = ctx.api.store().list(Scope::Kind(kind), At::Latest).await?;
    let items: Vec<Value> = read
        .value
        .iter()
        .filter(|s| in_namespace(s, namespace.as_deref()))
        .map(stored_to_kube)
        .filter(|o| selectors.matches(o))
        .collect();
    Ok(Reply::Json(
        StatusCode::OK,
        list_of(kind, items, read.revision),
    ))
}
