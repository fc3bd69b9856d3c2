//! `orchard run`'s controller manager: every controller of a model as a concurrent task over a
//! store, the model's initial resources loaded, the environment's rules fired at random
//! moments within their budgets, faults injected at their rates ([`faults`]), and everything
//! that happened recorded in the model's terms and judged by the model's properties as it
//! happens ([`recorder`]), with a live status ([`status`]).
//!
//! The manager exposes its [`ApiServer`] ([`Manager::api`]) so that another component (a
//! kubectl-facing API) can share its store while it runs.
//!
//! # Episodes
//!
//! A model's environment is bounded (an image may change once, a node restart once), and a
//! free run spends those budgets in its first seconds; what follows is a settled cluster where
//! nothing more can go wrong. A run of `--duration` seconds is therefore a sequence of short
//! *episodes* ([`RunConfig::episode`]): each loads the model's initial resources into an
//! emptied store ([`clear`]: every key deleted in one commit, so the store's revisions go on
//! and a new offset maps them to the model's), starts fresh tasks with fresh budgets, plans
//! the environment's moments within [`EPISODE_SPREAD`], and arms restarts only once the
//! environment has changed something ([`environment`]'s module doc). An episode is over
//! ([`Ended::Settled`]) when no moment is still planned and nothing was written or recorded
//! for [`SETTLE`] (restarts are decided per controller step, so a quiet cluster fires none);
//! or when it has lasted [`EPISODE_CAP`]. Then the next one starts, until a
//! property fails, the duration ends or the caller stops it. Each episode's recording starts
//! from the model's initial state, so the trace of the episode that found a violation is
//! self-contained and replays in the model; the trace of a run that found nothing is its last
//! episode's. Episodes are for runs that own their store: the caller turns them off when
//! kubectl shares it (`--serve`) or several members serve it.
//!
//! # Session levels
//!
//! The model steps a controller atomically: it reads a revision and its write, if any, is
//! the next. Live, a task reads, steps and writes while the others go on, so its write lands
//! after theirs. Under both session levels a task with a session may read any revision newer
//! than its last read, and a write after other writes is the model's step taken later. A task
//! without a session (fresh, or restarted) is different under monotonic-session: the model
//! lets it read only the latest revision, at the moment of its step. Such a step therefore
//! takes the run's gate alone (the driver's `Turn`): it waits for the steps and environment
//! writes in flight, reads the latest revision, steps, and pushes its report before anything
//! else may write; and its read is the latest whatever `--relist` says. Every other step and
//! environment write holds the gate shared, so they run concurrently as before. Under
//! resettable-session a sessionless reader may read any revision and nothing waits.
//!
//! # Stalls
//!
//! A run never hangs silently: when reports wait for a store revision and nothing is recorded
//! for [`STALL`], or the store does not answer (or answers only errors) for [`STALL`], the run
//! ends with [`Ended::Stalled`] and says which. A stop request is obeyed within a tick even
//! while the environment waits for the store.

mod driver;
mod environment;
pub mod faults;
pub mod recorder;
mod revisions;
pub mod rng;
pub mod status;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::sync::{mpsc, watch};

use self::driver::Driver;
use self::environment::Environment;
use self::recorder::Recorder;
use self::rng::Rng;
use self::status::{PropertyStatus, Snapshot, Stats};
use crate::model::config::{ModelConfig, Start};
use crate::model::controllers::Registration;
use crate::model::environment::EnvironmentOp;
use crate::model::history::{CommitMode, Consistency, History};
use crate::model::properties::{self, PropertyKind};
use crate::model::resources::Revision;
use crate::model::system::System;
use crate::runtime::apiserver::WriteLock;
use crate::runtime::{ApiServer, spawn_all};
use crate::store::{Scope, Store};

pub use faults::{FaultError, Faults, Relist};
pub use recorder::{Recorded, Verdict};

/// The most steps a run records (a trace's limit).
pub const MAX_STEPS: usize = 10_000;

/// Within an episode, the environment's moments are planned within this many seconds (or the
/// run's horizon, if shorter).
pub const EPISODE_SPREAD: Duration = Duration::from_millis(500);

/// How long nothing must be written or recorded for an episode to count as settled.
pub const SETTLE: Duration = Duration::from_millis(250);

/// The longest an episode lasts (a model whose controllers never settle still gets fresh
/// episodes).
pub const EPISODE_CAP: Duration = Duration::from_secs(10);

