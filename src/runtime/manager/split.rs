//! A store that reads from one place and writes to another: a task whose caches read one
//! etcd member (serializably, so a cut member's stale state) while its writes go to the
//! cluster.

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::resources::Revision;
use crate::store::{At, Key, Outcome, Read, Scope, Store, StoreError, Stored, Watch, Write};

/// Reads from `reads`, writes to `writes`.
pub struct Split {
    /// Where reads and watches go.
    pub reads: Arc<dyn Store>,
    /// Where commits go.
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
        self.reads.revision().await
    }
    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError> {
        match at {
            // The API server's read before a write is the cluster's.
            At::Latest => self.writes.get(key, at).await,
            At::Revision(_) => self.reads.get(key, at).await,
        }
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
