//! Deployment helpers after Kubernetes' `pkg/controller/deployment/util`: the pod template
//! hash, annotations copied to ReplicaSets, the rolling-update fenceposts, replica counts.

use std::collections::BTreeMap;

use crate::model::resources::{Deployment, IntOrString, PodTemplateSpec, ReplicaSet};

/// The label (and selector key) naming a ReplicaSet's template.
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// The rollout revision of a ReplicaSet, and of its Deployment.
pub const REVISION: &str = "deployment.kubernetes.io/revision";
/// Revisions a ReplicaSet had before it became new again.
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
/// The deployment's replicas when the ReplicaSet was last scaled.
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
/// The deployment's replicas plus surge when the ReplicaSet was last scaled.
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
/// kubectl's last applied configuration.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// The deprecated rollback request.
pub const ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";

/// Annotations of a Deployment that are not copied to its ReplicaSets.
pub fn skip_copy(key: &str) -> bool {
    matches!(
        key,
        LAST_APPLIED | REVISION | REVISION_HISTORY | DESIRED_REPLICAS | MAX_REPLICAS | ROLLBACK_TO
    )
}

/// The characters Kubernetes' `rand.SafeEncodeString` maps to (no vowels, no look-alikes).
const SAFE: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A deterministic hash of a template and the collision count, encoded as Kubernetes encodes
/// `ComputeHash` (FNV-1a 32 of the template, then the count, as safe characters). The template
/// is hashed through its JSON form, so equal templates hash alike.
pub fn template_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    // Invariant: a template serializes (every map is keyed by strings).
    let bytes = serde_json::to_vec(template).expect("a pod template serializes");
    let mut hash: u32 = 0x811c_9dc5;
    let mut feed = |b: u8| {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    };
    bytes.iter().for_each(|b| feed(*b));
    if let Some(count) = collision_count {
        (count as u32).to_le_bytes().iter().for_each(|b| feed(*b));
    }
    hash.to_string()
        .bytes()
        .map(|b| SAFE[usize::from(b) % SAFE.len()] as char)
        .collect()
}

/// Whether two templates are equal apart from the pod-template-hash label.
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let strip = |t: &PodTemplateSpec| {
        let mut t = t.clone();
        t.metadata.labels.remove(POD_TEMPLATE_HASH);
        t
    };
    strip(a) == strip(b)
}

/// Whether the Deployment uses the rolling update strategy (the default).
pub fn is_rolling_update(d: &Deployment) -> bool {
    d.spec.strategy.type_.as_deref() != Some("Recreate")
}

fn bound(value: &Option<IntOrString>) -> IntOrString {
    value
        .clone()
        .unwrap_or_else(|| IntOrString::String("25%".into()))
}

/// `maxSurge` and `maxUnavailable` resolved against the replicas (surge rounds up,
/// unavailability down; both zero makes unavailability 1), as `ResolveFenceposts`.
pub fn fenceposts(d: &Deployment) -> (i32, i32) {
    let rolling = d.spec.strategy.rolling_update.clone().unwrap_or_default();
    let desired = d.replicas();
    let surge = bound(&rolling.max_surge).scaled(desired, true).unwrap_or(0);
    let unavailable = bound(&rolling.max_unavailable)
        .scaled(desired, false)
        .unwrap_or(0);
    if surge == 0 && unavailable == 0 {
        (0, 1)
    } else {
        (surge, unavailable)
    }
}

/// Pods allowed above the desired count (0 for Recreate).
pub fn max_surge(d: &Deployment) -> i32 {
    if !is_rolling_update(d) {
        return 0;
    }
    fenceposts(d).0
}

/// Pods allowed to be unavailable (0 for Recreate or no replicas; at most the replicas).
pub fn max_unavailable(d: &Deployment) -> i32 {
    if !is_rolling_update(d) || d.replicas() == 0 {
        return 0;
    }
    fenceposts(d).1.min(d.replicas())
}

