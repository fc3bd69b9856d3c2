//! Loading models and comparing a reduced search with the plain one.

use std::path::{Path, PathBuf};

use orchard::model::config::{ModelConfig, parse_model};
use orchard::model::history::{CommitMode, Consistency, ConsistencySetting, Lag, Relist};
use orchard::model::properties::{self, Property, PropertyKind};
use orchard::model::system::{Reduction, System};
use orchard::model::testing::{Exploration, explore};

/// The shipped models' folder.
pub fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// A model file's configuration, includes read beside it.
pub fn load(path: &Path) -> ModelConfig {
    let text = std::fs::read_to_string(path).expect("a model file");
    let dir = path.parent().expect("a folder").to_path_buf();
    let include =
        move |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string());
    parse_model(&text, &path.to_string_lossy(), &include)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .config
}

/// A model from its text (no includes).
pub fn parse(text: &str) -> Result<ModelConfig, String> {
    let include = |name: &str| Err(format!("no include `{name}` here"));
    parse_model(text, "generated.yaml", &include)
        .map(|m| m.config)
        .map_err(|e| e.to_string())
}

/// The consistency settings each model is compared under: every level, informer's relist and
/// lag options, read-your-writes, and the atomic commit mode.
pub fn settings() -> Vec<(String, ConsistencySetting, CommitMode)> {
    let level = |level| ConsistencySetting {
        level,
        ..ConsistencySetting::default()
    };
    let mut out: Vec<(String, ConsistencySetting, CommitMode)> = Consistency::ALL
        .into_iter()
        .map(|c| (c.name().to_string(), level(c), CommitMode::Kubernetes))
        .collect();
    let informer = level(Consistency::Informer);
    out.push((
        "informer relist latest".into(),
        ConsistencySetting {
            relist: Relist::Latest,
            ..informer
        },
        CommitMode::Kubernetes,
    ));
    out.push((
        "informer lag zero".into(),
        ConsistencySetting {
            lag: Lag::Zero,
            ..informer
        },
        CommitMode::Kubernetes,
    ));
    for c in [
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
    ] {
        out.push((
            format!("{} read-your-writes", c.name()),
            ConsistencySetting {
                read_your_writes: true,
                ..level(c)
            },
            CommitMode::Kubernetes,
        ));
    }
    for c in [
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
        Consistency::Causal,
        Consistency::Informer,
    ] {
        out.push((format!("{} atomic", c.name()), level(c), CommitMode::Atomic));
    }
    out
}

/// The same model under another setting.
pub fn with_setting(
    config: &ModelConfig,
    setting: ConsistencySetting,
    commit: CommitMode,
) -> ModelConfig {
    ModelConfig {
        consistency: setting,
        commit,
        ..config.clone()
    }
}

/// What one comparison covered.
#[derive(Debug)]
pub struct Compared {
    /// Both searches visited every reachable state.
    pub complete: bool,
    /// The depth both were compared to.
    pub depth: usize,
    /// The states of the reduced and of the plain search.
    pub states: (usize, usize),
    /// Each property's shortest counterexample (the same in both).
    pub shortest: Vec<(&'static str, Option<usize>)>,
}

/// The properties a model checks that [`explore`] measures (`eventually` ones none are).
fn measured(system: &System) -> Vec<&'static Property> {
    properties::selected(system)
        .into_iter()
        .filter(|p| p.kind != PropertyKind::Eventually)
        .collect()
}

/// Searches `config` with every reduction and with none, each until more than `max_states`
/// states, and compares the shortest counterexample of every property to the depth both
/// searches covered: the whole space when the plain search completes; else, with `deepen`, at
/// least the reduced search's first counterexample depth plus two (the plain search is then
/// repeated to that depth without a bound on states). An error says what differs.
pub fn compare(config: &ModelConfig, max_states: usize, deepen: bool) -> Result<Compared, String> {
    let build = |reduction| {
        System::new(config.clone())
            .map(|s| s.with_reduction(reduction))
            .map_err(|e| e.to_string())
    };
    let reduced_system = build(Reduction::ALL)?;
    let plain_system = build(Reduction::NONE)?;
    let props = measured(&reduced_system);
    // The reduced space is the smaller: it may go deeper for the same time.
    let reduced = explore(&reduced_system, &props, usize::MAX, max_states * 4);
    let mut plain = explore(&plain_system, &props, usize::MAX, max_states);
    if deepen && !plain.complete {
        let first = reduced
            .shortest
            .iter()
            .zip(&props)
            .filter(|(_, p)| p.kind == PropertyKind::Always)
            .filter_map(|((_, s), _)| *s)
            .min();
        if let Some(first) = first
            && plain.depth < first + 2
        {
            plain = explore(&plain_system, &props, first + 2, usize::MAX);
        }
    }
    let depth = reduced.depth.min(plain.depth);
    let within = |e: &Exploration| -> Vec<(&'static str, Option<usize>)> {
        e.shortest
            .iter()
            .map(|(id, s)| (*id, s.filter(|l| *l <= depth)))
            .collect()
    };
    let (r, p) = (within(&reduced), within(&plain));
    if r != p {
        return Err(format!(
            "to depth {depth} (reduced: {} states{}, plain: {} states{}):\n  reduced {r:?}\n  plain   {p:?}",
            reduced.states,
            if reduced.complete { ", complete" } else { "" },
            plain.states,
            if plain.complete { ", complete" } else { "" },
        ));
    }
    Ok(Compared {
        complete: reduced.complete && plain.complete,
        depth,
        states: (reduced.states, plain.states),
        shortest: r,
    })
}
