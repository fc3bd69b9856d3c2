//! Behaviour of the statefulset controller on hand-made states, and through the System.

use std::collections::BTreeMap;

use super::*;
use crate::model::api;
use crate::model::config::ModelConfig;
use crate::model::controllers::ControllerSpec;
use crate::model::history::{Change, CommitMode, History, Read};
use crate::model::properties;
use crate::model::resources::{
    Condition, Container, LabelSelector, Metadata, OwnerReference, PersistentVolumeClaim, PodPhase,
    PodTemplateSpec, RollingUpdateStatefulSetStrategy, StatefulSetOrdinals, set_condition,
};
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};
use crate::model::testing::run_to_fixed_point;

fn labels() -> BTreeMap<String, String> {
    BTreeMap::from([("app".to_string(), "web".to_string())])
}

fn template(image: &str) -> PodTemplateSpec {
    let mut t = PodTemplateSpec::default();
    t.metadata.labels = labels().into();
    t.spec.containers.push(Container {
        name: "app".into(),
        image: image.into(),
        ..Container::default()
    });
    t
}

fn web(replicas: i32) -> StatefulSet {
    let mut set = StatefulSet {
        metadata: Metadata::named("web"),
        ..StatefulSet::default()
    };
    set.spec.replicas = Some(replicas);
    set.spec.selector = LabelSelector::from_labels(labels());
    set.spec.template = template("nginx:1");
    set.spec.service_name = "web".into();
    set
}

fn parallel(replicas: i32) -> StatefulSet {
    let mut set = web(replicas);
    set.spec.pod_management_policy = Some("Parallel".into());
    set
}

/// A hand-driven cluster: the controller's steps and a fake kubelet's writes, through the API
/// server's rules.
struct Cluster {
    state: StateView,
    rev: Revision,
}

impl Cluster {
    fn new(objects: Vec<Object>) -> Self {
        Cluster {
            state: api::initial_state(objects, 1),
            rev: 1,
        }
    }

    fn apply(&mut self, op: &Operation) {
        self.rev += 1;
        self.state = api::apply(&self.state, op, self.rev).expect("the API server accepts it");
    }

    /// One controller step from the latest state, applied.
    fn step(&mut self) -> Option<Operation> {
        let view = View::new(self.state.clone(), Read::At(self.rev));
        let mut local = LocalState::default();
        let op = StatefulSetController.step(&view, &mut local)?;
        assert_eq!(
            local,
            LocalState::default(),
            "the controller keeps no local state"
        );
        self.apply(&op);
        Some(op)
    }

    /// Steps until the controller has nothing to do; the operations taken.
    fn settle(&mut self) -> Vec<Operation> {
        let mut ops = Vec::new();
        while let Some(op) = self.step() {
            ops.push(op);
            assert!(ops.len() < 200, "no fixed point: {ops:#?}");
        }
        ops
    }

    fn set(&self) -> &StatefulSet {
        self.state.of::<StatefulSet>().get("web").expect("the set")
    }

    fn pod(&self, name: &str) -> Option<&Pod> {
        self.state.of::<Pod>().get(name)
    }

    fn pod_names(&self) -> Vec<String> {
        self.state.names(Kind::Pod)
    }

    fn update_set(&mut self, f: impl FnOnce(&mut StatefulSet)) {
        let mut set = self.set().clone();
        f(&mut set);
        self.apply(&Operation::Update(Object::StatefulSet(set)));
    }

    /// The fake kubelet: binds the pod to `node-1` and makes it Running and Ready.
    fn run(&mut self, name: &str) {
        let mut pod = self.pod(name).expect("the pod").clone();
        pod.spec.node_name = Some("node-1".into());
        pod.status.phase = PodPhase::Running;
        set_condition(
            &mut pod.status.conditions,
            Condition::new("Ready", true, ""),
        );
        self.apply(&Operation::Update(Object::Pod(pod)));
    }

