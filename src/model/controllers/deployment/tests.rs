//! Unit tests of the deployment controller, driven together with the replicaset controller and
//! a test-only kubelet that makes pods Running and Ready (pods stay unscheduled, so deleting
//! one removes it at once).

use super::status::{AVAILABLE, MIN_AVAILABLE, NEW_RS_AVAILABLE, PAUSED, PROGRESSING};
use super::util::{POD_TEMPLATE_HASH, REVISION, template_hash};
use super::*;
use crate::model::controllers::replicaset::ReplicaSetController;
use crate::model::controllers::replicaset::tests::{Cluster, labels, template};
use crate::model::resources::{
    DeploymentSpec, DeploymentStrategy, IntOrString, LabelSelector, Metadata, PodPhase,
    ReplicaSetSpec, RollingUpdateDeployment, find_condition,
};
use crate::model::state::StateView;

fn deployment(name: &str, replicas: i32, image: &str) -> Deployment {
    Deployment {
        metadata: Metadata::named(name),
        spec: DeploymentSpec {
            replicas: Some(replicas),
            selector: LabelSelector::from_labels(labels(&[("app", "web")])),
            template: template(&[("app", "web")], image),
            ..DeploymentSpec::default()
        }
        .into(),
        ..Deployment::default()
    }
}

fn rolling(mut d: Deployment, surge: IntOrString, unavailable: IntOrString) -> Deployment {
    d.spec.strategy = DeploymentStrategy {
        type_: Some("RollingUpdate".into()),
        rolling_update: Some(RollingUpdateDeployment {
            max_surge: Some(surge),
            max_unavailable: Some(unavailable),
        }),
    };
    d
}

/// The test kubelet: the first active pod that is not Running and Ready becomes so.
fn kubelet(c: &mut Cluster) -> bool {
    let pending = c
        .state
        .pods
        .iter()
        .find(|p| p.is_active() && !p.is_running_and_ready())
        .map(|p| p.metadata.name.clone());
    match pending {
        Some(name) => {
            c.set_pod(&name, None, PodPhase::Running, true);
            true
        }
        None => false,
    }
}

/// Deployment, replicaset and kubelet in rotation until none acts; `check` sees every state.
fn run(c: &mut Cluster, kubelet_on: bool, mut check: impl FnMut(&StateView)) -> usize {
    let mut steps = 0;
    loop {
        let mut acted = false;
        for controller in [
            &DeploymentController as &dyn Controller,
            &ReplicaSetController,
        ] {
            if c.step(controller).is_some() {
                acted = true;
                steps += 1;
                check(&c.state);
            }
        }
        if kubelet_on && kubelet(c) {
            acted = true;
            steps += 1;
            check(&c.state);
        }
        if !acted {
            return steps;
        }
        assert!(steps < 500, "no fixed point");
    }
}

fn update_deployment(c: &mut Cluster, name: &str, change: impl FnOnce(&mut Deployment)) {
    let mut d = c.state.deployments.get(name).unwrap().clone();
    change(&mut d);
    c.apply(&Operation::Update(d.into_object()));
}

fn set_image(c: &mut Cluster, image: &str) {
    update_deployment(c, "web", |d| {
        d.spec.template.spec.containers[0].image = image.into()
    });
}

fn replicasets(state: &StateView) -> Vec<&ReplicaSet> {
    state.replicasets.iter().collect()
}

fn image_of(pod: &Pod) -> &str {
    &pod.spec.containers[0].image
}

