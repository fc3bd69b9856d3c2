//! The scheduler: binds each unscheduled pod to a node it fits (dissertation §3.3.3.2).
//!
//! Per step it takes the unscheduled pods (no `nodeName`, not terminating, not finished) in name
//! order and binds the first one that fits some node: an Update of the pod with
//! `spec.nodeName` set. A pod that fits nowhere stays unscheduled and the next one is tried.
//! A node fits when it is Ready, not unschedulable, every NoSchedule/NoExecute taint is
//! tolerated, the nodeSelector matches its labels, and the cpu, memory and pod count of the
//! not-finished pods bound to it plus this pod stay within allocatable (see [`filter`]). Among
//! the nodes that fit it picks the least allocated (cpu fraction, then memory, then name).

pub mod filter;

use std::collections::BTreeMap;

use super::util::bound_node;
use super::{Controller, ControllerSpec, LocalState, Registration};
use crate::model::collection::Resources;
use crate::model::operation::Operation;
use crate::model::resources::{Kind, Node, Object, Pod};
use crate::model::view::View;
use filter::Usage;

/// Registration of the scheduler.
pub const REGISTRATION: Registration = Registration {
    kind: "scheduler",
    summary: "binds unscheduled pods to nodes they fit",
    watches: &[Kind::Node, Kind::Pod],
    is_node: false,
    expectations: false,
    staleness_guard: &[],
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(Scheduler)
}

/// The default scheduler. It keeps no local state beyond its session.
#[derive(Debug)]
pub struct Scheduler;

impl Controller for Scheduler {
    fn step(&self, view: &View, _local: &mut LocalState) -> Option<Operation> {
        let nodes = view.nodes();
        let pods = view.pods();
        let usage = filter::usage_by_node(pods);
        pods.iter().filter(|p| wants_scheduling(p)).find_map(|pod| {
            let node = choose(nodes, &usage, pod)?;
            let mut bound = pod.clone();
            bound.spec.node_name = Some(node.metadata.name.clone());
            Some(Operation::Update(Object::Pod(bound)))
        })
    }
}

/// Whether the scheduler should place this pod: unbound, not terminating, not finished.
pub fn wants_scheduling(pod: &Pod) -> bool {
    bound_node(pod).is_none() && !pod.metadata.is_terminating() && !pod.is_finished()
}

/// The node the pod goes to: the least allocated of those it fits, if any.
pub fn choose<'a>(
    nodes: &'a Resources<Node>,
    usage: &BTreeMap<&str, Usage>,
    pod: &Pod,
) -> Option<&'a Node> {
    let none = Usage::default();
    nodes
        .iter()
        .map(|node| {
            (
                node,
                usage.get(node.metadata.name.as_str()).unwrap_or(&none),
            )
        })
        .filter(|(node, usage)| filter::check(node, pod, usage).is_ok())
        .min_by_key(|(node, usage)| filter::preference(node, pod, usage))
        .map(|(node, _)| node)
}

#[cfg(test)]
mod tests;
