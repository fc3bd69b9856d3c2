//! The rollout strategies and scaling (Kubernetes' `rolling.go`, `recreate.go` and `sync.go`),
//! one ReplicaSet write per step.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use super::new_rs::{all_and_sync_revision, new_rs_new_replicas};
use super::status::{is_complete, sync_deployment_status, sync_rollout_status};
use super::util;
use super::{Ctx, Flow};
use crate::model::operation::Operation;
use crate::model::resources::{PodPhase, ReplicaSet, Resource};

fn with_new<'a>(old: &[&'a ReplicaSet], new: Option<&'a ReplicaSet>) -> Vec<&'a ReplicaSet> {
    let mut all = old.to_vec();
    all.extend(new);
    all
}

fn active<'a>(rss: &[&'a ReplicaSet]) -> Vec<&'a ReplicaSet> {
    rss.iter().copied().filter(|rs| rs.replicas() > 0).collect()
}

/// Sets a ReplicaSet's replicas and replicas annotations when either differs (`scaleReplicaSet`).
fn scale_replica_set(ctx: &Ctx<'_>, rs: &ReplicaSet, replicas: i32) -> Flow<()> {
    let d = ctx.d;
    let (desired, max) = (d.replicas(), d.replicas() + util::max_surge(d));
    if rs.replicas() == replicas && !util::replicas_annotations_need_update(rs, desired, max) {
        return Ok(());
    }
    let mut copy = rs.clone();
    copy.spec.replicas = Some(replicas);
    util::set_replicas_annotations(&mut copy, desired, max);
    Err(Box::new(Operation::Update(copy.into_object())))
}

/// Scales only when the replicas differ (`scaleReplicaSetAndRecordEvent`).
fn scale_to(ctx: &Ctx<'_>, rs: &ReplicaSet, replicas: i32) -> Flow<()> {
    if rs.replicas() == replicas {
        return Ok(());
    }
    scale_replica_set(ctx, rs, replicas)
}

/// Whether an active ReplicaSet records other desired replicas than the Deployment's
/// (`isScalingEvent`).
pub fn is_scaling_event(ctx: &Ctx<'_>) -> Flow<bool> {
    let (new, old) = all_and_sync_revision(ctx, false)?;
    if new.is_none() {
        return Ok(false);
    }
    Ok(active(&with_new(&old, new)).iter().any(|rs| {
        rs.metadata
            .annotations
            .get(util::DESIRED_REPLICAS)
            .and_then(|v| v.parse::<i32>().ok())
            .is_some_and(|desired| desired != ctx.d.replicas())
    }))
}

/// A paused Deployment or a scaling event: scale, clean up (paused), status (`sync`).
pub fn sync(ctx: &Ctx<'_>) -> Flow<()> {
    let (new, old) = all_and_sync_revision(ctx, false)?;
    scale(ctx, new, &old)?;
    if ctx.d.spec.paused {
        cleanup(ctx, &old)?;
    }
    sync_deployment_status(ctx, &with_new(&old, new), new)
}

/// The one active (or newest) ReplicaSet, when there are not several active ones
/// (`FindActiveOrLatest`).
fn active_or_latest<'a>(
    new: Option<&'a ReplicaSet>,
    old: &[&'a ReplicaSet],
) -> Option<&'a ReplicaSet> {
    let mut old = old.to_vec();
    old.sort_by_key(|rs| Reverse(util::age_key(rs)));
    let all = active(&with_new(&old, new));
    match all.len() {
        0 => new.or_else(|| old.first().copied()),
        1 => Some(all[0]),
        _ => None,
    }
}

/// Whether the new ReplicaSet has all the Deployment's replicas available (`IsSaturated`).
fn is_saturated(ctx: &Ctx<'_>, new: Option<&ReplicaSet>) -> bool {
    let want = ctx.d.replicas();
    new.is_some_and(|rs| {
        let desired = rs.metadata.annotations.get(util::DESIRED_REPLICAS);
        rs.replicas() == want
            && desired.and_then(|v| v.parse::<i32>().ok()) == Some(want)
            && rs.status.available_replicas == want
    })
}

