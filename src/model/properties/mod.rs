//! Properties: data, not closures, so they can be listed, filtered and shown without running
//! anything. Each has an id (`P8`, `D3`, `T15`), a one-line text, a kind, and a plain function
//! of the model and a state.
//!
//! The dissertation's `stable => p` form (§3.3.6) is [`stable`] plus [`at_observed_revision`]:
//! a resource is stable when its controller has observed its generation and its status is the
//! latest write to it; `p` is then judged in the state the controller had read.

mod cluster;
mod deployment;
mod global;
mod guarantees;
mod job;
pub mod offenders;
mod replicaset;
mod statefulset;
mod step;
pub mod vacuity;
pub mod view;

use serde::Serialize;

use super::history::{History, Read};
use super::resources::Revision;
use super::state::StateView;
use super::system::{System, SystemState};

/// When a property must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropertyKind {
    /// In every reachable state.
    Always,
    /// On every path, in some state (checked on terminal states).
    Eventually,
    /// In some reachable state.
    Sometimes,
}

impl PropertyKind {
    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            PropertyKind::Always => "always",
            PropertyKind::Eventually => "eventually",
            PropertyKind::Sometimes => "sometimes",
        }
    }
}

/// A property of the model.
#[derive(Clone, Copy, Debug)]
pub struct Property {
    /// The id, e.g. `P8`.
    pub id: &'static str,
    /// One line saying what must hold.
    pub text: &'static str,
    /// When it must hold.
    pub kind: PropertyKind,
    /// Whether it takes the `stable => p` form.
    pub stable_form: bool,
    /// The check.
    pub check: fn(&System, &SystemState) -> bool,
}

/// Every registered property.
pub fn all() -> Vec<&'static Property> {
    [
        global::PROPERTIES,
        guarantees::PROPERTIES,
        deployment::PROPERTIES,
        job::PROPERTIES,
        replicaset::PROPERTIES,
        statefulset::PROPERTIES,
        step::PROPERTIES,
        cluster::PROPERTIES,
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The property with this id.
pub fn by_id(id: &str) -> Option<&'static Property> {
    all().into_iter().find(|p| p.id == id)
}

/// The properties a model checks: its list, or every registered one.
pub fn selected(system: &System) -> Vec<&'static Property> {
    let ids = &system.config().properties;
    if ids.is_empty() {
        all()
    } else {
        all()
            .into_iter()
            .filter(|p| ids.iter().any(|id| id == p.id))
            .collect()
    }
}

/// The dissertation's stability of one resource: its controller observed its generation, and
/// its last write is the latest revision of the state (`rv = s.revision`).
pub fn stable(
    generation: i64,
    observed_generation: i64,
    resource_version: Revision,
    latest: Revision,
) -> bool {
    generation == observed_generation && resource_version == latest
}

/// The state at a resource's observed revision (the revision its controller read when it wrote
/// the status), where `p` of `stable => p` is judged. `None` when the revision is unknown.
///
/// When the latest write was made from a read of several revisions (informer caches, one
/// revision per kind), the observed revision (the newest of them) is not what its writer saw:
/// then the writer's own read is used, the controller whose last write is the latest revision.
/// Stability requires the status write to be the latest, so that is the read behind it.
pub fn at_observed_revision(state: &SystemState, observed: Option<Revision>) -> Option<StateView> {
    let observed = observed?;
    let latest = state.history.latest();
    let writer_read = state
        .locals
        .iter()
        .filter(|l| l.session.last_write == Some(latest))
        .find_map(|l| l.session.read.as_ref())
        .filter(|read| matches!(read, Read::PerKind(_)) && read.newest() == observed);
    match writer_read {
        Some(read) => state.history.state(read),
        None => state.history.state(&Read::At(observed)),
    }
}

/// The latest write: the state it was applied to (its first parent) and the state after it.
/// `None` in the initial state. An `always` property that judges writes (ordering guarantees
/// such as D1-D4) checks this pair: every reachable state is checked, so every write is.
pub fn last_write(state: &SystemState) -> Option<(StateView, StateView)> {
    let latest = state.history.latest();
    let parent = *state.history.parents(latest).first()?;
    let before = state.history.state(&Read::At(parent))?;
    let after = state.history.state(&Read::At(latest))?;
    Some((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let ids: Vec<&str> = all().iter().map(|p| p.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate property ids in {ids:?}");
    }
}
