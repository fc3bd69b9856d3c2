//! The settings a path is explored under (consistency level with its options, commit mode),
//! the command line's overrides of a model's settings (shared by `orchard check` and
//! `orchard explore`), and the parsers of their names.

use std::fmt;

use crate::model::config::ModelConfig;
use crate::model::config::guards::GuardSwitches;
use crate::model::history::{CommitMode, Consistency, ConsistencySetting, Lag, Relist};
use crate::model::suggest::one_of;

/// What a path is explored under: the consistency setting and the commit mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Settings {
    /// The consistency level and its options.
    pub consistency: ConsistencySetting,
    /// The commit mode.
    pub commit: CommitMode,
}

impl Settings {
    /// The settings of a model configuration.
    pub fn of(config: &ModelConfig) -> Settings {
        Settings {
            consistency: config.consistency,
            commit: config.commit,
        }
    }

    /// Puts these settings into a configuration.
    pub fn apply(&self, config: &mut ModelConfig) {
        config.consistency = self.consistency;
        config.commit = self.commit;
    }
}

impl fmt::Display for Settings {
    /// `resettable-session (read-your-writes), commit kubernetes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, commit {}", self.consistency, self.commit.name())
    }
}

/// The command line's overrides of a model's settings (`--consistency`, `--read-your-writes`,
/// `--relist`, `--lag`, `--commit`); `None` and `false` keep the model's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// The consistency level.
    pub consistency: Option<Consistency>,
    /// Turn read-your-writes on.
    pub read_your_writes: bool,
    /// The informer's relist.
    pub relist: Option<Relist>,
    /// The informer's lag.
    pub lag: Option<Lag>,
    /// The commit mode.
    pub commit: Option<CommitMode>,
    /// Guards switched on or off (`--guard NAME=on|off`).
    pub guards: GuardSwitches,
    /// One-write or multi-write syncs (`--syncs`).
    pub syncs: Option<crate::model::config::Syncs>,
}

impl Overrides {
    /// Applies the overrides to a configuration.
    pub fn apply(&self, config: &mut ModelConfig) {
        if let Some(level) = self.consistency {
            config.consistency.level = level;
        }
        config.consistency.read_your_writes |= self.read_your_writes;
        if let Some(relist) = self.relist {
            config.consistency.relist = relist;
        }
        if let Some(lag) = self.lag {
            config.consistency.lag = lag;
        }
        if let Some(commit) = self.commit {
            config.commit = commit;
        }
        self.guards.apply(&mut config.guards);
        if let Some(syncs) = self.syncs {
            config.syncs = syncs;
        }
    }

    /// Why an override means nothing under `level` (the level the overrides leave), if one
    /// does: read-your-writes outside the session levels, relist or lag outside informer.
    pub fn pointless_under(&self, level: Consistency) -> Option<String> {
        if self.read_your_writes && !level.has_sessions() {
            Some(format!(
                "--read-your-writes: means nothing under {}: only the session levels \
                 (monotonic-session, resettable-session) keep a session to read one's writes from",
                level.name()
            ))
        } else if self.relist.is_some() && level != Consistency::Informer {
            Some(format!(
                "--relist: means nothing under {}: only informer caches are relisted",
                level.name()
            ))
        } else if self.lag.is_some() && level != Consistency::Informer {
            Some(format!(
                "--lag: means nothing under {}: only informer caches lag",
                level.name()
            ))
        } else {
            None
        }
    }

    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }
}

/// Parses a consistency level's name (ignoring case; a misspelling gets a suggestion).
pub fn parse_consistency(s: &str) -> Result<Consistency, String> {
    let choices: Vec<(&'static str, Consistency)> =
        Consistency::ALL.iter().map(|&c| (c.name(), c)).collect();
    one_of("consistency", s, &choices)
}

/// Parses an informer relist's name.
pub fn parse_relist(s: &str) -> Result<Relist, String> {
    one_of(
        "relist",
        s,
        &[
            (Relist::AnyRevision.name(), Relist::AnyRevision),
            (Relist::Latest.name(), Relist::Latest),
        ],
    )
}

/// Parses an informer lag's name.
pub fn parse_lag(s: &str) -> Result<Lag, String> {
    one_of(
        "lag",
        s,
        &[(Lag::Any.name(), Lag::Any), (Lag::Zero.name(), Lag::Zero)],
    )
}

/// Parses a commit mode's name.
pub fn parse_commit(s: &str) -> Result<CommitMode, String> {
    one_of(
        "commit mode",
        s,
        &[
            (CommitMode::Kubernetes.name(), CommitMode::Kubernetes),
            (CommitMode::Atomic.name(), CommitMode::Atomic),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_the_models_settings_and_names_are_checked() {
        let mut config = ModelConfig::default();
        let o = Overrides {
            consistency: Some(Consistency::MonotonicSession),
            read_your_writes: true,
            commit: Some(CommitMode::Atomic),
            ..Overrides::default()
        };
        o.apply(&mut config);
        assert_eq!(config.consistency.level, Consistency::MonotonicSession);
        assert!(config.consistency.read_your_writes);
        assert_eq!(config.commit, CommitMode::Atomic);
        assert!(Overrides::default().is_empty() && !o.is_empty());
        assert!(parse_consistency("causal").is_ok());
        let err = parse_consistency("casual").unwrap_err();
        assert!(err.contains("`casual`") && err.contains("causal"), "{err}");
        assert!(parse_commit("atomic").is_ok() && parse_commit("x").is_err());
        assert!(parse_relist("latest").is_ok() && parse_lag("zero").is_ok());
    }
}
