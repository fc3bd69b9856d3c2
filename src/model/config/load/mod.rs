//! Resolution of a model file into a [`ModelConfig`]: names checked against the registries
//! (controllers, properties, consistency levels), environment targets against the resources,
//! `file:` manifests included through the caller's closure. Every error names the file, the
//! line and column (where the YAML has them) and the field.

mod controllers;
mod environment;
mod resources;
mod source;
mod unmodelled;

use super::error::{ConfigError, IgnoredField, Position};
use super::file::{ConsistencyField, GuardsField, ModelFile, PropertiesField};
use super::limits;
use super::locate::index;
use super::sniff::{FileKind, sniff};
use super::{CheckerDefaults, Guards, ModelConfig, Start, Syncs};
use crate::model::history::{CommitMode, Consistency, ConsistencySetting, Lag, Relist};
use crate::model::properties;
use resources::Resources;
use source::{Source, known};

/// A model as loaded: its configuration and the manifest fields it left out.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedModel {
    /// The resolved configuration.
    pub config: ModelConfig,
    /// Fields valid in Kubernetes but not modelled, each reported once, in file order.
    pub ignored: Vec<IgnoredField>,
}

/// The checker strategies a model may name.
pub const STRATEGIES: [&str; 3] = ["bfs", "dfs", "simulation"];

