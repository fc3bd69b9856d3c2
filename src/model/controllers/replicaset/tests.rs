//! Unit tests of the replicaset controller on hand-made states, and a small driver the
//! deployment tests share.

use std::collections::BTreeMap;

use super::*;
use crate::model::api;
use crate::model::history::Read;
use crate::model::resources::{
    Condition, Container, LabelSelector, Object, PodPhase, PodTemplateSpec, ReplicaSetSpec,
};
use crate::model::state::StateView;

/// A cluster state and its revision, stepped by controllers with the API server's rules.
pub(crate) struct Cluster {
    pub state: StateView,
    pub revision: u64,
}

impl Cluster {
    /// The objects as created at revision 1.
    pub fn new(objects: Vec<Object>) -> Self {
        Cluster {
            state: api::initial_state(objects, 1),
            revision: 1,
        }
    }

    /// One step of `controller` on the latest state; the write is applied (it must be
    /// accepted).
    pub fn step(&mut self, controller: &dyn Controller) -> Option<Operation> {
        let view = View::new(self.state.clone(), Read::At(self.revision));
        let mut local = LocalState::default();
        let op = controller.step(&view, &mut local)?;
        self.apply(&op);
        Some(op)
    }

    /// Applies a write as the API server would.
    pub fn apply(&mut self, op: &Operation) {
        self.revision += 1;
        self.state = api::apply(&self.state, op, self.revision)
            .unwrap_or_else(|e| panic!("{op} rejected: {e}"));
    }

    /// Steps until the controller has nothing to do; returns the writes.
    pub fn settle(&mut self, controller: &dyn Controller) -> Vec<Operation> {
        let mut ops = Vec::new();
        while let Some(op) = self.step(controller) {
            ops.push(op);
            assert!(ops.len() < 200, "no fixed point: {ops:?}");
        }
        ops
    }

    /// Replaces a pod's status as its node would (no API rules: a test fixture).
    pub fn set_pod(&mut self, name: &str, node: Option<&str>, phase: PodPhase, ready: bool) {
        let mut pod = self.state.pods.get(name).expect("pod exists").clone();
        pod.spec.node_name = node.map(str::to_string);
        set_status(&mut pod, phase, ready);
        self.revision += 1;
        pod.metadata.resource_version = self.revision;
        self.state.pods.insert(pod);
    }

    /// The pods' names.
    pub fn pod_names(&self) -> Vec<String> {
        self.state.pods.names().map(str::to_string).collect()
    }
}

/// Sets a pod's phase and Ready condition.
pub(crate) fn set_status(pod: &mut Pod, phase: PodPhase, ready: bool) {
    pod.status.phase = phase;
    pod.status.conditions = vec![Condition::new("Ready", ready, "")];
}

/// Labels from pairs.
pub(crate) fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A template with these labels running `image`.
pub(crate) fn template(pairs: &[(&str, &str)], image: &str) -> PodTemplateSpec {
    let mut t = PodTemplateSpec::default();
    t.metadata.labels = labels(pairs).into();
    t.spec.containers.push(Container {
        name: "app".into(),
        image: image.into(),
        ..Container::default()
    });
    t
}

fn replicaset(name: &str, replicas: i32) -> ReplicaSet {
    ReplicaSet {
        metadata: Metadata::named(name),
        spec: ReplicaSetSpec {
            replicas: Some(replicas),
            selector: LabelSelector::from_labels(labels(&[("app", "web")])),
            template: template(&[("app", "web")], "nginx:1"),
            ..ReplicaSetSpec::default()
        }
        .into(),
        ..ReplicaSet::default()
    }
}

/// A pod with these labels, owned by `owner` (a ReplicaSet uid) when given.
fn pod(name: &str, pairs: &[(&str, &str)], owner: Option<&ReplicaSet>) -> Pod {
    let mut pod = Pod {
        metadata: Metadata::named(name),
        ..Pod::default()
    };
    pod.metadata.labels = labels(pairs).into();
    if let Some(rs) = owner {
        pod.metadata
            .owner_references
            .push(OwnerReference::controller_of(
                Kind::ReplicaSet,
                &rs.metadata,
            ));
    }
    pod
}

/// The ReplicaSet as stamped by `initial_state` (its uid).
fn stamped(rs: ReplicaSet) -> ReplicaSet {
    let state = api::initial_state([rs.into_object()], 1);
    state.replicasets.iter().next().cloned().expect("one")
}

#[test]
fn scales_up_one_pod_per_step_then_reports_status() {
    let mut c = Cluster::new(vec![replicaset("web", 3).into_object()]);
    let ops = c.settle(&ReplicaSetController);
    let verbs: Vec<String> = ops.iter().map(|o| o.to_string()).collect();
    assert_eq!(
        verbs,
        [
            "create Pod web-*",
            "create Pod web-*",
            "create Pod web-*",
            "update ReplicaSet web"
        ]
    );
    let rs = c.state.replicasets.get("web").unwrap();
    assert_eq!(c.state.pods.len(), 3);
    for p in c.state.pods.iter() {
        assert!(p.metadata.is_controlled_by(&rs.metadata.uid));
        assert_eq!(*p.metadata.labels, labels(&[("app", "web")]));
    }
    assert_eq!(rs.status.replicas, 3);
    assert_eq!(rs.status.fully_labeled_replicas, 3);
    assert_eq!(rs.status.ready_replicas, 0);
    assert_eq!(rs.status.observed_generation, 1);
    assert_eq!(rs.status.observed_revision, Some(4));
}

