//! The HTTP side: one hyper HTTP/1 connection per client, each request parsed into a
//! [`Request`] (method, route, query, body) and dispatched by route and verb to the handlers;
//! every failure goes back as a Kubernetes `Status` with its code.

use std::collections::BTreeMap;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Response, StatusCode};
use serde_json::Value;
use tokio::sync::watch;

use super::body::Body;
use super::routes::{self, Route, Subresource};
use super::status::Failure;
use super::{discovery, openapi, read, scale, watch as watching, write};
use crate::runtime::ApiServer;

/// The largest request body read (Kubernetes' own limit is 3 MiB).
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// What every handler is given besides the request.
#[derive(Clone)]
pub struct Context {
    /// The API server all requests go through.
    pub api: ApiServer,
    /// Becomes `true` when the server shuts down: watches end.
    pub shutdown: watch::Receiver<bool>,
}

/// One request, read.
pub struct Request {
    /// The verb.
    pub method: Method,
    /// The path, for messages.
    pub path: String,
    /// The query parameters, decoded (the last of repeated ones).
    pub query: BTreeMap<String, String>,
    /// The `Content-Type`, without parameters.
    pub content_type: String,
    /// The body.
    pub body: Bytes,
}

impl Request {
    /// A query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.get(name).map(String::as_str)
    }
}

/// A handler's answer: a JSON document with its code, or a stream.
pub enum Reply {
    /// A JSON document.
    Json(StatusCode, Value),
    /// A stream of JSON lines (a watch).
    Stream(tokio::sync::mpsc::Receiver<Bytes>),
}

/// Serves one HTTP request.
pub async fn handle(ctx: Context, request: hyper::Request<Incoming>) -> Response<Body> {
    let reply = match read_request(request).await {
        Ok(request) => dispatch(&ctx, request).await,
        Err(failure) => Err(failure),
    };
    let reply = reply.unwrap_or_else(|f| {
        Reply::Json(
            StatusCode::from_u16(f.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            f.to_status(),
        )
    });
    let (code, body) = match reply {
        Reply::Json(code, value) => {
            let mut text = value.to_string();
            text.push('\n');
            (code, Body::Full(Some(Bytes::from(text))))
        }
        Reply::Stream(chunks) => (StatusCode::OK, Body::Stream(chunks)),
    };
    let mut response = Response::new(body);
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

async fn read_request(request: hyper::Request<Incoming>) -> Result<Request, Failure> {
    let (parts, body) = request.into_parts();
    let body = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                Failure::too_large(format!("the request body is larger than {MAX_BODY} bytes"))
            } else {
                Failure::bad_request(format!("the request body could not be read: {e}"))
            }
        })?
        .to_bytes();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("application/json")
        .trim()
        .to_ascii_lowercase();
    Ok(Request {
        method: parts.method,
        path: parts.uri.path().to_string(),
        query: parse_query(parts.uri.query().unwrap_or("")),
        content_type,
        body,
    })
}

/// `a=1&b=x%3Dy` as a map, percent- and `+`-decoded.
pub fn parse_query(query: &str) -> BTreeMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn not_allowed(request: &Request) -> Failure {
    Failure::method_not_allowed(format!(
        "{} is not allowed on {}",
        request.method, request.path
    ))
}

async fn dispatch(ctx: &Context, request: Request) -> Result<Reply, Failure> {
    if request.method == Method::GET {
        if request.path.trim_end_matches('/') == "/openapi/v3" {
            return Ok(Reply::Json(StatusCode::OK, openapi::index()));
        }
        if let Some(group) = openapi::group_of(&request.path) {
            return Ok(Reply::Json(StatusCode::OK, openapi::document(group)));
        }
    }
    let Some(route) = routes::parse(&request.path) else {
        return Err(Failure::not_found(format!(
            "the server could not find the requested resource ({})",
            request.path
        )));
    };
    let ok = |value| Ok(Reply::Json(StatusCode::OK, value));
    let get = request.method == Method::GET;
    match route {
        Route::CoreVersions if get => ok(discovery::core_versions()),
        Route::Groups if get => ok(discovery::groups()),
        Route::Group(g) if get => ok(discovery::group(g)),
        Route::Resources(g) if get => ok(discovery::resources(g)),
        Route::Version if get => ok(discovery::version()),
        Route::Collection { kind, namespace } => match request.method {
            Method::GET if matches!(request.param("watch"), Some("true" | "1")) => {
                watching::watch(ctx, &request, kind, namespace).await
            }
            Method::GET => read::list(ctx, &request, kind, namespace).await,
            Method::POST if namespace.is_some() || !routes::namespaced(kind) => {
                write::create(ctx, &request, kind, namespace).await
            }
            _ => Err(not_allowed(&request)),
        },
        Route::Object {
            kind,
            namespace,
            name,
            sub,
        } => {
            let target = write::Target {
                kind,
                namespace,
                name,
            };
            match (sub, &request.method) {
                (Subresource::Scale, &Method::GET) => scale::get(ctx, &target).await,
                (Subresource::Scale, &Method::PUT | &Method::PATCH) => {
                    scale::set(ctx, &request, &target).await
                }
                (_, &Method::GET) => read::get(ctx, &target).await,
                (_, &Method::PUT) => write::update(ctx, &request, &target, sub).await,
                (_, &Method::PATCH) => write::patch(ctx, &request, &target, sub).await,
                (Subresource::Main, &Method::DELETE) => write::delete(ctx, &request, &target).await,
                _ => Err(not_allowed(&request)),
            }
        }
        _ => Err(not_allowed(&request)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode() {
        let q = parse_query("labelSelector=app%3Dweb%2Ctier+in+(a)&watch=true&x&bad=%zz%4");
        assert_eq!(q["labelSelector"], "app=web,tier in (a)");
        assert_eq!(q["watch"], "true");
        assert_eq!(q["x"], "");
        assert_eq!(q["bad"], "%zz%4");
    }
}