/// A ReplicaSet's rollout revision (0 when absent or malformed).
pub fn revision(rs: &ReplicaSet) -> i64 {
    rs.metadata
        .annotations
        .get(REVISION)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The order of ReplicaSets by age: the model has no creation timestamps, so the revision
/// annotation stands for age, then the name.
pub fn age_key(rs: &ReplicaSet) -> (i64, String) {
    (revision(rs), rs.metadata.name.clone())
}

/// Sum of `spec.replicas`.
pub fn replica_count(rss: &[&ReplicaSet]) -> i32 {
    rss.iter().map(|rs| rs.replicas()).sum()
}

/// Sum of `status.replicas`.
pub fn actual_replica_count(rss: &[&ReplicaSet]) -> i32 {
    rss.iter().map(|rs| rs.status.replicas).sum()
}

/// Sum of `status.readyReplicas`.
pub fn ready_replica_count(rss: &[&ReplicaSet]) -> i32 {
    rss.iter().map(|rs| rs.status.ready_replicas).sum()
}

/// Sum of `status.availableReplicas`.
pub fn available_replica_count(rss: &[&ReplicaSet]) -> i32 {
    rss.iter().map(|rs| rs.status.available_replicas).sum()
}

/// Copies the Deployment's annotations (but the skipped ones) to the ReplicaSet; returns
/// whether any changed.
pub fn copy_annotations(d: &Deployment, rs: &mut ReplicaSet) -> bool {
    let mut changed = false;
    for (k, v) in &d.metadata.annotations {
        if skip_copy(k) || rs.metadata.annotations.get(k) == Some(v) {
            continue;
        }
        rs.metadata.annotations.insert(k.clone(), v.clone());
        changed = true;
    }
    changed
}

/// Sets the desired- and max-replicas annotations; returns whether any changed.
pub fn set_replicas_annotations(rs: &mut ReplicaSet, desired: i32, max: i32) -> bool {
    let a = &mut rs.metadata.annotations;
    let mut changed = false;
    for (key, value) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        let value = value.to_string();
        if a.get(key) != Some(&value) {
            a.insert(key.to_string(), value);
            changed = true;
        }
    }
    changed
}

/// Whether the replicas annotations differ from these values.
pub fn replicas_annotations_need_update(rs: &ReplicaSet, desired: i32, max: i32) -> bool {
    let a = &rs.metadata.annotations;
    a.get(DESIRED_REPLICAS) != Some(&desired.to_string())
        || a.get(MAX_REPLICAS) != Some(&max.to_string())
}

/// The annotations of the new ReplicaSet (`SetNewReplicaSetAnnotations`): the Deployment's
/// annotations, the revision raised to `new_revision` (keeping earlier ones in the history),
/// and, for a ReplicaSet about to be created, the replicas annotations.
pub fn set_new_rs_annotations(
    d: &Deployment,
    rs: &mut ReplicaSet,
    new_revision: i64,
    exists: bool,
) -> bool {
    let mut changed = copy_annotations(d, rs);
    let old = rs.metadata.annotations.get(REVISION).cloned();
    let old_revision = match old.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(r)) => r,
        Some(Err(_)) => return false,
    };
    if old_revision < new_revision {
        let a = &mut rs.metadata.annotations;
        a.insert(REVISION.to_string(), new_revision.to_string());
        changed = true;
        if let Some(old) = old {
            let history = match a.get(REVISION_HISTORY) {
                Some(h) if !h.is_empty() => format!("{h},{old}"),
                _ => old,
            };
            a.insert(REVISION_HISTORY.to_string(), history);
        }
    }
    if !exists && set_replicas_annotations(rs, d.replicas(), d.replicas() + max_surge(d)) {
        changed = true;
    }
    changed
}

/// A copy of `labels` with the pod-template-hash label set.
pub fn with_hash(labels: &BTreeMap<String, String>, hash: &str) -> BTreeMap<String, String> {
    let mut labels = labels.clone();
    labels.insert(POD_TEMPLATE_HASH.to_string(), hash.to_string());
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Container, RollingUpdateDeployment};

    fn template(image: &str) -> PodTemplateSpec {
        let mut t = PodTemplateSpec::default();
        t.spec.containers.push(Container {
            name: "c".into(),
            image: image.into(),
            ..Container::default()
        });
        t
    }

    #[test]
    fn the_hash_depends_on_the_template_and_the_collision_count() {
        let a = template_hash(&template("nginx:1"), None);
        assert_eq!(a, template_hash(&template("nginx:1"), None));
        assert_ne!(a, template_hash(&template("nginx:2"), None));
        assert_ne!(a, template_hash(&template("nginx:1"), Some(1)));
        assert!(a.bytes().all(|b| SAFE.contains(&b)));
    }

    #[test]
    fn fenceposts_default_to_a_quarter_and_never_both_zero() {
        let mut d = Deployment::default();
        d.spec.replicas = Some(4);
        assert_eq!(fenceposts(&d), (1, 1));
        d.spec.replicas = Some(3);
        assert_eq!(fenceposts(&d), (1, 0));
        d.spec.strategy.rolling_update = Some(RollingUpdateDeployment {
            max_surge: Some(IntOrString::Int(0)),
            max_unavailable: Some(IntOrString::String("10%".into())),
        });
        assert_eq!(fenceposts(&d), (0, 1));
        d.spec.strategy.type_ = Some("Recreate".into());
        assert_eq!((max_surge(&d), max_unavailable(&d)), (0, 0));
    }
}
