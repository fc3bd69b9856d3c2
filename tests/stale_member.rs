//! A genuinely stale read from a real etcd member (issue 19, point 5).
//!
//! Three etcd members (`--pre-vote`), each in a network namespace of its own
//! (`orchard::store::netns`). node-1 runs `web-0`; one follower's peer link is cut; through the
//! others the cluster moves on as the resettable-session trace
//! (`tests/fixtures/traces/statefulset-stale-reads-P8-resettable-session.json`) says it does:
//! node-1 restarts (its Node force-deleted), the pod garbage collector removes the orphaned
//! `web-0`, a new `web-0` is made, the scheduler binds it to node-2 and node-2 runs it. Then
//! node-1's kubelet, fresh from its restart, runs as a deployed controller task
//! (`orchard::runtime::TaskHandle`) whose informer caches list and watch through a serializable
//! store connected to the cut member: it sees the state from before all that, runs the old
//! `web-0` (two nodes now run `web-0`: P8) and writes its status, which the API server (on the
//! quorum) rejects for the uid precondition, as in the trace's stale step. On the fresh state
//! it would register its Node instead. After the link heals the member catches up, and the
//! restarted task registers its Node.
//!
//! `#[ignore]`d: it needs root and iproute2 to make namespaces; `.ci/run` runs it where
//! `ip netns add` works: `cargo test --test stale_member -- --ignored`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use orchard::model::api::ApplyError;
use orchard::model::config::{Guards, Syncs};
use orchard::model::controllers::{ControllerSpec, LocalState, NodeMachine, registration};
use orchard::model::history::Read;
use orchard::model::operation::Operation;
use orchard::model::resources::{Kind, Object, Quantity, Revision};
use orchard::model::state::StateView;
use orchard::model::view::View;
use orchard::runtime::{ApiError, ApiServer, LocalChange, StepReport, TaskHandle, TaskSpec};
use orchard::store::netns::{self, NetnsCluster};
use orchard::store::{
    At, EtcdStore, Key, Outcome, Reads, Scope, Store, StoreError, Stored, Watch, Write,
};

/// How long the test waits for a member to reach a revision before it fails.
const CATCH_UP_DEADLINE: Duration = Duration::from_secs(10);

/// What one step of a controller read and decided.
#[derive(Debug)]
struct Stepped {
    /// The revision its view was read at.
    revision: Revision,
    /// What it would write.
    operation: Option<Operation>,
    /// Its local state after the step.
    local: LocalState,
}

fn machine() -> NodeMachine {
    let capacity = [("cpu", "4"), ("memory", "8Gi"), ("pods", "110")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), Quantity::parse(v).expect("a quantity")))
        .collect();
    NodeMachine {
        capacity,
        ..NodeMachine::default()
    }
}

/// One step of the registered controller `kind` named `name`, just restarted (no local state),
/// on a view of every kind it watches as `store` serves them at its latest revision: what the
/// cluster's other controllers do as it moves on, and what node-1 would decide on a fresh read.
async fn step_restarted(store: &dyn Store, kind: &str, name: &str) -> Stepped {
    let registration = registration(kind).expect("a registered controller kind");
    let spec = ControllerSpec {
        kind: kind.to_string(),
        name: name.to_string(),
        node: registration.is_node.then(machine),
    };
    let controller = (registration.build)(&spec);
    let read = store
        .list(Scope::All, At::Latest)
        .await
        .unwrap_or_else(|e| panic!("{kind} {name} reads {}: {e}", store.describe()));
    let objects = read
        .value
        .into_iter()
        .filter(|stored| registration.watches.contains(&stored.key.kind))
        .map(|stored| stored.object);
    let view = View::new(StateView::from_objects(objects), Read::At(read.revision));
    let mut local = LocalState::default();
    let operation = controller.step(&view, &mut local);
    Stepped {
        revision: read.revision,
        operation,
        local,
    }
}

fn object(json: serde_json::Value) -> Object {
    serde_json::from_value(json).expect("a valid manifest")
}

fn web_0(node: Option<&str>) -> Object {
    let mut pod = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-0", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1"}]},
    });
    if let Some(node) = node {
        pod["spec"]["nodeName"] = node.into();
    }
    object(pod)
}

