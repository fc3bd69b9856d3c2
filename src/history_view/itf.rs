//! A path of states as ITF, the Informal Trace Format that Apalache and Quint write and their
//! trace viewers read (Apalache ADR-015): a `#meta` object, the `vars`, and one object per
//! state holding `#meta: {index}` and exactly one value per var. Every integer is a
//! `{"#bigint": "..."}` (as Apalache writes them, so none is beyond JavaScript's safe range),
//! sets are `{"#set": [...]}`, optional values Quint's `{"tag": "Some"|"None", "value": ...}`;
//! ITF has no null, so an absent field is left out.
//!
//! The vars: `resources` (kind, then name, to the object as Kubernetes writes it), `revision`
//! (the latest), `history` (revisions with parents and writers, heads, commit point),
//! `controllers` (each one's local state: session, caches, running pods, expectations, the
//! reads it may make now), `budgets` (each environment rule's uses and bound), `action` (what
//! led to the state), Quint's `mbt::actionTaken` and `mbt::nondetPicks`, and, when the path
//! is a counterexample, `property` (whether the violated property holds in the state).

use serde_json::{Map, Value, json};

use super::graph::Provenance;
use super::kube::kube_object;
use crate::model::history::HistoryGraph;
use crate::model::properties::Property;
use crate::model::resources::Kind;
use crate::model::system::{Action, System, SystemState, Transition};

/// Where the ITF specification is, for `#meta.format-description`.
pub const FORMAT_DESCRIPTION: &str = "https://apalache-mc.org/docs/adr/015adr-trace.html";

/// The name Quint gives the var holding the action taken into a state.
pub const ACTION_TAKEN: &str = "mbt::actionTaken";

/// The name Quint gives the var holding the nondeterministic choices of that action.
pub const NONDET_PICKS: &str = "mbt::nondetPicks";

/// The picks an action may make, each present in every state (`None` where it made none).
const PICKS: [&str; 6] = ["controller", "read", "choice", "kind", "revision", "rule"];

/// What an export says about the path besides its states.
#[derive(Clone, Copy, Debug)]
pub struct ItfSource<'a> {
    /// Where the path came from (a trace file).
    pub source: &'a str,
    /// The property the path violates, if it is a counterexample.
    pub property: Option<&'static Property>,
    /// The step after which it is violated.
    pub violation_step: usize,
}

/// The path from `start` through `transitions` as an ITF trace. `provenance` says who wrote
/// the start state's revisions ([`Provenance::of_start`]); the path's own writes are added.
pub fn to_itf(
    system: &System,
    start: &SystemState,
    transitions: &[Transition],
    mut provenance: Provenance,
    source: &ItfSource,
) -> Value {
    let mut vars: Vec<&str> = vec![
        "resources",
        "revision",
        "history",
        "controllers",
        "budgets",
        "action",
        ACTION_TAKEN,
        NONDET_PICKS,
    ];
    if source.property.is_some() {
        vars.push("property");
    }
    let mut states = vec![state(system, 0, start, None, &provenance, source)];
    for (i, t) in transitions.iter().enumerate() {
        provenance.record_action(system, i + 1, &t.action, &t.outcome);
        states.push(state(system, i + 1, &t.next, Some(t), &provenance, source));
    }
    let config = system.config();
    let mut description = format!(
        "orchard: model {} under {}, commit {}",
        config.name,
        config.consistency,
        config.commit.name()
    );
    if let Some(p) = source.property {
        description += &format!(
            "; {} ({}) fails after step {}",
            p.id, p.text, source.violation_step
        );
    }
    json!({
        "#meta": {
            "format": "ITF",
            "format-description": FORMAT_DESCRIPTION,
            "source": source.source,
            "description": description,
        },
        "vars": vars,
        "states": states,
    })
}

