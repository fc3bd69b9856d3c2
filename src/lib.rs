//! orchard: explore, model-check and debug Kubernetes-like orchestration under pluggable
//! consistency. See `DESIGN.md` for the layers.

pub mod cli;
pub mod explore;
pub mod history_view;
pub mod model;
pub mod replay;
pub mod runtime;
pub mod store;
pub mod ui;
