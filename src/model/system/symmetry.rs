//! Symmetry of interchangeable nodes: a state's fingerprint that is the same for the state and
//! its twin with interchangeable nodes renamed, for a search that keeps fingerprints.
//!
//! Two node controllers are interchangeable when they run the same machine and the same
//! environment rules name each (by kind of rule and budget); every controller, environment
//! rule and property treats nodes alike otherwise (the scheduler offers each node tied for best
//! as its own choice rather than preferring a name), so renaming such nodes everywhere maps
//! behaviours to behaviours and keeps every verdict.
//!
//! The fingerprint splits each revision of the history into a part that names no
//! interchangeable node and one bucket per interchangeable node: the Node itself and the pods
//! bound to it, each hashed with the node's name left out. Per node it folds its buckets over
//! every revision, its kubelet's local state and the budgets of the rules naming it into one
//! value; the fingerprint combines the node-free part with those values sorted. Equal sorted
//! values pair each node of one state with a node of the other carrying the same resources,
//! local state and budgets in every revision, which is a renaming; sorting makes the result the
//! same whatever the names.
//!
//! The condition a model can break: nothing in it may name an interchangeable node but the
//! node's own Node and the pods bound to it (`spec.nodeName`), which the fingerprint
//! abstracts. A resource that names a node otherwise (a template's `nodeName`, a
//! `nodeSelector` or affinity on its hostname, an annotation) or a rule parameter that does
//! (other than the rule's `who`, part of the class) makes renaming change what happens; such a
//! node is left out of the symmetry, with a note saying where it is named.

use std::mem;

use super::*;
use crate::model::collection::{entry_fingerprint, hash_of, mix};

/// Which node controllers are interchangeable, worked out once from the configuration.
#[derive(Clone, Debug, Default)]
pub(super) struct Symmetry {
    /// The interchangeable nodes (those alone in their class are not), sorted by name.
    members: Vec<Member>,
    /// For each controller, its member index if it is an interchangeable node.
    member_of_controller: Vec<Option<usize>>,
    /// For each environment rule, the member it names and the rule's position among that
    /// member's rules (the same position pairs the rules of two members).
    member_of_rule: Vec<Option<(usize, usize)>>,
    /// The nodes left out because the model names them elsewhere, and where.
    notes: Vec<String>,
}

/// A node controller: its name, index, the rules naming it (signature, index) and its class.
type Candidate = (String, usize, Vec<(u64, usize)>, u64);

#[derive(Clone, Debug)]
struct Member {
    name: String,
    /// A hash of what makes nodes interchangeable: equal for the members of one class.
    class: u64,
}