    /// Runs every pending, non-terminating pod.
    fn run_all(&mut self) {
        let pending: Vec<String> = self
            .state
            .of::<Pod>()
            .iter()
            .filter(|p| !p.metadata.is_terminating() && !p.is_running_and_ready())
            .map(|p| p.metadata.name.clone())
            .collect();
        for name in pending {
            self.run(&name);
        }
    }

    /// The fake kubelet finishes a terminating pod (the second delete).
    fn finish(&mut self, name: &str) {
        let pod = self.pod(name).expect("the pod").clone();
        assert!(pod.metadata.is_terminating());
        self.apply(&Operation::Delete(Object::Pod(pod)));
    }

    fn fail(&mut self, name: &str) {
        let mut pod = self.pod(name).expect("the pod").clone();
        pod.status.phase = PodPhase::Failed;
        set_condition(
            &mut pod.status.conditions,
            Condition::new("Ready", false, ""),
        );
        self.apply(&Operation::Update(Object::Pod(pod)));
    }

    /// Alternates controller and kubelet (finishing terminations too) until both are idle.
    fn converge(&mut self) {
        for _ in 0..100 {
            let ops = self.settle();
            let terminating: Vec<String> = self
                .state
                .of::<Pod>()
                .iter()
                .filter(|p| p.metadata.is_terminating())
                .map(|p| p.metadata.name.clone())
                .collect();
            for name in &terminating {
                self.finish(name);
            }
            let before = self.rev;
            self.run_all();
            if ops.is_empty() && terminating.is_empty() && self.rev == before {
                return;
            }
        }
        panic!("no convergence");
    }
}

fn created_pod(op: &Operation) -> Option<&Pod> {
    match op {
        Operation::Create(Object::Pod(p)) => Some(p),
        _ => None,
    }
}

fn deleted_pod(op: &Operation) -> Option<&str> {
    match op {
        Operation::Delete(Object::Pod(p)) => Some(&p.metadata.name),
        _ => None,
    }
}

#[test]
fn ordered_ready_creates_pod_0_and_waits_for_it() {
    let mut c = Cluster::new(vec![Object::StatefulSet(web(3))]);
    let ops = c.settle();
    assert!(matches!(
        ops[0],
        Operation::Create(Object::ControllerRevision(_))
    ));
    let created: Vec<_> = ops.iter().filter_map(created_pod).collect();
    assert_eq!(created.len(), 1);
    assert_eq!(c.pod_names(), vec!["web-0"]);

    let pod = c.pod("web-0").unwrap();
    let revision = c.set().status.update_revision.clone();
    assert!(revision.starts_with("web-"));
    assert_eq!(pod.metadata.labels["app"], "web");
    assert_eq!(pod.metadata.labels[REVISION_LABEL], revision);
    assert_eq!(pod.metadata.labels[POD_NAME_LABEL], "web-0");
    assert_eq!(pod.spec.hostname.as_deref(), Some("web-0"));
    assert_eq!(pod.spec.subdomain.as_deref(), Some("web"));
    assert!(pod.metadata.is_controlled_by(&c.set().metadata.uid));

    let cr = c
        .state
        .of::<ControllerRevision>()
        .get(&revision)
        .expect("the revision");
    assert_eq!(cr.revision, 1);
    assert_eq!(cr.data, c.set().spec.template);
    assert!(cr.metadata.labels.contains_key(HASH_LABEL));
    assert!(cr.metadata.is_controlled_by(&c.set().metadata.uid));

    // Still nothing for pod-1 while pod-0 is bound but not Ready.
    let mut pod0 = c.pod("web-0").unwrap().clone();
    pod0.spec.node_name = Some("node-1".into());
    pod0.status.phase = PodPhase::Running;
    c.apply(&Operation::Update(Object::Pod(pod0)));
    assert!(c.settle().iter().all(|op| created_pod(op).is_none()));

    c.run("web-0");
    let ops = c.settle();
    let created: Vec<_> = ops.iter().filter_map(created_pod).collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].metadata.name, "web-1");

    c.converge();
    assert_eq!(c.pod_names(), vec!["web-0", "web-1", "web-2"]);
    assert_eq!(c.set().status.ready_replicas, 3);
}

