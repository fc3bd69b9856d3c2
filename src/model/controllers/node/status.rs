//! What a node writes: its Node when it joins, and the status of the pods it runs
//! (the kubelet's node registration and status manager).

use crate::model::controllers::NodeMachine;
use crate::model::resources::*;

/// The Node a machine registers: its labels, taints and unschedulable flag, capacity and
/// allocatable from the machine, and `Ready` true.
pub fn registered_node(name: &str, machine: &NodeMachine) -> Node {
    let mut metadata = Metadata::named(name);
    metadata.labels = machine.labels.clone().into();
    Node {
        metadata,
        spec: NodeSpec {
            unschedulable: machine.unschedulable,
            taints: machine.taints.clone(),
        },
        status: NodeStatus {
            capacity: machine.capacity.clone(),
            allocatable: machine.capacity.clone(),
            conditions: vec![Condition::new("Ready", true, "KubeletReady")],
        },
    }
}

/// The status of a pod whose containers all run: phase Running, each container running, started
/// and ready, and the `Ready` condition true. Other conditions are kept.
pub fn running(pod: &Pod) -> PodStatus {
    running_with(pod, true)
}

/// The status of a pod whose containers all run, `ready` saying whether its readiness probe
/// passes: as [`running`], except that a failing probe leaves each container not ready and the
/// `Ready` condition false with the kubelet's reason `ContainersNotReady`.
pub fn running_with(pod: &Pod, ready: bool) -> PodStatus {
    let mut status = pod.status.clone();
    status.phase = PodPhase::Running;
    let reason = if ready { "" } else { "ContainersNotReady" };
    set_condition(
        &mut status.conditions,
        Condition::new("Ready", ready, reason),
    );
    status.container_statuses = pod
        .spec
        .containers
        .iter()
        .map(|c| ContainerStatus {
            name: c.name.clone(),
            ready,
            started: true,
            state: ContainerState {
                running: Some(ContainerStateRunning {}),
                ..ContainerState::default()
            },
        })
        .collect();
    status
}

/// The status of a pod whose containers exited with `exit_code`: phase Succeeded for 0, Failed
/// otherwise; each container terminated with the code, not ready; the `Ready` condition false
/// (reason `PodCompleted`, as the kubelet says). Other conditions are kept.
pub fn finished(pod: &Pod, exit_code: i32) -> PodStatus {
    let mut status = pod.status.clone();
    status.phase = if exit_code == 0 {
        PodPhase::Succeeded
    } else {
        PodPhase::Failed
    };
    set_condition(
        &mut status.conditions,
        Condition::new("Ready", false, "PodCompleted"),
    );
    status.container_statuses = pod
        .spec
        .containers
        .iter()
        .map(|c| ContainerStatus {
            name: c.name.clone(),
            ready: false,
            started: false,
            state: ContainerState {
                terminated: Some(ContainerStateTerminated { exit_code }),
                ..ContainerState::default()
            },
        })
        .collect();
    status
}

/// The pod with this status, or `None` when it already has it (never rewrite a status that is
/// right).
pub fn with_status(pod: &Pod, status: PodStatus) -> Option<Pod> {
    if pod.status == status {
        return None;
    }
    let mut updated = pod.clone();
    updated.status = status;
    Some(updated)
}
