//! One deployed controller: a tokio task owning its informer caches and its local state,
//! stepping the registered controller's code on a view of its caches and writing through the
//! API server. It obeys commands sent on a channel (see the module doc of `runtime`).

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

use super::apiserver::{Accepted, ApiError, ApiServer};
use super::informer::Informer;
use crate::model::config::{Guards, Syncs};
use crate::model::controllers::sync::{rebase, sync_writes};
use crate::model::controllers::{
    Controller, ControllerSpec, LocalState, Reaction, Registration, WriteResult,
};
use crate::model::history::Read;
use crate::model::operation::Operation;
use crate::model::resources::{Kind, Revision};
use crate::model::state::StateView;
use crate::model::system::{forget_observed, record_write};
use crate::model::view::View;
use crate::store::{At, Scope, StoreError};

/// Why a task could not do what it was asked.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TaskError {
    /// A cache could not be positioned or listed.
    #[error("{controller}: {kind} cache: {source}")]
    Cache {
        /// The controller.
        controller: String,
        /// The kind.
        kind: &'static str,
        /// What the store said.
        source: StoreError,
    },
    /// A read the task cannot serve from its caches (a causal merge: the replay materialises
    /// merges first).
    #[error("{controller}: cannot read {read} from informer caches")]
    Unservable {
        /// The controller.
        controller: String,
        /// The read.
        read: Read,
    },
    /// The task is gone (it panicked or was stopped).
    #[error("{0}: the controller task has stopped")]
    Gone(String),
    /// A continue with no sync under way.
    #[error("{0}: no sync under way")]
    NoSyncUnderWay(String),
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// What the step read, in store revisions.
    pub read: Read,
    /// The operation the controller returned, if any.
    pub operation: Option<Operation>,
    /// What the API server said about it (`None`: nothing was sent).
    pub applied: Option<Result<Accepted, ApiError>>,
    /// Whether the local state changed (besides the session).
    pub local_changed: bool,
    /// The alternative taken, and how many the view offered.
    pub choice: (usize, usize),
}

/// Which alternative a step takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    /// This one (a replay's recorded choice).
    Exactly(usize),
    /// One of those the view offers, by this number modulo their count (a free run picks at
    /// random among tied nodes, as a real scheduler does).
    Among(u64),
}

/// A change of a controller's local state made from outside (the environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocalChange {
    /// A node's running pod exited with this code.
    ExitContainer {
        /// The pod's name.
        pod: String,
        /// The exit code.
        exit_code: i32,
    },
    /// The controller's expectations expired (the 5-minute TTL).
    ExpireExpectations,
}

/// A command to a controller task.
#[derive(Debug)]
pub enum Command {
    /// Position every watched cache at `read`'s revision of its kind, step with alternative
    /// `choice`, commit, and report.
    Step {
        /// The read, in store revisions (one revision, or one per kind).
        read: Read,
        /// The alternative (0 for most steps).
        choice: Pick,
        /// Where the report goes.
        reply: oneshot::Sender<Result<StepReport, TaskError>>,
    },
    /// Position one cache at a revision (an informer delivery, or a LIST into an empty cache).
    Position {
        /// The kind.
        kind: Kind,
        /// The store revision.
        revision: Revision,
        /// Done.
        reply: oneshot::Sender<Result<(), TaskError>>,
    },
    /// Lose the local state and the caches, as a restarted process does.
    Restart {
        /// Done.
        reply: oneshot::Sender<()>,
    },
    /// Change the local state from outside.
    Local {
        /// The change.
        change: LocalChange,
        /// Whether it applied (the pod is running on this node; there were expectations).
        reply: oneshot::Sender<bool>,
    },
    /// Under multi-write syncs: commit the next write of the sync under way and report (its
    /// read is the sync's); an error when no sync is under way.
    Continue {
        /// Where the report goes.
        reply: oneshot::Sender<Result<StepReport, TaskError>>,
    },
    /// Run freely: follow every cache and step at the latest cached read after each change,
    /// until the next command arrives.
    Run,
}

/// What a task is made of.
pub struct TaskSpec {
    /// The instance, as the model configures it.
    pub spec: ControllerSpec,
    /// Its registration (from `controllers::REGISTRY`, or a test's own list).
    pub registration: &'static Registration,
    /// The model's guards (expectations, staleness guard).
    pub guards: Guards,
    /// The model's syncs: under multi-write a step commits its sync's first write and keeps the
    /// rest, each committed by [`Command::Continue`] (free running: one after another), its
    /// result fed back to the controller.
    pub syncs: Syncs,
    /// Where it writes (and whose store its caches read).
    pub api: ApiServer,
}

