//! The Kubernetes API over the deployed runtime's [`ApiServer`], for kubectl: discovery
//! (`/api`, `/apis`, the group versions, `/version`), GET and LIST (label and field
//! selectors), WATCH (`?watch=true`, chunked JSON events), POST, PUT (a stale
//! `resourceVersion` is a 409), PATCH (merge), DELETE (graceful, with finalizers), and the
//! `scale` and `status` subresources of the modelled kinds, over HTTP/1 on one listener.
//!
//! Every write is one model operation through the same [`ApiServer`] as the controllers'
//! writes, so the model's apply rules decide it; a refused or malformed request is answered
//! with a Kubernetes `Status` (400, 404, 405, 409, 413, 415, 422) and changes nothing.
//!
//! What is not Kubernetes: no authentication (loopback only), no `Table` responses (kubectl
//! prints its default columns), an OpenAPI v3 index without schemas (enough for `kubectl
//! apply` to leave field validation to the server, `kubeapi/openapi.rs` says how little it
//! checks), a strategic merge patch is read as a merge patch,
//! times are the model's logical ones (revision `r` is `r` seconds after the epoch), and
//! `propagationPolicy` is accepted but the model has no garbage collector.

mod body;
mod discovery;
mod json;
mod kubeconfig;
mod openapi;
mod read;
mod routes;
mod scale;
mod selector;
mod server;
mod status;
mod validate;
mod watch;
mod write;

use std::future::Future;
use std::net::SocketAddr;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::ApiServer;

pub use kubeconfig::{CONTEXT, kubeconfig, write_kubeconfig};
pub use status::Failure;

/// How long open connections get to finish once the server is shutting down.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Why the Kubernetes API could not be served or its kubeconfig written.
#[derive(Debug, Error)]
pub enum KubeApiError {
    /// The listener failed.
    #[error("kubectl API on {addr}: {source}")]
    Listen {
        /// The address served.
        addr: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The kubeconfig could not be written.
    #[error("{path}: cannot write the kubeconfig: {source}")]
    Kubeconfig {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
}

/// Serves the Kubernetes API for the modelled kinds on `listener` until `shutdown` resolves;
/// then open watches end and connections get [`SHUTDOWN_GRACE`] to finish.
pub async fn serve(
    listener: TcpListener,
    api: ApiServer,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), KubeApiError> {
    let addr = listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string());
    let (down, down_rx) = tokio::sync::watch::channel(false);
    let ctx = server::Context {
        api,
        shutdown: down_rx,
    };
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, _) = match accepted {
            Ok(accepted) => accepted,
            // A connection that failed before it was accepted (reset, out of descriptors
            // for a moment) is the client's problem, not the server's end.
            Err(e) if is_transient(&e) => continue,
            Err(source) => return Err(KubeApiError::Listen { addr, source }),
        };
        // Small responses go out at once (Go's servers, kube-apiserver's too, do the same).
        let _ = stream.set_nodelay(true);
        let ctx = ctx.clone();
        let mut closing = ctx.shutdown.clone();
        connections.spawn(async move {
            let service = service_fn(move |request| {
                let ctx = ctx.clone();
                async move { Ok::<_, std::convert::Infallible>(server::handle(ctx, request).await) }
            });
            let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                () = async { let _ = closing.wait_for(|down| *down).await; } => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
    let _ = down.send(true);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    connections.abort_all();
    Ok(())
}

fn is_transient(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | Interrupted | WouldBlock
    ) || e
        .raw_os_error()
        .is_some_and(|code| code == 24 || code == 23)
}

/// The address a listener serves, for the kubeconfig.
pub fn local_addr(listener: &TcpListener) -> Result<SocketAddr, KubeApiError> {
    listener
        .local_addr()
        .map_err(|source| KubeApiError::Listen {
            addr: "?".into(),
            source,
        })
}
