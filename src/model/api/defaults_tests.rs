//! Each modelled default, set when absent and kept when given (a table per kind).

use super::*;
use crate::model::resources::{Container, Metadata};

fn template() -> PodTemplateSpec {
    let mut t = PodTemplateSpec::default();
    t.spec.containers.push(Container {
        name: "c".into(),
        image: "i".into(),
        ..Container::default()
    });
    t
}

#[test]
fn pods_and_templates_restart_always_unless_told() {
    let mut p = Pod {
        metadata: Metadata::named("p"),
        ..Pod::default()
    };
    default_pod(&mut p);
    assert_eq!(p.spec.restart_policy.as_deref(), Some("Always"));
    p.spec.restart_policy = Some("Never".into());
    default_pod(&mut p);
    assert_eq!(p.spec.restart_policy.as_deref(), Some("Never"));
}

#[test]
fn deployment_defaults_table() {
    let mut d = Deployment::default();
    d.spec.template = template();
    default_deployment(&mut d);
    let rolling = d.spec.strategy.rolling_update.clone().unwrap();
    let cases: [(&str, String, String); 7] = [
        (
            "replicas",
            format!("{:?}", d.spec.replicas),
            "Some(1)".into(),
        ),
        (
            "strategy.type",
            format!("{:?}", d.spec.strategy.type_),
            "Some(\"RollingUpdate\")".into(),
        ),
        (
            "maxSurge",
            format!("{:?}", rolling.max_surge),
            "Some(String(\"25%\"))".into(),
        ),
        (
            "maxUnavailable",
            format!("{:?}", rolling.max_unavailable),
            "Some(String(\"25%\"))".into(),
        ),
        (
            "revisionHistoryLimit",
            format!("{:?}", d.spec.revision_history_limit),
            "Some(10)".into(),
        ),
        (
            "progressDeadlineSeconds",
            format!("{:?}", d.spec.progress_deadline_seconds),
            "Some(600)".into(),
        ),
        (
            "template restartPolicy",
            format!("{:?}", d.spec.template.spec.restart_policy),
            "Some(\"Always\")".into(),
        ),
    ];
    for (field, got, want) in cases {
        assert_eq!(got, want, "{field}");
    }
    // Recreate gets no rolling parameters; given values stay.
    let mut r = Deployment::default();
    r.spec.strategy.type_ = Some("Recreate".into());
    r.spec.replicas = Some(3);
    default_deployment(&mut r);
    assert_eq!(r.spec.strategy.rolling_update, None);
    assert_eq!(r.spec.replicas, Some(3));
}

#[test]
fn statefulset_defaults_table() {
    let mut s = StatefulSet::default();
    default_statefulset(&mut s);
    assert_eq!(s.spec.replicas, Some(1));
    assert_eq!(
        s.spec.pod_management_policy.as_deref(),
        Some("OrderedReady")
    );
    assert_eq!(
        s.spec.update_strategy.type_.as_deref(),
        Some("RollingUpdate")
    );
    let rolling = s.spec.update_strategy.rolling_update.clone().unwrap();
    assert_eq!(rolling.partition, Some(0));
    assert_eq!(rolling.max_unavailable, None, "alpha gate off");
    assert_eq!(s.spec.revision_history_limit, Some(10));
    let mut o = StatefulSet::default();
    o.spec.update_strategy.type_ = Some("OnDelete".into());
    o.spec.pod_management_policy = Some("Parallel".into());
    default_statefulset(&mut o);
    assert_eq!(o.spec.update_strategy.rolling_update, None);
    assert_eq!(o.spec.pod_management_policy.as_deref(), Some("Parallel"));
}

#[test]
fn job_defaults_table() {
    // (parallelism, completions) given -> (parallelism, completions) stored
    let cases = [
        ((None, None), (Some(1), Some(1))),
        ((Some(3), None), (Some(3), None)),
        ((None, Some(4)), (Some(1), Some(4))),
        ((Some(2), Some(5)), (Some(2), Some(5))),
    ];
    for ((p, c), want) in cases {
        let mut j = Job::default();
        j.spec.parallelism = p;
        j.spec.completions = c;
        j.spec.template = template();
        j.spec.template.metadata.labels =
            Shared::new([("app".to_string(), "x".to_string())].into());
        default_job(&mut j);
        assert_eq!(
            (j.spec.parallelism, j.spec.completions),
            want,
            "{p:?} {c:?}"
        );
        assert_eq!(j.spec.backoff_limit, Some(6));
        assert_eq!(j.spec.completion_mode.as_deref(), Some("NonIndexed"));
        assert_eq!(j.spec.suspend, Some(false));
        assert_eq!(j.metadata.labels.get("app").map(String::as_str), Some("x"));
    }
}

#[test]
fn replicaset_and_an_already_defaulted_object_share_their_spec() {
    let mut r = ReplicaSet::default();
    r.spec.template = template();
    default_replicaset(&mut r);
    assert_eq!(r.spec.replicas, Some(1));
    let copy = r.clone();
    default_replicaset(&mut r);
    assert!(
        std::ptr::eq(&*r.spec, &*copy.spec),
        "nothing to fill: the spec stays shared"
    );
}
