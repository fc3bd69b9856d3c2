//! The manager's writes through the store and back: an object a live run writes must read
//! back as the model makes it at the revision it committed at.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::revisions::first_difference;
use crate::model::api::apply;
use crate::model::operation::Operation;
use crate::model::resources::{Metadata, Node, Object, Revision};
use crate::model::state::StateView;
use crate::runtime::ApiServer;
use crate::runtime::apiserver::WriteLock;
use crate::store::{
    At, Key, MemoryStore, Outcome, Read, Scope, Store, StoreError, Stored, Watch, Write,
};

/// A store whose reads take a while, as a remote etcd's do: two writers that start together
/// both read before either commits.
struct Slow(MemoryStore);

#[async_trait]
impl Store for Slow {
    fn describe(&self) -> String {
        "slow memory".into()
    }
    async fn revision(&self) -> Result<Revision, StoreError> {
        self.0.revision().await
    }
    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError> {
        let read = self.0.get(key, at).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        read
    }
    async fn list(&self, scope: Scope, at: At) -> Result<Read<Vec<Stored>>, StoreError> {
        self.0.list(scope, at).await
    }
    async fn commit(&self, writes: Vec<Write>) -> Result<Outcome, StoreError> {
        self.0.commit(writes).await
    }
    async fn watch(&self, scope: Scope, from: Revision) -> Result<Watch, StoreError> {
        self.0.watch(scope, from).await
    }
    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        self.0.compact(revision).await
    }
}

fn create_node(name: &str) -> Operation {
    Operation::Create(Object::Node(Node {
        metadata: Metadata::named(name),
        ..Node::default()
    }))
}

/// Two Nodes created at once through `apis`; for each, where the stored Node differs from
/// the one the model makes at the revision it committed at (`None`: nowhere).
async fn two_creates(apis: [ApiServer; 2]) -> Vec<Option<String>> {
    let store = apis[0].store().clone();
    let [a, b] = apis;
    let (one, two) = tokio::join!(
        async move { a.apply(&create_node("node-1")).await },
        async move { b.apply(&create_node("node-2")).await },
    );
    let mut differences = Vec::new();
    for (name, accepted) in [("node-1", one), ("node-2", two)] {
        let accepted = accepted.unwrap();
        let model = apply(&StateView::new(), &create_node(name), accepted.revision).unwrap();
        let mut model = model.objects().into_iter().next().unwrap();
        model.metadata_mut().resource_version = accepted.revision;
        let stored = store
            .get(&Key::of(&model), At::Latest)
            .await
            .unwrap()
            .value
            .unwrap()
            .object;
        differences.push((stored != model).then(|| first_difference(Some(&stored), Some(&model))));
    }
    differences
}

#[tokio::test]
async fn concurrent_creates_sharing_the_write_lock_read_back_as_the_model_makes_them() {
    let store: Arc<dyn Store> = Arc::new(Slow(MemoryStore::new()));
    let lock: WriteLock = Arc::default();
    let api = ApiServer::new(store).with_write_lock(lock);
    assert_eq!(two_creates([api.clone(), api]).await, vec![None, None]);
}

#[tokio::test]
async fn without_the_write_lock_the_second_create_carries_the_first_ones_uid_revision() {
    let store: Arc<dyn Store> = Arc::new(Slow(MemoryStore::new()));
    let api = ApiServer::new(store);
    let differences = two_creates([api.clone(), api]).await;
    // Whichever create commits second was stamped from the revision both read.
    let wrong: Vec<&String> = differences.iter().flatten().collect();
    assert_eq!(wrong.len(), 1, "one Node is stamped wrong: {differences:?}");
    assert!(wrong[0].starts_with("metadata.uid: "), "{}", wrong[0]);
}

#[test]
fn the_first_difference_names_the_field_and_both_values() {
    let mut a = Node {
        metadata: Metadata::named("n"),
        ..Node::default()
    };
    a.metadata.uid = "nodes-2-n".into();
    let mut b = a.clone();
    b.metadata.uid = "nodes-3-n".into();
    let (a, b) = (Object::Node(a), Object::Node(b));
    assert_eq!(
        first_difference(Some(&a), Some(&b)),
        "metadata.uid: \"nodes-2-n\" in the store, \"nodes-3-n\" in the model"
    );
    assert!(first_difference(None, Some(&b)).starts_with("the object: null in the store"));
}

const STALE_READS: &str = include_str!("../../../models/statefulset-stale-reads.yaml");

fn run_config(episode: usize, restarts: f64) -> super::RunConfig {
    let model =
        crate::model::config::parse_model(STALE_READS, "statefulset-stale-reads.yaml", &|_| {
            Err("no includes".into())
        })
        .unwrap()
        .config;
    super::RunConfig {
        model,
        faults: super::Faults {
            restarts,
            ..super::Faults::default()
        },
        seed: 7,
        horizon: Duration::from_secs(30),
        episode,
        run_started: std::time::Instant::now(),
        stall: Duration::from_secs(1),
    }
}

/// A memory store whose revision requests stop answering once `hang` is set.
struct Hanging {
    store: MemoryStore,
    hang: Arc<std::sync::atomic::AtomicBool>,
}

