//! The recorder: what the tasks and the environment did, put in the order the store
//! committed it, and taken step by step in the model, so that the run is a behaviour of the
//! model (a trace) and every live write is checked against the model's as it is recorded.
//!
//! Tasks run concurrently and report out of order. Every store revision past the load is one
//! write of the run, so the recorder takes the write of revision `n` once it has both the
//! report of the writer and the store's own event of `n` (a watch of everything), and a step
//! that wrote nothing (a rejected write, a step that only read) once every write up to the
//! revision it saw after it is taken. Store revision `s` is model revision `s - offset`: the
//! load is the model's first revision and both count one per write.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::revisions::{first_difference, shift};
use crate::model::environment::EnvironmentAction;
use crate::model::history::{History, Read};
use crate::model::properties::{Property, PropertyKind};
use crate::model::resources::Revision;
use crate::model::system::{Action, NotEnabled, Outcome, System, SystemState, Transition};
use crate::runtime::{Accepted, StepReport};
use crate::store::WatchEvent;

/// Something a task or the environment did, as reported.
// A report is moved once, into the recorder: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Happened {
    /// A controller task stepped.
    Step {
        /// The controller's index in the configuration.
        controller: usize,
        /// The latest store revision the task knew when it chose its read.
        latest: Revision,
        /// What the task reported.
        report: StepReport,
        /// A note for people (a cut member read from).
        note: Option<String>,
    },
    /// An environment rule fired (a restart is one).
    Environment {
        /// The rule's index.
        rule: usize,
        /// What happened.
        action: EnvironmentAction,
        /// Its write, when it made one.
        accepted: Option<Accepted>,
    },
}

/// A report with its place in the run.
#[derive(Clone, Debug)]
pub struct Event {
    /// The store revision the event committed at (a write) or saw just after it (no write).
    pub at: Revision,
    /// Whether it is the write of revision `at`.
    pub wrote: bool,
    /// The order of arrival, among events of one place.
    pub seq: u64,
    /// What happened.
    pub what: Happened,
}

/// One step of the recorded run in the model's terms.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The model's transition.
    pub transition: Transition,
    /// A note for people: a stale read, a cut member.
    pub note: Option<String>,
    /// The store revision of its write, if it wrote.
    pub store_revision: Option<Revision>,
}

/// What ended the recording early.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A property failed after `step` steps.
    Violated {
        /// The property's id.
        property: &'static str,
        /// The number of steps.
        step: usize,
    },
    /// The model does not take a step the run took: a bug in the model or in orchard.
    Refused {
        /// The 1-based step.
        step: usize,
        /// The step, for people.
        describe: String,
        /// Why.
        reason: String,
    },
}

/// The recorder (see the module doc).
pub struct Recorder {
    system: Arc<System>,
    initial: SystemState,
    state: SystemState,
    steps: Vec<Recorded>,
    offset: Revision,
    next: Revision,
    pending: BTreeMap<(Revision, u8, u64), Event>,
    watched: BTreeMap<Revision, WatchEvent>,
    properties: Vec<&'static Property>,
    verdict: Option<Verdict>,
    /// Steps that changed nothing in the model (a read of what the task had read already).
    idle_steps: usize,
    seq: u64,
    limit: usize,
}

impl Recorder {
    /// A recorder of a run whose load committed at store revision `loaded`, starting from the
    /// model's fresh state `initial`, judging `properties`, recording at most `limit` steps.
    pub fn new(
        system: Arc<System>,
        initial: SystemState,
        loaded: Revision,
        properties: Vec<&'static Property>,
        limit: usize,
    ) -> Recorder {
        let offset = loaded - initial.history.latest();
        Recorder {
            system,
            state: initial.clone(),
            initial,
            steps: Vec::new(),
            offset,
            next: loaded + 1,
            pending: BTreeMap::new(),
            watched: BTreeMap::new(),
            properties,
            verdict: None,
            idle_steps: 0,
            seq: 0,
            limit,
        }
    }

    /// Store revision minus model revision.
    pub fn offset(&self) -> Revision {
        self.offset
    }

    /// The model's state after the steps recorded so far.
    pub fn state(&self) -> &SystemState {
        &self.state
    }

    /// The model's fresh state the run started from.
    pub fn initial(&self) -> &SystemState {
        &self.initial
    }

    /// The system.
    pub fn system(&self) -> &Arc<System> {
        &self.system
    }

    /// The steps recorded, in order.
    pub fn steps(&self) -> &[Recorded] {
        &self.steps
    }

    /// What ended the recording, if something did.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// Whether the recording is over (a verdict, or the step limit).
    pub fn done(&self) -> bool {
        self.verdict.is_some() || self.steps.len() >= self.limit
    }

    /// Reports waiting for an earlier write, and the next store revision awaited.
    pub fn waiting(&self) -> (usize, Revision) {
        (self.pending.len(), self.next)
    }

    /// Steps that changed nothing in the model and are left out of the trace.
    pub fn idle_steps(&self) -> usize {
        self.idle_steps
    }

