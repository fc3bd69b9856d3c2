//! Tables of valid and invalid objects and updates per kind, each invalid one with the field
//! and reason the API server gives.

use super::*;
use crate::model::api::defaults::default_object;
use crate::model::resources::{
    Container, IntOrString, PodTemplateSpec, RollingUpdateStatefulSetStrategy, Toleration,
};

fn labels() -> crate::model::resources::Shared<BTreeMap<String, String>> {
    crate::model::resources::Shared::new([("app".to_string(), "web".to_string())].into())
}

fn template(restart: &str) -> PodTemplateSpec {
    let mut t = PodTemplateSpec::default();
    t.metadata.labels = labels();
    t.spec.containers.push(Container {
        name: "c".into(),
        image: "nginx".into(),
        ..Container::default()
    });
    t.spec.restart_policy = Some(restart.into());
    t
}

fn selector() -> LabelSelector {
    LabelSelector::from_labels((*labels()).clone())
}

fn deployment() -> Deployment {
    let mut d = Deployment {
        metadata: Metadata::named("web"),
        ..Deployment::default()
    };
    d.spec.selector = selector();
    d.spec.template = template("Always");
    d
}

fn statefulset() -> StatefulSet {
    let mut s = StatefulSet {
        metadata: Metadata::named("web"),
        ..StatefulSet::default()
    };
    s.spec.selector = selector();
    s.spec.template = template("Always");
    s.spec.service_name = "web".into();
    s
}

fn replicaset() -> ReplicaSet {
    let mut r = ReplicaSet {
        metadata: Metadata::named("web"),
        ..ReplicaSet::default()
    };
    r.spec.selector = selector();
    r.spec.template = template("Always");
    r
}

fn job() -> Job {
    let mut j = Job {
        metadata: Metadata::named("pi"),
        ..Job::default()
    };
    j.spec.template = template("Never");
    j
}

fn pod() -> Pod {
    let mut p = Pod {
        metadata: Metadata::named("p"),
        ..Pod::default()
    };
    p.spec = template("Always").spec;
    p
}

