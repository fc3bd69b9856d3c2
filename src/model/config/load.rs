//! Resolution of a model file into a [`ModelConfig`]: names checked against the registries
//! (controllers, properties, consistency levels), environment targets against the resources,
//! `file:` manifests included through the caller's closure. Every error names the file, the
//! line and column (where the YAML has them) and the field.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{ConfigError, IgnoredField, Position};
use super::file::{
    ConsistencyField, ControllerEntry, EnvironmentEntry, ModelFile, NodeItem, PropertiesField,
    ResourceHeader,
};
use super::locate::{Locator, index, join};
use super::manifest::{self, Read};
use super::{CheckerDefaults, ModelConfig};
use crate::model::controllers::{ControllerSpec, NodeMachine, REGISTRY, Registration};
use crate::model::environment::{EnvironmentOp, EnvironmentRule, Target, Who};
use crate::model::history::{CommitMode, Consistency, ConsistencySetting};
use crate::model::properties;
use crate::model::resources::{Kind, Object};

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
    let file: ModelFile = serde_saphyr::from_str(text).map_err(|e| source.parse_error(&e))?;
    if file.name.trim().is_empty() {
        return Err(source.error("name", "a model needs a name"));
    }
    let consistency = consistency(&source, file.consistency.as_ref())?;
    let commit = commit(&source, file.commit.as_deref())?;
    let controllers = controllers(&source, &file.controllers)?;
    let mut resources = Resources::default();
    read_resources(&source, text, &file.resources, include, &mut resources)?;
    let environment = file
        .environment
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            environment_rule(
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
    Ok(LoadedModel {
        config: ModelConfig {
            name: file.name,
            description: file.description.trim().to_string(),
            consistency,
            commit,
            controllers,
            environment,
            properties,
            checker,
            initial: resources.objects,
        },
        ignored: resources.ignored,
    })
}

/// A YAML text being resolved: its file name for messages and where its fields are.
struct Source {
    file: String,
    locator: Locator,
    line_offset: u32,
}

impl Source {
    fn new(file: String, text: &str, line_offset: u32) -> Source {
        Source {
            file,
            locator: Locator::new(text, line_offset),
            line_offset,
        }
    }

