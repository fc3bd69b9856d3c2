//! The limits every model and trace is held to before any work starts, so that no input can
//! make orchard hang or exhaust memory: counts of nodes, controllers, resources and replicas,
//! environment budgets, the depth bound, name lengths and file sizes. No shipped model comes
//! near them (models/README.md lists them). [`check`] applies them to a resolved
//! configuration (a trace's embedded model); the loader applies each where it reads the
//! field, to name its line.

use super::ModelConfig;
use crate::model::environment::EnvironmentOp;
use crate::model::resources::{Object, Quantity};

/// The largest model or manifest file read, in bytes.
pub const MAX_MODEL_BYTES: u64 = 1 << 20;
/// The largest trace file read, in bytes.
pub const MAX_TRACE_BYTES: u64 = 16 << 20;
/// The most nodes (node controllers) a model may have.
pub const MAX_NODES: usize = 16;
/// The most instances of any other controller kind.
pub const MAX_INSTANCES: usize = 16;
/// The most controllers in all.
pub const MAX_CONTROLLERS: usize = 128;
/// The most initial resources.
pub const MAX_RESOURCES: usize = 1_000;
/// The most replicas of a workload (also a Job's parallelism and completions, and each count
/// a scale rule may set). A settled start creates them all before the search begins.
pub const MAX_REPLICAS: i64 = 100;
/// The most pods a model's initial resources ask for in all: its Pods, and the replicas of
/// its workloads (a Job's parallelism) summed. A settled start creates them all before the
/// search begins, at a cost that grows faster than their number times the nodes' (informer
/// caches): 100 pods on 16 nodes settle in about 30 s of a debug build.
pub const MAX_PODS: i64 = 100;
/// The largest Job backoffLimit.
pub const MAX_BACKOFF_LIMIT: i64 = 1_000;
/// The most environment rules.
pub const MAX_RULES: usize = 64;
/// The most times one environment rule may fire (`max`), and the most counts or images a
/// rule may list.
pub const MAX_FIRES: i64 = 100;
/// The largest depth bound (`checker.max-depth`), and the most steps a trace may have.
pub const MAX_DEPTH: i64 = 10_000;
/// The largest whole number (either sign) in any field of a manifest that orchard models, so
/// that no sum or product of a model's counts overflows.
pub const MAX_INTEGER: i64 = 1_000_000;
/// The largest percentage a count may be given as (`maxSurge: 1000%`).
pub const MAX_PERCENT: i64 = 1_000;
/// The longest model name (it becomes part of a trace's file name).
pub const MAX_MODEL_NAME: usize = 100;
/// The longest resource or controller name (Kubernetes' DNS subdomain names: 253).
pub const MAX_NAME: usize = 253;

/// A configuration past a limit: the field (a path in the configuration as a trace embeds
/// it, e.g. `controllers` or `initial[2].spec.replicas`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitError {
    /// The field's path.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

fn past(field: impl Into<String>, message: impl Into<String>) -> LimitError {
    LimitError {
        field: field.into(),
        message: message.into(),
    }
}

/// `more than N things (M)` when `count` passes `limit`.
pub fn count_within(count: usize, limit: usize, what: &str) -> Result<(), String> {
    if count > limit {
        Err(format!("{count} {what}: the limit is {limit}"))
    } else {
        Ok(())
    }
}

/// A count in `0..=limit`.
pub fn value_within(value: i64, limit: i64, what: &str) -> Result<(), String> {
    if value < 0 {
        Err(format!("{what} must not be negative ({value})"))
    } else if value > limit {
        Err(format!("{what} {value} is past the limit of {limit}"))
    } else {
        Ok(())
    }
}

/// A name's length within `limit` characters.
pub(super) fn name_within(name: &str, limit: usize) -> Result<(), String> {
    let n = name.chars().count();
    if n > limit {
        Err(format!("a name of {n} characters: the limit is {limit}"))
    } else {
        Ok(())
    }
}

/// A capacity or request: not negative, and `pods` a whole number.
pub(super) fn quantity_ok(resource: &str, q: Quantity) -> Result<(), String> {
    if q.0 < 0 {
        return Err(format!("{resource} must not be negative ({q})"));
    }
    if resource == "pods" && q.0 % 1000 != 0 {
        return Err(format!(
            "pods must be a whole number, not {}",
            q.0 as f64 / 1000.0
        ));
    }
    Ok(())
}

/// The replica-like counts of a resource, with their paths, and the limit of each.
pub(super) fn counts_of(object: &Object) -> Vec<(&'static str, Option<i32>, i64)> {
    match object {
        Object::Deployment(d) => vec![("spec.replicas", d.spec.replicas, MAX_REPLICAS)],
        Object::StatefulSet(s) => vec![("spec.replicas", s.spec.replicas, MAX_REPLICAS)],
        Object::ReplicaSet(r) => vec![("spec.replicas", r.spec.replicas, MAX_REPLICAS)],
        Object::Job(j) => vec![
            ("spec.parallelism", j.spec.parallelism, MAX_REPLICAS),
            ("spec.completions", j.spec.completions, MAX_REPLICAS),
            ("spec.backoffLimit", j.spec.backoff_limit, MAX_BACKOFF_LIMIT),
        ],
        _ => Vec::new(),
    }
}