#[test]
fn a_new_deployment_gets_a_replicaset_named_by_template_hash() {
    let mut d = deployment("web", 3, "nginx:1");
    d.metadata.annotations = labels(&[("team", "blue"), (util::LAST_APPLIED, "{}")]).into();
    let hash = template_hash(&d.spec.template, None);
    let mut c = Cluster::new(vec![d.into_object()]);
    run(&mut c, true, |_| {});
    let rss = replicasets(&c.state);
    assert_eq!(rss.len(), 1);
    let rs = rss[0];
    assert_eq!(rs.metadata.name, format!("web-{hash}"));
    for labels in [
        &rs.metadata.labels,
        &rs.spec.selector.match_labels,
        &rs.spec.template.metadata.labels,
    ] {
        assert_eq!(labels.get(POD_TEMPLATE_HASH), Some(&hash));
    }
    let a = &rs.metadata.annotations;
    assert_eq!(a.get("team").map(String::as_str), Some("blue"));
    assert!(!a.contains_key(util::LAST_APPLIED));
    assert_eq!(a.get(REVISION).map(String::as_str), Some("1"));
    assert_eq!(c.state.pods.len(), 3);
    assert!(
        c.state
            .pods
            .iter()
            .all(|p| p.metadata.labels.get(POD_TEMPLATE_HASH) == Some(&hash))
    );
    let d = c.state.deployments.get("web").unwrap();
    let s = &d.status;
    assert_eq!(
        (
            s.replicas,
            s.updated_replicas,
            s.ready_replicas,
            s.available_replicas
        ),
        (3, 3, 3, 3)
    );
    assert_eq!(s.unavailable_replicas, 0);
    assert_eq!(s.observed_generation, d.metadata.generation);
    assert_eq!(
        d.metadata.annotations.get(REVISION).map(String::as_str),
        Some("1")
    );
    let progressing = find_condition(&s.conditions, PROGRESSING).unwrap();
    assert_eq!(progressing.reason, NEW_RS_AVAILABLE);
    let available = find_condition(&s.conditions, AVAILABLE).unwrap();
    assert_eq!(
        (available.status.as_str(), available.reason.as_str()),
        ("True", MIN_AVAILABLE)
    );
}

/// Rolls from one image to the next; returns the most active pods and the fewest available
/// pods seen at any step.
fn rolls_within_bounds(replicas: i32, surge: IntOrString, unavailable: IntOrString) -> (i32, i32) {
    let d = rolling(deployment("web", replicas, "nginx:1"), surge, unavailable);
    let (max_surge, max_unavailable) = (util::max_surge(&d), util::max_unavailable(&d));
    let mut c = Cluster::new(vec![d.into_object()]);
    run(&mut c, true, |_| {});
    set_image(&mut c, "nginx:2");
    let (mut most_pods, mut fewest_available) = (0, i32::MAX);
    run(&mut c, true, |s| {
        let rss = replicasets(s);
        assert!(util::replica_count(&rss) <= replicas + max_surge, "{rss:?}");
        let pods = s.pods.iter().filter(|p| p.is_active()).count() as i32;
        let available = s
            .pods
            .iter()
            .filter(|p| p.is_active() && p.is_running_and_ready())
            .count() as i32;
        most_pods = most_pods.max(pods);
        fewest_available = fewest_available.min(available);
    });
    // Kubernetes bounds the ReplicaSets' replicas by the surge (asserted at every step above),
    // not the pods: a scaled-down ReplicaSet may not have deleted its pods yet (or reported it
    // in its status) when the new one creates more, so pods overshoot for a while, as in
    // Kubernetes. The callers assert the overshoot measured in this rotation.
    assert!(
        fewest_available >= replicas - max_unavailable,
        "{fewest_available} available"
    );
    let rss = replicasets(&c.state);
    assert_eq!(rss.len(), 2);
    let d = c.state.deployments.get("web").unwrap();
    let new = rss.iter().find(|rs| rs.replicas() == replicas).unwrap();
    let old = rss
        .iter()
        .find(|rs| rs.metadata.name != new.metadata.name)
        .unwrap();
    assert_eq!(old.replicas(), 0);
    assert_eq!(
        new.metadata.annotations.get(REVISION).map(String::as_str),
        Some("2")
    );
    assert_eq!(
        d.metadata.annotations.get(REVISION).map(String::as_str),
        Some("2")
    );
    assert!(c.state.pods.iter().all(|p| image_of(p) == "nginx:2"));
    assert_eq!(c.state.pods.len(), replicas as usize);
    assert!(status::is_complete(d, &d.status));
    (most_pods, fewest_available)
}

#[test]
fn rolling_update_respects_surge_and_unavailability() {
    let pct = |s: &str| IntOrString::String(s.into());
    let int = IntOrString::Int;
    // (most active pods, fewest available pods) at any step.
    assert_eq!(rolls_within_bounds(3, int(1), int(0)), (4, 3));
    assert_eq!(rolls_within_bounds(3, int(0), int(1)), (4, 2));
    assert_eq!(rolls_within_bounds(4, pct("25%"), pct("25%")), (6, 4));
    // maxUnavailable 2 lets old pods linger past two scale-downs: 10 pods for a while.
    assert_eq!(rolls_within_bounds(5, int(2), int(2)), (10, 5));
    // Both zero: unavailability is taken as 1.
    assert_eq!(rolls_within_bounds(2, int(0), pct("0%")), (2, 1));
}