    /// Where a field is: its own position, or its nearest located parent's.
    fn position(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(p) = self.locator.position_of(path) {
                return Some(p);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }

    fn error(&self, path: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::new(&self.file, self.position(path), path, message)
    }

    fn parse_error(&self, e: &serde_saphyr::Error) -> ConfigError {
        let position = e.location().filter(|l| l.line() > 0).map(|l| Position {
            line: u32::try_from(l.line())
                .unwrap_or(u32::MAX)
                .saturating_add(self.line_offset),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
        });
        let field = position
            .map(|p| self.locator.path_at(p))
            .unwrap_or_default();
        ConfigError::new(&self.file, position, field, bare_message(e))
    }
}

/// A saphyr error's message without the ` at line L, column C` it appends.
fn bare_message(e: &serde_saphyr::Error) -> String {
    let text = e.without_snippet().to_string();
    match text.rfind(" at line ") {
        Some(cut) if text[cut..].contains(", column ") => text[..cut].to_string(),
        _ => text,
    }
}

fn known(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|n| n.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
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
        Some(ConsistencyField::Name(name)) => Ok(ConsistencySetting {
            level: level("consistency", name)?,
            read_your_writes: false,
        }),
        Some(ConsistencyField::Detailed(detail)) => {
            let setting = ConsistencySetting {
                level: level("consistency.level", &detail.level)?,
                read_your_writes: detail.read_your_writes,
            };
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

/// The key a controller kind has under `controllers:` (`nodes` for node controllers).
fn controller_key(r: &Registration) -> &'static str {
    if r.is_node { "nodes" } else { r.kind }
}

fn controllers(
    source: &Source,
    entries: &BTreeMap<String, ControllerEntry>,
) -> Result<Vec<ControllerSpec>, ConfigError> {
    for key in entries.keys() {
        if !REGISTRY.iter().any(|r| controller_key(r) == key) {
            return Err(source.error(
                &join("controllers", key),
                format!(
                    "unknown controller kind `{key}` (known: {})",
                    known(REGISTRY.iter().map(controller_key))
                ),
            ));
        }
    }
    let mut out: Vec<ControllerSpec> = Vec::new();
    for registration in REGISTRY {
        let key = controller_key(registration);
        let Some(entry) = entries.get(key) else {
            continue;
        };
        let path = join("controllers", key);
        let spec = |name: String, machine: Option<NodeMachine>| ControllerSpec {
            kind: registration.kind.to_string(),
            name,
            node: registration.is_node.then(|| machine.unwrap_or_default()),
        };
        let numbered = |count: i64, path: &str, machine: Option<NodeMachine>| {
            if count < 0 {
                return Err(source.error(path, format!("count must not be negative ({count})")));
            }
            Ok((1..=count)
                .map(|n| {
                    let name = if count == 1 && !registration.is_node {
                        registration.kind.to_string()
                    } else {
                        format!("{}-{n}", registration.kind)
                    };
                    spec(name, machine.clone())
                })
                .collect::<Vec<_>>())
        };
        let instances = match entry {
            ControllerEntry::Count(n) => numbered(*n, &path, None)?,
            ControllerEntry::Group(group) => {
                if !registration.is_node {
                    return Err(source.error(
                        &path,
                        "only nodes take a machine: give a count or a list of names",
                    ));
                }
                let machine = NodeMachine {
                    capacity: group.capacity.clone(),
                    labels: group.labels.clone(),
                    taints: group.taints.clone(),
                    unschedulable: group.unschedulable,
                };
                numbered(group.count, &join(&path, "count"), Some(machine))?
            }
            ControllerEntry::List(items) => {
                let mut list = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let item_path = index(&path, i);
                    let (name, machine) = match item {
                        NodeItem::Name(name) => (name.clone(), None),
                        NodeItem::Machine(m) if registration.is_node => (
                            m.name.clone(),
                            Some(NodeMachine {
                                capacity: m.capacity.clone(),
                                labels: m.labels.clone(),
                                taints: m.taints.clone(),
                                unschedulable: m.unschedulable,
                            }),
                        ),
                        NodeItem::Machine(_) => {
                            return Err(
                                source.error(&item_path, "only nodes take a machine: give a name")
                            );
                        }
                    };
                    if name.trim().is_empty() {
                        return Err(source.error(&item_path, "a controller needs a name"));
                    }
                    list.push(spec(name, machine));
                }
                list
            }
        };
        for instance in instances {
            if out.iter().any(|c| c.name == instance.name) {
                return Err(source.error(
                    &path,
                    format!("two controllers are named `{}`", instance.name),
                ));
            }
            out.push(instance);
        }
    }
    Ok(out)
}

/// The resources read so far, with where each came from.
#[derive(Default)]
struct Resources {
    objects: Vec<Object>,
    /// Where each named resource is, by kind and name: file and position.
    places: BTreeMap<(Kind, String), (String, Option<Position>)>,
    ignored: Vec<IgnoredField>,
}

impl Resources {
    fn contains(&self, kind: Kind, name: &str) -> bool {
        self.places.contains_key(&(kind, name.to_string()))
    }

    fn names(&self, kind: Kind) -> Vec<&str> {
        self.places
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
            .collect()
    }

