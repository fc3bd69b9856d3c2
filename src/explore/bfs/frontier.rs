//! The frontier, compact: a state waiting to be expanded is stored as where it came from (its
//! parent's index in the level before and the action taken from it), 24 bytes with its
//! fingerprint and pending `eventually` bits, and rebuilt when it is expanded
//! ([`super::rebuild`]). Once a level is expanded only its parent and action indices are kept
//! (8 bytes a state), as the tree every later state is rebuilt through.
//!
//! Why this and not a serialisation of the state: a state on `statefulset-three-nodes` is
//! ~2.2 KB in memory, most of it objects shared with other states through reference counts;
//! any serialisation of its own (even with a dictionary of shared objects) is hundreds of bytes
//! and costs an encode per new state and a decode per expanded one, against 24 + 8 bytes here
//! and a replay of one step per expanded state (its ancestors are rebuilt once per chunk of
//! siblings: a level is kept in its parents' order, so consecutive states share their paths).
//!
//! A level is in chunks that workers take one at a time; the next level is made of the chunks'
//! batches in the order of the chunks, so its states stay in their parents' order and
//! the level is the same on any number of threads.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// States per chunk: large enough that taking a chunk (and rebuilding the path to it) costs
/// nothing next to expanding it, small enough that two threads finish a level together.
pub const CHUNK: usize = 256;

/// A state waiting to be expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its parent's index in the level before.
    pub parent: u32,
    /// The action from the parent ([`super::actions::Actions`]).
    pub action: u32,
    /// Its fingerprint.
    pub fingerprint: u64,
    /// The `eventually` properties not yet satisfied on the path to it, one bit each.
    pub pending: u64,
}

/// A state of an expanded level, as the tree keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// Its parent's index in the level before.
    pub parent: u32,
    /// The action from the parent.
    pub action: u32,
}

/// The action id of the initial state (it has none).
pub const NO_ACTION: u32 = u32::MAX;

/// The states of one depth: the batches the chunks of the level before produced, in their
/// order (kept apart rather than copied into one vector: a level's peak is then its entries
/// once, not twice).
#[derive(Debug, Default)]
pub struct Level {
    batches: Vec<Vec<Entry>>,
    /// The index of each batch's first state.
    starts: Vec<usize>,
    /// The chunks: a batch and an offset in it.
    chunks: Vec<(usize, usize)>,
    next: AtomicUsize,
    len: usize,
}

impl Level {
    /// The level of the initial state.
    pub fn root(fingerprint: u64, pending: u64) -> Level {
        Level::from_batches(vec![vec![Entry {
            parent: 0,
            action: NO_ACTION,
            fingerprint,
            pending,
        }]])
    }

    /// A level of these batches, in this order.
    pub fn from_batches(batches: Vec<Vec<Entry>>) -> Level {
        let batches: Vec<Vec<Entry>> = batches.into_iter().filter(|b| !b.is_empty()).collect();
        let mut starts = Vec::with_capacity(batches.len());
        let mut chunks = Vec::new();
        let mut len = 0;
        for (b, batch) in batches.iter().enumerate() {
            starts.push(len);
            len += batch.len();
            chunks.extend((0..batch.len()).step_by(CHUNK).map(|offset| (b, offset)));
        }
        Level {
            batches,
            starts,
            chunks,
            next: AtomicUsize::new(0),
            len,
        }
    }

    /// Whether the level is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of states in the level.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The entries, in order.
    #[cfg(test)]
    pub fn entries(&self) -> Vec<Entry> {
        self.batches.concat()
    }

    /// The level with only the states whose fingerprint `keep` accepts (a swarm shard's
    /// share at its split depth).
    pub fn keep(self, keep: impl Fn(u64) -> bool) -> Level {
        Level::from_batches(
            self.batches
                .into_iter()
                .map(|b| b.into_iter().filter(|e| keep(e.fingerprint)).collect())
                .collect(),
        )
    }

    /// The next chunk nobody took yet, with the index of its first state.
    pub fn take(&self) -> Option<(usize, &[Entry])> {
        let &(b, offset) = self.chunks.get(self.next.fetch_add(1, Ordering::Relaxed))?;
        let batch = &self.batches[b];
        let end = (offset + CHUNK).min(batch.len());
        Some((self.starts[b] + offset, &batch[offset..end]))
    }

    /// The level as the tree keeps it once expanded.
    pub fn nodes(&self) -> Vec<Node> {
        let mut nodes = Vec::with_capacity(self.len);
        for batch in &self.batches {
            nodes.extend(batch.iter().map(|e| Node {
                parent: e.parent,
                action: e.action,
            }));
        }
        nodes
    }
}

/// The batches of the next level, as workers hand them in.
#[derive(Debug, Default)]
pub struct NextLevel {
    batches: Mutex<Vec<(usize, Vec<Entry>)>>,
}

impl NextLevel {
    /// Adds the new states of the chunk starting at `start`.
    pub fn hand_in(&self, start: usize, mut batch: Vec<Entry>) {
        if !batch.is_empty() {
            // A batch grown by doubling holds up to twice its entries.
            batch.shrink_to_fit();
            self.batches
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((start, batch));
        }
    }

    /// The level they make, in the order of their parents.
    pub fn into_level(self) -> Level {
        let mut batches = self.batches.into_inner().unwrap_or_else(|e| e.into_inner());
        batches.sort_unstable_by_key(|(start, _)| *start);
        Level::from_batches(batches.into_iter().map(|(_, b)| b).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(parent: u32, fingerprint: u64) -> Entry {
        Entry {
            parent,
            action: 0,
            fingerprint,
            pending: 0,
        }
    }

    #[test]
    fn chunks_are_taken_once_and_the_next_level_keeps_its_parents_order() {
        let level = Level::from_batches(vec![
            (0..300).map(|i| entry(i, u64::from(i))).collect(),
            (300..600).map(|i| entry(i, u64::from(i))).collect(),
        ]);
        let mut starts = Vec::new();
        while let Some((start, chunk)) = level.take() {
            assert_eq!(chunk[0].parent as usize, start);
            starts.push((start, chunk.len()));
        }
        assert_eq!(starts, vec![(0, 256), (256, 44), (300, 256), (556, 44)]);
        let next = NextLevel::default();
        next.hand_in(512, vec![entry(512, 3)]);
        next.hand_in(0, vec![entry(0, 1), entry(7, 2)]);
        next.hand_in(256, Vec::new());
        let level = next.into_level();
        let parents: Vec<u32> = level.entries().iter().map(|e| e.parent).collect();
        assert_eq!(parents, vec![0, 7, 512]);
        let kept = level.keep(|fp| fp != 2);
        assert_eq!(kept.len(), 2);
    }
}
