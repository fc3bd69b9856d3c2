//! The transition system: a model's state (history, controllers' local states, environment
//! budget) and the actions that change it. The checker, the explorer and replay all step
//! through this.

mod caches;
mod environment;
mod step_memo;
mod steps;
#[cfg(test)]
mod sync_tests;

pub use steps::{forget_observed, record_write};
mod symmetry;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::api;
use super::config::{ModelConfig, Start};
use super::controllers::{self, Controller, LocalState, Registration};
use super::environment::{EnvironmentAction, EnvironmentOp};
use super::history::{
    AnyHistory, Change, CommitMode, Consistency, History, HistoryGraph, INITIAL_REVISION, Informer,
    Lag, Read, Rejection, Relist, Session,
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
    pub locals: Vec<Arc<LocalState>>,
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
#[serde(rename_all = "kebab-case", tag = "type", deny_unknown_fields)]
pub enum Action {
    /// A controller steps from a read.
    Step {
        /// The controller's index in the configuration.
        controller: usize,
        /// What it reads.
        read: Read,
        /// Which alternative it takes when it has several from this read (a scheduler's nodes
        /// tied for best, in name order); 0, the only one for most steps, is left out of traces.
        #[serde(default, skip_serializing_if = "is_zero")]
        choice: usize,
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
    /// Under `syncs: multi-write`: a controller whose sync is under way commits its next
    /// write (decided from the sync's read), and hears its result.
    Continue {
        /// The controller's index in the configuration.
        controller: usize,
    },
}

fn is_zero(n: &usize) -> bool {
    *n == 0
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
    /// No sync of the controller has a write left to commit.
    #[error("{0} has no sync under way")]
    NoSyncUnderWay(String),
}

/// Reductions of the state space. Each is sound: with it on, a search finds every property
/// verdict of the plain model ([`Reduction::NONE`]) and every shortest counterexample at the
/// same length (under informer consistency with folded deliveries, the same number of steps
/// that are not cache deliveries). The argument, and the condition it needs, is stated on each
/// field; where a model can break a condition the reduction is switched off for that model and
/// [`System::reduction_notes`] says so. The differential tests (`tests/differential/`) compare
/// every shipped model and a few hundred random ones against the plain model.
///
/// The common argument, for the reductions that leave out a step: a controller's session only
/// ever decides which reads it may make, never what a step from a read does (the operation, the
/// local state and where a write lands depend on the read and the local state without the
/// session). Say a session `b` *dominates* a session `a` of the same controller when every read
/// `a` allows, now and after any later writes, `b` allows too. If two states differ only in
/// sessions, each session of the first dominating the other's, every behaviour of the second
/// is one of the first (take the same actions: each is enabled, does the same thing, and keeps
/// the relation; a step that only moves a session is matched by no step at all), no longer, and
/// the properties, which do not look at sessions but for the writer of the latest revision (see
/// [`crate::model::properties::at_observed_revision`]), agree on both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Reduction {
    /// Do not offer a step whose only effect is to move the controller's session forward (with
    /// folded deliveries: its session and its caches), when the session before the step
    /// dominates the one after it. It does, in every future, under synchronous (the session
    /// decides nothing), resettable-session and optimistic-linear (a later session allows only
    /// later reads; no session allows every revision), and, with a session already, under
    /// monotonic-session and causal. It does not when the controller has no session under
    /// monotonic-session or causal: without one it reads only the latest revision (the heads),
    /// with one every revision after it, so such a step adds reads and is always offered (the
    /// issue 15 counterexample: a pod garbage collector that has never written reads a revision
    /// before a node registered again). Under informer consistency reads come from the caches,
    /// not the session, and a moved cache allows a subset of what the old one allowed (a
    /// synced cache moves forward only; an empty one under `relist: any-revision` may list any
    /// change point); the step is still offered when the controller wrote the latest revision,
    /// since the `stable => p` properties judge that write by its writer's session.
    pub session_only_steps: bool,
    /// Offer once a group of reads from which the controller's step does the same thing (the
    /// same operation, the same local state apart from the session, for every alternative),
    /// with the oldest read of the group as the one it makes. The steps' next states differ only
    /// in the session, and the oldest read leaves the session that dominates the others (under
    /// a linear history a session at `r` allows every read after `r`). A cheap test (every kind
    /// the step read is the same in both reads) picks the candidates; the step itself is then
    /// run from each, since a controller may also write the revision it read (a status's
    /// `observedRevision`) or forget an expectation by what it sees. Linear histories only
    /// (synchronous and the two session histories): elsewhere where a write lands depends on the
    /// read, and the reduction does nothing.
    pub equivalent_reads: bool,
    /// Informer consistency: fold a controller's cache deliveries into its next step (the step
    /// reads each kind at any revision its cache could have been moved to), instead of
    /// offering each delivery as an action. A delivery changes only its controller's caches,
    /// which nothing else observes (no property, rule or other controller reads them), so a
    /// plain path's deliveries can each be moved to just before their controller's next step
    /// and merged with it: a delivery to a change point made earlier is still possible later,
    /// since change points never change. A LIST into an empty cache is not like that under
    /// `relist: latest` (it lists the change point of the moment, which a later LIST may not
    /// offer), so there it stays an action of its own and only deliveries to synced caches
    /// fold. A folded counterexample has the plain one's length less its deliveries.
    pub fold_deliveries: bool,
    /// Identify states that differ only in which of several interchangeable nodes is which
    /// (same machine, same environment rules): [`System::fingerprint`] is then the same for a
    /// state and its twin with those nodes renamed. Sound when renaming the nodes maps the
    /// model's transitions to transitions and keeps every property: the controllers,
    /// properties and rules treat nodes alike (see the symmetry module), and nothing in the
    /// model names one of them but its own Node and the pods bound to it. A model whose
    /// resources name a node otherwise (a `nodeSelector` on its hostname, a template's
    /// `nodeName`) keeps that node out of the symmetry, and [`System::reduction_notes`] says
    /// so. Absent from older trace files (off).
    #[serde(default)]
    pub symmetry: bool,
}

impl Reduction {
    /// The plain model of the dissertation: every step from every readable revision.
    pub const NONE: Reduction = Reduction {
        session_only_steps: false,
        equivalent_reads: false,
        fold_deliveries: false,
        symmetry: false,
    };
    /// Every reduction.
    pub const ALL: Reduction = Reduction {
        session_only_steps: true,
        equivalent_reads: true,
        fold_deliveries: true,
        symmetry: true,
    };
}

impl Reduction {
    /// The name of each reduction, as `--reduction` takes it.
    pub const NAMES: [&'static str; 4] = [
        "session-only-steps",
        "equivalent-reads",
        "fold-deliveries",
        "symmetry",
    ];

    fn flag(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            "session-only-steps" => Some(&mut self.session_only_steps),
            "equivalent-reads" => Some(&mut self.equivalent_reads),
            "fold-deliveries" => Some(&mut self.fold_deliveries),
            "symmetry" => Some(&mut self.symmetry),
            _ => None,
        }
    }

    /// Reads `all`, `none`, or a comma-separated list applied in order, each item `all`,
    /// `none`, a reduction's name (on) or `-` and a name (off): `all,-symmetry`.
    pub fn parse(text: &str) -> Result<Reduction, String> {
        let mut reduction = Reduction::NONE;
        for item in text.split(',').map(str::trim) {
            match item {
                "all" => reduction = Reduction::ALL,
                "none" => reduction = Reduction::NONE,
                _ => {
                    let (on, name) = match item.strip_prefix('-') {
                        Some(name) => (false, name),
                        None => (true, item),
                    };
                    *reduction.flag(name).ok_or_else(|| {
                        format!(
                            "unknown reduction `{name}` (known: all, none, {})",
                            Reduction::NAMES.join(", ")
                        )
                    })? = on;
                }
            }
        }
        Ok(reduction)
    }
}

