//! Which Kubernetes resource a URL names: the table of the modelled kinds as the API serves
//! them (group, version, plural, short names, scope, subresources) and the parsing of
//! `/api/v1/namespaces/default/pods/web-0`-style paths into a [`Route`].

use crate::model::resources::Kind;
use crate::store::Key;

/// What a path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/api`: the core versions.
    CoreVersions,
    /// `/apis`: the named groups.
    Groups,
    /// `/apis/<group>`: one group.
    Group(&'static str),
    /// `/api/v1`, `/apis/apps/v1`: the resources of one group version (`""` is core).
    Resources(&'static str),
    /// `/version`.
    Version,
    /// Every object of a kind, in one namespace or (`None`) in all of them.
    Collection {
        /// The kind.
        kind: Kind,
        /// The namespace; `None`: all namespaces (or a cluster-scoped kind).
        namespace: Option<String>,
    },
    /// One object, or one of its subresources.
    Object {
        /// The kind.
        kind: Kind,
        /// The namespace (`None` for a cluster-scoped kind).
        namespace: Option<String>,
        /// The name.
        name: String,
        /// The subresource.
        sub: Subresource,
    },
}

/// A subresource of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subresource {
    /// The object itself.
    Main,
    /// `/status`: only the status changes.
    Status,
    /// `/scale`: an `autoscaling/v1` `Scale` over `spec.replicas`.
    Scale,
}

/// The namespace of a namespaced object that names none (the store's too).
pub const DEFAULT_NAMESPACE: &str = "default";

/// Whether objects of the kind live in a namespace (the store's rule for its keys).
pub fn namespaced(kind: Kind) -> bool {
    Key::new(kind, "").namespace.is_some()
}

/// The API group of a kind: `""` (core), `apps` or `batch`.
pub fn group(kind: Kind) -> &'static str {
    kind.api_version()
        .split_once('/')
        .map_or("", |(group, _)| group)
}

/// The named groups served, with their one version.
pub const GROUPS: [&str; 2] = ["apps", "batch"];

/// The version served in every group.
pub const VERSION: &str = "v1";

/// The short names kubectl accepts for a kind (`po`, `sts`, ...).
pub fn short_names(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Node => &["no"],
        Kind::Pod => &["po"],
        Kind::ReplicaSet => &["rs"],
        Kind::Deployment => &["deploy"],
        Kind::StatefulSet => &["sts"],
        Kind::Job => &[],
        Kind::ControllerRevision => &[],
        Kind::PersistentVolumeClaim => &["pvc"],
    }
}

/// Whether the kind has a `scale` subresource (its `spec.replicas`).
pub fn scalable(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::ReplicaSet | Kind::Deployment | Kind::StatefulSet
    )
}

/// Whether the kind has a `status` subresource.
pub fn has_status(kind: Kind) -> bool {
    kind != Kind::ControllerRevision
}

/// The kinds of one group (`""` is core), in state order.
pub fn kinds_of(group_name: &str) -> impl Iterator<Item = Kind> + '_ {
    Kind::ALL
        .into_iter()
        .filter(move |k| group(*k) == group_name)
}

/// The route of a path, or `None` when no resource lives there.
pub fn parse(path: &str) -> Option<Route> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match segments.as_slice() {
        ["version"] => Some(Route::Version),
        ["api"] => Some(Route::CoreVersions),
        ["apis"] => Some(Route::Groups),
        ["api", VERSION, rest @ ..] => resource_path("", rest),
        ["apis", g, rest @ ..] => {
            let g = GROUPS.into_iter().find(|known| known == g)?;
            match rest {
                [] => Some(Route::Group(g)),
                [VERSION, rest @ ..] => resource_path(g, rest),
                _ => None,
            }
        }
        _ => None,
    }
}

fn resource_path(group_name: &'static str, rest: &[&str]) -> Option<Route> {
    let kind_named = |plural: &str| kinds_of(group_name).find(|k| k.plural() == plural);
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(ns.to_string()), rest),
        _ => (None, rest),
    };
    match rest {
        [] => Some(Route::Resources(group_name)),
        [plural, rest @ ..] => {
            let kind = kind_named(plural)?;
            if namespace.is_some() != namespaced(kind) && !(namespace.is_none() && rest.is_empty())
            {
                return None;
            }
            match rest {
                [] => Some(Route::Collection { kind, namespace }),
                [name, sub @ ..] => {
                    let sub = match sub {
                        [] => Subresource::Main,
                        ["status"] if has_status(kind) => Subresource::Status,
                        ["scale"] if scalable(kind) => Subresource::Scale,
                        _ => return None,
                    };
                    Some(Route::Object {
                        kind,
                        namespace,
                        name: name.to_string(),
                        sub,
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_routes() {
        let object = |kind, ns: Option<&str>, name: &str, sub| Route::Object {
            kind,
            namespace: ns.map(String::from),
            name: name.into(),
            sub,
        };
        let cases = [
            ("/api", Some(Route::CoreVersions)),
            ("/apis/", Some(Route::Groups)),
            ("/apis/apps", Some(Route::Group("apps"))),
            ("/api/v1", Some(Route::Resources(""))),
            ("/apis/batch/v1", Some(Route::Resources("batch"))),
            (
                "/api/v1/pods",
                Some(Route::Collection {
                    kind: Kind::Pod,
                    namespace: None,
                }),
            ),
            (
                "/api/v1/namespaces/default/pods/web-0",
                Some(object(
                    Kind::Pod,
                    Some("default"),
                    "web-0",
                    Subresource::Main,
                )),
            ),
            (
                "/apis/apps/v1/namespaces/shop/statefulsets/web/scale",
                Some(object(
                    Kind::StatefulSet,
                    Some("shop"),
                    "web",
                    Subresource::Scale,
                )),
            ),
            (
                "/api/v1/nodes/node-1/status",
                Some(object(Kind::Node, None, "node-1", Subresource::Status)),
            ),
            ("/api/v1/namespaces/default/services", None),
            ("/apis/apps/v1/namespaces/default/pods", None),
            ("/api/v1/namespaces/default/nodes/node-1", None),
            ("/api/v1/pods/web-0", None),
            ("/api/v1/namespaces/default/pods/web-0/scale", None),
            ("/apis/apps/v2/statefulsets", None),
            ("/healthz/x", None),
        ];
        for (path, route) in cases {
            assert_eq!(parse(path), route, "{path}");
        }
    }
}
