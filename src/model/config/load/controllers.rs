//! `controllers:` resolved into controller instances, in registry order: a count gives
//! `kind` (one) or `kind-1..kind-N`, and nodes are always `node-1..node-N` unless named.

use std::collections::{BTreeMap, BTreeSet};

use super::super::error::ConfigError;
use super::super::file::{ControllerEntry, NameOr};
use super::super::limits::{
    MAX_CONTROLLERS, MAX_INSTANCES, MAX_NAME, MAX_NODES, count_within, name_within, quantity_ok,
};
use super::super::locate::{index, join};
use super::source::{Source, known};
use crate::model::controllers::{ControllerSpec, NodeMachine, REGISTRY, Registration};

/// The key a controller kind has under `controllers:` (`nodes` for node controllers).
fn controller_key(r: &Registration) -> &'static str {
    if r.is_node { "nodes" } else { r.kind }
}

/// The controller instances of a model.
pub(super) fn controllers(
    source: &Source,
    entries: &BTreeMap<String, ControllerEntry>,
) -> Result<Vec<ControllerSpec>, ConfigError> {
    for key in entries.keys() {
        if !REGISTRY.iter().any(|r| controller_key(r) == key) {
            return Err(source.error(
                &join("controllers", key),
                format!(
                    "unknown controller kind `{key}` (known: {})",
                    known(REGISTRY.iter().map(controller_key))
                ),
            ));
        }
    }
    let mut out: Vec<ControllerSpec> = Vec::new();
    let mut names = BTreeSet::new();
    for registration in REGISTRY {
        let key = controller_key(registration);
        let Some(entry) = entries.get(key) else {
            continue;
        };
        let path = join("controllers", key);
        let spec = |name: String, machine: Option<NodeMachine>| ControllerSpec {
            kind: registration.kind.to_string(),
            name,
            node: registration.is_node.then(|| machine.unwrap_or_default()),
        };
        let limit = if registration.is_node {
            MAX_NODES
        } else {
            MAX_INSTANCES
        };
        let what = if registration.is_node {
            "nodes".to_string()
        } else {
            format!("{} controllers", registration.kind)
        };
        let capacity =
            |path: &str, capacity: &BTreeMap<String, crate::model::resources::Quantity>| {
                for (resource, q) in capacity {
                    quantity_ok(resource, *q)
                        .map_err(|m| source.error(&join(&join(path, "capacity"), resource), m))?;
                }
                Ok::<(), ConfigError>(())
            };
        let numbered = |count: i64, path: &str, machine: Option<NodeMachine>| {
            if count < 0 {
                return Err(source.error(path, format!("count must not be negative ({count})")));
            }
            // Checked before any instance is made: a count of 2^62 is an error, not an
            // allocation.
            count_within(usize::try_from(count).unwrap_or(usize::MAX), limit, &what)
                .map_err(|m| source.error(path, m))?;
            Ok((1..=count)
                .map(|n| {
                    let name = if count == 1 && !registration.is_node {
                        registration.kind.to_string()
                    } else {
                        format!("{}-{n}", registration.kind)
                    };
                    spec(name, machine.clone())
                })
                .collect::<Vec<_>>())
        };
        let instances = match entry {
            ControllerEntry::Count(n) => numbered(*n, &path, None)?,
            ControllerEntry::Group(group) => {
                if !registration.is_node {
                    return Err(source.error(
                        &path,
                        "only nodes take a machine: give a count or a list of names",
                    ));
                }
                capacity(&path, &group.capacity)?;
                let machine = NodeMachine {
                    capacity: group.capacity.clone(),
                    labels: group.labels.clone(),
                    taints: group.taints.clone(),
                    unschedulable: group.unschedulable,
                };
                numbered(group.count, &join(&path, "count"), Some(machine))?
            }
            ControllerEntry::List(items) => {
                count_within(items.len(), limit, &what).map_err(|m| source.error(&path, m))?;
                let mut list = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let item_path = index(&path, i);
                    if let NameOr::Detailed(m) = item {
                        capacity(&item_path, &m.capacity)?;
                    }
                    let (name, machine) = match item {
                        NameOr::Name(name) => (name.clone(), None),
                        NameOr::Detailed(m) if registration.is_node => (
                            m.name.clone(),
                            Some(NodeMachine {
                                capacity: m.capacity.clone(),
                                labels: m.labels.clone(),
                                taints: m.taints.clone(),
                                unschedulable: m.unschedulable,
                            }),
                        ),
                        NameOr::Detailed(_) => {
                            return Err(
                                source.error(&item_path, "only nodes take a machine: give a name")
                            );
                        }
                    };
                    if name.trim().is_empty() {
                        return Err(source.error(&item_path, "a controller needs a name"));
                    }
                    name_within(&name, MAX_NAME).map_err(|m| source.error(&item_path, m))?;
                    list.push(spec(name, machine));
                }
                list
            }
        };
        for instance in instances {
            if !names.insert(instance.name.clone()) {
                return Err(source.error(
                    &path,
                    format!("two controllers are named `{}`", instance.name),
                ));
            }
            out.push(instance);
        }
        count_within(out.len(), MAX_CONTROLLERS, "controllers")
            .map_err(|m| source.error("controllers", m))?;
    }
    Ok(out)
}