#[test]
fn parallel_creates_every_pod_without_waiting() {
    let mut c = Cluster::new(vec![Object::StatefulSet(parallel(3))]);
    c.settle();
    assert_eq!(c.pod_names(), vec!["web-0", "web-1", "web-2"]);
    assert!(
        c.state
            .of::<Pod>()
            .iter()
            .all(|p| !p.is_running_and_ready())
    );
    assert_eq!(c.set().status.replicas, 3);
    assert_eq!(c.set().status.ready_replicas, 0);
}

#[test]
fn start_ordinal_names_the_first_pod() {
    let mut set = parallel(2);
    set.spec.ordinals = Some(StatefulSetOrdinals { start: 3 });
    let mut c = Cluster::new(vec![Object::StatefulSet(set)]);
    c.settle();
    assert_eq!(c.pod_names(), vec!["web-3", "web-4"]);
}

#[test]
fn scale_down_deletes_in_reverse_one_at_a_time() {
    let mut c = Cluster::new(vec![Object::StatefulSet(web(4))]);
    c.converge();
    assert_eq!(c.pod_names().len(), 4);
    c.update_set(|s| s.spec.replicas = Some(1));

    let ops = c.settle();
    let deleted: Vec<_> = ops.iter().filter_map(deleted_pod).collect();
    assert_eq!(deleted, vec!["web-3"]);
    assert!(c.pod("web-3").unwrap().metadata.is_terminating());
    c.finish("web-3");

    let ops = c.settle();
    assert_eq!(
        ops.iter().filter_map(deleted_pod).collect::<Vec<_>>(),
        vec!["web-2"]
    );
    c.finish("web-2");
    let ops = c.settle();
    assert_eq!(
        ops.iter().filter_map(deleted_pod).collect::<Vec<_>>(),
        vec!["web-1"]
    );
    c.finish("web-1");
    c.settle();
    assert_eq!(c.pod_names(), vec!["web-0"]);
    assert_eq!(c.set().status.replicas, 1);
}

#[test]
fn parallel_scale_down_does_not_wait() {
    let mut c = Cluster::new(vec![Object::StatefulSet(parallel(3))]);
    c.converge();
    c.update_set(|s| s.spec.replicas = Some(0));
    let ops = c.settle();
    let deleted: Vec<_> = ops.iter().filter_map(deleted_pod).collect();
    assert_eq!(deleted, vec!["web-2", "web-1", "web-0"]);
}

#[test]
fn ordered_scale_down_waits_for_replicas_to_be_ready() {
    let mut c = Cluster::new(vec![Object::StatefulSet(web(3))]);
    c.converge();
    c.fail("web-0");
    c.update_set(|s| s.spec.replicas = Some(2));
    // The failed replica is replaced first; web-2 stays until web-0 is Running and Ready.
    let ops = c.settle();
    assert_eq!(
        ops.iter().filter_map(deleted_pod).collect::<Vec<_>>(),
        vec!["web-0"]
    );
    assert!(c.pod("web-0").is_some_and(|p| !p.is_running_and_ready()));
    assert!(c.pod("web-2").is_some_and(|p| !p.metadata.is_terminating()));
    c.run("web-0");
    let ops = c.settle();
    assert_eq!(
        ops.iter().filter_map(deleted_pod).collect::<Vec<_>>(),
        vec!["web-2"]
    );
}

#[test]
fn a_deleted_pod_comes_back_under_its_name_with_a_new_uid() {
    let mut c = Cluster::new(vec![Object::StatefulSet(web(2))]);
    c.converge();
    let old = c.pod("web-1").unwrap().clone();
    c.apply(&Operation::ForceDelete(Object::Pod(old.clone())));
    assert!(c.pod("web-1").is_none());
    let ops = c.settle();
    let created: Vec<_> = ops.iter().filter_map(created_pod).collect();
    assert_eq!(created.len(), 1);
    let new = c.pod("web-1").expect("recreated");
    assert_ne!(new.metadata.uid, old.metadata.uid);
}