/// The pods a resource asks for: 1 for a Pod, a workload's replicas (1 when unset), a Job's
/// parallelism; with the path of the field that says so.
pub(super) fn pods_of(object: &Object) -> Option<(&'static str, i64)> {
    match object {
        Object::Pod(_) => Some(("metadata.name", 1)),
        Object::Deployment(d) => Some(("spec.replicas", i64::from(d.replicas()))),
        Object::StatefulSet(s) => Some(("spec.replicas", i64::from(s.replicas()))),
        Object::ReplicaSet(r) => Some(("spec.replicas", i64::from(r.replicas()))),
        Object::Job(j) => Some(("spec.parallelism", i64::from(j.parallelism()))),
        _ => None,
    }
}

/// The pods asked for so far plus `more`, within [`MAX_PODS`].
pub(super) fn pods_within(so_far: i64, more: i64) -> Result<i64, String> {
    let total = so_far.saturating_add(more.max(0));
    if total > MAX_PODS {
        Err(format!(
            "the resources ask for {total} pods in all: the limit is {MAX_PODS}"
        ))
    } else {
        Ok(total)
    }
}

/// The quantities of a resource that must not be negative, with their paths.
pub(super) fn quantities_of(object: &Object) -> Vec<(String, String, Quantity)> {
    let mut out = Vec::new();
    let mut map = |path: String, m: &std::collections::BTreeMap<String, Quantity>| {
        for (k, q) in m {
            out.push((format!("{path}.{k}"), k.clone(), *q))
        }
    };
    let pod_spec = |out: &mut dyn FnMut(String, &std::collections::BTreeMap<String, Quantity>),
                    prefix: &str,
                    spec: &crate::model::resources::PodSpec| {
        for (i, c) in spec.containers.iter().enumerate() {
            out(
                format!("{prefix}.containers[{i}].resources.requests"),
                &c.resources.requests,
            );
            out(
                format!("{prefix}.containers[{i}].resources.limits"),
                &c.resources.limits,
            );
        }
    };
    match object {
        Object::Node(n) => {
            map("status.capacity".into(), &n.status.capacity);
            map("status.allocatable".into(), &n.status.allocatable);
        }
        Object::Pod(p) => pod_spec(&mut map, "spec", &p.spec),
        Object::Deployment(d) => pod_spec(&mut map, "spec.template.spec", &d.spec.template.spec),
        Object::StatefulSet(s) => {
            pod_spec(&mut map, "spec.template.spec", &s.spec.template.spec);
            for (i, claim) in s.spec.volume_claim_templates.iter().enumerate() {
                map(
                    format!("spec.volumeClaimTemplates[{i}].spec.resources.requests"),
                    &claim.spec.resources.requests,
                );
            }
        }
        Object::ReplicaSet(r) => pod_spec(&mut map, "spec.template.spec", &r.spec.template.spec),
        Object::Job(j) => pod_spec(&mut map, "spec.template.spec", &j.spec.template.spec),
        Object::ControllerRevision(c) => pod_spec(&mut map, "data.spec", &c.data.spec),
        Object::PersistentVolumeClaim(c) => {
            map("spec.resources.requests".into(), &c.spec.resources.requests)
        }
    }
    out
}