/// The handle of a running controller task. Dropping it ends the task.
pub struct TaskHandle {
    name: String,
    commands: mpsc::Sender<Command>,
    join: tokio::task::JoinHandle<()>,
}

impl TaskHandle {
    /// Spawns the task on the current tokio runtime.
    pub fn spawn(spec: TaskSpec) -> TaskHandle {
        let name = spec.spec.name.clone();
        let (commands, inbox) = mpsc::channel(16);
        let task = Task::new(spec);
        let join = tokio::spawn(task.serve(inbox));
        TaskHandle {
            name,
            commands,
            join,
        }
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.name
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, TaskError> {
        let (reply, answer) = oneshot::channel();
        let gone = || TaskError::Gone(self.name.clone());
        self.commands.send(make(reply)).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())
    }

    /// One step from `read` (store revisions) taking alternative `choice`.
    pub async fn step(&self, read: Read, choice: usize) -> Result<StepReport, TaskError> {
        self.step_picking(read, Pick::Exactly(choice)).await
    }

    /// One step from `read` (store revisions) taking the alternative `pick` names.
    pub async fn step_picking(&self, read: Read, pick: Pick) -> Result<StepReport, TaskError> {
        self.ask(|reply| Command::Step {
            read,
            choice: pick,
            reply,
        })
        .await?
    }

    /// Positions the cache of `kind` at `revision`.
    pub async fn position(&self, kind: Kind, revision: Revision) -> Result<(), TaskError> {
        self.ask(|reply| Command::Position {
            kind,
            revision,
            reply,
        })
        .await?
    }

    /// Restarts the controller: local state and caches lost.
    pub async fn restart(&self) -> Result<(), TaskError> {
        self.ask(|reply| Command::Restart { reply }).await
    }

    /// Changes the local state from outside; whether it applied.
    pub async fn local(&self, change: LocalChange) -> Result<bool, TaskError> {
        self.ask(|reply| Command::Local { change, reply }).await
    }

    /// Commits the next write of the sync under way (multi-write syncs).
    pub async fn continue_sync(&self) -> Result<StepReport, TaskError> {
        self.ask(|reply| Command::Continue { reply }).await?
    }

    /// Lets the task run freely until the next command.
    pub async fn run(&self) -> Result<(), TaskError> {
        self.commands
            .send(Command::Run)
            .await
            .map_err(|_| TaskError::Gone(self.name.clone()))
    }
}

impl Drop for TaskHandle {
    fn drop(&mut self) {
        self.join.abort();
    }
}

struct Task {
    spec: ControllerSpec,
    registration: &'static Registration,
    controller: Box<dyn Controller>,
    guards: Guards,
    syncs: Syncs,
    api: ApiServer,
    local: LocalState,
    caches: Vec<Informer>,
}

impl Task {
    fn new(spec: TaskSpec) -> Task {
        let store = spec.api.store().clone();
        let caches = spec
            .registration
            .watches
            .iter()
            .map(|&kind| Informer::new(store.clone(), kind))
            .collect();
        Task {
            controller: (spec.registration.build)(&spec.spec),
            spec: spec.spec,
            registration: spec.registration,
            guards: spec.guards,
            syncs: spec.syncs,
            api: spec.api,
            local: LocalState::default(),
            caches,
        }
    }

    async fn serve(mut self, mut inbox: mpsc::Receiver<Command>) {
        let mut next = None;
        loop {
            let command = match next.take() {
                Some(command) => command,
                None => match inbox.recv().await {
                    Some(command) => command,
                    None => return,
                },
            };
            match command {
                Command::Step {
                    read,
                    choice,
                    reply,
                } => {
                    let _ = reply.send(self.step(read, choice).await);
                }
                Command::Position {
                    kind,
                    revision,
                    reply,
                } => {
                    let _ = reply.send(self.position(kind, revision).await);
                }
                Command::Continue { reply } => {
                    let _ = reply.send(self.continue_sync().await);
                }
                Command::Restart { reply } => {
                    self.restart();
                    let _ = reply.send(());
                }
                Command::Local { change, reply } => {
                    let _ = reply.send(self.change_local(change));
                }
                Command::Run => {
                    tokio::select! {
                        command = inbox.recv() => match command {
                            Some(command) => next = Some(command),
                            None => return,
                        },
                        () = self.run() => {}
                    }
                }
            }
        }
    }

    fn cache_error(&self, kind: Kind, source: StoreError) -> TaskError {
        TaskError::Cache {
            controller: self.spec.name.clone(),
            kind: kind.plural(),
            source,
        }
    }

    async fn position(&mut self, kind: Kind, revision: Revision) -> Result<(), TaskError> {
        let Some(i) = self.caches.iter().position(|c| c.kind() == kind) else {
            return Ok(());
        };
        let result = self.caches[i].position(revision).await;
        result.map_err(|e| self.cache_error(kind, e))?;
        self.local.caches[kind.index()] = Some(revision);
        Ok(())
    }

