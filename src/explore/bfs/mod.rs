//! orchard's breadth-first search: level by level, on any number of threads.
//!
//! Each level (the states at one depth) is expanded completely before the next one starts, by
//! workers taking chunks of it; new states go through one visited set of fingerprints. So the
//! states within a depth bound are the same on one thread or many (stateright's parallel BFS
//! lets threads drift apart by a level and expands a state at the depth it was first generated
//! at, which loses states under a bound), and a counterexample is found at the first depth that
//! has one: shortest, on any number of threads. When a property fails the search finishes the
//! level it is generating and stops, so the counts do not depend on thread timing either.
//!
//! Only fingerprints are kept for visited states (with their parent's, to rebuild paths), and
//! the frontier holds no states either: an entry is its parent's index and the action from it
//! ([`frontier`]), and a worker rebuilds the states of its chunk by replaying their actions
//! from the paths it already rebuilt ([`rebuild`]). Under a memory budget the visited set
//! spills to disk ([`visited`], [`disk`]). A counterexample's path is rebuilt by replaying
//! from the initial state and taking, at each step, the transition whose target has the next
//! fingerprint: it names the real controllers and nodes even when fingerprints identify
//! symmetric states.
//!
//! No lock covers the search: `--threads` defaults to the machine's cores, the visited set is
//! 64 shards locked one at a time for a probe ([`visited`] argues the contention at 16 and 64
//! threads), the actions table likewise, a level hands its chunks out through an atomic
//! counter, and the next level's one lock is taken once per chunk of [`frontier::CHUNK`]
//! expanded states to push a batch (a vector move: at 64 threads, 64 pushes per 256 × 64
//! expansions); the discoveries' lock is taken only when a property fails.
//!
//! The run's stop (its deadline, a cancel) is checked while settling a `start: settled` model,
//! by each worker before every state it expands (a clock read next to a state's successors costs
//! nothing), and by the thread reporting progress.
//!
//! `eventually` properties are checked as stateright checks them: a path reaching a terminal
//! state (no successor) without satisfying the property is a counterexample; a state reached
//! again by another path keeps what its first path satisfied.

mod actions;
mod disk;
mod frontier;
mod rebuild;
mod visited;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use actions::Actions;
use frontier::{Entry, Level, NextLevel};
use rebuild::{Rebuild, Tree};
use visited::{ROOT, Visited};

use super::checker::CheckOptions;
use super::outcome::{CheckOutcome, Ending, PropertyResult, verdict};
use super::progress::Progress;
use super::stop::{Stop, StopReason};
use crate::model::properties::{Property, PropertyKind};
use crate::model::system::{System, SystemState, Transition};

/// A memory budget for a search: past it the visited set spills to disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryBudget {
    /// Bytes the search may keep in memory; the visited set's share is half.
    pub bytes: u64,
    /// Where the spill folder is made (removed when the search ends).
    pub spill_dir: std::path::PathBuf,
}

/// Runs a breadth-first check of `properties` over `system`.
pub fn search(
    system: &System,
    properties: &[&'static Property],
    options: &CheckOptions,
    on_progress: &mut dyn FnMut(&Progress),
) -> CheckOutcome {
    assert!(
        properties.len() <= 64,
        "at most 64 properties per check (one bit each for `eventually`)"
    );
    let started = Instant::now();
    let mut search = Search::new(system, properties, options, started);
    let initial = match &options.initial {
        Some(state) => state.clone(),
        None => match search.stop.initial(system) {
            Ok(state) => state,
            Err(reason) => return search.stopped_settling(reason),
        },
    };
    search.initial = Some(initial.clone());
    let fp = system.fingerprint(&initial);
    search.visited.insert(fp, ROOT);
    let pending = search.check_new(&initial, fp, search.eventually);
    search.end_level();
    let mut level = Level::root(fp, pending);
    let mut tree = Tree::default();
    let mut depth = 0;
    let mut unfinished = None;
    let ending = loop {
        if search.stop_now() {
            break Ending::Failure;
        }
        if level.is_empty() {
            break Ending::Exhausted;
        }
        search.actions.freeze();
        if depth == options.max_depth {
            search.run_level(&level, &tree, Mode::Probe, depth, on_progress);
            break if search.timed_out.load(Ordering::Relaxed) {
                search.interrupted()
            } else if search.stop_now() {
                Ending::Failure
            } else {
                Ending::Exhausted
            };
        }
        let next = search.run_level(&level, &tree, Mode::Expand, depth, on_progress);
        if search.timed_out.load(Ordering::Relaxed) {
            unfinished = Some(next);
            break search.interrupted();
        }
        tree.push(level.nodes());
        drop(level);
        level = next.into_level();
        if let Some(shard) = options.shard.filter(|s| s.split_depth == depth + 1) {
            level = level.keep(|fingerprint| shard.keeps(fingerprint));
        }
        if !level.is_empty() {
            depth += 1;
        }
    };
    let outcome = search.outcome(ending, depth);
    // Freeing two levels of states takes a while (a tenth of a second for a few tens of
    // thousands): off the caller's time, which matters most when it was stopped.
    std::thread::spawn(move || drop((level, unfinished, tree)));
    outcome
}

/// What a worker does with the states of a level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Generate their successors and keep the new ones.
    Expand,
    /// At the depth bound: only find out whether some successor is new (the space goes on).
    Probe,
}

