//! A private etcd for tests and `--start-etcd`: Debian's `etcd` on free loopback ports in a
//! temporary data directory, healthy before it is handed out, stopped (and its directory
//! removed) when dropped, also when starting it failed half-way. Every member running is also
//! in a process-wide registry, so that a process about to exit at once (a second Ctrl-C) can
//! stop them all and remove their directories first ([`stop_every_etcd`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tempfile::TempDir;
use thiserror::Error;

/// The program started, found on `PATH` (Debian's `etcd-server` package).
pub const ETCD_PROGRAM: &str = "etcd";

/// How long a member may take to become healthy.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a private etcd could not be started.
#[derive(Debug, Error)]
pub enum EtcdError {
    /// No `etcd` on `PATH`.
    #[error("`{ETCD_PROGRAM}` not found on PATH: install Debian's etcd-server")]
    NotInstalled,
    /// The temporary directory, a port or the log file could not be had.
    #[error("starting etcd: {0}")]
    Io(#[from] std::io::Error),
    /// A member exited or did not become healthy in time.
    #[error("etcd member {name} at {endpoint} {what}; its log ends:\n{log}")]
    Unhealthy {
        /// The member's name.
        name: String,
        /// Its client URL.
        endpoint: String,
        /// What happened.
        what: String,
        /// The last lines of its log.
        log: String,
    },
}

/// A member in the registry: its process and its temporary directory.
#[derive(Debug)]
struct Running {
    child: Child,
    dir: PathBuf,
}

/// Every private etcd member this process runs, by process id. A member's process lives here
/// (not in its [`EtcdProcess`]) so that [`stop_every_etcd`] can stop it from any thread.
static RUNNING: Mutex<BTreeMap<u32, Running>> = Mutex::new(BTreeMap::new());

/// The registry; a panic while it was held leaves nothing half-done in it (each operation is
/// one insert or remove), so a poisoned lock is taken as it is.
fn running() -> MutexGuard<'static, BTreeMap<u32, Running>> {
    RUNNING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stops every private etcd member of this process (SIGKILL, then reaped) and removes its
/// temporary directory (data and log); returns the process ids stopped. For a process about
/// to exit without running destructors (a second Ctrl-C): the [`EtcdProcess`]es left behind
/// find their members gone.
pub fn stop_every_etcd() -> Vec<u32> {
    let members = std::mem::take(&mut *running());
    let mut stopped = Vec::with_capacity(members.len());
    for (pid, mut member) in members {
        // Already exited: nothing to kill; either way it is reaped and its directory goes.
        let _ = member.child.kill();
        let _ = member.child.wait();
        let _ = std::fs::remove_dir_all(&member.dir);
        stopped.push(pid);
    }
    stopped
}

/// One running etcd member, stopped when dropped.
#[derive(Debug)]
pub struct EtcdProcess {
    pid: u32,
    name: String,
    client_url: String,
    peer_url: String,
    log_path: std::path::PathBuf,
    /// Removed after the child is stopped (fields drop after `Drop::drop`).
    dir: TempDir,
}

impl EtcdProcess {
    /// Starts a one-member etcd and waits until it is healthy.
    pub fn start() -> Result<EtcdProcess, EtcdError> {
        let mut members = EtcdProcess::start_cluster(1)?;
        Ok(members.remove(0))
    }

    /// Starts a cluster of `members` members, all on 127.0.0.1 on different ports, and waits
    /// until every member is healthy. Blocks (up to [`START_TIMEOUT`]); in async code call it
    /// through `spawn_blocking`.
    pub fn start_cluster(members: usize) -> Result<Vec<EtcdProcess>, EtcdError> {
        let ports = free_ports(2 * members.max(1))?;
        let members = (0..members.max(1))
            .map(|i| Member {
                name: format!("orchard{i}"),
                client_url: format!("http://127.0.0.1:{}", ports[2 * i]),
                peer_url: format!("http://127.0.0.1:{}", ports[2 * i + 1]),
                wrapper: Vec::new(),
            })
            .collect();
        start_members(members, &[])
    }

    /// The client URL, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint(&self) -> &str {
        &self.client_url
    }

    /// The peer URL.
    pub fn peer_url(&self) -> &str {
        &self.peer_url
    }

