use std::collections::{BTreeMap, HashSet};

use super::*;
use crate::model::config::parse_model;
use crate::model::environment::EnvironmentRule;
use crate::model::history::{Consistency, ConsistencySetting};
use crate::model::properties::{self, PropertyKind};

const STALE_READS: &str = include_str!("../../../../models/statefulset-stale-reads.yaml");
const THREE_NODES: &str = include_str!("../../../../models/statefulset-three-nodes.yaml");

fn config_of(text: &str, consistency: Consistency) -> ModelConfig {
    let mut config = parse_model(text, "model.yaml", &|_| Err("no includes".into()))
        .expect("the model loads")
        .config;
    config.consistency = ConsistencySetting::of(consistency);
    config
}

fn system(config: ModelConfig, symmetry: bool) -> System {
    System::new(config)
        .expect("builds")
        .with_reduction(Reduction {
            symmetry,
            ..Reduction::ALL
        })
}

/// The stale-reads model from its very start (no node registered, nothing scheduled): a state
/// symmetric in its two nodes, so that every walk has a mirror image.
fn unsettled(consistency: Consistency) -> System {
    let mut config = config_of(STALE_READS, consistency);
    config.start = Start::Initial;
    system(config, true)
}

/// Swaps the two nodes' names in a text.
fn swapped(text: &str) -> String {
    text.replace("node-1", "\u{0}")
        .replace("node-2", "node-1")
        .replace('\u{0}', "node-2")
}

/// What a transition did, naming its controller and leaving out which alternative it was.
fn key(system: &System, t: &Transition) -> String {
    let action = match &t.action {
        Action::Step {
            controller, read, ..
        } => format!("{} reads {read:?}", system.controller_name(*controller)),
        other => format!("{other:?}"),
    };
    format!("{action} {:?}", t.outcome)
}

/// A deterministic generator for walks.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// A random walk and its mirror image (node-1 and node-2 swapped at every step), which must
/// exist since the model treats the two nodes alike; the pairs of states along them.
fn walk_and_mirror(system: &System, seed: u64, steps: usize) -> Vec<(SystemState, SystemState)> {
    let mut rng = Lcg(seed);
    let mut state = system.initial();
    let mut mirror = system.initial();
    let mut pairs = Vec::new();
    for _ in 0..steps {
        let ts = system.transitions(&state);
        if ts.is_empty() {
            break;
        }
        let t = &ts[rng.below(ts.len())];
        let want = swapped(&key(system, t));
        let m = system
            .transitions(&mirror)
            .into_iter()
            .find(|m| key(system, m) == want)
            .unwrap_or_else(|| panic!("no mirror image of `{}`", key(system, t)));
        state = t.next.clone();
        mirror = m.next;
        pairs.push((state.clone(), mirror.clone()));
    }
    pairs
}

fn node_indices(system: &System) -> (usize, usize) {
    (
        system.controller_index("node-1").expect("node-1"),
        system.controller_index("node-2").expect("node-2"),
    )
}

fn twins_share_a_fingerprint_and_others_do_not(consistency: Consistency) {
    let system = unsettled(consistency);
    assert_eq!(system.interchangeable_nodes(), vec!["node-1", "node-2"]);
    let (one, two) = node_indices(&system);
    let (mut renamed, mut distinct) = (0, 0);
    for seed in 0..12 {
        for (state, mirror) in walk_and_mirror(&system, seed, 14) {
            assert_eq!(
                system.fingerprint(&state),
                system.fingerprint(&mirror),
                "{consistency:?}: a state and its twin with the nodes renamed"
            );
            if hash_of(&state) != hash_of(&mirror) {
                renamed += 1;
            }
            // Both nodes given node-2's local state: no renaming of `state` (its multiset of
            // node local states changed while its history did not).
            if state.locals[one] != state.locals[two] {
                let mut other = state.clone();
                other.locals[one] = other.locals[two].clone();
                assert_ne!(system.fingerprint(&state), system.fingerprint(&other));
                // The history alone, with the nodes' local states exchanged, is no renaming
                // either unless the history is its own mirror image.
                let mut exchanged = state.clone();
                exchanged.locals.swap(one, two);
                if system.fingerprint(&exchanged) != system.fingerprint(&state) {
                    distinct += 1;
                }
            }
        }
    }
    assert!(
        renamed > 10,
        "{consistency:?}: only {renamed} walks told the nodes apart"
    );
    assert!(
        distinct > 10,
        "{consistency:?}: only {distinct} asymmetric variants"
    );
}