/// How long a run waits on a silent store, or on reports that wait for a revision, before it
/// ends as stalled.
pub const STALL: Duration = Duration::from_secs(10);

/// Why a run cannot start.
#[derive(Debug, Error)]
pub enum ManagerError {
    /// The model does not build.
    #[error("{0}")]
    Model(String),
    /// A level a free run cannot record in one revision per step.
    #[error(
        "field `consistency`: orchard run records steps that read one revision; the model's level {0} is not served (use monotonic-session or resettable-session)"
    )]
    Level(String),
    /// The atomic commit mode is not what an API server does.
    #[error(
        "field `commit`: atomic commits cannot run on a store (an API server checks each resource's version)"
    )]
    Atomic,
    /// A fault rate out of range.
    #[error(transparent)]
    Fault(#[from] FaultError),
    /// The load failed.
    #[error("loading the initial resources into {target}: {reason} (a run needs an empty store)")]
    Load {
        /// The store.
        target: String,
        /// Why.
        reason: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// Nothing to run: the model has no initial resources.
    #[error(
        "field `resources`: the model has no initial resources; orchard run loads them into the store and has nothing to run without them"
    )]
    NoResources,
}

/// What a run is asked to do.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// The model.
    pub model: ModelConfig,
    /// The faults.
    pub faults: Faults,
    /// The seed of every random choice.
    pub seed: u64,
    /// How long the environment's moments are spread over.
    pub horizon: Duration,
    /// This run's episode, counted from 1; 0: no episodes (the run ends only when stopped or a
    /// verdict is reached), as with a store kubectl shares.
    pub episode: usize,
    /// When the whole run started (the status shows the time since).
    pub run_started: Instant,
    /// How long a silent store or a wait for a revision lasts before the run is stalled
    /// ([`STALL`] by default).
    pub stall: Duration,
}

/// Why a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The recorder reached a verdict or its step limit.
    Recorded,
    /// The caller stopped it (duration, Ctrl-C, timeout).
    Stopped,
    /// An episode is over without a verdict (see the module doc): start the next.
    Settled,
    /// Nothing moves: the store does not answer, or reports wait for a revision that does
    /// not come. Why, for people.
    Stalled(String),
}

/// A running controller manager.
pub struct Manager {
    api: ApiServer,
    recorder: Arc<Mutex<Recorder>>,
    stats: Arc<Mutex<Stats>>,
    environment: Environment,
    latest: watch::Receiver<Revision>,
    handles: Vec<tokio::task::JoinHandle<()>>,
    started: Instant,
    run_started: Instant,
    episode: usize,
    stall: Duration,
    notes: Arc<Vec<watch::Sender<Option<String>>>>,
}

