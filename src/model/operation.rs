//! Operations: what a controller step or an environment operation asks the API server to do
//! (dissertation Listing 3.4).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::resources::{Kind, Object};

/// A write to the cluster state, applied by [`crate::model::api::apply`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Operation {
    /// Create the object (its name, or a name from `generateName`).
    Create(Object),
    /// Replace the object, which must be at the same `resourceVersion` and uid.
    Update(Object),
    /// Delete the object (graceful for a running pod: the node finishes it).
    Delete(Object),
    /// Delete the object without waiting for its node (grace period 0), as podgc does.
    ForceDelete(Object),
}

impl Operation {
    /// The object the operation is about.
    pub fn object(&self) -> &Object {
        match self {
            Operation::Create(o)
            | Operation::Update(o)
            | Operation::Delete(o)
            | Operation::ForceDelete(o) => o,
        }
    }

    /// The verb, as a Kubernetes client would log it.
    pub fn verb(&self) -> &'static str {
        match self {
            Operation::Create(_) => "create",
            Operation::Update(_) => "update",
            Operation::Delete(_) => "delete",
            Operation::ForceDelete(_) => "force-delete",
        }
    }

    /// The kind of the object.
    pub fn kind(&self) -> Kind {
        self.object().kind()
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let object = self.object();
        let meta = object.metadata();
        let name = if meta.name.is_empty() {
            format!("{}*", meta.generate_name)
        } else {
            meta.name.clone()
        };
        write!(f, "{} {} {}", self.verb(), object.kind(), name)
    }
}
