//! The in-memory store, the embedded default: every version of every key since the compaction
//! point, so any revision can be read, and an event log that watches replay and follow.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::Notify;

use super::key::{REGISTRY, kind_prefix};
use super::{
    At, Conflict, Key, Outcome, Read, Scope, Store, StoreError, Stored, Watch, WatchEvent,
    WatchSource, Write, with_version, without_version,
};
use crate::model::resources::{Object, Revision};

/// An in-process store with history. Cloning shares it (clones are handles to one store).
#[derive(Clone, Default)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    history: Mutex<History>,
    changed: Notify,
}

/// One version of a key: what it held from `revision` on (`None`: removed).
#[derive(Clone)]
struct Version {
    revision: Revision,
    create_revision: Revision,
    value: Option<Object>,
}

struct Versions {
    key: Key,
    versions: Vec<Version>,
}

impl Versions {
    /// The version in force at `revision`.
    fn at(&self, revision: Revision) -> Option<&Version> {
        let n = self.versions.partition_point(|v| v.revision <= revision);
        n.checked_sub(1).map(|i| &self.versions[i])
    }

    fn stored_at(&self, revision: Revision) -> Option<Stored> {
        let v = self.at(revision)?;
        let object = v.value.clone()?;
        Some(Stored {
            key: self.key.clone(),
            object: with_version(object, v.revision),
            create_revision: v.create_revision,
            mod_revision: v.revision,
        })
    }
}

struct History {
    /// The current revision; 1 when empty, as etcd.
    revision: Revision,
    /// Reads before this revision fail as compacted.
    compacted: Revision,
    /// Every key ever written since compaction, by path.
    keys: BTreeMap<String, Versions>,
    /// Every change since compaction, in revision order.
    events: VecDeque<WatchEvent>,
    /// The sequence number of `events[0]`.
    first_seq: u64,
}

impl Default for History {
    fn default() -> Self {
        History {
            revision: 1,
            compacted: 0,
            keys: BTreeMap::new(),
            events: VecDeque::new(),
            first_seq: 0,
        }
    }
}

impl History {
    fn check_readable(&self, at: At) -> Result<Revision, StoreError> {
        match at {
            At::Latest => Ok(self.revision),
            At::Revision(0) => Err(StoreError::Invalid("revision 0 is not a revision".into())),
            At::Revision(r) if r < self.compacted => Err(StoreError::Compacted {
                requested: r,
                compacted: Some(self.compacted),
            }),
            At::Revision(r) if r > self.revision => Err(StoreError::FutureRevision {
                requested: r,
                current: self.revision,
            }),
            At::Revision(r) => Ok(r),
        }
    }

    fn current(&self, key: &Key) -> Option<Stored> {
        self.keys.get(&key.path())?.stored_at(self.revision)
    }

    fn conflict(&self, writes: &[Write]) -> Option<Conflict> {
        writes.iter().enumerate().find_map(|(index, write)| {
            let key = write.key();
            let current = self.current(&key).map(|s| s.mod_revision);
            let holds = match write {
                Write::Create(_) => current.is_none(),
                Write::Update { expected, .. } | Write::Delete { expected, .. } => {
                    current == Some(*expected)
                }
            };
            (!holds).then_some(Conflict {
                index,
                key,
                current,
            })
        })
    }

    fn apply(&mut self, write: Write, revision: Revision) {
        let key = write.key();
        let last = self.current(&key);
        let value = match write {
            Write::Create(o) | Write::Update { object: o, .. } => Some(without_version(&o)),
            Write::Delete { .. } => None,
        };
        let create_revision = match (&last, &value) {
            (Some(s), Some(_)) => s.create_revision,
            _ => revision,
        };
        let entry = self.keys.entry(key.path()).or_insert_with(|| Versions {
            key: key.clone(),
            versions: Vec::new(),
        });
        entry.versions.push(Version {
            revision,
            create_revision,
            value: value.clone(),
        });
        let event = match value {
            Some(object) => WatchEvent::Put(Stored {
                key,
                object: with_version(object, revision),
                create_revision,
                mod_revision: revision,
            }),
            None => WatchEvent::Deleted {
                key,
                revision,
                last,
            },
        };
        self.events.push_back(event);
    }

    fn compact(&mut self, revision: Revision) {
        self.keys.retain(|_, versions| {
            let keep_from = versions
                .versions
                .partition_point(|v| v.revision <= revision)
                .saturating_sub(1);
            versions.versions.drain(..keep_from);
            !(versions.versions.len() == 1
                && versions.versions[0].value.is_none()
                && versions.versions[0].revision <= revision)
        });
        while self.events.front().is_some_and(|e| e.revision() < revision) {
            self.events.pop_front();
            self.first_seq += 1;
        }
        self.compacted = revision;
    }
}

