//! The replay against a store: the model's steps taken by deployed controller tasks, step by
//! step, each compared with the model.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::base::{Base, base_of, first_unservable, linear};
use super::diff::{FieldDiff, diff};
use super::map::RevisionMap;
use super::report::{Divergence, Report, StepRow};
use super::{ReplayTargetError, TargetKind};
use crate::explore::replay::replay;
use crate::explore::stop::Stop;
use crate::explore::trace::Trace;
use crate::model::config::Start;
use crate::model::controllers::Registration;
use crate::model::environment::EnvironmentAction;
use crate::model::history::{AnyHistory, Change, CommitMode, History, INITIAL_REVISION, Read};
use crate::model::operation::Operation;
use crate::model::properties::{self, PropertyKind};
use crate::model::resources::{Kind, KindSet, Object, Revision};
use crate::model::state::StateView;
use crate::model::system::{Action, Outcome, SETTLE_LIMIT, System, SystemState, Transition};
use crate::runtime::{ApiServer, LocalChange, TaskHandle, spawn_all};
use crate::store::{At, Key, Outcome as StoreOutcome, Scope, Store, Write};

/// What a replay needs besides the trace and the store.
pub struct Options {
    /// The controllers' registration list (`controllers::REGISTRY`; a test may give its own).
    pub registry: &'static [Registration],
    /// Deadline and cancel flag, asked between steps.
    pub stop: Stop,
    /// The trace file, for the report.
    pub origin: String,
    /// The command that reproduces the run, for the report.
    pub command: String,
}

/// A step to take: the state before it and the model's transition.
struct Planned {
    /// 1-based trace step; 0 for the settling of a settled start.
    step: usize,
    before: SystemState,
    transition: Transition,
}

/// Replays `trace` against `store` (empty) with the deployed controllers.
pub async fn replay_against(
    trace: &Trace,
    store: Arc<dyn Store>,
    kind: TargetKind,
    options: &Options,
) -> Result<Report, ReplayTargetError> {
    let replayed = replay(trace)?;
    let system = &replayed.system;
    if system.config().commit == CommitMode::Atomic {
        return Err(ReplayTargetError::Atomic);
    }
    let (fresh, planned) = plan(system, trace, &replayed.states, &options.stop)?;
    if kind == TargetKind::Etcd
        && let Some((step, why)) = first_unservable(
            &planned
                .iter()
                .map(|p| (p.step, &p.before, &p.transition))
                .collect::<Vec<_>>(),
        )
    {
        return Err(ReplayTargetError::Refused {
            step,
            target: store.describe(),
            why,
        });
    }
    let mut run = Run::start(system, store.clone(), kind, options.registry, &fresh).await?;
    let mut report = Report {
        trace: options.origin.clone(),
        target: format!("{} ({})", kind.name(), store.describe()),
        steps: Vec::new(),
        trace_steps: trace.steps.len(),
        divergence: None,
        property: trace.violation.property.clone(),
        violation_step: trace.violation.step,
        reproduced: false,
        command: options.command.clone(),
    };
    let load = run.compare(&fresh.latest(), fresh.history.latest()).await?;
    let loaded_matched = load.is_empty();
    report.steps.push(StepRow {
        step: 0,
        action: "load the initial resources".into(),
        model_revision: INITIAL_REVISION,
        store_revision: run.map.store(INITIAL_REVISION),
        matched: loaded_matched,
        first_difference: load.first().cloned(),
        note: None,
    });
    if !loaded_matched {
        report.divergence = Some(Divergence {
            step: 0,
            row: 0,
            fields: load,
        });
        return Ok(report);
    }
    // The target's own states, as a model state (its writes in a history of the model's level),
    // after the start and after each trace step: what the properties are judged on.
    let mut shadows: Vec<SystemState> = Vec::new();
    if planned.iter().all(|p| p.step > 0) {
        shadows.push(run.shadow_state(&fresh));
    }
    for p in &planned {
        if let Some(reason) = options.stop.reason() {
            return Err(ReplayTargetError::Stopped(reason));
        }
        let (row, fields) = run.take(system, p).await?;
        let diverged = !fields.is_empty();
        report.steps.push(row);
        if diverged {
            report.divergence = Some(Divergence {
                step: p.step,
                row: report.steps.len() - 1,
                fields,
            });
            return Ok(report);
        }
        let last_settling = p.step == 0
            && planned
                .get(report.steps.len() - 1)
                .is_none_or(|n| n.step > 0);
        if p.step > 0 || last_settling {
            shadows.push(run.shadow_state(&p.transition.next));
        }
    }
    report.reproduced = reproduced(system, trace, &shadows);
    Ok(report)
}

