//! An etcd cluster whose members each run in a network namespace of their own, so that one
//! member's peer link can be cut and healed while its clients still reach it: the partition
//! behind a genuinely stale serializable read. Linux only, as root, with iproute2's `ip`.
//!
//! The network, for slot `s` (the first free one, claimed by creating its bridge namespace):
//!
//! - `orchard<s>-br`: a bridge `br0`, one port `p<i>` per member;
//! - `orchard<s>-m<i>`, member `i`: interface `peer` (a veth to the bridge, `10.231.<s>.<i+1>/24`,
//!   the peer URL on port 2380) and interface `client` (a veth to the host's namespace,
//!   `10.232.<s>.<4i+2>/30`, the client URL on port 2379; the host's end `orch<s>c<i>` is
//!   `10.232.<s>.<4i+1>`).
//!
//! Cutting a member sets its `peer` interface down: the other members no longer reach it nor it
//! them, while a client on the host still does. Everything is removed when the
//! [`NetnsCluster`] drops (members stopped first, then the namespaces, which takes their veths
//! with them), also when starting it failed half-way or a test panics. A process killed outright
//! leaves its namespaces behind: `ip netns list | grep orchard` shows them, `ip netns del` ends
//! them.

use std::process::Command;

use thiserror::Error;

use super::etcd_process::{EtcdError, EtcdProcess, Member, start_members};

/// The program that makes namespaces and links (iproute2).
pub const IP_PROGRAM: &str = "ip";

/// The most members a namespaced cluster has.
pub const MAX_MEMBERS: usize = 9;

/// How many clusters may run at once on one machine (slots of addresses).
pub const SLOTS: u8 = 64;

/// The prefix of every namespace made here.
pub const NAMESPACE_PREFIX: &str = "orchard";

/// Why a namespaced cluster could not be had.
#[derive(Debug, Error)]
pub enum NetnsError {
    /// Namespaces cannot be made here.
    #[error("network namespaces cannot be made here: {0}")]
    Unavailable(String),
    /// A command failed.
    #[error("`{command}` failed: {stderr}")]
    Command {
        /// The command, as typed.
        command: String,
        /// What it said.
        stderr: String,
    },
    /// Every slot is taken.
    #[error("all {SLOTS} slots of namespaced clusters are taken (`ip netns list`)")]
    NoSlot,
    /// Asked for no members or too many.
    #[error("a namespaced cluster has 1 to {MAX_MEMBERS} members, not {0}")]
    Members(usize),
    /// No member with this index.
    #[error("no member {0}")]
    NoMember(usize),
    /// A member did not start.
    #[error(transparent)]
    Etcd(#[from] EtcdError),
}

/// Whether network namespaces can be made here: running as root, `ip` on `PATH`, and an
/// `ip netns add` that works (tried and removed). The error says which of these failed.
pub fn available() -> Result<(), NetnsError> {
    let unavailable = |reason: String| Err(NetnsError::Unavailable(reason));
    match effective_uid() {
        Some(0) => {}
        Some(uid) => return unavailable(format!("not root (effective uid {uid})")),
        None => return unavailable("the effective uid is unknown (no /proc/self/status)".into()),
    }
    if let Err(e) = Command::new(IP_PROGRAM).arg("-V").output() {
        return unavailable(format!("`{IP_PROGRAM}` (iproute2) cannot be run: {e}"));
    }
    // Unique per call: tests in one process probe at the same time.
    static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let probe = format!("{NAMESPACE_PREFIX}-probe-{}-{n}", std::process::id());
    if let Err(e) = ip(&["netns", "add", &probe]) {
        return unavailable(e.to_string());
    }
    ip(&["netns", "del", &probe]).map(|_| ())
}

/// The names of the namespaces made here that exist now (for checks that none is left).
pub fn namespaces() -> Result<Vec<String>, NetnsError> {
    let listed = ip(&["netns", "list"]);
    Ok(listed?
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| name.starts_with(NAMESPACE_PREFIX))
        .map(str::to_string)
        .collect())
}

/// The network of one cluster: its namespaces, removed on drop.
#[derive(Debug)]
struct Network {
    slot: u8,
    /// Created namespaces, the bridge's first.
    namespaces: Vec<String>,
}

impl Network {
    /// Claims the first free slot by creating its bridge namespace.
    fn claim() -> Result<Network, NetnsError> {
        for slot in 0..SLOTS {
            let bridge = format!("{NAMESPACE_PREFIX}{slot}-br");
            if ip(&["netns", "add", &bridge]).is_ok() {
                let network = Network {
                    slot,
                    namespaces: vec![bridge.clone()],
                };
                ip(&["-n", &bridge, "link", "set", "lo", "up"])?;
                ip(&["-n", &bridge, "link", "add", "br0", "type", "bridge"])?;
                ip(&["-n", &bridge, "link", "set", "br0", "up"])?;
                return Ok(network);
            }
        }
        Err(NetnsError::NoSlot)
    }