    /// Adds a manifest read at `path` of `source`, after checking it.
    fn add(&mut self, source: &Source, path: &str, read: Read) -> Result<(), ConfigError> {
        let (object, ignored) = read;
        check_counts(source, path, &object)?;
        let kind = object.kind();
        let label = if object.name().is_empty() {
            format!("{kind}/{}*", object.metadata().generate_name)
        } else {
            format!("{kind}/{}", object.name())
        };
        if !object.name().is_empty() {
            let name_path = join(path, "metadata.name");
            let key = (kind, object.name().to_string());
            if let Some((file, position)) = self.places.get(&key) {
                let at = match position {
                    Some(p) => format!("{file}:{}:{}", p.line, p.column),
                    None => file.clone(),
                };
                return Err(source.error(
                    &name_path,
                    format!("duplicate {kind} `{}` (first at {at})", object.name()),
                ));
            }
            self.places
                .insert(key, (source.file.clone(), source.position(&name_path)));
        }
        for field in ignored {
            let at = join(path, &field);
            self.ignored.push(IgnoredField {
                file: source.file.clone(),
                position: source.position(&at),
                resource: label.clone(),
                path: field,
            });
        }
        self.objects.push(object);
        Ok(())
    }
}

/// Counts that Kubernetes' validation rejects when negative.
fn check_counts(source: &Source, path: &str, object: &Object) -> Result<(), ConfigError> {
    let counts: Vec<(&str, Option<i32>)> = match object {
        Object::Deployment(d) => vec![("spec.replicas", d.spec.replicas)],
        Object::StatefulSet(s) => vec![("spec.replicas", s.spec.replicas)],
        Object::ReplicaSet(r) => vec![("spec.replicas", r.spec.replicas)],
        Object::Job(j) => vec![
            ("spec.parallelism", j.spec.parallelism),
            ("spec.completions", j.spec.completions),
            ("spec.backoffLimit", j.spec.backoff_limit),
        ],
        _ => Vec::new(),
    };
    for (field, value) in counts {
        if let Some(v) = value.filter(|v| *v < 0) {
            return Err(source.error(&join(path, field), format!("must not be negative ({v})")));
        }
    }
    Ok(())
}

/// Checks a manifest's header: its kind, apiVersion and name.
fn header_kind(source: &Source, path: &str, header: &ResourceHeader) -> Result<Kind, ConfigError> {
    let Some(kind_name) = &header.kind else {
        return Err(source.error(path, "a manifest needs a `kind` (or write `file: path`)"));
    };
    let kind = Kind::from_name(kind_name).ok_or_else(|| {
        source.error(
            &join(path, "kind"),
            format!(
                "unknown kind `{kind_name}` (known: {})",
                known(Kind::ALL.map(Kind::name))
            ),
        )
    })?;
    if let Some(api_version) = &header.api_version
        && api_version != kind.api_version()
    {
        return Err(source.error(
            &join(path, "apiVersion"),
            format!(
                "`{api_version}` is not the apiVersion of {kind} (write {})",
                kind.api_version()
            ),
        ));
    }
    if header.metadata.name.is_empty() && header.metadata.generate_name.is_empty() {
        return Err(source.error(
            &join(path, "metadata"),
            "a manifest needs `metadata.name` (or `metadata.generateName`)",
        ));
    }
    Ok(kind)
}

fn read_resources(
    source: &Source,
    text: &str,
    headers: &[ResourceHeader],
    include: &dyn Fn(&str) -> Result<String, String>,
    resources: &mut Resources,
) -> Result<(), ConfigError> {
    let mut kinds = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let path = index("resources", i);
        kinds.push(match &header.file {
            Some(_) => None,
            None => Some(header_kind(source, &path, header)?),
        });
    }
    let mut inline = manifest::read_inline(text, &kinds)
        .map_err(|e| source.parse_error(&e))?
        .into_iter();
    for (i, header) in headers.iter().enumerate() {
        let path = index("resources", i);
        let read = inline.next().flatten();
        match (&header.file, read) {
            (Some(file), _) => {
                let included = include(file).map_err(|why| {
                    source.error(&join(&path, "file"), format!("cannot read `{file}`: {why}"))
                })?;
                let name = included_name(&source.file, file);
                read_manifest_file(&name, &included, resources)?;
            }
            (None, Some(read)) => resources.add(source, &path, read)?,
            (None, None) => return Err(source.error(&path, "this manifest could not be read")),
        }
    }
    Ok(())
}