impl Manager {
    /// Loads the model's initial resources into `store` and starts every controller task.
    /// `reads`, when given, is the store each controller's caches read from (a member of its
    /// own, serializably), in configuration order.
    pub async fn start(
        config: RunConfig,
        store: Arc<dyn Store>,
        reads: Option<Vec<Arc<dyn Store>>>,
        registry: &'static [Registration],
    ) -> Result<Manager, ManagerError> {
        config.faults.check()?;
        let mut model = config.model.clone();
        let mut faults = config.faults;
        let monotonic = match model.consistency.level {
            Consistency::MonotonicSession => true,
            Consistency::ResettableSession => false,
            other => return Err(ManagerError::Level(other.name().to_string())),
        };
        if monotonic {
            // The level decides: a monotonic session's reader without a session reads the
            // latest revision (see the module doc, "Session levels").
            faults.relist = Relist::Latest;
        }
        let gate: Arc<tokio::sync::RwLock<()>> = Arc::default();
        if model.commit == CommitMode::Atomic {
            return Err(ManagerError::Atomic);
        }
        if model.initial.is_empty() {
            return Err(ManagerError::NoResources);
        }
        // The run starts from the initial resources: its own settling is recorded.
        model.start = Start::Initial;
        let system = Arc::new(System::new(model).map_err(|e| ManagerError::Model(e.to_string()))?);
        let initial = system.initial();
        let predicted = store.revision().await? + 1;
        let offset = predicted - initial.history.latest();
        // Every writer of the run shares one write lock, so that a write stamped at the
        // revision after its read commits there (the model stamps uids from it).
        let serial: WriteLock = Arc::default();
        let api = ApiServer::new(store.clone())
            .with_stamp(Arc::new(move |r: Revision| r.saturating_sub(offset)))
            .with_write_lock(serial.clone());
        let loaded = api
            .load(system.config().initial.clone())
            .await
            .map_err(|e| ManagerError::Load {
                target: store.describe(),
                reason: e.to_string(),
            })?;
        if loaded != predicted {
            return Err(ManagerError::Load {
                target: store.describe(),
                reason: format!("another writer wrote r{predicted} meanwhile"),
            });
        }
        let props: Vec<_> = properties::selected(&system);
        let recorder = Arc::new(Mutex::new(Recorder::new(
            system.clone(),
            initial,
            loaded,
            props,
            MAX_STEPS,
        )));
        let names = system.config().controllers.iter().map(|c| c.name.clone());
        let stats = Arc::new(Mutex::new(Stats::new(names.collect())));
        let (latest_tx, latest) = watch::channel(loaded);
        let mut handles = Vec::new();
        handles.push(tokio::spawn(feed(
            store.clone(),
            loaded,
            recorder.clone(),
            latest_tx,
        )));
        let rng = Rng::new(config.seed);
        let mut drivers = Vec::new();
        let config_model = system.config();
        let mut task_apis = Vec::new();
        let mut notes = Vec::new();
        for i in 0..config_model.controllers.len() {
            let reads = reads.as_ref().and_then(|r| r.get(i).cloned());
            task_apis.push(match reads {
                Some(reads) => ApiServer::new(Arc::new(split::Split {
                    reads,
                    writes: store.clone(),
                }))
                .with_stamp(Arc::new(move |r: Revision| r.saturating_sub(offset)))
                .with_write_lock(serial.clone()),
                None => api.clone(),
            });
        }
        for (i, spec) in config_model.controllers.iter().enumerate() {
            let task = spawn_all(
                std::slice::from_ref(spec),
                registry,
                &config_model.guards,
                config_model.syncs,
                &task_apis[i],
            )
            .map_err(ManagerError::Model)?
            .pop()
            .ok_or_else(|| ManagerError::Model(format!("controller {}", spec.name)))?;
            let (orders_tx, orders) = mpsc::channel(4);
            drivers.push(orders_tx);
            let (note_tx, note) = watch::channel(None);
            notes.push(note_tx);
            let driver = Driver {
                index: i,
                task,
                // The member's own newest revision (the Split answers the cluster's).
                reads: reads
                    .as_ref()
                    .and_then(|r| r.get(i).cloned())
                    .unwrap_or_else(|| task_apis[i].store().clone()),
                api: task_apis[i].clone(),
                recorder: recorder.clone(),
                orders,
                changed: latest.clone(),
                faults,
                rng: rng.fork(i as u64 + 1),
                loaded,
                stats: stats.clone(),
                note,
                gate: gate.clone(),
                sessionless_alone: monotonic,
            };
            handles.push(tokio::spawn(driver.run()));
        }
        let mut environment = Environment {
            recorder: recorder.clone(),
            drivers,
            api: api.clone(),
            rng: rng.fork(0),
            faults,
            moments: Vec::new(),
            stats: stats.clone(),
            armed: true,
            gate,
            steps_seen: 0,
        };
        let rules: Vec<(usize, u32)> = system
            .config()
            .environment
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                !matches!(
                    r.op,
                    EnvironmentOp::RestartNode { .. } | EnvironmentOp::RestartController { .. }
                )
            })
            .map(|(i, r)| (i, r.max))
            .collect();
        let episodes = config.episode > 0;
        let spread = if episodes {
            config.horizon.min(EPISODE_SPREAD)
        } else {
            config.horizon
        };
        environment.plan(&rules, spread, episodes);
        Ok(Manager {
            api,
            recorder,
            stats,
            environment,
            latest,
            handles,
            started: Instant::now(),
            run_started: config.run_started,
            episode: config.episode,
            stall: config.stall,
            notes: Arc::new(notes),
        })
    }

    /// The API server the run writes through (for another component to share the store).
    pub fn api(&self) -> ApiServer {
        self.api.clone()
    }

    /// Each controller's note, in configuration order: what its recorded steps say while it
    /// is set (a cut member its caches read from).
    pub fn notes(&self) -> Arc<Vec<watch::Sender<Option<String>>>> {
        self.notes.clone()
    }

    /// The recorder.
    pub fn recorder(&self) -> &Arc<Mutex<Recorder>> {
        &self.recorder
    }

    /// The status table.
    pub fn stats(&self) -> &Arc<Mutex<Stats>> {
        &self.stats
    }

    /// Runs until the recorder is done, `stop` says so, the episode is over or nothing moves
    /// (see the module doc), calling `status` about 4 times a second.
    pub async fn run(
        &mut self,
        stop: &dyn Fn() -> bool,
        status: &mut dyn FnMut(&Snapshot),
    ) -> Ended {
        let ended = self.run_until(stop, status).await;
        status(&self.snapshot());
        ended
    }

    async fn run_until(
        &mut self,
        stop: &dyn Fn() -> bool,
        status: &mut dyn FnMut(&Snapshot),
    ) -> Ended {
        let mut last_status = Instant::now();
        let mut last_probe = Instant::now();
        let mut answered = Instant::now();
        let mut seen = (0, 0, 0);
        let mut moved = Instant::now();
        let store = self.api.store().clone();
        let stall = self.stall;
        loop {
            if self.recorder.lock().map_or(true, |r| r.done()) {
                return Ended::Recorded;
            }
            if stop() {
                return Ended::Stopped;
            }
            let now = self.started.elapsed().as_secs_f64();
            let tick = self.environment.tick(now);
            if let Err(ended) = guarded(tick, stop, stall, "the environment's write").await {
                return ended;
            }
            if last_probe.elapsed() >= Duration::from_secs(1) {
                last_probe = Instant::now();
                match guarded(store.revision(), stop, stall, "a revision request").await {
                    Ok(Ok(_)) => answered = Instant::now(),
                    Ok(Err(e)) if answered.elapsed() >= stall => {
                        return Ended::Stalled(format!(
                            "the store {} answered only errors for {} s: {e}",
                            store.describe(),
                            stall.as_secs_f64()
                        ));
                    }
                    Ok(Err(_)) => {}
                    Err(ended) => return ended,
                }
            }
            let (steps, pending, next) = self.recorder.lock().map_or((0, 0, 0), |r| {
                let (pending, next) = r.waiting();
                (r.steps().len(), pending, next)
            });
            let now_seen = (steps, *self.latest.borrow(), pending);
            if now_seen != seen {
                seen = now_seen;
                moved = Instant::now();
            }
            if pending > 0 && moved.elapsed() >= stall {
                return Ended::Stalled(format!(
                    "nothing was recorded for {} s while {pending} reports wait for store revision r{next} (the store's watch or a task stopped)",
                    stall.as_secs_f64()
                ));
            }
            if self.episode > 0 && self.episode_over(moved.elapsed(), pending) {
                return Ended::Settled;
            }
            if last_status.elapsed() >= Duration::from_millis(250) {
                status(&self.snapshot());
                last_status = Instant::now();
            }
            tokio::time::sleep(faults::TICK).await;
        }
    }

    /// Whether this episode is over: nothing more planned and quiet for
    /// [`SETTLE`], or [`EPISODE_CAP`] reached.
    fn episode_over(&self, quiet: Duration, pending: usize) -> bool {
        let age = self.started.elapsed();
        if age >= EPISODE_CAP {
            return true;
        }
        // Restarts are decided per controller step: a quiet cluster fires none.
        quiet >= SETTLE && pending == 0 && !self.environment.planned_after(age.as_secs_f64())
    }

    /// The status now.
    pub fn snapshot(&self) -> Snapshot {
        let (recorded, properties) = match self.recorder.lock() {
            Ok(r) => {
                let violated = match r.verdict() {
                    Some(Verdict::Violated { property, .. }) => Some(*property),
                    _ => None,
                };
                let properties = r
                    .property_status()
                    .into_iter()
                    .map(|(id, kind, holds)| PropertyStatus {
                        id,
                        status: match (kind, holds) {
                            _ if violated == Some(id) => "violated",
                            (PropertyKind::Always, true) => "holds",
                            (PropertyKind::Always, false) => "violated",
                            (PropertyKind::Eventually, true) => "holds",
                            (PropertyKind::Eventually, false) => "not yet",
                            (PropertyKind::Sometimes, true) => "seen",
                            (PropertyKind::Sometimes, false) => "not seen",
                        },
                    })
                    .collect();
                (r.steps().len(), properties)
            }
            Err(_) => (0, Vec::new()),
        };
        let (controllers, faults_active, faults_total, stale_reads) = match self.stats.lock() {
            Ok(s) => (
                s.controllers.clone(),
                s.faults
                    .iter()
                    .filter(|f| f.end.is_none())
                    .cloned()
                    .collect(),
                s.faults.len(),
                s.stale_reads,
            ),
            Err(_) => (Vec::new(), Vec::new(), 0, 0),
        };
        Snapshot {
            elapsed: self.run_started.elapsed().as_secs_f64(),
            episode: self.episode,
            revision: *self.latest.borrow(),
            recorded,
            controllers,
            faults_active,
            faults_total,
            stale_reads,
            properties,
        }
    }
}

