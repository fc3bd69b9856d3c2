//! The scheduler: binds each unscheduled pod to a node it fits (dissertation §3.3.3.2).
//!
//! Per step it takes the unscheduled pods (no `nodeName`, not terminating, not finished) in name
//! order and binds the first one that fits some node: an Update of the pod with
//! `spec.nodeName` set. A pod that fits nowhere stays unscheduled and the next one is tried.
//! A node fits when it is Ready, not unschedulable, every NoSchedule/NoExecute taint is
//! tolerated, the nodeSelector matches its labels, and the cpu, memory and pod count of the
//! not-finished pods bound to it plus this pod stay within allocatable (see [`filter`]). Among
//! the nodes that fit it picks the least allocated (cpu fraction, then memory). Nodes tied for
//! best are each a choice, as kube-scheduler's `selectHost` picks among them at random: the
//! step offers one alternative per tied node, in name order (choice 0, the first by name, is
//! what [`Controller::step`] does). Nothing else depends on a node's name, so nodes of one
//! machine stay interchangeable (the checker's symmetry reduction relies on it).

pub mod filter;

use std::cmp::Ordering;
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
    live_check: None,
    build,
};

fn build(_spec: &ControllerSpec) -> Box<dyn Controller> {
    Box::new(Scheduler)
}

/// The default scheduler. It keeps no local state beyond its session.
#[derive(Debug)]
pub struct Scheduler;

impl Controller for Scheduler {
    /// `scheduleOne` binds one pod.
    fn single_write(&self) -> bool {
        true
    }

    fn step(&self, view: &View, local: &mut LocalState) -> Option<Operation> {
        self.step_choosing(view, local, 0).0
    }

    fn step_choosing(
        &self,
        view: &View,
        _local: &mut LocalState,
        choice: usize,
    ) -> (Option<Operation>, usize) {
        let Some((pod, tied)) = next_binding(view) else {
            return (None, 1);
        };
        let operation = tied.get(choice).map(|node| {
            let mut bound = pod.clone();
            bound.spec.node_name = Some(node.metadata.name.clone());
            Operation::Update(Object::Pod(bound))
        });
        (operation, tied.len())
    }
}

/// The first pod (by name) to schedule that fits some node, with the nodes tied for best.
fn next_binding(view: &View) -> Option<(&Pod, Vec<&Node>)> {
    let nodes = view.nodes();
    let pods = view.pods();
    let usage = filter::usage_by_node(pods);
    pods.iter().filter(|p| wants_scheduling(p)).find_map(|pod| {
        let tied = best(nodes, &usage, pod);
        (!tied.is_empty()).then_some((pod, tied))
    })
}

/// Whether the scheduler should place this pod: unbound, not terminating, not finished.
pub fn wants_scheduling(pod: &Pod) -> bool {
    bound_node(pod).is_none() && !pod.metadata.is_terminating() && !pod.is_finished()
}

/// The nodes the pod fits that are tied for least allocated (cpu fraction, then memory), in
/// name order; empty when it fits none.
pub fn best<'a>(
    nodes: &'a Resources<Node>,
    usage: &BTreeMap<&str, Usage>,
    pod: &Pod,
) -> Vec<&'a Node> {
    let none = Usage::default();
    let mut tied: Vec<&Node> = Vec::new();
    let mut best_score = None;
    for node in nodes.iter() {
        let usage = usage.get(node.metadata.name.as_str()).unwrap_or(&none);
        if filter::check(node, pod, usage).is_err() {
            continue;
        }
        let (cpu, memory, _) = filter::preference(node, pod, usage);
        let score = (cpu, memory);
        match best_score.as_ref().map(|b| score.cmp(b)) {
            Some(Ordering::Greater) => {}
            Some(Ordering::Equal) => tied.push(node),
            _ => {
                best_score = Some(score);
                tied.clear();
                tied.push(node);
            }
        }
    }
    tied
}

#[cfg(test)]
mod tests;
