//! A configuration written back as a model file: the inverse of [`super::parse_model`] for the
//! configurations it produces (included manifests come back inline). For showing a resolved
//! model, and for embedding one where a person will read it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::ModelConfig;
use crate::model::controllers::{ControllerSpec, NodeMachine, REGISTRY};
use crate::model::environment::{EnvironmentOp, EnvironmentRule, Who};
use crate::model::history::ConsistencySetting;
use crate::model::resources::{
    ControllerRevision, Deployment, Job, Node, Object, PersistentVolumeClaim, Pod, Quantity,
    ReplicaSet, StatefulSet, Taint,
};

/// The model file's top level, in the order a person reads it.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ModelOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    description: &'a str,
    consistency: Value,
    commit: &'static str,
    controllers: ControllersOut<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    environment: Vec<RuleOut>,
    properties: Value,
    checker: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    start: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    guards: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    syncs: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<Value>,
}

/// Writes a configuration as a model file.
pub fn render_model(config: &ModelConfig) -> Result<String, String> {
    let setting = config.consistency;
    let out = ModelOut {
        name: &config.name,
        description: &config.description,
        consistency: consistency(setting),
        commit: config.commit.name(),
        controllers: controllers(&config.controllers),
        environment: config.environment.iter().map(rule).collect(),
        properties: if config.properties.is_empty() {
            json!("all")
        } else {
            json!(config.properties)
        },
        checker: json!({
            "strategy": config.checker.strategy,
            "max-depth": config.checker.max_depth,
        }),
        start: (config.start != Default::default()).then(|| config.start.name()),
        guards: (config.guards != Default::default()).then(|| {
            json!({
                "expectations": config.guards.expectations,
                "staleness-guard": config.guards.staleness_guard,
                "wait-for-cache-sync": config.guards.wait_for_cache_sync,
                "podgc-live-node-check": config.guards.podgc_live_node_check,
            })
        }),
        syncs: (!config.syncs.is_one_write()).then(|| config.syncs.name()),
        resources: config
            .initial
            .iter()
            .map(manifest)
            .collect::<Result<_, _>>()?,
    };
    serde_saphyr::to_string(&out).map_err(|e| e.to_string())
}

/// A node machine, its fields when they say something.
#[derive(Serialize)]
struct MachineOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    capacity: &'a BTreeMap<String, Quantity>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "<[Taint]>::is_empty")]
    taints: &'a [Taint],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unschedulable: bool,
}

impl<'a> MachineOut<'a> {
    fn new(m: &'a NodeMachine, name: Option<&'a str>, count: Option<usize>) -> Self {
        MachineOut {
            name,
            count,
            capacity: &m.capacity,
            labels: &m.labels,
            taints: &m.taints,
            unschedulable: m.unschedulable,
        }
    }
}

/// A kind's instances under `controllers:`.
#[derive(Serialize)]
#[serde(untagged)]
enum InstancesOut<'a> {
    Count(usize),
    Group(MachineOut<'a>),
    List(Vec<ItemOut<'a>>),
}

/// One instance in a list.
#[derive(Serialize)]
#[serde(untagged)]
enum ItemOut<'a> {
    Name(&'a str),
    Machine(MachineOut<'a>),
}

/// The controllers, kinds in registry order.
struct ControllersOut<'a>(Vec<(&'static str, InstancesOut<'a>)>);

impl Serialize for ControllersOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn to_value(v: &impl Serialize) -> Result<Value, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// Each kind's instances, as a count when their names are the ones a count gives (and, for
/// nodes, they share one machine), else as a list.
fn controllers(specs: &[ControllerSpec]) -> ControllersOut<'_> {
    static NO_MACHINE: NodeMachine = NodeMachine {
        capacity: BTreeMap::new(),
        labels: BTreeMap::new(),
        taints: Vec::new(),
        unschedulable: false,
    };
    let mut out = Vec::new();
    for registration in REGISTRY {
        let of_kind: Vec<&ControllerSpec> = specs
            .iter()
            .filter(|s| s.kind == registration.kind)
            .collect();
        if of_kind.is_empty() {
            continue;
        }
        let n = of_kind.len();
        let numbered = of_kind.iter().enumerate().all(|(i, s)| {
            if n == 1 && !registration.is_node {
                s.name == registration.kind
            } else {
                s.name == format!("{}-{}", registration.kind, i + 1)
            }
        });
        let first = of_kind[0].node.as_ref().unwrap_or(&NO_MACHINE);
        let one_machine = of_kind
            .iter()
            .all(|s| s.node.as_ref().unwrap_or(&NO_MACHINE) == first);
        let (key, value) = if !registration.is_node {
            let value = if numbered {
                InstancesOut::Count(n)
            } else {
                InstancesOut::List(of_kind.iter().map(|s| ItemOut::Name(&s.name)).collect())
            };
            (registration.kind, value)
        } else if numbered && one_machine {
            (
                "nodes",
                InstancesOut::Group(MachineOut::new(first, None, Some(n))),
            )
        } else {
            let items = of_kind
                .iter()
                .map(|s| {
                    let m = s.node.as_ref().unwrap_or(&NO_MACHINE);
                    if m == &NO_MACHINE {
                        ItemOut::Name(&s.name)
                    } else {
                        ItemOut::Machine(MachineOut::new(m, Some(&s.name), None))
                    }
                })
                .collect();
            ("nodes", InstancesOut::List(items))
        };
        out.push((key, value));
    }
    ControllersOut(out)
}

/// The level's name, or a mapping when an option differs from its default.
fn consistency(setting: ConsistencySetting) -> Value {
    let plain = ConsistencySetting::of(setting.level);
    if setting == plain {
        return json!(setting.level.name());
    }
    let mut out = serde_json::Map::new();
    out.insert("level".into(), json!(setting.level.name()));
    if setting.read_your_writes != plain.read_your_writes {
        out.insert("read-your-writes".into(), json!(setting.read_your_writes));
    }
    if setting.relist != plain.relist {
        out.insert("relist".into(), json!(setting.relist.name()));
    }
    if setting.lag != plain.lag {
        out.insert("lag".into(), json!(setting.lag.name()));
    }
    Value::Object(out)
}

fn owner_value(owner: Option<&crate::model::environment::Target>) -> Value {
    match owner {
        None => json!("all"),
        Some(t) => json!(t.to_string()),
    }
}

fn who(w: &Who) -> Value {
    match w {
        Who::All => json!("all"),
        Who::Named(name) => json!(name),
    }
}

/// An environment rule: its operation first, then its parameters and `max`.
#[derive(Default, Serialize)]
#[serde(rename_all = "kebab-case")]
struct RuleOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    scale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    change_image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    toggle_pause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    toggle_suspend: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mark_containers: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    restart_controller: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    restart_node: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expire_expectations: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_node: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rejoin_node: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cordon: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    taint: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flip_readiness: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_pod: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evict: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<Vec<i32>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    images: Option<Vec<String>>,
    max: u32,
}