/// What a run recorded, once it is over.
#[derive(Debug)]
pub struct Finished {
    /// The system the steps are of (the model with `start: initial`).
    pub system: Arc<System>,
    /// The model's fresh state the run started from.
    pub initial: crate::model::system::SystemState,
    /// The steps, in the model's terms.
    pub steps: Vec<Recorded>,
    /// What ended the recording, if something did.
    pub verdict: Option<Verdict>,
    /// Writes accepted.
    pub writes: u64,
}

impl Manager {
    /// The verdict so far.
    pub fn verdict(&self) -> Option<Verdict> {
        self.recorder.lock().ok().and_then(|r| r.verdict().cloned())
    }

    /// Stops every task and hands over the recording.
    pub fn finish(self) -> Finished {
        for h in &self.handles {
            h.abort();
        }
        let writes = self.stats.lock().map_or(0, |s| s.writes());
        let recorder = self.recorder.lock();
        match recorder {
            Ok(r) => Finished {
                system: r.system().clone(),
                initial: r.initial().clone(),
                steps: r.steps().to_vec(),
                verdict: r.verdict().cloned(),
                writes,
            },
            Err(poisoned) => {
                let r = poisoned.into_inner();
                Finished {
                    system: r.system().clone(),
                    initial: r.initial().clone(),
                    steps: r.steps().to_vec(),
                    verdict: r.verdict().cloned(),
                    writes,
                }
            }
        }
    }
}

