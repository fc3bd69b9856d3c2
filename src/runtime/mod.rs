//! The deployed runtime: the model's code run outside the checker, over a [`crate::store`].
//!
//! Owns the API server over a store ([`apiserver`]), the informer caches ([`informer`]), the
//! controllers-as-tasks ([`task`]) and the Kubernetes API for kubectl over the API server
//! ([`kubeapi`]). Imports `crate::store` and `crate::model` only. Promises: no
//! rule of the model is re-implemented here: writes go through `model::api::apply`, controllers
//! are the ones of a registration list (`model::controllers::REGISTRY`, or a test's own), and
//! a step's bookkeeping (expectations, staleness guard) is the model's
//! (`model::system::{forget_observed, record_write}`).
//!
//! # Design
//!
//! Each controller instance is one tokio task ([`TaskHandle::spawn`]) that owns its local state
//! ([`crate::model::controllers::LocalState`]) and one [`Informer`] per kind its registration
//! watches (LIST, then watch; relist when empty, asked to go back, or when the watch ended by
//! a compaction). A step builds a [`crate::model::view::View`] from the caches as they stand,
//! runs the controller's `step_choosing`, sends the operation through the [`ApiServer`] to the
//! store, and records the accepted write as the model does. The task is driven by commands on
//! a channel ([`Command`]):
//!
//! - `Step { read, choice }`: position every watched cache at the read's revision of its kind
//!   (store revisions), take one step, reply with what was read, sent and committed
//!   ([`StepReport`]). This is how replay drives a task step by step, at a trace's revisions.
//! - `Position { kind, revision }`: an informer delivery (or a LIST into an empty cache).
//! - `Restart`: local state and caches lost, as a restarted process.
//! - `Local`: the environment changes the local state (a container exits, expectations expire).
//! - `Run`: free running until the next command: follow every cache and step after each
//!   change, as a controller-manager worker does. `orchard run` (free-running concurrent tasks
//!   with faults) reuses the same task: it sends `Run` to each, and faults are the other
//!   commands (`Restart`) or the store's (a partitioned etcd member).
//!
//! A task never decides what to read on its own in `Step`: the driver names the revisions, so
//! a replay is deterministic whatever the scheduling of tasks.

pub mod apiserver;
pub mod informer;
pub mod kubeapi;
pub mod manager;
pub mod task;

pub use apiserver::{Accepted, ApiError, ApiServer};
pub use informer::Informer;
pub use task::{
    Command, LocalChange, Pick, StepReport, TaskError, TaskHandle, TaskSpec, spawn_all,
};

#[cfg(test)]
mod tests;
