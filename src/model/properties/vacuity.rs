//! Vacuous verdicts: a property about kinds a model never contains holds trivially, and a
//! model in which nothing can change, or whose pods fit on no node, proves little. Each
//! property names the resource kinds it is about ([`about`]); a model "contains" a kind when
//! it starts with one or a workload it starts with makes one.

use std::collections::BTreeSet;

use super::Property;
use crate::model::config::ModelConfig;
use crate::model::controllers::scheduler::filter::tolerates;
use crate::model::controllers::{ControllerSpec, NodeMachine};
use crate::model::resources::{Kind, Object, PodSpec};

/// What makes a check of a model vacuous, found before it runs.
#[derive(Clone, Debug, Default)]
pub struct Vacuity {
    /// The properties that do not apply to the model, each with the reason.
    pub not_applicable: Vec<(&'static Property, String)>,
    /// Warnings about the model as a whole.
    pub warnings: Vec<String>,
}

impl Vacuity {
    /// The vacuity of checking `properties` on a model.
    pub fn of(config: &ModelConfig, properties: &[&'static Property]) -> Vacuity {
        Vacuity {
            not_applicable: properties
                .iter()
                .filter_map(|&p| Some((p, not_applicable(p, config)?)))
                .collect(),
            warnings: warnings(config),
        }
    }

    /// Whether property `p` applies.
    pub fn applies(&self, p: &Property) -> bool {
        !self.not_applicable.iter().any(|(q, _)| q.id == p.id)
    }
}

/// The resource kinds property `id` is about: it can fail only in a model that contains one of
/// them. Empty: about every resource (it applies to any model).
pub fn about(id: &str) -> &'static [Kind] {
    use Kind::*;
    match id {
        "P1" | "P2" | "P3" | "P4" => &[Deployment],
        "P8" | "G4" | "A1" | "A3" | "N1" => &[Pod],
        "T1" => &[ReplicaSet, Deployment, StatefulSet, Job],
        "G1" | "P9" | "P10" | "P11" => &[ReplicaSet],
        "G2" | "P5" | "P6" | "P7" | "T15" | "T16" | "A2" | "J1" => &[Job],
        "G3" | "P12" | "P13" | "P14" | "P15" | "D1" | "D2" | "D3" | "D4" | "S1" => &[StatefulSet],
        _ => &[],
    }
}

/// The kinds a model contains: those of its initial resources and those its workloads create
/// (a Deployment its ReplicaSets, each workload its pods).
pub fn contained_kinds(config: &ModelConfig) -> BTreeSet<Kind> {
    let mut kinds = BTreeSet::new();
    for object in &config.initial {
        let kind = object.kind();
        kinds.insert(kind);
        let made: &[Kind] = match kind {
            Kind::Deployment => &[Kind::ReplicaSet, Kind::Pod],
            Kind::ReplicaSet | Kind::Job => &[Kind::Pod],
            Kind::StatefulSet => &[
                Kind::Pod,
                Kind::ControllerRevision,
                Kind::PersistentVolumeClaim,
            ],
            _ => &[],
        };
        kinds.extend(made.iter().copied());
    }
    kinds
}

/// Why property `p` does not apply to the model, if it does not.
pub fn not_applicable(p: &Property, config: &ModelConfig) -> Option<String> {
    let kinds = about(p.id);
    if kinds.is_empty() {
        return None;
    }
    let contained = contained_kinds(config);
    if kinds.iter().any(|k| contained.contains(k)) {
        return None;
    }
    let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
    Some(format!("the model has no {}", names.join(" or ")))
}

/// Warnings about a model that proves little whatever the verdicts: nothing that could change
/// the state, or pods that fit on no node.
pub fn warnings(config: &ModelConfig) -> Vec<String> {
    let mut out = Vec::new();
    if config.controllers.is_empty() {
        out.push(if config.environment.is_empty() {
            "the model has no controllers and no environment rules: nothing can change its \
             state, so every property is judged on the initial state alone"
                .to_string()
        } else {
            "the model has no controllers: only its environment rules change the state, and \
             nothing reacts to them"
                .to_string()
        });
    }
    let schedules = config.controllers.iter().any(|c| c.kind == "scheduler");
    let nodes: Vec<(&ControllerSpec, &NodeMachine)> = config
        .controllers
        .iter()
        .filter_map(|c| Some((c, c.node.as_ref()?)))
        .collect();
    if !schedules {
        return out;
    }
    for (what, spec) in templates(config) {
        if nodes.is_empty() {
            out.push(format!(
                "the model has a scheduler but no nodes: the pods of {what} can run nowhere"
            ));
            break;
        }
        let reasons: Vec<String> = nodes
            .iter()
            .filter_map(|(c, m)| unfit(spec, m).map(|why| format!("{}: {why}", c.name)))
            .collect();
        if reasons.len() == nodes.len() {
            out.push(format!(
                "the pods of {what} fit on no node ({}): nothing is scheduled",
                reasons.join("; ")
            ));
        }
    }
    out
}

/// The pod specs of the model's workloads and unbound pods, each with what it belongs to.
fn templates(config: &ModelConfig) -> Vec<(String, &PodSpec)> {
    config
        .initial
        .iter()
        .filter_map(|object| {
            let spec: &PodSpec = match object {
                Object::Deployment(d) => &d.spec.template.spec,
                Object::ReplicaSet(r) => &r.spec.template.spec,
                Object::StatefulSet(s) => &s.spec.template.spec,
                Object::Job(j) => &j.spec.template.spec,
                Object::Pod(p) if p.spec.node_name.is_none() => &p.spec,
                _ => return None,
            };
            Some((format!("{}/{}", object.kind().name(), object.name()), spec))
        })
        .collect()
}

/// Why a pod of `spec` cannot go on an empty node of `machine`, if it cannot.
fn unfit(spec: &PodSpec, machine: &NodeMachine) -> Option<String> {
    if machine.unschedulable {
        return Some("unschedulable".into());
    }
    if let Some(taint) = machine
        .taints
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .find(|t| !spec.tolerations.iter().any(|tol| tolerates(tol, t)))
    {
        return Some(format!("taint {} not tolerated", taint.key));
    }
    if let Some((key, _)) = spec
        .node_selector
        .iter()
        .find(|(k, v)| machine.labels.get(*k) != Some(*v))
    {
        return Some(format!("no label {key} for the node selector"));
    }
    if machine.capacity.get("pods").is_some_and(|q| q.0 < 1000) {
        return Some("room for no pod".into());
    }
    for resource in ["cpu", "memory"] {
        let request: i64 = spec
            .containers
            .iter()
            .filter_map(|c| c.resources.requests.get(resource))
            .map(|q| q.0)
            .fold(0, i64::saturating_add);
        if machine
            .capacity
            .get(resource)
            .is_some_and(|q| request > q.0)
        {
            return Some(format!("a pod requests more {resource} than it has"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::parse_model;
    use crate::model::properties::{all, by_id};

    fn config(text: &str) -> ModelConfig {
        parse_model(text, "m.yaml", &|f: &str| Err(f.to_string()))
            .expect("the model parses")
            .config
    }

    const STS: &str = r#"name: m
controllers:
  nodes: {count: 2, capacity: {cpu: "CPU", memory: 8Gi, pods: 110}}
  scheduler: 1
  statefulset: 1
resources:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web, labels: {app: web}}
    spec:
      replicas: 1
      serviceName: web
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
            - name: c
              image: nginx:1
              resources: {requests: {cpu: "2"}}
"#;

    #[test]
    fn every_property_says_what_it_is_about_and_job_properties_do_not_apply_to_a_statefulset() {
        let config = config(&STS.replace("CPU", "4"));
        for p in all() {
            if p.id != "K2" {
                assert!(!about(p.id).is_empty(), "{} names its kinds", p.id);
            }
        }
        let p5 = by_id("P5").unwrap();
        assert_eq!(
            not_applicable(p5, &config).as_deref(),
            Some("the model has no Job")
        );
        for id in ["P8", "D1", "P12", "K2", "T1"] {
            assert_eq!(not_applicable(by_id(id).unwrap(), &config), None, "{id}");
        }
        assert!(not_applicable(by_id("P10").unwrap(), &config).is_some());
    }

    #[test]
    fn pods_that_fit_no_node_and_models_without_controllers_are_warned_about() {
        assert_eq!(
            warnings(&config(&STS.replace("CPU", "4"))),
            Vec::<String>::new()
        );
        let tight = warnings(&config(&STS.replace("CPU", "1")));
        assert_eq!(tight.len(), 1, "{tight:?}");
        assert!(
            tight[0].contains("StatefulSet/web fit on no node")
                && tight[0].contains("node-1: a pod requests more cpu than it has"),
            "{tight:?}"
        );
        let none = config("name: empty\n");
        let w = warnings(&none);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("nothing can change"), "{w:?}");
    }
}
