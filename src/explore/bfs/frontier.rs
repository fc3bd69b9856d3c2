//! One level of the search: the states at one depth, in chunks that workers take one at a time
//! and drop once expanded, so a level's memory is given back while the next one grows.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::model::system::SystemState;

/// States per chunk: large enough that taking a chunk costs nothing next to expanding it,
/// small enough that two threads finish a level together.
pub const CHUNK: usize = 256;

/// A state waiting to be expanded.
#[derive(Debug)]
pub struct Entry {
    /// The state.
    pub state: SystemState,
    /// Its fingerprint.
    pub fingerprint: u64,
    /// The `eventually` properties not yet satisfied on the path to it, one bit each.
    pub pending: u64,
}

/// The states of one depth.
#[derive(Debug, Default)]
pub struct Level {
    chunks: Vec<Mutex<Option<Vec<Entry>>>>,
    next: AtomicUsize,
    len: usize,
}

impl Level {
    /// A level from the batches its predecessors produced.
    pub fn from_batches(batches: Vec<Vec<Entry>>) -> Level {
        let mut chunks = Vec::new();
        let mut len = 0;
        for mut batch in batches {
            len += batch.len();
            while batch.len() > CHUNK {
                let rest = batch.split_off(CHUNK);
                chunks.push(Mutex::new(Some(batch)));
                batch = rest;
            }
            if !batch.is_empty() {
                chunks.push(Mutex::new(Some(batch)));
            }
        }
        Level {
            chunks,
            next: AtomicUsize::new(0),
            len,
        }
    }

    /// Whether the level is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The level with only the states whose fingerprint `keep` accepts (a swarm shard's
    /// share at its split depth).
    pub fn keep(self, keep: impl Fn(u64) -> bool) -> Level {
        let batches = self
            .chunks
            .into_iter()
            .filter_map(|c| c.into_inner().unwrap_or_else(|e| e.into_inner()))
            .map(|batch| batch.into_iter().filter(|e| keep(e.fingerprint)).collect())
            .collect();
        Level::from_batches(batches)
    }

    /// The next chunk nobody took yet.
    pub fn take(&self) -> Option<Vec<Entry>> {
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            let chunk = self.chunks.get(i)?;
            // Each chunk is taken once; a poisoned lock only means a worker panicked elsewhere.
            if let Some(entries) = chunk.lock().unwrap_or_else(|e| e.into_inner()).take() {
                return Some(entries);
            }
        }
    }
}

/// The batches of the next level, as workers hand them in.
#[derive(Debug, Default)]
pub struct NextLevel {
    batches: Mutex<Vec<Vec<Entry>>>,
}

impl NextLevel {
    /// Adds the new states one chunk produced.
    pub fn hand_in(&self, batch: Vec<Entry>) {
        if !batch.is_empty() {
            self.batches
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(batch);
        }
    }

    /// The level they make.
    pub fn into_level(self) -> Level {
        Level::from_batches(self.batches.into_inner().unwrap_or_else(|e| e.into_inner()))
    }
}
