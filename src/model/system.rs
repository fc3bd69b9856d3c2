//! The transition system: a model's state (history, controllers' local states, environment
//! budget) and the actions that change it. The checker, the explorer and replay all step
//! through this.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::api;
use super::config::{ModelConfig, Start};
use super::controllers::{self, Controller, LocalState, Registration};
use super::environment::{EnvironmentAction, EnvironmentOp};
use super::history::{
    AnyHistory, Change, CommitMode, History, HistoryGraph, INITIAL_REVISION, Informer, Lag, Read,
    Rejection, Session,
};
use super::operation::Operation;
use super::resources::*;
use super::state::StateView;
use super::view::View;

/// One state of the model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SystemState {
    /// The history of the cluster state.
    pub history: AnyHistory,
    /// Each controller's local state, in configuration order.
    pub locals: Vec<LocalState>,
    /// How often each environment rule has fired.
    pub env_used: Vec<u32>,
}

impl SystemState {
    /// The cluster state at the latest revision.
    pub fn latest(&self) -> StateView {
        self.history.latest_state()
    }
}

/// Something that can happen in a state.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Action {
    /// A controller steps from a read.
    Step {
        /// The controller's index in the configuration.
        controller: usize,
        /// What it reads.
        read: Read,
    },
    /// Informer consistency: a controller's cache of one kind moves to a revision (events
    /// delivered up to it; for an empty cache, a LIST at it).
    Cache {
        /// The controller's index in the configuration.
        controller: usize,
        /// The kind.
        kind: Kind,
        /// The revision the cache moves to.
        revision: Revision,
    },
    /// An environment rule fires.
    Environment {
        /// The rule's index in the configuration.
        rule: usize,
        /// What happens.
        action: EnvironmentAction,
    },
}

/// What an action did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A write committed at this revision.
    Wrote {
        /// The write.
        operation: Operation,
        /// The new revision.
        revision: Revision,
    },
    /// A write was rejected; the controller's local state changed nonetheless (Kubernetes
    /// commit mode: what it did locally is not undone).
    Rejected {
        /// The write.
        operation: Operation,
        /// Why.
        reason: Rejection,
    },
    /// Only local state changed.
    Local,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Wrote {
                operation,
                revision,
            } => write!(f, "{operation} -> r{revision}"),
            Outcome::Rejected { operation, reason } => {
                write!(f, "{operation} rejected: {reason}")
            }
            Outcome::Local => f.write_str("local state only"),
        }
    }
}

/// A transition: the action, what it did, and the state after it.
#[derive(Clone, Debug)]
pub struct Transition {
    /// The action.
    pub action: Action,
    /// What it did.
    pub outcome: Outcome,
    /// The state after it.
    pub next: SystemState,
}

/// Why a model configuration cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BuildError {
    /// A controller kind that is not registered.
    #[error("controller {name}: unknown kind `{kind}` (known: {known})")]
    UnknownController {
        /// The instance name.
        name: String,
        /// The kind asked for.
        kind: String,
        /// The registered kinds.
        known: String,
    },
    /// Two controllers with one name.
    #[error("two controllers are named `{0}`")]
    DuplicateController(String),
}

/// Why an action cannot be taken in a state.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum NotEnabled {
    /// No such controller.
    #[error("there is no controller {0}")]
    NoController(usize),
    /// The controller may not make that read.
    #[error("{controller} may not read {read} now")]
    NotReadable {
        /// The controller.
        controller: String,
        /// The read.
        read: Read,
    },
    /// The step changes nothing.
    #[error("{controller} reading {read} changes nothing")]
    NoEffect {
        /// The controller.
        controller: String,
        /// The read.
        read: Read,
    },
    /// The cache move is not offered in this state.
    #[error("{controller}'s {kind} cache cannot move to r{revision} now")]
    Cache {
        /// The controller.
        controller: String,
        /// The kind.
        kind: Kind,
        /// The revision.
        revision: Revision,
    },
    /// The environment action is not offered in this state.
    #[error("environment action `{0}` is not enabled")]
    Environment(String),
}

