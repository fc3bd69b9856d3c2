//! A StatefulSet's ControllerRevisions: one snapshot of each pod template it has had, named
//! `<set>-<hash of template>`, numbered in the order they became the update revision, and
//! trimmed to `revisionHistoryLimit` (Kubernetes' `controller_history.go` as the statefulset
//! controller uses it).

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::model::collection::Resources;
use crate::model::controllers::util::controller_ref;
use crate::model::operation::Operation;
use crate::model::resources::{
    ControllerRevision, Kind, Metadata, Object, PodTemplateSpec, StatefulSet,
};

/// The label carrying a revision's template hash.
pub const HASH_LABEL: &str = "controller.kubernetes.io/hash";

/// Revisions kept when `revisionHistoryLimit` is unset.
pub const DEFAULT_HISTORY_LIMIT: i32 = 10;

/// Kubernetes' `rand.SafeEncodeString` alphabet: no vowels, no look-alike digits.
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A deterministic hash of a template (and the collision count, when set), encoded as
/// Kubernetes encodes revision hashes: the decimal digits of a 32-bit hash mapped onto
/// [`SAFE_ALPHABET`].
pub fn template_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    let mut hasher = Sha256::new();
    // A template is plain data with string map keys: serialising it cannot fail.
    hasher.update(serde_json::to_vec(template).unwrap_or_default());
    if let Some(count) = collision_count {
        hasher.update(count.to_le_bytes());
    }
    let digest = hasher.finalize();
    let value = u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
    value
        .to_string()
        .bytes()
        .map(|b| char::from(SAFE_ALPHABET[usize::from(b) % SAFE_ALPHABET.len()]))
        .collect()
}

/// The name of the revision for the set's current template: `<set>-<hash>`.
pub fn revision_name(set: &StatefulSet) -> String {
    format!(
        "{}-{}",
        set.metadata.name,
        template_hash(&set.spec.template, set.status.collision_count)
    )
}

/// The revisions the set controls, oldest (lowest `revision`) first.
pub fn owned<'a>(
    set: &StatefulSet,
    revisions: &'a Resources<ControllerRevision>,
) -> Vec<&'a ControllerRevision> {
    let mut out: Vec<_> = revisions
        .iter()
        .filter(|r| r.metadata.is_controlled_by(&set.metadata.uid))
        .collect();
    out.sort_by(|a, b| (a.revision, &a.metadata.name).cmp(&(b.revision, &b.metadata.name)));
    out
}

/// What the update revision needs.
#[derive(Debug)]
pub enum UpdateRevision<'a> {
    /// It exists and is the newest: the pods are to be at this revision.
    Ready(&'a ControllerRevision),
    /// A write is needed first: create the revision, renumber an older equal one (a rollback
    /// to an earlier template), or bump the collision count on a name clash.
    Write(Box<Operation>),
}

/// Finds, or says how to make, the revision of the set's current template. `owned` is
/// [`owned`]'s answer; `all` every revision (to detect a name clash).
pub fn update_revision<'a>(
    set: &StatefulSet,
    owned: &[&'a ControllerRevision],
    all: &Resources<ControllerRevision>,
) -> UpdateRevision<'a> {
    let newest = owned.iter().map(|r| r.revision).max().unwrap_or(0);
    let equal = owned
        .iter()
        .rev()
        .find(|r| r.data == set.spec.template)
        .copied();
    match equal {
        Some(r) if r.revision == newest => UpdateRevision::Ready(r),
        Some(r) => {
            let mut renumbered = r.clone();
            renumbered.revision = newest + 1;
            UpdateRevision::Write(Box::new(Operation::Update(Object::ControllerRevision(
                renumbered,
            ))))
        }
        None => {
            let name = revision_name(set);
            if all.contains(&name) {
                let mut bumped = set.clone();
                bumped.status.collision_count =
                    Some(set.status.collision_count.unwrap_or(0).saturating_add(1));
                return UpdateRevision::Write(Box::new(Operation::Update(Object::StatefulSet(
                    bumped,
                ))));
            }
            let mut labels = set.spec.template.metadata.labels.clone();
            let hash = template_hash(&set.spec.template, set.status.collision_count);
            labels.insert(HASH_LABEL.into(), hash);
            let revision = ControllerRevision {
                metadata: Metadata {
                    name,
                    namespace: set.metadata.namespace.clone(),
                    labels,
                    owner_references: vec![controller_ref(Kind::StatefulSet, &set.metadata)],
                    ..Metadata::default()
                },
                data: set.spec.template.clone(),
                revision: newest + 1,
            };
            UpdateRevision::Write(Box::new(Operation::Create(Object::ControllerRevision(
                revision,
            ))))
        }
    }
}

/// The oldest revision beyond `revisionHistoryLimit` that nothing uses (`live`: the current
/// and update revisions and every claimed pod's revision), if any: the next to delete.
pub fn excess<'a>(
    set: &StatefulSet,
    owned: &[&'a ControllerRevision],
    live: &BTreeSet<&str>,
) -> Option<&'a ControllerRevision> {
    let limit = usize::try_from(
        set.spec
            .revision_history_limit
            .unwrap_or(DEFAULT_HISTORY_LIMIT),
    )
    .unwrap_or(0);
    let history: Vec<_> = owned
        .iter()
        .filter(|r| !live.contains(r.metadata.name.as_str()) && !r.metadata.is_terminating())
        .collect();
    (history.len() > limit).then(|| *history[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::Container;

    fn template(image: &str) -> PodTemplateSpec {
        let mut t = PodTemplateSpec::default();
        t.spec.containers.push(Container {
            name: "app".into(),
            image: image.into(),
            ..Container::default()
        });
        t
    }

    #[test]
    fn hashes_are_deterministic_safe_and_template_sensitive() {
        let a = template_hash(&template("nginx:1"), None);
        assert_eq!(a, template_hash(&template("nginx:1"), None));
        assert_ne!(a, template_hash(&template("nginx:2"), None));
        assert_ne!(a, template_hash(&template("nginx:1"), Some(1)));
        assert!(a.bytes().all(|b| SAFE_ALPHABET.contains(&b)), "{a}");
    }
}
