//! An informer cache: the objects of one kind as a controller last saw them, kept by a LIST
//! and then a watch, as a client-go reflector keeps its store.
//!
//! The cache stands at one store revision. It moves forward by applying watch events up to the
//! revision asked for, and backwards (or, empty, anywhere) by a fresh LIST at that revision,
//! after which the watch restarts just past it. A watch that fails (a compaction overtook it,
//! the stream closed) is dropped, and the next move relists.
//!
//! The watch covers every kind, not only the cache's: every commit after the initial load
//! writes one key (the API server commits one write per operation), so every revision past the
//! LIST brings exactly one event, and the cache knows it has seen all of revision `r` once it
//! has seen an event at `r`, without waiting for one past it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::resources::{Kind, Object, Revision};
use crate::store::{At, Scope, Store, StoreError, Watch, WatchEvent};

/// The cache of one kind.
pub struct Informer {
    kind: Kind,
    store: Arc<dyn Store>,
    /// The objects by key path.
    objects: BTreeMap<String, Object>,
    /// The revision the cache stands at; `None` before its first LIST.
    revision: Option<Revision>,
    watch: Option<Watch>,
    /// An event past the cache's revision, taken from the watch but not yet applied.
    pending: Option<WatchEvent>,
}

impl Informer {
    /// An empty cache of `kind` over `store` (not listed yet).
    pub fn new(store: Arc<dyn Store>, kind: Kind) -> Informer {
        Informer {
            kind,
            store,
            objects: BTreeMap::new(),
            revision: None,
            watch: None,
            pending: None,
        }
    }

    /// The kind cached.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The revision the cache stands at (`None`: never listed, or forgotten).
    pub fn revision(&self) -> Option<Revision> {
        self.revision
    }

    /// The objects, sorted by key.
    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.objects.values()
    }

    /// Forgets everything: the next move lists again (a restarted controller).
    pub fn forget(&mut self) {
        self.objects.clear();
        self.revision = None;
        self.watch = None;
        self.pending = None;
    }

    /// A LIST at `at`, replacing the contents, then a watch from just past it. Returns the
    /// revision listed.
    pub async fn list(&mut self, at: At) -> Result<Revision, StoreError> {
        let read = self.store.list(Scope::Kind(self.kind), at).await?;
        self.objects = read
            .value
            .into_iter()
            .map(|s| (s.key.path(), s.object))
            .collect();
        self.revision = Some(read.revision);
        self.pending = None;
        self.watch = Some(self.store.watch(Scope::All, read.revision + 1).await?);
        Ok(read.revision)
    }

    /// Moves the cache to exactly `revision`: events delivered up to it, or a LIST at it when
    /// the cache is empty, ahead of it, or its watch ended.
    pub async fn position(&mut self, revision: Revision) -> Result<(), StoreError> {
        match self.revision {
            Some(at) if at == revision => return Ok(()),
            Some(at) if at < revision && self.watch.is_some() => {}
            _ => {
                self.list(At::Revision(revision)).await?;
                return Ok(());
            }
        }
        let current = self.store.revision().await?;
        if revision > current {
            return Err(StoreError::FutureRevision {
                requested: revision,
                current,
            });
        }
        while self.revision.is_some_and(|at| at < revision) {
            let event = match self.pending.take() {
                Some(event) => event,
                None => match self.next_event().await {
                    Ok(event) => event,
                    Err(_) => {
                        // The watch ended (compaction, closed stream): relist where asked.
                        self.list(At::Revision(revision)).await?;
                        return Ok(());
                    }
                },
            };
            if event.revision() > revision {
                self.pending = Some(event);
                break;
            }
            self.apply(event);
        }
        self.revision = Some(revision);
        Ok(())
    }

    /// Waits for the next change and applies it (free running); a cache never listed lists at
    /// the latest revision first, and one whose watch ended relists there. Returns the revision
    /// the cache stands at.
    pub async fn follow(&mut self) -> Result<Revision, StoreError> {
        if self.revision.is_none() || self.watch.is_none() {
            return self.list(At::Latest).await;
        }
        let event = match self.pending.take() {
            Some(event) => event,
            None => match self.next_event().await {
                Ok(event) => event,
                Err(_) => return self.list(At::Latest).await,
            },
        };
        let revision = event.revision();
        self.apply(event);
        self.revision = Some(revision);
        Ok(revision)
    }

    async fn next_event(&mut self) -> Result<WatchEvent, StoreError> {
        let watch = self
            .watch
            .as_mut()
            .ok_or_else(|| StoreError::WatchClosed(format!("{} cache", self.kind.plural())))?;
        match watch.next().await {
            Ok(event) => Ok(event),
            Err(e) => {
                self.watch = None;
                Err(e)
            }
        }
    }

    fn apply(&mut self, event: WatchEvent) {
        if event.key().kind != self.kind {
            self.revision = Some(event.revision());
            return;
        }
        let revision = event.revision();
        match event {
            WatchEvent::Put(stored) => {
                self.objects.insert(stored.key.path(), stored.object);
            }
            WatchEvent::Deleted { key, .. } => {
                self.objects.remove(&key.path());
            }
        }
        self.revision = Some(revision);
    }
}

impl std::fmt::Debug for Informer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Informer")
            .field("kind", &self.kind)
            .field("revision", &self.revision)
            .field("objects", &self.objects.len())
            .finish()
    }
}