/// The settling steps of a settled start (from the fresh state) and the trace's steps, each
/// with the state before it.
fn plan(
    system: &System,
    trace: &Trace,
    states: &[SystemState],
    stop: &Stop,
) -> Result<(SystemState, Vec<Planned>), ReplayTargetError> {
    let mut config = system.config().clone();
    let settled = config.start == Start::Settled;
    config.start = Start::Initial;
    let fresh = System::new(config)
        .map_err(crate::explore::replay::ReplayError::from)?
        .initial();
    let mut planned = Vec::new();
    if settled {
        let (end, taken) = system.settle(fresh.clone(), SETTLE_LIMIT, &|| stop.should_stop());
        if let Some(reason) = stop.reason() {
            return Err(ReplayTargetError::Stopped(reason));
        }
        debug_assert_eq!(end, states[0]);
        let mut before = fresh.clone();
        for t in taken {
            let next = t.next.clone();
            planned.push(Planned {
                step: 0,
                before,
                transition: t,
            });
            before = next;
        }
    }
    for (i, step) in trace.steps.iter().enumerate() {
        let transition = system
            .take(&states[i], &step.action)
            .expect("the model replay took this step");
        planned.push(Planned {
            step: i + 1,
            before: states[i].clone(),
            transition,
        });
    }
    Ok((fresh, planned))
}

/// Whether the recorded property is violated on the target's states at the recorded step, as
/// the model replay judges it on the model's.
fn reproduced(system: &System, trace: &Trace, shadows: &[SystemState]) -> bool {
    let Some(property) = properties::by_id(&trace.violation.property) else {
        return false;
    };
    let Some(at) = shadows.get(trace.violation.step) else {
        return false;
    };
    let holds = (property.check)(system, at);
    match property.kind {
        PropertyKind::Always => !holds,
        PropertyKind::Sometimes => false,
        PropertyKind::Eventually => {
            system.transitions(at).is_empty()
                && !shadows[..=trace.violation.step]
                    .iter()
                    .any(|s| (property.check)(system, s))
        }
    }
}

/// Store revision -> model revision, as the API server's stamp reads it.
type Stamps = Arc<std::sync::Mutex<BTreeMap<Revision, Revision>>>;

/// A replay under way: the store, the tasks, the revision map and the target's history.
struct Run {
    store: Arc<dyn Store>,
    api: ApiServer,
    tasks: Vec<TaskHandle>,
    map: RevisionMap,
    /// Store revision -> the model revision its write is stamped with (shared with the API
    /// server).
    stamps: Stamps,
    shadow: AnyHistory,
    /// Whether branch bases are materialised (the memory store of `--against controllers`,
    /// under causal and optimistic-linear histories); never on etcd.
    materializes: bool,
}

impl Run {
    async fn start(
        system: &System,
        store: Arc<dyn Store>,
        kind: TargetKind,
        registry: &'static [Registration],
        fresh: &SystemState,
    ) -> Result<Run, ReplayTargetError> {
        let stamps: Stamps = Arc::default();
        let stamp = stamps.clone();
        let api = ApiServer::new(store.clone()).with_stamp(Arc::new(move |r| {
            stamp.lock().map_or(r, |m| m.get(&r).copied().unwrap_or(r))
        }));
        let predicted = store.revision().await? + 1;
        if let Ok(mut m) = stamps.lock() {
            m.insert(predicted, INITIAL_REVISION);
        }
        let loaded = api
            .load(system.config().initial.clone())
            .await
            .map_err(|e| ReplayTargetError::Load {
                target: store.describe(),
                reason: e.to_string(),
            })?;
        let mut map = RevisionMap::default();
        map.insert(INITIAL_REVISION, loaded);
        let config = system.config();
        let tasks = spawn_all(
            &config.controllers,
            registry,
            &config.guards,
            config.syncs,
            &api,
        )
        .map_err(ReplayTargetError::Registry)?;
        // Informer caches of a fresh model start listed at the first revision.
        if matches!(fresh.history, AnyHistory::Informer(_)) {
            for (i, local) in fresh.locals.iter().enumerate() {
                for kind in Kind::ALL {
                    if local.caches[kind.index()].is_some() {
                        tasks[i].position(kind, loaded).await?;
                    }
                }
            }
        }
        Ok(Run {
            store,
            api,
            stamps,
            tasks,
            map,
            shadow: fresh.history.clone(),
            materializes: kind == TargetKind::Controllers && !linear(&fresh.history),
        })
    }