/// Sound reductions of the state space: each offers the same behaviours in fewer states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Reduction {
    /// Do not offer a step whose only effect is to move the controller's session forward: a
    /// later session only removes reads, so every behaviour after such a step is possible
    /// without it.
    pub session_only_steps: bool,
    /// Offer once a group of reads that the controller cannot tell apart (every kind it read is
    /// the same in them), with the oldest read of the group as the one it makes: the step gives
    /// the same write and local state from each, and the oldest leaves it the widest session.
    /// Linear histories only (elsewhere where a write lands depends on the read).
    pub equivalent_reads: bool,
    /// Informer consistency: fold a controller's cache deliveries into its next step (the step
    /// reads each kind at any revision its cache could have been moved to), instead of
    /// offering each delivery as an action. A delivery changes only its controller's caches,
    /// which nothing observes before that controller's next step, so every behaviour stays
    /// and the states between deliveries go.
    pub fold_deliveries: bool,
}

impl Reduction {
    /// The plain model of the dissertation: every step from every readable revision.
    pub const NONE: Reduction = Reduction {
        session_only_steps: false,
        equivalent_reads: false,
        fold_deliveries: false,
    };
    /// Every reduction.
    pub const ALL: Reduction = Reduction {
        session_only_steps: true,
        equivalent_reads: true,
        fold_deliveries: true,
    };
}

impl Default for Reduction {
    fn default() -> Self {
        Reduction::ALL
    }
}

/// The step semantics of settling: a settled start must not depend on the reductions a
/// system runs with. Deliveries are explicit (each cache moved to the latest change point
/// before its controller steps); steps that would only move a session are not taken.
const SETTLE_REDUCTION: Reduction = Reduction {
    session_only_steps: true,
    equivalent_reads: true,
    fold_deliveries: false,
};

/// The most steps `start: settled` takes before it gives up looking for a fixed point.
pub const SETTLE_LIMIT: usize = 10_000;

/// A model ready to run: its configuration and built controllers.
#[derive(Debug)]
pub struct System {
    config: ModelConfig,
    controllers: Vec<Box<dyn Controller>>,
    registrations: Vec<&'static Registration>,
    reduction: Reduction,
}

/// A controller step's result: what it did, if anything, and which kinds it read.
struct StepRun {
    transition: Option<Transition>,
    kinds_read: KindSet,
    state: StateView,
}

impl System {
    /// Builds the controllers of a configuration.
    pub fn new(config: ModelConfig) -> Result<System, BuildError> {
        let mut controllers = Vec::new();
        let mut registrations = Vec::new();
        for (i, spec) in config.controllers.iter().enumerate() {
            if config.controllers[..i].iter().any(|c| c.name == spec.name) {
                return Err(BuildError::DuplicateController(spec.name.clone()));
            }
            let registration = controllers::registration(&spec.kind).ok_or_else(|| {
                BuildError::UnknownController {
                    name: spec.name.clone(),
                    kind: spec.kind.clone(),
                    known: controllers::kinds().join(", "),
                }
            })?;
            controllers.push((registration.build)(spec));
            registrations.push(registration);
        }
        Ok(System {
            config,
            controllers,
            registrations,
            reduction: Reduction::default(),
        })
    }

    /// The same system with other reductions.
    pub fn with_reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// The reductions in force.
    pub fn reduction(&self) -> Reduction {
        self.reduction
    }

    /// The configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The name of controller `i`.
    pub fn controller_name(&self, i: usize) -> &str {
        &self.config.controllers[i].name
    }

