//! The podgc controller (placeholder until its issue lands).

use super::{Controller, ControllerSpec, LocalState, Registration};
use crate::model::operation::Operation;
use crate::model::resources::Kind;
use crate::model::view::View;

/// Registration of the podgc controller.
pub const REGISTRATION: Registration = Registration {
    kind: "podgc",
    summary: "podgc",
    watches: &[Kind::Pod],
    is_node: false,
    expectations: false,
    staleness_guard: &[],
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(Placeholder)
}

#[derive(Debug)]
struct Placeholder;

impl Controller for Placeholder {
    fn step(&self, _view: &View, _local: &mut LocalState) -> Option<Operation> {
        None
    }
}
