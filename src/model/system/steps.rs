//! Controller steps: which reads a controller may make, what a step from one does, and the
//! bookkeeping of expectations and the staleness guard around it.

use super::*;
use crate::model::config::Syncs;
use crate::model::controllers::sync;
use crate::model::controllers::{Reaction, WriteResult};
use std::sync::Arc;

/// A controller step's result: what it did, if anything, and which kinds it read.
pub(super) struct StepRun {
    pub(super) transition: Option<Transition>,
    kinds_read: KindSet,
    state: StateView,
    /// How many alternatives the controller had from this read.
    choices: usize,
    /// What the controller decided, before its session moved and its write was committed: kept
    /// only where the equivalent-reads reduction groups reads.
    decision: Option<Decision>,
}

/// What a controller decides from a read: its operation and its local state after the step
/// (expectations and guard entries it saw fulfilled dropped, caches moved to the read), with
/// its session not yet moved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Decision {
    operation: Option<Operation>,
    local: LocalState,
}

/// A group of reads the equivalent-reads reduction offers once: what the kinds its step read
/// are in its oldest read, and what each alternative decided from it.
struct Group {
    kinds_read: KindSet,
    state: StateView,
    decisions: Vec<Decision>,
}

impl System {
    /// The steps controller `i` may take, one per group of reads it cannot tell apart when
    /// that reduction is on, in read order.
    pub fn controller_transitions(&self, state: &SystemState, i: usize) -> Vec<Transition> {
        if !state.locals[i].pending.is_empty() {
            return self.continue_sync(state, i).into_iter().collect();
        }
        let semantics = self.semantics();
        let reads = self.readable(state, i);
        let group = self.reduction.equivalent_reads && self.groups_reads(state);
        let mut seen: Vec<Group> = Vec::new();
        let mut out = Vec::new();
        for read in reads {
            let Some(read_state) = state.history.state(&read) else {
                continue;
            };
            if group && self.in_a_group(&seen, state, i, &read, &read_state) {
                continue;
            }
            let Some(run) = self.run_step_from(semantics, state, i, read.clone(), read_state, 0)
            else {
                continue;
            };
            let others = self.other_runs(state, i, &read, &run);
            if group {
                let mut decisions: Vec<Decision> = run.decision.iter().cloned().collect();
                decisions.extend(others.iter().filter_map(|r| r.decision.clone()));
                seen.push(Group {
                    kinds_read: run.kinds_read,
                    state: run.state.clone(),
                    decisions,
                });
            }
            out.extend(others.into_iter().filter_map(|r| r.transition));
            out.extend(run.transition);
        }
        out
    }

    /// Whether a step of controller `i` from `read` does what the step from the oldest read of
    /// a group already offered does: every kind that step read is the same in `read` (the
    /// cheap test), and then, run from `read`, each alternative decides the same.
    fn in_a_group(
        &self,
        seen: &[Group],
        state: &SystemState,
        i: usize,
        read: &Read,
        read_state: &StateView,
    ) -> bool {
        seen.iter().any(|g| {
            g.kinds_read
                .iter()
                .all(|k| g.state.same_kind(read_state, k))
                && g.decisions
                    .iter()
                    .enumerate()
                    .all(|(choice, d)| self.decide(state, i, read, read_state, choice).0 == *d)
        })
    }

    /// Every alternative of controller `i`'s step from `read` that changes something (one for
    /// most controllers; a scheduler's tied nodes), in choice order.
    pub fn step_alternatives(&self, state: &SystemState, i: usize, read: Read) -> Vec<Transition> {
        let Some(read_state) = state.history.state(&read) else {
            return Vec::new();
        };
        let Some(run) = self.run_step_from(self.semantics(), state, i, read.clone(), read_state, 0)
        else {
            return Vec::new();
        };
        let mut out: Vec<Transition> = self
            .other_runs(state, i, &read, &run)
            .into_iter()
            .filter_map(|r| r.transition)
            .collect();
        out.splice(0..0, run.transition);
        out
    }

    /// The runs of alternatives 1.. of a step whose choice 0 made `first` (a scheduler's
    /// other tied nodes), in choice order.
    fn other_runs(
        &self,
        state: &SystemState,
        i: usize,
        read: &Read,
        first: &StepRun,
    ) -> Vec<StepRun> {
        (1..first.choices)
            .filter_map(|choice| {
                self.run_step_from(
                    self.semantics(),
                    state,
                    i,
                    read.clone(),
                    first.state.clone(),
                    choice,
                )
            })
            .collect()
    }