    fn shadow_state(&self, model: &SystemState) -> SystemState {
        SystemState {
            history: self.shadow.clone(),
            locals: model.locals.clone(),
            env_used: model.env_used.clone(),
        }
    }

    /// The store's state at the store revision of `model_revision`, decoded, against `model`.
    async fn compare(
        &self,
        model: &StateView,
        model_revision: Revision,
    ) -> Result<Vec<FieldDiff>, ReplayTargetError> {
        let Some(at) = self.map.store(model_revision) else {
            return Ok(vec![FieldDiff {
                field: "revision".into(),
                model: format!("r{model_revision}").into(),
                target: serde_json::Value::Null,
            }]);
        };
        let read = self.store.list(Scope::All, At::Revision(at)).await?;
        let target = self
            .map
            .decode_state(read.value.into_iter().map(|s| s.object));
        Ok(diff(model, &target))
    }

    fn task(&self, system: &System, name: &str) -> Result<&TaskHandle, ReplayTargetError> {
        system
            .controller_index(name)
            .and_then(|i| self.tasks.get(i))
            .ok_or_else(|| ReplayTargetError::Registry(format!("no controller {name}")))
    }

    /// Takes one planned step on the target; the row and, when it diverged, every differing
    /// field.
    async fn take(
        &mut self,
        system: &System,
        p: &Planned,
    ) -> Result<(StepRow, Vec<FieldDiff>), ReplayTargetError> {
        let t = &p.transition;
        let mut note = None;
        let mut target_write: Option<(Operation, Revision)> = None;
        let mut target_rejected: Option<String> = None;
        let mut shadow_read = Read::At(self.shadow.latest());
        match &t.action {
            Action::Cache {
                controller,
                kind,
                revision,
            } => {
                let at = self.store_revision(*revision)?;
                self.tasks[*controller].position(*kind, at).await?;
            }
            Action::Step {
                controller,
                read,
                choice,
            } => {
                let served = self.serve(&p.before, &t.action, read, &mut note).await?;
                self.expect_write(&t.outcome).await?;
                let report = self.tasks[*controller].step(served, *choice).await?;
                match (report.operation, report.applied) {
                    (Some(op), Some(Ok(accepted))) => {
                        target_write = Some((op, accepted.revision));
                    }
                    (Some(op), Some(Err(e))) => target_rejected = Some(format!("{op}: {e}")),
                    _ => {}
                }
                shadow_read = read.clone();
            }
            Action::Continue { controller } => {
                self.expect_write(&t.outcome).await?;
                let report = self.tasks[*controller].continue_sync().await?;
                match (report.operation, report.applied) {
                    (Some(op), Some(Ok(accepted))) => {
                        target_write = Some((op, accepted.revision));
                    }
                    (Some(op), Some(Err(e))) => target_rejected = Some(format!("{op}: {e}")),
                    _ => {}
                }
            }
            Action::Environment { action, .. } => {
                if self.materializes
                    && let Some(base) = base_of(&p.before, &t.action)
                {
                    self.materialize(&base, p.before.history.latest(), &mut note)
                        .await?;
                }
                match action {
                    EnvironmentAction::RestartController { controller } => {
                        self.task(system, controller)?.restart().await?;
                    }
                    EnvironmentAction::RestartNode { node } => {
                        self.task(system, node)?.restart().await?;
                    }
                    EnvironmentAction::MarkContainers {
                        node,
                        pod,
                        exit_code,
                    } => {
                        let pod = self.store_pod_name(pod).await?;
                        self.task(system, node)?
                            .local(LocalChange::ExitContainer {
                                pod,
                                exit_code: *exit_code,
                            })
                            .await?;
                    }
                    EnvironmentAction::ExpireExpectations { controller } => {
                        self.task(system, controller)?
                            .local(LocalChange::ExpireExpectations)
                            .await?;
                    }
                    _ => {}
                }
                self.expect_write(&t.outcome).await?;
                if let Outcome::Wrote { operation, .. } = &t.outcome {
                    let sent = self.encode_operation(operation).await?;
                    match self.api.apply(&sent).await {
                        Ok(accepted) => target_write = Some((sent, accepted.revision)),
                        Err(e) => target_rejected = Some(format!("{sent}: {e}")),
                    }
                }
            }
        }
        let mut fields = Vec::new();
        match (&t.outcome, &target_write) {
            (Outcome::Wrote { revision, .. }, Some((_, at)))
                if self.map.store(*revision) != Some(*at) =>
            {
                self.map.remove_model(*revision);
                self.map.insert(*revision, *at);
            }
            (Outcome::Wrote { .. }, Some(_)) => {}
            (
                Outcome::Wrote {
                    operation,
                    revision,
                },
                None,
            ) => {
                self.map.remove_model(*revision);
                fields.push(FieldDiff {
                    field: "write".into(),
                    model: operation.to_string().into(),
                    target: target_rejected
                        .clone()
                        .unwrap_or_else(|| "no operation".into())
                        .into(),
                });
            }
            (outcome, Some((op, at))) => fields.push(FieldDiff {
                field: "write".into(),
                model: outcome.to_string().into(),
                target: format!("{} -> r{at}", self.map.decode_operation(op)).into(),
            }),
            _ => {}
        }
        if let Some((op, _)) = &target_write {
            let decoded = self.map.decode_operation(op);
            let change = Change {
                operation: &decoded,
                read: &shadow_read,
                read_kinds: KindSet::EMPTY,
                mode: CommitMode::Kubernetes,
            };
            // A write the model's rules reject on the target's own history is a divergence
            // the state comparison shows; the history keeps what it had.
            let _ = self.shadow.commit(&change);
        }
        let model_revision = t.next.history.latest();
        if fields.is_empty() {
            fields = self.compare(&t.next.latest(), model_revision).await?;
        }
        let row = StepRow {
            step: p.step,
            action: system.describe(&t.action),
            model_revision,
            store_revision: self.map.store(model_revision),
            matched: fields.is_empty(),
            first_difference: fields.first().cloned(),
            note,
        };
        Ok((row, fields))
    }

