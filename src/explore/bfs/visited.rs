//! The set of visited states: each state's fingerprint and its parent's, in shards a thread
//! locks one at a time. Sixteen bytes a state (plus the table's slack), whatever the state's
//! size: the states themselves live only in the frontier; while a level is generated, eight
//! more for each of its new states.
//!
//! A state reached from several parents of one level keeps the smallest parent fingerprint,
//! not the first to arrive: paths, and so counterexamples, are the same on any number of
//! threads and in every run.
//!
//! With a memory budget, the set spills: when a shard holds more than its share of the
//! budget, the workers stop at the end of their chunk and one of them moves every state of
//! the earlier levels (the ones whose parent is final) out of memory, sorted and merged into a
//! run on disk ([`super::disk`]); the states of the level being generated stay, so the
//! smallest-parent rule still applies to them. A fingerprint missing from memory is then
//! looked up on disk, under the run's read lock, taken before the shard's lock (the spill
//! takes the write lock, then each shard's: no deadlock, and no fingerprint is in neither
//! place while a worker looks).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};

use super::disk::DiskRun;

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

/// Bytes of memory a visited state costs in the table (16 bytes, the control byte and the
/// table's slack), to turn a budget into a number of states.
pub const BYTES_PER_STATE: u64 = 40;

/// Where and when the set spills to disk.
#[derive(Debug)]
struct Spill {
    /// The states a shard may hold in memory.
    per_shard: usize,
    /// The folder the run is written in (created at the first spill, removed with the set).
    parent_dir: PathBuf,
    dir: Mutex<Option<tempfile::TempDir>>,
    run: RwLock<Option<DiskRun>>,
    /// A spill happened: lookups go to disk too.
    spilled: AtomicBool,
    /// A shard passed its share.
    wanted: AtomicBool,
    /// Bytes written to disk, over every merge.
    written: AtomicU64,
}

/// Visited fingerprints, each with the fingerprint of the state it was reached from.
#[derive(Debug)]
pub struct Visited {
    shards: Vec<Mutex<Shard>>,
    spill: Option<Spill>,
}

impl Default for Visited {
    fn default() -> Self {
        Visited {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            spill: None,
        }
    }
}

impl Visited {
    /// A set that keeps at most about `budget` bytes in memory and spills the rest to a
    /// temporary folder in `dir`.
    pub fn with_budget(budget: u64, dir: PathBuf) -> Visited {
        let states = usize::try_from(budget / BYTES_PER_STATE).unwrap_or(usize::MAX);
        Visited {
            spill: Some(Spill {
                per_shard: (states / SHARDS).max(16),
                parent_dir: dir,
                dir: Mutex::new(None),
                run: RwLock::new(None),
                spilled: AtomicBool::new(false),
                wanted: AtomicBool::new(false),
                written: AtomicU64::new(0),
            }),
            ..Visited::default()
        }
    }

    fn shard(&self, fingerprint: u64) -> std::sync::MutexGuard<'_, Shard> {
        // The low bits pick the shard; the map hashes the whole word again.
        let shard = &self.shards[fingerprint as usize % SHARDS];
        // A poisoned shard means a worker panicked while inserting a plain pair of words: the
        // map is still whole, and the panic is reported when the worker is joined.
        shard.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the shard of `fingerprint` with the disk run, if any: the run's read lock
    /// is taken first once a spill happened.
    fn with_shard<T>(
        &self,
        fingerprint: u64,
        f: impl FnOnce(&mut Shard, Option<&DiskRun>) -> T,
    ) -> T {
        let Some(spill) = &self.spill else {
            return f(&mut self.shard(fingerprint), None);
        };
        loop {
            if spill.spilled.load(Ordering::Acquire) {
                let run = spill.run.read().unwrap_or_else(|e| e.into_inner());
                return f(&mut self.shard(fingerprint), run.as_ref());
            }
            let mut shard = self.shard(fingerprint);
            // A spill that started meanwhile sets `spilled` before it takes any shard.
            if !spill.spilled.load(Ordering::Acquire) {
                return f(&mut shard, None);
            }
        }
    }

    /// Records `fingerprint` as reached from `parent`; false when it was already visited.
    /// Reached again in the same level, it keeps the smaller parent.
    pub fn insert(&self, fingerprint: u64, parent: u64) -> bool {
        let per_shard = self.spill.as_ref().map_or(usize::MAX, |s| s.per_shard);
        let (new, full) = self.with_shard(fingerprint, |shard, run| {
            let new = Self::insert_in(shard, run, fingerprint, parent);
            (new, shard.parents.len() > per_shard)
        });
        if full && let Some(spill) = &self.spill {
            spill.wanted.store(true, Ordering::Relaxed);
        }
        new
    }

