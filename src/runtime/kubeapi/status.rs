//! Kubernetes `Status` objects: how every refused request is answered (`kind: Status`,
//! `status: Failure`, a reason and the HTTP code), and how the API server's and the model's
//! rejections map onto them.

use serde_json::{Value, json};

use crate::model::api::ApplyError;
use crate::model::api::validation::Cause;
use crate::model::resources::Kind;
use crate::runtime::ApiError;
use crate::store::StoreError;

/// A failed request: the HTTP code, Kubernetes' `reason`, and a message for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status code.
    pub code: u16,
    /// Kubernetes' `StatusReason`: `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, ...
    pub reason: &'static str,
    /// What went wrong, naming the endpoint or field.
    pub message: String,
    /// For a `422 Invalid` from validation: the object's kind and name and each field at
    /// fault (the `details` of the Status, as Kubernetes sends them).
    pub details: Option<(Kind, String, Vec<Cause>)>,
}

impl Failure {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    /// 400: the request cannot be understood (bad JSON, a name that differs from the URL's).
    pub fn bad_request(message: impl Into<String>) -> Failure {
        Failure::new(400, "BadRequest", message)
    }

    /// 404: no such resource type or object.
    pub fn not_found(message: impl Into<String>) -> Failure {
        Failure::new(404, "NotFound", message)
    }

    /// 405: the resource does not take this verb.
    pub fn method_not_allowed(message: impl Into<String>) -> Failure {
        Failure::new(405, "MethodNotAllowed", message)
    }

    /// 409: the object changed since it was read.
    pub fn conflict(message: impl Into<String>) -> Failure {
        Failure::new(409, "Conflict", message)
    }

    /// 410: the resource version asked for is compacted away.
    pub fn gone(message: impl Into<String>) -> Failure {
        Failure::new(410, "Expired", message)
    }

    /// 413: the body is larger than the server reads.
    pub fn too_large(message: impl Into<String>) -> Failure {
        Failure::new(413, "RequestEntityTooLarge", message)
    }

    /// 415: a body in a form the server does not read (a JSON patch, YAML).
    pub fn unsupported_media_type(message: impl Into<String>) -> Failure {
        Failure::new(415, "UnsupportedMediaType", message)
    }

    /// 422: the object is well formed but not valid (negative replicas, a bad name).
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure::new(422, "Invalid", message)
    }

    /// 500: the store failed.
    pub fn internal(message: impl Into<String>) -> Failure {
        Failure::new(500, "InternalError", message)
    }

    /// 504: the resource version asked for is newer than the store's.
    pub fn timeout(message: impl Into<String>) -> Failure {
        Failure::new(504, "Timeout", message)
    }

    /// 422 from the API server's validation, with its causes.
    pub fn invalid_fields(kind: Kind, name: &str, causes: &[Cause], message: String) -> Failure {
        Failure {
            details: Some((kind, name.to_string(), causes.to_vec())),
            ..Failure::invalid(message)
        }
    }

    /// The `Status` object sent as the body.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some((kind, name, causes)) = &self.details {
            let causes: Vec<Value> = causes
                .iter()
                .map(|c| json!({"reason": c.kind.reason(), "message": c.message, "field": c.field}))
                .collect();
            let group = kind.api_version().split_once('/').map_or("", |(g, _)| g);
            status["details"] = json!({
                "name": name,
                "group": group,
                "kind": kind.name(),
                "causes": causes,
            });
        }
        status
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::Compacted { .. } => Failure::gone(e.to_string()),
            StoreError::FutureRevision { .. } => Failure::timeout(e.to_string()),
            other => Failure::internal(other.to_string()),
        }
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        match e {
            ApiError::Rejected(rejected) => Failure::from(rejected),
            ApiError::Store(store) => Failure::from(store),
            contended @ ApiError::Contended { .. } => Failure::conflict(contended.to_string()),
        }
    }
}

impl From<ApplyError> for Failure {
    fn from(e: ApplyError) -> Failure {
        let message = e.to_string();
        match e {
            ApplyError::AlreadyExists { .. } => Failure::new(409, "AlreadyExists", message),
            ApplyError::NotFound { .. } => Failure::not_found(message),
            ApplyError::Conflict { .. }
            | ApplyError::UidMismatch { .. }
            | ApplyError::Terminating { .. }
            | ApplyError::AlreadyDeleting { .. } => Failure::conflict(message),
            ApplyError::Invalid { .. } => Failure::invalid(message),
            ApplyError::Validation {
                kind,
                ref name,
                ref causes,
            } => Failure::invalid_fields(kind, name, causes, message),
        }
    }
}

/// The `Status` of a successful delete whose object is gone.
pub fn deleted(kind: &str, name: &str, uid: &str) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": { "name": name, "kind": kind, "uid": uid },
    })
}