fn node(name: &str) -> Object {
    Object::Node(orchard::model::controllers::node::registered_node(
        name,
        &machine(),
    ))
}

async fn stored(store: &dyn Store, kind: Kind, name: &str) -> Object {
    let key = Key::new(kind, name);
    store
        .get(&key, At::Latest)
        .await
        .expect("read")
        .value
        .unwrap_or_else(|| panic!("{key} is stored"))
        .object
}

/// Steps the controller on fresh reads and applies what it decides, which must be accepted.
async fn step_and_apply(api: &ApiServer, kind: &str, name: &str) -> Stepped {
    let stepped = step_restarted(api.store().as_ref(), kind, name).await;
    let operation = stepped
        .operation
        .as_ref()
        .unwrap_or_else(|| panic!("{kind} {name} has something to do"));
    api.apply(operation)
        .await
        .unwrap_or_else(|e| panic!("{kind} {name}: {operation} accepted: {e}"));
    stepped
}

/// Waits until `store` (one member, serializable) has applied `revision`; how long it took.
async fn reaches(store: &EtcdStore, revision: Revision) -> Duration {
    let started = Instant::now();
    loop {
        let at = store.revision().await.expect("the member answers");
        if at >= revision {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < CATCH_UP_DEADLINE,
            "{} still at r{at}, not r{revision}, after {CATCH_UP_DEADLINE:?}",
            store.describe()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn uid_of(object: &Object) -> String {
    object.metadata().uid.clone()
}

/// The store node-1's kubelet task is given: its informers list and watch (and learn the
/// latest revision) through the cut member, serializably, as a client whose informers are
/// served by a lagging member; the API server's writes, and the point reads their
/// preconditions take, go to the quorum, which is where a write can land while the member is
/// cut off (through the member itself it would only time out).
struct CutReads {
    /// The cut member, serializable.
    reads: EtcdStore,
    /// The other members.
    writes: Arc<dyn Store>,
}

#[async_trait]
impl Store for CutReads {
    fn describe(&self) -> String {
        format!(
            "reads from {}, writes to {}",
            self.reads.describe(),
            self.writes.describe()
        )
    }
    async fn revision(&self) -> Result<Revision, StoreError> {
        self.reads.revision().await
    }
    async fn get(
        &self,
        key: &Key,
        at: At,
    ) -> Result<orchard::store::Read<Option<Stored>>, StoreError> {
        self.writes.get(key, at).await
    }
    async fn list(
        &self,
        scope: Scope,
        at: At,
    ) -> Result<orchard::store::Read<Vec<Stored>>, StoreError> {
        self.reads.list(scope, at).await
    }
    async fn commit(&self, writes: Vec<Write>) -> Result<Outcome, StoreError> {
        self.writes.commit(writes).await
    }
    async fn watch(&self, scope: Scope, from: Revision) -> Result<Watch, StoreError> {
        self.reads.watch(scope, from).await
    }
    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        self.writes.compact(revision).await
    }
}

/// node-1's kubelet as a deployed controller task over `store`.
fn node_1_task(store: Arc<dyn Store>) -> TaskHandle {
    TaskHandle::spawn(TaskSpec {
        spec: ControllerSpec {
            kind: "node".into(),
            name: "node-1".into(),
            node: Some(machine()),
        },
        registration: registration("node").expect("the node controller is registered"),
        guards: Guards::default(),
        syncs: Syncs::default(),
        api: ApiServer::new(store),
    })
}

/// One step of the task at the latest revision its store's reads serve (the newest revision
/// the member its informers list from has applied).
async fn step_at_latest(task: &TaskHandle, store: &dyn Store) -> StepReport {
    let latest = store.revision().await.expect("the member answers");
    task.step(Read::At(latest), 0)
        .await
        .unwrap_or_else(|e| panic!("node-1 steps at r{latest}: {e}"))
}

/// The outcome of the trace's stale step: the first step reading an older revision than the
/// step before it.
fn trace_stale_outcome() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/traces/statefulset-stale-reads-P8-resettable-session.json"
    );
    let text = std::fs::read_to_string(path).expect("the shipped trace fixture");
    let trace: serde_json::Value = serde_json::from_str(&text).expect("trace JSON");
    let mut newest = 0;
    for step in trace["steps"].as_array().expect("steps") {
        if let Some(at) = step["action"]["read"]["at"].as_u64() {
            if at < newest {
                return step["outcome"].as_str().expect("an outcome").to_string();
            }
            newest = at;
        }
    }
    panic!("the resettable-session trace has no stale read")
}