#[test]
fn a_paused_deployment_starts_no_rollout_but_scales_and_reports() {
    let mut c = Cluster::new(vec![deployment("web", 2, "nginx:1").into_object()]);
    run(&mut c, true, |_| {});
    update_deployment(&mut c, "web", |d| d.spec.paused = true);
    set_image(&mut c, "nginx:2");
    update_deployment(&mut c, "web", |d| d.spec.replicas = Some(3));
    run(&mut c, true, |s| assert_eq!(s.replicasets.len(), 1));
    let rs = replicasets(&c.state)[0];
    assert_eq!(rs.replicas(), 3);
    assert!(c.state.pods.iter().all(|p| image_of(p) == "nginx:1"));
    let d = c.state.deployments.get("web").unwrap();
    assert_eq!(d.status.observed_generation, d.metadata.generation);
    assert_eq!(d.status.replicas, 3);
    let progressing = find_condition(&d.status.conditions, PROGRESSING).unwrap();
    assert_eq!(
        (progressing.status.as_str(), progressing.reason.as_str()),
        ("Unknown", PAUSED)
    );
    // Resumed, it rolls out.
    update_deployment(&mut c, "web", |d| d.spec.paused = false);
    run(&mut c, true, |_| {});
    assert_eq!(c.state.replicasets.len(), 2);
    assert!(c.state.pods.iter().all(|p| image_of(p) == "nginx:2"));
}

#[test]
fn recreate_creates_new_pods_only_after_old_ones_are_gone() {
    let mut d = deployment("web", 2, "nginx:1");
    d.spec.strategy.type_ = Some("Recreate".into());
    let mut c = Cluster::new(vec![d.into_object()]);
    run(&mut c, true, |_| {});
    set_image(&mut c, "nginx:2");
    let mut saw_new = false;
    run(&mut c, true, |s| {
        let old = s.pods.iter().any(|p| image_of(p) == "nginx:1");
        let new = s.pods.iter().any(|p| image_of(p) == "nginx:2");
        assert!(!(old && new), "old and new pods together");
        if s.replicasets.len() == 2 {
            // The new ReplicaSet exists only once the old pods are gone.
            saw_new = true;
            assert!(!old, "new ReplicaSet while old pods exist");
        }
    });
    assert!(saw_new);
    assert_eq!(c.state.pods.len(), 2);
    assert!(c.state.pods.iter().all(|p| image_of(p) == "nginx:2"));
}

#[test]
fn recreate_waits_for_terminating_old_pods() {
    let mut d = deployment("web", 1, "nginx:1");
    d.spec.strategy.type_ = Some("Recreate".into());
    let mut c = Cluster::new(vec![d.into_object()]);
    run(&mut c, true, |_| {});
    // Put the pod on a node: its deletion then waits for the node.
    let name = c.pod_names()[0].clone();
    c.set_pod(&name, Some("n1"), PodPhase::Running, true);
    set_image(&mut c, "nginx:2");
    run(&mut c, false, |_| {});
    assert!(c.state.pods.get(&name).unwrap().metadata.is_terminating());
    assert_eq!(
        c.state.replicasets.len(),
        1,
        "no new ReplicaSet while the old pod terminates"
    );
    // The node finishes the pod; the rollout goes on.
    let pod = c.state.pods.get(&name).unwrap().clone();
    c.apply(&Operation::ForceDelete(pod.into_object()));
    run(&mut c, true, |_| {});
    assert_eq!(c.state.replicasets.len(), 2);
    assert!(c.state.pods.iter().all(|p| image_of(p) == "nginx:2"));
}

#[test]
fn a_name_clash_bumps_the_collision_count() {
    let d = deployment("web", 1, "nginx:1");
    let hash = template_hash(&d.spec.template, None);
    let squatter = ReplicaSet {
        metadata: Metadata::named(format!("web-{hash}")),
        spec: ReplicaSetSpec {
            replicas: Some(0),
            selector: LabelSelector::from_labels(labels(&[("app", "other")])),
            template: template(&[("app", "other")], "busybox"),
            ..ReplicaSetSpec::default()
        }
        .into(),
        ..ReplicaSet::default()
    };
    let mut c = Cluster::new(vec![d.clone().into_object(), squatter.into_object()]);
    run(&mut c, true, |_| {});
    let d = c.state.deployments.get("web").unwrap();
    assert_eq!(d.status.collision_count, Some(1));
    let hash1 = template_hash(&d.spec.template, Some(1));
    assert_ne!(hash, hash1);
    assert_eq!(
        c.state
            .replicasets
            .get(&format!("web-{hash1}"))
            .unwrap()
            .replicas(),
        1
    );
}

