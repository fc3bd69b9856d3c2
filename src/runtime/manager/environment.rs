//! The environment of a run: the model's environment rules fired at random moments within
//! their budgets, and the restarts the `--restarts` rate fires among the restart rules the
//! model has. What an action writes is what the model would write (its transition, shifted to
//! store revisions); actions on a task's local state are carried out by its driver.
//!
//! In an episode ([`super`]'s module doc) restarts are *armed* only once the environment has
//! changed something (a rule other than a restart fired): before that the cluster is the one it
//! settled into, every revision a restarted task could list from shows the same placement, and
//! a restart there spends the model's restart budget where nothing can go wrong. A model with
//! no other rule is armed from the start.
//!
//! The `--restarts` rate is per controller step, not per wall-clock tick: each tick rolls it
//! once for every step the tasks took since the previous tick, and fires one restart when a
//! roll succeeds. Restarts so land among the controllers' steps, while the cluster moves
//! (between a read and the writes it leads to), at a rate that does not depend on how fast
//! the machine runs them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use super::driver::EnvironmentOrder;
use super::faults::Faults;
use super::recorder::{Happened, Recorder};
use super::revisions::shift;
use super::rng::Rng;
use super::status::Stats;
use crate::model::environment::EnvironmentAction;
use crate::model::operation::Operation;
use crate::model::system::{Action, Outcome};
use crate::runtime::ApiServer;

/// The environment (see the module doc).
pub struct Environment {
    /// The recorder (the model's state says what is enabled).
    pub recorder: Arc<Mutex<Recorder>>,
    /// Each controller's driver.
    pub drivers: Vec<mpsc::Sender<EnvironmentOrder>>,
    /// Where writes go.
    pub api: ApiServer,
    /// Random numbers.
    pub rng: Rng,
    /// The faults.
    pub faults: Faults,
    /// Rules not yet fired, each at its moment (seconds from the start).
    pub moments: Vec<(f64, usize)>,
    /// The status table.
    pub stats: Arc<Mutex<Stats>>,
    /// Whether restarts may fire now (see the module doc).
    pub armed: bool,
    /// The run's turns (the driver's [`super::driver::Turn`]): held shared around the
    /// environment's own writes.
    pub gate: Arc<tokio::sync::RwLock<()>>,
    /// The controller steps taken when the last tick decided on restarts.
    pub steps_seen: u64,
}

fn is_restart(action: &EnvironmentAction) -> bool {
    matches!(
        action,
        EnvironmentAction::RestartNode { .. } | EnvironmentAction::RestartController { .. }
    )
}

impl Environment {
    /// Plans each non-restart rule's firings at random moments within `horizon`; with
    /// `arm_on_change`, restarts wait for the first of them (none planned: armed at once).
    pub fn plan(&mut self, rules: &[(usize, u32)], horizon: Duration, arm_on_change: bool) {
        for &(rule, max) in rules {
            for _ in 0..max.min(64) {
                let at = (self.rng.bits() % 1000) as f64 / 1000.0 * horizon.as_secs_f64();
                self.moments.push((at, rule));
            }
        }
        self.moments.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.armed = !arm_on_change || self.moments.is_empty();
    }

    /// Whether a planned firing is still to come after `now` seconds.
    pub fn planned_after(&self, now: f64) -> bool {
        self.moments.iter().any(|(at, _)| *at > now)
    }

    /// One tick at `now` seconds: fires what is due, and a restart at the restart rate.
    pub async fn tick(&mut self, now: f64) {
        let due: Vec<usize> = self
            .moments
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at <= now)
            .map(|(i, _)| i)
            .collect();
        for i in due.into_iter().rev() {
            let rule = self.moments[i].1;
            if self.fire(|r, a| r == rule && !is_restart(a)).await {
                self.moments.remove(i);
                self.armed = true;
            }
        }
        // The restart rate is per controller step: one decision for each step the tasks
        // took since the last tick, so that a loaded machine (longer ticks, slower steps)
        // decides as often, in the model's terms, as an idle one.
        let steps = self.stats.lock().map_or(self.steps_seen, |s| {
            s.controllers.iter().map(|c| c.steps).sum()
        });
        let new = steps.saturating_sub(self.steps_seen);
        self.steps_seen = steps;
        if self.armed && (0..new).any(|_| self.rng.chance(self.faults.restarts)) {
            self.fire(|_, a| is_restart(a)).await;
        }
    }

    /// Fires one of the enabled actions `wanted` picks, at random; whether one happened.
    async fn fire(&mut self, wanted: impl Fn(usize, &EnvironmentAction) -> bool) -> bool {
        let (choices, offset, system, state) = {
            let Ok(recorder) = self.recorder.lock() else {
                return false;
            };
            let system = recorder.system().clone();
            let state = recorder.state().clone();
            let choices: Vec<(usize, EnvironmentAction)> = system
                .environment_actions(&state)
                .into_iter()
                .filter(|(r, a)| wanted(*r, a))
                .collect();
            (choices, recorder.offset(), system, state)
        };
        if choices.is_empty() {
            return false;
        }
        let pick = (self.rng.bits() % choices.len() as u64) as usize;
        let (rule, action) = choices[pick].clone();
        let Ok(t) = system.take(
            &state,
            &Action::Environment {
                rule,
                action: action.clone(),
            },
        ) else {
            return false;
        };
        let write = match &t.outcome {
            Outcome::Wrote { operation, .. } => Some(encode(operation, offset)),
            _ => None,
        };
        let controller = match &action {
            EnvironmentAction::RestartNode { node: name }
            | EnvironmentAction::MarkContainers { node: name, .. }
            | EnvironmentAction::RestartController { controller: name }
            | EnvironmentAction::ExpireExpectations { controller: name } => {
                system.controller_index(name)
            }
            _ => None,
        };
        if let Some(i) = controller {
            let (done, answer) = oneshot::channel();
            let order = EnvironmentOrder {
                rule,
                action: action.clone(),
                write,
                done,
            };
            if self.drivers[i].send(order).await.is_err() {
                return false;
            }
            let happened = answer.await.unwrap_or(false);
            if happened
                && is_restart(&action)
                && let Ok(mut stats) = self.stats.lock()
            {
                let f = stats.fault_started("restart", system.controller_name(i).into());
                stats.fault_ended(f);
            }
            return happened;
        }
        let Some(operation) = write else {
            return false;
        };
        let _turn = self.gate.clone().read_owned().await;
        match self.api.apply(&operation).await {
            Ok(accepted) => {
                if let Ok(mut recorder) = self.recorder.lock() {
                    recorder.push(
                        accepted.revision,
                        true,
                        Happened::Environment {
                            rule,
                            action,
                            accepted: Some(accepted),
                        },
                    );
                }
                true
            }
            Err(_) => false,
        }
    }
}

/// A model operation in store terms.
fn encode(operation: &Operation, offset: u64) -> Operation {
    let object = shift(operation.object(), offset, true);
    match operation {
        Operation::Create(_) => Operation::Create(object),
        Operation::Update(_) => Operation::Update(object),
        Operation::Delete(_) => Operation::Delete(object),
        Operation::ForceDelete(_) => Operation::ForceDelete(object),
    }
}
