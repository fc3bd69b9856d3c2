//! `orchard run --store etcd --start-etcd --members 3 [--partition P]`: a private etcd cluster
//! of several members (in network namespaces of their own when `--partition` is given, so that
//! a member's peer link can be cut, [`crate::store::netns`]), each controller's caches reading
//! one member serializably (controller `i` reads member `i mod members`), and the partition
//! fault: at random moments one member other than the first is cut from its peers and later
//! healed, recorded as a fault with its start and end. While a member is cut, the steps of
//! the controllers that read from it carry a note naming the member and the cluster's newest
//! revision, so the trace shows them reading stale state.
//!
//! The manager writes through the first member, which is never cut: a write's outcome is then
//! always known. At the end every member is healed and [`verify`] checks that nothing
//! acknowledged was lost.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::sync::watch;

use crate::model::resources::Revision;
use crate::runtime::manager::faults::TICK;
use crate::runtime::manager::recorder::Recorder;
use crate::runtime::manager::rng::Rng;
use crate::runtime::manager::status::Stats;
use crate::store::{
    At, EtcdProcess, EtcdStore, Key, NetnsCluster, Reads, Scope, Store, WatchEvent,
    netns::NetnsError,
};

/// The chance per tick that a cut member's link returns (a cut lasts about a second).
pub const HEAL_CHANCE: f64 = 0.1;

/// A private etcd cluster, stopped (and its namespaces removed) when dropped.
pub enum Private {
    /// Members on loopback.
    Loopback(Vec<EtcdProcess>),
    /// Members in network namespaces.
    Namespaced(Arc<NetnsCluster>),
}

impl Private {
    /// Starts `members` members: in namespaces when `namespaced`.
    pub async fn start(members: usize, namespaced: bool) -> anyhow::Result<Private> {
        if namespaced {
            let cluster = tokio::task::spawn_blocking(move || NetnsCluster::start(members))
                .await
                .context("starting etcd")?
                .map_err(|e: NetnsError| anyhow::anyhow!("--partition: {e}"))?;
            Ok(Private::Namespaced(Arc::new(cluster)))
        } else {
            let started = tokio::task::spawn_blocking(move || EtcdProcess::start_cluster(members))
                .await
                .context("starting etcd")?
                .map_err(|e| anyhow::anyhow!("--start-etcd: {e}"))?;
            Ok(Private::Loopback(started))
        }
    }

    /// Every member's client URL, in order.
    pub fn endpoints(&self) -> Vec<String> {
        match self {
            Private::Loopback(members) => {
                members.iter().map(|m| m.endpoint().to_string()).collect()
            }
            Private::Namespaced(cluster) => cluster.endpoints(),
        }
    }
}

/// Checks the cluster flags: `--members` 1 to 9, and `--partition` only with a private
/// cluster of at least 3 members.
pub fn check(members: usize, partition: f64, start_etcd: bool) -> anyhow::Result<()> {
    if members == 0 || members > crate::store::netns::MAX_MEMBERS {
        bail!(
            "--members: a cluster has 1 to {} members, not {members}",
            crate::store::netns::MAX_MEMBERS
        );
    }
    if members > 1 && !start_etcd {
        bail!("--members goes with --start-etcd (with --etcd the cluster is the endpoints given)");
    }
    if partition > 0.0 && (!start_etcd || members < 3) {
        bail!(
            "--partition needs --start-etcd --members 3 or more (a cut member must leave a quorum)"
        );
    }
    Ok(())
}

/// The store each controller's caches read from: member `i mod members`, serializably.
pub async fn reads(
    endpoints: &[String],
    controllers: usize,
) -> anyhow::Result<Vec<Arc<dyn Store>>> {
    let mut members = Vec::new();
    for endpoint in endpoints {
        let store = EtcdStore::connect_with(std::slice::from_ref(endpoint), Reads::Serializable)
            .await
            .with_context(|| format!("connecting to member {endpoint}"))?;
        members.push(Arc::new(store) as Arc<dyn Store>);
    }
    Ok((0..controllers)
        .map(|i| members[i % members.len()].clone())
        .collect())
}

