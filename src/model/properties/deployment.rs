//! Properties of the deployment controller (placeholder until its issue lands).

use super::Property;

/// The deployment properties.
pub const PROPERTIES: &[Property] = &[];