#[test]
fn a_failed_pod_is_deleted_and_recreated() {
    let mut c = Cluster::new(vec![Object::StatefulSet(web(2))]);
    c.converge();
    let old_uid = c.pod("web-1").unwrap().metadata.uid.clone();
    c.fail("web-1");
    let ops = c.settle();
    assert_eq!(
        ops.iter().filter_map(deleted_pod).collect::<Vec<_>>(),
        vec!["web-1"]
    );
    assert_eq!(ops.iter().filter_map(created_pod).count(), 1);
    assert_ne!(c.pod("web-1").unwrap().metadata.uid, old_uid);
}

#[test]
fn claims_are_created_before_their_pod() {
    let mut set = web(2);
    for name in ["data", "logs"] {
        set.spec.volume_claim_templates.push(PersistentVolumeClaim {
            metadata: Metadata::named(name),
            ..PersistentVolumeClaim::default()
        });
    }
    let mut c = Cluster::new(vec![Object::StatefulSet(set)]);
    let ops = c.settle();
    let writes: Vec<(&str, &str)> = ops
        .iter()
        .map(|op| (op.verb(), op.object().name()))
        .filter(|(_, name)| !name.starts_with("web-") || name.len() <= 5)
        .collect();
    assert_eq!(
        &writes[..3],
        &[
            ("create", "data-web-0"),
            ("create", "logs-web-0"),
            ("create", "web-0"),
        ]
    );
    let claim = c
        .state
        .of::<PersistentVolumeClaim>()
        .get("data-web-0")
        .unwrap();
    assert!(claim.metadata.owner_references.is_empty());
    assert_eq!(*claim.metadata.labels, labels());
    let pod = c.pod("web-0").unwrap();
    let claims: Vec<_> = pod
        .spec
        .volumes
        .iter()
        .map(|v| {
            (
                v.name.as_str(),
                v.persistent_volume_claim
                    .as_ref()
                    .unwrap()
                    .claim_name
                    .as_str(),
            )
        })
        .collect();
    assert_eq!(claims, vec![("data", "data-web-0"), ("logs", "logs-web-0")]);

    c.converge();
    assert_eq!(c.state.names(Kind::PersistentVolumeClaim).len(), 4);
    // A lost claim of a pending pod is recreated.
    let mut c2 = Cluster::new(vec![Object::StatefulSet(c.set().clone())]);
    c2.settle();
    let claim = c2
        .state
        .of::<PersistentVolumeClaim>()
        .get("logs-web-0")
        .unwrap()
        .clone();
    c2.apply(&Operation::Delete(Object::PersistentVolumeClaim(claim)));
    let ops = c2.settle();
    assert_eq!(ops[0].verb(), "create");
    assert_eq!(ops[0].object().name(), "logs-web-0");
}

fn revision_of(c: &Cluster, pod: &str) -> String {
    pod_revision(c.pod(pod).unwrap()).unwrap().to_string()
}

