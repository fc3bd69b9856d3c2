//! The settings a path is explored under (consistency level with its options, commit mode),
//! the command line's overrides of a model's settings (shared by `orchard check` and
//! `orchard explore`), and the parsers of their names.

use std::fmt;

use crate::model::config::ModelConfig;
use crate::model::history::{CommitMode, Consistency, ConsistencySetting, Lag, Relist};

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
    }

    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }
}

/// Parses a consistency level's name.
pub fn parse_consistency(s: &str) -> Result<Consistency, String> {
    Consistency::from_name(s).ok_or_else(|| {
        let known: Vec<&str> = Consistency::ALL.iter().map(|c| c.name()).collect();
        format!("unknown consistency `{s}` (known: {})", known.join(", "))
    })
}

/// Parses an informer relist's name.
pub fn parse_relist(s: &str) -> Result<Relist, String> {
    [Relist::AnyRevision, Relist::Latest]
        .into_iter()
        .find(|r| r.name() == s)
        .ok_or_else(|| format!("unknown relist `{s}` (known: any-revision, latest)"))
}

/// Parses an informer lag's name.
pub fn parse_lag(s: &str) -> Result<Lag, String> {
    [Lag::Any, Lag::Zero]
        .into_iter()
        .find(|l| l.name() == s)
        .ok_or_else(|| format!("unknown lag `{s}` (known: any, zero)"))
}

/// Parses a commit mode's name.
pub fn parse_commit(s: &str) -> Result<CommitMode, String> {
    [CommitMode::Kubernetes, CommitMode::Atomic]
        .into_iter()
        .find(|m| m.name() == s)
        .ok_or_else(|| format!("unknown commit mode `{s}` (known: kubernetes, atomic)"))
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