/// How an included file is named in messages: its path beside the model.
fn included_name(origin: &str, file: &str) -> String {
    match Path::new(origin).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(file).display().to_string(),
        _ => file.to_string(),
    }
}

/// Reads every document of an included manifest file.
fn read_manifest_file(
    name: &str,
    text: &str,
    resources: &mut Resources,
) -> Result<(), ConfigError> {
    for (line_offset, document) in manifest::split_documents(text) {
        let source = Source::new(name.to_string(), document, line_offset);
        let header: Option<ResourceHeader> =
            serde_saphyr::from_str(document).map_err(|e| source.parse_error(&e))?;
        let Some(header) = header else { continue };
        if header.file.is_some() {
            return Err(source.error("file", "a manifest file cannot include another"));
        }
        let kind = header_kind(&source, "", &header)?;
        let read = manifest::read_document(document, kind).map_err(|e| source.parse_error(&e))?;
        resources.add(&source, "", read)?;
    }
    Ok(())
}

const OPERATIONS: [&str; 7] = [
    "scale",
    "change-image",
    "toggle-pause",
    "toggle-suspend",
    "mark-containers",
    "restart-controller",
    "restart-node",
];

fn environment_rule(
    source: &Source,
    path: &str,
    entry: &EnvironmentEntry,
    controllers: &[ControllerSpec],
    resources: &Resources,
) -> Result<EnvironmentRule, ConfigError> {
    let present = [
        entry.scale.is_some(),
        entry.change_image.is_some(),
        entry.toggle_pause.is_some(),
        entry.toggle_suspend.is_some(),
        entry.mark_containers.is_some(),
        entry.restart_controller.is_some(),
        entry.restart_node.is_some(),
    ];
    let mut ops: Vec<&str> = OPERATIONS
        .iter()
        .zip(present)
        .filter(|(_, p)| *p)
        .map(|(op, _)| *op)
        .collect();
    // In file order, so that the second operation written is the one named.
    ops.sort_by_key(|op| source.position(&join(path, op)));
    let op_name = match ops.as_slice() {
        [] => {
            return Err(source.error(
                path,
                format!("a rule needs one operation (one of {})", known(OPERATIONS)),
            ));
        }
        [one] => *one,
        [first, second, ..] => {
            return Err(source.error(
                &join(path, second),
                format!("one operation per rule: this rule already has `{first}`"),
            ));
        }
    };
    let op_path = join(path, op_name);
    if entry.replicas.is_some() && op_name != "scale" {
        return Err(source.error(
            &join(path, "replicas"),
            "only a `scale` rule takes `replicas`",
        ));
    }
    if entry.images.is_some() && op_name != "change-image" {
        return Err(source.error(
            &join(path, "images"),
            "only a `change-image` rule takes `images`",
        ));
    }
    let max = match entry.max {
        None => 1,
        Some(m) => u32::try_from(m).map_err(|_| {
            source.error(&join(path, "max"), format!("must be a count from 0 ({m})"))
        })?,
    };
    let target = |text: &str, allowed: &[Kind]| -> Result<Target, ConfigError> {
        let (kind, name) = match text.split_once('/') {
            Some((kind, name)) => {
                let kind = Kind::from_name(kind)
                    .filter(|k| allowed.contains(k))
                    .ok_or_else(|| {
                        source.error(
                            &op_path,
                            format!(
                                "`{op_name}` takes a {}, not `{kind}`",
                                known(allowed.iter().map(|k| k.name())).replace(", ", " or ")
                            ),
                        )
                    })?;
                (kind, name)
            }
            None if allowed.len() == 1 => (allowed[0], text),
            None => {
                return Err(source.error(
                    &op_path,
                    format!("expected Kind/name, e.g. {}/web", allowed[0]),
                ));
            }
        };
        if !resources.contains(kind, name) {
            let names = resources.names(kind);
            return Err(source.error(
                &op_path,
                format!(
                    "unknown environment target: no {kind} `{name}` among the resources ({})",
                    if names.is_empty() {
                        format!("there is no {kind}")
                    } else {
                        format!("{kind}s: {}", known(names))
                    }
                ),
            ));
        }
        Ok(Target {
            kind,
            name: name.to_string(),
        })
    };
    let who = |name: &str, nodes: bool| -> Result<Who, ConfigError> {
        if name == "all" {
            return Ok(Who::All);
        }
        let is_node = |c: &ControllerSpec| c.node.is_some();
        match controllers.iter().find(|c| c.name == name) {
            Some(c) if is_node(c) == nodes => Ok(Who::Named(name.to_string())),
            Some(_) if nodes => Err(source.error(
                &op_path,
                format!("`{name}` is not a node: use restart-controller"),
            )),
            Some(_) => Err(source.error(&op_path, format!("`{name}` is a node: use restart-node"))),
            None => Err(source.error(
                &op_path,
                format!(
                    "unknown {}: `{name}` (known: all, {})",
                    if nodes { "node" } else { "controller" },
                    known(
                        controllers
                            .iter()
                            .filter(|c| is_node(c) == nodes)
                            .map(|c| c.name.as_str())
                    )
                ),
            )),
        }
    };
    let op = if let Some(text) = &entry.scale {
        let target = target(
            text,
            &[Kind::StatefulSet, Kind::Deployment, Kind::ReplicaSet],
        )?;
        let replicas = match &entry.replicas {
            Some(r) if !r.is_empty() => r,
            _ => return Err(source.error(&op_path, "a scale rule needs `replicas: [n, ...]`")),
        };
        let mut counts = Vec::new();
        for (j, r) in replicas.iter().enumerate() {
            let count = i32::try_from(*r).ok().filter(|c| *c >= 0).ok_or_else(|| {
                source.error(
                    &index(&join(path, "replicas"), j),
                    format!("replicas must be a count from 0 ({r})"),
                )
            })?;
            counts.push(count);
        }
        EnvironmentOp::Scale {
            target,
            replicas: counts,
        }
    } else if let Some(text) = &entry.change_image {
        let target = target(
            text,
            &[
                Kind::StatefulSet,
                Kind::Deployment,
                Kind::ReplicaSet,
                Kind::Job,
            ],
        )?;
        match &entry.images {
            Some(images) if !images.is_empty() => EnvironmentOp::ChangeImage {
                target,
                images: images.clone(),
            },
            _ => {
                return Err(
                    source.error(&op_path, "a change-image rule needs `images: [image, ...]`")
                );
            }
        }
    } else if let Some(text) = &entry.toggle_pause {
        EnvironmentOp::TogglePause {
            deployment: target(text, &[Kind::Deployment])?.name,
        }
    } else if let Some(text) = &entry.toggle_suspend {
        EnvironmentOp::ToggleSuspend {
            job: target(text, &[Kind::Job])?.name,
        }
    } else if let Some(marks) = &entry.mark_containers {
        if !marks.succeeded && !marks.failed {
            return Err(source.error(&op_path, "offer `succeeded: true`, `failed: true` or both"));
        }
        EnvironmentOp::MarkContainers {
            succeeded: marks.succeeded,
            failed: marks.failed,
        }
    } else if let Some(name) = &entry.restart_controller {
        EnvironmentOp::RestartController {
            who: who(name, false)?,
        }
    } else if let Some(name) = &entry.restart_node {
        EnvironmentOp::RestartNode {
            who: who(name, true)?,
        }
    } else {
        unreachable!("exactly one operation is present")
    };
    Ok(EnvironmentRule { op, max })
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
        out.max_depth = usize::try_from(depth).map_err(|_| {
            source.error(
                "checker.max-depth",
                format!("must be a depth from 0 ({depth})"),
            )
        })?;
    }
    Ok(out)
}
