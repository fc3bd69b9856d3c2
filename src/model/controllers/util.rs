//! Helpers shared by controllers: ownership, selection, naming, and where a pod runs.

use crate::model::collection::Resources;
use crate::model::resources::{Kind, LabelSelector, Metadata, OwnerReference, Pod};

/// A controller owner reference to `owner` of `kind`.
pub fn controller_ref(kind: Kind, owner: &Metadata) -> OwnerReference {
    OwnerReference::controller_of(kind, owner)
}

/// Whether the pod counts as active for its controller: not finished and not terminating
/// (Kubernetes' `controller.IsPodActive`).
pub fn is_pod_active(pod: &Pod) -> bool {
    pod.is_active()
}

/// The node a pod is bound to; an empty `nodeName` counts as unbound, as in Kubernetes.
pub fn bound_node(pod: &Pod) -> Option<&str> {
    pod.spec.node_name.as_deref().filter(|n| !n.is_empty())
}

/// Whether the pod is bound to the node named `node`.
pub fn is_bound_to(pod: &Pod, node: &str) -> bool {
    bound_node(pod) == Some(node)
}

/// Whether a terminating resource has been finished with (grace period 0): only its finalizers
/// hold it, and another delete is refused by the API server.
pub fn is_finished_with(meta: &Metadata) -> bool {
    meta.is_terminating() && meta.deletion_grace_period_seconds == Some(0)
}

/// Whether the resource has no controller owner reference (an orphan a controller may adopt).
pub fn is_orphan(meta: &Metadata) -> bool {
    meta.controller_ref().is_none()
}

/// Whether `meta` is controlled by the resource whose metadata is `owner` (same uid).
pub fn is_owned_by(meta: &Metadata, owner: &Metadata) -> bool {
    meta.is_controlled_by(&owner.uid)
}

/// The pods controlled by `owner`, in name order.
pub fn pods_owned_by<'a>(
    pods: &'a Resources<Pod>,
    owner: &'a Metadata,
) -> impl Iterator<Item = &'a Pod> + 'a {
    pods.iter().filter(move |p| is_owned_by(&p.metadata, owner))
}

/// Whether a controller with `selector` may adopt this orphan: it matches and is not terminating
/// (Kubernetes' `ClaimObject` adopts only live orphans).
pub fn is_adoptable(meta: &Metadata, selector: &LabelSelector) -> bool {
    is_orphan(meta) && !meta.is_terminating() && selector.matches(&meta.labels)
}

/// Builders of hand-made states for controller tests.
#[cfg(test)]
pub mod fixtures {
    use crate::model::api;
    use crate::model::history::Read;
    use crate::model::resources::*;
    use crate::model::view::View;

    /// A view of these objects as the API server would have created them at revision 1.
    pub fn view_of(objects: impl IntoIterator<Item = Object>) -> View {
        View::new(api::initial_state(objects, 1), Read::At(1))
    }

    /// A Ready node with this capacity (and allocatable), e.g. `[("cpu", "2"), ("pods", "3")]`.
    pub fn ready_node(name: &str, capacity: &[(&str, &str)]) -> Node {
        let mut node = Node {
            metadata: Metadata::named(name),
            ..Node::default()
        };
        for (resource, amount) in capacity {
            let q = Quantity::parse(amount).expect("a quantity");
            node.status.capacity.insert(resource.to_string(), q);
            node.status.allocatable.insert(resource.to_string(), q);
        }
        set_condition(
            &mut node.status.conditions,
            Condition::new("Ready", true, "KubeletReady"),
        );
        node
    }

    /// A pending pod with one container `app` requesting these amounts, e.g. `[("cpu", "1")]`.
    pub fn pod(name: &str, requests: &[(&str, &str)]) -> Pod {
        let mut container = Container {
            name: "app".into(),
            image: "app:1".into(),
            ..Container::default()
        };
        for (resource, amount) in requests {
            let q = Quantity::parse(amount).expect("a quantity");
            container.resources.requests.insert(resource.to_string(), q);
        }
        let mut pod = Pod {
            metadata: Metadata::named(name),
            ..Pod::default()
        };
        pod.spec.containers.push(container);
        pod
    }

    /// The pod bound to `node`.
    pub fn bound(mut pod: Pod, node: &str) -> Pod {
        pod.spec.node_name = Some(node.to_string());
        pod
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn pod(name: &str, node: Option<&str>) -> Pod {
        let mut p = Pod {
            metadata: Metadata::named(name),
            ..Pod::default()
        };
        p.spec.node_name = node.map(str::to_string);
        p
    }

    #[test]
    fn an_empty_node_name_is_unbound() {
        assert_eq!(bound_node(&pod("a", None)), None);
        assert_eq!(bound_node(&pod("a", Some(""))), None);
        assert_eq!(bound_node(&pod("a", Some("n1"))), Some("n1"));
        assert!(is_bound_to(&pod("a", Some("n1")), "n1"));
        assert!(!is_bound_to(&pod("a", Some("n1")), "n2"));
    }

    #[test]
    fn ownership_follows_the_controller_uid() {
        let mut owner = Metadata::named("web");
        owner.uid = "u1".into();
        let mut owned = pod("web-0", None);
        owned.metadata.owner_references = vec![controller_ref(Kind::StatefulSet, &owner)];
        let stranger = pod("other", None);
        assert!(is_owned_by(&owned.metadata, &owner));
        assert!(!is_orphan(&owned.metadata));
        assert!(is_orphan(&stranger.metadata));
        let mut pods = Resources::new();
        pods.insert(owned);
        pods.insert(stranger);
        let names: Vec<_> = pods_owned_by(&pods, &owner)
            .map(|p| p.metadata.name.as_str())
            .collect();
        assert_eq!(names, ["web-0"]);
    }

    #[test]
    fn only_live_matching_orphans_are_adoptable() {
        let selector = LabelSelector::from_labels(BTreeMap::from([("app".into(), "web".into())]));
        let mut meta = Metadata::named("p");
        assert!(!is_adoptable(&meta, &selector));
        meta.labels.insert("app".into(), "web".into());
        assert!(is_adoptable(&meta, &selector));
        meta.deletion_timestamp = Some(3);
        assert!(!is_adoptable(&meta, &selector));
    }

    #[test]
    fn finished_with_means_grace_zero() {
        let mut meta = Metadata::named("p");
        assert!(!is_finished_with(&meta));
        meta.deletion_timestamp = Some(2);
        meta.deletion_grace_period_seconds = Some(30);
        assert!(!is_finished_with(&meta));
        meta.deletion_grace_period_seconds = Some(0);
        assert!(is_finished_with(&meta));
    }
}