impl Default for Reduction {
    fn default() -> Self {
        Reduction::ALL
    }
}

/// Which steps a search offers: the reductions in force, and whether it is settling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Semantics {
    /// The reductions.
    pub(super) reduction: Reduction,
    /// Settling ([`System::settle`]): a step that only moves a session is never taken,
    /// whatever the session allows later. That defines the settled start; it is not a
    /// reduction of the search.
    pub(super) settling: bool,
}

impl Semantics {
    /// The plain model: every step from every readable revision, every delivery on its own.
    pub(super) const PLAIN: Semantics = Semantics {
        reduction: Reduction::NONE,
        settling: false,
    };
}

/// The step semantics of settling: a settled start must not depend on the reductions a
/// system runs with. Deliveries are explicit (each cache moved to the latest change point
/// before its controller steps); steps that would only move a session are not taken.
const SETTLE_REDUCTION: Semantics = Semantics {
    reduction: Reduction {
        session_only_steps: true,
        equivalent_reads: true,
        fold_deliveries: false,
        symmetry: false,
    },
    settling: true,
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
    symmetry: symmetry::Symmetry,
    /// What controllers decided from reads, remembered (see the step memo module); `None`
    /// runs every step afresh.
    step_memo: Option<step_memo::StepMemo<steps::Decision>>,
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
        let symmetry = symmetry::Symmetry::of(&config, &registrations);
        Ok(System {
            config,
            controllers,
            registrations,
            reduction: Reduction::default(),
            symmetry,
            step_memo: Some(step_memo::StepMemo::new()),
        })
    }

    /// The same system with the step memo on (the default) or off: off, every controller step
    /// is run afresh. Either way the system has the same states and transitions (the memo's
    /// module doc gives the argument; its tests compare the two).
    pub fn with_step_memo(mut self, on: bool) -> Self {
        self.step_memo = on.then(step_memo::StepMemo::new);
        self
    }

    /// The same system with other reductions.
    pub fn with_reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// The reductions asked for (a trace records them). A reduction whose condition the model
    /// breaks is switched off for it, wholly or in part: see [`System::reduction_notes`].
    pub fn reduction(&self) -> Reduction {
        self.reduction
    }

    /// The steps a search of this system offers.
    pub(super) fn semantics(&self) -> Semantics {
        Semantics {
            reduction: self.reduction,
            settling: false,
        }
    }

    /// Where a reduction asked for is switched off for this model, wholly or in part, and why:
    /// one line each, for `check` to print. Empty when every reduction applies as asked.
    pub fn reduction_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.reduction.symmetry && !self.config.syncs.is_one_write() {
            notes.push(
                "symmetry: off under multi-write syncs (a sync's pending writes may name a node)"
                    .to_string(),
            );
        } else if self.reduction.symmetry {
            notes.extend(self.symmetry.notes().iter().cloned());
        }
        let informer = self.config.consistency.level == Consistency::Informer
            && self.config.consistency.lag != Lag::Zero;
        if self.reduction.fold_deliveries
            && informer
            && self.config.consistency.relist == Relist::Latest
        {
            notes.push(
                "fold-deliveries: a restarted controller's LIST stays a step of its own \
                 (relist: latest lists the change point of the moment, which a later step \
                 cannot offer); only deliveries to synced caches fold"
                    .to_string(),
            );
        }
        notes
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
        self.initial_until(&|| false)
    }

    /// As [`System::initial`], but settling only while `stop` returns false: a caller with a
    /// deadline or a cancel flag asks its own condition afterwards to know whether the state
    /// is settled.
    pub fn initial_until(&self, stop: &dyn Fn() -> bool) -> SystemState {
        let fresh = self.fresh();
        match self.config.start {
            Start::Initial => fresh,
            Start::Settled => self.settle(fresh, SETTLE_LIMIT, stop).0,
        }
    }

    /// Steps controllers in rotation, each taking its first effective step reading the newest
    /// revision it may (under informer consistency, after its caches caught up with the
    /// latest revision), until none has anything left to do or `max_steps` were taken.
    /// Environment rules never fire. Deterministic, and the same whatever reductions the
    /// system runs with (steps that would only move a session are not taken), so that a
    /// settled start is one state. Returns the final state and the transitions taken.
    ///
    /// `stop` is asked before every step (a deadline, a cancel flag: the model has no clock);
    /// once it returns true settling ends where it is.
    pub fn settle(
        &self,
        mut state: SystemState,
        max_steps: usize,
        stop: &dyn Fn() -> bool,
    ) -> (SystemState, Vec<Transition>) {
        let mut taken = Vec::new();
        let n = self.controllers.len();
        let mut idle_in_a_row = 0;
        let mut i = 0;
        while taken.len() < max_steps && idle_in_a_row < n && n > 0 && !stop() {
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
                Arc::new(local)
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

    /// Takes one action, checking that it is enabled and changes something: any action of the
    /// plain model ([`Reduction::NONE`]), whatever reductions the system runs with, so that a
    /// trace is a behaviour and replays whichever search found it (or whoever wrote it): a
    /// step that only moves a session, a cache delivery of its own, a read that the
    /// equivalent-reads reduction would not offer. With folded deliveries a step may also read
    /// what its caches could be moved to first ([`System::readable`]): such a step stands for
    /// those deliveries followed by the plain step, and its next state is theirs.
    pub fn take(&self, state: &SystemState, action: &Action) -> Result<Transition, NotEnabled> {
        match action {
            Action::Step {
                controller,
                read,
                choice,
            } => {
                if *controller >= self.controllers.len() {
                    return Err(NotEnabled::NoController(*controller));
                }
                let name = self.controller_name(*controller).to_string();
                let readable = |semantics| {
                    self.readable_under(semantics, state, *controller)
                        .contains(read)
                };
                if !readable(Semantics::PLAIN) && !readable(self.semantics()) {
                    return Err(NotEnabled::NotReadable {
                        controller: name,
                        read: read.clone(),
                    });
                }
                state
                    .history
                    .state(read)
                    .and_then(|read_state| {
                        self.run_step_from(
                            Semantics::PLAIN,
                            state,
                            *controller,
                            read.clone(),
                            read_state,
                            *choice,
                        )
                    })
                    .and_then(|run| run.transition)
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
                let enabled = self.cache_moves_under(Semantics::PLAIN, state).contains(&(
                    *controller,
                    *kind,
                    *revision,
                ));
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
            Action::Continue { controller } => {
                if *controller >= self.controllers.len() {
                    return Err(NotEnabled::NoController(*controller));
                }
                self.continue_sync(state, *controller).ok_or_else(|| {
                    NotEnabled::NoSyncUnderWay(self.controller_name(*controller).to_string())
                })
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
                choice,
            } => {
                let caches: Vec<String> = self.registrations[*controller]
                    .watches
                    .iter()
                    .map(|k| format!("{}@r{}", k.plural(), revisions[k.index()]))
                    .collect();
                format!(
                    "{} reads {}{}",
                    self.controller_name(*controller),
                    caches.join(" "),
                    choice_suffix(*choice)
                )
            }
            Action::Step {
                controller,
                read,
                choice,
            } => {
                format!(
                    "{} reads {read}{}",
                    self.controller_name(*controller),
                    choice_suffix(*choice)
                )
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
            Action::Continue { controller } => {
                format!(
                    "{} sends its sync's next write",
                    self.controller_name(*controller)
                )
            }
        }
    }
}

/// How a step's alternative is written after it: nothing for the first.
fn choice_suffix(choice: usize) -> String {
    if choice == 0 {
        String::new()
    } else {
        format!(" (alternative {})", choice + 1)
    }
}

#[cfg(test)]
mod reduction_tests {
    use super::Reduction;

    #[test]
    fn a_reduction_list_applies_in_order_and_names_the_unknown() {
        assert_eq!(Reduction::parse("all"), Ok(Reduction::ALL));
        assert_eq!(Reduction::parse("none"), Ok(Reduction::NONE));
        let no_symmetry = Reduction::parse("all,-symmetry").unwrap();
        assert!(!no_symmetry.symmetry && no_symmetry.equivalent_reads);
        let only = Reduction::parse("symmetry").unwrap();
        assert_eq!(
            only,
            Reduction {
                symmetry: true,
                ..Reduction::NONE
            }
        );
        let err = Reduction::parse("all,-symetry").unwrap_err();
        assert!(
            err.contains("`symetry`") && err.contains("symmetry"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod session_step_tests {
    use super::*;
    use crate::model::config::parse_model;
    use crate::model::history::ConsistencySetting;

    const PODGC: &str = include_str!("../../../models/podgc-restart.yaml");

    fn system(level: Consistency, reduction: Reduction) -> System {
        let mut config = parse_model(PODGC, "podgc-restart.yaml", &|_| Err("no includes".into()))
            .expect("the model loads")
            .config;
        config.consistency = ConsistencySetting::of(level);
        System::new(config).unwrap().with_reduction(reduction)
    }

    /// The pod garbage collector's steps in the settled start (it has nothing to do).
    fn podgc_steps(system: &System, state: &SystemState) -> Vec<Transition> {
        let podgc = system.controller_index("podgc").unwrap();
        system.controller_transitions(state, podgc)
    }

    #[test]
    fn a_session_only_step_is_left_out_only_when_the_session_before_dominates() {
        // Monotonic-session: without a session the collector reads only the latest revision;
        // the step that gives it one adds reads, so it is offered.
        let monotonic = system(Consistency::MonotonicSession, Reduction::ALL);
        let start = monotonic.initial();
        let steps = podgc_steps(&monotonic, &start);
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].outcome, Outcome::Local);
        // With a session, a step that only moves it is left out, where the plain model offers
        // it: look through the states a few steps from the start.
        let plain = system(Consistency::MonotonicSession, Reduction::NONE);
        let mut states = vec![start.clone()];
        let mut left_out = 0;
        for _ in 0..3 {
            let mut next = Vec::new();
            for state in &states {
                for i in 0..plain.controller_count() {
                    let reduced: Vec<Action> = monotonic
                        .controller_transitions(state, i)
                        .into_iter()
                        .map(|t| t.action)
                        .collect();
                    for t in plain.controller_transitions(state, i) {
                        let session_only = t.next.locals[i]
                            .same_apart_from_session(&state.locals[i])
                            && t.next.history == state.history;
                        let offered = reduced.contains(&t.action);
                        match state.locals[i].session.read {
                            Some(_) if session_only => {
                                assert!(!offered, "{}", plain.describe(&t.action));
                                left_out += 1;
                            }
                            None if session_only => {
                                assert!(offered, "{}", plain.describe(&t.action))
                            }
                            _ => {}
                        }
                    }
                }
                next.extend(monotonic.transitions(state).into_iter().map(|t| t.next));
            }
            states = next;
        }
        assert!(left_out > 0);
        // Resettable-session: no session allows every revision, so the step is left out.
        let resettable = system(Consistency::ResettableSession, Reduction::ALL);
        assert!(podgc_steps(&resettable, &resettable.initial()).is_empty());
        let plain = system(Consistency::ResettableSession, Reduction::NONE);
        assert!(!podgc_steps(&plain, &plain.initial()).is_empty());
        // Settling takes no such step whatever the level: the settled start has no session.
        let podgc = monotonic.controller_index("podgc").unwrap();
        assert_eq!(start.locals[podgc].session.read, None);
    }
}
