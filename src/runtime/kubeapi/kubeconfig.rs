//! The kubeconfig that points kubectl at the server: one cluster (plain HTTP on loopback,
//! no credentials), one user, one context in namespace `default`, written atomically.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use super::KubeApiError;

/// The name of the cluster, user and context in the kubeconfig.
pub const CONTEXT: &str = "orchard";

/// The kubeconfig's text for a server at `addr`.
pub fn kubeconfig(addr: SocketAddr) -> String {
    format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - name: {CONTEXT}\n  cluster:\n    server: http://{addr}\n\
         users:\n\
         - name: {CONTEXT}\n  user: {{}}\n\
         contexts:\n\
         - name: {CONTEXT}\n  context:\n    cluster: {CONTEXT}\n    user: {CONTEXT}\n    namespace: default\n\
         current-context: {CONTEXT}\n\
         preferences: {{}}\n"
    )
}

/// Writes a kubeconfig for a server at `addr` to `path` (a temporary file beside it, then
/// renamed) and returns the command line to use it: `kubectl --kubeconfig PATH`.
pub fn write_kubeconfig(path: &Path, addr: SocketAddr) -> Result<String, KubeApiError> {
    let failed = |source| KubeApiError::Kubeconfig {
        path: path.display().to_string(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(failed)?;
    file.write_all(kubeconfig(addr).as_bytes())
        .map_err(failed)?;
    file.persist(path).map_err(|e| failed(e.error))?;
    Ok(format!("kubectl --kubeconfig {}", path.display()))
}
