//! The explorer's replay (`R`, `:replay`, `:replay etcd URL`): the current path, as the
//! session hands it out, replayed against the deployed controllers on the memory store or a
//! running etcd, on a thread of its own with its own async runtime (the UI never waits; Esc,
//! quitting or dropping the job cancels it). Its report becomes one mark per path step and a
//! status line.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use crate::explore::session::NodeId;
use crate::explore::stop::Stop;
use crate::explore::trace::Trace;
use crate::replay::{
    EtcdStore, MemoryStore, Options, Registration, Report, Store, TargetKind, replay_against,
};

/// Where a replay runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// The deployed controllers on a fresh memory store.
    Memory,
    /// A running etcd at these endpoints (it must be empty).
    Etcd(Vec<String>),
}

impl Target {
    /// Parses the words after `replay` on the command line: none or `memory` (`controllers`),
    /// or `etcd URL[,URL...]`.
    pub fn parse(words: &str) -> Result<Target, String> {
        let mut parts = words.split_whitespace();
        match (parts.next(), parts.next(), parts.next()) {
            (None | Some("memory" | "controllers"), None, None) => Ok(Target::Memory),
            (Some("etcd"), Some(urls), None) => {
                Ok(Target::Etcd(urls.split(',').map(str::to_string).collect()))
            }
            (Some("etcd"), None, None) => Err("replay etcd needs a URL: :replay etcd URL".into()),
            _ => Err(format!(
                "replay: `{}` is not a target (:replay, :replay memory or :replay etcd URL)",
                words.trim()
            )),
        }
    }

    /// The target, for the status line.
    pub fn describe(&self) -> String {
        match self {
            Target::Memory => "the controllers on memory".into(),
            Target::Etcd(urls) => format!("etcd at {}", urls.join(",")),
        }
    }
}

/// How a step of the path fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// The store's state matched the model's after the step.
    Matched,
    /// The store's state differed.
    Diverged,
    /// The replay did not get there (it ends at the first divergence).
    NotReached,
}

impl Mark {
    /// The two characters shown before the step's line.
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Matched => "✓ ",
            Mark::Diverged => "✗ ",
            Mark::NotReached => "· ",
        }
    }
}

/// A finished replay, as the explorer shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The path's last node (the marks belong to this path).
    pub leaf: NodeId,
    /// One mark per path step, the start first.
    pub marks: Vec<Mark>,
    /// The first divergent step, if any.
    pub divergence: Option<usize>,
    /// The status line.
    pub status: String,
    /// Whether the status is bad news (a divergence, an error).
    pub bad: bool,
}

impl Outcome {
    /// The outcome of a report for a path of `path_len` steps ending at `leaf`.
    pub fn of(report: &Report, leaf: NodeId, path_len: usize, target: &str) -> Outcome {
        let marks = marks(report, path_len);
        let divergence = report.divergence.as_ref().map(|d| d.step);
        let (status, bad) = match &report.divergence {
            Some(d) => {
                let field = d
                    .fields
                    .first()
                    .map_or_else(|| "no field named".to_string(), ToString::to_string);
                let at = if d.step == 0 {
                    "the settling of the start".to_string()
                } else {
                    format!("step {}", d.step)
                };
                (
                    format!("replay against {target}: diverges at {at}: {field}"),
                    true,
                )
            }
            None => {
                let violation = if report.property.is_empty() {
                    "no violation recorded".to_string()
                } else if report.reproduced {
                    format!("the violation of {} reproduced", report.property)
                } else {
                    format!("the violation of {} not reproduced", report.property)
                };
                let bad = !report.property.is_empty() && !report.reproduced;
                (
                    format!(
                        "replay against {target}: all {} steps match; {violation}",
                        report.trace_steps
                    ),
                    bad,
                )
            }
        };
        Outcome {
            leaf,
            marks,
            divergence,
            status,
            bad,
        }
    }

    /// The outcome of a replay that could not run.
    pub fn failed(leaf: NodeId, path_len: usize, target: &str, error: &str) -> Outcome {
        Outcome {
            leaf,
            marks: vec![Mark::NotReached; path_len + 1],
            divergence: None,
            status: format!("replay against {target}: {error}"),
            bad: true,
        }
    }
}

/// One mark per path step (0: the start, marked by the settling of a settled start, else
/// matched once the initial resources loaded): a step is matched when every row of it
/// matched, diverged when one did not, not reached when it has no row.
pub fn marks(report: &Report, path_len: usize) -> Vec<Mark> {
    (0..=path_len)
        .map(|step| {
            let mut rows = report.steps.iter().filter(|r| r.step == step).peekable();
            if rows.peek().is_none() {
                let started = step == 0 && (!report.steps.is_empty() || path_len == 0);
                return if started {
                    Mark::Matched
                } else {
                    Mark::NotReached
                };
            }
            if rows.all(|r| r.matched) {
                Mark::Matched
            } else {
                Mark::Diverged
            }
        })
        .collect()
}

/// A replay running on its own thread.
pub struct Job {
    stop: Stop,
    results: Receiver<Result<Report, String>>,
    /// The path's last node.
    pub leaf: NodeId,
    /// The path's length.
    pub path_len: usize,
    /// The target, described.
    pub target: String,
}

impl Job {
    /// Starts replaying `trace` (the path ending at `leaf`) against `target` with the
    /// controllers of `registry`.
    pub fn start(
        trace: Trace,
        leaf: NodeId,
        target: Target,
        registry: &'static [Registration],
    ) -> Job {
        let stop = Stop::never();
        let (send, results) = mpsc::channel();
        let described = target.describe();
        let path_len = trace.steps.len();
        let thread_stop = stop.clone();
        std::thread::spawn(move || {
            let result = run(&trace, &target, registry, &thread_stop);
            // The explorer may be gone (quit): nobody to tell.
            let _ = send.send(result);
        });
        Job {
            stop,
            results,
            leaf,
            path_len,
            target: described,
        }
    }

    /// The result, once the replay is over; `None` while it runs.
    pub fn poll(&self) -> Option<Result<Report, String>> {
        match self.results.try_recv() {
            Ok(result) => Some(result),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err("the replay's thread ended".into())),
        }
    }

    /// Cancels the replay (its thread stops at the next step or store call).
    pub fn cancel(&self) {
        self.stop.cancel();
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The replay's thread: a runtime of its own, the replay raced against the cancel flag.
fn run(
    trace: &Trace,
    target: &Target,
    registry: &'static [Registration],
    stop: &Stop,
) -> Result<Report, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| format!("starting the async runtime: {e}"))?;
    let result = runtime.block_on(async {
        let work = async {
            let (store, kind): (Arc<dyn Store>, TargetKind) = match target {
                Target::Memory => (Arc::new(MemoryStore::new()), TargetKind::Controllers),
                Target::Etcd(urls) => (
                    Arc::new(EtcdStore::connect(urls).await.map_err(|e| e.to_string())?),
                    TargetKind::Etcd,
                ),
            };
            let options = Options {
                registry,
                stop: stop.clone(),
                origin: "the explorer's path".into(),
                command: String::new(),
            };
            replay_against(trace, store, kind, &options)
                .await
                .map_err(|e| e.to_string())
        };
        tokio::pin!(work);
        loop {
            tokio::select! {
                result = &mut work => break result,
                () = tokio::time::sleep(Duration::from_millis(20)) => {
                    if stop.is_cancelled() {
                        break Err("cancelled".into());
                    }
                }
            }
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(500));
    result
}
