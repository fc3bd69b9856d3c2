//! A Deployment's status and conditions (Kubernetes' `calculateStatus`, `syncRolloutStatus`,
//! `syncDeploymentStatus`, `checkPausedConditions`). There is no clock, so a rollout never
//! times out and a ready pod is available.

use super::util;
use super::{Ctx, Flow};
use crate::model::operation::Operation;
use crate::model::resources::{
    Condition, Deployment, DeploymentStatus, ReplicaSet, Resource, find_condition,
};

/// The `Progressing` condition type.
pub const PROGRESSING: &str = "Progressing";
/// The `Available` condition type.
pub const AVAILABLE: &str = "Available";
/// Progressing: the new ReplicaSet was found.
pub const FOUND_NEW_RS: &str = "FoundNewReplicaSet";
/// Progressing: the rollout made progress.
pub const RS_UPDATED: &str = "ReplicaSetUpdated";
/// Progressing: the rollout is complete.
pub const NEW_RS_AVAILABLE: &str = "NewReplicaSetAvailable";
/// Progressing (Unknown): paused.
pub const PAUSED: &str = "DeploymentPaused";
/// Progressing (Unknown): resumed.
pub const RESUMED: &str = "DeploymentResumed";
/// Available: enough pods are available.
pub const MIN_AVAILABLE: &str = "MinimumReplicasAvailable";
/// Available (False): too few pods are available.
pub const MIN_UNAVAILABLE: &str = "MinimumReplicasUnavailable";

/// Sets a condition as Kubernetes' `SetDeploymentCondition`: unchanged when one of the type
/// already has this status and reason, otherwise the old one is removed and this one appended.
pub fn set_condition(conditions: &mut Vec<Condition>, condition: Condition) {
    if find_condition(conditions, &condition.type_)
        .is_some_and(|c| c.status == condition.status && c.reason == condition.reason)
    {
        return;
    }
    conditions.retain(|c| c.type_ != condition.type_);
    conditions.push(condition);
}

fn condition(type_: &str, status: &str, reason: &str, message: String) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: status.to_string(),
        reason: reason.to_string(),
        message,
    }
}

/// Whether the Deployment has a progress deadline (600 s when unset; `i32::MAX` means none).
pub fn has_progress_deadline(d: &Deployment) -> bool {
    d.spec.progress_deadline_seconds != Some(i32::MAX)
}

/// Marks the Progressing condition Unknown when the Deployment is paused or resumed.
pub fn check_paused_conditions(d: &Deployment) -> Flow<()> {
    if !has_progress_deadline(d) {
        return Ok(());
    }
    let current = find_condition(&d.status.conditions, PROGRESSING);
    if current.is_some_and(|c| c.reason == "ProgressDeadlineExceeded") {
        return Ok(());
    }
    let paused_recorded = current.is_some_and(|c| c.reason == PAUSED);
    let next = if d.spec.paused && !paused_recorded {
        condition(
            PROGRESSING,
            "Unknown",
            PAUSED,
            "Deployment is paused".into(),
        )
    } else if !d.spec.paused && paused_recorded {
        condition(
            PROGRESSING,
            "Unknown",
            RESUMED,
            "Deployment is resumed".into(),
        )
    } else {
        return Ok(());
    };
    let mut updated = d.clone();
    set_condition(&mut updated.status.conditions, next);
    Err(Box::new(Operation::Update(updated.into_object())))
}

/// The status from the ReplicaSets (`calculateStatus`); the observed revision is left as it is.
pub fn calculate(
    all: &[&ReplicaSet],
    new: Option<&ReplicaSet>,
    d: &Deployment,
) -> DeploymentStatus {
    let available = util::available_replica_count(all);
    let total = util::replica_count(all);
    let mut status = DeploymentStatus {
        observed_generation: d.metadata.generation,
        observed_revision: d.status.observed_revision,
        replicas: util::actual_replica_count(all),
        updated_replicas: new.map_or(0, |rs| rs.status.replicas),
        ready_replicas: util::ready_replica_count(all),
        available_replicas: available,
        unavailable_replicas: (total - available).max(0),
        conditions: d.status.conditions.clone(),
        collision_count: d.status.collision_count,
    };
    let available_condition = if available >= d.replicas() - util::max_unavailable(d) {
        condition(
            AVAILABLE,
            "True",
            MIN_AVAILABLE,
            "Deployment has minimum availability.".into(),
        )
    } else {
        condition(
            AVAILABLE,
            "False",
            MIN_UNAVAILABLE,
            "Deployment does not have minimum availability.".into(),
        )
    };
    set_condition(&mut status.conditions, available_condition);
    status
}

/// Whether the status shows the rollout complete (`DeploymentComplete`).
pub fn is_complete(d: &Deployment, status: &DeploymentStatus) -> bool {
    let want = d.replicas();
    status.updated_replicas == want
        && status.replicas == want
        && status.available_replicas == want
        && status.observed_generation >= d.metadata.generation
}

/// Whether `new` shows progress over the stored status (`DeploymentProgressing`).
fn is_progressing(d: &Deployment, new: &DeploymentStatus) -> bool {
    let old = &d.status;
    new.updated_replicas > old.updated_replicas
        || new.replicas - new.updated_replicas < old.replicas - old.updated_replicas
        || new.ready_replicas > old.ready_replicas
        || new.available_replicas > old.available_replicas
}

/// Writes the status, with the Progressing condition, when it differs (`syncRolloutStatus`).
pub fn sync_rollout_status(
    ctx: &Ctx<'_>,
    all: &[&ReplicaSet],
    new: Option<&ReplicaSet>,
) -> Flow<()> {
    let d = ctx.d;
    let mut status = calculate(all, new, d);
    if !has_progress_deadline(d) {
        status.conditions.retain(|c| c.type_ != PROGRESSING);
    }
    let current = find_condition(&d.status.conditions, PROGRESSING);
    let complete_recorded = status.replicas == status.updated_replicas
        && current.is_some_and(|c| c.reason == NEW_RS_AVAILABLE);
    if has_progress_deadline(d) && !complete_recorded {
        let subject = match new {
            Some(rs) => format!("ReplicaSet \"{}\"", rs.metadata.name),
            None => format!("Deployment \"{}\"", d.metadata.name),
        };
        if is_complete(d, &status) {
            let message = format!("{subject} has successfully progressed.");
            set_condition(
                &mut status.conditions,
                condition(PROGRESSING, "True", NEW_RS_AVAILABLE, message),
            );
        } else if is_progressing(d, &status) {
            let message = format!("{subject} is progressing.");
            status.conditions.retain(|c| c.type_ != PROGRESSING);
            set_condition(
                &mut status.conditions,
                condition(PROGRESSING, "True", RS_UPDATED, message),
            );
        }
    }
    write_if_changed(ctx, status)
}

/// Writes the status when it differs (`syncDeploymentStatus`).
pub fn sync_deployment_status(
    ctx: &Ctx<'_>,
    all: &[&ReplicaSet],
    new: Option<&ReplicaSet>,
) -> Flow<()> {
    write_if_changed(ctx, calculate(all, new, ctx.d))
}

fn write_if_changed(ctx: &Ctx<'_>, status: DeploymentStatus) -> Flow<()> {
    if status == ctx.d.status {
        return Ok(());
    }
    let mut updated = ctx.d.clone();
    updated.status = DeploymentStatus {
        observed_revision: Some(ctx.revision),
        ..status
    };
    Err(Box::new(Operation::Update(updated.into_object())))
}
