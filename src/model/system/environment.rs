//! The environment's actions: which are enabled in a state, and what each does.

use super::*;
use crate::model::environment::{Target, Who};
use std::sync::Arc;

impl System {
    /// The environment actions enabled in a state, with their rule index.
    pub fn environment_actions(&self, state: &SystemState) -> Vec<(usize, EnvironmentAction)> {
        let latest = state.latest();
        let mut out = Vec::new();
        for (rule_index, rule) in self.config.environment.iter().enumerate() {
            if state.env_used[rule_index] >= rule.max {
                continue;
            }
            let mut push = |a: EnvironmentAction| out.push((rule_index, a));
            match &rule.op {
                EnvironmentOp::Scale { target, replicas } => {
                    if let Some(current) = workload_replicas(&latest, target.kind, &target.name) {
                        for &r in replicas {
                            if r != current {
                                push(EnvironmentAction::Scale {
                                    target: target.clone(),
                                    replicas: r,
                                });
                            }
                        }
                    }
                }
                EnvironmentOp::ChangeImage { target, images } => {
                    if let Some(current) = workload_image(&latest, target.kind, &target.name) {
                        for image in images {
                            if *image != current {
                                push(EnvironmentAction::ChangeImage {
                                    target: target.clone(),
                                    image: image.clone(),
                                });
                            }
                        }
                    }
                }
                EnvironmentOp::TogglePause { deployment } => {
                    if let Some(d) = latest.deployments.get(deployment) {
                        push(EnvironmentAction::SetPaused {
                            deployment: deployment.clone(),
                            paused: !d.spec.paused,
                        });
                    }
                }
                EnvironmentOp::ToggleSuspend { job } => {
                    if let Some(j) = latest.jobs.get(job) {
                        push(EnvironmentAction::SetSuspended {
                            job: job.clone(),
                            suspended: !j.is_suspended(),
                        });
                    }
                }
                EnvironmentOp::MarkContainers { succeeded, failed } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        if !self.registrations[i].is_node {
                            continue;
                        }
                        for (pod, running) in local.running.iter() {
                            if running.exit_code.is_some() {
                                continue;
                            }
                            for (offered, code) in [(*succeeded, 0), (*failed, 1)] {
                                if offered {
                                    push(EnvironmentAction::MarkContainers {
                                        node: self.controller_name(i).to_string(),
                                        pod: pod.clone(),
                                        exit_code: code,
                                    });
                                }
                            }
                        }
                    }
                }
                EnvironmentOp::RestartController { who } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        let name = self.controller_name(i);
                        if !self.registrations[i].is_node
                            && who.matches(name)
                            && **local != LocalState::default()
                        {
                            push(EnvironmentAction::RestartController {
                                controller: name.to_string(),
                            });
                        }
                    }
                }
                EnvironmentOp::ExpireExpectations { who } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        let name = self.controller_name(i);
                        if who.matches(name) && !local.expectations.is_empty() {
                            push(EnvironmentAction::ExpireExpectations {
                                controller: name.to_string(),
                            });
                        }
                    }
                }
                EnvironmentOp::RestartNode { who } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        let name = self.controller_name(i);
                        if self.registrations[i].is_node
                            && who.matches(name)
                            && !local.gone
                            && (**local != LocalState::default() || latest.nodes.contains(name))
                        {
                            push(EnvironmentAction::RestartNode {
                                node: name.to_string(),
                            });
                        }
                    }
                }
                EnvironmentOp::DeleteNode { who } | EnvironmentOp::RejoinNode { who } => {
                    let rejoin = matches!(rule.op, EnvironmentOp::RejoinNode { .. });
                    for (i, local) in state.locals.iter().enumerate() {
                        let node = self.controller_name(i).to_string();
                        if !self.registrations[i].is_node || !who.matches(&node) {
                            continue;
                        }
                        match (rejoin, local.gone) {
                            (false, false) => push(EnvironmentAction::DeleteNode { node }),
                            (true, true) => push(EnvironmentAction::RejoinNode { node }),
                            _ => {}
                        }
                    }
                }
                EnvironmentOp::Cordon { who } => {
                    for node in self.nodes_meant(&latest, who) {
                        push(EnvironmentAction::SetUnschedulable {
                            unschedulable: !node.spec.unschedulable,
                            node: node.metadata.name.clone(),
                        });
                    }
                }
                EnvironmentOp::Taint { who, taint } => {
                    for node in self.nodes_meant(&latest, who) {
                        push(EnvironmentAction::SetTaint {
                            present: !node.spec.taints.contains(taint),
                            node: node.metadata.name.clone(),
                            taint: taint.clone(),
                        });
                    }
                }
                EnvironmentOp::FlipReadiness { who } => {
                    for (i, local) in state.locals.iter().enumerate() {
                        let name = self.controller_name(i);
                        if !self.registrations[i].is_node || !who.matches(name) {
                            continue;
                        }
                        for (pod, running) in local.running.iter() {
                            if running.exit_code.is_none() {
                                push(EnvironmentAction::SetReadiness {
                                    node: name.to_string(),
                                    pod: pod.clone(),
                                    ready: running.unready,
                                });
                            }
                        }
                    }
                }
                EnvironmentOp::DeletePod { owner } => {
                    for pod in latest.pods.iter() {
                        if !pod.metadata.is_terminating() && owned_by(&latest, pod, owner.as_ref())
                        {
                            push(EnvironmentAction::DeletePod {
                                pod: pod.metadata.name.clone(),
                            });
                        }
                    }
                }
                EnvironmentOp::Evict { owner } => {
                    for pod in latest.pods.iter() {
                        if pod.spec.node_name.is_some()
                            && !pod.metadata.is_terminating()
                            && owned_by(&latest, pod, owner.as_ref())
                        {
                            push(EnvironmentAction::Evict {
                                pod: pod.metadata.name.clone(),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// The Nodes at `latest` of the node controllers `who` names.
    fn nodes_meant<'a>(&self, latest: &'a StateView, who: &Who) -> Vec<&'a Node> {
        latest
            .nodes
            .iter()
            .filter(|n| {
                let name = n.metadata.name.as_str();
                who.matches(name)
                    && self
                        .controller_index(name)
                        .is_some_and(|i| self.registrations[i].is_node)
            })
            .collect()
    }

    pub(super) fn environment_step(
        &self,
        state: &SystemState,
        rule: usize,
        action: EnvironmentAction,
    ) -> Option<Transition> {
        let mut next = state.clone();
        next.env_used[rule] += 1;
        let latest = state.latest();
        let mut write = None;
        match &action {
            EnvironmentAction::Scale { target, replicas } => {
                write = Some(set_replicas(&latest, target.kind, &target.name, *replicas)?);
            }
            EnvironmentAction::ChangeImage { target, image } => {
                write = Some(set_image(&latest, target.kind, &target.name, image)?);
            }
            EnvironmentAction::SetPaused { deployment, paused } => {
                let mut d = latest.deployments.get(deployment)?.clone();
                d.spec.paused = *paused;
                write = Some(Operation::Update(Object::Deployment(d)));
            }
            EnvironmentAction::SetSuspended { job, suspended } => {
                let mut j = latest.jobs.get(job)?.clone();
                j.spec.suspend = Some(*suspended);
                write = Some(Operation::Update(Object::Job(j)));
            }
            EnvironmentAction::MarkContainers {
                node,
                pod,
                exit_code,
            } => {
                let i = self.controller_index(node)?;
                let running = Arc::make_mut(&mut next.locals[i]).running.get_mut(pod)?;
                running.exit_code = Some(*exit_code);
            }
            EnvironmentAction::RestartController { controller } => {
                let i = self.controller_index(controller)?;
                next.locals[i] = Arc::default();
            }
            EnvironmentAction::ExpireExpectations { controller } => {
                let i = self.controller_index(controller)?;
                Arc::make_mut(&mut next.locals[i]).expectations = Default::default();
            }
            EnvironmentAction::RestartNode { node } => {
                let i = self.controller_index(node)?;
                next.locals[i] = Arc::default();
                if let Some(n) = latest.nodes.get(node) {
                    write = Some(Operation::ForceDelete(Object::Node(n.clone())));
                }
            }
            EnvironmentAction::DeleteNode { node } => {
                let i = self.controller_index(node)?;
                next.locals[i] = Arc::new(LocalState {
                    gone: true,
                    ..LocalState::default()
                });
                if let Some(n) = latest.nodes.get(node) {
                    write = Some(Operation::ForceDelete(Object::Node(n.clone())));
                }
            }
            EnvironmentAction::RejoinNode { node } => {
                let i = self.controller_index(node)?;
                if !state.locals[i].gone {
                    return None;
                }
                next.locals[i] = Arc::default();
            }
            EnvironmentAction::SetUnschedulable {
                node,
                unschedulable,
            } => {
                let mut n = latest.nodes.get(node)?.clone();
                n.spec.unschedulable = *unschedulable;
                write = Some(Operation::Update(Object::Node(n)));
            }
            EnvironmentAction::SetTaint {
                node,
                taint,
                present,
            } => {
                let mut n = latest.nodes.get(node)?.clone();
                n.spec.taints.retain(|t| t != taint);
                if *present {
                    n.spec.taints.push(taint.clone());
                }
                write = Some(Operation::Update(Object::Node(n)));
            }
            EnvironmentAction::SetReadiness { node, pod, ready } => {
                let i = self.controller_index(node)?;
                let running = Arc::make_mut(&mut next.locals[i]).running.get_mut(pod)?;
                if running.exit_code.is_some() {
                    return None;
                }
                running.unready = !*ready;
            }
            EnvironmentAction::DeletePod { pod } | EnvironmentAction::Evict { pod } => {
                let p = latest.pods.get(pod)?;
                if p.metadata.is_terminating() {
                    return None;
                }
                write = Some(Operation::Delete(Object::Pod(p.clone())));
            }
        }
        let outcome = match write {
            Some(operation) => {
                let read = Read::At(state.history.latest());
                let change = Change {
                    operation: &operation,
                    read: &read,
                    read_kinds: KindSet::EMPTY,
                    mode: CommitMode::Kubernetes,
                };
                let revision = next.history.commit(&change).ok()?;
                Outcome::Wrote {
                    operation,
                    revision,
                }
            }
            None => Outcome::Local,
        };
        Some(Transition {
            action: Action::Environment { rule, action },
            outcome,
            next,
        })
    }
}

fn workload_replicas(state: &StateView, kind: Kind, name: &str) -> Option<i32> {
    match kind {
        Kind::Deployment => state.deployments.get(name).map(Deployment::replicas),
        Kind::StatefulSet => state.statefulsets.get(name).map(StatefulSet::replicas),
        Kind::ReplicaSet => state.replicasets.get(name).map(ReplicaSet::replicas),
        _ => None,
    }
}

fn template_of(state: &StateView, kind: Kind, name: &str) -> Option<PodTemplateSpec> {
    match kind {
        Kind::Deployment => state.deployments.get(name).map(|d| d.spec.template.clone()),
        Kind::StatefulSet => state
            .statefulsets
            .get(name)
            .map(|s| s.spec.template.clone()),
        Kind::ReplicaSet => state.replicasets.get(name).map(|r| r.spec.template.clone()),
        Kind::Job => state.jobs.get(name).map(|j| j.spec.template.clone()),
        _ => None,
    }
}

fn workload_image(state: &StateView, kind: Kind, name: &str) -> Option<String> {
    template_of(state, kind, name)?
        .spec
        .containers
        .first()
        .map(|c| c.image.clone())
}

fn set_replicas(state: &StateView, kind: Kind, name: &str, replicas: i32) -> Option<Operation> {
    let object = match kind {
        Kind::Deployment => {
            let mut d = state.deployments.get(name)?.clone();
            d.spec.replicas = Some(replicas);
            Object::Deployment(d)
        }
        Kind::StatefulSet => {
            let mut s = state.statefulsets.get(name)?.clone();
            s.spec.replicas = Some(replicas);
            Object::StatefulSet(s)
        }
        Kind::ReplicaSet => {
            let mut r = state.replicasets.get(name)?.clone();
            r.spec.replicas = Some(replicas);
            Object::ReplicaSet(r)
        }
        _ => return None,
    };
    Some(Operation::Update(object))
}

fn set_image(state: &StateView, kind: Kind, name: &str, image: &str) -> Option<Operation> {
    fn first(t: &mut PodTemplateSpec, image: &str) -> Option<()> {
        t.spec.containers.first_mut()?.image = image.to_string();
        Some(())
    }
    let object = match kind {
        Kind::Deployment => {
            let mut d = state.deployments.get(name)?.clone();
            first(&mut d.spec.template, image)?;
            Object::Deployment(d)
        }
        Kind::StatefulSet => {
            let mut s = state.statefulsets.get(name)?.clone();
            first(&mut s.spec.template, image)?;
            Object::StatefulSet(s)
        }
        Kind::ReplicaSet => {
            let mut r = state.replicasets.get(name)?.clone();
            first(&mut r.spec.template, image)?;
            Object::ReplicaSet(r)
        }
        Kind::Job => {
            let mut j = state.jobs.get(name)?.clone();
            first(&mut j.spec.template, image)?;
            Object::Job(j)
        }
        _ => return None,
    };
    Some(Operation::Update(object))
}

/// Whether `pod` is among the pods of `owner` (every pod when `None`): controlled by it, or, for
/// a Deployment, by one of its ReplicaSets.
fn owned_by(state: &StateView, pod: &Pod, owner: Option<&Target>) -> bool {
    let Some(owner) = owner else {
        return true;
    };
    let Some(reference) = pod.metadata.controller_ref() else {
        return false;
    };
    let named =
        |r: &OwnerReference, kind: Kind, name: &str| r.kind == kind.name() && r.name == name;
    if owner.kind == Kind::Deployment {
        return reference.kind == Kind::ReplicaSet.name()
            && state.replicasets.get(&reference.name).is_some_and(|rs| {
                rs.metadata
                    .controller_ref()
                    .is_some_and(|d| named(d, Kind::Deployment, &owner.name))
            });
    }
    named(reference, owner.kind, &owner.name)
}

#[cfg(test)]
mod tests;
