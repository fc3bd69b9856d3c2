//! The API server over a store: the model's apply rules (`model::api::apply`) in front of a
//! [`Store`], so that uid, generation, resourceVersion, graceful deletion and finalizers behave
//! as in the model.
//!
//! For one operation it reads the object's key at the latest revision `R`, applies the
//! operation with the model's rules to a state holding just that object, writing at `R + 1`,
//! and commits the difference (create, update or delete) conditionally on the key's mod
//! revision, as the Kubernetes API server's guaranteed update does. A concurrent writer that
//! got in between makes the commit conflict; then it reads again and re-applies, and the rules
//! decide (a stale `resourceVersion` is then a conflict, an existing name a failed create). The
//! object's `resourceVersion` is its mod revision in the store; uids and deletion timestamps
//! are the model's, made from `R + 1`.
//!
//! One difference from the model, by the store's layout: names are unique per kind and
//! namespace here (the store's keys), per kind in the model; a model uses one namespace.

use std::sync::Arc;

use thiserror::Error;

use crate::model::api::{ApplyError, apply, initial_state};
use crate::model::operation::Operation;
use crate::model::resources::{Object, Revision};
use crate::model::state::StateView;
use crate::store::{At, Key, Outcome, Store, StoreError, Write};

/// How many times one operation is re-read and re-applied when concurrent writers keep
/// getting in first.
pub const MAX_ATTEMPTS: usize = 16;

/// Why an operation was not applied.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ApiError {
    /// The model's rules rejected it (the store is unchanged).
    #[error("rejected: {0}")]
    Rejected(#[from] ApplyError),
    /// The store could not serve it.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Concurrent writes to the same key won every attempt.
    #[error("{key}: still conflicting after {attempts} attempts")]
    Contended {
        /// The key.
        key: Key,
        /// Attempts made.
        attempts: usize,
    },
}

/// An accepted operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The revision it committed at.
    pub revision: Revision,
    /// The object as stored now (`resourceVersion` = `revision`); `None` when it is gone.
    pub object: Option<Object>,
}

/// Which number a write at a store revision makes its uids, generated names and deletion
/// timestamps from (the store revision itself unless told otherwise).
pub type Stamp = Arc<dyn Fn(Revision) -> Revision + Send + Sync>;

/// A lock several API servers share so that one of their writes is in flight at a time.
pub type WriteLock = Arc<tokio::sync::Mutex<()>>;

/// The API server: the model's apply rules over a store. Cheap to clone; clones share the
/// store.
#[derive(Clone)]
pub struct ApiServer {
    store: Arc<dyn Store>,
    stamp: Option<Stamp>,
    serial: Option<WriteLock>,
}

impl ApiServer {
    /// An API server writing to `store`.
    pub fn new(store: Arc<dyn Store>) -> ApiServer {
        ApiServer {
            store,
            stamp: None,
            serial: None,
        }
    }

    /// The same API server holding `lock` from its read of the latest revision `R` to its
    /// commit, so that, when every writer of the store shares it, the commit lands at `R + 1`:
    /// the revision its uids, generated names and deletion timestamps were made from.
    /// Without it two concurrent writers both read `R`, both stamp `R + 1`, and one commits
    /// at `R + 2` with the other's stamp (a live run's Node created with a uid the model
    /// makes at another revision).
    pub fn with_write_lock(mut self, lock: WriteLock) -> ApiServer {
        self.serial = Some(lock);
        self
    }

    /// The same API server making uids, generated names and deletion timestamps from
    /// `stamp(revision)` instead of the store revision written: a replay makes them as the
    /// model did (Kubernetes makes them at random; the model from its own revisions).
    pub fn with_stamp(mut self, stamp: Stamp) -> ApiServer {
        self.stamp = Some(stamp);
        self
    }

    fn stamped(&self, revision: Revision) -> Revision {
        self.stamp.as_ref().map_or(revision, |f| f(revision))
    }

    /// The store behind it.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Loads a model's initial resources, stamped as the model stamps them
    /// (`model::api::initial_state`), in one transaction: all at one revision, returned. Fails
    /// with a conflict if any of them exists.
    pub async fn load(&self, objects: Vec<Object>) -> Result<Revision, ApiError> {
        let revision = self.store.revision().await? + 1;
        let state = initial_state(objects, self.stamped(revision));
        let writes: Vec<Write> = state.objects().into_iter().map(Write::Create).collect();
        match self.store.commit(writes).await? {
            Outcome::Committed(revision) => Ok(revision),
            Outcome::Conflict(conflict) => Err(ApiError::Rejected(ApplyError::AlreadyExists {
                kind: conflict.key.kind,
                name: conflict.key.name,
            })),
        }
    }

    /// Applies one operation as the model's API server would; a rejection says why.
    pub async fn apply(&self, operation: &Operation) -> Result<Accepted, ApiError> {
        let _serial = match &self.serial {
            Some(lock) => Some(lock.lock().await),
            None => None,
        };
        let sent = Key::of(operation.object());
        let mut key = sent.clone();
        for _ in 0..MAX_ATTEMPTS {
            // Each attempt starts from the key sent: a generated name is made anew.
            let (stored, at) = if sent.name.is_empty() {
                // A name from generateName: the rules make it from the revision written.
                let at = self.store.revision().await?;
                let named = apply(&StateView::new(), operation, self.stamped(at + 1))?;
                let Some(object) = named.objects().into_iter().next() else {
                    return Err(ApiError::Store(StoreError::Invalid(format!(
                        "{operation}: the rules named nothing"
                    ))));
                };
                let named_key = Key::of(&object);
                let read = self.store.get(&named_key, At::Revision(at)).await?;
                key = named_key;
                (read.value, at)
            } else {
                let read = self.store.get(&sent, At::Latest).await?;
                (read.value, read.revision)
            };
            let view = StateView::from_objects(stored.iter().map(|s| s.object.clone()));
            let next = apply(&view, operation, self.stamped(at + 1))?;
            let after = next.get(key.kind, &key.name);
            let write = match (&stored, &after) {
                (None, Some(object)) => Write::Create(object.clone()),
                (Some(s), Some(object)) => Write::Update {
                    object: object.clone(),
                    expected: s.mod_revision,
                },
                (Some(s), None) => Write::Delete {
                    key: key.clone(),
                    expected: s.mod_revision,
                },
                (None, None) => {
                    return Err(ApiError::Rejected(ApplyError::NotFound {
                        kind: key.kind,
                        name: key.name,
                    }));
                }
            };
            match self.store.write(write).await? {
                Outcome::Committed(revision) => {
                    let object = after.map(|mut o| {
                        o.metadata_mut().resource_version = revision;
                        o
                    });
                    return Ok(Accepted { revision, object });
                }
                Outcome::Conflict(_) => continue,
            }
        }
        Err(ApiError::Contended {
            key,
            attempts: MAX_ATTEMPTS,
        })
    }
}

#[cfg(test)]
mod tests;
