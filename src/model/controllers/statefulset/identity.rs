//! A StatefulSet pod's identity: its name and ordinal, membership and claiming, the pod and
//! claims made for an ordinal (Kubernetes' `stateful_set_utils.go`).

use crate::model::collection::Resources;
use crate::model::controllers::util::controller_ref;
use crate::model::resources::{
    ClaimSource, Kind, Metadata, PersistentVolumeClaim, Pod, PodTemplateSpec, StatefulSet, Volume,
};

/// The label naming the ControllerRevision a pod was made from.
pub const REVISION_LABEL: &str = "controller-revision-hash";
/// The label carrying a pod's own name (its stable network identity).
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";

/// The name of the pod at `ordinal`: `<set>-<ordinal>`.
pub fn pod_name(set: &str, ordinal: i32) -> String {
    format!("{set}-{ordinal}")
}

/// The ordinal of a pod named `<set>-<ordinal>` (in canonical decimal form), `None` when the
/// name is not one of the set's.
pub fn ordinal_of(set: &str, pod: &str) -> Option<i32> {
    let digits = pod.strip_prefix(set)?.strip_prefix('-')?;
    let ordinal: i32 = digits.parse().ok()?;
    (ordinal >= 0 && digits == ordinal.to_string()).then_some(ordinal)
}

/// Whether a pod's name and labels make it a member the set may own (selector and name).
pub fn is_member(set: &StatefulSet, pod: &Pod) -> bool {
    set.spec.selector.matches(&pod.metadata.labels)
        && ordinal_of(&set.metadata.name, &pod.metadata.name).is_some()
}

/// The pods the set has claimed, with their ordinals, in name order: controlled by the set's
/// uid, selected by it, named as its members. (Status counts and properties use this.)
pub fn claimed<'a>(set: &StatefulSet, pods: &'a Resources<Pod>) -> Vec<(i32, &'a Pod)> {
    pods.iter()
        .filter(|p| p.metadata.is_controlled_by(&set.metadata.uid) && is_member(set, p))
        .filter_map(|p| Some((ordinal_of(&set.metadata.name, &p.metadata.name)?, p)))
        .collect()
}

/// Whether `ordinal` is one of the replicas the set wants: `[start, start + replicas)`.
pub fn in_range(set: &StatefulSet, ordinal: i32) -> bool {
    let start = set.start_ordinal();
    ordinal >= start && ordinal < start.saturating_add(set.replicas().max(0))
}

/// The revision name a pod carries.
pub fn pod_revision(pod: &Pod) -> Option<&str> {
    pod.metadata.labels.get(REVISION_LABEL).map(String::as_str)
}

/// The claim name for one volume claim template and ordinal: `<claim>-<set>-<ordinal>`.
pub fn claim_name(claim: &PersistentVolumeClaim, set: &str, ordinal: i32) -> String {
    format!("{}-{}", claim.metadata.name, pod_name(set, ordinal))
}

/// The claims the pod at `ordinal` needs, one per volume claim template: no owner (Kubernetes'
/// default `Retain` policy), labelled with the template's labels and the selector's
/// `matchLabels`.
pub fn claims_for(set: &StatefulSet, ordinal: i32) -> Vec<PersistentVolumeClaim> {
    set.spec
        .volume_claim_templates
        .iter()
        .map(|template| {
            let mut labels = template.metadata.labels.clone();
            for (k, v) in &set.spec.selector.match_labels {
                labels.insert(k.clone(), v.clone());
            }
            PersistentVolumeClaim {
                metadata: Metadata {
                    name: claim_name(template, &set.metadata.name, ordinal),
                    namespace: set.metadata.namespace.clone(),
                    labels,
                    annotations: template.metadata.annotations.clone(),
                    ..Metadata::default()
                },
                spec: template.spec.clone(),
                status: Default::default(),
            }
        })
        .collect()
}

/// Gives a pod its identity (pod-name label, hostname, subdomain) and its claims' volumes:
/// Kubernetes' `initIdentity` and `updateStorage`. Returns whether anything changed.
fn set_identity(set: &StatefulSet, pod: &mut Pod, ordinal: i32) -> bool {
    let before = pod.clone();
    let name = pod_name(&set.metadata.name, ordinal);
    pod.metadata
        .labels
        .insert(POD_NAME_LABEL.into(), name.clone());
    pod.spec.hostname = Some(name);
    pod.spec.subdomain = (!set.spec.service_name.is_empty()).then(|| set.spec.service_name.clone());
    for claim in &set.spec.volume_claim_templates {
        let volume = Volume {
            name: claim.metadata.name.clone(),
            persistent_volume_claim: Some(ClaimSource {
                claim_name: claim_name(claim, &set.metadata.name, ordinal),
            }),
        };
        match pod.spec.volumes.iter_mut().find(|v| v.name == volume.name) {
            Some(existing) => *existing = volume,
            None => pod.spec.volumes.push(volume),
        }
    }
    *pod != before
}

/// The pod with its identity and storage repaired, when they do not match the set (an adopted
/// pod, or one edited by hand); `None` when they match.
pub fn repaired(set: &StatefulSet, pod: &Pod, ordinal: i32) -> Option<Pod> {
    let mut fixed = pod.clone();
    set_identity(set, &mut fixed, ordinal).then_some(fixed)
}

/// The pod for `ordinal` made from `template` (the data of revision `revision`): the template's
/// labels plus the revision and pod-name labels, hostname and subdomain, one volume per claim
/// template, and the set as controller.
pub fn new_pod(set: &StatefulSet, template: &PodTemplateSpec, revision: &str, ordinal: i32) -> Pod {
    let name = pod_name(&set.metadata.name, ordinal);
    let mut meta = Metadata {
        name: name.clone(),
        namespace: set.metadata.namespace.clone(),
        owner_references: vec![controller_ref(Kind::StatefulSet, &set.metadata)],
        ..Metadata::default()
    };
    meta.labels.insert(REVISION_LABEL.into(), revision.into());
    meta.labels.insert(POD_NAME_LABEL.into(), name.clone());
    let mut pod = template.instantiate(meta);
    set_identity(set, &mut pod, ordinal);
    pod
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_parse_only_canonical_member_names() {
        assert_eq!(ordinal_of("web", "web-0"), Some(0));
        assert_eq!(ordinal_of("web", "web-12"), Some(12));
        assert_eq!(ordinal_of("web", "web-01"), None);
        assert_eq!(ordinal_of("web", "web-x"), None);
        assert_eq!(ordinal_of("web", "webb-1"), None);
        assert_eq!(ordinal_of("web", "web-1-2"), None);
        assert_eq!(ordinal_of("web-1", "web-1-2"), Some(2));
        assert_eq!(ordinal_of("web", "web--1"), None);
    }
}