/// Parses and resolves a model file. `origin` is its path as given (for messages); `include`
/// returns the text of a `file:` path written in the model (relative to the model: the caller
/// resolves it), or why it cannot.
pub fn parse_model(
    text: &str,
    origin: &str,
    include: &dyn Fn(&str) -> Result<String, String>,
) -> Result<LoadedModel, ConfigError> {
    let source = Source::new(origin.to_string(), text, 0);
    let first_line = Some(Position { line: 1, column: 1 });
    if source.locator.is_empty() {
        return Err(ConfigError::new(
            origin,
            first_line,
            "",
            "the model is empty: it needs at least a `name`",
        ));
    }
    let kind = sniff(text);
    if matches!(kind, FileKind::Trace | FileKind::Manifest(_)) {
        let what = kind.describe();
        let taken_by = kind.taken_by(origin).unwrap_or_default();
        return Err(ConfigError::new(
            origin,
            first_line,
            "",
            format!("this file is {what}, not a model: {taken_by}"),
        ));
    }
    let file: ModelFile = serde_saphyr::from_str(text).map_err(|e| source.parse_error(&e))?;
    if file.name.trim().is_empty() {
        return Err(source.error("name", "a model needs a name"));
    }
    limits::name_within(&file.name, limits::MAX_MODEL_NAME).map_err(|m| source.error("name", m))?;
    limits::count_within(
        file.environment.len(),
        limits::MAX_RULES,
        "environment rules",
    )
    .map_err(|m| source.error("environment", m))?;
    let consistency = consistency(&source, file.consistency.as_ref())?;
    let commit = commit(&source, file.commit.as_deref())?;
    let controllers = controllers::controllers(&source, &file.controllers)?;
    let mut resources = Resources::default();
    resources::read_resources(&source, text, &file.resources, include, &mut resources)?;
    let environment = file
        .environment
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            environment::environment_rule(
                &source,
                &index("environment", i),
                entry,
                &controllers,
                &resources,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let properties = property_ids(&source, file.properties.as_ref())?;
    let checker = checker(&source, file.checker.as_ref())?;
    let guards = guards(&source, file.guards.as_ref())?;
    let start = match file.start.as_deref() {
        None | Some("initial") => Start::Initial,
        Some("settled") => Start::Settled,
        Some(other) => {
            return Err(source.error(
                "start",
                format!("unknown start `{other}` (known: initial, settled)"),
            ));
        }
    };
    let syncs = match file.syncs.as_deref() {
        None => Syncs::default(),
        Some(name) => Syncs::parse(name).map_err(|m| source.error("syncs", m))?,
    };
    let config = ModelConfig {
        name: file.name,
        description: file.description.trim().to_string(),
        consistency,
        commit,
        controllers,
        environment,
        properties,
        checker,
        initial: resources.objects,
        guards,
        start,
        syncs,
    };
    // Every limit was checked where its field was read; this is the same check a trace's
    // embedded model passes, kept here so that the two cannot drift apart.
    limits::check(&config).map_err(|e| ConfigError::new(origin, first_line, e.field, e.message))?;
    Ok(LoadedModel {
        config,
        ignored: resources.ignored,
    })
}

fn guards(source: &Source, field: Option<&GuardsField>) -> Result<Guards, ConfigError> {
    let mut guards = Guards::default();
    let Some(field) = field else {
        return Ok(guards);
    };
    if let Some(on) = field.expectations {
        guards.expectations = on;
    }
    for (kind, on) in &field.staleness_guard {
        let known = crate::model::controllers::registration(kind)
            .is_some_and(|r| !r.staleness_guard.is_empty());
        if !known {
            let with_guard: Vec<&str> = crate::model::controllers::REGISTRY
                .iter()
                .filter(|r| !r.staleness_guard.is_empty())
                .map(|r| r.kind)
                .collect();
            return Err(source.error(
                &format!("guards.staleness-guard.{kind}"),
                format!(
                    "`{kind}` has no staleness guard (controllers with one: {})",
                    with_guard.join(", ")
                ),
            ));
        }
        guards.staleness_guard.insert(kind.clone(), *on);
    }
    if let Some(on) = field.wait_for_cache_sync {
        guards.wait_for_cache_sync = on;
    }
    if let Some(on) = field.podgc_live_node_check {
        guards.podgc_live_node_check = on;
    }
    Ok(guards)
}

fn consistency(
    source: &Source,
    field: Option<&ConsistencyField>,
) -> Result<ConsistencySetting, ConfigError> {
    let level = |path: &str, name: &str| {
        Consistency::from_name(name).ok_or_else(|| {
            source.error(
                path,
                format!(
                    "unknown consistency `{name}` (known: {})",
                    known(Consistency::ALL.map(Consistency::name))
                ),
            )
        })
    };
    match field {
        None => Ok(ConsistencySetting::default()),
        Some(ConsistencyField::Name(name)) => {
            Ok(ConsistencySetting::of(level("consistency", name)?))
        }
        Some(ConsistencyField::Detailed(detail)) => {
            let mut setting = ConsistencySetting::of(level("consistency.level", &detail.level)?);
            setting.read_your_writes = detail.read_your_writes;
            if setting.read_your_writes && !setting.level.has_sessions() {
                return Err(source.error(
                    "consistency.read-your-writes",
                    format!(
                        "read-your-writes applies to the session levels only \
                         (monotonic-session, resettable-session), not {}",
                        setting.level.name()
                    ),
                ));
            }
            if let Some(relist) = &detail.relist {
                let modes = [Relist::AnyRevision, Relist::Latest];
                if setting.level != Consistency::Informer {
                    return Err(source.error(
                        "consistency.relist",
                        format!(
                            "relist applies to the informer level only, not {}",
                            setting.level.name()
                        ),
                    ));
                }
                setting.relist =
                    modes
                        .into_iter()
                        .find(|m| m.name() == relist)
                        .ok_or_else(|| {
                            source.error(
                                "consistency.relist",
                                format!(
                                    "unknown relist `{relist}` (known: {})",
                                    known(modes.map(Relist::name))
                                ),
                            )
                        })?;
            }
            if let Some(lag) = &detail.lag {
                let lags = [Lag::Any, Lag::Zero];
                if setting.level != Consistency::Informer {
                    return Err(source.error(
                        "consistency.lag",
                        format!(
                            "lag applies to the informer level only, not {}",
                            setting.level.name()
                        ),
                    ));
                }
                setting.lag = lags.into_iter().find(|l| l.name() == lag).ok_or_else(|| {
                    source.error(
                        "consistency.lag",
                        format!(
                            "unknown lag `{lag}` (known: {})",
                            known(lags.map(Lag::name))
                        ),
                    )
                })?;
            }
            Ok(setting)
        }
    }
}

fn commit(source: &Source, field: Option<&str>) -> Result<CommitMode, ConfigError> {
    let modes = [CommitMode::Kubernetes, CommitMode::Atomic];
    match field {
        None => Ok(CommitMode::default()),
        Some(name) => modes.into_iter().find(|m| m.name() == name).ok_or_else(|| {
            source.error(
                "commit",
                format!(
                    "unknown commit mode `{name}` (known: {})",
                    known(modes.map(CommitMode::name))
                ),
            )
        }),
    }
}

fn property_ids(
    source: &Source,
    field: Option<&PropertiesField>,
) -> Result<Vec<String>, ConfigError> {
    match field {
        None => Ok(Vec::new()),
        Some(PropertiesField::Word(word)) if word == "all" => Ok(Vec::new()),
        Some(PropertiesField::Word(word)) => Err(source.error(
            "properties",
            format!("expected `all` or a list of property ids, not `{word}`"),
        )),
        Some(PropertiesField::Ids(ids)) if ids.is_empty() => Err(source.error(
            "properties",
            "an empty list checks nothing: write `all` or name property ids",
        )),
        Some(PropertiesField::Ids(ids)) => {
            for (j, id) in ids.iter().enumerate() {
                if properties::by_id(id).is_none() {
                    return Err(source.error(
                        &index("properties", j),
                        format!(
                            "unknown property `{id}` (known: {})",
                            known(properties::all().iter().map(|p| p.id))
                        ),
                    ));
                }
            }
            Ok(ids.clone())
        }
    }
}

fn checker(
    source: &Source,
    field: Option<&super::file::CheckerField>,
) -> Result<CheckerDefaults, ConfigError> {
    let mut out = CheckerDefaults::default();
    let Some(field) = field else { return Ok(out) };
    if let Some(strategy) = &field.strategy {
        if !STRATEGIES.contains(&strategy.as_str()) {
            return Err(source.error(
                "checker.strategy",
                format!(
                    "unknown strategy `{strategy}` (known: {})",
                    known(STRATEGIES)
                ),
            ));
        }
        out.strategy = strategy.clone();
    }
    if let Some(depth) = field.max_depth {
        limits::value_within(depth, limits::MAX_DEPTH, "the depth bound")
            .map_err(|m| source.error("checker.max-depth", m))?;
        out.max_depth = usize::try_from(depth).unwrap_or(usize::MAX);
    }
    Ok(out)
}
