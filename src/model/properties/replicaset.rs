//! Properties of the replicaset controller (placeholder until its issue lands).

use super::Property;

/// The replicaset properties.
pub const PROPERTIES: &[Property] = &[];
