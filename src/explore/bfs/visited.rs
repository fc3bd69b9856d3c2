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
//! budget, the workers stop at the end of their chunk and one of them moves every state in
//! memory, those of the level being generated too, to a sorted run on disk ([`super::disk`]).
//! Of the level being generated only the `fresh` fingerprints stay (8 bytes a state), so the
//! smallest-parent rule still applies to them: a fresh fingerprint found on disk and reached
//! again from a smaller parent gets that parent in memory, which wins over the disk's record
//! at lookups and, at the next spill, in the run (where the newer record wins). A spill
//! happens only when it moves at least a quarter of the shard's share, so a level that alone
//! passes the budget does not rewrite the runs at every chunk. A fingerprint missing from
//! memory is then looked up on disk, under the runs' read lock, taken before the shard's lock
//! (the spill takes the write lock, then each shard's: no deadlock, and no fingerprint is in
//! neither place while a worker looks).
//!
//! Contention with many threads: a worker holds one shard's lock for one hash-map probe (and,
//! after a spill, one block read per run), and the 64 shards are picked by the fingerprint's
//! low bits, so with 16 threads two workers meet on a shard about 16/64 of the time they
//! insert, each waiting the length of a probe; with 64 threads nearly every insert finds a
//! shard held once, and the shards should grow with the threads (a power of two above 4 ×
//! threads) to keep waits rare. The runs' read lock is shared and only a spill takes it for
//! writing, with every worker stopped at the end of its chunk. The counters are atomics; no
//! lock covers the whole set.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};

use rustc_hash::{FxHashMap, FxHashSet};

use super::disk::Runs;

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
    runs: RwLock<Runs>,
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
    /// The states visited (a spilled state may be in memory and on disk at once).
    len: AtomicUsize,
}

impl Default for Visited {
    fn default() -> Self {
        Visited {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            spill: None,
            len: AtomicUsize::new(0),
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
                runs: RwLock::new(Runs::default()),
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
    fn with_shard<T>(&self, fingerprint: u64, f: impl FnOnce(&mut Shard, Option<&Runs>) -> T) -> T {
        let Some(spill) = &self.spill else {
            return f(&mut self.shard(fingerprint), None);
        };
        loop {
            if spill.spilled.load(Ordering::Acquire) {
                let runs = spill.runs.read().unwrap_or_else(|e| e.into_inner());
                return f(&mut self.shard(fingerprint), Some(&runs));
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
        let (new, full) = self.with_shard(fingerprint, |shard, runs| {
            let new = Self::insert_in(shard, runs, fingerprint, parent);
            (new, wants_spill(shard, per_shard))
        });
        if new {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
        if full && let Some(spill) = &self.spill {
            spill.wanted.store(true, Ordering::Relaxed);
        }
        new
    }

    fn insert_in(shard: &mut Shard, runs: Option<&Runs>, fingerprint: u64, parent: u64) -> bool {
        let Shard { parents, fresh } = shard;
        if let Some(known) = parents.get_mut(&fingerprint) {
            if parent < *known && fresh.contains(&fingerprint) {
                *known = parent;
            }
            return false;
        }
        if let Some(runs) = runs
            && let Some(known) = on_disk(runs, fingerprint)
        {
            // Spilled while its level is generated: a smaller parent is kept in memory.
            if parent < known && fresh.contains(&fingerprint) {
                parents.insert(fingerprint, parent);
            }
            return false;
        }
        parents.insert(fingerprint, parent);
        fresh.insert(fingerprint);
        true
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
        self.with_shard(fingerprint, |shard, runs| {
            shard
                .parents
                .get(&fingerprint)
                .copied()
                .or_else(|| runs.and_then(|runs| on_disk(runs, fingerprint)))
        })
    }

    /// Whether a shard passed its share of the budget.
    pub fn wants_spill(&self) -> bool {
        self.spill
            .as_ref()
            .is_some_and(|s| s.wanted.load(Ordering::Relaxed))
    }

    /// Moves every state in memory to the runs on disk, keeping only the level being
    /// generated's fresh fingerprints, if a shard passed its share (another worker may have
    /// spilled already).
    pub fn spill(&self) {
        let Some(spill) = &self.spill else { return };
        let mut runs = spill.runs.write().unwrap_or_else(|e| e.into_inner());
        if !spill.wanted.load(Ordering::Relaxed) {
            return;
        }
        spill.spilled.store(true, Ordering::Release);
        let mut batch = Vec::new();
        for shard in &self.shards {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            batch.extend(shard.parents.drain());
            shard.parents.shrink_to_fit();
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
        let written = runs.add(&batch, dir.path()).unwrap_or_else(|e| {
            panic!(
                "cannot write the visited set to {}: {e}",
                dir.path().display()
            )
        });
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
        self.len.load(Ordering::Relaxed)
    }
}

/// Whether `shard` should spill: past its share of the budget, counting a fresh fingerprint
/// (kept in memory through a spill) as half a state, and with at least a quarter of the share
/// to move, so that a spill frees a real part of the budget.
fn wants_spill(shard: &Shard, per_shard: usize) -> bool {
    shard.parents.len() + shard.fresh.len() / 2 > per_shard && shard.parents.len() >= per_shard / 4
}

/// A lookup on disk; an unreadable run is a failure of the machine, not of the model.
fn on_disk(runs: &Runs, fingerprint: u64) -> Option<u64> {
    runs.get(fingerprint)
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