    /// Before a step the model says writes revision `n`: the target's write, at the next store
    /// revision, stands for `n` and is stamped with it.
    async fn expect_write(&mut self, outcome: &Outcome) -> Result<(), ReplayTargetError> {
        if let Outcome::Wrote { revision, .. } = outcome {
            let predicted = self.store.revision().await? + 1;
            self.map.insert(*revision, predicted);
            if let Ok(mut m) = self.stamps.lock() {
                m.insert(predicted, *revision);
            }
        }
        Ok(())
    }

    fn store_revision(&self, model: Revision) -> Result<Revision, ReplayTargetError> {
        self.map
            .store(model)
            .ok_or(ReplayTargetError::Unmapped(model))
    }

    /// The read a step makes, in store revisions, materialising its base first where the
    /// store's latest state is not it.
    async fn serve(
        &mut self,
        before: &SystemState,
        action: &Action,
        read: &Read,
        note: &mut Option<String>,
    ) -> Result<Read, ReplayTargetError> {
        if self.materializes
            && let Some(base) = base_of(before, action)
        {
            let at = self.materialize(&base, read.newest(), note).await?;
            if base.read_is_base {
                return Ok(Read::At(at));
            }
        }
        Ok(match read {
            Read::At(r) => Read::At(self.store_revision(*r)?),
            Read::PerKind(rs) => {
                let mut out = [0; Kind::COUNT];
                for (o, r) in out.iter_mut().zip(rs) {
                    *o = self.store_revision(*r)?;
                }
                Read::PerKind(out)
            }
            Read::Merge(_) => {
                return Err(ReplayTargetError::Refused {
                    step: 0,
                    target: self.store.describe(),
                    why: format!("reads {read}, a causal merge"),
                });
            }
        })
    }