impl Symmetry {
    /// The interchangeable nodes of a configuration.
    pub(super) fn of(config: &ModelConfig, registrations: &[&'static Registration]) -> Self {
        // Every node controller, with its rules (by signature, then index) and class.
        let mut candidates: Vec<Candidate> = Vec::new();
        for (i, spec) in config.controllers.iter().enumerate() {
            if !registrations[i].is_node {
                continue;
            }
            let mut rules: Vec<(u64, usize)> = config
                .environment
                .iter()
                .enumerate()
                .filter(|(_, rule)| names(&rule.op) == Some(spec.name.as_str()))
                .map(|(r, rule)| (signature(rule), r))
                .collect();
            rules.sort_unstable();
            let signatures: Vec<u64> = rules.iter().map(|(s, _)| *s).collect();
            let class = hash_of(&(registrations[i].kind, &spec.node, signatures));
            candidates.push((spec.name.clone(), i, rules, class));
        }
        // A node the model names elsewhere is not interchangeable.
        let mut notes = Vec::new();
        candidates.retain(|c| match named_elsewhere(config, &c.0) {
            Some(place) => {
                notes.push(format!(
                    "symmetry: {} is not interchangeable: it is named in {place}",
                    c.0
                ));
                false
            }
            None => true,
        });
        let classes: Vec<u64> = candidates.iter().map(|c| c.3).collect();
        candidates.retain(|c| classes.iter().filter(|k| **k == c.3).count() > 1);
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        let mut symmetry = Symmetry {
            members: Vec::new(),
            member_of_controller: vec![None; config.controllers.len()],
            member_of_rule: vec![None; config.environment.len()],
            notes,
        };
        for (m, (name, controller, rules, class)) in candidates.into_iter().enumerate() {
            symmetry.member_of_controller[controller] = Some(m);
            for (position, (_, rule)) in rules.into_iter().enumerate() {
                symmetry.member_of_rule[rule] = Some((m, position));
            }
            symmetry.members.push(Member { name, class });
        }
        symmetry
    }

    /// The nodes left out because the model names them elsewhere: one line each.
    pub(super) fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The names of the interchangeable nodes, sorted.
    pub(super) fn member_names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|m| m.name.as_str())
    }

    fn member(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|m| m.name == name)
    }

    /// The canonical fingerprint of a state (see the module comment).
    fn fingerprint(&self, state: &SystemState) -> u64 {
        let n = self.members.len();
        let mut chains: Vec<u64> = self.members.iter().map(|m| m.class).collect();
        let mut buckets = vec![0u64; n];
        let mut free = hash_of(&mem::discriminant(&state.history));
        state.history.each_revision(&mut |view, place| {
            buckets.fill(0);
            let rest = self.split(view, &mut buckets);
            free = mix(mix(free ^ rest) ^ place);
            for (chain, bucket) in chains.iter_mut().zip(&buckets) {
                *chain = mix(*chain ^ bucket);
            }
        });
        free = mix(free ^ state.history.shape());
        for (i, local) in state.locals.iter().enumerate() {
            match self.member_of_controller[i] {
                Some(m) => chains[m] = mix(chains[m] ^ hash_of(local)),
                None => free = mix(free ^ hash_of(local)),
            }
        }
        for (rule, used) in state.env_used.iter().enumerate() {
            let used = u64::from(*used);
            match self.member_of_rule[rule] {
                Some((m, position)) => {
                    chains[m] = mix(chains[m] ^ ((position as u64) << 32 | used))
                }
                None => free = mix(free ^ used),
            }
        }
        chains.sort_unstable();
        chains.into_iter().fold(free, |acc, c| mix(acc ^ c))
    }

    /// Splits one revision's state: adds what each interchangeable node carries to its bucket
    /// and returns the fingerprint of the rest.
    fn split(&self, view: &StateView, buckets: &mut [u64]) -> u64 {
        let mut nodes = view.nodes.fingerprint();
        for stored in view.nodes.iter_stored() {
            if let Some(m) = self.member(&stored.metadata.name) {
                nodes = nodes.wrapping_sub(entry_fingerprint(&stored.metadata.name, stored.hash()));
                let entry = entry_fingerprint("", stored.abstracted_hash(abstract_node));
                buckets[m] = buckets[m].wrapping_add(mix(entry ^ NODE_SALT));
            }
        }
        let mut pods = view.pods.fingerprint();
        for stored in view.pods.iter_stored() {
            let Some(m) = stored
                .spec
                .node_name
                .as_deref()
                .and_then(|n| self.member(n))
            else {
                continue;
            };
            let name = &stored.metadata.name;
            pods = pods.wrapping_sub(entry_fingerprint(name, stored.hash()));
            let entry = entry_fingerprint(name, stored.abstracted_hash(abstract_pod));
            buckets[m] = buckets[m].wrapping_add(mix(entry ^ POD_SALT));
        }
        Kind::ALL.into_iter().fold(0u64, |acc, k| {
            let fingerprint = match k {
                Kind::Node => nodes,
                Kind::Pod => pods,
                _ => view.kind_fingerprint(k),
            };
            mix(acc ^ fingerprint.rotate_left(k.index() as u32 * 7))
        })
    }
}

/// Salts that keep a node's own Node apart from the pods bound to it.
const NODE_SALT: u64 = 0x6E6F_6465;
const POD_SALT: u64 = 0x706F_6473;

/// What pairs a rule of one node with a rule of another: its operation's sort, its budget and
/// its parameters other than `who` (a taint rule's taint).
fn signature(rule: &crate::model::environment::EnvironmentRule) -> u64 {
    // Rules without parameters hash as they always have, so that the representative a
    // symmetric state settles on (and with it every shipped trace's digest) stays the same.
    match &rule.op {
        EnvironmentOp::Taint { taint, .. } => {
            hash_of(&(mem::discriminant(&rule.op), rule.max, taint))
        }
        _ => hash_of(&(mem::discriminant(&rule.op), rule.max)),
    }
}