#[async_trait]
impl Store for Hanging {
    fn describe(&self) -> String {
        "hanging memory".into()
    }
    async fn revision(&self) -> Result<Revision, StoreError> {
        if self.hang.load(std::sync::atomic::Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.store.revision().await
    }
    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError> {
        self.store.get(key, at).await
    }
    async fn list(&self, scope: Scope, at: At) -> Result<Read<Vec<Stored>>, StoreError> {
        self.store.list(scope, at).await
    }
    async fn commit(&self, writes: Vec<Write>) -> Result<Outcome, StoreError> {
        self.store.commit(writes).await
    }
    async fn watch(&self, scope: Scope, from: Revision) -> Result<Watch, StoreError> {
        self.store.watch(scope, from).await
    }
    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        self.store.compact(revision).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_episode_settles_and_the_next_starts_from_the_initial_state_on_the_emptied_store() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let registry = crate::model::controllers::REGISTRY;
    let never = || false;
    let mut first = super::Manager::start(run_config(1, 0.0), store.clone(), None, registry)
        .await
        .unwrap();
    // No restarts: the image change fires within the spread, the cluster settles, and the
    // episode is over well before its cap.
    let ended = first.run(&never, &mut |_| {}).await;
    assert_eq!(ended, super::Ended::Settled);
    let first = first.finish();
    assert!(first.verdict.is_none());
    assert!(first.steps.len() > 5, "{} steps", first.steps.len());
    let written = store.revision().await.unwrap();
    // A second load into the full store is refused; emptied, it loads again.
    assert!(matches!(
        super::Manager::start(run_config(2, 0.0), store.clone(), None, registry).await,
        Err(super::ManagerError::Load { .. })
    ));
    super::clear(store.as_ref()).await.unwrap();
    let all = store.list(Scope::All, At::Latest).await.unwrap();
    assert!(all.value.is_empty());
    let mut second = super::Manager::start(run_config(2, 0.0), store.clone(), None, registry)
        .await
        .unwrap();
    assert_eq!(second.snapshot().episode, 2);
    let offset = second.recorder().lock().unwrap().offset();
    assert!(
        offset >= written,
        "offset {offset}, store was at r{written}"
    );
    assert_eq!(second.run(&never, &mut |_| {}).await, super::Ended::Settled);
    let second = second.finish();
    // Recorded from the model's initial state again, with fresh budgets: the image changed
    // again in the second episode.
    assert_eq!(first.initial, second.initial);
    let changes = |f: &super::Finished| {
        f.steps
            .iter()
            .filter(|r| {
                f.system
                    .describe(&r.transition.action)
                    .starts_with("change image")
            })
            .count()
    };
    assert_eq!((changes(&first), changes(&second)), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_episodes_a_settled_run_goes_on_until_stopped() {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let registry = crate::model::controllers::REGISTRY;
    let mut config = run_config(0, 0.0);
    config.horizon = Duration::from_millis(300);
    let mut manager = super::Manager::start(config, store, None, registry)
        .await
        .unwrap();
    let until = std::time::Instant::now() + Duration::from_millis(1500);
    let stop = move || std::time::Instant::now() >= until;
    assert_eq!(manager.run(&stop, &mut |_| {}).await, super::Ended::Stopped);
    assert_eq!(manager.snapshot().episode, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_stops_answering_stalls_the_run_with_a_message() {
    let hang = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let store: Arc<dyn Store> = Arc::new(Hanging {
        store: MemoryStore::new(),
        hang: hang.clone(),
    });
    let registry = crate::model::controllers::REGISTRY;
    let mut manager = super::Manager::start(run_config(0, 0.0), store, None, registry)
        .await
        .unwrap();
    hang.store(true, std::sync::atomic::Ordering::SeqCst);
    let started = std::time::Instant::now();
    let never = || false;
    let ended = manager.run(&never, &mut |_| {}).await;
    let super::Ended::Stalled(why) = ended else {
        panic!("{ended:?}");
    };
    assert!(
        why.contains("got no answer from the store for 1 s"),
        "{why}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // A stop request is obeyed while the store is silent.
    let until = std::time::Instant::now() + Duration::from_millis(300);
    let stop = move || std::time::Instant::now() >= until;
    assert_eq!(manager.run(&stop, &mut |_| {}).await, super::Ended::Stopped);
}

#[tokio::test]
async fn a_model_with_no_resources_is_refused() {
    let mut config = run_config(1, 0.0);
    config.model.initial.clear();
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let refused = super::Manager::start(config, store, None, crate::model::controllers::REGISTRY)
        .await
        .err()
        .unwrap();
    assert!(
        refused.to_string().contains("no initial resources"),
        "{refused}"
    );
}

/// A monotonic-session run with stale reads and restarts, `seed`, for at most `for_ms`: the
/// verdict and the number of restarts recorded.
async fn monotonic_run(seed: u64, for_ms: u64) -> (Option<super::Verdict>, usize) {
    let mut config = run_config(1, 0.2);
    config.model.consistency.level = crate::model::history::Consistency::MonotonicSession;
    config.faults.stale_reads = 0.3;
    config.seed = seed;
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let mut manager =
        super::Manager::start(config, store, None, crate::model::controllers::REGISTRY)
            .await
            .unwrap();
    let until = std::time::Instant::now() + Duration::from_millis(for_ms);
    let stop = move || std::time::Instant::now() >= until;
    manager.run(&stop, &mut |_| {}).await;
    let finished = manager.finish();
    let restarts = finished
        .steps
        .iter()
        .filter(|r| {
            finished
                .system
                .describe(&r.transition.action)
                .starts_with("restart")
        })
        .count();
    (finished.verdict, restarts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monotonic_session_runs_with_restarts_and_stale_reads_are_never_refused() {
    // A task without a session (fresh or restarted) reads the latest revision and steps
    // alone: before, its read was any revision, or the latest when it chose but not when its
    // write landed, and the model refused the step within the first dozen.
    let mut restarts = 0;
    for seed in 1..=4 {
        let (verdict, restarted) = monotonic_run(seed, 2500).await;
        // Under monotonic-session P8 holds in every reachable state (the model's own claim).
        assert_eq!(verdict, None, "seed {seed}");
        restarts += restarted;
    }
    assert!(restarts > 0, "no restart fired in four seeds");
}