#[test]
fn twins_share_a_fingerprint_in_linear_histories() {
    twins_share_a_fingerprint_and_others_do_not(Consistency::ResettableSession);
}

#[test]
fn twins_share_a_fingerprint_in_optimistic_histories() {
    twins_share_a_fingerprint_and_others_do_not(Consistency::OptimisticLinear);
}

#[test]
fn twins_share_a_fingerprint_in_causal_histories() {
    twins_share_a_fingerprint_and_others_do_not(Consistency::Causal);
}

#[test]
fn twins_share_a_fingerprint_in_informer_histories() {
    twins_share_a_fingerprint_and_others_do_not(Consistency::Informer);
}

#[test]
fn without_symmetry_the_fingerprint_is_the_plain_hash() {
    let config = unsettled(Consistency::ResettableSession).config().clone();
    let plain = system(config, false);
    let state = plain.initial();
    assert_eq!(plain.fingerprint(&state), hash_of(&state));
}

#[test]
fn nodes_of_different_machines_or_rules_are_not_interchangeable() {
    let mut config = config_of(STALE_READS, Consistency::ResettableSession);
    let two = config
        .controllers
        .iter()
        .position(|c| c.name == "node-2")
        .unwrap();
    let mut machine = config.controllers[two].node.clone().unwrap();
    machine.labels.insert("zone".into(), "b".into());
    config.controllers[two].node = Some(machine);
    assert!(system(config, true).interchangeable_nodes().is_empty());

    let mut config = config_of(STALE_READS, Consistency::ResettableSession);
    config.environment.push(EnvironmentRule {
        op: EnvironmentOp::RestartNode {
            who: crate::model::environment::Who::Named("node-1".into()),
        },
        max: 1,
    });
    assert!(
        system(config.clone(), true)
            .interchangeable_nodes()
            .is_empty()
    );
    // The same rule for node-2 makes them alike again.
    config.environment.push(EnvironmentRule {
        op: EnvironmentOp::RestartNode {
            who: crate::model::environment::Who::Named("node-2".into()),
        },
        max: 1,
    });
    assert_eq!(
        system(config, true).interchangeable_nodes(),
        vec!["node-1", "node-2"]
    );
}

/// A breadth-first search keeping fingerprints, as the checker does: how many states it
/// keeps, and for each `always` property the depth of its first violation.
struct Search {
    states: usize,
    first_violation: BTreeMap<&'static str, usize>,
}

