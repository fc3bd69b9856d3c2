//! The model: resources, the API server's apply rules, consistency histories, controllers,
//! environment operations and properties.
//!
//! Pure and deterministic: no I/O, no clock, no threads, and nothing from the layers above
//! (`explore`, `store`, `replay`, `ui`). Iteration order is always sorted.

pub mod api;
pub mod canonical;
pub mod collection;
pub mod config;
pub mod controllers;
pub mod environment;
pub mod history;
pub mod minimise;
pub mod operation;
pub mod properties;
pub mod resources;
pub mod state;
pub mod suggest;
pub mod system;
pub mod testing;
pub mod view;

#[cfg(test)]
mod scenario_tests;
