//! What a controller reads: one revision, a causal merge of concurrent revisions, or one
//! revision per kind (informer caches); and the session a reader carries.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::resources::{Kind, Revision};

/// The revisions a read is made of.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Read {
    /// The whole state at one revision.
    At(Revision),
    /// The last-writer-wins merge of mutually concurrent revisions (causal history), sorted.
    Merge(Vec<Revision>),
    /// Each kind at its own revision, in [`Kind::ALL`] order (a controller's informer caches).
    PerKind([Revision; Kind::COUNT]),
}

impl Read {
    /// A merge read from any set of revisions (one revision gives [`Read::At`]).
    pub fn merge(mut revisions: Vec<Revision>) -> Read {
        revisions.sort_unstable();
        revisions.dedup();
        if revisions.len() == 1 {
            Read::At(revisions[0])
        } else {
            Read::Merge(revisions)
        }
    }

    /// The revisions the read is made of, sorted and distinct.
    pub fn revisions(&self) -> Vec<Revision> {
        match self {
            Read::At(r) => vec![*r],
            Read::Merge(rs) => rs.clone(),
            Read::PerKind(rs) => {
                let mut v = rs.to_vec();
                v.sort_unstable();
                v.dedup();
                v
            }
        }
    }

    /// The newest revision in the read.
    pub fn newest(&self) -> Revision {
        match self {
            Read::At(r) => *r,
            Read::Merge(rs) => rs.iter().copied().max().unwrap_or(0),
            Read::PerKind(rs) => rs.iter().copied().max().unwrap_or(0),
        }
    }

    /// The oldest revision in the read.
    pub fn oldest(&self) -> Revision {
        match self {
            Read::At(r) => *r,
            Read::Merge(rs) => rs.iter().copied().min().unwrap_or(0),
            Read::PerKind(rs) => rs.iter().copied().min().unwrap_or(0),
        }
    }

    /// The revision the read takes `kind` from, for reads of one revision per kind; for a merge,
    /// `None` (the kind is merged from several).
    pub fn revision_of(&self, kind: Kind) -> Option<Revision> {
        match self {
            Read::At(r) => Some(*r),
            Read::Merge(_) => None,
            Read::PerKind(rs) => Some(rs[kind.index()]),
        }
    }
}

impl fmt::Display for Read {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Read::At(r) => write!(f, "r{r}"),
            Read::Merge(rs) => {
                let parts: Vec<String> = rs.iter().map(|r| format!("r{r}")).collect();
                write!(f, "{{{}}}", parts.join(","))
            }
            Read::PerKind(rs) => {
                let parts: Vec<String> = Kind::ALL
                    .iter()
                    .zip(rs)
                    .map(|(k, r)| format!("{}@r{r}", k.plural()))
                    .collect();
                write!(f, "[{}]", parts.join(" "))
            }
        }
    }
}

/// A reader's session: what it last read and, for read-your-writes, its last accepted write.
/// Lost on restart.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// The last read, if any since the start.
    pub read: Option<Read>,
    /// The revision of the reader's last accepted write.
    pub last_write: Option<Revision>,
}

impl Session {
    /// A session that has read `read`.
    pub fn at(read: Read) -> Self {
        Session {
            read: Some(read),
            last_write: None,
        }
    }
}
