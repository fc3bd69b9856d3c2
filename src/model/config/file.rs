//! The YAML schema of a model file, as written: strict (`deny_unknown_fields`) for orchard's own
//! keys. Meaning is given to it, and checked, in `load.rs`; resources are only glanced at here
//! (their kind and name), and read in full by `manifest.rs`.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::model::resources::{Quantity, Taint};

/// A model file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ModelFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub consistency: Option<ConsistencyField>,
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub controllers: BTreeMap<String, ControllerEntry>,
    #[serde(default)]
    pub environment: Vec<EnvironmentEntry>,
    #[serde(default)]
    pub properties: Option<PropertiesField>,
    #[serde(default)]
    pub checker: Option<CheckerField>,
    #[serde(default)]
    pub resources: Vec<ResourceHeader>,
    #[serde(default)]
    pub guards: Option<GuardsField>,
    #[serde(default)]
    pub start: Option<String>,
    #[serde(default)]
    pub syncs: Option<String>,
}

/// `guards: {expectations: false, staleness-guard: {replicaset: false},
/// wait-for-cache-sync: false, podgc-live-node-check: false}` (the registry: `guards.rs`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct GuardsField {
    #[serde(default)]
    pub expectations: Option<bool>,
    #[serde(default)]
    pub staleness_guard: BTreeMap<String, bool>,
    #[serde(default)]
    pub wait_for_cache_sync: Option<bool>,
    #[serde(default)]
    pub podgc_live_node_check: Option<bool>,
}

/// A value written either as a bare name or as a mapping of details.
#[derive(Debug)]
pub(super) enum NameOr<T> {
    Name(String),
    Detailed(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NameOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = NameOr<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NameOr::Name(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(NameOr::Detailed)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// `consistency: resettable-session` or `consistency: {level: ..., read-your-writes: true}`.
pub(super) type ConsistencyField = NameOr<ConsistencyDetail>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ConsistencyDetail {
    pub level: String,
    #[serde(default)]
    pub read_your_writes: bool,
    pub relist: Option<String>,
    #[serde(default)]
    pub lag: Option<String>,
}

/// A controller kind's instances: a count, a list of names (or, for nodes, of machines), or
/// (nodes) a count with one machine for all.
#[derive(Debug)]
pub(super) enum ControllerEntry {
    Count(i64),
    List(Vec<NodeItem>),
    Group(NodeGroup),
}

/// `{count, capacity, labels, taints, unschedulable}`: `count` nodes with one machine.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct NodeGroup {
    #[serde(default = "one")]
    pub count: i64,
    #[serde(default)]
    pub capacity: BTreeMap<String, Quantity>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<Taint>,
    #[serde(default)]
    pub unschedulable: bool,
}

fn one() -> i64 {
    1
}

/// One instance in a list: a name, or (nodes) a named machine.
pub(super) type NodeItem = NameOr<NamedMachine>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct NamedMachine {
    pub name: String,
    #[serde(default)]
    pub capacity: BTreeMap<String, Quantity>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub taints: Vec<Taint>,
    #[serde(default)]
    pub unschedulable: bool,
}

impl<'de> Deserialize<'de> for ControllerEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ControllerEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count, a list of names, or (nodes) {count, capacity, ...}")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ControllerEntry::Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ControllerEntry::Count(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(ControllerEntry::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(ControllerEntry::Group)
            }
        }
        d.deserialize_any(V)
    }
}

/// One environment rule: exactly one operation key, its parameters, and `max`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct EnvironmentEntry {
    pub scale: Option<String>,
    pub change_image: Option<String>,
    pub toggle_pause: Option<String>,
    pub toggle_suspend: Option<String>,
    pub mark_containers: Option<MarkContainersField>,
    pub restart_controller: Option<String>,
    pub restart_node: Option<String>,
    pub expire_expectations: Option<String>,
    pub delete_node: Option<String>,
    pub rejoin_node: Option<String>,
    pub cordon: Option<String>,
    pub taint: Option<TaintField>,
    pub flip_readiness: Option<String>,
    pub delete_pod: Option<String>,
    pub evict: Option<String>,
    pub replicas: Option<Vec<i64>>,
    pub images: Option<Vec<String>>,
    pub max: Option<i64>,
}

/// `taint: {node: all, key: dedicated, value: gpu, effect: NoSchedule}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TaintField {
    pub node: String,
    pub key: String,
    #[serde(default)]
    pub value: String,
    pub effect: String,
}

/// `mark-containers: {succeeded: true, failed: true}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MarkContainersField {
    #[serde(default)]
    pub succeeded: bool,
    #[serde(default)]
    pub failed: bool,
}

/// `properties: all` or `properties: [P8, D1]`.
#[derive(Debug)]
pub(super) enum PropertiesField {
    Word(String),
    Ids(Vec<String>),
}

impl<'de> Deserialize<'de> for PropertiesField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PropertiesField;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`all` or a list of property ids")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(PropertiesField::Word(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut ids = Vec::new();
                while let Some(id) = seq.next_element()? {
                    ids.push(id);
                }
                Ok(PropertiesField::Ids(ids))
            }
        }
        d.deserialize_any(V)
    }
}

/// `checker: {strategy: bfs, max-depth: 30}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct CheckerField {
    pub strategy: Option<String>,
    pub max_depth: Option<i64>,
}

/// What the first pass reads of a resource entry: a `file:` to include, or a manifest's
/// apiVersion, kind and name. Every other field is read by the second pass.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ResourceHeader {
    pub file: Option<String>,
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: HeaderMetadata,
}

/// The name fields of a manifest's metadata.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HeaderMetadata {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub generate_name: String,
}