impl MemoryStore {
    /// An empty store at revision 1.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// The history, locked. A panic while it was held cannot leave it half-written (every
    /// change is made after all checks), so a poisoned lock is still sound.
    fn history(&self) -> MutexGuard<'_, History> {
        self.shared
            .history
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn prefix(scope: Scope) -> String {
    match scope {
        Scope::Kind(kind) => kind_prefix(kind),
        Scope::All => REGISTRY.to_string(),
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn describe(&self) -> String {
        "memory".to_string()
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        Ok(self.history().revision)
    }

    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError> {
        let history = self.history();
        let revision = history.check_readable(at)?;
        let value = history
            .keys
            .get(&key.path())
            .and_then(|v| v.stored_at(revision));
        Ok(Read { value, revision })
    }

    async fn list(&self, scope: Scope, at: At) -> Result<Read<Vec<Stored>>, StoreError> {
        let history = self.history();
        let revision = history.check_readable(at)?;
        let prefix = prefix(scope);
        let value = history
            .keys
            .range(prefix.clone()..)
            .take_while(|(path, _)| path.starts_with(&prefix))
            .filter_map(|(_, v)| v.stored_at(revision))
            .collect();
        Ok(Read { value, revision })
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<Outcome, StoreError> {
        let mut seen = BTreeSet::new();
        for write in &writes {
            let key = write.key();
            if key.name.is_empty() {
                return Err(StoreError::Invalid(format!("{} without a name", key.kind)));
            }
            if !seen.insert(key.path()) {
                return Err(StoreError::Invalid(format!(
                    "two writes to {key} in one commit"
                )));
            }
        }
        let mut history = self.history();
        if writes.is_empty() {
            return Ok(Outcome::Committed(history.revision));
        }
        if let Some(conflict) = history.conflict(&writes) {
            return Ok(Outcome::Conflict(conflict));
        }
        let revision = history.revision + 1;
        for write in writes {
            history.apply(write, revision);
        }
        history.revision = revision;
        drop(history);
        self.shared.changed.notify_waiters();
        Ok(Outcome::Committed(revision))
    }

    async fn watch(&self, scope: Scope, from: Revision) -> Result<Watch, StoreError> {
        let history = self.history();
        if from == 0 {
            return Err(StoreError::Invalid(
                "a watch starts at revision 1 or later".into(),
            ));
        }
        // As etcd does, a watch from before the compaction point is created and its first
        // event is the compaction error.
        let pending = (from < history.compacted).then(|| StoreError::Compacted {
            requested: from,
            compacted: Some(history.compacted),
        });
        let skip = history.events.partition_point(|e| e.revision() < from) as u64;
        let cursor = history.first_seq + skip;
        drop(history);
        Ok(Watch::new(Box::new(MemoryWatch {
            store: self.clone(),
            scope,
            cursor,
            next_revision: from,
            pending,
        })))
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        let mut history = self.history();
        if revision > history.revision {
            return Err(StoreError::FutureRevision {
                requested: revision,
                current: history.revision,
            });
        }
        if revision <= history.compacted {
            return Err(StoreError::Compacted {
                requested: revision,
                compacted: Some(history.compacted),
            });
        }
        history.compact(revision);
        drop(history);
        // Wake watches so that one overtaken by the compaction reports it.
        self.shared.changed.notify_waiters();
        Ok(())
    }
}

/// A watch over a [`MemoryStore`]: a cursor into its event log.
struct MemoryWatch {
    store: MemoryStore,
    scope: Scope,
    /// The sequence number of the next event to look at.
    cursor: u64,
    /// The revision the watch wants next (for the compaction error).
    next_revision: Revision,
    /// An error to report first (a watch from before the compaction point).
    pending: Option<StoreError>,
}

#[async_trait]
impl WatchSource for MemoryWatch {
    async fn next(&mut self) -> Result<WatchEvent, StoreError> {
        if let Some(e) = self.pending.take() {
            return Err(e);
        }
        loop {
            let shared = Arc::clone(&self.store.shared);
            let mut notified = pin!(shared.changed.notified());
            notified.as_mut().enable();
            {
                let history = self.store.history();
                if self.cursor < history.first_seq {
                    return Err(StoreError::Compacted {
                        requested: self.next_revision,
                        compacted: Some(history.compacted),
                    });
                }
                let end = history.first_seq + history.events.len() as u64;
                while self.cursor < end {
                    let event = &history.events[(self.cursor - history.first_seq) as usize];
                    self.cursor += 1;
                    if self.scope.covers(event.key().kind) {
                        self.next_revision = event.revision() + 1;
                        return Ok(event.clone());
                    }
                }
            }
            notified.await;
        }
    }
}