    fn restart(&mut self) {
        self.local = LocalState::default();
        for cache in &mut self.caches {
            cache.forget();
        }
    }

    fn change_local(&mut self, change: LocalChange) -> bool {
        match change {
            LocalChange::ExitContainer { pod, exit_code } => {
                match self.local.running.get_mut(&pod) {
                    Some(running) => {
                        running.exit_code = Some(exit_code);
                        true
                    }
                    None => false,
                }
            }
            LocalChange::ExpireExpectations => {
                let had = !self.local.expectations.is_empty();
                self.local.expectations = Default::default();
                had
            }
        }
    }

    /// The view of the caches as they stand, with `read` as its read.
    fn view(&self, read: Read) -> View {
        let objects = self.caches.iter().flat_map(|c| c.objects().cloned());
        View::new(StateView::from_objects(objects), read)
    }

    async fn step(&mut self, read: Read, pick: Pick) -> Result<StepReport, TaskError> {
        if matches!(read, Read::Merge(_)) {
            return Err(TaskError::Unservable {
                controller: self.spec.name.clone(),
                read,
            });
        }
        for kind in self.registration.watches {
            let at = read.revision_of(*kind).unwrap_or(read.newest());
            self.position(*kind, at).await?;
        }
        // The model's decide: expectations seen fulfilled are dropped, the caches stand at the
        // read (informer reads), then the controller's own code steps.
        let view = self.view(read.clone());
        let before = self.local.clone();
        let mut local = self.local.clone();
        forget_observed(&mut local, &read, view.unrecorded_state());
        let (choice, alternatives) = match pick {
            Pick::Exactly(choice) => (choice, None),
            Pick::Among(n) => {
                // Controllers are pure: asking once for the count changes nothing.
                let (_, count) = self.controller.step_choosing(&view, &mut local.clone(), 0);
                let count = count.max(1);
                (usize::try_from(n % count as u64).unwrap_or(0), Some(count))
            }
        };
        let (operation, offered) = self.controller.step_choosing(&view, &mut local, choice);
        let alternatives = alternatives.unwrap_or(offered);
        local.session.read = Some(read.clone());
        if let Some(first) = operation.as_ref().filter(|_| self.multi_write()) {
            local.pending =
                sync_writes(&*self.controller, &view, &local, first.clone()).0[1..].to_vec();
        }
        let applied = match &operation {
            None => None,
            Some(operation) => Some(send(self.sender(), &mut local, operation).await),
        };
        let local_changed = !local.same_apart_from_session(&before);
        self.local = local;
        Ok(StepReport {
            read,
            operation,
            applied,
            local_changed,
            choice: (choice, alternatives),
        })
    }
}

impl Task {
    /// Whether this controller's syncs are multi-write.
    fn multi_write(&self) -> bool {
        self.syncs == Syncs::MultiWrite && !self.controller.single_write()
    }

    /// What [`send`] needs of this task (no informer: those are not `Sync`).
    fn sender(&self) -> Sender<'_> {
        Sender {
            api: &self.api,
            registration: self.registration,
            guards: &self.guards,
            controller: &*self.controller,
            multi_write: self.multi_write(),
        }
    }

    /// Commits the next write of the sync under way.
    async fn continue_sync(&mut self) -> Result<StepReport, TaskError> {
        let mut local = self.local.clone();
        if local.pending.is_empty() {
            return Err(TaskError::NoSyncUnderWay(self.spec.name.clone()));
        }
        let operation = local.pending.remove(0);
        let read = local
            .session
            .read
            .clone()
            .unwrap_or(Read::At(Revision::default()));
        let applied = Some(send(self.sender(), &mut local, &operation).await);
        self.local = local;
        Ok(StepReport {
            read,
            operation: Some(operation),
            applied,
            local_changed: true,
            choice: (0, 1),
        })
    }
}

/// What sending a write needs of its task.
struct Sender<'a> {
    api: &'a ApiServer,
    registration: &'static Registration,
    guards: &'a Guards,
    controller: &'a dyn Controller,
    multi_write: bool,
}

