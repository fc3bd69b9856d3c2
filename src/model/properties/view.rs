//! A counterexample's last state for people: the objects the violated property is about as
//! they stand (a pod's binding and the nodes actually running it, a workload's replicas and
//! status), and steps told as what they are (a node restart is a kubelet that lost its state
//! and a Node removed, not only the write it makes).

use super::Property;
use super::vacuity::about;
use crate::model::environment::EnvironmentAction;
use crate::model::resources::{Kind, PodPhase};
use crate::model::system::{Action, System, SystemState, Transition};

/// One line per object of the kinds `property` is about (every workload and pod when it is
/// about every kind), in the latest revision of `state`.
pub fn describe_state(system: &System, state: &SystemState, property: &Property) -> Vec<String> {
    // A workload's properties are about its pods too; a Deployment's about its ReplicaSets.
    let mut kinds: Vec<Kind> = match about(property.id) {
        [] => vec![
            Kind::Deployment,
            Kind::ReplicaSet,
            Kind::StatefulSet,
            Kind::Job,
        ],
        kinds => kinds.to_vec(),
    };
    if kinds.contains(&Kind::Deployment) && !kinds.contains(&Kind::ReplicaSet) {
        kinds.push(Kind::ReplicaSet);
    }
    if !kinds.contains(&Kind::Pod) {
        kinds.push(Kind::Pod);
    }
    let latest = state.latest();
    let mut out = Vec::new();
    for kind in &kinds {
        match kind {
            Kind::Pod => {
                for pod in latest.pods.iter() {
                    let name = &pod.metadata.name;
                    let running: Vec<&str> = (0..system.controller_count())
                        .filter(|&i| system.registration(i).is_node)
                        .filter(|&i| state.locals[i].running.contains_key(name))
                        .map(|i| system.controller_name(i))
                        .collect();
                    let bound = match &pod.spec.node_name {
                        Some(node) => format!("bound to {node}"),
                        None => "not bound to a node".to_string(),
                    };
                    let running = match running.as_slice() {
                        [] => "running nowhere".to_string(),
                        nodes => format!("running on {}", nodes.join(" and ")),
                    };
                    let deleting = if pod.metadata.deletion_timestamp.is_some() {
                        ", being deleted"
                    } else {
                        ""
                    };
                    out.push(format!(
                        "Pod {name}: {bound}, {}{deleting}; {running}",
                        phase(pod.status.phase)
                    ));
                }
            }
            Kind::StatefulSet => {
                for s in latest.statefulsets.iter() {
                    out.push(format!(
                        "StatefulSet {}: replicas {}; status replicas {}, ready {}, updated {}; generation {}, observed {}",
                        s.metadata.name,
                        s.replicas(),
                        s.status.replicas,
                        s.status.ready_replicas,
                        s.status.updated_replicas,
                        s.metadata.generation,
                        s.status.observed_generation
                    ));
                }
            }
            Kind::ReplicaSet => {
                for r in latest.replicasets.iter() {
                    out.push(format!(
                        "ReplicaSet {}: replicas {}; status replicas {}, ready {}; generation {}, observed {}",
                        r.metadata.name,
                        r.replicas(),
                        r.status.replicas,
                        r.status.ready_replicas,
                        r.metadata.generation,
                        r.status.observed_generation
                    ));
                }
            }
            Kind::Deployment => {
                for d in latest.deployments.iter() {
                    out.push(format!(
                        "Deployment {}: replicas {}; status replicas {}, updated {}, available {}; generation {}, observed {}",
                        d.metadata.name,
                        d.replicas(),
                        d.status.replicas,
                        d.status.updated_replicas,
                        d.status.available_replicas,
                        d.metadata.generation,
                        d.status.observed_generation
                    ));
                }
            }
            Kind::Job => {
                for j in latest.jobs.iter() {
                    out.push(format!(
                        "Job {}: status active {}, ready {}, succeeded {}, failed {}",
                        j.metadata.name,
                        j.status.active,
                        j.status.ready,
                        j.status.succeeded,
                        j.status.failed
                    ));
                }
            }
            _ => {}
        }
    }
    if out.is_empty() {
        out.push("(no such object in the last state)".to_string());
    }
    out
}

fn phase(phase: PodPhase) -> &'static str {
    match phase {
        PodPhase::Pending => "Pending",
        PodPhase::Running => "Running",
        PodPhase::Succeeded => "Succeeded",
        PodPhase::Failed => "Failed",
        PodPhase::Unknown => "Unknown",
    }
}

/// What a step did, for people: its outcome, told as what happened where the write alone
/// would hide it (a node restart).
pub fn describe_outcome(_system: &System, t: &Transition) -> String {
    match &t.action {
        Action::Environment {
            action: EnvironmentAction::RestartNode { node },
            ..
        } => format!(
            "the kubelet of {node} restarted (its running pods and session lost) and its Node was removed: {}",
            t.outcome
        ),
        Action::Environment {
            action: EnvironmentAction::RestartController { controller },
            ..
        } => format!(
            "{controller} restarted (its local state and session lost): {}",
            t.outcome
        ),
        Action::Environment {
            action: EnvironmentAction::DeleteNode { node },
            ..
        } => format!(
            "the machine {node} left for good (its kubelet stopped, its running pods lost) and its Node was deleted: {}",
            t.outcome
        ),
        Action::Environment {
            action: EnvironmentAction::SetReadiness { node, pod, ready },
            ..
        } => format!(
            "the readiness probe of {pod} on {node} {} (its containers still run; the kubelet reports it)",
            if *ready { "recovered" } else { "failed" }
        ),
        _ => t.outcome.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::parse_model;
    use crate::model::properties::by_id;

    #[test]
    fn the_last_state_shows_a_pods_binding_and_the_nodes_running_it() {
        let text = include_str!("../../../models/statefulset-stale-reads.yaml");
        let loaded = parse_model(text, "m.yaml", &|f: &str| Err(f.to_string())).unwrap();
        let system = System::new(loaded.config).unwrap();
        let state = system.initial();
        let lines = describe_state(&system, &state, by_id("P8").unwrap());
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with("Pod web-0: bound to node-")
                && lines[0].contains("Running")
                && lines[0].contains("; running on node-"),
            "{lines:?}"
        );
        let sts = describe_state(&system, &state, by_id("P12").unwrap());
        assert!(
            sts[0].starts_with("StatefulSet web: replicas 1; status replicas 1"),
            "{sts:?}"
        );
        assert!(sts[1].starts_with("Pod web-0: bound to node-"), "{sts:?}");
    }
}