/// The causes of creating `object` after defaulting, as `field: message` lines.
fn create(object: Object) -> Vec<String> {
    let mut object = object;
    default_object(&mut object);
    validate(&object, None)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn update(old: Object, new: Object) -> Vec<String> {
    let (mut old, mut new) = (old, new);
    default_object(&mut old);
    default_object(&mut new);
    assert!(validate(&old, None).is_empty(), "the old object is valid");
    validate(&new, Some(&old))
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Asserts `causes` is empty (`want` empty) or has one cause starting with `want`.
fn expect(case: &str, causes: &[String], want: &str) {
    if want.is_empty() {
        assert!(causes.is_empty(), "{case}: valid, got {causes:?}");
    } else {
        assert!(
            causes.iter().any(|c| c.starts_with(want)),
            "{case}: want `{want}`, got {causes:?}"
        );
    }
}

#[test]
fn deployment_creates() {
    let mut cases: Vec<(&str, Deployment, &str)> = vec![("valid", deployment(), "")];
    let mut d = deployment();
    d.spec.replicas = Some(-1);
    cases.push((
        "negative replicas",
        d,
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
    ));
    let mut d = deployment();
    d.spec.selector = LabelSelector::default();
    cases.push(("empty selector", d, "spec.selector: Required value"));
    let mut d = deployment();
    d.spec
        .selector
        .match_labels
        .insert("tier".into(), "x".into());
    cases.push((
        "selector misses labels",
        d,
        "spec.template.metadata.labels: Invalid value",
    ));
    let mut d = deployment();
    d.spec.template.spec.restart_policy = Some("Never".into());
    cases.push((
        "restart Never",
        d,
        "spec.template.spec.restartPolicy: Unsupported value: \"Never\"",
    ));
    let mut d = deployment();
    d.spec.strategy.type_ = Some("Recreate".into());
    d.spec.strategy.rolling_update = Some(Default::default());
    cases.push((
        "recreate with rolling",
        d,
        "spec.strategy.rollingUpdate: Forbidden",
    ));
    let mut d = deployment();
    let r = d
        .spec
        .strategy
        .rolling_update
        .get_or_insert_with(Default::default);
    r.max_surge = Some(IntOrString::Int(0));
    r.max_unavailable = Some(IntOrString::String("0%".into()));
    cases.push((
        "both zero",
        d,
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0",
    ));
    let mut d = deployment();
    d.spec
        .strategy
        .rolling_update
        .get_or_insert_with(Default::default)
        .max_unavailable = Some(IntOrString::String("150%".into()));
    cases.push(("above 100%", d, "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"));
    let mut d = deployment();
    d.spec.min_ready_seconds = 700;
    cases.push((
        "deadline below minReady",
        d,
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
    ));
    let mut d = deployment();
    d.metadata.name = "Web_1".into();
    cases.push(("bad name", d, "metadata.name: Invalid value: \"Web_1\""));
    for (case, d, want) in cases {
        expect(case, &create(Object::Deployment(d)), want);
    }
}

#[test]
fn deployment_updates() {
    let mut scaled = deployment();
    scaled.spec.replicas = Some(3);
    expect(
        "scale",
        &update(Object::Deployment(deployment()), Object::Deployment(scaled)),
        "",
    );
    let mut moved = deployment();
    moved
        .spec
        .selector
        .match_expressions
        .push(Default::default());
    let causes = update(Object::Deployment(deployment()), Object::Deployment(moved));
    expect("selector changed", &causes, "spec.selector: Invalid value");
    assert!(
        causes.iter().any(|c| c.ends_with("field is immutable")),
        "{causes:?}"
    );
}

#[test]
fn statefulset_creates_and_updates() {
    let mut cases: Vec<(&str, StatefulSet, &str)> = vec![("valid", statefulset(), "")];
    let mut s = statefulset();
    s.spec.pod_management_policy = Some("Random".into());
    cases.push((
        "policy",
        s,
        "spec.podManagementPolicy: Unsupported value: \"Random\"",
    ));
    let mut s = statefulset();
    s.spec.update_strategy.type_ = Some("OnDelete".into());
    s.spec.update_strategy.rolling_update = Some(Default::default());
    cases.push((
        "on delete with rolling",
        s,
        "spec.updateStrategy.rollingUpdate: Invalid value",
    ));
    let mut s = statefulset();
    s.spec.update_strategy.rolling_update = Some(RollingUpdateStatefulSetStrategy {
        partition: Some(-2),
        max_unavailable: None,
    });
    cases.push((
        "partition",
        s,
        "spec.updateStrategy.rollingUpdate.partition: Invalid value: -2",
    ));
    let mut s = statefulset();
    s.spec.replicas = Some(-1);
    cases.push(("replicas", s, "spec.replicas: Invalid value: -1"));
    for (case, s, want) in cases {
        expect(case, &create(Object::StatefulSet(s)), want);
    }
    let forbidden = "spec: Forbidden: updates to statefulset spec for fields other than";
    let mut ok = statefulset();
    ok.spec.replicas = Some(5);
    ok.spec.template.spec.containers[0].image = "nginx:2".into();
    ok.spec.revision_history_limit = Some(3);
    let mut service = statefulset();
    service.spec.service_name = "other".into();
    let mut policy = statefulset();
    policy.spec.pod_management_policy = Some("Parallel".into());
    let mut sel = statefulset();
    sel.spec.selector.match_expressions.push(Default::default());
    let updates = [
        ("replicas, template, history", ok, ""),
        ("serviceName", service, forbidden),
        ("podManagementPolicy", policy, forbidden),
        ("selector", sel, forbidden),
    ];
    for (case, s, want) in updates {
        expect(
            case,
            &update(Object::StatefulSet(statefulset()), Object::StatefulSet(s)),
            want,
        );
    }
}

#[test]
fn replicaset_creates_and_updates() {
    expect("valid", &create(Object::ReplicaSet(replicaset())), "");
    let mut r = replicaset();
    r.spec.min_ready_seconds = -5;
    expect(
        "minReady",
        &create(Object::ReplicaSet(r)),
        "spec.minReadySeconds: Invalid value: -5",
    );
    let mut r = replicaset();
    r.spec.selector.match_expressions.push(Default::default());
    expect(
        "selector",
        &update(Object::ReplicaSet(replicaset()), Object::ReplicaSet(r)),
        "spec.selector: Invalid value",
    );
}

#[test]
fn job_creates_and_updates() {
    let mut cases: Vec<(&str, Job, &str)> = vec![("valid", job(), "")];
    let mut j = job();
    j.spec.template.spec.restart_policy = None;
    cases.push(("restart defaulted to Always", j, "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""));
    let mut j = job();
    j.spec.parallelism = Some(-1);
    cases.push(("parallelism", j, "spec.parallelism: Invalid value: -1"));
    let mut j = job();
    j.spec.completions = Some(-3);
    cases.push(("completions", j, "spec.completions: Invalid value: -3"));
    let mut j = job();
    j.spec.backoff_limit = Some(-1);
    cases.push(("backoffLimit", j, "spec.backoffLimit: Invalid value: -1"));
    let mut j = job();
    j.spec.completion_mode = Some("Indexed".into());
    j.spec.parallelism = Some(2);
    cases.push((
        "indexed without completions",
        j,
        "spec.completions: Required value: when completion mode is Indexed",
    ));
    let mut j = job();
    j.spec.selector = Some(LabelSelector::from_labels(
        [("app".to_string(), "other".to_string())].into(),
    ));
    cases.push((
        "selector misses template",
        j,
        "spec.template.metadata.labels: Invalid value",
    ));
    for (case, j, want) in cases {
        expect(case, &create(Object::Job(j)), want);
    }
    let mut parallel = job();
    parallel.spec.parallelism = Some(3);
    parallel.spec.completions = Some(1);
    let mut completions = job();
    completions.spec.completions = Some(4);
    let mut image = job();
    image.spec.template.spec.containers[0].image = "other".into();
    let mut mode = job();
    mode.spec.completion_mode = Some("Indexed".into());
    let updates = [
        ("parallelism", parallel, ""),
        (
            "completions",
            completions,
            "spec.completions: Invalid value: 4: field is immutable",
        ),
        ("template", image, "spec.template: Invalid value"),
        ("completionMode", mode, "spec.completionMode: Invalid value"),
    ];
    for (case, j, want) in updates {
        expect(case, &update(Object::Job(job()), Object::Job(j)), want);
    }
    // An elastic Indexed job may change completions with parallelism.
    let mut indexed = job();
    indexed.spec.completion_mode = Some("Indexed".into());
    indexed.spec.completions = Some(2);
    indexed.spec.parallelism = Some(2);
    let mut grown = indexed.clone();
    grown.spec.completions = Some(4);
    grown.spec.parallelism = Some(4);
    expect(
        "elastic",
        &update(Object::Job(indexed), Object::Job(grown)),
        "",
    );
}

#[test]
fn pod_creates_and_updates() {
    expect("valid", &create(Object::Pod(pod())), "");
    let mut p = pod();
    p.spec.containers.clear();
    expect(
        "no containers",
        &create(Object::Pod(p)),
        "spec.containers: Required value",
    );
    let mut p = pod();
    p.spec.containers[0].image.clear();
    expect(
        "no image",
        &create(Object::Pod(p)),
        "spec.containers[0].image: Required value",
    );
    let mut p = pod();
    let first = p.spec.containers[0].clone();
    p.spec.containers.push(first);
    expect(
        "duplicate",
        &create(Object::Pod(p)),
        "spec.containers[1].name: Duplicate value: \"c\"",
    );
    let mut p = pod();
    p.spec.restart_policy = Some("Sometimes".into());
    expect(
        "restart",
        &create(Object::Pod(p)),
        "spec.restartPolicy: Unsupported value",
    );
    let forbidden = "spec: Forbidden: pod updates may not change fields other than";
    let mut image = pod();
    image.spec.containers[0].image = "nginx:2".into();
    let mut bound = pod();
    bound.spec.node_name = Some("n1".into());
    let mut tolerated = pod();
    tolerated.spec.tolerations.push(Toleration {
        key: "k".into(),
        operator: "Exists".into(),
        ..Toleration::default()
    });
    let mut restart = pod();
    restart.spec.restart_policy = Some("Never".into());
    let mut selector = pod();
    selector
        .spec
        .node_selector
        .insert("zone".into(), "a".into());
    let updates = [
        ("image", image, ""),
        ("binding", bound.clone(), ""),
        ("toleration added", tolerated, ""),
        ("restartPolicy", restart, forbidden),
        ("nodeSelector", selector, forbidden),
    ];
    for (case, p, want) in updates {
        expect(case, &update(Object::Pod(pod()), Object::Pod(p)), want);
    }
    let mut moved = bound.clone();
    moved.spec.node_name = Some("n2".into());
    expect(
        "rebinding",
        &update(Object::Pod(bound), Object::Pod(moved)),
        forbidden,
    );
}

#[test]
fn the_api_server_refuses_an_invalid_write_with_its_causes() {
    use crate::model::api::{ApplyError, admit};
    let mut d = deployment();
    d.spec.replicas = Some(-1);
    match admit(d, None) {
        Err(ApplyError::Validation { name, causes, .. }) => {
            assert_eq!(name, "web");
            assert_eq!(causes[0].field, "spec.replicas");
            assert_eq!(causes[0].kind.reason(), "FieldValueInvalid");
        }
        other => panic!("want a validation error, got {other:?}"),
    }
    let stored = admit(deployment(), None).expect("a valid deployment is admitted");
    assert_eq!(
        stored.spec.progress_deadline_seconds,
        Some(600),
        "defaulted"
    );
    let mut changed = stored.clone();
    changed
        .spec
        .selector
        .match_labels
        .insert("x".into(), "y".into());
    let err = admit(changed, Some(&stored)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Deployment \"web\" is invalid: ["),
        "{err}"
    );
}
