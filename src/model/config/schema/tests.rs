use serde_json::json;

use super::*;
use crate::model::resources::{
    ControllerRevision, Deployment, Job, Node, Object, PersistentVolumeClaim, Pod, ReplicaSet,
    StatefulSet,
};

#[test]
fn a_misspelt_field_is_unknown_with_the_nearest_name() {
    let set = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
        "spec": {"repılicas": 3, "template": {"spec": {"containers": [{"name": "c", "imagee": "x"}]}}}});
    let report = check(Kind::StatefulSet, &set);
    let paths: Vec<&str> = report.unknown.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        ["spec.repılicas", "spec.template.spec.containers[0].imagee"]
    );
    assert_eq!(
        report.unknown[0].message(""),
        "unknown field; did you mean spec.replicas?"
    );
    assert_eq!(
        report.unknown[1].suggestion.as_deref(),
        Some("spec.template.spec.containers[0].image")
    );
    let garbage = check(Kind::Pod, &json!({"spec": {"qqqqqqqq": 1}}));
    assert_eq!(
        garbage.unknown[0].message(""),
        "unknown field: PodSpec has no such field in Kubernetes"
    );
}

#[test]
fn known_fields_orchard_does_not_model_are_ignored_once_per_subtree() {
    let d = json!({"spec": {"minReadySeconds": 5, "replicas": 1, "template": {"spec": {
        "containers": [{"name": "c", "livenessProbe": {"anything": {"goes": 1}}, "ports": [{"containerPort": 80}]}],
        "initContainers": [{"name": "i", "image": "x"}]}}}});
    let report = check(Kind::Deployment, &d);
    assert!(report.unknown.is_empty(), "{:?}", report.unknown);
    assert_eq!(
        report.ignored,
        [
            "spec.minReadySeconds",
            "spec.template.spec.containers[0].livenessProbe",
            "spec.template.spec.containers[0].ports",
            "spec.template.spec.initContainers",
        ]
    );
    let claim = json!({"spec": {"storageClassName": "fast", "resources": {"requests": {"storage": "1Gi"}}}});
    assert_eq!(
        check(Kind::PersistentVolumeClaim, &claim).ignored,
        ["spec.storageClassName"]
    );
    // Inside an ignored subtree that has a schema, a misspelling is still caught.
    let init = json!({"spec": {"initContainers": [{"nmae": "i"}]}});
    assert_eq!(
        check(Kind::Pod, &init).unknown[0].path,
        "spec.initContainers[0].nmae"
    );
}

#[test]
fn free_keys_of_maps_are_not_fields() {
    let pod = json!({"metadata": {"labels": {"app.kubernetes.io/name": "x"}},
        "spec": {"nodeSelector": {"zone": "a"}, "containers": [{"resources": {"requests": {"cpu": "1", "example.com/gpu": 1}}}]}});
    let report = check(Kind::Pod, &pod);
    assert!(report.unknown.is_empty() && report.ignored.is_empty());
}

/// Every field orchard's own structs write is in the schema: what orchard dumps, it reads.
#[test]
fn every_field_orchard_writes_is_in_the_schema() {
    let mut pod = Pod::default();
    let spec = &mut *pod.spec;
    spec.node_name = Some("n".into());
    spec.hostname = Some("h".into());
    spec.subdomain = Some("s".into());
    spec.restart_policy = Some("Never".into());
    let objects = [
        Object::Node(Node::default()),
        Object::Pod(pod),
        Object::ReplicaSet(ReplicaSet::default()),
        Object::Deployment(Deployment::default()),
        Object::StatefulSet(StatefulSet::default()),
        Object::Job(Job::default()),
        Object::ControllerRevision(ControllerRevision::default()),
        Object::PersistentVolumeClaim(PersistentVolumeClaim::default()),
    ];
    for object in objects {
        let value = serde_json::to_value(&object).unwrap();
        let report = check(object.kind(), &value);
        assert!(
            report.unknown.is_empty(),
            "{}: {:?}",
            object.kind(),
            report.unknown
        );
    }
}

#[test]
fn counts_are_not_negative_and_numbers_are_bounded() {
    let d = json!({"metadata": {"generation": 9_223_372_036_854_775_807i64},
        "spec": {"replicas": -1, "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "x"}},
        "revisionHistoryLimit": 2.5}});
    let report = check(Kind::Deployment, &d);
    let found: Vec<(&str, &str)> = report
        .invalid
        .iter()
        .map(|i| (i.path.as_str(), i.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "metadata.generation",
                "9223372036854775807 is past the limit of 1000000"
            ),
            ("spec.replicas", "must not be negative (-1)"),
            ("spec.revisionHistoryLimit", "must be a whole number (2.5)"),
            (
                "spec.strategy.rollingUpdate.maxUnavailable",
                "`x` is neither a count nor a percentage (e.g. 2 or 25%)"
            ),
        ]
    );
    let ok = json!({"spec": {"replicas": 3, "strategy": {"rollingUpdate": {"maxSurge": "1000%", "maxUnavailable": 0}}}});
    assert!(check(Kind::Deployment, &ok).invalid.is_empty());
    let past = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "1001%"}}}});
    assert_eq!(
        check(Kind::Deployment, &past).invalid[0].message,
        "1001% is past the limit of 1000%"
    );
}
