//! A violation explained: the causal story of a path (a trace, the explorer's path) told from
//! its states and its revision DAG. [`explain`] extracts the findings (restarts, stale reads
//! and what they led to, lost optimistic writes, local state that diverged from the store, the
//! state that broke the property) and a what-if of the path under each stronger setting;
//! [`Explanation::sentences`] tells them in plain sentences.
//!
//! Pure: it takes model data (the system, the path's states and transitions, the DAG) and
//! re-runs the path's actions with [`System::take`] under changed settings; no I/O.

mod findings;
mod render;
mod whatif;

#[cfg(test)]
mod tests;

use crate::model::history::Read;
use crate::model::properties::Property;
use crate::model::properties::offenders::Offender;
use crate::model::resources::{Kind, Revision};
use crate::model::system::{System, SystemState, Transition};

use super::graph::{DagGraph, Written};

pub use whatif::{WhatIf, WhatIfResult, settings_to_try};

/// What an explanation is made from: a path and the DAG at its end.
#[derive(Clone, Copy, Debug)]
pub struct PathInput<'a> {
    /// The system the path was taken in.
    pub system: &'a System,
    /// The state the path starts from.
    pub start: &'a SystemState,
    /// The path's steps, in order (step 1 first).
    pub steps: &'a [Transition],
    /// The revision DAG at the end of the path, with who wrote each revision.
    pub dag: &'a DagGraph,
    /// The property the path violates and the step after which it does, if it records one.
    pub violation: Option<(&'static Property, usize)>,
}

impl PathInput<'_> {
    /// The state after `step` steps (0: the start).
    fn state(&self, step: usize) -> &SystemState {
        match step {
            0 => self.start,
            n => &self.steps[n - 1].next,
        }
    }
}

/// A path's story: its findings in step order, then the what-ifs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The settings the path was taken under: `resettable-session with the kubernetes commit
    /// mode`.
    pub setting: String,
    /// The number of steps.
    pub steps: usize,
    /// What happened, in step order (a violation last).
    pub findings: Vec<Finding>,
    /// The path re-run under each stronger setting.
    pub what_ifs: Vec<WhatIf>,
}

/// One thing that happened on the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A controller or a node restarted and lost its local state.
    Restart(Restart),
    /// A controller read an old state, and it mattered.
    StaleRead(Box<StaleRead>),
    /// An optimistically acknowledged write was lost with its branch.
    LostWrite(LostWrite),
    /// A controller's local state disagrees with the store at the end of the path.
    Diverged(Divergence),
    /// The state that broke the property.
    Violation(Broken),
}

impl Finding {
    /// The step the finding is about.
    pub fn step(&self) -> usize {
        match self {
            Finding::Restart(r) => r.step,
            Finding::StaleRead(s) => s.step,
            Finding::LostWrite(l) => l.step,
            Finding::Diverged(d) => d.since,
            Finding::Violation(v) => v.step,
        }
    }
}

/// A restart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Restart {
    /// The step.
    pub step: usize,
    /// The controller restarted (a node's kubelet for a node restart).
    pub controller: String,
    /// Whether it was a node restart (its Node is removed too).
    pub node: bool,
    /// The session it lost, if it had one.
    pub lost_session: Option<Read>,
}

/// A stale read that changed what the step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleRead {
    /// The step.
    pub step: usize,
    /// The reader.
    pub controller: String,
    /// What it read.
    pub read: Read,
    /// The read for people, naming only the stale kinds of a per-kind read: `r7`,
    /// `pods at r6`.
    pub read_text: String,
    /// The latest revision when it read.
    pub latest: Revision,
    /// The current state it could have read for people: `the latest r15`, `the heads
    /// {r13,r14}`.
    pub current: String,
    /// Revisions it missed (the first few), for a read whose watched kinds had not changed.
    pub missed: Vec<Revision>,
    /// How many revisions it missed (of the stalest kind, for a per-kind read).
    pub behind: usize,
    /// The kinds it watches that differ from the latest state.
    pub kinds: Vec<Kind>,
    /// The step of its restart, when this is its first step since.
    pub restarted_at: Option<usize>,
    /// Objects it saw as they no longer were.
    pub objects: Vec<StaleObject>,
    /// What the step did.
    pub effect: Effect,
    /// The settings under which this step is impossible (what would have prevented it).
    pub prevented_by: Vec<Prevention>,
}

