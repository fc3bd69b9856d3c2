//! How much of a Kubernetes sync one controller step is: `syncs: one-write | multi-write`.

use serde::{Deserialize, Serialize};

/// How a controller's sync is modelled.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Syncs {
    /// One step is one read and at most one write; a rejected write is dropped and the next
    /// step reads afresh. Coarser than Kubernetes: a sync's later writes are always made from
    /// a new read, and no restart can fall between two writes of one sync. The default, and
    /// the abstraction of every model written before multi-write syncs.
    #[default]
    OneWrite,
    /// Kubernetes' own: a sync issues every write it decides from its one read, committed one
    /// by one (each a step of its own, other actions in between), the controller seeing each
    /// write's result before the next; an error ends the sync, a restart loses its rest.
    MultiWrite,
}

impl Syncs {
    /// Every setting, in the order help lists them.
    pub const ALL: [Syncs; 2] = [Syncs::OneWrite, Syncs::MultiWrite];

    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Syncs::OneWrite => "one-write",
            Syncs::MultiWrite => "multi-write",
        }
    }

    /// Reads a name.
    pub fn parse(name: &str) -> Result<Syncs, String> {
        Syncs::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| format!("unknown syncs `{name}` (known: one-write, multi-write)"))
    }

    /// Whether this is the default (left out of traces then).
    pub fn is_one_write(&self) -> bool {
        *self == Syncs::OneWrite
    }
}
