//! The deployed runtime: the model's code run outside the checker, over a [`crate::store`].
//!
//! Owns the API server over a store ([`apiserver`]); the controllers-as-tasks with their
//! informer caches come next. Imports `crate::store` and `crate::model` only. Promises: no rule
//! of the model is re-implemented here: writes go through `model::api::apply`, controllers are
//! the ones of `model::controllers`' registry.

pub mod apiserver;

pub use apiserver::{Accepted, ApiError, ApiServer};