#[test]
#[ignore = "makes network namespaces (root, iproute2): .ci/run runs it where it can"]
fn a_cut_member_serves_the_stale_read_the_resettable_session_trace_predicts() {
    if let Err(e) = netns::available() {
        panic!("run only where namespaces can be made: {e}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let cluster = NetnsCluster::start(3).expect("a 3-member cluster in namespaces");
    let formed = started.elapsed();
    let ours = cluster.namespaces().to_vec();
    assert_eq!(ours.len(), 4, "a bridge and three members: {ours:?}");
    runtime.block_on(scenario(&cluster, formed));
    drop(cluster);
    let left = netns::namespaces().expect("ip netns list");
    let kept: Vec<&String> = ours.iter().filter(|ns| left.contains(ns)).collect();
    assert!(kept.is_empty(), "namespaces left behind: {kept:?}");
}

async fn scenario(cluster: &NetnsCluster, formed: Duration) {
    let endpoints = cluster.endpoints();
    let mut members = Vec::new();
    for endpoint in &endpoints {
        let store = EtcdStore::connect_with(std::slice::from_ref(endpoint), Reads::Serializable)
            .await
            .expect("connect to a member");
        members.push(store);
    }
    let leader = members[0].status().await.expect("status").leader;
    let mut ids = Vec::new();
    for member in &members {
        ids.push(member.status().await.expect("status").member);
    }
    let cut = ids.iter().position(|&id| id != leader).expect("a follower");
    let others: Vec<String> = (0..endpoints.len())
        .filter(|&i| i != cut)
        .map(|i| endpoints[i].clone())
        .collect();
    let fresh: Arc<dyn Store> = Arc::new(EtcdStore::connect(&others).await.expect("connect"));
    let api = ApiServer::new(fresh.clone());
    let stale = &members[cut];
    let linearizable_on_cut = EtcdStore::connect(std::slice::from_ref(&endpoints[cut]))
        .await
        .expect("connect linearizably to the member to be cut");
    let term_before = stale.status().await.expect("status").raft_term;

    // node-1 runs web-0, and every member has seen it.
    let loaded = api
        .load(vec![node("node-1"), node("node-2"), web_0(Some("node-1"))])
        .await
        .expect("load");
    reaches(stale, loaded).await;
    let old_web_0 = stored(stale, Kind::Pod, "web-0").await;

    cluster.cut(cut).expect("cut the follower's peer link");
    let cut_at = Instant::now();
    // Linearizable reads through the cut member need the quorum: they fail (after the request
    // timeout, while the rest goes on).
    let linearizable =
        tokio::spawn(async move { linearizable_on_cut.list(Scope::All, At::Latest).await });

    // The others move on: node-1 restarts, its Node is force-deleted (the trace's restart-node).
    let node_1 = stored(fresh.as_ref(), Kind::Node, "node-1").await;
    api.apply(&Operation::ForceDelete(node_1))
        .await
        .expect("restart node-1");
    let gc = step_and_apply(&api, "podgc", "podgc").await;
    assert!(
        matches!(&gc.operation, Some(Operation::ForceDelete(Object::Pod(p))) if p.metadata.name == "web-0"),
        "podgc collects the orphaned web-0: {:?}",
        gc.operation
    );
    api.apply(&Operation::Create(web_0(None)))
        .await
        .expect("web-0 made anew (the StatefulSet controller's create)");
    step_and_apply(&api, "scheduler", "scheduler").await;
    let node_2 = step_and_apply(&api, "node", "node-2").await;
    let new_web_0 = stored(fresh.as_ref(), Kind::Pod, "web-0").await;
    assert!(
        matches!(&new_web_0, Object::Pod(p) if p.spec.node_name.as_deref() == Some("node-2")),
        "the new web-0 is bound to node-2: {new_web_0:?}"
    );
    assert_ne!(uid_of(&new_web_0), uid_of(&old_web_0));
    let leader_revision = fresh.revision().await.expect("revision");

    // The restarted node-1, a deployed task whose informers read through the cut member:
    // the state before the cut.
    let cut_reads: Arc<dyn Store> = Arc::new(CutReads {
        reads: stale.clone(),
        writes: fresh.clone(),
    });
    let task = node_1_task(cut_reads.clone());
    let on_stale = step_at_latest(&task, cut_reads.as_ref()).await;
    let stale_formed = cut_at.elapsed();
    let on_fresh = step_restarted(fresh.as_ref(), "node", "node-1").await;
    assert_eq!(
        on_stale.read,
        Read::At(loaded),
        "the cut member serves what it had"
    );
    assert!(
        loaded < leader_revision,
        "r{loaded} is behind the leader's r{leader_revision}"
    );
    assert_eq!(on_fresh.revision, leader_revision);
    assert!(
        matches!(&on_fresh.operation, Some(Operation::Create(Object::Node(n))) if n.metadata.name == "node-1"),
        "on the fresh state node-1 registers its Node: {:?}",
        on_fresh.operation
    );
    assert!(
        on_fresh.local.running.is_empty(),
        "fresh: node-1 runs nothing"
    );
    let Some(Operation::Update(Object::Pod(started_pod))) = &on_stale.operation else {
        panic!(
            "on the stale state node-1 starts web-0: {:?}",
            on_stale.operation
        );
    };
    assert_eq!(started_pod.metadata.uid, uid_of(&old_web_0));
    assert!(on_stale.local_changed, "the task's node-1 now runs a pod");
    assert_eq!(
        node_2.local.running.get("web-0").map(|r| r.uid.clone()),
        Some(uid_of(&new_web_0)),
        "while node-2 runs the new one (P8 fails)"
    );
    // Its write is rejected as in the trace's stale step; what it runs locally stands.
    let rejected = match &on_stale.applied {
        Some(Err(e)) => e.clone(),
        other => panic!("the stale status write is rejected: {other:?}"),
    };
    assert!(
        matches!(
            &rejected,
            ApiError::Rejected(ApplyError::UidMismatch { sent, stored, .. })
                if *sent == uid_of(&old_web_0) && *stored == uid_of(&new_web_0)
        ),
        "{rejected}"
    );
    let runs_web_0 = task
        .local(LocalChange::ExitContainer {
            pod: "web-0".into(),
            exit_code: 0,
        })
        .await
        .expect("the task answers");
    assert!(
        runs_web_0,
        "the task's node-1 runs web-0 after its rejected write"
    );
    let trace_outcome = trace_stale_outcome();
    assert!(
        trace_outcome.contains("rejected") && trace_outcome.contains("uid precondition failed"),
        "{trace_outcome}"
    );
    assert!(rejected.to_string().contains("uid precondition failed"));

    let linearizable = linearizable.await.expect("the read task");
    assert!(
        matches!(linearizable, Err(StoreError::Unreachable { .. })),
        "a linearizable read on the cut member fails: {linearizable:?}"
    );

    // Healed, the member catches up; node-1's task, restarted, decides as on the fresh state
    // and its Node is registered.
    cluster.heal(cut).expect("heal");
    let caught_up = reaches(stale, leader_revision).await;
    task.restart().await.expect("the task restarts");
    let healed = step_at_latest(&task, cut_reads.as_ref()).await;
    assert_eq!(healed.read, Read::At(leader_revision));
    assert_eq!(healed.operation, on_fresh.operation);
    assert!(
        matches!(&healed.applied, Some(Ok(_))),
        "node-1 registers its Node: {:?}",
        healed.applied
    );
    stored(fresh.as_ref(), Kind::Node, "node-1").await;
    let term_after = stale.status().await.expect("status").raft_term;

    println!(
        "stale member: cluster formed in {formed:.2?}; member {cut} cut; node-1's task read \
         r{loaded} from it while the leader was at r{leader_revision} ({stale_formed:.2?} after \
         the cut): {} of web-0 uid {}, rejected: {rejected}; caught up {caught_up:.2?} after \
         the heal, then the task read r{leader_revision}: {}; raft term {term_before} -> \
         {term_after}",
        on_stale
            .operation
            .as_ref()
            .map_or("nothing".into(), ToString::to_string),
        uid_of(&old_web_0),
        healed
            .operation
            .as_ref()
            .map_or("nothing".into(), ToString::to_string),
    );
}
