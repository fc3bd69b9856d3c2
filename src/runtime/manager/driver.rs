//! One task's driver: it steps a controller task freely (after every change it sees, and
//! again while it has something to do), choosing each read as the faults say, carries out
//! the restarts and local changes the environment sends it between steps, and reports every
//! step to the recorder at its place.
//!
//! A local change (a container exited, expectations expired) gives the task something to do
//! with nothing new to read: it then steps once on the revision it last read, as client-go's
//! resync hands a controller its cache again. This is how a task whose member is cut from
//! its peers acts on that member's stale state: the member's revision does not move while
//! the cluster's does.
//!
//! Whether the task's member is cut is sampled when it reads (the note the partition fault
//! sets, and then the cluster's newest revision), so a step's note says what held at its
//! read, not at its recording. A cut member's watch is not made with etcd's require-leader:
//! it keeps serving its stale state, which is the point of the fault.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, mpsc, oneshot, watch};

use super::faults::Faults;
use super::recorder::{Happened, Recorder};
use super::rng::Rng;
use super::status::Stats;
use crate::model::environment::EnvironmentAction;
use crate::model::history::Read;
use crate::model::operation::Operation;
use crate::model::resources::Revision;
use crate::runtime::{ApiServer, LocalChange, Pick, TaskHandle};
use crate::store::Store;

/// What the environment asks a driver to do between two steps.
#[derive(Debug)]
pub struct EnvironmentOrder {
    /// The rule.
    pub rule: usize,
    /// The action (a restart, containers exiting, expectations expiring).
    pub action: EnvironmentAction,
    /// Its write in store terms (a restarted node's Node deleted), sent first.
    pub write: Option<Operation>,
    /// Whether it happened.
    pub done: oneshot::Sender<bool>,
}

/// A driver's parts.
pub struct Driver {
    /// The controller's index.
    pub index: usize,
    /// The task.
    pub task: TaskHandle,
    /// Where the task's caches read from (its etcd member), for its latest revision.
    pub reads: Arc<dyn Store>,
    /// Where environment writes go.
    pub api: ApiServer,
    /// The recorder.
    pub recorder: Arc<Mutex<Recorder>>,
    /// Orders from the environment.
    pub orders: mpsc::Receiver<EnvironmentOrder>,
    /// The newest store revision seen (raised by the watch of everything).
    pub changed: watch::Receiver<Revision>,
    /// The faults.
    pub faults: Faults,
    /// This driver's random numbers.
    pub rng: Rng,
    /// The store revision of the load.
    pub loaded: Revision,
    /// The status table.
    pub stats: Arc<Mutex<Stats>>,
    /// Set while the member its caches read from is cut: says which (see the module doc).
    pub note: watch::Receiver<Option<String>>,
    /// The run's turns: every step and environment write holds it shared; a step that must
    /// read the latest revision and write right after it holds it alone (see [`Turn`]).
    pub gate: Arc<RwLock<()>>,
    /// Whether a step without a session runs alone: under monotonic-session the model's
    /// sessionless reader reads the latest revision, and the step's write must land right
    /// after it, with no other write between.
    pub sessionless_alone: bool,
}

