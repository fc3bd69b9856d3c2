//! Which of the fields a manifest sets and orchard does not model would change behaviour in
//! Kubernetes: `minReadySeconds` delays when a ready pod counts as available, and orchard's
//! model has no clock to delay it by, so it is reported as "changes behaviour, not modelled"
//! beside the plainly ignored fields (a container's ports, a claim's `storageClassName`).

use crate::model::resources::Kind;

/// Whether the unmodelled field at `path` of a `kind` changes behaviour in Kubernetes.
pub(super) fn changes_behaviour(kind: Kind, path: &str) -> bool {
    matches!(
        kind,
        Kind::ReplicaSet | Kind::Deployment | Kind::StatefulSet
    ) && path == "spec.minReadySeconds"
}

#[cfg(test)]
mod tests {
    use crate::model::config::parse_model;

    const MODEL: &str = "name: m
controllers: {statefulset: 1}
resources:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web}
    spec:
      serviceName: web
      minReadySeconds: 10
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers: [{name: c, image: i}]
      volumeClaimTemplates:
        - metadata: {name: data}
          spec:
            storageClassName: fast
            resources: {requests: {storage: 1Gi}}
";

    #[test]
    fn unmodelled_fields_are_reported_once_with_their_line_and_effect() {
        let no_files = |_: &str| Err("none".to_string());
        let loaded = parse_model(MODEL, "m.yaml", &no_files).unwrap();
        let shown: Vec<(String, u32)> = loaded
            .ignored
            .iter()
            .map(|f| (f.to_string(), f.position.map_or(0, |p| p.line)))
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    "StatefulSet/web: spec.minReadySeconds (changes behaviour, not modelled)"
                        .to_string(),
                    9
                ),
                (
                    "StatefulSet/web: spec.volumeClaimTemplates[0].spec.storageClassName"
                        .to_string(),
                    18
                ),
            ]
        );
        // Without them (or with minReadySeconds at its zero), nothing is reported.
        let plain = MODEL
            .replace("minReadySeconds: 10", "minReadySeconds: 0")
            .replace("            storageClassName: fast\n", "");
        let loaded = parse_model(&plain, "m.yaml", &no_files).unwrap();
        assert!(loaded.ignored.is_empty(), "{:?}", loaded.ignored);
    }
}
