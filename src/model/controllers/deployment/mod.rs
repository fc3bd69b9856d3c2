//! The deployment controller (Kubernetes `pkg/controller/deployment`): rolls a Deployment's
//! pods from one ReplicaSet to the next. Per Deployment in name order, one write per step, in
//! Kubernetes' order: adopt or release ReplicaSets, the paused condition, then either `sync`
//! (paused, or a scaling event: proportional scaling and status) or the strategy's rollout
//! (RollingUpdate or Recreate), each ending with the status when it differs.
//!
//! Each stage returns a [`Flow`]: `Err(operation)` is the write to make now (the step ends
//! there); `Ok` lets the next stage run on the same view.

mod new_rs;
mod rollout;
pub mod status;
#[cfg(test)]
mod tests;
pub mod util;

use super::{Controller, ControllerSpec, LocalState, Registration};
use crate::model::operation::Operation;
use crate::model::resources::{Deployment, Kind, OwnerReference, Pod, ReplicaSet, Resource};
use crate::model::view::View;

/// Registration of the deployment controller.
pub const REGISTRATION: Registration = Registration {
    kind: "deployment",
    summary: "rolls Deployments through ReplicaSets (rolling update or recreate)",
    watches: &[Kind::Deployment, Kind::ReplicaSet, Kind::Pod],
    is_node: false,
    expectations: false,
    staleness_guard: &[],
    live_check: None,
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(DeploymentController)
}

/// The deployment controller; it keeps no local state besides its session.
#[derive(Debug)]
pub struct DeploymentController;

/// `Err(write)` ends the step with that write; `Ok` goes on.
pub type Flow<T> = Result<T, Box<Operation>>;

/// What one Deployment's reconciliation reads.
pub struct Ctx<'a> {
    /// The Deployment.
    pub d: &'a Deployment,
    /// Every ReplicaSet in the view, by name.
    pub all: Vec<&'a ReplicaSet>,
    /// The ReplicaSets it owns (controlled and selected), by name.
    pub owned: Vec<&'a ReplicaSet>,
    /// Every pod in the view, by name.
    pub pods: Vec<&'a Pod>,
    /// The revision the view shows.
    pub revision: u64,
}

impl Controller for DeploymentController {
    fn step(&self, view: &View, _local: &mut LocalState) -> Option<Operation> {
        let all: Vec<&ReplicaSet> = view.replicasets().iter().collect();
        let pods: Vec<&Pod> = view.pods().iter().collect();
        view.deployments().iter().find_map(|d| {
            let ctx = Ctx {
                d,
                owned: owned(d, &all),
                all: all.clone(),
                pods: pods.clone(),
                revision: view.revision(),
            };
            sync_deployment(&ctx).err().map(|op| *op)
        })
    }
}

/// The ReplicaSets a Deployment owns after claiming.
fn owned<'a>(d: &Deployment, all: &[&'a ReplicaSet]) -> Vec<&'a ReplicaSet> {
    all.iter()
        .copied()
        .filter(|rs| {
            rs.metadata.is_controlled_by(&d.metadata.uid)
                && d.spec.selector.matches(&rs.metadata.labels)
        })
        .collect()
}

/// Kubernetes' `syncDeployment`, one write at a time.
fn sync_deployment(ctx: &Ctx<'_>) -> Flow<()> {
    let d = ctx.d;
    // A terminating Deployment is read-only in the model: nothing to write.
    if d.metadata.is_terminating() {
        return Ok(());
    }
    if d.spec.selector.is_empty() {
        // Kubernetes refuses to act on a selector that selects everything; it only records
        // that it saw the generation.
        if d.status.observed_generation < d.metadata.generation {
            let mut updated = d.clone();
            updated.status.observed_generation = d.metadata.generation;
            updated.status.observed_revision = Some(ctx.revision);
            return Err(Box::new(Operation::Update(updated.into_object())));
        }
        return Ok(());
    }
    // Validation rejects a template its selector does not select; leave such a Deployment be.
    if !d.spec.selector.matches(&d.spec.template.metadata.labels) {
        return Ok(());
    }
    claim_replica_sets(ctx)?;
    status::check_paused_conditions(d)?;
    if d.spec.paused {
        return rollout::sync(ctx);
    }
    if rollout::is_scaling_event(ctx)? {
        return rollout::sync(ctx);
    }
    if util::is_rolling_update(d) {
        rollout::rolling(ctx)
    } else {
        rollout::recreate(ctx)
    }
}

/// Adopts a matching orphan ReplicaSet or releases an owned one that no longer matches
/// (Kubernetes' `ClaimReplicaSets`).
fn claim_replica_sets(ctx: &Ctx<'_>) -> Flow<()> {
    let d = ctx.d;
    for rs in &ctx.all {
        let meta = &rs.metadata;
        let matches = d.spec.selector.matches(&meta.labels);
        match meta.controller_ref() {
            Some(r) if r.uid == d.metadata.uid && !matches => {
                let mut released = (*rs).clone();
                released
                    .metadata
                    .owner_references
                    .retain(|r| r.uid != d.metadata.uid);
                return Err(Box::new(Operation::Update(released.into_object())));
            }
            None if matches && !meta.is_terminating() => {
                let mut adopted = (*rs).clone();
                adopted
                    .metadata
                    .owner_references
                    .push(OwnerReference::controller_of(Kind::Deployment, &d.metadata));
                return Err(Box::new(Operation::Update(adopted.into_object())));
            }
            _ => {}
        }
    }
    Ok(())
}
