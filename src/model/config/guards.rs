//! The guard registry: every guard Kubernetes' controllers keep against stale reads, named in
//! one place ([`GUARDS`]) with what it does, the Kubernetes change that added it and whether it
//! is on by default, and the model's switches of them ([`Guards`]). A guard switched off gives
//! the behaviour Kubernetes had before it, so that the bug it fixed can be found and the guard
//! proven. Switched from a model file (`guards:`) and the command line (`--guard NAME=on|off`),
//! shown in `orchard check`'s header and recorded in traces.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `expectations`: ControllerExpectations.
pub const EXPECTATIONS: &str = "expectations";
/// `staleness-guard`: the KEP-5647 staleness guard.
pub const STALENESS_GUARD: &str = "staleness-guard";
/// `wait-for-cache-sync`: no sync before every informer has listed.
pub const WAIT_FOR_CACHE_SYNC: &str = "wait-for-cache-sync";
/// `podgc-live-node-check`: the pod garbage collector's quarantine and live Node check.
pub const PODGC_LIVE_NODE_CHECK: &str = "podgc-live-node-check";

/// A guard Kubernetes has against a controller's stale reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuardInfo {
    /// Its name in model files and on the command line.
    pub name: &'static str,
    /// What it does, in one line.
    pub does: &'static str,
    /// What it does when switched off: the behaviour before it.
    pub without: &'static str,
    /// The Kubernetes version and change that added it.
    pub kubernetes: &'static str,
    /// Whether a model has it on unless it says otherwise.
    pub default_on: bool,
}

/// How many guards there are.
pub const GUARD_COUNT: usize = 4;

/// Every guard, in the order they are shown.
pub static GUARDS: [GuardInfo; GUARD_COUNT] = [
    GuardInfo {
        name: EXPECTATIONS,
        does: "replicaset and job wait to see the pods they created or deleted before counting \
               pods again (ControllerExpectations; cleared by `expire-expectations`, the 5-minute \
               TTL)",
        without: "count the pods in the cache however stale it is",
        kubernetes: "Kubernetes 1.0, PR #6866 (the replication manager watches pods, with expectations)",
        default_on: true,
    },
    GuardInfo {
        name: STALENESS_GUARD,
        does: "replicaset, statefulset and job skip a sync while a kind they wrote for its owner is \
               older in their cache than their last write (per controller: \
               `staleness-guard: {replicaset: off}`)",
        without: "sync from a cache older than the controller's own writes",
        kubernetes: "Kubernetes 1.35, KEP-5647 (stale controller mitigation)",
        default_on: true,
    },
    GuardInfo {
        name: WAIT_FOR_CACHE_SYNC,
        does: "informer: a controller does not step until each informer it watches has listed \
               (cache.WaitForCacheSync)",
        without: "a restarted controller syncs from caches that have not listed yet, seeing no \
                  objects of those kinds",
        kubernetes: "Kubernetes 1.0, PR #10147 (rc manager waits for the pod store), later \
                     controller.WaitForCacheSync in every controller",
        default_on: true,
    },
    GuardInfo {
        name: PODGC_LIVE_NODE_CHECK,
        does: "podgc deletes an orphaned pod only once its Node is also gone in a live read at the \
               latest revision (after the 40 s quarantine)",
        without: "podgc force-deletes a pod whose Node is missing from its node cache alone",
        kubernetes: "Kubernetes 1.17, PR #82365 (pod GC uses the node lister, with quarantine and \
                     checkIfNodeExists)",
        default_on: true,
    },
];

/// The guard of a name, ignoring case.
pub fn guard(name: &str) -> Option<&'static GuardInfo> {
    GUARDS.iter().find(|g| g.name.eq_ignore_ascii_case(name))
}

/// The model's switches of its guards. A trace written before a guard was recorded has that
/// field missing and gets the behaviour orchard had then: it replays as it was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Guards {
    /// ControllerExpectations in the controllers that keep them (replicaset, job).
    pub expectations: bool,
    /// The KEP-5647 staleness guard, per controller kind; a kind not listed keeps its
    /// registered default (on for replicaset, statefulset and job).
    pub staleness_guard: BTreeMap<String, bool>,
    /// Informer: no step before every watched cache has listed (orchard always waited before
    /// the switch existed).
    #[serde(default = "on")]
    pub wait_for_cache_sync: bool,
    /// The pod garbage collector checks live that an orphan's Node is gone (orchard never did
    /// before the switch existed).
    #[serde(default)]
    pub podgc_live_node_check: bool,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            expectations: true,
            staleness_guard: BTreeMap::new(),
            wait_for_cache_sync: true,
            podgc_live_node_check: true,
        }
    }
}