impl Drop for Manager {
    fn drop(&mut self) {
        for h in &self.handles {
            h.abort();
        }
    }
}

/// Runs `work`, checking `stop` every tick: `Err` when the caller stopped (the work dropped)
/// or the work took longer than `stall` (`what` names it in the message).
async fn guarded<T>(
    work: impl std::future::Future<Output = T>,
    stop: &dyn Fn() -> bool,
    stall: Duration,
    what: &str,
) -> Result<T, Ended> {
    let started = Instant::now();
    tokio::pin!(work);
    loop {
        tokio::select! {
            out = &mut work => return Ok(out),
            () = tokio::time::sleep(faults::TICK) => {
                if stop() {
                    return Err(Ended::Stopped);
                }
                if started.elapsed() >= stall {
                    return Err(Ended::Stalled(format!(
                        "{what} got no answer from the store for {} s",
                        stall.as_secs_f64()
                    )));
                }
            }
        }
    }
}

/// Empties `store` for a new episode: every key deleted, 100 to a commit (etcd's default
/// limit of operations in a transaction is 128). Fails when another writer races it.
pub async fn clear(store: &dyn Store) -> Result<(), ManagerError> {
    let all = store.list(Scope::All, crate::store::At::Latest).await?;
    for chunk in all.value.chunks(100) {
        let deletes = chunk
            .iter()
            .map(|s| crate::store::Write::Delete {
                key: s.key.clone(),
                expected: s.mod_revision,
            })
            .collect();
        if let crate::store::Outcome::Conflict(c) = store.commit(deletes).await? {
            return Err(ManagerError::Load {
                target: store.describe(),
                reason: format!("{} changed while the store was emptied", c.key.path()),
            });
        }
    }
    Ok(())
}

/// The watch of everything: each revision's event to the recorder, the newest revision to the
/// drivers. A watch that ends (a member failing over) is made again from where it was.
async fn feed(
    store: Arc<dyn Store>,
    loaded: Revision,
    recorder: Arc<Mutex<Recorder>>,
    latest: watch::Sender<Revision>,
) {
    let mut from = loaded + 1;
    loop {
        let Ok(mut watch) = store.watch(Scope::All, from).await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        while let Ok(event) = watch.next().await {
            let revision = event.revision();
            from = revision + 1;
            if let Ok(mut r) = recorder.lock() {
                r.watched(event);
            }
            let _ = latest.send(revision);
        }
    }
}

mod split;

#[cfg(test)]
mod tests;