/// An object a stale read saw as it no longer was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleObject {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// How it was in the read: `web-0 was still bound to it`.
    pub then: String,
}

/// What a step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// It wrote.
    Wrote {
        /// The write: `update Pod web-0`.
        operation: String,
        /// The revision written.
        revision: Revision,
        /// The revisions it was written on, when they are not every head the history had
        /// (a causal fork, an optimistic write off the tip).
        on: Vec<Revision>,
        /// The heads it is concurrent with, for such a write.
        beside: Vec<Revision>,
    },
    /// Its write was rejected.
    Rejected {
        /// The write.
        operation: String,
        /// Why.
        reason: String,
    },
    /// Only its local state changed.
    Local {
        /// How, for people: `started web-0`.
        what: String,
    },
}

/// A setting under which a step is impossible, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prevention {
    /// The setting: `monotonic-session`, `the atomic commit mode`.
    pub setting: String,
    /// Why the step is impossible under it.
    pub why: String,
}

/// A write lost with its optimistic branch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LostWrite {
    /// The step that wrote it.
    pub step: usize,
    /// The writer.
    pub controller: String,
    /// The write: `delete Pod web-12`.
    pub change: String,
    /// Its revision.
    pub revision: Revision,
    /// The write that started the term which lost it, if the path shows it.
    pub lost_by: Option<Written>,
    /// The revision that write read from (the branch point), if known.
    pub branch_point: Option<Revision>,
}

/// A controller's local state that the store contradicts at the end of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The controller.
    pub controller: String,
    /// The step since which its local state says so.
    pub since: usize,
    /// The object concerned.
    pub object: String,
    /// What it holds locally: `runs web-0`.
    pub local: String,
    /// What the store says: `the store binds web-0 to node-2`.
    pub store: String,
}

/// The state that broke the property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The step after which the property fails.
    pub step: usize,
    /// The property's id.
    pub property: String,
    /// Its text.
    pub text: String,
    /// The objects it names.
    pub offenders: Vec<Offender>,
    /// The latest write at that state, if the path made it.
    pub last_write: Option<Written>,
    /// Whether the property fails there (a trace may record one that no longer does).
    pub fails: bool,
}

/// Explains a path: its findings and its what-ifs.
pub fn explain(input: &PathInput<'_>) -> Explanation {
    let config = input.system.config();
    let mut found = findings::restarts(input);
    found.extend(findings::stale_reads(input));
    found.extend(findings::lost_writes(input));
    found.sort_by_key(Finding::step);
    // What the end of the path holds comes after the steps that led to it.
    found.extend(findings::divergences(input));
    if let Some(broken) = findings::violation(input) {
        found.push(Finding::Violation(broken));
    }
    let what_ifs = whatif::what_ifs(input);
    for finding in &mut found {
        if let Finding::StaleRead(stale) = finding {
            stale.prevented_by = what_ifs
                .iter()
                .filter_map(|w| match &w.result {
                    WhatIfResult::Breaks {
                        step,
                        why,
                        prevents: true,
                        ..
                    } if *step == stale.step => Some(Prevention {
                        setting: w.setting.clone(),
                        why: why.clone(),
                    }),
                    _ => None,
                })
                .collect();
        }
    }
    Explanation {
        setting: format!(
            "{} with the {} commit mode",
            config.consistency,
            config.commit.name()
        ),
        steps: input.steps.len(),
        findings: found,
        what_ifs,
    }
}

impl Explanation {
    /// The explanation as plain sentences, in order.
    pub fn sentences(&self) -> Vec<String> {
        render::sentences(self)
    }

    /// The stale reads found.
    pub fn stale_reads(&self) -> impl Iterator<Item = &StaleRead> {
        self.findings.iter().filter_map(|f| match f {
            Finding::StaleRead(s) => Some(s.as_ref()),
            _ => None,
        })
    }

    /// The broken property, if the path records one.
    pub fn violation(&self) -> Option<&Broken> {
        self.findings.iter().find_map(|f| match f {
            Finding::Violation(v) => Some(v),
            _ => None,
        })
    }
}