    /// Makes the store's latest state `base` (model terms) by writing what differs, one key
    /// per commit; each rewritten object keeps its model resourceVersion in the map, and
    /// values made from these revisions read as `shown`. Returns the store revision that holds
    /// the base.
    async fn materialize(
        &mut self,
        base: &Base,
        shown: Revision,
        note: &mut Option<String>,
    ) -> Result<Revision, ReplayTargetError> {
        let latest = self.store.list(Scope::All, At::Latest).await?;
        let mut at = latest.revision;
        let current: BTreeMap<String, (Object, Revision, Key)> = latest
            .value
            .into_iter()
            .map(|s| {
                let decoded = self.map.decode(&s.object);
                (s.key.path(), (decoded, s.mod_revision, s.key))
            })
            .collect();
        let wanted: BTreeMap<String, Object> = base
            .state
            .objects()
            .into_iter()
            .map(|o| (Key::of(&self.map.encode(&o)).path(), o))
            .collect();
        let mut writes = Vec::new();
        for (path, object) in &wanted {
            match current.get(path) {
                Some((now, _, _)) if now == object => {}
                Some((_, expected, _)) => writes.push((
                    Write::Update {
                        object: self.map.encode(object),
                        expected: *expected,
                    },
                    object.metadata().resource_version,
                )),
                None => writes.push((Write::Create(self.map.encode(object)), 0)),
            }
        }
        for (path, (_, expected, key)) in &current {
            if !wanted.contains_key(path) {
                writes.push((
                    Write::Delete {
                        key: key.clone(),
                        expected: *expected,
                    },
                    0,
                ));
            }
        }
        let count = writes.len();
        for (write, model_version) in writes {
            let key = write.key();
            let create_version = match &write {
                Write::Create(o) => o.metadata().resource_version,
                _ => model_version,
            };
            match self.store.write(write).await? {
                StoreOutcome::Committed(r) => {
                    at = r;
                    self.map.insert_shown(r, shown);
                    let version = if model_version == 0 {
                        create_version
                    } else {
                        model_version
                    };
                    self.map.insert_version(&key, r, version);
                }
                StoreOutcome::Conflict(c) => {
                    return Err(ReplayTargetError::Materialize(format!(
                        "{}: changed under the replay",
                        c.key
                    )));
                }
            }
        }
        if count > 0 {
            *note = Some(format!(
                "{}: {count} key(s) rewritten, served at store r{at}",
                base.why
            ));
        }
        Ok(at)
    }

    /// The store's name of a pod the model names (generated names are made from revisions).
    async fn store_pod_name(&self, model_name: &str) -> Result<String, ReplayTargetError> {
        let pods = self.store.list(Scope::Kind(Kind::Pod), At::Latest).await?;
        Ok(pods
            .value
            .into_iter()
            .find(|s| self.map.decode(&s.object).metadata().name == model_name)
            .map_or_else(|| model_name.to_string(), |s| s.key.name))
    }

    /// An environment operation in store terms, its resourceVersion the key's mod revision now
    /// (the environment edits the latest state, as `kubectl edit` does).
    async fn encode_operation(
        &self,
        operation: &Operation,
    ) -> Result<Operation, ReplayTargetError> {
        let mut object = self.map.encode(operation.object());
        if let Some(stored) = self.store.get(&Key::of(&object), At::Latest).await?.value {
            object.metadata_mut().resource_version = stored.mod_revision;
        }
        Ok(with_object(operation, object))
    }
}

impl RevisionMap {
    /// A target's operation in the model's terms.
    pub fn decode_operation(&self, operation: &Operation) -> Operation {
        with_object(operation, self.decode(operation.object()))
    }
}

/// The same operation carrying another object.
fn with_object(operation: &Operation, object: Object) -> Operation {
    match operation {
        Operation::Create(_) => Operation::Create(object),
        Operation::Update(_) => Operation::Update(object),
        Operation::Delete(_) => Operation::Delete(object),
        Operation::ForceDelete(_) => Operation::ForceDelete(object),
    }
}
