//! The faults a run injects, each at a rate: restarts (a task's local state and caches lost),
//! stale reads (a task's caches held back and delivered late), and partitions (an etcd
//! member's peer link cut and healed). Rates are probabilities per controller step (restarts,
//! stale reads) or per tick of [`TICK`] (partitions).

use std::time::Duration;

use thiserror::Error;

use super::rng::Rng;
use crate::model::resources::Revision;

/// How often the fault injector and the environment decide.
pub const TICK: Duration = Duration::from_millis(100);

/// What a restarted task's informers list from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Relist {
    /// Any revision still held (an old one, as a resettable session allows).
    #[default]
    AnyRevision,
    /// The latest revision.
    Latest,
}

impl Relist {
    /// The name, as `--relist` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Relist::AnyRevision => "any-revision",
            Relist::Latest => "latest",
        }
    }

    /// Parses `--relist`.
    pub fn parse(text: &str) -> Result<Relist, FaultError> {
        match text {
            "any-revision" => Ok(Relist::AnyRevision),
            "latest" => Ok(Relist::Latest),
            other => Err(FaultError::Relist(other.to_string())),
        }
    }
}

/// A fault setting that cannot be.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum FaultError {
    /// A rate outside 0..1.
    #[error("--{flag}: {value} is not a rate between 0 and 1")]
    Rate {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: f64,
    },
    /// An unknown `--relist`.
    #[error("--relist: unknown value `{0}` (any-revision or latest)")]
    Relist(String),
}

/// The faults of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// Per controller step: a restart the model's rules allow fires.
    pub restarts: f64,
    /// Per step: the task reads an older revision than the latest its session allows.
    pub stale_reads: f64,
    /// What a restarted task reads first.
    pub relist: Relist,
    /// Per tick: a member's peer link is cut (with several members in namespaces).
    pub partition: f64,
}

impl Faults {
    /// Checks every rate is within 0..1.
    pub fn check(&self) -> Result<(), FaultError> {
        for (flag, value) in [
            ("restarts", self.restarts),
            ("stale-reads", self.stale_reads),
            ("partition", self.partition),
        ] {
            if !(0.0..=1.0).contains(&value) || value.is_nan() {
                return Err(FaultError::Rate { flag, value });
            }
        }
        Ok(())
    }

    /// The store revision a task reads next, as a session does: newer than its last read
    /// `last` (`None`: nothing new to read), the latest or (a stale read) one held back
    /// between; a task with no session (fresh or restarted) lists as `relist` says, from any
    /// revision since the load.
    pub fn read_revision(
        &self,
        rng: &mut Rng,
        last: Option<Revision>,
        loaded: Revision,
        latest: Revision,
    ) -> Option<Revision> {
        match last {
            None => Some(match self.relist {
                Relist::AnyRevision => rng.between(loaded, latest),
                Relist::Latest => latest,
            }),
            Some(last) if last >= latest => None,
            Some(last) if rng.chance(self.stale_reads) => {
                Some(rng.between((last + 1).max(loaded), latest))
            }
            Some(_) => Some(latest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_outside_0_to_1_are_refused_naming_the_flag() {
        let bad = Faults {
            stale_reads: 1.5,
            ..Faults::default()
        };
        assert_eq!(
            bad.check().unwrap_err().to_string(),
            "--stale-reads: 1.5 is not a rate between 0 and 1"
        );
        assert!(Faults::default().check().is_ok());
        assert!(Relist::parse("sometimes").is_err());
    }

    #[test]
    fn reads_stay_between_floor_and_latest_and_latest_relist_reads_latest() {
        let mut rng = Rng::new(3);
        let stale = Faults {
            stale_reads: 1.0,
            ..Faults::default()
        };
        let reads: Vec<_> = (0..50)
            .map(|_| stale.read_revision(&mut rng, Some(4), 2, 9).unwrap())
            .collect();
        assert!(reads.iter().all(|r| (5..=9).contains(r)));
        assert!(reads.iter().any(|r| *r < 9));
        assert_eq!(stale.read_revision(&mut rng, Some(9), 2, 9), None);
        let fresh = Faults {
            relist: Relist::Latest,
            ..Faults::default()
        };
        assert!((0..50).all(|_| fresh.read_revision(&mut rng, None, 2, 9) == Some(9)));
        assert!((0..50).all(|_| fresh.read_revision(&mut rng, Some(4), 2, 9) == Some(9)));
        let any: Vec<_> = (0..50)
            .map(|_| {
                Faults::default()
                    .read_revision(&mut rng, None, 2, 9)
                    .unwrap()
            })
            .collect();
        assert!(any.iter().any(|r| *r < 4));
    }
}
