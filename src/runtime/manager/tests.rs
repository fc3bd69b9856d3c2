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