/// The node a rule names, if it names one instance.
fn names(op: &EnvironmentOp) -> Option<&str> {
    let who = match op {
        EnvironmentOp::RestartNode { who }
        | EnvironmentOp::RestartController { who }
        | EnvironmentOp::ExpireExpectations { who }
        | EnvironmentOp::DeleteNode { who }
        | EnvironmentOp::RejoinNode { who }
        | EnvironmentOp::Cordon { who }
        | EnvironmentOp::FlipReadiness { who } => who,
        EnvironmentOp::Taint { who, .. } => who,
        _ => return None,
    };
    match who {
        crate::model::environment::Who::Named(name) => Some(name),
        crate::model::environment::Who::All => None,
    }
}

/// Where the model names node `name` other than in its own Node, the pods bound to it and the
/// `who` of the rules that name it: a resource (`StatefulSet/web`) or a rule (`environment
/// rule 2`), or `None`.
fn named_elsewhere(config: &ModelConfig, name: &str) -> Option<String> {
    for object in &config.initial {
        let value = match object {
            Object::Node(node) if node.metadata.name == name => {
                let mut node = node.clone();
                node.metadata.name.clear();
                node.metadata.uid.clear();
                serde_json::to_value(&node)
            }
            Object::Pod(pod) => {
                let mut pod = pod.clone();
                pod.spec.node_name = None;
                serde_json::to_value(&pod)
            }
            other => serde_json::to_value(other),
        }
        .ok()?;
        if mentions(&value, name) {
            let meta = object.metadata();
            return Some(format!("{}/{}", object.kind(), meta.name));
        }
    }
    for (i, rule) in config.environment.iter().enumerate() {
        if names(&rule.op).is_some() {
            continue;
        }
        if serde_json::to_value(&rule.op).is_ok_and(|v| mentions(&v, name)) {
            return Some(format!("environment rule {}", i + 1));
        }
    }
    None
}

/// Whether a key or a string in `value` is `name`, or a `/`- or `=`-separated part of one.
fn mentions(value: &serde_json::Value, name: &str) -> bool {
    let is = |text: &str| text.split(['/', '=']).any(|part| part == name);
    match value {
        serde_json::Value::String(text) => is(text),
        serde_json::Value::Array(items) => items.iter().any(|v| mentions(v, name)),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| is(k) || mentions(v, name)),
        _ => false,
    }
}

/// A Node's hash without its name: the name left empty, and the uid the API server derived
/// from it (`nodes-<revision>-<name>`) cut back to its revision.
fn abstract_node(node: &Node) -> u64 {
    let mut node = node.clone();
    let name = mem::take(&mut node.metadata.name);
    if let Some(rest) = node.metadata.uid.strip_suffix(name.as_str())
        && rest.ends_with('-')
    {
        node.metadata.uid = rest.to_string();
    }
    hash_of(&node)
}

/// A Pod's hash without the node it is bound to.
fn abstract_pod(pod: &Pod) -> u64 {
    let mut pod = pod.clone();
    pod.spec.node_name = None;
    hash_of(&pod)
}

impl System {
    /// The fingerprint a search keeps for a state: its plain hash, or, with the symmetry
    /// reduction on and some nodes interchangeable, a hash that is the same for two states
    /// exactly when one is the other with interchangeable nodes renamed (up to 64-bit hash
    /// collisions).
    pub fn fingerprint(&self, state: &SystemState) -> u64 {
        if self.reduction.symmetry
            && self.config.syncs.is_one_write()
            && !self.symmetry.members.is_empty()
        {
            self.symmetry.fingerprint(state)
        } else {
            hash_of(state)
        }
    }

    /// The nodes the symmetry reduction treats as interchangeable, sorted by name (empty when
    /// none is).
    pub fn interchangeable_nodes(&self) -> Vec<String> {
        self.symmetry.member_names().map(str::to_string).collect()
    }
}

#[cfg(test)]
mod tests;