#[test]
fn rolling_update_goes_from_the_highest_ordinal_down_to_the_partition() {
    let mut c = Cluster::new(vec![Object::StatefulSet(web(3))]);
    c.converge();
    let old = c.set().status.current_revision.clone();
    c.update_set(|s| {
        s.spec.template = template("nginx:2");
        s.spec.update_strategy.rolling_update = Some(RollingUpdateStatefulSetStrategy {
            partition: Some(1),
            max_unavailable: None,
        });
    });
    let ops = c.settle();
    let new = c.set().status.update_revision.clone();
    assert_ne!(old, new);
    assert!(matches!(
        ops[0],
        Operation::Create(Object::ControllerRevision(_))
    ));
    assert_eq!(
        ops.iter().filter_map(deleted_pod).collect::<Vec<_>>(),
        vec!["web-2"]
    );
    c.finish("web-2");
    let ops = c.settle();
    assert_eq!(created_pod(&ops[0]).unwrap().metadata.name, "web-2");
    assert_eq!(revision_of(&c, "web-2"), new);
    assert_eq!(c.pod("web-2").unwrap().spec.containers[0].image, "nginx:2");
    // web-1 waits for web-2 to be ready.
    assert!(ops.iter().all(|op| deleted_pod(op).is_none()));
    c.run("web-2");
    let ops = c.settle();
    assert_eq!(
        ops.iter().filter_map(deleted_pod).collect::<Vec<_>>(),
        vec!["web-1"]
    );
    c.converge();
    assert_eq!(revision_of(&c, "web-0"), old);
    assert_eq!(revision_of(&c, "web-1"), new);
    let status = &c.set().status;
    assert_eq!((status.current_replicas, status.updated_replicas), (1, 2));
    assert_eq!(status.current_revision, old);

    // A recreated pod below the partition keeps the current revision.
    let pod0 = c.pod("web-0").unwrap().clone();
    c.apply(&Operation::ForceDelete(Object::Pod(pod0)));
    c.converge();
    assert_eq!(revision_of(&c, "web-0"), old);

    // Lifting the partition finishes the rollout; the update revision becomes current.
    c.update_set(|s| s.spec.update_strategy.rolling_update = None);
    c.converge();
    assert_eq!(revision_of(&c, "web-0"), new);
    let status = &c.set().status;
    assert_eq!(status.current_revision, new);
    assert_eq!((status.current_replicas, status.updated_replicas), (3, 3));
}

#[test]
fn on_delete_never_deletes_for_an_update() {
    let mut set = web(2);
    set.spec.update_strategy.type_ = Some("OnDelete".into());
    let mut c = Cluster::new(vec![Object::StatefulSet(set)]);
    c.converge();
    let old = c.set().status.current_revision.clone();
    c.update_set(|s| s.spec.template = template("nginx:2"));
    let ops = c.settle();
    assert!(ops.iter().all(|op| deleted_pod(op).is_none()));
    assert_eq!(revision_of(&c, "web-1"), old);
    let pod1 = c.pod("web-1").unwrap().clone();
    c.apply(&Operation::ForceDelete(Object::Pod(pod1)));
    c.converge();
    assert_eq!(revision_of(&c, "web-1"), c.set().status.update_revision);
    assert_eq!(revision_of(&c, "web-0"), old);
}

#[test]
fn rolling_back_renumbers_the_old_revision_and_history_is_trimmed() {
    let mut set = web(1);
    set.spec.revision_history_limit = Some(1);
    let mut c = Cluster::new(vec![Object::StatefulSet(set)]);
    c.converge();
    let first = c.set().status.update_revision.clone();
    c.update_set(|s| s.spec.template = template("nginx:2"));
    c.converge();
    c.update_set(|s| s.spec.template = template("nginx:1"));
    c.converge();
    let revisions = c.state.of::<ControllerRevision>();
    assert_eq!(c.set().status.update_revision, first);
    assert_eq!(revisions.get(&first).unwrap().revision, 3);
    assert_eq!(revisions.len(), 2, "one unused revision kept");
    c.update_set(|s| s.spec.template = template("nginx:3"));
    c.converge();
    assert_eq!(c.state.of::<ControllerRevision>().len(), 2);
    assert!(c.state.of::<ControllerRevision>().contains(&first));
}

