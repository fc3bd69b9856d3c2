//! A model's configuration: consistency, commit mode, controllers, environment rules,
//! properties, checker defaults and initial resources; the loader of model files
//! ([`parse_model`]) and its inverse ([`render_model`]). Pure: included files are read through
//! the caller's closure. The format is described in `models/README.md`:
//!
//! ```yaml
//! name: statefulset-stale-reads
//! consistency: resettable-session
//! controllers: {nodes: 2, scheduler: 1, statefulset: 1}
//! environment: [{restart-node: all, max: 1}]
//! properties: [P8]
//! resources: [{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: web}, spec: {}}]
//! ```
//!
//! Reading takes two passes. `file.rs` reads orchard's keys strictly and glances at each
//! resource's kind and name; `manifest.rs` then reads each manifest as the struct of its kind
//! through `serde_ignored`. `load/` gives the result meaning and checks it; `locate.rs` maps
//! positions to field paths and back, so every error names file, line, column and field.

mod error;
mod file;
pub mod guards;
pub mod limits;
mod load;
mod locate;
mod manifest;
mod render;
mod schema;
mod sniff;
pub mod syncs;
#[cfg(test)]
mod tests;

pub use error::{ConfigError, IgnoredField, Position, plain_message};
pub use guards::Guards;
pub use load::{LoadedModel, STRATEGIES, parse_model};
pub use render::render_model;
pub use sniff::{FileKind, sniff};
pub use syncs::Syncs;

use serde::{Deserialize, Serialize};

use super::controllers::ControllerSpec;
use super::environment::EnvironmentRule;
use super::history::{CommitMode, ConsistencySetting};
use super::resources::{Kind, Object};

/// A resolved model configuration, ready to build a [`crate::model::system::System`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
    /// The guards controllers keep against their own stale reads (a trace from before guards
    /// were recorded: the behaviour orchard had then).
    #[serde(default = "Guards::before_registry")]
    pub guards: Guards,
    /// Where runs start.
    #[serde(default)]
    pub start: Start,
    /// How a controller's sync is modelled (left out of traces when one-write).
    #[serde(default, skip_serializing_if = "Syncs::is_one_write")]
    pub syncs: Syncs,
}

/// Where a model's runs start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    /// The initial resources as written, every controller fresh.
    #[default]
    Initial,
    /// The cluster as it stands once every controller has run to a fixed point from the
    /// initial resources, reading the newest revision (deterministic): a running cluster.
    Settled,
}

impl Start {
    /// The name used in model files.
    pub fn name(self) -> &'static str {
        match self {
            Start::Initial => "initial",
            Start::Settled => "settled",
        }
    }
}

/// Checker defaults a model file may set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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

/// The first field of a manifest (as JSON) that is not in Kubernetes' schema of its kind, or
/// whose value is out of range, in key order: its path and the message (`unknown field; did
/// you mean spec.replicas?`).
pub fn manifest_error(kind: Kind, manifest: &serde_json::Value) -> Option<(String, String)> {
    let report = schema::check(kind, manifest);
    let unknown = report
        .unknown
        .first()
        .map(|u| (u.path.clone(), u.message("")));
    unknown.or_else(|| {
        report
            .invalid
            .first()
            .map(|i| (i.path.clone(), i.message.clone()))
    })
}

/// The path of the field at a 1-based line and column of a YAML or JSON text
/// (`steps[3].action.controller`), for an error that has only a position; empty when none.
pub fn field_at(text: &str, line: u32, column: u32) -> String {
    locate::Locator::new(text, 0).path_at(Position { line, column })
}

impl ModelConfig {
    /// One line saying what the model holds, e.g. for `orchard list`:
    /// `resettable-session, 4 controllers, 2 environment rules, 1 resource`.
    pub fn summary(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut out = self.consistency.to_string();
        if self.commit != CommitMode::default() {
            out.push_str(&format!(", {} commit", self.commit.name()));
        }
        if !self.syncs.is_one_write() {
            out.push_str(&format!(", {} syncs", self.syncs.name()));
        }
        out.push_str(&format!(
            ", {}, {}, {}",
            plural(self.controllers.len(), "controller"),
            plural(self.environment.len(), "environment rule"),
            plural(self.initial.len(), "resource"),
        ));
        out
    }

    /// The first sentence of the description (up to its first `. `), for one-line listings.
    pub fn headline(&self) -> &str {
        let text = self.description.trim();
        let end = text.find(". ").map(|i| i + 1).unwrap_or(text.len());
        &text[..end]
    }
}
