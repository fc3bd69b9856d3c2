//! SIGINT and SIGTERM during a long command: the first one cancels the run's [`Stop`] (the
//! search ends within its polling interval and prints what it found), a second one of the same
//! kind ends the process at once. The exit code is 128 + the signal's number, as a shell
//! reports a process killed by it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::explore::stop::Stop;

/// The signals a run listens to, once installed.
pub struct Signals {
    interrupted: Arc<AtomicBool>,
    terminated: Arc<AtomicBool>,
}

impl Signals {
    /// Makes SIGINT and SIGTERM cancel `stop`.
    pub fn install(stop: &Stop) -> anyhow::Result<Signals> {
        let signals = Signals {
            interrupted: Arc::default(),
            terminated: Arc::default(),
        };
        for (signal, flag) in [
            (SIGINT, &signals.interrupted),
            (SIGTERM, &signals.terminated),
        ] {
            // The second signal of a kind: the handler sees its flag already set and exits.
            signal_hook::flag::register_conditional_shutdown(
                signal,
                exit_code(signal),
                flag.clone(),
            )
            .context("cannot install a signal handler")?;
            signal_hook::flag::register(signal, flag.clone())
                .context("cannot install a signal handler")?;
            signal_hook::flag::register(signal, stop.flag())
                .context("cannot install a signal handler")?;
        }
        Ok(signals)
    }

    /// The signal that stopped the run, if one did: its name and the exit code it gives.
    pub fn received(&self) -> Option<(&'static str, u8)> {
        if self.interrupted.load(Ordering::Relaxed) {
            Some(("SIGINT", 130))
        } else if self.terminated.load(Ordering::Relaxed) {
            Some(("SIGTERM", 143))
        } else {
            None
        }
    }
}

fn exit_code(signal: i32) -> i32 {
    128 + signal
}
