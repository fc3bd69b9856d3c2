//! Check from here: a check of the session's properties from the cursor's state, on its own
//! thread, with live progress the UI reads, a cancel that takes effect at once (through
//! [`Stop`]), and the outcome collected by [`CheckHandle::try_finish`].

use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::explore::checker::{CheckOptions, CheckOutcome, Strategy, check};
use crate::explore::progress::Progress;
use crate::explore::stop::Stop;
use crate::model::properties::Property;
use crate::model::system::System;

use super::tree::NodeId;

/// A check ready to start (carried by [`super::Effect::StartCheck`]).
#[derive(Debug)]
pub struct CheckRequest {
    /// The system checked (the session's model under checker reductions).
    pub system: Arc<System>,
    /// The properties.
    pub properties: Vec<&'static Property>,
    /// Strategy, bounds and the start state.
    pub options: CheckOptions,
    /// The tree node the check starts from.
    pub from: NodeId,
}

/// A running check.
#[derive(Debug)]
pub struct CheckHandle {
    /// The strategy.
    pub strategy: Strategy,
    /// The depth bound.
    pub max_depth: usize,
    /// The node it started from.
    pub from: NodeId,
    /// When it started.
    pub started: Instant,
    progress: Arc<Mutex<Progress>>,
    stop: Stop,
    result: Receiver<std::thread::Result<CheckOutcome>>,
    thread: Option<JoinHandle<()>>,
}

impl CheckRequest {
    /// Starts the check on its own thread.
    pub fn spawn(self) -> CheckHandle {
        let progress = Arc::new(Mutex::new(Progress::default()));
        let stop = self.options.stop.clone();
        let (send, result) = mpsc::channel();
        let shared = progress.clone();
        let strategy = self.options.strategy;
        let max_depth = self.options.max_depth;
        let from = self.from;
        let thread = std::thread::spawn(move || {
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check(self.system, self.properties, &self.options, &mut |p| {
                    if let Ok(mut at) = shared.lock() {
                        *at = *p;
                    }
                })
            }));
            let _ = send.send(run);
        });
        CheckHandle {
            strategy,
            max_depth,
            from,
            started: Instant::now(),
            progress,
            stop,
            result,
            thread: Some(thread),
        }
    }
}

/// How a check thread ended.
pub enum Finished {
    /// With an outcome.
    Outcome(Box<CheckOutcome>),
    /// It panicked (a bug in a controller or property): the message.
    Panicked(String),
}

impl CheckHandle {
    /// The latest progress report.
    pub fn progress(&self) -> Progress {
        let mut p = self.progress.lock().map(|p| *p).unwrap_or_default();
        p.elapsed = self.started.elapsed();
        p
    }

    /// Asks the check to stop now; it ends within a poll of its loops.
    pub fn cancel(&self) {
        self.stop.cancel();
    }

    /// Whether it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// The outcome once the thread has finished; `None` while it runs.
    pub fn try_finish(&mut self) -> Option<Finished> {
        let got = match self.result.try_recv() {
            Ok(got) => got,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => Err(Box::new("the check thread ended") as _),
        };
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        Some(match got {
            Ok(outcome) => Finished::Outcome(Box::new(outcome)),
            Err(payload) => Finished::Panicked(
                payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "a panic".into()),
            ),
        })
    }
}

impl Drop for CheckHandle {
    fn drop(&mut self) {
        // A session dropped while its check runs stops the check rather than leak it.
        self.stop.cancel();
    }
}
