//! Helpers shared by controllers: ownership, selection, naming.

use crate::model::resources::{Kind, Metadata, OwnerReference};

/// A controller owner reference to `owner` of `kind`.
pub fn controller_ref(kind: Kind, owner: &Metadata) -> OwnerReference {
    OwnerReference::controller_of(kind, owner)
}
