//! The OpenAPI v3 index (`/openapi/v3`) and one document per group version, just enough for
//! kubectl to see that the server checks fields itself (each kind's PATCH takes the
//! `fieldValidation` parameter), so that `kubectl apply` validates on the server instead of
//! downloading schemas. No schemas are served: the model reads the fields it models and
//! leaves the rest aside, whatever `fieldValidation` asks.

use serde_json::{Map, Value, json};

use super::routes::{GROUPS, VERSION, kinds_of, namespaced};

fn api_path(group: &str) -> String {
    if group.is_empty() {
        format!("api/{VERSION}")
    } else {
        format!("apis/{group}/{VERSION}")
    }
}

/// `/openapi/v3`: where each group version's document is.
pub fn index() -> Value {
    let mut paths = Map::new();
    for group in std::iter::once("").chain(GROUPS) {
        let path = api_path(group);
        paths.insert(
            path.clone(),
            json!({ "serverRelativeURL": format!("/openapi/v3/{path}") }),
        );
    }
    json!({ "paths": paths })
}

/// The group version (`""` is core) a `/openapi/v3/...` path names, if served.
pub fn group_of(path: &str) -> Option<&'static str> {
    let rest = path.strip_prefix("/openapi/v3/")?;
    std::iter::once("")
        .chain(GROUPS)
        .find(|g| api_path(g) == rest.trim_end_matches('/'))
}

/// The document of one group version: each kind's object path with its PATCH operation.
pub fn document(group: &str) -> Value {
    let mut paths = Map::new();
    for kind in kinds_of(group) {
        let scope = if namespaced(kind) {
            "namespaces/{namespace}/"
        } else {
            ""
        };
        let path = format!("/{}/{scope}{}/{{name}}", api_path(group), kind.plural());
        paths.insert(
            path,
            json!({
                "patch": {
                    "x-kubernetes-group-version-kind":
                        { "group": group, "version": VERSION, "kind": kind.name() },
                    "parameters": [
                        { "name": "fieldValidation", "in": "query", "schema": { "type": "string" } }
                    ],
                    "responses": { "200": { "description": "OK" } },
                }
            }),
        );
    }
    json!({
        "openapi": "3.0.0",
        "info": { "title": "orchard", "version": VERSION },
        "paths": paths,
    })
}
