//! When a long run stops from outside: a deadline over the whole run and a cancel flag (Esc in
//! the explorer, SIGINT or SIGTERM on the command line). One [`Stop`] is shared by every long
//! phase of a run (settling, searching, minimising, replaying), each of which asks
//! [`Stop::reason`] inside its loops; cloning shares it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::model::system::{System, SystemState};

/// Why a run was stopped from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The deadline passed.
    Timeout,
    /// Somebody cancelled it (a key, a signal).
    Cancelled,
}

/// A shared stop condition: a deadline (none by default) and a cancel flag.
#[derive(Clone, Debug, Default)]
pub struct Stop {
    deadline: Option<Instant>,
    cancelled: Arc<AtomicBool>,
}

impl Stop {
    /// A stop with no deadline that only [`Stop::cancel`] triggers.
    pub fn never() -> Stop {
        Stop::default()
    }

    /// A stop at `deadline`, or never without one.
    pub fn at(deadline: Option<Instant>) -> Stop {
        Stop {
            deadline,
            cancelled: Arc::default(),
        }
    }

    /// A stop `timeout` from now (saturating: a timeout too large for the clock is none).
    pub fn after(timeout: Option<Duration>) -> Stop {
        Stop::at(timeout.and_then(|t| Instant::now().checked_add(t)))
    }

    /// The same cancel flag with the earlier of this deadline and `deadline`: a phase with a
    /// limit of its own inside a run with a limit.
    pub fn with_deadline(&self, deadline: Option<Instant>) -> Stop {
        let deadline = match (self.deadline, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Stop {
            deadline,
            cancelled: self.cancelled.clone(),
        }
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Cancels every phase sharing this stop. Safe from any thread.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// The flag [`Stop::cancel`] sets, for a signal handler to set directly
    /// (`signal_hook::flag::register`).
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.cancelled.clone()
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Why the run should stop now, if it should: cancelled first, then the deadline.
    pub fn reason(&self) -> Option<StopReason> {
        if self.is_cancelled() {
            Some(StopReason::Cancelled)
        } else if self.deadline.is_some_and(|d| Instant::now() >= d) {
            Some(StopReason::Timeout)
        } else {
            None
        }
    }

    /// Whether the run should stop now.
    pub fn should_stop(&self) -> bool {
        self.reason().is_some()
    }

    /// The system's initial state, settled (`start: settled`) only while the run may go on:
    /// `Err` with the reason when it stopped first, for settling a large model can take long.
    pub fn initial(&self, system: &System) -> Result<SystemState, StopReason> {
        let state = system.initial_until(&|| self.should_stop());
        match self.reason() {
            Some(reason) => Err(reason),
            None => Ok(state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_triggers_on_cancel_or_deadline_and_clones_share_it() {
        let stop = Stop::never();
        assert_eq!(stop.reason(), None);
        let shared = stop.clone();
        shared.cancel();
        assert_eq!(stop.reason(), Some(StopReason::Cancelled));
        let past = Stop::at(Some(Instant::now()));
        assert_eq!(past.reason(), Some(StopReason::Timeout));
        let huge = Stop::after(Some(Duration::from_secs(u64::MAX)));
        assert_eq!(huge.reason(), None);
    }

    #[test]
    fn settling_stops_with_the_run() {
        use crate::model::config::parse_model;
        let text = include_str!("../../models/statefulset-scale.yaml");
        let loaded = parse_model(text, "scale.yaml", &|f: &str| Err(f.to_string())).unwrap();
        let system = System::new(loaded.config).unwrap();
        assert_eq!(system.config().start, crate::model::config::Start::Settled);
        assert!(Stop::never().initial(&system).is_ok());
        let cancelled = Stop::never();
        cancelled.cancel();
        assert_eq!(
            cancelled.initial(&system).err(),
            Some(StopReason::Cancelled)
        );
        let late = Stop::at(Some(Instant::now()));
        assert_eq!(late.initial(&system).err(), Some(StopReason::Timeout));
    }
}