    /// The member's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The member's temporary directory (data and log), removed when it stops.
    pub fn log_dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the process has exited (`None`: still running, or already stopped by
    /// [`stop_every_etcd`]).
    fn exited(&self) -> std::io::Result<Option<ExitStatus>> {
        match running().get_mut(&self.pid) {
            Some(member) => member.child.try_wait(),
            None => Ok(None),
        }
    }

    /// Whether `GET /health` says the member is healthy now.
    pub fn is_healthy(&self) -> bool {
        health(&self.client_url).unwrap_or(false)
    }

    fn wait_healthy(&mut self, deadline: Instant) -> Result<(), EtcdError> {
        loop {
            if let Some(status) = self.exited()? {
                return Err(self.unhealthy(format!("exited ({status})")));
            }
            if self.is_healthy() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(self.unhealthy(format!(
                    "was not healthy within {} s",
                    START_TIMEOUT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn unhealthy(&self, what: String) -> EtcdError {
        let log = std::fs::read_to_string(&self.log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(10)..].join("\n");
        EtcdError::Unhealthy {
            name: self.name.clone(),
            endpoint: self.client_url.clone(),
            what,
            log: tail,
        }
    }
}

impl Drop for EtcdProcess {
    fn drop(&mut self) {
        // Out of the registry first, so that `stop_every_etcd` on another thread does not see it.
        let Some(mut member) = running().remove(&self.pid) else {
            return;
        };
        // Already exited: nothing to stop; it is reaped either way. The directory goes when
        // `dir` drops, after this.
        let _ = member.child.kill();
        let _ = member.child.wait();
    }
}

/// One member to start: its name and URLs, and the command it runs under.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// The member's name.
    pub name: String,
    /// The URL it serves clients on.
    pub client_url: String,
    /// The URL it serves its peers on.
    pub peer_url: String,
    /// The program and arguments etcd is run by (`ip netns exec NS`); empty: run directly.
    pub wrapper: Vec<String>,
}

/// Starts these members as one new cluster, with `extra` arguments for each (`--pre-vote`),
/// and waits until every member is healthy. Members already started are stopped if a later
/// one fails.
pub(crate) fn start_members(
    members: Vec<Member>,
    extra: &[&str],
) -> Result<Vec<EtcdProcess>, EtcdError> {
    let initial_cluster = members
        .iter()
        .map(|m| format!("{}={}", m.name, m.peer_url))
        .collect::<Vec<_>>()
        .join(",");
    let mut started = Vec::with_capacity(members.len());
    for member in members {
        started.push(spawn(member, &initial_cluster, extra)?);
    }
    let deadline = Instant::now() + START_TIMEOUT;
    for member in &mut started {
        member.wait_healthy(deadline)?;
    }
    Ok(started)
}

fn spawn(member: Member, initial_cluster: &str, extra: &[&str]) -> Result<EtcdProcess, EtcdError> {
    let Member {
        name,
        client_url,
        peer_url,
        wrapper,
    } = member;
    let dir = tempfile::Builder::new().prefix("orchard-etcd-").tempdir()?;
    let log_path = dir.path().join("etcd.log");
    let log = File::create(&log_path)?;
    let mut command = match wrapper.split_first() {
        None => Command::new(ETCD_PROGRAM),
        Some((program, args)) => {
            let mut command = Command::new(program);
            command.args(args).arg(ETCD_PROGRAM);
            command
        }
    };
    let child = command
        .arg("--name")
        .arg(&name)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--listen-client-urls", &client_url])
        .args(["--advertise-client-urls", &client_url])
        .args(["--listen-peer-urls", &peer_url])
        .args(["--initial-advertise-peer-urls", &peer_url])
        .args(["--initial-cluster", initial_cluster])
        .args(["--initial-cluster-state", "new"])
        .args(["--initial-cluster-token", "orchard"])
        .args(["--heartbeat-interval", "10", "--election-timeout", "100"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound if wrapper.is_empty() => EtcdError::NotInstalled,
            _ => EtcdError::Io(e),
        })?;
    let pid = child.id();
    running().insert(
        pid,
        Running {
            child,
            dir: dir.path().to_path_buf(),
        },
    );
    Ok(EtcdProcess {
        pid,
        name,
        client_url,
        peer_url,
        log_path,
        dir,
    })
}

/// Ports free on 127.0.0.1 now, all different (held together while chosen).
fn free_ports(n: usize) -> std::io::Result<Vec<u16>> {
    let listeners = (0..n)
        .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect()
}

/// Whether `GET <url>/health` answers `"health":"true"`.
fn health(client_url: &str) -> std::io::Result<bool> {
    let host = client_url.trim_start_matches("http://");
    let addr: SocketAddr = host
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let timeout = Duration::from_millis(300);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(stream, "GET /health HTTP/1.0\r\nHost: {host}\r\n\r\n")?;
    let mut response = String::new();
    stream.take(64 * 1024).read_to_string(&mut response)?;
    Ok(response.starts_with("HTTP/1.") && response.contains("\"health\":\"true\""))
}
