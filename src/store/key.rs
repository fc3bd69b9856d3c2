//! Where an object lives: `/registry/<resource>/<namespace>/<name>`, as the Kubernetes API
//! server lays out etcd (`/registry/minions/<name>` for the cluster-scoped Nodes).

use std::fmt;

use crate::model::resources::{Kind, Object};

/// The prefix of every key.
pub const REGISTRY: &str = "/registry/";

/// The namespace of a namespaced object that names none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// The key of one object: its kind, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The kind.
    pub kind: Kind,
    /// The namespace; `None` for a cluster-scoped kind (Node).
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl Key {
    /// The key of a namespaced object in `default`, or of a Node.
    pub fn new(kind: Kind, name: impl Into<String>) -> Key {
        let namespace = namespaced(kind).then(|| DEFAULT_NAMESPACE.to_string());
        Key {
            kind,
            namespace,
            name: name.into(),
        }
    }

    /// The key an object is stored under.
    pub fn of(object: &Object) -> Key {
        let kind = object.kind();
        let meta = object.metadata();
        let namespace = namespaced(kind).then(|| {
            meta.namespace
                .clone()
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
        });
        Key {
            kind,
            namespace,
            name: meta.name.clone(),
        }
    }

    /// The etcd key: `/registry/pods/default/web-0`, `/registry/minions/node-1`.
    pub fn path(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}{ns}/{}", kind_prefix(self.kind), self.name),
            None => format!("{}{}", kind_prefix(self.kind), self.name),
        }
    }

    /// The key of an etcd key path, if it is one of ours.
    pub fn parse(path: &str) -> Option<Key> {
        let rest = path.strip_prefix(REGISTRY)?;
        let (resource, rest) = rest.split_once('/')?;
        let kind = Kind::ALL
            .into_iter()
            .find(|k| resource_name(*k) == resource)?;
        let (namespace, name) = if namespaced(kind) {
            let (ns, name) = rest.split_once('/')?;
            (Some(ns.to_string()), name)
        } else {
            (None, rest)
        };
        if name.is_empty() || name.contains('/') {
            return None;
        }
        Some(Key {
            kind,
            namespace,
            name: name.to_string(),
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Whether objects of the kind live in a namespace (all but Nodes).
pub fn namespaced(kind: Kind) -> bool {
    kind != Kind::Node
}

/// The resource segment of the kind's keys: the plural, but `minions` for Nodes, as Kubernetes
/// has kept it.
pub fn resource_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Node => "minions",
        other => other.plural(),
    }
}

/// The prefix of every key of the kind: `/registry/pods/`.
pub fn kind_prefix(kind: Kind) -> String {
    format!("{REGISTRY}{}/", resource_name(kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Metadata, Node, Pod, StatefulSet};

    #[test]
    fn keys_follow_the_kubernetes_layout_and_parse_back() {
        let pod = Object::Pod(Pod {
            metadata: Metadata::named("web-0"),
            ..Pod::default()
        });
        let mut sts = StatefulSet {
            metadata: Metadata::named("web"),
            ..StatefulSet::default()
        };
        sts.metadata.namespace = Some("shop".into());
        let node = Object::Node(Node {
            metadata: Metadata::named("node-1"),
            ..Node::default()
        });
        let cases = [
            (pod, "/registry/pods/default/web-0"),
            (Object::StatefulSet(sts), "/registry/statefulsets/shop/web"),
            (node, "/registry/minions/node-1"),
        ];
        for (object, path) in cases {
            let key = Key::of(&object);
            assert_eq!(key.path(), path);
            assert_eq!(Key::parse(path), Some(key));
        }
        assert_eq!(
            Key::new(Kind::Pod, "a"),
            Key::parse("/registry/pods/default/a").unwrap()
        );
    }

    #[test]
    fn foreign_paths_are_not_keys() {
        for path in [
            "/registry/services/default/a",
            "/registry/pods/default/",
            "/registry/pods/a",
            "/other/pods/default/a",
            "/registry/minions/a/b",
        ] {
            assert_eq!(Key::parse(path), None, "{path}");
        }
    }
}