/// A driver's hold on the run's gate for one step: shared with the other tasks, or alone
/// (no other step or environment write is in flight, so the revision read is the latest
/// until this step's report is pushed).
pub enum Turn {
    /// Alongside the others.
    Shared(#[allow(dead_code)] OwnedRwLockReadGuard<()>),
    /// Alone.
    Alone(#[allow(dead_code)] OwnedRwLockWriteGuard<()>),
}

impl Driver {
    /// Runs until the task or the recorder is gone.
    pub async fn run(mut self) {
        // A fresh task has no session: the last revision it read.
        let mut floor: Option<Revision> = None;
        let mut idle = false;
        // A local change waits for a step even with nothing new to read.
        let mut resync = false;
        let offset = self.recorder.lock().map_or(0, |r| r.offset());
        loop {
            if idle {
                tokio::select! {
                    order = self.orders.recv() => match order {
                        Some(order) => {
                            resync |= self.obey(order, &mut floor).await;
                            idle = false;
                            continue;
                        }
                        None => return,
                    },
                    changed = self.changed.changed() => if changed.is_err() { return },
                    // A cut member's own revision moves without the cluster's watch.
                    () = tokio::time::sleep(Duration::from_millis(200)) => {}
                }
            }
            while let Ok(order) = self.orders.try_recv() {
                resync |= self.obey(order, &mut floor).await;
            }
            // Held until the step's report is pushed (dropped at the end of the iteration).
            let _turn = if self.sessionless_alone && floor.is_none() {
                Turn::Alone(self.gate.clone().write_owned().await)
            } else {
                Turn::Shared(self.gate.clone().read_owned().await)
            };
            let Ok(latest) = self.reads.revision().await else {
                self.error("the store did not answer").await;
                idle = false;
                continue;
            };
            let read = match self
                .faults
                .read_revision(&mut self.rng, floor, self.loaded, latest)
            {
                Some(read) => read,
                // Nothing newer: a local change is acted on at the revision last read.
                None => match floor {
                    Some(last) if resync => last,
                    _ => {
                        idle = true;
                        continue;
                    }
                },
            };
            resync = false;
            let cut = self.note.borrow().clone();
            let cluster = match cut {
                Some(_) => self.api.store().revision().await.ok(),
                None => None,
            };
            let report = match self
                .task
                .step_picking(Read::At(read), Pick::Among(self.rng.bits()))
                .await
            {
                Ok(report) => report,
                Err(e) => {
                    self.error(&e.to_string()).await;
                    continue;
                }
            };
            floor = Some(read);
            let wrote = report.applied.as_ref().and_then(|a| a.as_ref().ok());
            let at = match wrote {
                Some(a) => a.revision,
                None => self.reads.revision().await.unwrap_or(latest).max(latest),
            };
            // The next read must be newer: step again at once while one is there.
            idle = read >= latest;
            if let Ok(mut stats) = self.stats.lock() {
                stats.stepped(self.index, &report, latest);
            }
            let note = cut.map(|cut| match cluster {
                Some(cluster) if cluster > read => format!(
                    "{cut}: the cluster is at r{}",
                    cluster.saturating_sub(offset)
                ),
                _ => format!("{cut}, nothing newer committed"),
            });
            let Ok(mut recorder) = self.recorder.lock() else {
                return;
            };
            recorder.push(
                at,
                wrote.is_some(),
                Happened::Step {
                    controller: self.index,
                    latest,
                    report,
                    note,
                },
            );
        }
    }

    async fn error(&self, message: &str) {
        if let Ok(mut stats) = self.stats.lock() {
            stats.error(self.index, message);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// Carries out one order; whether it changed the task's local state (a resync is due).
    async fn obey(&mut self, order: EnvironmentOrder, floor: &mut Option<Revision>) -> bool {
        let _turn = self.gate.clone().read_owned().await;
        let accepted = match &order.write {
            Some(operation) => match self.api.apply(operation).await {
                Ok(accepted) => Some(accepted),
                Err(_) => {
                    let _ = order.done.send(false);
                    return false;
                }
            },
            None => None,
        };
        let applied = match &order.action {
            EnvironmentAction::RestartController { .. } | EnvironmentAction::RestartNode { .. } => {
                *floor = None;
                self.task.restart().await.is_ok()
            }
            EnvironmentAction::MarkContainers { pod, exit_code, .. } => self
                .task
                .local(LocalChange::ExitContainer {
                    pod: pod.clone(),
                    exit_code: *exit_code,
                })
                .await
                .unwrap_or(false),
            EnvironmentAction::ExpireExpectations { .. } => self
                .task
                .local(LocalChange::ExpireExpectations)
                .await
                .unwrap_or(false),
            _ => true,
        };
        if !applied && accepted.is_none() {
            let _ = order.done.send(false);
            return false;
        }
        let local = applied
            && matches!(
                order.action,
                EnvironmentAction::MarkContainers { .. }
                    | EnvironmentAction::ExpireExpectations { .. }
            );
        let at = match &accepted {
            Some(a) => a.revision,
            None => self.reads.revision().await.unwrap_or(self.loaded),
        };
        if let Ok(mut recorder) = self.recorder.lock() {
            recorder.push(
                at,
                accepted.is_some(),
                Happened::Environment {
                    rule: order.rule,
                    action: order.action,
                    accepted,
                },
            );
        }
        let _ = order.done.send(true);
        local
    }
}