#[test]
fn adopts_an_orphan_replicaset_and_releases_a_relabelled_one() {
    let d = deployment("web", 1, "nginx:1");
    let orphan = ReplicaSet {
        metadata: Metadata {
            labels: labels(&[("app", "web")]).into(),
            ..Metadata::named("orphan")
        },
        spec: ReplicaSetSpec {
            replicas: Some(0),
            selector: LabelSelector::from_labels(labels(&[("app", "web")])),
            template: template(&[("app", "web")], "nginx:0"),
            ..ReplicaSetSpec::default()
        }
        .into(),
        ..ReplicaSet::default()
    };
    let mut c = Cluster::new(vec![d.into_object(), orphan.into_object()]);
    let op = c.step(&DeploymentController).unwrap();
    assert_eq!(op.to_string(), "update ReplicaSet orphan");
    let uid = c.state.deployments.get("web").unwrap().metadata.uid.clone();
    assert!(
        c.state
            .replicasets
            .get("orphan")
            .unwrap()
            .metadata
            .is_controlled_by(&uid)
    );
    let mut rs = c.state.replicasets.get("orphan").unwrap().clone();
    rs.metadata.labels = labels(&[("app", "gone")]).into();
    c.apply(&Operation::Update(rs.into_object()));
    let op = c.step(&DeploymentController).unwrap();
    assert_eq!(op.to_string(), "update ReplicaSet orphan");
    assert!(
        c.state
            .replicasets
            .get("orphan")
            .unwrap()
            .metadata
            .owner_references
            .is_empty()
    );
}

#[test]
fn old_replicasets_beyond_the_history_limit_are_deleted_oldest_first() {
    let mut d = deployment("web", 1, "nginx:1");
    d.spec.revision_history_limit = Some(1);
    let mut c = Cluster::new(vec![d.into_object()]);
    run(&mut c, true, |_| {});
    for image in ["nginx:2", "nginx:3", "nginx:4"] {
        set_image(&mut c, image);
        run(&mut c, true, |_| {});
    }
    let revisions: Vec<i64> = replicasets(&c.state)
        .iter()
        .map(|rs| util::revision(rs))
        .collect();
    let mut sorted = revisions.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [3, 4]);
}

#[test]
fn scaling_a_deployment_mid_rollout_scales_replicasets_in_proportion() {
    let d = rolling(
        deployment("web", 4, "nginx:1"),
        IntOrString::Int(1),
        IntOrString::Int(0),
    );
    let mut c = Cluster::new(vec![d.into_object()]);
    run(&mut c, true, |_| {});
    set_image(&mut c, "nginx:2");
    // Without a kubelet the new pods never become ready: the rollout stalls at 4 + 1.
    run(&mut c, false, |_| {});
    let sizes = |c: &Cluster| -> Vec<i32> {
        let mut v: Vec<i32> = c.state.replicasets.iter().map(|rs| rs.replicas()).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(sizes(&c), [1, 4]);
    update_deployment(&mut c, "web", |d| d.spec.replicas = Some(8));
    run(&mut c, false, |_| {});
    // 8 + 1 allowed, 5 present: 4 more, in proportion 1:4 (rounded), the leftover to the
    // larger.
    assert_eq!(sizes(&c), [2, 7]);
    let d = c.state.deployments.get("web").unwrap();
    assert_eq!(d.status.observed_generation, d.metadata.generation);
}

#[test]
fn scaling_a_complete_deployment_scales_its_replicaset_and_annotations() {
    let mut c = Cluster::new(vec![deployment("web", 3, "nginx:1").into_object()]);
    run(&mut c, true, |_| {});
    update_deployment(&mut c, "web", |d| d.spec.replicas = Some(1));
    run(&mut c, true, |_| {});
    let rs = replicasets(&c.state)[0];
    assert_eq!(rs.replicas(), 1);
    let a = &rs.metadata.annotations;
    assert_eq!(a.get(util::DESIRED_REPLICAS).map(String::as_str), Some("1"));
    // 25% of 1 rounds up to a surge of 1.
    assert_eq!(a.get(util::MAX_REPLICAS).map(String::as_str), Some("2"));
    assert_eq!(c.state.pods.len(), 1);
    let d = c.state.deployments.get("web").unwrap();
    assert!(status::is_complete(d, &d.status));
}