/// One state of the trace.
fn state(
    system: &System,
    index: usize,
    state: &SystemState,
    taken: Option<&Transition>,
    provenance: &Provenance,
    source: &ItfSource,
) -> Value {
    let graph = system.history_graph(state);
    let mut out = Map::new();
    out.insert("#meta".into(), json!({ "index": index }));
    out.insert("resources".into(), resources(state));
    out.insert("revision".into(), bigint(graph.latest));
    out.insert("history".into(), history(&graph, provenance));
    out.insert("controllers".into(), controllers(system, state, &graph));
    out.insert("budgets".into(), budgets(system, state));
    out.insert("action".into(), action(system, taken));
    out.insert(
        ACTION_TAKEN.into(),
        json!(taken.map_or("init", |t| action_name(&t.action))),
    );
    out.insert(NONDET_PICKS.into(), picks(system, taken.map(|t| &t.action)));
    if let Some(p) = source.property {
        out.insert(
            "property".into(),
            json!({ "id": p.id, "text": p.text, "holds": (p.check)(system, state) }),
        );
    }
    Value::Object(out)
}

/// Kind, then name, to the object as Kubernetes writes it; every kind present.
fn resources(state: &SystemState) -> Value {
    let view = state.latest();
    let mut by_kind = Map::new();
    for kind in Kind::ALL {
        by_kind.insert(kind.name().into(), Value::Object(Map::new()));
    }
    for object in view.objects() {
        if let Some(Value::Object(names)) = by_kind.get_mut(object.kind().name()) {
            names.insert(object.name().to_string(), itf(&kube_object(&object)));
        }
    }
    Value::Object(by_kind)
}

fn history(graph: &HistoryGraph, provenance: &Provenance) -> Value {
    let revisions: Vec<Value> = graph
        .nodes
        .iter()
        .map(|n| {
            let written = provenance.get(n.revision);
            json!({
                "revision": bigint(n.revision),
                "parents": set(n.parents.iter().map(|&p| bigint(p))),
                "lost": n.lost,
                "term": bigint(n.term),
                "head": graph.heads.contains(&n.revision),
                "step": bigint(written.map_or(0, |w| w.step)),
                "writer": written.map_or("start", |w| w.writer.as_str()),
                "change": written.map_or("", |w| w.change.as_str()),
            })
        })
        .collect();
    json!({
        "revisions": revisions,
        "heads": set(graph.heads.iter().map(|&h| bigint(h))),
        "latest": bigint(graph.latest),
        "commitPoint": option(graph.commit_point.map(bigint)),
    })
}

fn controllers(system: &System, state: &SystemState, graph: &HistoryGraph) -> Value {
    let mut out = Map::new();
    for (i, local) in state.locals.iter().enumerate() {
        let name = system.controller_name(i);
        let mut value = serde_json::to_value(&**local).unwrap_or_default();
        if let Value::Object(map) = &mut value {
            // Caches by kind name, the kinds not listed left out (ITF has no null).
            let caches: Map<String, Value> = Kind::ALL
                .iter()
                .zip(local.caches)
                .filter_map(|(kind, r)| Some((kind.name().to_string(), json!(r?))))
                .collect();
            map.insert("caches".into(), Value::Object(caches));
            map.insert("kind".into(), json!(system.registration(i).kind));
            let readable = graph
                .readable
                .iter()
                .find(|(reader, _)| reader == name)
                .map(|(_, reads)| json!(reads))
                .unwrap_or_else(|| json!([]));
            map.insert("readable".into(), readable);
        }
        out.insert(name.to_string(), itf(&value));
    }
    Value::Object(out)
}

fn budgets(system: &System, state: &SystemState) -> Value {
    let rules = &system.config().environment;
    Value::Array(
        rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                json!({
                    "rule": itf(&serde_json::to_value(&rule.op).unwrap_or_default()),
                    "used": bigint(state.env_used.get(i).copied().unwrap_or(0)),
                    "max": bigint(rule.max),
                })
            })
            .collect(),
    )
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Step { .. } => "step",
        Action::Cache { .. } => "cache",
        Action::Environment { .. } => "environment",
        Action::Continue { .. } => "continue",
    }
}