/// What the partition task needs.
pub struct Partitions {
    /// The cluster.
    pub cluster: Arc<NetnsCluster>,
    /// The chance per tick that a cut starts.
    pub rate: f64,
    /// The random numbers.
    pub rng: Rng,
    /// The status table (the faults).
    pub stats: Arc<Mutex<Stats>>,
    /// Each controller's note, set while its member is cut.
    pub notes: Arc<Vec<watch::Sender<Option<String>>>>,
}

impl Partitions {
    /// Cuts and heals members until aborted; one member at a time, never the first.
    pub async fn run(mut self) {
        let members = self.cluster.members().len();
        let mut cut: Option<(usize, usize)> = None;
        loop {
            tokio::time::sleep(TICK).await;
            match cut {
                None if self.rng.chance(self.rate) => {
                    let member = 1 + self.rng.between(0, members as u64 - 2) as usize;
                    if self.cluster.cut(member).is_err() {
                        continue;
                    }
                    let name = self.cluster.members()[member].name().to_string();
                    // Each reader's driver adds the cluster's revision when it reads.
                    self.set_notes(
                        member,
                        Some(format!("reads member {name}, cut from its peers")),
                    );
                    let fault = self
                        .stats
                        .lock()
                        .map_or(0, |mut s| s.fault_started("partition", name));
                    cut = Some((member, fault));
                }
                None => {}
                Some((member, fault)) if self.rng.chance(HEAL_CHANCE) => {
                    // Cleared first: no read after the heal is said to be cut.
                    self.set_notes(member, None);
                    if self.cluster.heal(member).is_err() {
                        let name = self.cluster.members()[member].name().to_string();
                        self.set_notes(
                            member,
                            Some(format!("reads member {name}, cut from its peers")),
                        );
                        continue;
                    }
                    if let Ok(mut s) = self.stats.lock() {
                        s.fault_ended(fault);
                    }
                    cut = None;
                }
                Some(_) => {}
            }
        }
    }

    fn set_notes(&self, member: usize, note: Option<String>) {
        let members = self.cluster.members().len();
        for (i, tx) in self.notes.iter().enumerate() {
            if i % members == member {
                tx.send_replace(note.clone());
            }
        }
    }
}

/// Ends the record of a cut still open when the run stopped (the members are healed next).
pub fn end_open_cuts(stats: &Arc<Mutex<Stats>>) {
    if let Ok(mut s) = stats.lock() {
        let open: Vec<usize> = (0..s.faults.len())
            .filter(|&i| s.faults[i].fault == "partition" && s.faults[i].end.is_none())
            .collect();
        for i in open {
            s.fault_ended(i);
        }
    }
}

