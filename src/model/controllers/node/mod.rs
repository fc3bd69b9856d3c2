//! The node controller (the kubelet): one instance per machine, named after its Node
//! (dissertation §3.3.3.1).
//!
//! Its local state is the set of pods it runs (`local.running`, by name, with the uid it
//! started and the exit code the environment gave its containers). One step, in priority order:
//!
//! 1. its Node is absent from the view: Create it from the machine (and do nothing else);
//! 2. forget locally every running pod the view no longer backs: the Pod is gone, has another
//!    uid, is no longer bound here, is finished, or was already finished with (grace 0). This is
//!    a local change only, and the step goes on;
//! 3. the first terminating pod bound here (not yet finished with): stop it locally and Delete
//!    it again, which completes the graceful deletion;
//! 4. the first running pod whose containers exited: forget it locally and write its status
//!    Succeeded (exit 0) or Failed;
//! 5. the first active pod bound here: run it (add it to `local.running` if absent) and write
//!    its status Running, and Ready unless its readiness probe fails (`unready`, set by the
//!    environment's `flip-readiness`), if the view does not already show that.
//!
//! A machine that left for good (`local.gone`, the environment's `delete-node`) takes no step.
//!
//! A write may be rejected (a stale read); what the node did locally stands. That is how a
//! kubelet reading stale state runs a pod the cluster has moved on from (kubernetes 59848).

mod status;

use super::util::{is_bound_to, is_finished_with};
use super::{Controller, ControllerSpec, LocalState, NodeMachine, Registration, RunningPod};
use crate::model::collection::Resources;
use crate::model::operation::Operation;
use crate::model::resources::{Kind, Object, Pod};
use crate::model::view::View;

pub use status::{finished, registered_node, running, running_with};

/// Registration of the node controller.
pub const REGISTRATION: Registration = Registration {
    kind: "node",
    summary: "a machine: registers its Node, runs the pods bound to it",
    watches: &[Kind::Node, Kind::Pod],
    is_node: true,
    expectations: false,
    staleness_guard: &[],
    live_check: None,
    build,
};

fn build(spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(NodeController {
        name: spec.name.clone(),
        machine: spec.node.clone().unwrap_or_default(),
    })
}

/// One machine's kubelet.
#[derive(Debug)]
pub struct NodeController {
    /// The Node's name (the controller instance's name).
    pub name: String,
    /// The machine it registers.
    pub machine: NodeMachine,
}

impl Controller for NodeController {
    /// A kubelet's pod sync writes one status.
    fn single_write(&self) -> bool {
        true
    }

    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation> {
        if local.gone {
            return None;
        }
        if !view.nodes().contains(&self.name) {
            let node = status::registered_node(&self.name, &self.machine);
            return Some(Operation::Create(Object::Node(node)));
        }
        let pods = view.pods();
        self.forget_stale(pods, local);
        if let Some(pod) = pods.iter().find(|p| {
            is_bound_to(p, &self.name)
                && p.metadata.is_terminating()
                && !is_finished_with(&p.metadata)
        }) {
            local.running.remove(&pod.metadata.name);
            return Some(Operation::Delete(Object::Pod(pod.clone())));
        }
        let exited: Vec<(String, i32)> = local
            .running
            .iter()
            .filter_map(|(name, r)| r.exit_code.map(|code| (name.clone(), code)))
            .collect();
        for (name, exit_code) in exited {
            local.running.remove(&name);
            // Present: forget_stale keeps only pods the view backs.
            if let Some(pod) = pods.get(&name)
                && let Some(done) = status::with_status(pod, status::finished(pod, exit_code))
            {
                return Some(Operation::Update(Object::Pod(done)));
            }
        }
        for pod in pods
            .iter()
            .filter(|p| is_bound_to(p, &self.name) && p.is_active())
        {
            if !local.running.contains_key(&pod.metadata.name) {
                local.running.insert(
                    pod.metadata.name.clone(),
                    RunningPod {
                        uid: pod.metadata.uid.clone(),
                        exit_code: None,
                        unready: false,
                    },
                );
            }
            let ready = local
                .running
                .get(&pod.metadata.name)
                .is_none_or(|r| !r.unready);
            if let Some(started) = status::with_status(pod, status::running_with(pod, ready)) {
                return Some(Operation::Update(Object::Pod(started)));
            }
        }
        None
    }
}

impl NodeController {
    /// Forgets the running pods the view does not back (local change only).
    fn forget_stale(&self, pods: &Resources<Pod>, local: &mut LocalState) {
        let stale: Vec<String> = local
            .running
            .iter()
            .filter(|(name, running)| {
                pods.get(name).is_none_or(|p| {
                    p.metadata.uid != running.uid
                        || !is_bound_to(p, &self.name)
                        || p.is_finished()
                        || is_finished_with(&p.metadata)
                })
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in stale {
            local.running.remove(&name);
        }
    }
}

#[cfg(test)]
mod tests;
