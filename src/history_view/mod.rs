//! The revision DAG: a history's graph (petgraph, typed edges), its lane layout, its ratatui
//! widget, its DOT, JSON and text exports, a violation's story in prose ([`explain`]), a path
//! as ITF and a state as Kubernetes objects. Imports only `crate::model` (and petgraph,
//! ratatui, serde_json); pure functions over a model state and the path that led to it, no
//! I/O. A UI pane holds a [`Layout`] and a [`DagViewState`] and draws a [`DagView`].

mod explain;
mod export;
mod graph;
mod highlight;
mod itf;
mod kube;
mod layout;
mod widget;

pub use explain::{
    Broken, Divergence, Effect, Explanation, Finding, LostWrite, PathInput, Prevention, Restart,
    StaleObject, StaleRead, WhatIf, WhatIfResult, explain, settings_to_try,
};
pub use export::{to_dot, to_json, to_text};
pub use graph::{DagGraph, EdgeKind, Provenance, RevisionNode, Written};
pub use highlight::{Highlight, Mark};
pub use itf::{ItfSource, bigint, itf, to_itf};
pub use kube::{for_apply, kube_list, kube_object, kube_objects, namespaced};
pub use layout::{Cell, EdgeGeometry, Layout, Row};
pub use widget::{DagView, DagViewState, LR_STEP, Orientation, glyph, row_text};

#[cfg(test)]
mod tests;
