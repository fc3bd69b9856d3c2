//! Finding or creating a Deployment's new ReplicaSet, and syncing revisions (Kubernetes'
//! `getAllReplicaSetsAndSyncRevision` and `getNewReplicaSet`).

use super::status::{FOUND_NEW_RS, PROGRESSING, has_progress_deadline, set_condition};
use super::util::{self, POD_TEMPLATE_HASH};
use super::{Ctx, Flow};
use crate::model::operation::Operation;
use crate::model::resources::{
    Condition, Kind, LabelSelector, Metadata, OwnerReference, ReplicaSet, ReplicaSetSpec, Resource,
    find_condition,
};

/// The new ReplicaSet (if any) and the old ones, after writing what the new one and the
/// Deployment's revision need; with `create`, a missing new ReplicaSet is created.
pub fn all_and_sync_revision<'a>(
    ctx: &Ctx<'a>,
    create: bool,
) -> Flow<(Option<&'a ReplicaSet>, Vec<&'a ReplicaSet>)> {
    let found = find_new(ctx);
    let old: Vec<&ReplicaSet> = ctx
        .owned
        .iter()
        .copied()
        .filter(|rs| found.is_none_or(|n| n.metadata.name != rs.metadata.name))
        .collect();
    let new = new_replica_set(ctx, found, &old, create)?;
    Ok((new, old))
}

/// The oldest owned ReplicaSet whose template is the Deployment's (`FindNewReplicaSet`).
pub fn find_new<'a>(ctx: &Ctx<'a>) -> Option<&'a ReplicaSet> {
    let mut candidates: Vec<&ReplicaSet> = ctx
        .owned
        .iter()
        .copied()
        .filter(|rs| util::equal_ignore_hash(&rs.spec.template, &ctx.d.spec.template))
        .collect();
    candidates.sort_by_key(|rs| util::age_key(rs));
    candidates.into_iter().next()
}

fn new_replica_set<'a>(
    ctx: &Ctx<'a>,
    existing: Option<&'a ReplicaSet>,
    old: &[&ReplicaSet],
    create: bool,
) -> Flow<Option<&'a ReplicaSet>> {
    let d = ctx.d;
    let new_revision = old.iter().map(|rs| util::revision(rs)).max().unwrap_or(0) + 1;
    if let Some(rs) = existing {
        let mut copy = rs.clone();
        let annotated = util::set_new_rs_annotations(d, &mut copy, new_revision, true);
        if annotated || copy.spec.min_ready_seconds != d.spec.min_ready_seconds {
            copy.spec.min_ready_seconds = d.spec.min_ready_seconds;
            return Err(Box::new(Operation::Update(copy.into_object())));
        }
        let mut updated = d.clone();
        let mut needs_update = false;
        let rs_revision = rs.metadata.annotations.get(util::REVISION).cloned();
        let rs_revision = rs_revision.unwrap_or_default();
        if updated.metadata.annotations.get(util::REVISION) != Some(&rs_revision) {
            updated
                .metadata
                .annotations
                .insert(util::REVISION.to_string(), rs_revision);
            needs_update = true;
        }
        if has_progress_deadline(d) && find_condition(&d.status.conditions, PROGRESSING).is_none() {
            let message = format!("Found new replica set \"{}\"", rs.metadata.name);
            let mut condition = Condition::new(PROGRESSING, true, FOUND_NEW_RS);
            condition.message = message;
            set_condition(&mut updated.status.conditions, condition);
            needs_update = true;
        }
        if needs_update {
            return Err(Box::new(Operation::Update(updated.into_object())));
        }
        return Ok(Some(rs));
    }
    if !create {
        return Ok(None);
    }
    let hash = util::template_hash(&d.spec.template, d.status.collision_count);
    let mut template = d.spec.template.clone();
    template.metadata.labels = util::with_hash(&template.metadata.labels, &hash).into();
    let mut selector: LabelSelector = d.spec.selector.clone();
    selector
        .match_labels
        .insert(POD_TEMPLATE_HASH.to_string(), hash.clone());
    let name = format!("{}-{}", d.metadata.name, hash);
    let mut rs = ReplicaSet {
        metadata: Metadata {
            name: name.clone(),
            namespace: d.metadata.namespace.clone(),
            owner_references: vec![OwnerReference::controller_of(Kind::Deployment, &d.metadata)],
            labels: template.metadata.labels.clone(),
            ..Metadata::default()
        },
        spec: ReplicaSetSpec {
            replicas: Some(0),
            min_ready_seconds: d.spec.min_ready_seconds,
            selector,
            template,
        }
        .into(),
        ..ReplicaSet::default()
    };
    let mut all = old.to_vec();
    all.push(&rs);
    let replicas = new_rs_new_replicas(d, &all, &rs);
    rs.spec.replicas = Some(replicas);
    util::set_new_rs_annotations(d, &mut rs, new_revision, false);
    if let Some(clash) = ctx.all.iter().find(|r| r.metadata.name == name) {
        // The Deployment's own ReplicaSet with this template would have been found above; any
        // other ReplicaSet of this name is a hash collision: count it, so the next hash differs.
        let ours = clash.metadata.is_controlled_by(&d.metadata.uid)
            && util::equal_ignore_hash(&clash.spec.template, &d.spec.template);
        if ours {
            return Ok(Some(clash));
        }
        let mut updated = d.clone();
        *updated.status.collision_count.get_or_insert(0) += 1;
        return Err(Box::new(Operation::Update(updated.into_object())));
    }
    Err(Box::new(Operation::Create(rs.into_object())))
}

/// The replicas the new ReplicaSet should have now (`NewRSNewReplicas`): all of them under
/// Recreate; under RollingUpdate as many as the surge allows, up to the Deployment's replicas.
pub fn new_rs_new_replicas(
    d: &crate::model::resources::Deployment,
    all: &[&ReplicaSet],
    new: &ReplicaSet,
) -> i32 {
    if !util::is_rolling_update(d) {
        return d.replicas();
    }
    let surge = util::max_surge(d);
    let current = util::replica_count(all);
    let max_total = d.replicas() + surge;
    if current >= max_total {
        return new.replicas();
    }
    let up = (max_total - current).min(d.replicas() - new.replicas());
    new.replicas() + up
}