    fn bridge(&self) -> &str {
        &self.namespaces[0]
    }

    fn member_namespace(&self, i: usize) -> String {
        format!("{NAMESPACE_PREFIX}{}-m{i}", self.slot)
    }

    fn peer_address(&self, i: usize) -> String {
        format!("10.231.{}.{}", self.slot, i + 1)
    }

    fn client_address(&self, i: usize) -> String {
        format!("10.232.{}.{}", self.slot, 4 * i + 2)
    }

    fn host_address(&self, i: usize) -> String {
        format!("10.232.{}.{}", self.slot, 4 * i + 1)
    }

    fn host_link(&self, i: usize) -> String {
        format!("orch{}c{i}", self.slot)
    }

    /// Makes member `i`'s namespace and its two links.
    fn add_member(&mut self, i: usize) -> Result<(), NetnsError> {
        let ns = self.member_namespace(i);
        ip(&["netns", "add", &ns])?;
        self.namespaces.push(ns.clone());
        let bridge = self.bridge().to_string();
        let port = format!("p{i}");
        ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        // Peer link: member <-> bridge.
        ip(&[
            "-n", &bridge, "link", "add", &port, "type", "veth", "peer", "name", "peer", "netns",
            &ns,
        ])?;
        ip(&["-n", &bridge, "link", "set", &port, "master", "br0", "up"])?;
        let peer = format!("{}/24", self.peer_address(i));
        ip(&["-n", &ns, "addr", "add", &peer, "dev", "peer"])?;
        ip(&["-n", &ns, "link", "set", "peer", "up"])?;
        // Client link: member <-> host.
        let host_link = self.host_link(i);
        ip(&[
            "link", "add", &host_link, "type", "veth", "peer", "name", "client", "netns", &ns,
        ])?;
        let host = format!("{}/30", self.host_address(i));
        ip(&["addr", "add", &host, "dev", &host_link])?;
        ip(&["link", "set", &host_link, "up"])?;
        let client = format!("{}/30", self.client_address(i));
        ip(&["-n", &ns, "addr", "add", &client, "dev", "client"])?;
        ip(&["-n", &ns, "link", "set", "client", "up"])?;
        Ok(())
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        // A namespace's veths go with it, and with them their ends in the host's namespace;
        // the host ends are deleted too in case a namespace outlives this (a process still in
        // it). Failures cannot be reported from here: `namespaces()` shows what is left.
        for i in 0..self.namespaces.len().saturating_sub(1) {
            let _ = ip(&["link", "del", &self.host_link(i)]);
        }
        for ns in self.namespaces.iter().rev() {
            let _ = ip(&["netns", "del", ns]);
        }
    }
}

/// A running etcd cluster with each member in its own network namespace (see the module doc).
/// Dropping it stops the members and removes every namespace and link it made.
#[derive(Debug)]
pub struct NetnsCluster {
    /// Stopped before the network goes (fields drop in order).
    members: Vec<EtcdProcess>,
    network: Network,
}

impl NetnsCluster {
    /// Makes the network and starts `members` members on it with `--pre-vote` (a member that
    /// returns from a cut does not force an election), waiting until every member is healthy.
    /// Blocks (up to [`super::etcd_process::START_TIMEOUT`] for the members); in async code
    /// call it through `spawn_blocking`.
    pub fn start(members: usize) -> Result<NetnsCluster, NetnsError> {
        if members == 0 || members > MAX_MEMBERS {
            return Err(NetnsError::Members(members));
        }
        available()?;
        let mut network = Network::claim()?;
        for i in 0..members {
            network.add_member(i)?;
        }
        let specs = (0..members)
            .map(|i| Member {
                name: format!("orchard{i}"),
                client_url: format!("http://{}:2379", network.client_address(i)),
                peer_url: format!("http://{}:2380", network.peer_address(i)),
                wrapper: vec![
                    IP_PROGRAM.to_string(),
                    "netns".to_string(),
                    "exec".to_string(),
                    network.member_namespace(i),
                ],
            })
            .collect();
        let members = start_members(specs, &["--pre-vote"])?;
        Ok(NetnsCluster { members, network })
    }

    /// The members, in order.
    pub fn members(&self) -> &[EtcdProcess] {
        &self.members
    }

    /// Every member's client URL, in order.
    pub fn endpoints(&self) -> Vec<String> {
        self.members
            .iter()
            .map(|m| m.endpoint().to_string())
            .collect()
    }

    /// The namespaces this cluster made, the bridge's first.
    pub fn namespaces(&self) -> &[String] {
        &self.network.namespaces
    }

    /// Cuts member `i`'s peer link: it and the others no longer reach each other; its clients
    /// still reach it.
    pub fn cut(&self, i: usize) -> Result<(), NetnsError> {
        self.set_peer_link(i, "down")
    }