    /// The registration of controller `i`.
    pub fn registration(&self, i: usize) -> &'static Registration {
        self.registrations[i]
    }

    /// The number of controllers.
    pub fn controller_count(&self) -> usize {
        self.controllers.len()
    }

    /// The index of the controller with this name.
    pub fn controller_index(&self, name: &str) -> Option<usize> {
        self.config.controllers.iter().position(|c| c.name == name)
    }

    /// The initial state: the initial resources at the first revision and fresh controllers,
    /// or, with `start: settled`, the state those settle into.
    pub fn initial(&self) -> SystemState {
        let fresh = self.fresh();
        match self.config.start {
            Start::Initial => fresh,
            Start::Settled => self.settle(fresh, SETTLE_LIMIT).0,
        }
    }

    /// Steps controllers in rotation, each taking its first effective step reading the newest
    /// revision it may (under informer consistency, after its caches caught up with the
    /// latest revision), until none has anything left to do or `max_steps` were taken.
    /// Environment rules never fire. Deterministic, and the same whatever reductions the
    /// system runs with (steps that would only move a session are not taken), so that a
    /// settled start is one state. Returns the final state and the transitions taken.
    pub fn settle(
        &self,
        mut state: SystemState,
        max_steps: usize,
    ) -> (SystemState, Vec<Transition>) {
        let mut taken = Vec::new();
        let n = self.controllers.len();
        let mut idle_in_a_row = 0;
        let mut i = 0;
        while taken.len() < max_steps && idle_in_a_row < n && n > 0 {
            let mut moved = false;
            let moves = self.cache_moves_under(SETTLE_REDUCTION, &state);
            for &kind in self.registrations[i].watches {
                let newest = moves
                    .iter()
                    .filter(|(c, k, _)| *c == i && *k == kind)
                    .map(|(_, _, r)| *r)
                    .max();
                if let Some(revision) = newest {
                    let t = self.move_cache(&state, i, kind, revision);
                    state = t.next.clone();
                    taken.push(t);
                    moved = true;
                }
            }
            let step = self
                .readable_under(SETTLE_REDUCTION, &state, i)
                .into_iter()
                .rev()
                .find_map(|read| {
                    self.run_step_under(SETTLE_REDUCTION, &state, i, read)?
                        .transition
                });
            match step {
                Some(t) => {
                    state = t.next.clone();
                    taken.push(t);
                    idle_in_a_row = 0;
                }
                None if moved => idle_in_a_row = 0,
                None => idle_in_a_row += 1,
            }
            i = (i + 1) % n;
        }
        (state, taken)
    }

    fn fresh(&self) -> SystemState {
        let resources = api::initial_state(self.config.initial.iter().cloned(), INITIAL_REVISION);
        let history = AnyHistory::new(self.config.consistency, resources);
        let informer = matches!(history, AnyHistory::Informer(_));
        let locals = self
            .registrations
            .iter()
            .map(|r| {
                let mut local = LocalState::default();
                if informer {
                    for kind in r.watches {
                        local.caches[kind.index()] = Some(INITIAL_REVISION);
                    }
                }
                local
            })
            .collect();
        SystemState {
            history,
            locals,
            env_used: vec![0; self.config.environment.len()],
        }
    }

    /// Every enabled action that changes the state, with its outcome and next state, in a stable
    /// order: controllers in configuration order, each over its readable revisions; then the
    /// environment rules in order.
    pub fn transitions(&self, state: &SystemState) -> Vec<Transition> {
        let mut out = Vec::new();
        for i in 0..self.controllers.len() {
            out.extend(self.controller_transitions(state, i));
        }
        for (controller, kind, revision) in self.cache_moves(state) {
            out.push(self.move_cache(state, controller, kind, revision));
        }
        for (rule, action) in self.environment_actions(state) {
            if let Some(t) = self.environment_step(state, rule, action) {
                out.push(t);
            }
        }
        out
    }

    /// The steps controller `i` may take, one per group of reads it cannot tell apart when
    /// that reduction is on, in read order.
    pub fn controller_transitions(&self, state: &SystemState, i: usize) -> Vec<Transition> {
        let reads = self.readable(state, i);
        let group = self.reduction.equivalent_reads && self.groups_reads(state);
        let mut seen: Vec<(KindSet, StateView)> = Vec::new();
        let mut out = Vec::new();
        for read in reads {
            if group {
                let Some(view) = state.history.state(&read) else {
                    continue;
                };
                let known = seen
                    .iter()
                    .any(|(kinds, s)| kinds.iter().all(|k| s.same_kind(&view, k)));
                if known {
                    continue;
                }
            }
            let Some(run) = self.run_step(state, i, read) else {
                continue;
            };
            if group {
                seen.push((run.kinds_read, run.state));
            }
            out.extend(run.transition);
        }
        out
    }

    /// The reads of controller `i` that lead to the same step as `read` (its group under the
    /// equivalent-reads reduction), `read` included; for the explorer's "may read r3-r5".
    pub fn equivalent_reads(&self, state: &SystemState, i: usize, read: &Read) -> Vec<Read> {
        let Some(run) = self.run_step(state, i, read.clone()) else {
            return Vec::new();
        };
        self.readable(state, i)
            .into_iter()
            .filter(|r| {
                state
                    .history
                    .state(r)
                    .is_some_and(|s| run.kinds_read.iter().all(|k| s.same_kind(&run.state, k)))
            })
            .collect()
    }

    fn groups_reads(&self, state: &SystemState) -> bool {
        matches!(
            state.history,
            AnyHistory::Synchronous(_)
                | AnyHistory::MonotonicSession(_)
                | AnyHistory::ResettableSession(_)
        )
    }

    /// The reads controller `i` may make in this state: what its history and session allow,
    /// or, under informer consistency, its caches once they have all synced.
    pub fn readable(&self, state: &SystemState, i: usize) -> Vec<Read> {
        self.readable_under(self.reduction, state, i)
    }

    fn readable_under(&self, reduction: Reduction, state: &SystemState, i: usize) -> Vec<Read> {
        match &state.history {
            AnyHistory::Informer(_) if self.config.consistency.lag == Lag::Zero => {
                vec![Read::PerKind([state.history.latest(); Kind::COUNT])]
            }
            AnyHistory::Informer(informer) if reduction.fold_deliveries => {
                self.folded_informer_reads(informer, &state.locals[i], i)
            }
            AnyHistory::Informer(_) => state.locals[i]
                .informer_read(self.registrations[i].watches)
                .into_iter()
                .collect(),
            history => history.readable(&state.locals[i].session),
        }
    }

    /// Informer consistency: every cache move enabled in this state (controller, kind,
    /// revision), controllers in order, kinds in watch order, revisions ascending.
    pub fn cache_moves(&self, state: &SystemState) -> Vec<(usize, Kind, Revision)> {
        self.cache_moves_under(self.reduction, state)
    }

    fn cache_moves_under(
        &self,
        reduction: Reduction,
        state: &SystemState,
    ) -> Vec<(usize, Kind, Revision)> {
        let AnyHistory::Informer(informer) = &state.history else {
            return Vec::new();
        };
        if self.config.consistency.lag == Lag::Zero || reduction.fold_deliveries {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, registration) in self.registrations.iter().enumerate() {
            for &kind in registration.watches {
                let cache = state.locals[i].caches[kind.index()];
                for revision in informer.cache_moves(kind, cache) {
                    out.push((i, kind, revision));
                }
            }
        }
        out
    }

    /// Informer consistency with deliveries folded into steps: every read that moving the
    /// caches first could give, each kind at its cache's revision or a change point past it
    /// (after a restart: what a LIST may return), oldest first; unwatched kinds are taken at the
    /// newest revision read.
    fn folded_informer_reads(
        &self,
        informer: &Informer,
        local: &LocalState,
        i: usize,
    ) -> Vec<Read> {
        let watches = self.registrations[i].watches;
        let mut reads: Vec<Vec<Revision>> = vec![Vec::new()];
        for &kind in watches {
            let cache = local.caches[kind.index()];
            let mut options: Vec<Revision> = cache.into_iter().collect();
            options.extend(informer.cache_moves(kind, cache));
            reads = reads
                .into_iter()
                .flat_map(|prefix| {
                    options.iter().map(move |r| {
                        let mut read = prefix.clone();
                        read.push(*r);
                        read
                    })
                })
                .collect();
        }
        reads
            .into_iter()
            .map(|chosen| {
                let newest = chosen.iter().copied().max().unwrap_or(INITIAL_REVISION);
                let mut revisions = [newest; Kind::COUNT];
                for (kind, r) in watches.iter().zip(chosen) {
                    revisions[kind.index()] = r;
                }
                Read::PerKind(revisions)
            })
            .collect()
    }

    fn move_cache(
        &self,
        state: &SystemState,
        controller: usize,
        kind: Kind,
        revision: Revision,
    ) -> Transition {
        let mut next = state.clone();
        next.locals[controller].caches[kind.index()] = Some(revision);
        Transition {
            action: Action::Cache {
                controller,
                kind,
                revision,
            },
            outcome: Outcome::Local,
            next,
        }
    }

    /// Takes one action, checking that it is enabled and changes something.
    pub fn take(&self, state: &SystemState, action: &Action) -> Result<Transition, NotEnabled> {
        match action {
            Action::Step { controller, read } => {
                if *controller >= self.controllers.len() {
                    return Err(NotEnabled::NoController(*controller));
                }
                let name = self.controller_name(*controller).to_string();
                if !self.readable(state, *controller).contains(read) {
                    return Err(NotEnabled::NotReadable {
                        controller: name,
                        read: read.clone(),
                    });
                }
                self.step_controller(state, *controller, read.clone())
                    .ok_or(NotEnabled::NoEffect {
                        controller: name,
                        read: read.clone(),
                    })
            }
            Action::Cache {
                controller,
                kind,
                revision,
            } => {
                let enabled = self
                    .cache_moves(state)
                    .contains(&(*controller, *kind, *revision));
                if !enabled {
                    return Err(NotEnabled::Cache {
                        controller: self
                            .config
                            .controllers
                            .get(*controller)
                            .map_or_else(|| controller.to_string(), |c| c.name.clone()),
                        kind: *kind,
                        revision: *revision,
                    });
                }
                Ok(self.move_cache(state, *controller, *kind, *revision))
            }
            Action::Environment { rule, action } => {
                let enabled = self
                    .environment_actions(state)
                    .into_iter()
                    .any(|(r, a)| r == *rule && a == *action);
                let not_enabled = || NotEnabled::Environment(action.to_string());
                if !enabled {
                    return Err(not_enabled());
                }
                self.environment_step(state, *rule, action.clone())
                    .ok_or_else(not_enabled)
            }
        }
    }

    /// Controller `i` steps from `read`; `None` when the step changes nothing (or, in the atomic
    /// commit mode, is rejected).
    pub fn step_controller(&self, state: &SystemState, i: usize, read: Read) -> Option<Transition> {
        self.run_step(state, i, read)?.transition
    }

    fn run_step(&self, state: &SystemState, i: usize, read: Read) -> Option<StepRun> {
        self.run_step_under(self.reduction, state, i, read)
    }

    fn run_step_under(
        &self,
        reduction: Reduction,
        state: &SystemState,
        i: usize,
        read: Read,
    ) -> Option<StepRun> {
        let read_state = state.history.state(&read)?;
        let view = View::new(read_state.clone(), read.clone());
        let unchanged = |local: &LocalState, before: &LocalState| match reduction {
            Reduction {
                session_only_steps: true,
                fold_deliveries: true,
                ..
            } => local.same_apart_from_session_and_caches(before),
            Reduction {
                session_only_steps: true,
                ..
            } => local.same_apart_from_session(before),
            _ => local == before,
        };
        let nothing = StepRun {
            transition: None,
            kinds_read: KindSet::EMPTY,
            state: StateView::new(),
        };
        let before = &state.locals[i];
        let mut local = before.clone();
        forget_observed(&mut local, &read, &read_state);
        if let Read::PerKind(revisions) = &read {
            for kind in self.registrations[i].watches {
                local.caches[kind.index()] = Some(revisions[kind.index()]);
            }
        }
        let operation = self.controllers[i].step(&view, &mut local);
        local.session.read = Some(read.clone());
        let mut next = state.clone();
        let outcome = match operation {
            Some(operation) => {
                let change = Change {
                    operation: &operation,
                    read: &read,
                    read_kinds: view.kinds_read(),
                    mode: self.config.commit,
                };
                match next.history.commit(&change) {
                    Ok(revision) => {
                        local.session.last_write = Some(revision);
                        let after = next.history.latest_state();
                        self.remember_write(i, &mut local, &operation, revision, &after);
                        Outcome::Wrote {
                            operation,
                            revision,
                        }
                    }
                    Err(_) if self.config.commit == CommitMode::Atomic => {
                        return Some(StepRun {
                            kinds_read: view.kinds_read(),
                            state: read_state,
                            ..nothing
                        });
                    }
                    Err(reason) => {
                        if unchanged(&local, before) {
                            return Some(StepRun {
                                kinds_read: view.kinds_read(),
                                state: read_state,
                                ..nothing
                            });
                        }
                        Outcome::Rejected { operation, reason }
                    }
                }
            }
            None => {
                let stale = self.config.commit == CommitMode::Atomic
                    && !reads_are_fresh(&view, &read_state, &state.history.latest_state());
                if stale || unchanged(&local, before) {
                    return Some(StepRun {
                        kinds_read: view.kinds_read(),
                        state: read_state,
                        ..nothing
                    });
                }
                Outcome::Local
            }
        };
        next.locals[i] = local;
        Some(StepRun {
            transition: Some(Transition {
                action: Action::Step {
                    controller: i,
                    read,
                },
                outcome,
                next,
            }),
            kinds_read: view.kinds_read(),
            state: read_state,
        })
    }

    /// Records a controller's accepted write in its expectations and staleness guard.
    fn remember_write(
        &self,
        i: usize,
        local: &mut LocalState,
        operation: &Operation,
        revision: Revision,
        after: &StateView,
    ) {
        let registration = self.registrations[i];
        let guards = &self.config.guards;
        let expectations = registration.expectations && guards.expectations;
        let staleness_guard =
            guards.staleness_guard_of(registration.kind, !registration.staleness_guard.is_empty());
        let object = operation.object();
        let Some(key) = owner_key(object, after) else {
            return;
        };
        if staleness_guard && registration.staleness_guard.contains(&object.kind()) {
            local
                .written
                .entry(key.clone())
                .or_default()
                .insert(object.kind(), revision);
        }
        if expectations && object.kind() == Kind::Pod {
            let meta = object.metadata();
            match operation {
                Operation::Create(_) => {
                    let name = if meta.name.is_empty() {
                        format!("{}{}", meta.generate_name, revision)
                    } else {
                        meta.name.clone()
                    };
                    local
                        .expectations
                        .entry(key)
                        .or_default()
                        .creations
                        .push(name);
                }
                Operation::Delete(_) | Operation::ForceDelete(_) => {
                    let uid = meta.uid.clone();
                    local
                        .expectations
                        .entry(key)
                        .or_default()
                        .deletions
                        .push(uid);
                }
                Operation::Update(_) => {}
            }
        }
    }

    /// The environment actions enabled in a state, with their rule index.
    pub fn environment_actions(&self, state: &SystemState) -> Vec<(usize, EnvironmentAction)> {
        let latest = state.latest();
        let mut out = Vec::new();
        for (rule_index, rule) in self.config.environment.iter().enumerate() {
            if state.env_used[rule_index] >= rule.max {
                continue;
            }
            let mut push = |a: EnvironmentAction| out.push((rule_index, a));
            match &rule.op {
                EnvironmentOp::Scale { target, replicas } => {
                    if let Some(current) = workload_replicas(&latest, target.kind, &target.name) {
                        for &r in replicas {
                            if r != current {
                                push(EnvironmentAction::Scale {
                                    target: target.clone(),
                                    replicas: r,
                                });
                            }
                        }
                    }
                }
                EnvironmentOp::ChangeImage { target, images } => {
                    if let Some(current) = workload_image(&latest, target.kind, &target.name) {
                        for image in images {
                            if *image != current {
                                push(EnvironmentAction::ChangeImage {
                                    target: target.clone(),
                                    image: image.clone(),
                                });
                            }
                        }
                    }
                }
                EnvironmentOp::TogglePause { deployment } => {
                    if let Some(d) = latest.deployments.get(deployment) {
                        push(EnvironmentAction::SetPaused {
                            deployment: deployment.clone(),
                            paused: !d.spec.paused,
                        });
                    }
                }
                EnvironmentOp::ToggleSuspend { job } => {
                    if let Some(j) = latest.jobs.get(job) {
                        push(EnvironmentAction::SetSuspended {
                            job: job.clone(),
                            suspended: !j.is_suspended(),
                        });
                    }
                }
                EnvironmentOp::MarkContainers { succeeded, failed } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        if !self.registrations[i].is_node {
                            continue;
                        }
                        for (pod, running) in local.running.iter() {
                            if running.exit_code.is_some() {
                                continue;
                            }
                            for (offered, code) in [(*succeeded, 0), (*failed, 1)] {
                                if offered {
                                    push(EnvironmentAction::MarkContainers {
                                        node: self.controller_name(i).to_string(),
                                        pod: pod.clone(),
                                        exit_code: code,
                                    });
                                }
                            }
                        }
                    }
                }
                EnvironmentOp::RestartController { who } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        let name = self.controller_name(i);
                        if !self.registrations[i].is_node
                            && who.matches(name)
                            && *local != LocalState::default()
                        {
                            push(EnvironmentAction::RestartController {
                                controller: name.to_string(),
                            });
                        }
                    }
                }
                EnvironmentOp::ExpireExpectations { who } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        let name = self.controller_name(i);
                        if who.matches(name) && !local.expectations.is_empty() {
                            push(EnvironmentAction::ExpireExpectations {
                                controller: name.to_string(),
                            });
                        }
                    }
                }
                EnvironmentOp::RestartNode { who } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        let name = self.controller_name(i);
                        if self.registrations[i].is_node
                            && who.matches(name)
                            && (*local != LocalState::default() || latest.nodes.contains(name))
                        {
                            push(EnvironmentAction::RestartNode {
                                node: name.to_string(),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    fn environment_step(
        &self,
        state: &SystemState,
        rule: usize,
        action: EnvironmentAction,
    ) -> Option<Transition> {
        let mut next = state.clone();
        next.env_used[rule] += 1;
        let latest = state.latest();
        let mut write = None;
        match &action {
            EnvironmentAction::Scale { target, replicas } => {
                write = Some(set_replicas(&latest, target.kind, &target.name, *replicas)?);
            }
            EnvironmentAction::ChangeImage { target, image } => {
                write = Some(set_image(&latest, target.kind, &target.name, image)?);
            }
            EnvironmentAction::SetPaused { deployment, paused } => {
                let mut d = latest.deployments.get(deployment)?.clone();
                d.spec.paused = *paused;
                write = Some(Operation::Update(Object::Deployment(d)));
            }
            EnvironmentAction::SetSuspended { job, suspended } => {
                let mut j = latest.jobs.get(job)?.clone();
                j.spec.suspend = Some(*suspended);
                write = Some(Operation::Update(Object::Job(j)));
            }
            EnvironmentAction::MarkContainers {
                node,
                pod,
                exit_code,
            } => {
                let i = self.controller_index(node)?;
                let running = next.locals[i].running.get_mut(pod)?;
                running.exit_code = Some(*exit_code);
            }
            EnvironmentAction::RestartController { controller } => {
                let i = self.controller_index(controller)?;
                next.locals[i] = LocalState::default();
            }
            EnvironmentAction::ExpireExpectations { controller } => {
                let i = self.controller_index(controller)?;
                next.locals[i].expectations = Default::default();
            }
            EnvironmentAction::RestartNode { node } => {
                let i = self.controller_index(node)?;
                next.locals[i] = LocalState::default();
                if let Some(n) = latest.nodes.get(node) {
                    write = Some(Operation::ForceDelete(Object::Node(n.clone())));
                }
            }
        }
        let outcome = match write {
            Some(operation) => {
                let read = Read::At(state.history.latest());
                let change = Change {
                    operation: &operation,
                    read: &read,
                    read_kinds: KindSet::EMPTY,
                    mode: CommitMode::Kubernetes,
                };
                let revision = next.history.commit(&change).ok()?;
                Outcome::Wrote {
                    operation,
                    revision,
                }
            }
            None => Outcome::Local,
        };
        Some(Transition {
            action: Action::Environment { rule, action },
            outcome,
            next,
        })
    }

    /// The history's graph with what each controller may read now and, under informer
    /// consistency, where each of its caches stands: what the revision-DAG view draws.
    pub fn history_graph(&self, state: &SystemState) -> HistoryGraph {
        let mut graph = state.history.graph(&self.sessions(state));
        graph.readable = (0..self.controllers.len())
            .map(|i| (self.controller_name(i).to_string(), self.readable(state, i)))
            .collect();
        if matches!(state.history, AnyHistory::Informer(_)) {
            graph.caches = state
                .locals
                .iter()
                .enumerate()
                .map(|(i, local)| {
                    let at = self.registrations[i]
                        .watches
                        .iter()
                        .filter_map(|k| local.caches[k.index()].map(|r| (*k, r)))
                        .collect();
                    (self.controller_name(i).to_string(), at)
                })
                .collect();
        }
        graph
    }

    /// The sessions of every controller, named, for a history graph.
    pub fn sessions(&self, state: &SystemState) -> Vec<(String, Session)> {
        state
            .locals
            .iter()
            .enumerate()
            .map(|(i, l)| (self.controller_name(i).to_string(), l.session.clone()))
            .collect()
    }

    /// Describes an action for people: `node-1 reads r3` or `scale StatefulSet/web to 5`.
    pub fn describe(&self, action: &Action) -> String {
        match action {
            Action::Step {
                controller,
                read: Read::PerKind(revisions),
            } => {
                let caches: Vec<String> = self.registrations[*controller]
                    .watches
                    .iter()
                    .map(|k| format!("{}@r{}", k.plural(), revisions[k.index()]))
                    .collect();
                format!(
                    "{} reads {}",
                    self.controller_name(*controller),
                    caches.join(" ")
                )
            }
            Action::Step { controller, read } => {
                format!("{} reads {read}", self.controller_name(*controller))
            }
            Action::Cache {
                controller,
                kind,
                revision,
            } => {
                let name = self.controller_name(*controller);
                format!("{name}: {} cache -> r{revision}", kind.plural())
            }
            Action::Environment { action, .. } => action.to_string(),
        }
    }
}

fn workload_replicas(state: &StateView, kind: Kind, name: &str) -> Option<i32> {
    match kind {
        Kind::Deployment => state.deployments.get(name).map(Deployment::replicas),
        Kind::StatefulSet => state.statefulsets.get(name).map(StatefulSet::replicas),
        Kind::ReplicaSet => state.replicasets.get(name).map(ReplicaSet::replicas),
        _ => None,
    }
}

fn template_of(state: &StateView, kind: Kind, name: &str) -> Option<PodTemplateSpec> {
    match kind {
        Kind::Deployment => state.deployments.get(name).map(|d| d.spec.template.clone()),
        Kind::StatefulSet => state
            .statefulsets
            .get(name)
            .map(|s| s.spec.template.clone()),
        Kind::ReplicaSet => state.replicasets.get(name).map(|r| r.spec.template.clone()),
        Kind::Job => state.jobs.get(name).map(|j| j.spec.template.clone()),
        _ => None,
    }
}

fn workload_image(state: &StateView, kind: Kind, name: &str) -> Option<String> {
    template_of(state, kind, name)?
        .spec
        .containers
        .first()
        .map(|c| c.image.clone())
}

fn set_replicas(state: &StateView, kind: Kind, name: &str, replicas: i32) -> Option<Operation> {
    let object = match kind {
        Kind::Deployment => {
            let mut d = state.deployments.get(name)?.clone();
            d.spec.replicas = Some(replicas);
            Object::Deployment(d)
        }
        Kind::StatefulSet => {
            let mut s = state.statefulsets.get(name)?.clone();
            s.spec.replicas = Some(replicas);
            Object::StatefulSet(s)
        }
        Kind::ReplicaSet => {
            let mut r = state.replicasets.get(name)?.clone();
            r.spec.replicas = Some(replicas);
            Object::ReplicaSet(r)
        }
        _ => return None,
    };
    Some(Operation::Update(object))
}

fn set_image(state: &StateView, kind: Kind, name: &str, image: &str) -> Option<Operation> {
    fn first(t: &mut PodTemplateSpec, image: &str) -> Option<()> {
        t.spec.containers.first_mut()?.image = image.to_string();
        Some(())
    }
    let object = match kind {
        Kind::Deployment => {
            let mut d = state.deployments.get(name)?.clone();
            first(&mut d.spec.template, image)?;
            Object::Deployment(d)
        }
        Kind::StatefulSet => {
            let mut s = state.statefulsets.get(name)?.clone();
            first(&mut s.spec.template, image)?;
            Object::StatefulSet(s)
        }
        Kind::ReplicaSet => {
            let mut r = state.replicasets.get(name)?.clone();
            first(&mut r.spec.template, image)?;
            Object::ReplicaSet(r)
        }
        Kind::Job => {
            let mut j = state.jobs.get(name)?.clone();
            first(&mut j.spec.template, image)?;
            Object::Job(j)
        }
        _ => return None,
    };
    Some(Operation::Update(object))
}

/// Drops the expectations and staleness-guard entries that what a step reads shows fulfilled:
/// created pods it sees, deleted pods it sees gone or terminating, written kinds it sees at or
/// past the write.
fn forget_observed(local: &mut LocalState, read: &Read, state: &StateView) {
    if !local.expectations.is_empty() {
        local.expectations.retain(|_, e| {
            e.creations.retain(|name| !state.pods.contains(name));
            e.deletions.retain(|uid| {
                state
                    .pods
                    .iter()
                    .any(|p| p.metadata.uid == *uid && !p.metadata.is_terminating())
            });
            !e.creations.is_empty() || !e.deletions.is_empty()
        });
    }
    if !local.written.is_empty() {
        local.written.retain(|_, kinds| {
            kinds.retain(|kind, at| read.revision_of(*kind).unwrap_or(read.newest()) < *at);
            !kinds.is_empty()
        });
    }
}

/// Atomic commit mode for a step that writes nothing but changes its controller's local state
/// (a node starting a container): it still commits only if every kind it read is unchanged in
/// the latest revision.
fn reads_are_fresh(view: &View, read_state: &StateView, latest: &StateView) -> bool {
    view.kinds_read()
        .iter()
        .all(|kind| read_state.same_kind(latest, kind))
}

/// The owner a write is for, as `Kind/name`: the written object's controller, or, for an
/// object no controller owns (a StatefulSet's PersistentVolumeClaim, retained by default), the
/// StatefulSet whose selector selects it.
fn owner_key(object: &Object, state: &StateView) -> Option<String> {
    if let Some(owner) = object.metadata().controller_ref() {
        return Some(format!("{}/{}", owner.kind, owner.name));
    }
    if object.kind() != Kind::PersistentVolumeClaim {
        return None;
    }
    state
        .statefulsets
        .iter()
        .find(|s| s.spec.selector.matches(&object.metadata().labels))
        .map(|s| format!("StatefulSet/{}", s.metadata.name))
}