impl Guards {
    /// The guards of a trace written before the registry: the behaviour orchard had then
    /// (expectations, staleness guard and cache sync on; no live Node check in podgc).
    pub fn before_registry() -> Guards {
        Guards {
            podgc_live_node_check: false,
            ..Guards::default()
        }
    }

    /// Whether the staleness guard of controller kind `kind` is on, given its registered
    /// default.
    pub fn staleness_guard_of(&self, kind: &str, default: bool) -> bool {
        self.staleness_guard.get(kind).copied().unwrap_or(default)
    }

    /// Whether guard `name` is on (the staleness guard: for any controller with one).
    pub fn is_on(&self, name: &str) -> bool {
        match name {
            EXPECTATIONS => self.expectations,
            STALENESS_GUARD => crate::model::controllers::REGISTRY
                .iter()
                .filter(|r| !r.staleness_guard.is_empty())
                .any(|r| self.staleness_guard_of(r.kind, true)),
            WAIT_FOR_CACHE_SYNC => self.wait_for_cache_sync,
            PODGC_LIVE_NODE_CHECK => self.podgc_live_node_check,
            _ => false,
        }
    }

    /// Switches guard `name` (a registered name, ignoring case; `staleness-guard` for every
    /// controller with one, `staleness-guard.KIND` for one). The error names the guards known.
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), String> {
        if let Some(kind) = name.strip_prefix("staleness-guard.") {
            let known = crate::model::controllers::registration(kind)
                .is_some_and(|r| !r.staleness_guard.is_empty());
            if !known {
                return Err(format!(
                    "`{kind}` has no staleness guard (controllers with one: {})",
                    with_staleness_guard().join(", ")
                ));
            }
            self.staleness_guard.insert(kind.to_string(), on);
            return Ok(());
        }
        let Some(info) = guard(name) else {
            let names = GUARDS.iter().map(|g| g.name);
            return Err(format!(
                "unknown guard `{name}`{} (known: {})",
                crate::model::suggest::did_you_mean(name, names.clone()),
                names.collect::<Vec<_>>().join(", ")
            ));
        };
        match info.name {
            EXPECTATIONS => self.expectations = on,
            STALENESS_GUARD => {
                for kind in with_staleness_guard() {
                    self.staleness_guard.insert(kind.to_string(), on);
                }
            }
            WAIT_FOR_CACHE_SYNC => self.wait_for_cache_sync = on,
            PODGC_LIVE_NODE_CHECK => self.podgc_live_node_check = on,
            _ => unreachable!("every registered guard has a switch"),
        }
        Ok(())
    }

    /// One line naming each guard's state, for `orchard check`'s header:
    /// `expectations on, staleness-guard on, wait-for-cache-sync off, ...`; a staleness guard
    /// switched for some controllers only is listed per controller.
    pub fn summary(&self) -> String {
        GUARDS
            .iter()
            .map(|g| {
                let state = |on: bool| if on { "on" } else { "off" };
                if g.name == STALENESS_GUARD {
                    let kinds = with_staleness_guard();
                    let ons: Vec<bool> = kinds
                        .iter()
                        .map(|k| self.staleness_guard_of(k, true))
                        .collect();
                    if ons.iter().all(|o| *o == ons[0]) {
                        return format!("{} {}", g.name, state(ons[0]));
                    }
                    let parts: Vec<String> = kinds
                        .iter()
                        .zip(ons)
                        .map(|(k, on)| format!("{k} {}", state(on)))
                        .collect();
                    return format!("{} ({})", g.name, parts.join(", "));
                }
                format!("{} {}", g.name, state(self.is_on(g.name)))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn on() -> bool {
    true
}

/// The controller kinds that keep a staleness guard.
fn with_staleness_guard() -> Vec<&'static str> {
    crate::model::controllers::REGISTRY
        .iter()
        .filter(|r| !r.staleness_guard.is_empty())
        .map(|r| r.kind)
        .collect()
}

/// The command line's switches of guards (`--guard NAME=on|off`, repeatable), by
/// [`GUARDS`] index; `None` keeps the model's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuardSwitches(pub [Option<bool>; GUARD_COUNT]);

impl GuardSwitches {
    /// Switches from `(name, on)` pairs as [`parse_switch`] gives them (a later one wins).
    pub fn from_pairs(pairs: &[(&'static str, bool)]) -> GuardSwitches {
        let mut out = GuardSwitches::default();
        for (name, on) in pairs {
            if let Some(i) = GUARDS.iter().position(|g| g.name == *name) {
                out.0[i] = Some(*on);
            }
        }
        out
    }

    /// Whether nothing is switched.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }

    /// Applies the switches to a model's guards.
    pub fn apply(&self, guards: &mut Guards) {
        for (info, on) in GUARDS.iter().zip(self.0) {
            if let Some(on) = on {
                guards
                    .set(info.name, on)
                    .expect("a registered guard has a switch");
            }
        }
    }
}

/// Parses `NAME=on|off` (also `true`/`false`), as `--guard` takes it; names ignore case.
pub fn parse_switch(s: &str) -> Result<(&'static str, bool), String> {
    let Some((name, value)) = s.split_once('=') else {
        return Err(format!("`{s}` is not NAME=on or NAME=off"));
    };
    let on = match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" => true,
        "off" | "false" => false,
        other => return Err(format!("`{other}` is not on or off")),
    };
    let name = name.trim();
    let Some(info) = guard(name) else {
        let names = GUARDS.iter().map(|g| g.name);
        return Err(format!(
            "unknown guard `{name}`{} (known: {}; a model file switches the staleness guard \
             per controller)",
            crate::model::suggest::did_you_mean(name, names.clone()),
            names.collect::<Vec<_>>().join(", ")
        ));
    };
    Ok((info.name, on))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guard_has_a_unique_name_and_a_switch() {
        for (i, g) in GUARDS.iter().enumerate() {
            assert!(GUARDS[..i].iter().all(|h| h.name != g.name), "{}", g.name);
            let mut guards = Guards::default();
            assert_eq!(guards.is_on(g.name), g.default_on, "{}", g.name);
            guards.set(g.name, false).unwrap();
            assert!(!guards.is_on(g.name), "{}", g.name);
            guards.set(g.name, true).unwrap();
            assert!(guards.is_on(g.name), "{}", g.name);
            assert!(!g.kubernetes.is_empty() && !g.does.is_empty() && !g.without.is_empty());
        }
    }

    #[test]
    fn switches_parse_and_bad_ones_say_why() {
        assert_eq!(
            parse_switch("wait-for-cache-sync=off"),
            Ok((WAIT_FOR_CACHE_SYNC, false))
        );
        assert_eq!(parse_switch("Expectations=ON"), Ok((EXPECTATIONS, true)));
        let e = parse_switch("wait-for-cache-synk=off").unwrap_err();
        assert!(e.contains("did you mean wait-for-cache-sync?"), "{e}");
        assert!(
            parse_switch("expectations")
                .unwrap_err()
                .contains("NAME=on")
        );
        assert!(
            parse_switch("expectations=maybe")
                .unwrap_err()
                .contains("on or off")
        );
        let mut g = Guards::default();
        let e = g.set("staleness-guard.scheduler", false).unwrap_err();
        assert!(e.contains("no staleness guard"), "{e}");
        let switches = GuardSwitches::from_pairs(&[(PODGC_LIVE_NODE_CHECK, false)]);
        let mut applied = Guards::default();
        switches.apply(&mut applied);
        assert!(!applied.podgc_live_node_check && applied.wait_for_cache_sync);
        g.set("staleness-guard.replicaset", false).unwrap();
        assert!(
            g.summary().contains("staleness-guard (replicaset off"),
            "{}",
            g.summary()
        );
        g.set("staleness-guard", false).unwrap();
        assert!(
            g.summary().contains("staleness-guard off"),
            "{}",
            g.summary()
        );
    }

    #[test]
    fn a_trace_without_the_new_guards_replays_without_them() {
        let old = r#"{"expectations": true, "staleness-guard": {}}"#;
        let guards: Guards = serde_json::from_str(old).unwrap();
        assert_eq!(guards, Guards::before_registry());
        assert!(guards.is_on(WAIT_FOR_CACHE_SYNC));
        assert!(!guards.is_on(PODGC_LIVE_NODE_CHECK));
    }
}