/// Scales to the Deployment's replicas: the one active ReplicaSet, or old ones to 0 when the
/// new one is saturated, or all active ones in proportion under RollingUpdate (`scale`).
fn scale(ctx: &Ctx<'_>, new: Option<&ReplicaSet>, old: &[&ReplicaSet]) -> Flow<()> {
    let d = ctx.d;
    if let Some(rs) = active_or_latest(new, old) {
        return scale_to(ctx, rs, d.replicas());
    }
    if is_saturated(ctx, new) {
        for rs in active(old) {
            scale_to(ctx, rs, 0)?;
        }
        return Ok(());
    }
    if !util::is_rolling_update(d) {
        return Ok(());
    }
    let mut all = active(&with_new(old, new));
    let current = util::replica_count(&all);
    let allowed = if d.replicas() > 0 {
        d.replicas() + util::max_surge(d)
    } else {
        0
    };
    let to_add = allowed - current;
    // Larger first; among equals newer first when adding, older first when removing.
    if to_add > 0 {
        all.sort_by_key(|rs| (Reverse(rs.replicas()), Reverse(util::age_key(rs))));
    } else if to_add < 0 {
        all.sort_by_key(|rs| (Reverse(rs.replicas()), util::age_key(rs)));
    }
    let mut sizes: BTreeMap<&str, i32> = BTreeMap::new();
    let mut added = 0;
    for rs in &all {
        let proportion = if to_add != 0 {
            proportion(ctx, rs, to_add, added)
        } else {
            0
        };
        sizes.insert(&rs.metadata.name, rs.replicas() + proportion);
        added += proportion;
    }
    for (i, rs) in all.iter().enumerate() {
        let mut size = sizes[rs.metadata.name.as_str()];
        if i == 0 && to_add != 0 {
            size = (size + to_add - added).max(0);
        }
        scale_replica_set(ctx, rs, size)?;
    }
    Ok(())
}

