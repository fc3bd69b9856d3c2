//! Fixed points of whole scenarios under the synchronous history: with every controller run
//! until it has nothing left to do, after each environment change, every property holds in
//! every state on the way (the dissertation's Table 3.6, first column).

use super::support::*;
use crate::model::environment::{EnvironmentOp, EnvironmentRule, Target, Who};
use crate::model::history::Consistency;
use crate::model::properties;
use crate::model::resources::*;
use crate::model::system::System;

fn all_controllers(nodes: usize) -> Vec<crate::model::controllers::ControllerSpec> {
    let mut specs = vec![controller("scheduler")];
    for i in 1..=nodes {
        specs.push(node(&format!("node-{i}")));
    }
    for kind in ["replicaset", "deployment", "statefulset", "job", "podgc"] {
        specs.push(controller(kind));
    }
    specs
}

fn rule(op: EnvironmentOp) -> EnvironmentRule {
    EnvironmentRule { op, max: 10 }
}

fn target(kind: Kind, name: &str) -> Target {
    Target {
        kind,
        name: name.into(),
    }
}

fn system(initial: Vec<Object>, environment: Vec<EnvironmentRule>) -> System {
    let mut config = config(Consistency::Synchronous, all_controllers(2), initial);
    config.environment = environment;
    config.environment.push(rule(EnvironmentOp::MarkContainers {
        succeeded: true,
        failed: true,
    }));
    config.environment.push(rule(EnvironmentOp::RestartNode { who: Who::All }));
    System::new(config).expect("every controller is registered")
}

fn assert_holds(system: &System, stages: &[Stage]) -> crate::model::system::SystemState {
    let (end, failed) = drive(system, stages);
    assert!(failed.is_empty(), "properties failed on the way: {failed:?}");
    for p in properties::all() {
        if p.kind != properties::PropertyKind::Eventually {
            continue;
        }
        assert!((p.check)(system, &end), "{} does not hold at the fixed point", p.id);
    }
    end
}

fn replicaset(name: &str, replicas: i32) -> Object {
    let mut r = ReplicaSet::default();
    r.metadata.name = name.into();
    r.spec.replicas = Some(replicas);
    r.spec.selector = selector(name);
    r.spec.template = template(name, "nginx:1");
    Object::ReplicaSet(r)
}

fn deployment(name: &str, replicas: i32, strategy: Option<&str>) -> Object {
    let mut d = Deployment::default();
    d.metadata.name = name.into();
    d.spec.replicas = Some(replicas);
    d.spec.selector = selector(name);
    d.spec.template = template(name, "nginx:1");
    d.spec.strategy.type_ = strategy.map(str::to_string);
    Object::Deployment(d)
}

fn job(name: &str, completions: i32, parallelism: i32, indexed: bool) -> Object {
    let mut j = Job::default();
    j.metadata.name = name.into();
    j.spec.completions = Some(completions);
    j.spec.parallelism = Some(parallelism);
    j.spec.template = template(name, "busybox:1");
    j.spec.template.spec.restart_policy = Some("Never".into());
    if indexed {
        j.spec.completion_mode = Some("Indexed".into());
    }
    Object::Job(j)
}

#[test]
fn statefulset_scales_up_down_and_rolls() {
    let system = system(
        vec![statefulset("web", 3, "nginx:1")],
        vec![
            rule(EnvironmentOp::Scale {
                target: target(Kind::StatefulSet, "web"),
                replicas: vec![5, 1],
            }),
            rule(EnvironmentOp::ChangeImage {
                target: target(Kind::StatefulSet, "web"),
                images: vec!["nginx:2".into()],
            }),
        ],
    );
    let end = assert_holds(
        &system,
        &[
            Stage::Env("scale StatefulSet/web to 5"),
            Stage::Env("scale StatefulSet/web to 1"),
            Stage::Env("change image of StatefulSet/web to nginx:2"),
        ],
    );
    let latest = end.latest();
    assert_eq!(latest.pods.len(), 1);
    let pod = latest.pods.get("web-0").expect("web-0 remains");
    assert_eq!(pod.spec.containers[0].image, "nginx:2");
    assert!(pod.is_running_and_ready());
}