    /// The reads of controller `i` that lead to the same step as `read` (its group under the
    /// equivalent-reads reduction), `read` included; for the explorer's "may read r3-r5".
    pub fn equivalent_reads(&self, state: &SystemState, i: usize, read: &Read) -> Vec<Read> {
        let Some(read_state) = state.history.state(read) else {
            return Vec::new();
        };
        let (decision, kinds_read, _) = self.decide(state, i, read, &read_state, 0);
        self.readable(state, i)
            .into_iter()
            .filter(|r| {
                state.history.state(r).is_some_and(|s| {
                    kinds_read.iter().all(|k| s.same_kind(&read_state, k))
                        && self.decide(state, i, r, &s, 0).0 == decision
                })
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
    /// or, under informer consistency, its caches once they have all synced (with folded
    /// deliveries, what they could be moved to first).
    pub fn readable(&self, state: &SystemState, i: usize) -> Vec<Read> {
        self.readable_under(self.semantics(), state, i)
    }

    pub(super) fn readable_under(
        &self,
        semantics: Semantics,
        state: &SystemState,
        i: usize,
    ) -> Vec<Read> {
        match &state.history {
            AnyHistory::Informer(_) if self.config.consistency.lag == Lag::Zero => {
                vec![Read::PerKind([state.history.latest(); Kind::COUNT])]
            }
            AnyHistory::Informer(informer) if semantics.reduction.fold_deliveries => {
                self.folded_informer_reads(informer, &state.locals[i], i)
            }
            AnyHistory::Informer(_) => state.locals[i]
                .informer_read(
                    self.registrations[i].watches,
                    self.config.guards.wait_for_cache_sync,
                )
                .into_iter()
                .collect(),
            history => history.readable(&state.locals[i].session),
        }
    }

    /// Whether the controllers are at rest: none, reading the latest revision (every cache
    /// delivered), would do anything but move its session and caches. A function of the
    /// cluster state and the local states without sessions, the same whatever reductions the
    /// system runs with and whatever revisions a session would still let a controller read:
    /// what a property about the system at rest (G4) needs to judge the same state alike in
    /// every search.
    pub fn at_rest(&self, state: &SystemState) -> bool {
        let latest = state.history.latest();
        let read = match state.history {
            AnyHistory::Informer(_) => Read::PerKind([latest; Kind::COUNT]),
            _ => Read::At(latest),
        };
        let view = state.latest();
        if state.locals.iter().any(|l| !l.pending.is_empty()) {
            return false;
        }
        (0..self.controllers.len()).all(|i| {
            let (decision, _, _) = self.decide(state, i, &read, &view, 0);
            decision.operation.is_none()
                && decision
                    .local
                    .same_apart_from_session_and_caches(&state.locals[i])
        })
    }

    /// Controller `i` steps from `read`; `None` when the step changes nothing (or, in the atomic
    /// commit mode, is rejected).
    pub fn step_controller(&self, state: &SystemState, i: usize, read: Read) -> Option<Transition> {
        self.run_step(state, i, read)?.transition
    }

    /// Controller `i` steps from `read` taking alternative `choice` (see
    /// [`Controller::step_choosing`]); `None` when that changes nothing or there is no such choice.
    pub fn step_controller_choosing(
        &self,
        state: &SystemState,
        i: usize,
        read: Read,
        choice: usize,
    ) -> Option<Transition> {
        let read_state = state.history.state(&read)?;
        self.run_step_from(self.semantics(), state, i, read, read_state, choice)?
            .transition
    }

    fn run_step(&self, state: &SystemState, i: usize, read: Read) -> Option<StepRun> {
        self.run_step_under(self.semantics(), state, i, read)
    }

    pub(super) fn run_step_under(
        &self,
        semantics: Semantics,
        state: &SystemState,
        i: usize,
        read: Read,
    ) -> Option<StepRun> {
        let read_state = state.history.state(&read)?;
        self.run_step_from(semantics, state, i, read, read_state, 0)
    }

    /// What controller `i` decides from `read`, whose state is `read_state`, taking alternative
    /// `choice`: the decision, the kinds it read and how many alternatives it had.
    fn decide(
        &self,
        state: &SystemState,
        i: usize,
        read: &Read,
        read_state: &StateView,
        choice: usize,
    ) -> (Decision, KindSet, usize) {
        let afresh = || self.decide_afresh(state, i, read, read_state, choice);
        match &self.step_memo {
            Some(memo) => memo.get_or_decide(i, choice, read, read_state, &state.locals[i], afresh),
            None => afresh(),
        }
    }

    /// [`System::decide`] without the step memo: the controller's step run.
    fn decide_afresh(
        &self,
        state: &SystemState,
        i: usize,
        read: &Read,
        read_state: &StateView,
        choice: usize,
    ) -> (Decision, KindSet, usize) {
        let view = View::new(read_state.clone(), read.clone());
        let mut local = LocalState::clone(&state.locals[i]);
        forget_observed(&mut local, read, read_state);
        if let Read::PerKind(revisions) = read {
            for kind in self.registrations[i].watches {
                // A cache read unlisted (wait-for-cache-sync off) stays to be listed.
                if revisions[kind.index()] != crate::model::history::UNLISTED {
                    local.caches[kind.index()] = Some(revisions[kind.index()]);
                }
            }
        }
        let (operation, choices) = self.controllers[i].step_choosing(&view, &mut local, choice);
        let mut kinds_read = view.kinds_read();
        if let Some(first) = operation.as_ref().filter(|_| self.multi_write(i)) {
            let (writes, later_kinds) =
                sync::sync_writes(&*self.controllers[i], &view, &local, first.clone());
            local.pending = writes[1..].to_vec();
            kinds_read = kinds_read.union(later_kinds);
        }
        (Decision { operation, local }, kinds_read, choices)
    }

    /// Whether a step of controller `i` whose only effect is to move its session (and, with
    /// folded deliveries, its caches) is left out: see [`Reduction::session_only_steps`] for
    /// when the session before it dominates the one after it. Settling leaves every such step
    /// out.
    fn leaves_out_session_step(
        &self,
        semantics: Semantics,
        state: &SystemState,
        i: usize,
        before: &LocalState,
    ) -> bool {
        if semantics.settling {
            return true;
        }
        if !semantics.reduction.session_only_steps {
            return false;
        }
        let has_session = before.session.read.is_some();
        match &state.history {
            AnyHistory::Synchronous(_)
            | AnyHistory::ResettableSession(_)
            | AnyHistory::OptimisticLinear(_) => true,
            AnyHistory::MonotonicSession(_) | AnyHistory::Causal(_) => has_session,
            AnyHistory::Informer(informer) => {
                let wrote_latest = before.session.last_write == Some(state.history.latest());
                // Folded: an empty cache under `relist: latest` is listed by a step of its own
                // (see `folded_informer_reads`), so a folded step starts from synced caches.
                let caches_dominate = !semantics.reduction.fold_deliveries
                    || informer.relist() == Relist::AnyRevision
                    || self.registrations[i]
                        .watches
                        .iter()
                        .all(|k| before.caches[k.index()].is_some());
                !wrote_latest && caches_dominate
            }
        }
    }

    /// Controller `i` steps from `read`, whose state is `read_state`, taking alternative
    /// `choice`.
    pub(super) fn run_step_from(
        &self,
        semantics: Semantics,
        state: &SystemState,
        i: usize,
        read: Read,
        read_state: StateView,
        choice: usize,
    ) -> Option<StepRun> {
        let before = &state.locals[i];
        if !before.pending.is_empty() {
            // Its sync is under way: its worker is busy until the sync ends.
            return None;
        }
        let (decision, kinds_read, choices) = self.decide(state, i, &read, &read_state, choice);
        let ignores_caches = semantics.reduction.fold_deliveries && !semantics.settling;
        let unchanged = |local: &LocalState| {
            let bookkeeping_only = if ignores_caches {
                local.same_apart_from_session_and_caches(before)
            } else {
                local.same_apart_from_session(before)
            };
            local == &**before
                || (bookkeeping_only && self.leaves_out_session_step(semantics, state, i, before))
        };
        let keep = semantics.reduction.equivalent_reads && self.groups_reads(state);
        let nothing = StepRun {
            transition: None,
            kinds_read,
            state: read_state.clone(),
            choices,
            decision: keep.then(|| decision.clone()),
        };
        let Decision {
            operation,
            mut local,
        } = decision;
        let operation = operation.filter(|op| self.passes_live_check(i, op, state));
        let view_kinds = kinds_read;
        local.session.read = Some(read.clone());
        // The other controllers' local states are cloned only for a step that changes
        // something: most reads a simulation tries change nothing.
        let mut history = state.history.clone();
        let outcome = match operation {
            Some(operation) => {
                let change = Change {
                    operation: &operation,
                    read: &read,
                    read_kinds: view_kinds,
                    mode: self.config.commit,
                };
                match history.commit(&change) {
                    Ok(revision) => {
                        local.session.last_write = Some(revision);
                        self.remember_write(i, &mut local, &operation, revision, &history);
                        self.hear(i, &mut local, &operation, &WriteResult::Stored(revision));
                        Outcome::Wrote {
                            operation,
                            revision,
                        }
                    }
                    Err(_) if self.config.commit == CommitMode::Atomic => return Some(nothing),
                    Err(reason) => {
                        self.hear(
                            i,
                            &mut local,
                            &operation,
                            &WriteResult::of_rejection(&reason),
                        );
                        if unchanged(&local) {
                            return Some(nothing);
                        }
                        Outcome::Rejected { operation, reason }
                    }
                }
            }
            None => {
                let stale = self.config.commit == CommitMode::Atomic
                    && !reads_are_fresh(view_kinds, &read_state, &state.history.latest_state());
                if stale || unchanged(&local) {
                    return Some(nothing);
                }
                Outcome::Local
            }
        };
        let mut locals = state.locals.clone();
        locals[i] = Arc::new(local);
        let next = SystemState {
            history,
            locals,
            env_used: state.env_used.clone(),
        };
        Some(StepRun {
            transition: Some(Transition {
                action: Action::Step {
                    controller: i,
                    read,
                    choice,
                },
                outcome,
                next,
            }),
            ..nothing
        })
    }

    /// Whether controller `i`'s syncs are multi-write: the model's `syncs: multi-write`, for a
    /// controller that may write more than once per sync.
    pub(super) fn multi_write(&self, i: usize) -> bool {
        self.config.syncs == Syncs::MultiWrite && !self.controllers[i].single_write()
    }

    /// Controller `i` hears the result of its write `operation` (multi-write syncs only: under
    /// one-write a rejected write is dropped unheard, as before). The sync's later writes of
    /// the same object take the revision it was stored at; an error ends the sync.
    fn hear(&self, i: usize, local: &mut LocalState, operation: &Operation, result: &WriteResult) {
        if !self.multi_write(i) {
            return;
        }
        if let WriteResult::Stored(revision) = result {
            sync::rebase(&mut local.pending, operation, *revision);
        }
        if self.controllers[i].observe(operation, result, local) == Reaction::EndSync {
            local.pending.clear();
        }
    }

    /// Controller `i` commits the next write of its sync under way ([`Action::Continue`]),
    /// onto the latest revision, as made from the sync's read; `None` when no sync is under
    /// way. A write that fails its live re-check (podgc's `checkIfNodeExists`) is not sent
    /// and the sync goes on.
    pub fn continue_sync(&self, state: &SystemState, i: usize) -> Option<Transition> {
        let before = &state.locals[i];
        let (operation, rest) = before.pending.split_first()?;
        let mut local = LocalState::clone(before);
        local.pending = rest.to_vec();
        let read = before
            .session
            .read
            .clone()
            .unwrap_or(Read::At(state.history.latest()));
        let mut history = state.history.clone();
        let outcome = if !self.passes_live_check(i, operation, state) {
            Outcome::Local
        } else {
            let change = Change {
                operation,
                read: &read,
                read_kinds: std::iter::once(operation.kind()).collect(),
                mode: self.config.commit,
            };
            match history.commit(&change) {
                Ok(revision) => {
                    local.session.last_write = Some(revision);
                    self.remember_write(i, &mut local, operation, revision, &history);
                    self.hear(i, &mut local, operation, &WriteResult::Stored(revision));
                    Outcome::Wrote {
                        operation: operation.clone(),
                        revision,
                    }
                }
                Err(reason) => {
                    self.hear(
                        i,
                        &mut local,
                        operation,
                        &WriteResult::of_rejection(&reason),
                    );
                    Outcome::Rejected {
                        operation: operation.clone(),
                        reason,
                    }
                }
            }
        };
        let mut locals = state.locals.clone();
        locals[i] = Arc::new(local);
        Some(Transition {
            action: Action::Continue { controller: i },
            outcome,
            next: SystemState {
                history,
                locals,
                env_used: state.env_used.clone(),
            },
        })
    }

    /// Whether controller `i`'s write passes its live re-check at the latest revision (podgc's
    /// `checkIfNodeExists`), when it has one and the guard `podgc-live-node-check` is on.
    fn passes_live_check(&self, i: usize, operation: &Operation, state: &SystemState) -> bool {
        match self.registrations[i].live_check {
            Some(check) if self.config.guards.podgc_live_node_check => {
                check(operation, &state.history.latest_state())
            }
            _ => true,
        }
    }

    /// Records a controller's accepted write in its expectations and staleness guard.
    fn remember_write(
        &self,
        i: usize,
        local: &mut LocalState,
        operation: &Operation,
        revision: Revision,
        history: &AnyHistory,
    ) {
        record_write(
            self.registrations[i],
            &self.config.guards,
            local,
            operation,
            revision,
            &|| history.latest_state(),
        );
    }
}

/// Records a controller's accepted write, committed at `revision`, in its expectations and
/// staleness guard (as configured by `guards`); `latest` gives the state written (for the
/// StatefulSet that selects an unowned PersistentVolumeClaim). The same bookkeeping the model's
/// steps do, public so that a deployed controller keeps it alike.
pub fn record_write(
    registration: &Registration,
    guards: &crate::model::config::Guards,
    local: &mut LocalState,
    operation: &Operation,
    revision: Revision,
    latest: &dyn Fn() -> StateView,
) {
    let expectations = registration.expectations && guards.expectations;
    let staleness_guard =
        guards.staleness_guard_of(registration.kind, !registration.staleness_guard.is_empty());
    let object = operation.object();
    let guarded = staleness_guard && registration.staleness_guard.contains(&object.kind());
    let expected = expectations && object.kind() == Kind::Pod;
    if !guarded && !expected {
        return;
    }
    let Some(key) = owner_key(object, latest) else {
        return;
    };
    if guarded {
        local
            .written
            .entry(key.clone())
            .or_default()
            .insert(object.kind(), revision);
    }
    if expected {
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

/// Drops the expectations and staleness-guard entries that what a step reads shows fulfilled:
/// created pods it sees, deleted pods it sees gone or terminating, written kinds it sees at or
/// past the write.
pub fn forget_observed(local: &mut LocalState, read: &Read, state: &StateView) {
    let created_seen = |name: &String| state.pods.contains(name);
    let deleted_seen = |uid: &String| {
        !state
            .pods
            .iter()
            .any(|p| p.metadata.uid == *uid && !p.metadata.is_terminating())
    };
    let write_seen =
        |kind: &Kind, at: &Revision| read.revision_of(*kind).unwrap_or(read.newest()) >= *at;
    // Look before changing: the maps are shared with the state before, and changing one copies it.
    if local
        .expectations
        .values()
        .any(|e| e.creations.iter().any(created_seen) || e.deletions.iter().any(deleted_seen))
    {
        local.expectations.retain(|_, e| {
            e.creations.retain(|name| !created_seen(name));
            e.deletions.retain(|uid| !deleted_seen(uid));
            !e.creations.is_empty() || !e.deletions.is_empty()
        });
    }
    if local
        .written
        .values()
        .any(|kinds| kinds.iter().any(|(kind, at)| write_seen(kind, at)))
    {
        local.written.retain(|_, kinds| {
            kinds.retain(|kind, at| !write_seen(kind, at));
            !kinds.is_empty()
        });
    }
}

/// Atomic commit mode for a step that writes nothing but changes its controller's local state
/// (a node starting a container): it still commits only if every kind it read is unchanged in
/// the latest revision.
fn reads_are_fresh(kinds_read: KindSet, read_state: &StateView, latest: &StateView) -> bool {
    kinds_read
        .iter()
        .all(|kind| read_state.same_kind(latest, kind))
}

/// The owner a write is for, as `Kind/name`: the written object's controller, or, for an
/// object no controller owns (a StatefulSet's PersistentVolumeClaim, retained by default), the
/// StatefulSet whose selector selects it (in the latest revision, the one written).
fn owner_key(object: &Object, latest: &dyn Fn() -> StateView) -> Option<String> {
    if let Some(owner) = object.metadata().controller_ref() {
        return Some(format!("{}/{}", owner.kind, owner.name));
    }
    if object.kind() != Kind::PersistentVolumeClaim {
        return None;
    }
    latest()
        .statefulsets
        .iter()
        .find(|s| s.spec.selector.matches(&object.metadata().labels))
        .map(|s| format!("StatefulSet/{}", s.metadata.name))
}
