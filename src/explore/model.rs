//! The stateright [`Model`] over a [`System`], for depth-first search (breadth-first search is
//! orchard's own, [`super::bfs`]): states are [`SystemState`]s, actions carry their
//! precomputed transition (so a step is computed once), and the model's properties become
//! stateright properties through a table of monomorphic functions (stateright wants plain
//! `fn` pointers, which cannot capture an index).
//!
//! A shared [`Control`] lets the runner stop the search: once cancelled, `actions` offers
//! nothing and every property reports "no discovery", so stateright drains its queue at once.
//! A property records only its first discovery (later ones are ignored), so a counterexample is
//! not overwritten by a later one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use stateright::Model;

use crate::model::properties::{Property, PropertyKind};
use crate::model::system::{System, SystemState, Transition};

/// The most properties one check can take (the size of the dispatch table).
pub const MAX_PROPERTIES: usize = 64;

/// A stateright action: a transition computed when the actions of a state were listed.
#[derive(Clone, Debug)]
pub struct Step(pub Arc<Transition>);

impl PartialEq for Step {
    fn eq(&self, other: &Self) -> bool {
        self.0.action == other.0.action
    }
}

/// Flags shared between the runner and the search threads.
#[derive(Debug)]
pub struct Control {
    cancel: AtomicBool,
    stop_on_failure: bool,
    found: Vec<AtomicBool>,
}

impl Control {
    /// A control for `properties` properties.
    pub fn new(properties: usize, stop_on_failure: bool) -> Control {
        Control {
            cancel: AtomicBool::new(false),
            stop_on_failure,
            found: (0..properties).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    /// Stops the search: no more successors are generated.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Lets the model offer actions again after a stop (to rebuild discovery paths).
    pub fn resume(&self) {
        self.cancel.store(false, Ordering::SeqCst);
    }

    /// Whether the search was stopped.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }

    /// Records the first discovery of property `i`; false when it was already recorded.
    fn first_discovery(&self, i: usize) -> bool {
        !self.found[i].swap(true, Ordering::SeqCst)
    }
}

/// The checker's view of a system: the system, the properties checked, the shared control.
#[derive(Debug, Clone)]
pub struct CheckModel {
    /// The system.
    pub system: Arc<System>,
    /// The properties, in order; stateright names them by id.
    pub properties: Vec<&'static Property>,
    /// The shared control.
    pub control: Arc<Control>,
    /// The state searched from, when not the system's initial state.
    pub initial: Option<SystemState>,
}

impl CheckModel {
    /// A model checking `properties` (at most [`MAX_PROPERTIES`]) of `system`.
    pub fn new(
        system: Arc<System>,
        properties: Vec<&'static Property>,
        stop_on_failure: bool,
    ) -> CheckModel {
        assert!(
            properties.len() <= MAX_PROPERTIES,
            "at most {MAX_PROPERTIES} properties per check"
        );
        let control = Arc::new(Control::new(properties.len(), stop_on_failure));
        CheckModel {
            system,
            properties,
            control,
            initial: None,
        }
    }

    /// The same model searched from `initial` (the system's initial state when `None`).
    pub fn starting_at(mut self, initial: Option<SystemState>) -> CheckModel {
        self.initial = initial;
        self
    }

    fn holds(&self, i: usize, state: &SystemState) -> bool {
        (self.properties[i].check)(&self.system, state)
    }
}

fn always<const I: usize>(m: &CheckModel, s: &SystemState) -> bool {
    if m.control.is_cancelled() || m.holds(I, s) || !m.control.first_discovery(I) {
        return true;
    }
    if m.control.stop_on_failure {
        m.control.cancel();
    }
    false
}

fn sometimes<const I: usize>(m: &CheckModel, s: &SystemState) -> bool {
    !m.control.is_cancelled() && m.holds(I, s) && m.control.first_discovery(I)
}

fn eventually<const I: usize>(m: &CheckModel, s: &SystemState) -> bool {
    m.control.is_cancelled() || m.holds(I, s)
}

type Condition = fn(&CheckModel, &SystemState) -> bool;

macro_rules! table {
    ($f:ident; $($i:literal)*) => { [$($f::<$i> as Condition),*] };
}

macro_rules! tables {
    ($($i:literal)*) => {
        const ALWAYS: [Condition; MAX_PROPERTIES] = table!(always; $($i)*);
        const SOMETIMES: [Condition; MAX_PROPERTIES] = table!(sometimes; $($i)*);
        const EVENTUALLY: [Condition; MAX_PROPERTIES] = table!(eventually; $($i)*);
    };
}

tables!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
    32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63
);

impl Model for CheckModel {
    type State = SystemState;
    type Action = Step;

    fn init_states(&self) -> Vec<SystemState> {
        vec![
            self.initial
                .clone()
                .unwrap_or_else(|| self.system.initial()),
        ]
    }

    fn actions(&self, state: &SystemState, actions: &mut Vec<Step>) {
        if self.control.is_cancelled() {
            return;
        }
        actions.extend(
            self.system
                .transitions(state)
                .into_iter()
                .map(|t| Step(Arc::new(t))),
        );
    }

    fn next_state(&self, _: &SystemState, action: Step) -> Option<SystemState> {
        Some(action.0.next.clone())
    }

    fn format_action(&self, action: &Step) -> String {
        self.system.describe(&action.0.action)
    }

    fn format_step(&self, _: &SystemState, action: Step) -> Option<String> {
        Some(format!(
            "{}: {}",
            self.system.describe(&action.0.action),
            action.0.outcome
        ))
    }

    fn within_boundary(&self, _: &SystemState) -> bool {
        !self.control.is_cancelled()
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        self.properties
            .iter()
            .enumerate()
            .map(|(i, p)| match p.kind {
                PropertyKind::Always => stateright::Property::always(p.id, ALWAYS[i]),
                PropertyKind::Sometimes => stateright::Property::sometimes(p.id, SOMETIMES[i]),
                PropertyKind::Eventually => stateright::Property::eventually(p.id, EVENTUALLY[i]),
            })
            .collect()
    }
}
