//! `orchard run`'s controller manager: every controller of a model as a concurrent task over a
//! store, the model's initial resources loaded, the environment's rules fired at random
//! moments within their budgets, faults injected at their rates ([`faults`]), and everything
//! that happened recorded in the model's terms and judged by the model's properties as it
//! happens ([`recorder`]), with a live status ([`status`]).
//!
//! The manager exposes its [`ApiServer`] ([`Manager::api`]) so that another component (a
//! kubectl-facing API) can share its store while it runs.

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
}

/// Why a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The recorder reached a verdict or its step limit.
    Recorded,
    /// The caller stopped it (duration, Ctrl-C, timeout).
    Stopped,
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
        match model.consistency.level {
            Consistency::MonotonicSession | Consistency::ResettableSession => {}
            other => return Err(ManagerError::Level(other.name().to_string())),
        }
        if model.commit == CommitMode::Atomic {
            return Err(ManagerError::Atomic);
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
                reads: task_apis[i].store().clone(),
                api: task_apis[i].clone(),
                recorder: recorder.clone(),
                orders,
                changed: latest.clone(),
                faults: config.faults,
                rng: rng.fork(i as u64 + 1),
                loaded,
                stats: stats.clone(),
                note,
            };
            handles.push(tokio::spawn(driver.run()));
        }
        let mut environment = Environment {
            recorder: recorder.clone(),
            drivers,
            api: api.clone(),
            rng: rng.fork(0),
            faults: config.faults,
            moments: Vec::new(),
            stats: stats.clone(),
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
        environment.plan(&rules, config.horizon);
        Ok(Manager {
            api,
            recorder,
            stats,
            environment,
            latest,
            handles,
            started: Instant::now(),
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

    /// Runs until the recorder is done or `stop` says so, calling `status` about 4 times a
    /// second.
    pub async fn run(
        &mut self,
        stop: &dyn Fn() -> bool,
        status: &mut dyn FnMut(&Snapshot),
    ) -> Ended {
        let mut last_status = Instant::now();
        loop {
            if self.recorder.lock().map_or(true, |r| r.done()) {
                status(&self.snapshot());
                return Ended::Recorded;
            }
            if stop() {
                status(&self.snapshot());
                return Ended::Stopped;
            }
            let now = self.started.elapsed().as_secs_f64();
            self.environment.tick(now).await;
            if last_status.elapsed() >= Duration::from_millis(250) {
                status(&self.snapshot());
                last_status = Instant::now();
            }
            tokio::time::sleep(faults::TICK).await;
        }
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
            elapsed: self.started.elapsed().as_secs_f64(),
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