#[test]
fn status_follows_pods_and_is_written_only_when_it_differs() {
    let mut c = Cluster::new(vec![replicaset("web", 2).into_object()]);
    c.settle(&ReplicaSetController);
    let names = c.pod_names();
    c.set_pod(&names[0], Some("n1"), PodPhase::Running, true);
    let ops = c.settle(&ReplicaSetController);
    assert_eq!(ops.len(), 1, "one status write: {ops:?}");
    let rs = c.state.replicasets.get("web").unwrap();
    assert_eq!(
        (rs.status.ready_replicas, rs.status.available_replicas),
        (1, 1)
    );
    assert!(c.step(&ReplicaSetController).is_none());
}

#[test]
fn scales_down_unscheduled_then_not_ready_pods_first() {
    let rs = stamped(replicaset("web", 1));
    let objects = vec![
        rs.clone().into_object(),
        pod("a-running", &[("app", "web")], Some(&rs)).into_object(),
        pod("b-pending", &[("app", "web")], Some(&rs)).into_object(),
        pod("c-unready", &[("app", "web")], Some(&rs)).into_object(),
        pod("d-unscheduled", &[("app", "web")], Some(&rs)).into_object(),
    ];
    let mut c = Cluster::new(objects);
    c.set_pod("a-running", Some("n1"), PodPhase::Running, true);
    c.set_pod("b-pending", Some("n1"), PodPhase::Pending, false);
    c.set_pod("c-unready", Some("n1"), PodPhase::Running, false);
    let deleted: Vec<String> = (0..3)
        .map(|_| c.step(&ReplicaSetController).unwrap())
        .map(|op| {
            assert_eq!(op.verb(), "delete");
            op.object().name().to_string()
        })
        .collect();
    assert_eq!(deleted, ["d-unscheduled", "b-pending", "c-unready"]);
    // Scheduled pods are deleted gracefully: they stay, terminating, and are no longer counted.
    assert!(
        c.state
            .pods
            .get("c-unready")
            .unwrap()
            .metadata
            .is_terminating()
    );
    c.settle(&ReplicaSetController);
    assert_eq!(c.state.replicasets.get("web").unwrap().status.replicas, 1);
}

#[test]
fn the_deletion_cost_annotation_orders_equal_pods() {
    let rs = stamped(replicaset("web", 1));
    let mut cheap = pod("z", &[("app", "web")], Some(&rs));
    cheap
        .metadata
        .annotations
        .insert(rank::DELETION_COST.into(), "-5".into());
    let mut c = Cluster::new(vec![
        rs.clone().into_object(),
        pod("a", &[("app", "web")], Some(&rs)).into_object(),
        cheap.into_object(),
    ]);
    let op = c.step(&ReplicaSetController).unwrap();
    assert_eq!(op.to_string(), "delete Pod z");
}

#[test]
fn adopts_an_orphan_and_releases_a_relabelled_pod() {
    let rs = stamped(replicaset("web", 2));
    let mut c = Cluster::new(vec![
        rs.clone().into_object(),
        pod("orphan", &[("app", "web")], None).into_object(),
        pod("other", &[("app", "db")], None).into_object(),
        pod("relabelled", &[("app", "db")], Some(&rs)).into_object(),
    ]);
    let op = c.step(&ReplicaSetController).unwrap();
    assert_eq!(op.to_string(), "update Pod orphan");
    assert!(
        c.state
            .pods
            .get("orphan")
            .unwrap()
            .metadata
            .is_controlled_by(&rs.metadata.uid)
    );
    let op = c.step(&ReplicaSetController).unwrap();
    assert_eq!(op.to_string(), "update Pod relabelled");
    assert!(
        c.state
            .pods
            .get("relabelled")
            .unwrap()
            .metadata
            .owner_references
            .is_empty()
    );
    // Only one matching pod is owned now: one more is created, the db pods are left alone.
    let ops = c.settle(&ReplicaSetController);
    assert_eq!(ops[0].to_string(), "create Pod web-*");
    assert!(
        c.state
            .pods
            .get("other")
            .unwrap()
            .metadata
            .owner_references
            .is_empty()
    );
    assert_eq!(c.state.replicasets.get("web").unwrap().status.replicas, 2);
}

#[test]
fn terminating_and_finished_pods_are_not_counted_or_adopted() {
    let rs = stamped(replicaset("web", 1));
    let mut done = pod("done", &[("app", "web")], None);
    set_status(&mut done, PodPhase::Succeeded, false);
    let mut c = Cluster::new(vec![rs.into_object(), done.into_object()]);
    let ops = c.settle(&ReplicaSetController);
    assert_eq!(ops[0].to_string(), "create Pod web-*");
    assert!(
        c.state
            .pods
            .get("done")
            .unwrap()
            .metadata
            .owner_references
            .is_empty()
    );
}

#[test]
fn pods_of_sibling_replicasets_rank_doubled_up_nodes_first() {
    let mut a = pod("a", &[], None);
    a.spec.node_name = Some("n1".into());
    let mut b = pod("b", &[], None);
    b.spec.node_name = Some("n2".into());
    let mut sibling = pod("s", &[], None);
    sibling.spec.node_name = Some("n2".into());
    for p in [&mut a, &mut b, &mut sibling] {
        set_status(p, PodPhase::Running, true);
    }
    let order = deletion_order(vec![&a, &b], &[&a, &b, &sibling]);
    assert_eq!(order[0].metadata.name, "b");
}
