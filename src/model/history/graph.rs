//! The exported shape of a history, for the revision-DAG view and for tests.

use serde::{Deserialize, Serialize};

use super::read::Read;
use crate::model::resources::{Kind, Revision};

/// A history's revisions and edges, with what each reader may read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryGraph {
    /// The revisions, oldest first.
    pub nodes: Vec<GraphNode>,
    /// Revisions without successors.
    pub heads: Vec<Revision>,
    /// The newest revision a consistent reader sees (the leader's tip).
    pub latest: Revision,
    /// The commit point (optimistic linear): revisions after it on the leader's branch are
    /// not yet committed, and branches off the leader's are lost.
    pub commit_point: Option<Revision>,
    /// For each reader (a controller's name), the reads it may make now.
    pub readable: Vec<(String, Vec<Read>)>,
    /// Informer consistency: for each controller, the revision each of its caches stands at
    /// (kinds it has not listed since a restart are absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caches: Vec<(String, Vec<(Kind, Revision)>)>,
}

/// One revision of the history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphNode {
    /// The revision.
    pub revision: Revision,
    /// The revisions it was written on (several for a causal merge).
    pub parents: Vec<Revision>,
    /// Whether it is on a branch that can no longer commit (optimistic linear).
    pub lost: bool,
    /// The leader term it was written in (optimistic linear; 0 elsewhere).
    pub term: u32,
}
