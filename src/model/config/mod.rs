//! A model's configuration: consistency, commit mode, controllers, environment rules,
//! properties, checker defaults and initial resources.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::controllers::ControllerSpec;
use super::environment::EnvironmentRule;
use super::history::{CommitMode, ConsistencySetting};
use super::resources::Object;

/// A resolved model configuration, ready to build a [`crate::model::system::System`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelConfig {
    /// The model's name.
    pub name: String,
    /// What the model shows.
    pub description: String,
    /// The consistency setting.
    pub consistency: ConsistencySetting,
    /// The commit mode.
    pub commit: CommitMode,
    /// The controller instances, in the order actions list them.
    pub controllers: Vec<ControllerSpec>,
    /// The environment rules.
    pub environment: Vec<EnvironmentRule>,
    /// The property ids to check; empty means every registered property.
    pub properties: Vec<String>,
    /// Defaults for the checker.
    pub checker: CheckerDefaults,
    /// The initial resources.
    pub initial: Vec<Object>,
    /// The guards controllers keep against their own stale reads.
    #[serde(default)]
    pub guards: Guards,
}

/// The in-memory guards of Kubernetes controllers against stale caches (informer issue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Guards {
    /// ControllerExpectations in the controllers that keep them (replicaset, job).
    pub expectations: bool,
    /// The KEP-5647 staleness guard, per controller kind; a kind not listed keeps its
    /// registered default (on for replicaset, statefulset and job).
    pub staleness_guard: BTreeMap<String, bool>,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            expectations: true,
            staleness_guard: BTreeMap::new(),
        }
    }
}

impl Guards {
    /// Whether the staleness guard of controller kind `kind` is on, given its registered
    /// default.
    pub fn staleness_guard_of(&self, kind: &str, default: bool) -> bool {
        self.staleness_guard.get(kind).copied().unwrap_or(default)
    }
}

/// Checker defaults a model file may set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckerDefaults {
    /// `bfs`, `dfs` or `simulation`.
    pub strategy: String,
    /// The depth bound.
    pub max_depth: usize,
}

impl Default for CheckerDefaults {
    fn default() -> Self {
        CheckerDefaults {
            strategy: "bfs".into(),
            max_depth: 40,
        }
    }
}