#[test]
fn status_counts_the_claimed_pods() {
    let set = web(3);
    let uid = api::uid_for(Kind::StatefulSet, 1, "web");
    let mut with_uid = set.clone();
    with_uid.metadata.uid = uid;
    let revision = revisions::revision_name(&with_uid);
    let pod = |ordinal: i32, ready: bool, terminating: bool| {
        let mut p = identity::new_pod(&with_uid, &with_uid.spec.template, &revision, ordinal);
        if ready {
            p.status.phase = PodPhase::Running;
            set_condition(&mut p.status.conditions, Condition::new("Ready", true, ""));
        }
        if terminating {
            p.metadata.deletion_timestamp = Some(1);
        }
        Object::Pod(p)
    };
    let mut stranger = Pod {
        metadata: Metadata::named("other"),
        ..Pod::default()
    };
    stranger.metadata.labels = labels().into();
    let objects = vec![
        Object::StatefulSet(with_uid.clone()),
        pod(0, true, false),
        pod(1, true, false),
        pod(2, false, false),
        pod(3, true, true),
        Object::Pod(stranger),
    ];
    let mut c = Cluster::new(objects);
    // Revision first, then status (web-2 is pending, web-3 terminating: the set waits).
    let ops = c.settle();
    assert_eq!(ops.len(), 2, "{ops:#?}");
    let status = &c.set().status;
    assert_eq!(status.replicas, 4);
    assert_eq!(status.ready_replicas, 3);
    assert_eq!(status.available_replicas, 3);
    assert_eq!(status.current_replicas, 3);
    assert_eq!(status.updated_replicas, 3);
    assert_eq!(status.current_revision, revision);
    assert_eq!(status.update_revision, revision);
    assert_eq!(status.observed_generation, 1);
    assert_eq!(status.observed_revision, Some(c.rev - 1));
    // The fixed point holds: nothing more to write.
    assert!(c.step().is_none());
}

#[test]
fn orphans_are_adopted_and_strays_released() {
    let mut orphan = Pod {
        metadata: Metadata::named("web-0"),
        ..Pod::default()
    };
    orphan.metadata.labels = labels().into();
    orphan.status.phase = PodPhase::Running;
    set_condition(
        &mut orphan.status.conditions,
        Condition::new("Ready", true, ""),
    );
    let uid = api::uid_for(Kind::StatefulSet, 1, "web");
    let mut stray = Pod {
        metadata: Metadata::named("web-x"),
        ..Pod::default()
    };
    stray.metadata.labels = labels().into();
    let mut owner = Metadata::named("web");
    owner.uid = uid.clone();
    stray.metadata.owner_references =
        vec![OwnerReference::controller_of(Kind::StatefulSet, &owner)];
    let mut c = Cluster::new(vec![
        Object::StatefulSet(web(1)),
        Object::Pod(orphan),
        Object::Pod(stray),
    ]);
    c.settle();
    let adopted = c.pod("web-0").unwrap();
    assert!(adopted.metadata.is_controlled_by(&uid));
    // Its identity is repaired once it is Running and Ready.
    assert_eq!(adopted.metadata.labels[POD_NAME_LABEL], "web-0");
    assert_eq!(adopted.spec.hostname.as_deref(), Some("web-0"));
    assert_eq!(adopted.spec.subdomain.as_deref(), Some("web"));
    assert!(c.pod("web-x").unwrap().metadata.owner_references.is_empty());
}

// ---- Through the System ---------------------------------------------------------------------

fn system(set: StatefulSet) -> System {
    System::new(ModelConfig {
        name: "statefulset".into(),
        controllers: vec![ControllerSpec {
            kind: "statefulset".into(),
            name: "statefulset".into(),
            node: None,
        }],
        initial: vec![
            Object::StatefulSet(set),
            // The fake kubelet binds pods here (D2/D4 skip pods of a missing Node).
            Object::Node(crate::model::resources::Node {
                metadata: Metadata::named("node-1"),
                ..Default::default()
            }),
        ],
        ..ModelConfig::default()
    })
    .expect("builds")
}

/// Commits a write onto the system's history as the environment would (the fake kubelet).
fn commit(state: &mut SystemState, op: Operation) {
    let read = Read::At(state.history.latest());
    let change = Change {
        operation: &op,
        read: &read,
        read_kinds: Default::default(),
        mode: CommitMode::Kubernetes,
    };
    state.history.commit(&change).expect("commits");
}