/// The share of `to_add` a ReplicaSet takes (`GetProportion`), from the max-replicas it was
/// last scaled for.
fn proportion(ctx: &Ctx<'_>, rs: &ReplicaSet, to_add: i32, added: i32) -> i32 {
    if rs.replicas() == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let d = ctx.d;
    let fraction = if d.replicas() == 0 {
        -rs.replicas()
    } else {
        let max_now = d.replicas() + util::max_surge(d);
        let max_before = rs
            .metadata
            .annotations
            .get(util::MAX_REPLICAS)
            .and_then(|v| v.parse::<i32>().ok())
            .filter(|m| *m != 0)
            .unwrap_or(d.status.replicas);
        if max_before == 0 {
            0
        } else {
            let scaled = f64::from(rs.replicas()) * f64::from(max_now) / f64::from(max_before);
            scaled.round() as i32 - rs.replicas()
        }
    };
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// Deletes old ReplicaSets beyond the revision history limit, oldest first, when they have
/// no replicas (`cleanupDeployment`).
fn cleanup(ctx: &Ctx<'_>, old: &[&ReplicaSet]) -> Flow<()> {
    let limit = ctx.d.spec.revision_history_limit.unwrap_or(10);
    if limit == i32::MAX {
        return Ok(());
    }
    let mut cleanable: Vec<&ReplicaSet> = old
        .iter()
        .copied()
        .filter(|rs| !rs.metadata.is_terminating())
        .collect();
    let diff = cleanable.len() as i64 - i64::from(limit);
    if diff <= 0 {
        return Ok(());
    }
    cleanable.sort_by_key(|rs| util::age_key(rs));
    for rs in cleanable.into_iter().take(diff as usize) {
        if rs.status.replicas != 0
            || rs.replicas() != 0
            || rs.metadata.generation > rs.status.observed_generation
        {
            continue;
        }
        return Err(Box::new(Operation::Delete(rs.clone().into_object())));
    }
    Ok(())
}

/// The RollingUpdate strategy (`rolloutRolling`).
pub fn rolling(ctx: &Ctx<'_>) -> Flow<()> {
    let (new, old) = all_and_sync_revision(ctx, true)?;
    let all = with_new(&old, new);
    if let Some(new) = new {
        reconcile_new(ctx, &all, new)?;
        reconcile_old(ctx, &all, &active(&old), new)?;
    }
    if is_complete(ctx.d, &ctx.d.status) {
        cleanup(ctx, &old)?;
    }
    sync_rollout_status(ctx, &all, new)
}

/// Scales the new ReplicaSet down to the Deployment's replicas, or up within the surge
/// (`reconcileNewReplicaSet`).
fn reconcile_new(ctx: &Ctx<'_>, all: &[&ReplicaSet], new: &ReplicaSet) -> Flow<()> {
    let want = ctx.d.replicas();
    if new.replicas() == want {
        return Ok(());
    }
    if new.replicas() > want {
        return scale_to(ctx, new, want);
    }
    scale_to(ctx, new, new_rs_new_replicas(ctx.d, all, new))
}

/// Scales old ReplicaSets down without going below the minimum available: unhealthy replicas
/// first, then healthy ones (`reconcileOldReplicaSets`).
fn reconcile_old(
    ctx: &Ctx<'_>,
    all: &[&ReplicaSet],
    old: &[&ReplicaSet],
    new: &ReplicaSet,
) -> Flow<()> {
    if util::replica_count(old) == 0 {
        return Ok(());
    }
    let d = ctx.d;
    let min_available = d.replicas() - util::max_unavailable(d);
    let new_unavailable = new.replicas() - new.status.available_replicas;
    let max_scaled_down = util::replica_count(all) - min_available - new_unavailable;
    if max_scaled_down <= 0 {
        return Ok(());
    }
    let mut old = old.to_vec();
    old.sort_by_key(|rs| util::age_key(rs));
    // cleanupUnhealthyReplicas: the first ReplicaSet with unavailable replicas.
    for rs in &old {
        let unhealthy = rs.replicas() - rs.status.available_replicas;
        if rs.replicas() == 0 || unhealthy <= 0 {
            continue;
        }
        let down = max_scaled_down.min(unhealthy);
        return scale_to(ctx, rs, rs.replicas() - down);
    }
    // scaleDownOldReplicaSetsForRollingUpdate.
    let available = util::available_replica_count(all);
    if available <= min_available {
        return Ok(());
    }
    let total_down = available - min_available;
    for rs in &old {
        if rs.replicas() == 0 {
            continue;
        }
        let down = rs.replicas().min(total_down);
        return scale_to(ctx, rs, rs.replicas() - down);
    }
    Ok(())
}

/// The Recreate strategy (`rolloutRecreate`): old ReplicaSets to 0, wait until their pods are
/// gone, then create or scale up the new one.
pub fn recreate(ctx: &Ctx<'_>) -> Flow<()> {
    let (new, old) = all_and_sync_revision(ctx, false)?;
    let all = with_new(&old, new);
    for rs in active(&old) {
        scale_to(ctx, rs, 0)?;
    }
    if old_pods_running(ctx, new, &old) {
        return sync_rollout_status(ctx, &all, new);
    }
    let (new, old) = match new {
        Some(_) => (new, old),
        None => all_and_sync_revision(ctx, true)?,
    };
    let all = with_new(&old, new);
    if let Some(rs) = new {
        scale_to(ctx, rs, ctx.d.replicas())?;
    }
    if is_complete(ctx.d, &ctx.d.status) {
        cleanup(ctx, &old)?;
    }
    sync_rollout_status(ctx, &all, new)
}

/// Whether old ReplicaSets report pods, or any pod of theirs has not finished, terminating or
/// not (`oldPodsRunning`).
fn old_pods_running(ctx: &Ctx<'_>, new: Option<&ReplicaSet>, old: &[&ReplicaSet]) -> bool {
    if util::actual_replica_count(old) > 0 {
        return true;
    }
    let new_uid = new.map(|rs| rs.metadata.uid.as_str());
    ctx.pods.iter().any(|pod| {
        let Some(owner) = pod.metadata.controller_ref() else {
            return false;
        };
        Some(owner.uid.as_str()) != new_uid
            && ctx.owned.iter().any(|rs| rs.metadata.uid == owner.uid)
            && ctx.d.spec.selector.matches(&pod.metadata.labels)
            && !matches!(pod.status.phase, PodPhase::Succeeded | PodPhase::Failed)
    })
}
