//! The objects a violated property is about, named: what an explanation of a counterexample
//! points at. Properties are plain `fn(&System, &SystemState) -> bool` (they say whether, not
//! who); this finds who from the property's kinds ([`super::vacuity::about`]) and the state.

use super::Property;
use super::vacuity::about;
use super::view::describe_state;
use crate::model::history::History;
use crate::model::resources::Kind;
use crate::model::system::{System, SystemState};

/// An object a violated property names, and how it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offender {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// How it stands, as [`describe_state`] tells it: `Pod web-0: bound to node-2, Running;
    /// running on node-1 and node-2`.
    pub detail: String,
}

/// The objects `property` is about in the latest revision of `state`, which should violate it:
///
/// - P8 (unique running pods): each pod that runs on more than one node;
/// - a property about resource kinds: the objects of those kinds whose last write is the
///   latest revision (a `stable => p` property judges only those; a write-ordering property
///   judges the latest write), or, when none is, every object of those kinds.
///
/// Empty when the property is about nothing the state holds.
pub fn offenders(system: &System, state: &SystemState, property: &Property) -> Vec<Offender> {
    let lines = describe_state(system, state, property);
    let detail = |kind: Kind, name: &str| {
        let prefix = format!("{} {name}:", kind.name());
        lines
            .iter()
            .find(|l| l.starts_with(&prefix))
            .cloned()
            .unwrap_or_else(|| format!("{} {name}", kind.name()))
    };
    let offender = |kind: Kind, name: &str| Offender {
        kind,
        name: name.to_string(),
        detail: detail(kind, name),
    };
    if property.id == "P8" {
        let mut nodes_running: std::collections::BTreeMap<&str, usize> = Default::default();
        for (i, local) in state.locals.iter().enumerate() {
            if system.registration(i).is_node {
                for pod in local.running.keys() {
                    *nodes_running.entry(pod.as_str()).or_default() += 1;
                }
            }
        }
        return nodes_running
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(pod, _)| offender(Kind::Pod, pod))
            .collect();
    }
    let latest = state.latest();
    let revision = state.history.latest();
    let kinds = about(property.id);
    let of_kinds: Vec<(Kind, String, u64)> = latest
        .objects()
        .iter()
        .filter(|o| kinds.contains(&o.kind()))
        .map(|o| {
            (
                o.kind(),
                o.name().to_string(),
                o.metadata().resource_version,
            )
        })
        .collect();
    let written_last: Vec<Offender> = of_kinds
        .iter()
        .filter(|(_, _, rv)| *rv == revision)
        .map(|(k, n, _)| offender(*k, n))
        .collect();
    if !written_last.is_empty() {
        return written_last;
    }
    of_kinds.iter().map(|(k, n, _)| offender(*k, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::parse_model;
    use crate::model::properties::by_id;

    #[test]
    fn a_settled_statefulset_names_its_set_and_no_duplicate_pod() {
        let text = include_str!("../../../models/statefulset-stale-reads.yaml");
        let loaded = parse_model(text, "m.yaml", &|f: &str| Err(f.to_string())).unwrap();
        let system = System::new(loaded.config).unwrap();
        let state = system.initial();
        // One node runs web-0: P8 names nobody.
        assert!(offenders(&system, &state, by_id("P8").unwrap()).is_empty());
        // The settled set's status is the latest write: P12 is about it.
        let named = offenders(&system, &state, by_id("P12").unwrap());
        assert_eq!(named.len(), 1, "{named:?}");
        assert_eq!(
            (named[0].kind, named[0].name.as_str()),
            (Kind::StatefulSet, "web")
        );
        assert!(
            named[0].detail.starts_with("StatefulSet web: replicas 1"),
            "{named:?}"
        );
    }
}