/// The fake kubelet over a system state: one pending pod run, or one terminating pod finished.
fn kubelet(state: &mut SystemState) -> bool {
    let latest = state.latest();
    let Some(pod) = latest
        .of::<Pod>()
        .iter()
        .find(|p| p.metadata.is_terminating() || !p.is_running_and_ready())
    else {
        return false;
    };
    let op = if pod.metadata.is_terminating() {
        Operation::Delete(Object::Pod(pod.clone()))
    } else {
        let mut pod = pod.clone();
        pod.spec.node_name = Some("node-1".into());
        pod.status.phase = PodPhase::Running;
        set_condition(
            &mut pod.status.conditions,
            Condition::new("Ready", true, ""),
        );
        Operation::Update(Object::Pod(pod))
    };
    commit(state, op);
    true
}

/// Checks the statefulset properties in a state; returns whether the set was stable there (so
/// the `stable => p` properties were judged, not vacuous).
fn assert_properties(system: &System, state: &SystemState) -> bool {
    for id in ["P12", "P13", "P14", "P15", "D1", "D2", "D3", "D4"] {
        let p = properties::by_id(id).expect("registered");
        assert!((p.check)(system, state), "{id} violated");
    }
    let latest = state.latest();
    let set = latest.of::<StatefulSet>().get("web").expect("the set");
    properties::stable(
        set.metadata.generation,
        set.status.observed_generation,
        set.metadata.resource_version,
        state.history.latest(),
    )
}

/// Alternates the controller (to its fixed point) and the fake kubelet until both are idle,
/// checking the properties in every state.
fn drive(system: &System, mut state: SystemState) -> SystemState {
    let mut stable = 0;
    for _ in 0..200 {
        let (next, taken) = run_to_fixed_point(system, state, 100);
        for t in &taken {
            stable += usize::from(assert_properties(system, &t.next));
        }
        state = next;
        if !kubelet(&mut state) && taken.is_empty() {
            assert!(stable > 0, "the set was never stable");
            return state;
        }
        assert_properties(system, &state);
    }
    panic!("no convergence");
}

#[test]
fn the_system_reaches_a_fixed_point_with_the_properties_holding() {
    let system = system(web(3));
    let mut state = drive(&system, system.initial());
    let latest = state.latest();
    assert_eq!(latest.names(Kind::Pod), vec!["web-0", "web-1", "web-2"]);
    let set = latest.of::<StatefulSet>().get("web").unwrap().clone();
    assert_eq!((set.status.replicas, set.status.ready_replicas), (3, 3));

    for change in [
        |s: &mut StatefulSet| s.spec.replicas = Some(5),
        |s: &mut StatefulSet| s.spec.replicas = Some(1),
        |s: &mut StatefulSet| s.spec.template = template("nginx:2"),
    ] {
        let mut set = state
            .latest()
            .of::<StatefulSet>()
            .get("web")
            .unwrap()
            .clone();
        change(&mut set);
        commit(&mut state, Operation::Update(Object::StatefulSet(set)));
        state = drive(&system, state);
    }
    let latest = state.latest();
    assert_eq!(latest.names(Kind::Pod), vec!["web-0"]);
    let pod = latest.of::<Pod>().get("web-0").unwrap();
    assert_eq!(pod.spec.containers[0].image, "nginx:2");
    let set = latest.of::<StatefulSet>().get("web").unwrap();
    assert_eq!(set.status.current_revision, set.status.update_revision);
}

#[test]
fn a_terminating_set_is_left_alone_but_for_its_revision() {
    let mut set = web(2);
    set.metadata.finalizers = vec!["foregroundDeletion".into()];
    let mut c = Cluster::new(vec![Object::StatefulSet(set)]);
    let set = c.set().clone();
    c.apply(&Operation::Delete(Object::StatefulSet(set)));
    assert!(c.set().metadata.is_terminating());
    let ops = c.settle();
    assert_eq!(ops.len(), 1);
    assert!(matches!(
        ops[0],
        Operation::Create(Object::ControllerRevision(_))
    ));
    assert!(c.pod_names().is_empty());
}

/// A change a user makes to the set.
type SetChange = fn(&mut StatefulSet);