    /// Restores member `i`'s peer link.
    pub fn heal(&self, i: usize) -> Result<(), NetnsError> {
        self.set_peer_link(i, "up")
    }

    fn set_peer_link(&self, i: usize, state: &str) -> Result<(), NetnsError> {
        if i >= self.members.len() {
            return Err(NetnsError::NoMember(i));
        }
        let ns = self.network.member_namespace(i);
        ip(&["-n", &ns, "link", "set", "peer", state]).map(|_| ())
    }
}

/// Runs `ip` with these arguments; its standard output, or the failure with what it said.
fn ip(args: &[&str]) -> Result<String, NetnsError> {
    let command = format!("{IP_PROGRAM} {}", args.join(" "));
    let output = Command::new(IP_PROGRAM)
        .args(args)
        .output()
        .map_err(|e| NetnsError::Command {
            command: command.clone(),
            stderr: e.to_string(),
        })?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(NetnsError::Command {
            command,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

/// The effective uid, from `/proc/self/status` (no libc needed).
fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_few_or_too_many_members_are_refused_before_anything_is_made() {
        assert!(matches!(
            NetnsCluster::start(0),
            Err(NetnsError::Members(0))
        ));
        assert!(matches!(
            NetnsCluster::start(MAX_MEMBERS + 1),
            Err(NetnsError::Members(_))
        ));
    }

    #[test]
    fn the_effective_uid_is_read() {
        assert!(effective_uid().is_some());
    }

    /// Whether a link of this name exists in the host's namespace.
    fn host_link_exists(name: &str) -> bool {
        ip(&["link", "show", name]).is_ok()
    }

    #[test]
    #[ignore = "makes network namespaces (root, iproute2): .ci/run runs it where it can"]
    fn a_network_made_half_way_is_removed_when_dropped() {
        available().expect("namespaces can be made");
        let mut network = Network::claim().expect("a slot");
        network
            .add_member(0)
            .expect("member 0's namespace and links");
        let made = network.namespaces.clone();
        let host_link = network.host_link(0);
        assert!(host_link_exists(&host_link));
        assert!(made.iter().all(|ns| namespaces().unwrap().contains(ns)));
        drop(network);
        let left = namespaces().expect("ip netns list");
        assert!(made.iter().all(|ns| !left.contains(ns)), "{left:?}");
        assert!(!host_link_exists(&host_link));
    }

    #[test]
    #[ignore = "makes network namespaces (root, iproute2): .ci/run runs it where it can"]
    fn a_panic_while_a_cluster_runs_removes_its_members_namespaces_and_links() {
        let made = std::sync::Mutex::new((Vec::new(), Vec::new()));
        let panicked = std::panic::catch_unwind(|| {
            let cluster = NetnsCluster::start(1).expect("a 1-member cluster in namespaces");
            assert!(cluster.members()[0].is_healthy(), "reachable from the host");
            let mut made = made.lock().unwrap();
            made.0 = cluster.namespaces().to_vec();
            made.1 = vec![cluster.members()[0].pid()];
            drop(made);
            panic!("a test failing while the cluster runs");
        });
        assert!(panicked.is_err());
        let (made, pids) = made.into_inner().unwrap();
        let left = namespaces().expect("ip netns list");
        assert!(made.iter().all(|ns| !left.contains(ns)), "{left:?}");
        for pid in pids {
            assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
        }
    }

    #[test]
    #[ignore = "makes network namespaces (root, iproute2): .ci/run runs it where it can"]
    fn a_cut_member_is_unreachable_from_its_peers_and_reachable_from_the_host() {
        let cluster = NetnsCluster::start(2).expect("a 2-member cluster in namespaces");
        let network = &cluster.network;
        let peer_of_1 = format!("{}/32", network.peer_address(1));
        let reaches_1 = || {
            let ns = network.member_namespace(0);
            // A route to member 1's peer address exists only while member 0's link is up.
            ip(&["-n", &ns, "route", "get", &peer_of_1]).is_ok()
        };
        assert!(reaches_1());
        cluster.cut(0).expect("cut");
        assert!(!reaches_1(), "no route to its peers");
        assert!(
            std::net::TcpStream::connect(
                cluster.members()[0]
                    .endpoint()
                    .trim_start_matches("http://")
            )
            .is_ok(),
            "its clients still reach it"
        );
        cluster.heal(0).expect("heal");
        assert!(reaches_1());
        assert!(matches!(cluster.cut(2), Err(NetnsError::NoMember(2))));
    }

    #[test]
    fn a_failing_command_says_what_it_ran_and_what_it_said() {
        let err = ip(&["netns", "del", "orchard-never-made"]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("ip netns del orchard-never-made"), "{text}");
    }
}