struct Search<'a> {
    system: &'a System,
    properties: &'a [&'static Property],
    threads: usize,
    stop_on_failure: bool,
    /// The `eventually` properties, one bit each.
    eventually: u64,
    started: Instant,
    /// The search's own timeout together with the run's stop from outside.
    stop: Stop,
    visited: Visited,
    generated: AtomicUsize,
    /// Per property: a discovery was recorded in an earlier level (read without the lock).
    found: Vec<AtomicBool>,
    /// Per property: the fingerprint of its discovery (the smallest of its level).
    discoveries: Mutex<Vec<Option<u64>>>,
    /// An `always` or `eventually` property failed.
    failed: AtomicBool,
    timed_out: AtomicBool,
    /// The stop was cancelled (Esc, a signal) rather than timed out.
    cancelled: AtomicBool,
    /// At the depth bound, a successor was new.
    bounded: AtomicBool,
    /// The initial state, once settled: paths are rebuilt from it without settling again.
    initial: Option<SystemState>,
    /// The actions frontier entries name.
    actions: Actions,
}

impl<'a> Search<'a> {
    fn new(
        system: &'a System,
        properties: &'a [&'static Property],
        options: &CheckOptions,
        started: Instant,
    ) -> Search<'a> {
        Search {
            system,
            properties,
            threads: options.threads.max(1),
            stop_on_failure: options.stop_on_failure,
            eventually: properties
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == PropertyKind::Eventually)
                .fold(0, |bits, (i, _)| bits | 1 << i),
            started,
            stop: options
                .stop
                .with_deadline(options.timeout.and_then(|t| started.checked_add(t))),
            visited: match &options.memory {
                Some(budget) => Visited::with_budget(budget.bytes / 2, budget.spill_dir.clone()),
                None => Visited::default(),
            },
            generated: AtomicUsize::new(1),
            found: properties.iter().map(|_| AtomicBool::new(false)).collect(),
            discoveries: Mutex::new(vec![None; properties.len()]),
            failed: AtomicBool::new(false),
            timed_out: AtomicBool::new(false),
            cancelled: AtomicBool::new(false),
            bounded: AtomicBool::new(false),
            initial: None,
            actions: Actions::default(),
        }
    }

    /// The outcome of a search stopped before the initial state was settled: nothing visited,
    /// every property unchecked.
    fn stopped_settling(self, reason: StopReason) -> CheckOutcome {
        if reason == StopReason::Cancelled {
            self.cancelled.store(true, Ordering::Relaxed);
        }
        let ending = self.interrupted();
        CheckOutcome::stopped_settling(self.properties, ending, self.started.elapsed())
    }

    fn stop_now(&self) -> bool {
        self.stop_on_failure && self.failed.load(Ordering::Relaxed)
    }

    /// Records a discovery of property `i` in the level being generated: the smallest
    /// fingerprint of the level is kept, so that the discovery does not depend on which thread
    /// came first.
    fn record(&self, i: usize, fingerprint: u64) {
        let mut discoveries = self.discoveries.lock().unwrap_or_else(|e| e.into_inner());
        if discoveries[i].is_none_or(|d| fingerprint < d) {
            discoveries[i] = Some(fingerprint);
            if self.properties[i].kind != PropertyKind::Sometimes {
                self.failed.store(true, Ordering::Relaxed);
            }
        }
    }

    /// A level is complete: its discoveries and parents are final, and later levels no longer
    /// check the properties it found.
    fn end_level(&self) {
        let discoveries = self.discoveries.lock().unwrap_or_else(|e| e.into_inner());
        for (found, d) in self.found.iter().zip(discoveries.iter()) {
            if d.is_some() {
                found.store(true, Ordering::Relaxed);
            }
        }
        self.visited.end_level();
    }

    /// Checks the properties in a state reached for the first time; returns the `eventually`
    /// properties still pending after it.
    fn check_new(&self, state: &SystemState, fingerprint: u64, mut pending: u64) -> u64 {
        for (i, property) in self.properties.iter().enumerate() {
            let holds = || (property.check)(self.system, state);
            match property.kind {
                PropertyKind::Always => {
                    if !self.found[i].load(Ordering::Relaxed) && !holds() {
                        self.record(i, fingerprint);
                    }
                }
                PropertyKind::Sometimes => {
                    if !self.found[i].load(Ordering::Relaxed) && holds() {
                        self.record(i, fingerprint);
                    }
                }
                PropertyKind::Eventually => {
                    if pending & (1 << i) != 0 && holds() {
                        pending &= !(1 << i);
                    }
                }
            }
        }
        pending
    }

    /// A terminal state: every `eventually` property still pending fails there.
    fn terminal(&self, entry: &Entry) {
        for i in 0..self.properties.len() {
            if entry.pending & (1 << i) != 0 && !self.found[i].load(Ordering::Relaxed) {
                self.record(i, entry.fingerprint);
            }
        }
    }

    /// Whether the search must stop from outside (timeout or cancel); remembers which.
    fn out_of_time(&self) -> bool {
        if let Some(reason) = self.stop.reason() {
            if reason == StopReason::Cancelled {
                self.cancelled.store(true, Ordering::Relaxed);
            }
            self.timed_out.store(true, Ordering::Relaxed);
        }
        self.timed_out.load(Ordering::Relaxed)
    }

    /// How a search stopped from outside ends.
    fn interrupted(&self) -> Ending {
        if self.cancelled.load(Ordering::Relaxed) {
            Ending::Cancelled
        } else {
            Ending::Timeout
        }
    }

    /// Runs one level on the worker threads, reporting progress from this one.
    fn run_level(
        &self,
        level: &Level,
        tree: &Tree,
        mode: Mode,
        depth: usize,
        on_progress: &mut dyn FnMut(&Progress),
    ) -> NextLevel {
        let next = NextLevel::default();
        let started = Instant::now();
        std::thread::scope(|scope| {
            let (done, finished) = mpsc::channel::<()>();
            let workers: Vec<_> = (0..self.threads)
                .map(|_| {
                    let done = done.clone();
                    let next = &next;
                    scope.spawn(move || {
                        self.work(level, tree, mode, next);
                        // The receiver lives until every worker is joined.
                        let _ = done.send(());
                    })
                })
                .collect();
            drop(done);
            let mut waiting = self.threads;
            while waiting > 0 {
                let poll = (started.elapsed() / 10)
                    .clamp(Duration::from_millis(5), Duration::from_millis(100));
                match finished.recv_timeout(poll) {
                    Ok(()) => waiting -= 1,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        // Notices a stop even while every worker is inside a long chunk.
                        self.out_of_time();
                        on_progress(&self.progress(depth))
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
            }
            for worker in workers {
                if let Err(payload) = worker.join() {
                    // A controller or property panicked: a bug, never a verdict.
                    std::panic::resume_unwind(payload);
                }
            }
        });
        self.end_level();
        on_progress(&self.progress(depth + usize::from(mode == Mode::Expand)));
        next
    }

    fn work(&self, level: &Level, tree: &Tree, mode: Mode, next: &NextLevel) {
        let initial = self.initial.as_ref().expect("the initial state is settled");
        let mut rebuild = Rebuild::new(self.system, initial, tree, &self.actions);
        while !(self.out_of_time() || mode == Mode::Probe && self.probe_done()) {
            let Some((start, chunk)) = level.take() else {
                return;
            };
            let mut batch = Vec::new();
            for (offset, entry) in chunk.iter().enumerate() {
                // A clock read per state: a chunk of large states can take long.
                if self.out_of_time() {
                    break;
                }
                let state = rebuild.entry(entry);
                match mode {
                    Mode::Expand => self.expand(&state, entry, start + offset, &mut batch),
                    Mode::Probe => self.probe(&state, entry),
                }
            }
            next.hand_in(start, batch);
            if self.visited.wants_spill() {
                self.visited.spill();
            }
        }
    }

    fn probe_done(&self) -> bool {
        self.bounded.load(Ordering::Relaxed) && self.eventually == 0
    }

    fn expand(&self, state: &SystemState, entry: &Entry, index: usize, batch: &mut Vec<Entry>) {
        let transitions = self.system.transitions(state);
        self.generated
            .fetch_add(transitions.len(), Ordering::Relaxed);
        if transitions.is_empty() {
            self.terminal(entry);
        }
        let parent = u32::try_from(index).expect("fewer than 2^32 states in a level");
        for t in transitions {
            // Fingerprinting and checking a large state takes a while: ask between successors.
            if self.out_of_time() {
                return;
            }
            let fp = self.system.fingerprint(&t.next);
            if self.visited.insert(fp, entry.fingerprint) {
                let pending = self.check_new(&t.next, fp, entry.pending);
                batch.push(Entry {
                    parent,
                    action: self.actions.intern(&t.action),
                    fingerprint: fp,
                    pending,
                });
            }
        }
    }

    fn probe(&self, state: &SystemState, entry: &Entry) {
        let transitions = self.system.transitions(state);
        if transitions.is_empty() {
            self.terminal(entry);
        }
        if !self.bounded.load(Ordering::Relaxed)
            && transitions
                .iter()
                .any(|t| !self.visited.contains(self.system.fingerprint(&t.next)))
        {
            self.bounded.store(true, Ordering::Relaxed);
        }
    }

    fn progress(&self, depth: usize) -> Progress {
        Progress {
            states: self.generated.load(Ordering::Relaxed),
            unique_states: self.visited.len(),
            max_depth: depth,
            elapsed: self.started.elapsed(),
        }
    }

    fn outcome(self, ending: Ending, depth: usize) -> CheckOutcome {
        let depth_bounded = self.bounded.load(Ordering::Relaxed);
        let complete = ending == Ending::Exhausted && !depth_bounded;
        let discoveries = self
            .discoveries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let results = self
            .properties
            .iter()
            .zip(discoveries)
            .map(|(&property, found)| PropertyResult {
                property,
                verdict: verdict(
                    property.kind,
                    found.map(|fp| self.path(fp)),
                    complete,
                    ending,
                ),
            })
            .collect();
        CheckOutcome {
            states: self.generated.load(Ordering::Relaxed),
            unique_states: self.visited.len(),
            max_depth: depth,
            depth_bounded,
            elapsed: self.started.elapsed(),
            ending,
            results,
            walks: 0,
            spilled_bytes: self.visited.spilled_bytes(),
            initial: self.initial,
        }
    }

    /// The steps from the initial state to the state with this fingerprint, replayed.
    fn path(&self, target: u64) -> Vec<Transition> {
        let fingerprints = self.visited.path_to(target);
        let mut state = match &self.initial {
            Some(initial) => initial.clone(),
            None => self.system.initial(),
        };
        let mut steps = Vec::new();
        for &fp in &fingerprints[1..] {
            let step = self
                .system
                .transitions(&state)
                .into_iter()
                .find(|t| self.system.fingerprint(&t.next) == fp)
                .expect("a visited state is a successor of the state recorded as its parent");
            state = step.next.clone();
            steps.push(step);
        }
        steps
    }
}

#[cfg(test)]
mod tests;
