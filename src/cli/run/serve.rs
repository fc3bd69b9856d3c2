//! `orchard run MODEL --serve ADDR [--kubeconfig PATH]`: the Kubernetes API
//! ([`crate::runtime::kubeapi`]) served beside the running controller manager, over the same
//! [`crate::runtime::ApiServer`] as the controllers' writes, so that kubectl drives the live
//! cluster. The listener is bound before the model is loaded (a taken port fails at once), the
//! kubeconfig is written atomically once the manager runs, and the server stops with the run
//! (its end, `--duration`, `--timeout`, Ctrl-C), open watches included.
//!
//! Writes made through kubectl are not steps of the model (it has no action for a user's
//! request): the recording, and so the trace, stops before the first of them, and the summary
//! says so ([`note`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::runtime::ApiServer;
use crate::runtime::kubeapi::{self, KubeApiError};

/// How long a run without `--serve` lasts when `--duration` is not given.
pub const DEFAULT_DURATION: f64 = 10.0;

/// How long the run lasts (`None`: until Ctrl-C, only with `--serve`) and the span the
/// environment's moments are spread over.
pub fn run_length(
    duration: Option<f64>,
    serving: bool,
) -> anyhow::Result<(Option<Duration>, Duration)> {
    let seconds = match (duration, serving) {
        (Some(d), _) => d,
        (None, true) => {
            return Ok((None, Duration::from_secs_f64(DEFAULT_DURATION)));
        }
        (None, false) => DEFAULT_DURATION,
    };
    if !(seconds > 0.0 && seconds <= 31_536_000.0) {
        anyhow::bail!("--duration: {seconds} is not a number of seconds between 0 and a year");
    }
    let length = Duration::from_secs_f64(seconds);
    Ok((Some(length), length))
}

/// Binds `addr` for the Kubernetes API (port 0: any free port).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("--serve {addr}: cannot listen"))
}

/// Where the kubeconfig goes: `--kubeconfig`, or beside the trace with its stem
/// (`run-web-seed1.json` → `run-web-seed1.kubeconfig`).
pub fn kubeconfig_path(flag: Option<&Path>, trace: &Path) -> PathBuf {
    flag.map_or_else(|| trace.with_extension("kubeconfig"), Path::to_path_buf)
}

/// The Kubernetes API being served.
pub struct Serving {
    /// The address served.
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    served: JoinHandle<Result<(), KubeApiError>>,
}

impl Serving {
    /// Writes the kubeconfig for `listener` to `kubeconfig` and serves `api` on it; returns
    /// the server and the `kubectl --kubeconfig PATH` line.
    pub fn start(
        listener: TcpListener,
        api: ApiServer,
        kubeconfig: PathBuf,
    ) -> anyhow::Result<(Serving, String)> {
        let addr = kubeapi::local_addr(&listener)?;
        let line = kubeapi::write_kubeconfig(&kubeconfig, addr)
            .map_err(|e| anyhow::anyhow!("--kubeconfig {e}"))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(kubeapi::serve(listener, api, async {
            let _ = stopped.await;
        }));
        Ok((Serving { addr, stop, served }, line))
    }

    /// Stops serving: watches end, connections get [`kubeapi::SHUTDOWN_GRACE`] to finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        let wait = kubeapi::SHUTDOWN_GRACE + Duration::from_secs(1);
        match tokio::time::timeout(wait, self.served).await {
            Ok(Ok(result)) => result.map_err(|e| anyhow::anyhow!("--serve: {e}")),
            Ok(Err(e)) => Err(anyhow::anyhow!("--serve: the server failed: {e}")),
            Err(_) => Err(anyhow::anyhow!(
                "--serve: the server did not stop within {} s",
                wait.as_secs()
            )),
        }
    }
}

/// What the summary adds when the recording stopped short of the store: `awaited` is the
/// store revision the recorder waits for, `latest` the store's newest, `offset` store minus
/// model revision.
pub fn note(awaited: u64, latest: u64, offset: u64) -> Option<String> {
    (awaited <= latest).then(|| {
        format!(
            "the trace ends before r{}: writes made through the kubectl API are not steps of \
             the model, so the recording stops at the first one",
            awaited.saturating_sub(offset)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_duration_only_a_served_run_is_endless() {
        assert_eq!(run_length(None, true).unwrap().0, None);
        assert_eq!(
            run_length(None, false).unwrap().0,
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            run_length(Some(2.5), true).unwrap().0,
            Some(Duration::from_millis(2500))
        );
        assert!(run_length(Some(0.0), true).is_err());
        assert!(run_length(Some(f64::NAN), false).is_err());
    }

    #[test]
    fn the_kubeconfig_goes_beside_the_trace_unless_named() {
        let trace = Path::new("out/run-web-seed1.json");
        assert_eq!(
            kubeconfig_path(None, trace),
            Path::new("out/run-web-seed1.kubeconfig")
        );
        let named = Path::new("k.yaml");
        assert_eq!(kubeconfig_path(Some(named), trace), named);
    }

    #[test]
    fn the_note_appears_only_when_the_store_is_ahead_of_the_recording() {
        assert!(note(11, 10, 3).is_none());
        assert!(note(10, 12, 3).unwrap().contains("before r7"));
    }
}
