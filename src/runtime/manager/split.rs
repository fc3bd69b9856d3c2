//! A store that reads from one place and writes to another: a task whose caches read one
//! etcd member (serializably, so a cut or lagging member's stale state) while its writes go
//! to the cluster.
//!
//! Only the caches' reads go to the member: their LISTs and watches. Everything the API
//! server does before a write is the cluster's: its newest revision (a generated name, a uid,
//! a deletion timestamp is stamped from the revision after it, and the model stamps it from
//! the revision the write commits at) and its reads of the object written. The member's own
//! newest revision, which a task's next read is chosen below, is asked of the member itself.

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::resources::Revision;
use crate::store::{At, Key, Outcome, Read, Scope, Store, StoreError, Stored, Watch, Write};

/// Caches' LISTs and watches from `reads`; the rest from `writes`.
pub struct Split {
    /// Where LISTs and watches go.
    pub reads: Arc<dyn Store>,
    /// Where commits, the API server's reads and the newest revision go.
    pub writes: Arc<dyn Store>,
}

#[async_trait]
impl Store for Split {
    fn describe(&self) -> String {
        format!(
            "reads from {}, writes to {}",
            self.reads.describe(),
            self.writes.describe()
        )
    }
    async fn revision(&self) -> Result<Revision, StoreError> {
        // The API server stamps a write from it: the cluster's, or a write made while the
        // member lags is stamped from an older revision than the one it commits at.
        self.writes.revision().await
    }
    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError> {
        // Only the API server gets single keys, before a write, at the cluster's revision.
        self.writes.get(key, at).await
    }
    async fn list(&self, scope: Scope, at: At) -> Result<Read<Vec<Stored>>, StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::operation::Operation;
    use crate::model::resources::{Object, Pod};
    use crate::runtime::ApiServer;
    use crate::store::MemoryStore;

    /// A member that lags: its newest revision is held at `at`, whatever the store holds.
    struct Behind {
        store: Arc<MemoryStore>,
        at: Revision,
    }

    #[async_trait]
    impl Store for Behind {
        fn describe(&self) -> String {
            format!("a member behind at r{}", self.at)
        }
        async fn revision(&self) -> Result<Revision, StoreError> {
            Ok(self.at)
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

    fn generated_pod() -> Operation {
        let mut pod = Pod::default();
        pod.metadata.generate_name = "web-".into();
        Operation::Create(Object::Pod(pod))
    }

    /// Creates a pod named from `web-` through an API server over `store` and returns its
    /// stored name with the revision it committed at.
    async fn create(store: Arc<dyn Store>) -> (String, Revision) {
        let accepted = ApiServer::new(store).apply(&generated_pod()).await.unwrap();
        let object = accepted.object.expect("the pod created");
        (object.metadata().name.clone(), accepted.revision)
    }

    /// The 3-member refusal of `benches/run-load.yaml` ("web-71 at r72 ... null in the
    /// model"): a pod created by a task whose member lagged was named from the member's
    /// revision, while the model names it from the revision it commits at.
    #[tokio::test]
    async fn a_name_generated_while_the_member_lags_is_the_one_the_model_makes() {
        let cluster = Arc::new(MemoryStore::new());
        let writes: Arc<dyn Store> = cluster.clone();
        for i in 0..3 {
            let mut pod = Pod::default();
            pod.metadata.name = format!("db-{i}");
            let api = ApiServer::new(writes.clone());
            api.apply(&Operation::Create(Object::Pod(pod)))
                .await
                .unwrap();
        }
        let lagging: Arc<dyn Store> = Arc::new(Behind {
            store: cluster.clone(),
            at: 1,
        });
        // The memory store's first commit is r2: the three pods are r2 to r4. An API server over
        // the lagging member alone names the next pod from r2, and it commits at r5.
        let (name, revision) = create(lagging.clone()).await;
        assert_eq!((name.as_str(), revision), ("web-2", 5));
        // Split, it names it from the cluster's revision, as the model does.
        let split = Arc::new(Split {
            reads: lagging.clone(),
            writes: writes.clone(),
        });
        let (name, revision) = create(split.clone()).await;
        assert_eq!(name, format!("web-{revision}"));
        assert_eq!(revision, 6);
        // Its caches still read the member (a LIST at an older revision).
        assert_eq!(
            split
                .list(Scope::All, At::Revision(2))
                .await
                .unwrap()
                .revision,
            2
        );
        assert_eq!(split.revision().await.unwrap(), 6);
    }
}