fn bfs(system: &System, max_depth: usize) -> Search {
    let properties: Vec<_> = properties::selected(system)
        .into_iter()
        .filter(|p| p.kind == PropertyKind::Always)
        .collect();
    let mut first_violation = BTreeMap::new();
    let mut check = |state: &SystemState, depth: usize| {
        for p in &properties {
            if !(p.check)(system, state) {
                first_violation.entry(p.id).or_insert(depth);
            }
        }
    };
    let initial = system.initial();
    let mut seen = HashSet::from([system.fingerprint(&initial)]);
    check(&initial, 0);
    let mut frontier = vec![initial];
    for depth in 1..=max_depth {
        let mut next = Vec::new();
        for state in &frontier {
            for t in system.transitions(state) {
                if seen.insert(system.fingerprint(&t.next)) {
                    check(&t.next, depth);
                    next.push(t.next);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    Search {
        states: seen.len(),
        first_violation,
    }
}

/// The same verdicts and first-violation depths with and without symmetry, never in more
/// states (in fewer when `fewer`).
fn same_verdicts(config: ModelConfig, max_depth: usize, fewer: bool) -> (Search, Search) {
    let plain = bfs(&system(config.clone(), false), max_depth);
    let reduced = bfs(&system(config, true), max_depth);
    assert_eq!(plain.first_violation, reduced.first_violation);
    let counts = format!(
        "{} states with symmetry, {} without",
        reduced.states, plain.states
    );
    if fewer {
        assert!(reduced.states < plain.states, "{counts}");
    } else {
        assert!(reduced.states <= plain.states, "{counts}");
    }
    (plain, reduced)
}

// From a settled start the history already tells the nodes apart (node-1 registered first and
// runs web-0 in its early revisions, which every later state keeps), so no two reachable
// states are renamings of each other: symmetry keeps every state and every verdict.

#[test]
fn stale_reads_resettable_fails_at_the_same_depth_with_symmetry() {
    let (plain, _) = same_verdicts(
        config_of(STALE_READS, Consistency::ResettableSession),
        30,
        false,
    );
    assert_eq!(plain.first_violation.get("P8"), Some(&9));
}

#[test]
fn stale_reads_monotonic_holds_with_and_without_symmetry() {
    let (plain, _) = same_verdicts(
        config_of(STALE_READS, Consistency::MonotonicSession),
        30,
        false,
    );
    assert!(plain.first_violation.is_empty());
}

/// From its very start (nodes not yet registered) the model is symmetric: fewer states.
fn from_the_start(consistency: Consistency, depth: usize) {
    let mut config = config_of(STALE_READS, consistency);
    config.start = Start::Initial;
    same_verdicts(config, depth, true);
}

#[test]
fn stale_reads_from_the_start_is_smaller_with_symmetry_linear() {
    from_the_start(Consistency::ResettableSession, 8);
}

#[test]
fn stale_reads_from_the_start_is_smaller_with_symmetry_elsewhere() {
    from_the_start(Consistency::OptimisticLinear, 6);
    from_the_start(Consistency::Causal, 6);
    from_the_start(Consistency::Informer, 6);
}

#[test]
fn the_three_node_model_is_symmetric() {
    let system = system(config_of(THREE_NODES, Consistency::Causal), true);
    assert_eq!(
        system.interchangeable_nodes(),
        vec!["node-1", "node-2", "node-3"]
    );
}

#[test]
fn a_node_named_by_a_resource_is_left_out_of_the_symmetry_with_a_note() {
    let plain = system(config_of(THREE_NODES, Consistency::Causal), true);
    assert_eq!(
        plain.interchangeable_nodes(),
        ["node-1", "node-2", "node-3"]
    );
    assert!(plain.reduction_notes().is_empty());
    // A template that pins its pods to node-1's hostname: renaming node-1 changes what happens.
    let pinned = THREE_NODES.replace(
        "      template:\n        metadata:\n          labels: {app: web}\n        spec:\n",
        "      template:\n        metadata:\n          labels: {app: web}\n        spec:\n          nodeSelector: {kubernetes.io/hostname: node-1}\n",
    );
    assert_ne!(pinned, THREE_NODES, "the template was found");
    let pinned = system(config_of(&pinned, Consistency::Causal), true);
    assert_eq!(pinned.interchangeable_nodes(), ["node-2", "node-3"]);
    let notes = pinned.reduction_notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("node-1") && notes[0].contains("StatefulSet/web"),
        "{notes:?}"
    );
    // Without the reduction asked for, nothing to say.
    let off = System::new(pinned.config().clone())
        .unwrap()
        .with_reduction(Reduction::NONE);
    assert!(off.reduction_notes().is_empty());
}