/// Sends one write, keeps the model's bookkeeping of an accepted one, and, under multi-write
/// syncs, feeds its result back to the controller (an error ends the sync).
async fn send(
    task: Sender<'_>,
    local: &mut LocalState,
    operation: &Operation,
) -> Result<Accepted, ApiError> {
    let result = task.api.apply(operation).await;
    if let Ok(accepted) = &result {
        local.session.last_write = Some(accepted.revision);
        let latest = latest_statefulsets(task.api, operation).await;
        let named = named_as_accepted(operation, accepted);
        record_write(
            task.registration,
            task.guards,
            local,
            &named,
            accepted.revision,
            &|| latest.clone(),
        );
    }
    if task.multi_write {
        let heard = match &result {
            Ok(accepted) => {
                rebase(&mut local.pending, operation, accepted.revision);
                WriteResult::Stored(accepted.revision)
            }
            Err(ApiError::Rejected(error)) => WriteResult::of_error(error),
            Err(other) => WriteResult::Invalid(other.to_string()),
        };
        if task.controller.observe(operation, &heard, local) == Reaction::EndSync {
            local.pending.clear();
        }
    }
    result
}

/// The operation with the name the API server gave (a name from generateName), so that the
/// bookkeeping expects the pod the store holds.
fn named_as_accepted(operation: &Operation, accepted: &Accepted) -> Operation {
    let mut operation = operation.clone();
    if let (Operation::Create(object), Some(stored)) = (&mut operation, &accepted.object)
        && object.metadata().name.is_empty()
    {
        object.metadata_mut().name = stored.metadata().name.clone();
    }
    operation
}

/// The StatefulSets at the latest revision, for a write whose owner the bookkeeping finds by
/// selector (an unowned PersistentVolumeClaim); empty otherwise.
async fn latest_statefulsets(api: &ApiServer, operation: &Operation) -> StateView {
    let object = operation.object();
    if object.kind() != Kind::PersistentVolumeClaim || object.metadata().controller_ref().is_some()
    {
        return StateView::new();
    }
    match api
        .store()
        .list(Scope::Kind(Kind::StatefulSet), At::Latest)
        .await
    {
        Ok(read) => StateView::from_objects(read.value.into_iter().map(|s| s.object)),
        Err(_) => StateView::new(),
    }
}

impl Task {
    /// Free running: follow the caches, and after each change step from the caches as they
    /// stand (the newest revision each has), as a controller-manager's worker does. Ends only
    /// when cancelled (the next command) or when a cache fails for good.
    async fn run(&mut self) {
        loop {
            for i in 0..self.caches.len() {
                if self.caches[i].revision().is_none() && self.caches[i].follow().await.is_err() {
                    return;
                }
            }
            let mut revisions = [0; Kind::COUNT];
            let newest = self
                .caches
                .iter()
                .filter_map(|c| c.revision())
                .max()
                .unwrap_or(0);
            for (i, r) in revisions.iter_mut().enumerate() {
                *r = self
                    .caches
                    .iter()
                    .find(|c| c.kind() == Kind::ALL[i])
                    .and_then(|c| c.revision())
                    .unwrap_or(newest);
            }
            if self
                .step(Read::PerKind(revisions), Pick::Exactly(0))
                .await
                .is_err()
            {
                return;
            }
            // A multi-write sync's writes go one after another, each result heard.
            while !self.local.pending.is_empty() {
                if self.continue_sync().await.is_err() {
                    return;
                }
            }
            if self.caches.is_empty() {
                return;
            }
            // Wait for the next change any cache sees.
            let followed = {
                let futures = self.caches.iter_mut().map(|c| Box::pin(c.follow()));
                futures_select_first(futures).await
            };
            if followed.is_err() {
                return;
            }
        }
    }
}

/// The first of several futures to finish (the others are dropped, cancelling them).
async fn futures_select_first<F, T>(futures: impl Iterator<Item = F>) -> T
where
    F: std::future::Future<Output = T> + Unpin,
{
    let mut futures: Vec<F> = futures.collect();
    std::future::poll_fn(move |cx| {
        for f in futures.iter_mut() {
            if let std::task::Poll::Ready(v) = std::pin::Pin::new(f).poll(cx) {
                return std::task::Poll::Ready(v);
            }
        }
        std::task::Poll::Pending
    })
    .await
}

impl std::fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskHandle")
            .field("name", &self.name)
            .finish()
    }
}

/// Every task of a model's controllers, in configuration order, built from `registry`.
pub fn spawn_all(
    controllers: &[ControllerSpec],
    registry: &'static [Registration],
    guards: &Guards,
    syncs: Syncs,
    api: &ApiServer,
) -> Result<Vec<TaskHandle>, String> {
    controllers
        .iter()
        .map(|spec| {
            let registration = registry
                .iter()
                .find(|r| r.kind == spec.kind)
                .ok_or_else(|| format!("controller {}: unknown kind `{}`", spec.name, spec.kind))?;
            Ok(TaskHandle::spawn(TaskSpec {
                spec: spec.clone(),
                registration,
                guards: guards.clone(),
                syncs,
                api: api.clone(),
            }))
        })
        .collect()
}