fn rule(rule: &EnvironmentRule) -> RuleOut {
    let mut out = RuleOut {
        max: rule.max,
        ..RuleOut::default()
    };
    match &rule.op {
        EnvironmentOp::Scale { target, replicas } => {
            out.scale = Some(target.to_string());
            out.replicas = Some(replicas.clone());
        }
        EnvironmentOp::ChangeImage { target, images } => {
            out.change_image = Some(target.to_string());
            out.images = Some(images.clone());
        }
        EnvironmentOp::TogglePause { deployment } => out.toggle_pause = Some(deployment.clone()),
        EnvironmentOp::ToggleSuspend { job } => out.toggle_suspend = Some(job.clone()),
        EnvironmentOp::MarkContainers { succeeded, failed } => {
            out.mark_containers = Some(json!({"succeeded": succeeded, "failed": failed}));
        }
        EnvironmentOp::RestartController { who: w } => out.restart_controller = Some(who(w)),
        EnvironmentOp::RestartNode { who: w } => out.restart_node = Some(who(w)),
        EnvironmentOp::ExpireExpectations { who: w } => out.expire_expectations = Some(who(w)),
        EnvironmentOp::DeleteNode { who: w } => out.delete_node = Some(who(w)),
        EnvironmentOp::RejoinNode { who: w } => out.rejoin_node = Some(who(w)),
        EnvironmentOp::Cordon { who: w } => out.cordon = Some(who(w)),
        EnvironmentOp::Taint { who: w, taint } => {
            out.taint = Some(json!({
                "node": who(w),
                "key": taint.key,
                "value": taint.value,
                "effect": taint.effect,
            }));
        }
        EnvironmentOp::FlipReadiness { who: w } => out.flip_readiness = Some(who(w)),
        EnvironmentOp::DeletePod { owner } => out.delete_pod = Some(owner_value(owner.as_ref())),
        EnvironmentOp::Evict { owner } => out.evict = Some(owner_value(owner.as_ref())),
    }
    out
}

/// A resource as a Kubernetes manifest, without a status that says nothing.
fn manifest(object: &Object) -> Result<Value, String> {
    let mut value = to_value(object)?;
    let empty = to_value(&empty_like(object))?;
    let Value::Object(map) = &mut value else {
        return Err("a resource does not serialize as a mapping".into());
    };
    map.insert("apiVersion".into(), json!(object.kind().api_version()));
    if map.get("status") == empty.get("status") {
        map.remove("status");
    }
    Ok(value)
}

fn empty_like(object: &Object) -> Object {
    match object {
        Object::Node(_) => Object::Node(Node::default()),
        Object::Pod(_) => Object::Pod(Pod::default()),
        Object::ReplicaSet(_) => Object::ReplicaSet(ReplicaSet::default()),
        Object::Deployment(_) => Object::Deployment(Deployment::default()),
        Object::StatefulSet(_) => Object::StatefulSet(StatefulSet::default()),
        Object::Job(_) => Object::Job(Job::default()),
        Object::ControllerRevision(_) => Object::ControllerRevision(ControllerRevision::default()),
        Object::PersistentVolumeClaim(_) => {
            Object::PersistentVolumeClaim(PersistentVolumeClaim::default())
        }
    }
}
