//! The pod garbage collector: force-deletes pods no one else will finish
//! (dissertation §3.3.3.2; Kubernetes' `pkg/controller/podgc`).
//!
//! Per step, in this order and by pod name: an orphan (a pod bound to a node that is not in the
//! view, whatever its phase), then an unscheduled terminating pod. Each is removed with a
//! ForceDelete (grace period 0). Pods already finished with (grace period 0, held only by
//! finalizers) are skipped: the API server would refuse another delete. Bound pods on nodes that
//! exist are left to their node.
//!
//! Kubernetes (1.17, PR #82365) quarantines a Node missing from the node cache for 40 s and then
//! checks it with a live GET (`checkIfNodeExists`) before deleting its orphaned pods:
//! [`node_is_gone_live`], the registration's live check, applied under the guard
//! `podgc-live-node-check`. The quarantine itself is a delay, which an untimed model already
//! allows any length of; the live read at the latest revision is what makes it safe.

use super::util::{bound_node, is_finished_with};
use super::{Controller, ControllerSpec, LocalState, Registration};
use crate::model::collection::Resources;
use crate::model::operation::Operation;
use crate::model::resources::{Kind, Node, Object, Pod};
use crate::model::view::View;

/// Registration of the pod garbage collector.
pub const REGISTRATION: Registration = Registration {
    kind: "podgc",
    summary: "force-deletes orphaned and unscheduled terminating pods",
    watches: &[Kind::Node, Kind::Pod],
    is_node: false,
    expectations: false,
    staleness_guard: &[],
    live_check: Some(node_is_gone_live),
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(PodGc)
}

/// The pod garbage collector. It keeps no local state beyond its session.
#[derive(Debug)]
pub struct PodGc;

impl Controller for PodGc {
    fn step(&self, view: &View, _local: &mut LocalState) -> Option<Operation> {
        let nodes = view.nodes();
        let pods = view.pods();
        let collectable = |p: &&Pod| !is_finished_with(&p.metadata);
        let orphan = pods
            .iter()
            .filter(collectable)
            .find(|p| is_orphaned(p, nodes));
        let unscheduled_terminating = || {
            pods.iter()
                .filter(collectable)
                .find(|p| bound_node(p).is_none() && p.metadata.is_terminating())
        };
        let pod = orphan.or_else(unscheduled_terminating)?;
        Some(Operation::ForceDelete(Object::Pod(pod.clone())))
    }
}

/// The live check before a delete: an orphan is deleted only if its Node is gone at the latest
/// revision too (an unscheduled terminating pod needs no Node check).
pub fn node_is_gone_live(operation: &Operation, latest: &crate::model::state::StateView) -> bool {
    match operation {
        Operation::ForceDelete(Object::Pod(pod)) => {
            bound_node(pod).is_none_or(|node| !latest.nodes.contains(node))
        }
        _ => true,
    }
}

/// Whether the pod is bound to a node that does not exist.
pub fn is_orphaned(pod: &Pod, nodes: &Resources<Node>) -> bool {
    bound_node(pod).is_some_and(|node| !nodes.contains(node))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::api;
    use crate::model::controllers::util::fixtures::{bound, pod, ready_node, view_of};
    use crate::model::resources::PodPhase;

    fn collect(objects: Vec<Object>) -> Option<String> {
        let view = view_of(objects);
        let op = PodGc.step(&view, &mut LocalState::default())?;
        let Operation::ForceDelete(Object::Pod(p)) = &op else {
            panic!("podgc only force-deletes pods, got {op}")
        };
        let applied = api::apply(view.unrecorded_state(), &op, 2).expect("the delete commits");
        assert!(!applied.pods.contains(&p.metadata.name), "the pod is gone");
        Some(p.metadata.name.clone())
    }

    fn terminating(mut p: Pod) -> Pod {
        p.metadata.deletion_timestamp = Some(1);
        p.metadata.deletion_grace_period_seconds = Some(30);
        p
    }

    #[test]
    fn removes_a_pod_bound_to_a_node_that_is_gone() {
        let objects = vec![
            Object::Node(ready_node("n1", &[])),
            Object::Pod(bound(pod("a", &[]), "n1")),
            Object::Pod(bound(pod("b", &[]), "n2")),
        ];
        assert_eq!(collect(objects), Some("b".into()));
    }

    #[test]
    fn removes_finished_and_terminating_orphans_too() {
        let mut finished = bound(pod("a", &[]), "gone");
        finished.status.phase = PodPhase::Succeeded;
        assert_eq!(collect(vec![Object::Pod(finished)]), Some("a".into()));
        let running = terminating(bound(pod("b", &[]), "gone"));
        assert_eq!(collect(vec![Object::Pod(running)]), Some("b".into()));
    }

    #[test]
    fn leaves_bound_pods_on_existing_nodes_and_pending_pods_alone() {
        let objects = vec![
            Object::Node(ready_node("n1", &[])),
            Object::Pod(bound(pod("a", &[]), "n1")),
            Object::Pod(terminating(bound(pod("b", &[]), "n1"))),
            Object::Pod(pod("c", &[])),
        ];
        assert_eq!(collect(objects), None);
    }

    #[test]
    fn removes_an_unscheduled_terminating_pod() {
        let objects = vec![
            Object::Node(ready_node("n1", &[])),
            Object::Pod(pod("a", &[])),
            Object::Pod(terminating(pod("b", &[]))),
        ];
        assert_eq!(collect(objects), Some("b".into()));
    }

    #[test]
    fn orphans_go_first_then_by_name() {
        let objects = vec![
            Object::Pod(terminating(pod("a", &[]))),
            Object::Pod(bound(pod("c", &[]), "gone")),
            Object::Pod(bound(pod("b", &[]), "gone")),
        ];
        assert_eq!(collect(objects), Some("b".into()));
    }

    #[test]
    fn the_live_check_spares_a_pod_whose_node_exists_at_the_latest_revision() {
        let orphan = bound(pod("a", &[]), "n1");
        let delete = Operation::ForceDelete(Object::Pod(orphan.clone()));
        let latest_with_node = view_of(vec![Object::Node(ready_node("n1", &[]))]);
        assert!(!node_is_gone_live(
            &delete,
            latest_with_node.unrecorded_state()
        ));
        let latest_without = view_of(vec![Object::Pod(orphan)]);
        assert!(node_is_gone_live(
            &delete,
            latest_without.unrecorded_state()
        ));
        let unscheduled = Operation::ForceDelete(Object::Pod(terminating(pod("b", &[]))));
        assert!(node_is_gone_live(
            &unscheduled,
            latest_with_node.unrecorded_state()
        ));
    }

    #[test]
    fn skips_pods_already_finished_with() {
        let mut held = bound(pod("a", &[]), "gone");
        held.metadata.deletion_timestamp = Some(1);
        held.metadata.deletion_grace_period_seconds = Some(0);
        held.metadata.finalizers = vec!["example.com/hold".into()];
        let objects = vec![Object::Pod(held), Object::Pod(terminating(pod("b", &[])))];
        assert_eq!(collect(objects), Some("b".into()));
    }
}
