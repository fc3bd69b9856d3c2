//! A watch: the changes of a scope, one event at a time, in revision order.

use async_trait::async_trait;

use super::{Key, StoreError, Stored};
use crate::model::resources::Revision;

/// One change seen by a watch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WatchEvent {
    /// The object was created or replaced; its mod revision is the event's revision.
    Put(Stored),
    /// The key was removed at `revision`.
    Deleted {
        /// The key.
        key: Key,
        /// The revision that removed it.
        revision: Revision,
        /// The object as it was before, where the store still has it.
        last: Option<Stored>,
    },
}

impl WatchEvent {
    /// The revision of the change.
    pub fn revision(&self) -> Revision {
        match self {
            WatchEvent::Put(s) => s.mod_revision,
            WatchEvent::Deleted { revision, .. } => *revision,
        }
    }

    /// The key changed.
    pub fn key(&self) -> &Key {
        match self {
            WatchEvent::Put(s) => &s.key,
            WatchEvent::Deleted { key, .. } => key,
        }
    }
}

/// What a store implements to feed a [`Watch`].
#[async_trait]
pub trait WatchSource: Send {
    /// The next event, waiting for it; an error ends the watch.
    async fn next(&mut self) -> Result<WatchEvent, StoreError>;
}

/// A running watch. Dropping it cancels it.
pub struct Watch {
    source: Box<dyn WatchSource>,
    ended: Option<StoreError>,
}

impl Watch {
    /// A watch fed by `source`.
    pub fn new(source: Box<dyn WatchSource>) -> Watch {
        Watch {
            source,
            ended: None,
        }
    }

    /// The next event, waiting for it. After an error (a compaction, a closed stream) every
    /// further call returns the same error: start a new watch.
    pub async fn next(&mut self) -> Result<WatchEvent, StoreError> {
        if let Some(e) = &self.ended {
            return Err(e.clone());
        }
        let next = self.source.next().await;
        if let Err(e) = &next {
            self.ended = Some(e.clone());
        }
        next
    }
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch").field("ended", &self.ended).finish()
    }
}