/// The moves of the random walks below besides controller steps: the fake kubelet
/// (run one pending pod, finish one terminating pod) and, each at most once, the environment
/// changes a user makes (scale up, scale down, change the image, fail a running pod).
fn other_moves(state: &SystemState, used: u8) -> Vec<(SystemState, u8, bool)> {
    let latest = state.latest();
    let mut out = Vec::new();
    let mut with = |op: Operation, used: u8, environment: bool| {
        let mut next = state.clone();
        commit(&mut next, op);
        out.push((next, used, environment));
    };
    for pod in latest.of::<Pod>().iter() {
        if pod.metadata.is_terminating() {
            with(Operation::Delete(Object::Pod(pod.clone())), used, false);
        } else if !pod.is_running_and_ready() && !pod.is_finished() {
            let mut pod = pod.clone();
            pod.spec.node_name = Some("node-1".into());
            pod.status.phase = PodPhase::Running;
            set_condition(
                &mut pod.status.conditions,
                Condition::new("Ready", true, ""),
            );
            with(Operation::Update(Object::Pod(pod)), used, false);
        } else if used & 8 == 0 && pod.is_running_and_ready() {
            let mut pod = pod.clone();
            pod.status.phase = PodPhase::Failed;
            set_condition(
                &mut pod.status.conditions,
                Condition::new("Ready", false, ""),
            );
            with(Operation::Update(Object::Pod(pod)), used | 8, true);
        }
    }
    let set = latest.of::<StatefulSet>().get("web").expect("the set");
    let changes: [(u8, SetChange); 3] = [
        (1, |s| s.spec.replicas = Some(3)),
        (2, |s| s.spec.replicas = Some(1)),
        (4, |s| s.spec.template = template("nginx:2")),
    ];
    for (bit, change) in changes {
        if used & bit == 0 {
            let mut next = set.clone();
            change(&mut next);
            with(
                Operation::Update(Object::StatefulSet(next)),
                used | bit,
                true,
            );
        }
    }
    out
}

/// Random walks (a fixed-seed LCG, so the test is deterministic) over controller steps and
/// [`other_moves`], checking every property in every state; returns the states checked.
fn random_walks(set: StatefulSet, walks: usize, length: usize) -> usize {
    let system = system(set);
    let mut seed: u64 = 0x5eed;
    let mut checked = 0;
    for _ in 0..walks {
        let (mut state, mut used) = (system.initial(), 0u8);
        for _ in 0..length {
            let mut moves: Vec<(SystemState, u8, bool)> = system
                .transitions(&state)
                .into_iter()
                .map(|t| (t.next, used, false))
                .collect();
            moves.extend(other_moves(&state, used));
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let roll = usize::try_from(seed >> 33).unwrap();
            // Environment changes are picked one time in eight (when anything else is
            // possible), so that they also land on settled, running sets.
            let environment =
                (roll % 8 == 0 && moves.iter().any(|m| m.2)) || moves.iter().all(|m| m.2);
            let mut moves: Vec<_> = moves.into_iter().filter(|m| m.2 == environment).collect();
            if moves.is_empty() {
                break;
            }
            let pick = (roll / 8) % moves.len();
            let next = moves.swap_remove(pick);
            (state, used) = (next.0, next.1);
            assert_properties(&system, &state);
            checked += 1;
        }
    }
    checked
}

#[test]
fn properties_hold_on_random_interleavings_with_a_fake_kubelet() {
    let mut partitioned = web(2);
    partitioned.spec.update_strategy.rolling_update = Some(RollingUpdateStatefulSetStrategy {
        partition: Some(1),
        max_unavailable: None,
    });
    let mut with_claims = web(2);
    with_claims
        .spec
        .volume_claim_templates
        .push(PersistentVolumeClaim {
            metadata: Metadata::named("data"),
            ..PersistentVolumeClaim::default()
        });
    for set in [web(3), partitioned, with_claims, parallel(2)] {
        let checked = random_walks(set, 200, 150);
        assert!(checked > 2_500, "only {checked} states checked");
    }
}
