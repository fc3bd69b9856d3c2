//! `environment:` rules resolved: one operation per rule, its parameters, `max` (1 when
//! absent), and its target checked against the resources and controllers.

use super::super::error::ConfigError;
use super::super::file::EnvironmentEntry;
use super::super::limits;
use super::super::locate::{index, join};
use super::resources::Resources;
use super::source::{Source, known};
use crate::model::controllers::ControllerSpec;
use crate::model::environment::{EnvironmentOp, EnvironmentRule, Target, Who};
use crate::model::resources::{Kind, Taint};

const OPERATIONS: [&str; 15] = [
    "scale",
    "change-image",
    "toggle-pause",
    "toggle-suspend",
    "mark-containers",
    "restart-controller",
    "restart-node",
    "expire-expectations",
    "delete-node",
    "rejoin-node",
    "cordon",
    "taint",
    "flip-readiness",
    "delete-pod",
    "evict",
];

/// The taint effects Kubernetes knows.
const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// The rule written at `path`.
pub(super) fn environment_rule(
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
        entry.expire_expectations.is_some(),
        entry.delete_node.is_some(),
        entry.rejoin_node.is_some(),
        entry.cordon.is_some(),
        entry.taint.is_some(),
        entry.flip_readiness.is_some(),
        entry.delete_pod.is_some(),
        entry.evict.is_some(),
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
        Some(m) if m < 0 => {
            return Err(source.error(&join(path, "max"), format!("must be a count from 0 ({m})")));
        }
        Some(m) => {
            limits::value_within(m, limits::MAX_FIRES, "max")
                .map_err(|e| source.error(&join(path, "max"), e))?;
            u32::try_from(m).unwrap_or(u32::MAX)
        }
    };
    for (field, n) in [
        ("replicas", entry.replicas.as_ref().map(Vec::len)),
        ("images", entry.images.as_ref().map(Vec::len)),
    ] {
        if let Some(n) = n {
            limits::count_within(n, limits::MAX_FIRES as usize, field)
                .map_err(|e| source.error(&join(path, field), e))?;
        }
    }
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
                format!("`{name}` is not a node: `{op_name}` takes a node"),
            )),
            Some(_) => Err(source.error(
                &op_path,
                format!("`{name}` is a node: `{op_name}` takes a controller that is not a node"),
            )),
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
            let at = index(&join(path, "replicas"), j);
            let count = i32::try_from(*r).ok().filter(|c| *c >= 0).ok_or_else(|| {
                source.error(&at, format!("replicas must be a count from 0 ({r})"))
            })?;
            limits::value_within(i64::from(count), limits::MAX_REPLICAS, "replicas")
                .map_err(|e| source.error(&at, e))?;
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
        if resources.first_image(target.kind, &target.name).is_none() {
            return Err(source.error(
                &op_path,
                format!("{target} has no container whose image could change"),
            ));
        }
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
    } else if let Some(name) = &entry.expire_expectations {
        EnvironmentOp::ExpireExpectations {
            who: who(name, false)?,
        }
    } else if let Some(name) = &entry.delete_node {
        EnvironmentOp::DeleteNode {
            who: who(name, true)?,
        }
    } else if let Some(name) = &entry.rejoin_node {
        EnvironmentOp::RejoinNode {
            who: who(name, true)?,
        }
    } else if let Some(name) = &entry.cordon {
        EnvironmentOp::Cordon {
            who: who(name, true)?,
        }
    } else if let Some(t) = &entry.taint {
        if t.key.is_empty() {
            return Err(source.error(&join(&op_path, "key"), "a taint needs a key"));
        }
        if !EFFECTS.contains(&t.effect.as_str()) {
            return Err(source.error(
                &join(&op_path, "effect"),
                format!(
                    "unknown taint effect `{}` (known: {})",
                    t.effect,
                    known(EFFECTS)
                ),
            ));
        }
        EnvironmentOp::Taint {
            who: who(&t.node, true)?,
            taint: Taint {
                key: t.key.clone(),
                value: t.value.clone(),
                effect: t.effect.clone(),
            },
        }
    } else if let Some(name) = &entry.flip_readiness {
        EnvironmentOp::FlipReadiness {
            who: who(name, true)?,
        }
    } else if let Some(text) = &entry.delete_pod {
        EnvironmentOp::DeletePod {
            owner: pod_owner(text, &target)?,
        }
    } else if let Some(text) = &entry.evict {
        EnvironmentOp::Evict {
            owner: pod_owner(text, &target)?,
        }
    } else {
        unreachable!("exactly one operation is present")
    };
    Ok(EnvironmentRule { op, max })
}

/// The workloads whose pods `delete-pod` and `evict` may pick.
const POD_OWNERS: [Kind; 4] = [
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::Job,
    Kind::Deployment,
];

/// Resolves `Kind/name` to a target of one of the kinds given.
type Resolve<'a> = dyn Fn(&str, &[Kind]) -> Result<Target, ConfigError> + 'a;

/// `all` (every pod) or the workload whose pods are meant (`ReplicaSet/web`).
fn pod_owner(text: &str, target: &Resolve<'_>) -> Result<Option<Target>, ConfigError> {
    if text == "all" {
        return Ok(None);
    }
    target(text, &POD_OWNERS).map(Some)
}