    fn insert_in(shard: &mut Shard, run: Option<&DiskRun>, fingerprint: u64, parent: u64) -> bool {
        let Shard { parents, fresh } = shard;
        if !parents.contains_key(&fingerprint)
            && let Some(run) = run
            && on_disk(run, fingerprint).is_some()
        {
            return false;
        }
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
        self.parent(fingerprint).is_some()
    }

    /// The fingerprint `fingerprint` was reached from ([`ROOT`] for the initial state).
    pub fn parent(&self, fingerprint: u64) -> Option<u64> {
        self.with_shard(fingerprint, |shard, run| {
            shard
                .parents
                .get(&fingerprint)
                .copied()
                .or_else(|| run.and_then(|run| on_disk(run, fingerprint)))
        })
    }

    /// Whether a shard passed its share of the budget.
    pub fn wants_spill(&self) -> bool {
        self.spill
            .as_ref()
            .is_some_and(|s| s.wanted.load(Ordering::Relaxed))
    }

    /// Moves every state of the earlier levels to the run on disk, if a shard passed its
    /// share (another worker may have spilled already).
    pub fn spill(&self) {
        let Some(spill) = &self.spill else { return };
        let mut run = spill.run.write().unwrap_or_else(|e| e.into_inner());
        if !spill.wanted.load(Ordering::Relaxed) {
            return;
        }
        spill.spilled.store(true, Ordering::Release);
        let mut batch = Vec::new();
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            let Shard { parents, fresh } = &mut *shard;
            let mut kept = FxHashMap::default();
            kept.reserve(fresh.len());
            for (fp, parent) in parents.drain() {
                if fresh.contains(&fp) {
                    kept.insert(fp, parent);
                } else {
                    batch.push((fp, parent));
                }
            }
            *parents = kept;
        }
        batch.sort_unstable();
        let mut dir = spill.dir.lock().unwrap_or_else(|e| e.into_inner());
        let dir = dir.get_or_insert_with(|| {
            tempfile::Builder::new()
                .prefix("orchard-spill-")
                .tempdir_in(&spill.parent_dir)
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot make a spill folder in {}: {e}",
                        spill.parent_dir.display()
                    )
                })
        });
        let (merged, written) =
            DiskRun::merge(run.take(), &batch, dir.path()).unwrap_or_else(|e| {
                panic!(
                    "cannot write the visited set to {}: {e}",
                    dir.path().display()
                )
            });
        *run = Some(merged);
        spill.written.fetch_add(written, Ordering::Relaxed);
        spill.wanted.store(false, Ordering::Relaxed);
    }

    /// Bytes written to disk by spills.
    pub fn spilled_bytes(&self) -> u64 {
        self.spill
            .as_ref()
            .map_or(0, |s| s.written.load(Ordering::Relaxed))
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
        let memory = || -> usize {
            self.shards
                .iter()
                .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).parents.len())
                .sum()
        };
        match &self.spill {
            None => memory(),
            Some(spill) => {
                let run = spill.run.read().unwrap_or_else(|e| e.into_inner());
                memory() + run.as_ref().map_or(0, DiskRun::len)
            }
        }
    }
}

/// A lookup on disk; an unreadable run is a failure of the machine, not of the model.
fn on_disk(run: &DiskRun, fingerprint: u64) -> Option<u64> {
    run.get(fingerprint)
        .unwrap_or_else(|e| panic!("cannot read the visited set's run on disk: {e}"))
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

    #[test]
    fn a_spilled_set_still_knows_every_state_and_keeps_the_smaller_parent_of_its_level() {
        let dir = tempfile::tempdir().unwrap();
        let v = Visited::with_budget(1, dir.path().to_path_buf());
        let fp = |i: u64| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        assert!(v.insert(fp(0), ROOT));
        for i in 1..5000 {
            assert!(v.insert(fp(i), fp(i - 1)));
        }
        v.end_level();
        assert!(v.wants_spill());
        v.spill();
        assert!(!v.wants_spill() && v.spilled_bytes() == 5000 * 16);
        assert_eq!(v.len(), 5000);
        assert!(!v.insert(fp(42), fp(7)), "on disk, so not new");
        assert_eq!(v.parent(fp(42)), Some(fp(41)));
        // A level being generated when a spill comes keeps its smaller parents.
        assert!(v.insert(fp(9000), fp(3)));
        for i in 5000..7000 {
            assert!(v.insert(fp(i), fp(i - 1)));
        }
        v.spill();
        assert!(!v.insert(fp(9000), fp(2)));
        assert_eq!(v.parent(fp(9000)), Some(fp(2)).min(Some(fp(3))));
        v.end_level();
        v.spill();
        assert_eq!(v.len(), 7001);
        assert_eq!(v.path_to(fp(3)), (0..4).map(fp).collect::<Vec<_>>());
        assert!(v.contains(fp(6999)) && !v.contains(2));
        let spill_dirs = || std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(spill_dirs(), 1);
        drop(v);
        assert_eq!(spill_dirs(), 0, "the spill folder goes with the set");
    }
}