/// Heals every member and checks that nothing acknowledged was lost: every member reaches the
/// cluster's revision and holds the same history as the first (every event since the load,
/// replayed by a watch of each member), that history holds every write the run acknowledged
/// (the load's and each recorded step's and environment write's revision), and every object
/// of the recorded run's last state is stored. Returns a line for the summary.
pub async fn verify(
    cluster: &NetnsCluster,
    endpoints: &[String],
    recorder: &Arc<Mutex<Recorder>>,
) -> anyhow::Result<String> {
    for i in 0..cluster.members().len() {
        cluster
            .heal(i)
            .map_err(|e| anyhow::anyhow!("healing member {i}: {e}"))?;
    }
    let (objects, offset, awaited, acknowledged) = match recorder.lock() {
        Ok(r) => (
            r.state().history.latest_state().objects(),
            r.offset(),
            r.waiting().1,
            r.steps()
                .iter()
                .filter_map(|s| s.store_revision)
                .collect::<Vec<_>>(),
        ),
        Err(_) => bail!("the recorder failed"),
    };
    // The load is the first write of the run, at the model's first revision.
    let from = (offset + 1).max(1);
    let cluster_store = EtcdStore::connect(&endpoints[..1]).await?;
    let latest = cluster_store.revision().await?;
    let mut reference: Option<Vec<WatchEvent>> = None;
    for endpoint in endpoints {
        let member =
            EtcdStore::connect_with(std::slice::from_ref(endpoint), Reads::Serializable).await?;
        let history = history(&member, endpoint, from, latest).await?;
        match &reference {
            None => {
                let held: BTreeSet<Revision> = history.iter().map(WatchEvent::revision).collect();
                let load = std::iter::once(from).filter(|_| latest >= from);
                if let Some(lost) = load
                    .chain(acknowledged.iter().copied())
                    .find(|r| !held.contains(r))
                {
                    bail!(
                        "the write acknowledged at r{} is not in member {endpoint}'s history: a write was lost",
                        lost.saturating_sub(offset)
                    );
                }
                reference = Some(history);
            }
            Some(first) if *first != history => {
                let at = first
                    .iter()
                    .zip(&history)
                    .find(|(a, b)| a != b)
                    .map_or(latest, |(a, _)| a.revision());
                bail!(
                    "member {endpoint}'s history differs from member {}'s at r{} after healing",
                    endpoints[0],
                    at.saturating_sub(offset)
                );
            }
            Some(_) => {}
        }
    }
    let held = format!(
        "after healing, all {} members are at r{} and hold the same history, with all {} acknowledged writes",
        endpoints.len(),
        latest.saturating_sub(offset),
        acknowledged.len() + 1
    );
    if awaited <= latest {
        return Ok(format!(
            "{held} (the recording stopped at r{})",
            awaited.saturating_sub(offset)
        ));
    }
    let stored = cluster_store.list(Scope::All, At::Revision(latest)).await?;
    for object in &objects {
        let key = Key::of(object);
        if !stored.value.iter().any(|s| s.key == key) {
            bail!(
                "{} was acknowledged but is not stored: a write was lost",
                key.path()
            );
        }
    }
    Ok(format!(
        "{held}; the {} objects of the recorded state are stored",
        objects.len()
    ))
}

/// Every event `member` holds from revision `from` to `latest`, waiting (up to 10 s) for it
/// to catch up to `latest` first.
async fn history(
    member: &EtcdStore,
    endpoint: &str,
    from: Revision,
    latest: Revision,
) -> anyhow::Result<Vec<WatchEvent>> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while member.revision().await? < latest {
        if tokio::time::Instant::now() >= deadline {
            bail!("member {endpoint} did not catch up to r{latest} within 10 s of healing");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut events = Vec::new();
    if latest < from {
        return Ok(events);
    }
    let mut watch = member.watch(Scope::All, from).await?;
    let mut last = 0;
    loop {
        let next = if last >= latest {
            // The rest of the last revision's events (a commit of several keys brings several).
            match tokio::time::timeout(Duration::from_millis(50), watch.next()).await {
                Ok(next) => next,
                Err(_) => return Ok(events),
            }
        } else {
            tokio::time::timeout_at(deadline, watch.next())
                .await
                .with_context(|| format!("member {endpoint}'s history did not reach r{latest}"))?
        };
        let event = next.with_context(|| format!("replaying member {endpoint}'s history"))?;
        // The run's tasks may still write: the history compared ends at `latest`.
        if event.revision() > latest {
            return Ok(events);
        }
        last = event.revision();
        events.push(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_needs_a_private_cluster_that_keeps_a_quorum() {
        assert!(check(3, 0.1, true).is_ok());
        assert!(check(1, 0.0, true).is_ok());
        assert!(check(1, 0.0, false).is_ok());
        let two = check(2, 0.1, true).unwrap_err().to_string();
        assert!(
            two.contains("--partition needs --start-etcd --members 3"),
            "{two}"
        );
        assert!(check(3, 0.1, false).is_err());
        assert!(
            check(3, 0.0, false)
                .unwrap_err()
                .to_string()
                .contains("--members goes with")
        );
        assert!(
            check(0, 0.0, true)
                .unwrap_err()
                .to_string()
                .contains("1 to 9")
        );
        assert!(check(10, 0.0, true).is_err());
    }
}
