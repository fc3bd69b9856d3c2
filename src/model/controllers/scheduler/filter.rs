//! Which nodes a pod fits and which of them it prefers: Kubernetes' filter plugins
//! NodeUnschedulable, TaintToleration, NodeAffinity (nodeSelector) and NodeResourcesFit, a Ready
//! check, and a least-allocated score.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use thiserror::Error;

use crate::model::collection::Resources;
use crate::model::controllers::util::bound_node;
use crate::model::resources::{Node, Pod, Quantity, Taint, Toleration};

/// What the pods bound to one node request: every pod bound to it that is not finished,
/// terminating ones included (their containers may still run, as Kubernetes counts them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// The sum of cpu requests, in milli-cpu.
    pub cpu: Quantity,
    /// The sum of memory requests, in milli-bytes.
    pub memory: Quantity,
    /// The number of pods.
    pub pods: i64,
}

impl Usage {
    fn add(&mut self, pod: &Pod) {
        // Saturating: quantities are bounded by i64 milli-units, their sums are not.
        self.cpu.0 = self.cpu.0.saturating_add(pod.request("cpu").0);
        self.memory.0 = self.memory.0.saturating_add(pod.request("memory").0);
        self.pods += 1;
    }

    fn of(&self, resource: &str) -> Quantity {
        match resource {
            "cpu" => self.cpu,
            "memory" => self.memory,
            _ => Quantity(0),
        }
    }
}

/// The usage of every node that has a pod bound to it, by node name.
pub fn usage_by_node(pods: &Resources<Pod>) -> BTreeMap<&str, Usage> {
    let mut usage: BTreeMap<&str, Usage> = BTreeMap::new();
    for pod in pods.iter().filter(|p| !p.is_finished()) {
        if let Some(node) = bound_node(pod) {
            usage.entry(node).or_default().add(pod);
        }
    }
    usage
}

/// Why a pod does not fit a node.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Unfit {
    /// The node does not report Ready.
    #[error("node is not ready")]
    NotReady,
    /// The node is cordoned.
    #[error("node is unschedulable")]
    Unschedulable,
    /// A NoSchedule or NoExecute taint the pod does not tolerate.
    #[error("untolerated taint {key}={value}:{effect}")]
    Taint {
        /// The taint's key.
        key: String,
        /// The taint's value.
        value: String,
        /// The taint's effect.
        effect: String,
    },
    /// A nodeSelector label the node lacks or has with another value.
    #[error("node does not match nodeSelector {0}")]
    NodeSelector(String),
    /// Not enough of a resource left.
    #[error("insufficient {0}")]
    Insufficient(&'static str),
}

/// Whether `pod` fits `node`, whose bound pods request `usage`.
pub fn check(node: &Node, pod: &Pod, usage: &Usage) -> Result<(), Unfit> {
    if !node.is_ready() {
        return Err(Unfit::NotReady);
    }
    if node.spec.unschedulable {
        return Err(Unfit::Unschedulable);
    }
    if let Some(taint) = node
        .spec
        .taints
        .iter()
        .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
        .find(|t| !pod.spec.tolerations.iter().any(|tol| tolerates(tol, t)))
    {
        return Err(Unfit::Taint {
            key: taint.key.clone(),
            value: taint.value.clone(),
            effect: taint.effect.clone(),
        });
    }
    if let Some((key, _)) = pod
        .spec
        .node_selector
        .iter()
        .find(|(k, v)| node.metadata.labels.get(*k) != Some(*v))
    {
        return Err(Unfit::NodeSelector(key.clone()));
    }
    fits(node, pod, usage)
}

/// Kubernetes' toleration matching: an empty effect matches every effect, an empty key every
/// key; `Exists` matches any value, `Equal` (or no operator) the same value.
pub fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    if !toleration.effect.is_empty() && toleration.effect != taint.effect {
        return false;
    }
    if !toleration.key.is_empty() && toleration.key != taint.key {
        return false;
    }
    match toleration.operator.as_str() {
        "" | "Equal" => toleration.value == taint.value,
        "Exists" => true,
        _ => false,
    }
}

/// NodeResourcesFit: the pod count stays within allocatable `pods`, and each resource the pod
/// requests (a zero request is not checked) fits in what is left of allocatable. A resource
/// the node does not list is unlimited.
fn fits(node: &Node, pod: &Pod, usage: &Usage) -> Result<(), Unfit> {
    if let Some(max) = node.allocatable("pods")
        && Quantity::units(usage.pods + 1) > max
    {
        return Err(Unfit::Insufficient("pods"));
    }
    for resource in ["cpu", "memory"] {
        let request = pod.request(resource);
        if request.0 <= 0 {
            continue;
        }
        if let Some(allocatable) = node.allocatable(resource)
            && usage.of(resource).0.saturating_add(request.0) > allocatable.0
        {
            return Err(Unfit::Insufficient(resource));
        }
    }
    Ok(())
}

/// How much a node would be allocated with the pod on it: the requested fraction of cpu, then of
/// memory, then the node's name. The scheduler picks the least (Kubernetes' LeastAllocated
/// score, made a total order).
pub fn preference<'a>(node: &'a Node, pod: &Pod, usage: &Usage) -> (Fraction, Fraction, &'a str) {
    let fraction = |resource: &str| match node.allocatable(resource) {
        Some(allocatable) if allocatable.0 > 0 => Fraction {
            num: i128::from(usage.of(resource).0) + i128::from(pod.request(resource).0),
            den: i128::from(allocatable.0),
        },
        _ => Fraction { num: 0, den: 1 },
    };
    (
        fraction("cpu"),
        fraction("memory"),
        node.metadata.name.as_str(),
    )
}

/// An exact non-negative fraction, compared without rounding.
#[derive(Clone, Copy, Debug)]
pub struct Fraction {
    num: i128,
    den: i128,
}

impl Ord for Fraction {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

impl PartialOrd for Fraction {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Fraction {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Fraction {}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, value: &str, effect: &str) -> Taint {
        Taint {
            key: key.into(),
            value: value.into(),
            effect: effect.into(),
        }
    }

    fn toleration(key: &str, operator: &str, value: &str, effect: &str) -> Toleration {
        Toleration {
            key: key.into(),
            operator: operator.into(),
            value: value.into(),
            effect: effect.into(),
        }
    }

    #[test]
    fn toleration_matching_follows_kubernetes() {
        let t = taint("gpu", "yes", "NoSchedule");
        assert!(tolerates(
            &toleration("gpu", "Equal", "yes", "NoSchedule"),
            &t
        ));
        assert!(tolerates(&toleration("gpu", "", "yes", ""), &t));
        assert!(!tolerates(&toleration("gpu", "Equal", "no", ""), &t));
        assert!(tolerates(&toleration("gpu", "Exists", "", ""), &t));
        assert!(!tolerates(
            &toleration("gpu", "Exists", "", "NoExecute"),
            &t
        ));
        assert!(!tolerates(&toleration("tpu", "Exists", "", ""), &t));
        assert!(tolerates(&toleration("", "Exists", "", ""), &t));
        assert!(!tolerates(&toleration("gpu", "Lt", "yes", ""), &t));
    }

    #[test]
    fn fractions_compare_exactly() {
        let third = Fraction { num: 1, den: 3 };
        let two_sixths = Fraction { num: 2, den: 6 };
        let half = Fraction { num: 1, den: 2 };
        assert_eq!(third, two_sixths);
        assert!(third < half);
    }
}
