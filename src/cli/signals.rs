//! SIGINT and SIGTERM during a long command: the first one cancels the run's [`Stop`] (the
//! search ends within its polling interval and prints what it found), a second one of the same
//! kind ends the process at once, after stopping every private etcd it started
//! (`--start-etcd`) and removing their data directories. The exit code is 128 + the signal's
//! number, as a shell reports a process killed by it.
//!
//! Each signal's handler sets its flags and writes a byte to a socket; a thread per signal
//! reads those bytes, one per delivery (no two signals merge into one), and on the second one
//! cleans up and exits.

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::explore::stop::Stop;
use crate::store::stop_every_etcd;

/// The signals a run listens to, once installed.
pub struct Signals {
    interrupted: Arc<AtomicBool>,
    terminated: Arc<AtomicBool>,
}

impl Signals {
    /// Makes SIGINT and SIGTERM cancel `stop`, and a second one of a kind exit.
    pub fn install(stop: &Stop) -> anyhow::Result<Signals> {
        let signals = Signals {
            interrupted: Arc::default(),
            terminated: Arc::default(),
        };
        for (signal, name, flag) in [
            (SIGINT, "SIGINT", &signals.interrupted),
            (SIGTERM, "SIGTERM", &signals.terminated),
        ] {
            signal_hook::flag::register(signal, flag.clone())
                .context("cannot install a signal handler")?;
            signal_hook::flag::register(signal, stop.flag())
                .context("cannot install a signal handler")?;
            let (deliveries, wake) =
                UnixStream::pair().context("cannot make a socket for signals")?;
            signal_hook::low_level::pipe::register(signal, wake)
                .context("cannot install a signal handler")?;
            std::thread::Builder::new()
                .name(format!("orchard-{name}"))
                .spawn(move || exit_on_second(deliveries, name, exit_code(signal)))
                .context("cannot start the signal thread")?;
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

/// Waits for the second delivery of a signal (a byte each on `deliveries`), then stops every
/// private etcd and exits with `code`. Returns only if the socket fails (then the first signal's
/// flags still stop the run).
fn exit_on_second(mut deliveries: UnixStream, name: &str, code: i32) {
    let mut seen = 0usize;
    let mut bytes = [0u8; 8];
    loop {
        match deliveries.read(&mut bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Ok(0) | Err(_) => return,
            Ok(n) => seen += n,
        }
        if seen >= 2 {
            let stopped = stop_every_etcd();
            if !stopped.is_empty() {
                let pids: Vec<String> = stopped.iter().map(u32::to_string).collect();
                eprintln!(
                    "orchard: a second {name}: stopped the private etcd (pid {}) and removed \
                     its data; exiting now",
                    pids.join(", ")
                );
            }
            std::process::exit(code);
        }
    }
}

fn exit_code(signal: i32) -> i32 {
    128 + signal
}
