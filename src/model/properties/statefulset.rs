//! Properties of the statefulset controller (placeholder until its issue lands).

use super::Property;

/// The statefulset properties.
pub const PROPERTIES: &[Property] = &[];
