//! The set of visited states: each state's fingerprint and its parent's, in shards a thread
//! locks one at a time. Sixteen bytes a state (plus the table's slack), whatever the state's
//! size: the states themselves live only in the frontier; while a level is generated, eight
//! more for each of its new states.
//!
//! A state reached from several parents of one level keeps the smallest parent fingerprint,
//! not the first to arrive: paths, and so counterexamples, are the same on any number of
//! threads and in every run.

use std::sync::Mutex;

use rustc_hash::{FxHashMap, FxHashSet};

/// Shards: enough that two or a few threads rarely wait on one another.
const SHARDS: usize = 64;

/// The parent recorded for the initial state.
pub const ROOT: u64 = 0;

/// One shard: fingerprints with their parents, and those first reached in the level being
/// generated (whose parent may still change).
#[derive(Debug, Default)]
struct Shard {
    parents: FxHashMap<u64, u64>,
    fresh: FxHashSet<u64>,
}

/// Visited fingerprints, each with the fingerprint of the state it was reached from.
#[derive(Debug)]
pub struct Visited {
    shards: Vec<Mutex<Shard>>,
}

impl Default for Visited {
    fn default() -> Self {
        Visited {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl Visited {
    fn shard(&self, fingerprint: u64) -> std::sync::MutexGuard<'_, Shard> {
        // The low bits pick the shard; the map hashes the whole word again.
        let shard = &self.shards[fingerprint as usize % SHARDS];
        // A poisoned shard means a worker panicked while inserting a plain pair of words: the
        // map is still whole, and the panic is reported when the worker is joined.
        shard.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `fingerprint` as reached from `parent`; false when it was already visited.
    /// Reached again in the same level, it keeps the smaller parent.
    pub fn insert(&self, fingerprint: u64, parent: u64) -> bool {
        let mut shard = self.shard(fingerprint);
        let Shard { parents, fresh } = &mut *shard;
        match parents.entry(fingerprint) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                if parent < *o.get() && fresh.contains(&fingerprint) {
                    o.insert(parent);
                }
                false
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(parent);
                fresh.insert(fingerprint);
                true
            }
        }
    }

    /// The level being generated is complete: its parents are final.
    pub fn end_level(&self) {
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            shard.fresh = FxHashSet::default();
        }
    }

    /// Whether `fingerprint` was visited.
    pub fn contains(&self, fingerprint: u64) -> bool {
        self.shard(fingerprint).parents.contains_key(&fingerprint)
    }

    /// The fingerprint `fingerprint` was reached from ([`ROOT`] for the initial state).
    pub fn parent(&self, fingerprint: u64) -> Option<u64> {
        self.shard(fingerprint).parents.get(&fingerprint).copied()
    }

    /// The fingerprints from the initial state to `fingerprint`, both included.
    pub fn path_to(&self, fingerprint: u64) -> Vec<u64> {
        let mut path = vec![fingerprint];
        let mut at = fingerprint;
        while let Some(parent) = self.parent(at) {
            if parent == ROOT {
                break;
            }
            path.push(parent);
            at = parent;
        }
        path.reverse();
        path
    }

    /// The number of visited states.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).parents.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_is_new_once_and_its_path_leads_back_to_the_root() {
        let v = Visited::default();
        assert!(v.insert(11, ROOT));
        assert!(v.insert(22, 11));
        assert!(v.insert(33, 22));
        v.end_level();
        assert!(
            !v.insert(22, 3),
            "a parent from a later level never replaces one"
        );
        assert_eq!(v.parent(22), Some(11));
        assert!(v.insert(44, 33));
        assert!(
            !v.insert(44, 22),
            "in the same level the smaller parent wins"
        );
        assert!(!v.insert(44, 30));
        assert_eq!(v.parent(44), Some(22));
        assert_eq!(v.path_to(33), vec![11, 22, 33]);
        assert_eq!(v.path_to(11), vec![11]);
        assert!(v.contains(33) && !v.contains(55));
        assert_eq!(v.len(), 4);
    }
}
