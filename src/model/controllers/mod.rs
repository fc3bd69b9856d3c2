//! Controllers: each is a level-triggered `step(view, &mut local) -> Option<Operation>`, pure
//! and deterministic, in one file. [`REGISTRY`] is the one place a controller kind is named;
//! the checker, the explorer, replay and deployment all iterate it.

pub mod deployment;
pub mod job;
mod local;
pub mod node;
pub mod podgc;
pub mod replicaset;
pub mod scheduler;
pub mod statefulset;
pub mod sync;
#[cfg(test)]
mod sync_tests;
pub mod util;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use local::{Expectations, LocalState, RunningPod};
pub use sync::{Reaction, WriteResult};

use super::operation::Operation;
use super::resources::{Kind, Quantity, Taint};
use super::view::View;

/// A controller: one step of reconciliation from what it is shown.
pub trait Controller: Send + Sync + std::fmt::Debug {
    /// Decides from the whole view (never from why it was woken) what to write next, if
    /// anything, and updates its local state.
    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation>;

    /// Steps taking alternative `choice`, and says how many alternatives this view offers,
    /// each its own action: the nodes a scheduler finds tied for best (the real one picks
    /// among them at random). Alternative 0 is [`Controller::step`], the only one unless a
    /// controller overrides this; a choice past the last gives no operation.
    fn step_choosing(
        &self,
        view: &View,
        local: &mut LocalState,
        choice: usize,
    ) -> (Option<Operation>, usize) {
        let operation = if choice == 0 {
            self.step(view, local)
        } else {
            None
        };
        (operation, 1)
    }

    /// Hears the result of one of its writes (under `syncs: multi-write`), and says whether
    /// the rest of the sync goes on. Kubernetes' controllers all return on the first error
    /// ([`sync::default_reaction`]); the local state may be changed (bookkeeping of a failure).
    fn observe(
        &self,
        _write: &Operation,
        result: &WriteResult,
        _local: &mut LocalState,
    ) -> Reaction {
        sync::default_reaction(result)
    }

    /// Whether each sync issues one write at most, as Kubernetes' scheduler (one binding per
    /// `scheduleOne`) and kubelet (one status per pod sync) do: multi-write syncs leave such a
    /// controller as it is.
    fn single_write(&self) -> bool {
        false
    }
}

/// How a controller instance is configured in a model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ControllerSpec {
    /// The registered kind, e.g. `statefulset`.
    pub kind: String,
    /// The instance name, e.g. `node-1`.
    pub name: String,
    /// Node controllers: the machine they run.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub node: Option<NodeMachine>,
}

/// The machine a node controller runs: what it registers as its Node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NodeMachine {
    /// Capacity: `cpu`, `memory`, `pods`.
    #[serde(default)]
    pub capacity: BTreeMap<String, Quantity>,
    /// Labels of the Node.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Taints of the Node.
    #[serde(default)]
    pub taints: Vec<Taint>,
    /// Whether the Node registers as unschedulable.
    #[serde(default)]
    pub unschedulable: bool,
}

/// A registered controller kind.
pub struct Registration {
    /// The kind's name in model files, e.g. `statefulset`.
    pub kind: &'static str,
    /// What it does, in one line.
    pub summary: &'static str,
    /// The resource kinds it watches (one informer cache each).
    pub watches: &'static [Kind],
    /// Whether it runs a node (its restart also removes its Node).
    pub is_node: bool,
    /// Whether it keeps Kubernetes' ControllerExpectations for the pods it creates and deletes.
    pub expectations: bool,
    /// The kinds its KEP-5647 staleness guard tracks (empty: no guard).
    pub staleness_guard: &'static [Kind],
    /// A live re-check before it writes (a GET at the latest revision, as podgc's
    /// `checkIfNodeExists`): the write goes ahead only if this holds of the operation and the
    /// latest state. Applied when the guard `podgc-live-node-check` is on.
    pub live_check: Option<fn(&Operation, &crate::model::state::StateView) -> bool>,
    /// Builds an instance.
    pub build: fn(&ControllerSpec) -> Box<dyn Controller>,
}

/// Every controller kind. The only place a controller kind is named.
pub static REGISTRY: &[Registration] = &[
    scheduler::REGISTRATION,
    node::REGISTRATION,
    replicaset::REGISTRATION,
    deployment::REGISTRATION,
    statefulset::REGISTRATION,
    job::REGISTRATION,
    podgc::REGISTRATION,
];

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("kind", &self.kind)
            .finish()
    }
}

/// The registration of a controller kind by name.
pub fn registration(kind: &str) -> Option<&'static Registration> {
    REGISTRY.iter().find(|r| r.kind == kind)
}

/// The names of every registered kind.
pub fn kinds() -> Vec<&'static str> {
    REGISTRY.iter().map(|r| r.kind).collect()
}
