//! Properties of the job controller (placeholder until its issue lands).

use super::Property;

/// The job properties.
pub const PROPERTIES: &[Property] = &[];
