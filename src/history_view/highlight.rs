//! What to light on the DAG: the revisions a reader may read now (and why), the revisions a
//! read reads, and a selected revision's parent edges.

use std::collections::BTreeMap;

use serde::Serialize;

use super::graph::DagGraph;
use crate::model::history::{Consistency, ConsistencySetting, Read};
use crate::model::resources::{Kind, Revision};

/// Why a revision is lit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "mark")]
pub enum Mark {
    /// The reader may read it now (alone or as part of a merge).
    Readable,
    /// The reader's session stands on it (its last read), and may read it.
    Session,
    /// The reader's last accepted write (read-your-writes: it never reads older).
    LastWrite,
    /// Informer: the reader's caches of these kinds stand at it.
    Cache {
        /// The kinds.
        kinds: Vec<Kind>,
    },
    /// The read being shown reads it.
    Read,
}

/// The lit revisions, each with its marks, and the revision whose parent edges are lit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlight {
    /// The marks of each lit revision.
    pub marks: BTreeMap<Revision, Vec<Mark>>,
    /// The selected revision: its edges to its parents are lit.
    pub selected: Option<Revision>,
}

impl Highlight {
    /// Nothing lit.
    pub fn none() -> Highlight {
        Highlight::default()
    }

    /// The revisions `reader` may read now: every revision of every read it may make (for a
    /// session level: the session revision's successors; under informer: where each cache
    /// stands, per kind), its session revision and, with read-your-writes, its last write.
    /// `None` for a reader the graph does not know.
    pub fn reader(graph: &DagGraph, reader: &str) -> Option<Highlight> {
        let (_, reads) = graph.readable.iter().find(|(n, _)| n == reader)?;
        let mut out = Highlight::default();
        for read in reads {
            for r in read.revisions() {
                out.add(r, Mark::Readable);
            }
        }
        if let Some((_, session)) = graph.sessions.iter().find(|(n, _)| n == reader) {
            if let Some(read) = &session.read {
                for r in read.revisions() {
                    out.add(r, Mark::Session);
                }
            }
            if let Some(w) = session.last_write {
                out.add(w, Mark::LastWrite);
            }
        }
        if let Some((_, caches)) = graph.caches.iter().find(|(n, _)| n == reader) {
            let mut by_revision: BTreeMap<Revision, Vec<Kind>> = BTreeMap::new();
            for &(kind, r) in caches {
                by_revision.entry(r).or_default().push(kind);
            }
            for (r, kinds) in by_revision {
                out.add(r, Mark::Cache { kinds });
            }
        }
        Some(out)
    }

    /// What an explorer lights for one of a reader's next actions: the revisions the reader
    /// may read now ([`Highlight::reader`]) and, marked [`Mark::Read`], the revisions the
    /// action reads (`reads`). `None` for a reader the graph does not know.
    pub fn action(graph: &DagGraph, reader: &str, reads: &[Revision]) -> Option<Highlight> {
        let mut out = Highlight::reader(graph, reader)?;
        for &r in reads {
            out.add(r, Mark::Read);
        }
        Some(out)
    }

    /// Leaves out the marks that mean nothing under `setting`: a session where reads do not
    /// start from one (synchronous reads the latest, informer its caches), a last write
    /// without read-your-writes (which alone makes it a floor).
    pub fn under(mut self, setting: ConsistencySetting) -> Highlight {
        let sessions = !matches!(
            setting.level,
            Consistency::Synchronous | Consistency::Informer
        );
        let last_write = setting.read_your_writes && setting.level.has_sessions();
        for marks in self.marks.values_mut() {
            marks.retain(|m| match m {
                Mark::Session => sessions,
                Mark::LastWrite => last_write,
                _ => true,
            });
        }
        self.marks.retain(|_, marks| !marks.is_empty());
        self
    }

    /// The revisions marked with `mark` (compared by kind: any [`Mark::Cache`] matches any),
    /// oldest first.
    pub fn marked(&self, mark: &Mark) -> Vec<Revision> {
        let same = |m: &Mark| std::mem::discriminant(m) == std::mem::discriminant(mark);
        self.marks
            .iter()
            .filter(|(_, ms)| ms.iter().any(same))
            .map(|(r, _)| *r)
            .collect()
    }

    /// What is lit, in one line: `readable r15..r16 · session r14 · read r15`, with informer
    /// caches as `pods cache r9`; empty when nothing is lit.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (mark, word) in [
            (Mark::Readable, "readable"),
            (Mark::Session, "session"),
            (Mark::LastWrite, "last write"),
        ] {
            let revisions = self.marked(&mark);
            if !revisions.is_empty() {
                parts.push(format!("{word} {}", ranges(&revisions)));
            }
        }
        for (r, marks) in &self.marks {
            for m in marks {
                if let Mark::Cache { kinds } = m {
                    let names: Vec<&str> = kinds.iter().map(|k| k.plural()).collect();
                    parts.push(format!("{} cache r{r}", names.join(",")));
                }
            }
        }
        let read = self.marked(&Mark::Read);
        if !read.is_empty() {
            parts.push(format!("read {}", ranges(&read)));
        }
        parts.join(" · ")
    }

    /// The revisions a read reads.
    pub fn read(read: &Read) -> Highlight {
        let mut out = Highlight::default();
        for r in read.revisions() {
            out.add(r, Mark::Read);
        }
        out
    }

    /// Selects a revision, lighting its parent edges.
    pub fn with_selected(mut self, revision: Option<Revision>) -> Highlight {
        self.selected = revision;
        self
    }

    /// Adds a mark to a revision (once).
    pub fn add(&mut self, revision: Revision, mark: Mark) {
        let marks = self.marks.entry(revision).or_default();
        if !marks.contains(&mark) {
            marks.push(mark);
        }
    }

    /// Whether a revision is lit.
    pub fn is_lit(&self, revision: Revision) -> bool {
        self.marks.contains_key(&revision)
    }

    /// The lit revisions the reader may read (every mark but a past session's own revision
    /// and a last write count, since a session level never re-reads its session revision).
    pub fn readable(&self) -> Vec<Revision> {
        self.marks
            .iter()
            .filter(|(_, m)| {
                m.iter()
                    .any(|m| matches!(m, Mark::Readable | Mark::Cache { .. } | Mark::Read))
            })
            .map(|(r, _)| *r)
            .collect()
    }
}

/// Sorted revisions as runs of consecutive numbers: `r1, r3..r5`.
fn ranges(revisions: &[Revision]) -> String {
    let mut runs: Vec<(Revision, Revision)> = Vec::new();
    for &r in revisions {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == r => *end = r,
            _ => runs.push((r, r)),
        }
    }
    let words: Vec<String> = runs
        .iter()
        .map(|&(a, b)| {
            if a == b {
                format!("r{a}")
            } else {
                format!("r{a}..r{b}")
            }
        })
        .collect();
    words.join(", ")
}

/// Short words for a revision's marks, as labels show them.
pub(crate) fn mark_words(marks: &[Mark]) -> Vec<String> {
    marks
        .iter()
        .map(|m| match m {
            Mark::Readable => "readable".to_string(),
            Mark::Session => "session".to_string(),
            Mark::LastWrite => "last write".to_string(),
            Mark::Cache { kinds } => {
                let names: Vec<&str> = kinds.iter().map(|k| k.plural()).collect();
                format!("{} cache", names.join(","))
            }
            Mark::Read => "read".to_string(),
        })
        .collect()
}