#[test]
fn replicaset_scales_up_and_down() {
    let system = system(
        vec![replicaset("frontend", 2)],
        vec![rule(EnvironmentOp::Scale {
            target: target(Kind::ReplicaSet, "frontend"),
            replicas: vec![4, 1],
        })],
    );
    let end = assert_holds(
        &system,
        &[
            Stage::Env("scale ReplicaSet/frontend to 4"),
            Stage::Env("scale ReplicaSet/frontend to 1"),
        ],
    );
    assert_eq!(end.latest().pods.len(), 1);
}

#[test]
fn replicaset_adopts_an_orphan() {
    let mut orphan = Pod::default();
    orphan.metadata.name = "stray".into();
    orphan.metadata.labels.insert("app".into(), "frontend".into());
    orphan.spec = template("frontend", "nginx:1").spec;
    let system = system(vec![replicaset("frontend", 2), Object::Pod(orphan)], vec![]);
    let end = assert_holds(&system, &[]);
    let latest = end.latest();
    assert_eq!(latest.pods.len(), 2);
    let rs_uid = &latest.replicasets.get("frontend").unwrap().metadata.uid;
    assert!(latest.pods.get("stray").unwrap().metadata.is_controlled_by(rs_uid));
}

#[test]
fn deployment_rolls_out_a_new_image() {
    let system = system(
        vec![deployment("web", 3, None)],
        vec![rule(EnvironmentOp::ChangeImage {
            target: target(Kind::Deployment, "web"),
            images: vec!["nginx:2".into()],
        })],
    );
    let end = assert_holds(&system, &[Stage::Env("change image of Deployment/web to nginx:2")]);
    let latest = end.latest();
    assert_eq!(latest.pods.len(), 3);
    assert!(latest.pods.iter().all(|p| p.spec.containers[0].image == "nginx:2"));
}

#[test]
fn deployment_recreates() {
    let system = system(
        vec![deployment("web", 2, Some("Recreate"))],
        vec![rule(EnvironmentOp::ChangeImage {
            target: target(Kind::Deployment, "web"),
            images: vec!["nginx:2".into()],
        })],
    );
    let end = assert_holds(&system, &[Stage::Env("change image of Deployment/web to nginx:2")]);
    assert!(end.latest().pods.iter().all(|p| p.spec.containers[0].image == "nginx:2"));
}

#[test]
fn deployment_pauses_and_resumes() {
    let system = system(
        vec![deployment("web", 2, None)],
        vec![
            rule(EnvironmentOp::TogglePause {
                deployment: "web".into(),
            }),
            rule(EnvironmentOp::ChangeImage {
                target: target(Kind::Deployment, "web"),
                images: vec!["nginx:2".into()],
            }),
        ],
    );
    let end = assert_holds(
        &system,
        &[
            Stage::Env("pause Deployment/web"),
            Stage::Env("change image of Deployment/web to nginx:2"),
        ],
    );
    assert_eq!(end.latest().replicasets.len(), 1, "no new ReplicaSet while paused");
    let end = assert_holds(
        &system,
        &[
            Stage::Env("pause Deployment/web"),
            Stage::Env("change image of Deployment/web to nginx:2"),
            Stage::Env("resume Deployment/web"),
        ],
    );
    assert!(end.latest().pods.iter().all(|p| p.spec.containers[0].image == "nginx:2"));
}

#[test]
fn job_runs_to_completion_in_parallel() {
    let system = system(vec![job("pi", 3, 2, false)], vec![]);
    let end = assert_holds(
        &system,
        &[
            Stage::FinishRunningPods(0),
            Stage::FinishRunningPods(0),
        ],
    );
    let latest = end.latest();
    let job = latest.jobs.get("pi").unwrap();
    assert_eq!(job.status.succeeded, 3);
    assert!(find_condition(&job.status.conditions, "Complete").is_some_and(Condition::is_true));
}

#[test]
fn indexed_job_completes_every_index() {
    let system = system(vec![job("work", 3, 3, true)], vec![]);
    let end = assert_holds(&system, &[Stage::FinishRunningPods(0)]);
    let job = end.latest().jobs.get("work").unwrap().clone();
    assert_eq!(job.status.completed_indexes, "0-2");
}