fn action(system: &System, taken: Option<&Transition>) -> Value {
    match taken {
        None => json!({ "type": "init", "describe": "the start state", "outcome": "" }),
        Some(t) => {
            let mut value = itf(&serde_json::to_value(&t.action).unwrap_or_default());
            if let Value::Object(map) = &mut value {
                map.insert("describe".into(), json!(system.describe(&t.action)));
                map.insert("outcome".into(), json!(t.outcome.to_string()));
                if let Action::Step { controller, .. }
                | Action::Cache { controller, .. }
                | Action::Continue { controller } = &t.action
                {
                    map.insert(
                        "controller".into(),
                        json!(system.controller_name(*controller)),
                    );
                }
            }
            value
        }
    }
}

/// Quint's `mbt::nondetPicks`: every pick in every state, `Some` where the action made it.
fn picks(system: &System, action: Option<&Action>) -> Value {
    let mut made: Map<String, Value> = Map::new();
    match action {
        Some(Action::Step {
            controller,
            read,
            choice,
        }) => {
            made.insert(
                "controller".into(),
                json!(system.controller_name(*controller)),
            );
            made.insert("read".into(), itf(&json!(read)));
            made.insert("choice".into(), bigint(*choice));
        }
        Some(Action::Cache {
            controller,
            kind,
            revision,
        }) => {
            made.insert(
                "controller".into(),
                json!(system.controller_name(*controller)),
            );
            made.insert("kind".into(), json!(kind.name()));
            made.insert("revision".into(), bigint(*revision));
        }
        Some(Action::Environment { rule, .. }) => {
            made.insert("rule".into(), bigint(*rule));
        }
        Some(Action::Continue { controller }) => {
            made.insert(
                "controller".into(),
                json!(system.controller_name(*controller)),
            );
        }
        None => {}
    }
    Value::Object(
        PICKS
            .iter()
            .map(|&name| (name.to_string(), option(made.remove(name))))
            .collect(),
    )
}

/// An integer as ITF writes it.
pub fn bigint(n: impl ToString) -> Value {
    json!({ "#bigint": n.to_string() })
}

fn set(items: impl Iterator<Item = Value>) -> Value {
    json!({ "#set": items.collect::<Vec<_>>() })
}

/// A Quint option: `Some(v)` or `None`.
fn option(value: Option<Value>) -> Value {
    match value {
        Some(v) => json!({ "tag": "Some", "value": v }),
        None => json!({ "tag": "None", "value": { "#tup": [] } }),
    }
}

/// A JSON value as an ITF value: integers as `#bigint`, fields that are null left out, a null
/// in a list and a fraction (the model has none) as `#unserializable`. Values already in ITF
/// form (`#bigint`, `#set`) pass through unchanged.
pub fn itf(value: &Value) -> Value {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => bigint(n),
        Value::Number(n) => json!({ "#unserializable": n.to_string() }),
        Value::Null => json!({ "#unserializable": "null" }),
        Value::Bool(_) | Value::String(_) => value.clone(),
        Value::Array(items) => Value::Array(items.iter().map(itf).collect()),
        Value::Object(map) if map.contains_key("#bigint") || map.contains_key("#set") => {
            value.clone()
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), itf(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_becomes_itf() {
        let v = json!({
            "n": 3, "big": u64::MAX, "neg": -2, "s": "x", "b": true, "gone": null,
            "list": [1, null], "done": {"#bigint": "5"}, "f": 1.5
        });
        assert_eq!(
            itf(&v),
            json!({
                "n": {"#bigint": "3"},
                "big": {"#bigint": "18446744073709551615"},
                "neg": {"#bigint": "-2"},
                "s": "x", "b": true,
                "list": [{"#bigint": "1"}, {"#unserializable": "null"}],
                "done": {"#bigint": "5"},
                "f": {"#unserializable": "1.5"}
            })
        );
    }

    #[test]
    fn options_are_quint_variants() {
        assert_eq!(
            option(Some(json!("a"))),
            json!({"tag": "Some", "value": "a"})
        );
        assert_eq!(option(None), json!({"tag": "None", "value": {"#tup": []}}));
    }
}