    /// Takes a report; records what can be ordered now.
    pub fn push(&mut self, at: Revision, wrote: bool, what: Happened) {
        self.seq += 1;
        let event = Event {
            at,
            wrote,
            seq: self.seq,
            what,
        };
        self.pending
            .insert((event.at, u8::from(!event.wrote), event.seq), event);
        self.drain();
    }

    /// Takes the store's event of one revision (from a watch of everything).
    pub fn watched(&mut self, event: WatchEvent) {
        self.watched.insert(event.revision(), event);
        self.drain();
    }

    fn drain(&mut self) {
        while !self.done() {
            let Some((&(at, class, seq), _)) = self.pending.iter().next() else {
                return;
            };
            let ready = if class == 0 {
                at == self.next && self.watched.contains_key(&at)
            } else {
                at < self.next
            };
            if !ready {
                if class == 0 && at < self.next {
                    // Two reports of one write: the run's bookkeeping is wrong.
                    self.refuse(format!("r{at}"), "two writes claim one revision".into());
                }
                return;
            }
            let Some(event) = self.pending.remove(&(at, class, seq)) else {
                return;
            };
            let store_event = if event.wrote {
                self.next += 1;
                self.watched.remove(&at)
            } else {
                None
            };
            self.take(event, store_event);
        }
    }

    fn refuse(&mut self, describe: String, reason: String) {
        self.verdict = Some(Verdict::Refused {
            step: self.steps.len() + 1,
            describe,
            reason,
        });
    }

    fn take(&mut self, event: Event, store_event: Option<WatchEvent>) {
        let offset = self.offset;
        let (action, live_write, note) = match &event.what {
            Happened::Step {
                controller,
                latest,
                report,
                note,
            } => {
                let read = match &report.read {
                    Read::At(r) => Read::At(r - offset),
                    other => {
                        return self.refuse(
                            format!("controller {controller} reads {other}"),
                            "a free run reads one revision per step".into(),
                        );
                    }
                };
                let mut notes: Vec<String> = note.iter().cloned().collect();
                let read_at = report.read.newest();
                if read_at < *latest {
                    notes.push(format!("stale: the latest was r{}", latest - offset));
                }
                let write = match &report.applied {
                    Some(Ok(a)) => Some(a.revision),
                    _ => None,
                };
                let action = Action::Step {
                    controller: *controller,
                    read,
                    choice: report.choice.0,
                };
                (action, write, (!notes.is_empty()).then(|| notes.join("; ")))
            }
            Happened::Environment {
                rule,
                action,
                accepted,
            } => (
                Action::Environment {
                    rule: *rule,
                    action: action.clone(),
                },
                accepted.as_ref().map(|a| a.revision),
                None,
            ),
        };
        let describe = self.system.describe(&action);
        let transition = match self.system.take(&self.state, &action) {
            Ok(t) => t,
            Err(NotEnabled::NoEffect { .. }) if live_write.is_none() => {
                self.idle_steps += 1;
                return;
            }
            Err(e) => return self.refuse(describe, e.to_string()),
        };
        match (&transition.outcome, live_write) {
            (Outcome::Wrote { revision, .. }, Some(w)) if *revision + offset == w => {}
            (outcome, w) => {
                let live = match w {
                    Some(w) => format!("the run wrote r{}", w - offset),
                    None => "the run wrote nothing".into(),
                };
                let model = match outcome {
                    Outcome::Wrote { revision, .. } => format!("the model writes r{revision}"),
                    Outcome::Rejected { .. } => "the model rejects the write".into(),
                    Outcome::Local => "the model writes nothing".into(),
                };
                if w.is_some() || matches!(outcome, Outcome::Wrote { .. }) {
                    return self.refuse(describe, format!("{model}, {live}"));
                }
            }
        }
        if let Some(event) = store_event {
            let key = event.key().clone();
            let live = match &event {
                WatchEvent::Put(stored) => Some(shift(&stored.object, offset, false)),
                WatchEvent::Deleted { .. } => None,
            };
            let model = transition.next.latest().get(key.kind, &key.name);
            if live != model {
                return self.refuse(
                    describe,
                    format!(
                        "{} at r{} differs between the store and the model ({})",
                        key.path(),
                        event.revision() - offset,
                        first_difference(live.as_ref(), model.as_ref())
                    ),
                );
            }
        }
        self.state = transition.next.clone();
        self.steps.push(Recorded {
            transition,
            note,
            store_revision: live_write,
        });
        self.judge();
    }

    fn judge(&mut self) {
        for p in &self.properties {
            if p.kind == PropertyKind::Always && !(p.check)(&self.system, &self.state) {
                self.verdict = Some(Verdict::Violated {
                    property: p.id,
                    step: self.steps.len(),
                });
                return;
            }
        }
    }

    /// Each judged property with whether it holds in the current state.
    pub fn property_status(&self) -> Vec<(&'static str, PropertyKind, bool)> {
        self.properties
            .iter()
            .map(|p| (p.id, p.kind, (p.check)(&self.system, &self.state)))
            .collect()
    }
}