/// Checks a resolved configuration against every limit: what a trace's embedded model must
/// pass before its system is built.
pub fn check(config: &ModelConfig) -> Result<(), LimitError> {
    name_within(&config.name, MAX_MODEL_NAME).map_err(|m| past("name", m))?;
    count_within(config.controllers.len(), MAX_CONTROLLERS, "controllers")
        .map_err(|m| past("controllers", m))?;
    let nodes = config
        .controllers
        .iter()
        .filter(|c| c.node.is_some())
        .count();
    count_within(nodes, MAX_NODES, "nodes").map_err(|m| past("controllers", m))?;
    let mut per_kind = std::collections::BTreeMap::<&str, usize>::new();
    for (i, c) in config.controllers.iter().enumerate() {
        let at = format!("controllers[{i}]");
        name_within(&c.name, MAX_NAME).map_err(|m| past(format!("{at}.name"), m))?;
        let n = per_kind.entry(c.kind.as_str()).or_default();
        *n += 1;
        if c.node.is_none() {
            count_within(*n, MAX_INSTANCES, &format!("{} controllers", c.kind))
                .map_err(|m| past("controllers", m))?;
        }
        if let Some(machine) = &c.node {
            for (k, q) in &machine.capacity {
                quantity_ok(k, *q).map_err(|m| past(format!("{at}.node.capacity.{k}"), m))?;
            }
        }
    }
    count_within(config.environment.len(), MAX_RULES, "environment rules")
        .map_err(|m| past("environment", m))?;
    for (i, rule) in config.environment.iter().enumerate() {
        let at = format!("environment[{i}]");
        value_within(i64::from(rule.max), MAX_FIRES, "max")
            .map_err(|m| past(format!("{at}.max"), m))?;
        match &rule.op {
            EnvironmentOp::Scale { replicas, .. } => {
                count_within(replicas.len(), MAX_FIRES as usize, "counts")
                    .map_err(|m| past(format!("{at}.op.replicas"), m))?;
                for r in replicas {
                    value_within(i64::from(*r), MAX_REPLICAS, "replicas")
                        .map_err(|m| past(format!("{at}.op.replicas"), m))?;
                }
            }
            EnvironmentOp::ChangeImage { images, .. } => {
                count_within(images.len(), MAX_FIRES as usize, "images")
                    .map_err(|m| past(format!("{at}.op.images"), m))?;
            }
            _ => {}
        }
    }
    let depth = i64::try_from(config.checker.max_depth).unwrap_or(i64::MAX);
    value_within(depth, MAX_DEPTH, "the depth bound").map_err(|m| past("checker.maxDepth", m))?;
    count_within(config.initial.len(), MAX_RESOURCES, "resources")
        .map_err(|m| past("initial", m))?;
    let mut pods = 0;
    for (i, object) in config.initial.iter().enumerate() {
        let at = format!("initial[{i}]");
        name_within(object.name(), MAX_NAME).map_err(|m| past(format!("{at}.metadata.name"), m))?;
        for (field, value, limit) in counts_of(object) {
            if let Some(v) = value {
                let word = field.rsplit('.').next().unwrap_or(field);
                value_within(i64::from(v), limit, word)
                    .map_err(|m| past(format!("{at}.{field}"), m))?;
            }
        }
        for (field, resource, q) in quantities_of(object) {
            quantity_ok(&resource, q).map_err(|m| past(format!("{at}.{field}"), m))?;
        }
        if let Some((field, n)) = pods_of(object) {
            pods = pods_within(pods, n).map_err(|m| past(format!("{at}.{field}"), m))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::parse_model;

    const MODEL: &str = "name: m\nstart: settled\ncontrollers: {nodes: 2, scheduler: 1, statefulset: 1}\nresources:\n  - apiVersion: apps/v1\n    kind: StatefulSet\n    metadata: {name: web}\n    spec:\n      replicas: 1\n      selector: {matchLabels: {app: web}}\n      template:\n        metadata: {labels: {app: web}}\n        spec: {containers: [{name: c, image: i}]}\n";

    fn loaded() -> ModelConfig {
        parse_model(MODEL, "m.yaml", &|_| Err(String::new()))
            .unwrap()
            .config
    }

    #[test]
    fn a_loaded_model_is_within_the_limits() {
        assert_eq!(check(&loaded()), Ok(()));
    }

    #[test]
    fn an_embedded_model_past_a_limit_is_refused_naming_the_field() {
        let mut many = loaded();
        let node = many
            .controllers
            .iter()
            .find(|c| c.node.is_some())
            .unwrap()
            .clone();
        many.controllers = (0..=MAX_NODES)
            .map(|i| crate::model::controllers::ControllerSpec {
                name: format!("node-{i}"),
                ..node.clone()
            })
            .collect();
        assert_eq!(
            check(&many),
            Err(LimitError {
                field: "controllers".into(),
                message: "17 nodes: the limit is 16".into()
            })
        );
        // A settled start past the replica limit is refused before anything settles.
        let mut settled = loaded();
        if let Object::StatefulSet(s) = &mut settled.initial[0] {
            s.spec.replicas = Some(100_000);
        }
        assert_eq!(
            check(&settled).unwrap_err().field,
            "initial[0].spec.replicas"
        );
        let mut depth = loaded();
        depth.checker.max_depth = usize::MAX;
        assert_eq!(check(&depth).unwrap_err().field, "checker.maxDepth");
        let mut name = loaded();
        name.name = "n".repeat(MAX_MODEL_NAME + 1);
        assert_eq!(check(&name).unwrap_err().field, "name");
    }

    #[test]
    fn counts_and_quantities_within_bounds() {
        assert!(value_within(100, 100, "replicas").is_ok());
        assert_eq!(
            value_within(101, 100, "replicas"),
            Err("replicas 101 is past the limit of 100".into())
        );
        assert_eq!(
            value_within(-1, 100, "replicas"),
            Err("replicas must not be negative (-1)".into())
        );
        assert!(quantity_ok("pods", Quantity::units(3)).is_ok());
        assert_eq!(
            quantity_ok("pods", Quantity(3500)),
            Err("pods must be a whole number, not 3.5".into())
        );
        assert!(quantity_ok("cpu", Quantity(500)).is_ok());
        assert!(quantity_ok("cpu", Quantity(-1)).is_err());
    }
}
