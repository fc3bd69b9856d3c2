//! The job controller stepped on hand-made states, with pods finished by hand between steps
//! (standing in for the scheduler and nodes).

use std::collections::BTreeMap;

use super::*;
use crate::model::api;
use crate::model::controllers::LocalState;
use crate::model::history::Read;
use crate::model::resources::*;
use crate::model::state::StateView;

/// A cluster driven by the job controller alone; `rev` is the revision of `state`.
struct Sim {
    state: StateView,
    rev: Revision,
    ops: Vec<Operation>,
}

impl Sim {
    fn new(jobs: Vec<Job>) -> Self {
        let objects = jobs.into_iter().map(Object::Job);
        Sim {
            state: api::initial_state(objects, 1),
            rev: 1,
            ops: Vec::new(),
        }
    }

    /// One controller step at the latest revision, applied; `None` at a fixed point.
    fn step(&mut self) -> Option<Operation> {
        let view = View::new(self.state.clone(), Read::At(self.rev));
        let mut local = LocalState::default();
        let op = JobController.step(&view, &mut local)?;
        assert_eq!(
            local,
            LocalState::default(),
            "the job controller keeps no local state"
        );
        self.write(&op);
        self.ops.push(op.clone());
        Some(op)
    }

    fn write(&mut self, op: &Operation) {
        self.state = api::apply(&self.state, op, self.rev + 1)
            .unwrap_or_else(|e| panic!("{op} rejected: {e}"));
        self.rev += 1;
    }

    /// Steps to a fixed point, checking after every step that no Job runs more pods than its
    /// parallelism or than the completions it still needs.
    fn settle(&mut self) -> Vec<Operation> {
        let start = self.ops.len();
        for _ in 0..200 {
            if self.step().is_none() {
                return self.ops[start..].to_vec();
            }
            for job in self.state.jobs.iter() {
                let active = self.active(&job.metadata.name).len() as i32;
                assert!(active <= job.parallelism(), "{active} active pods");
            }
        }
        panic!("no fixed point in 200 steps: {:?}", &self.ops[start..]);
    }

    fn job(&self, name: &str) -> &Job {
        self.state.jobs.get(name).expect("job exists")
    }

    fn pods(&self, job: &str) -> Vec<&Pod> {
        owned_pods(&self.state.pods, self.job(job))
    }

    fn active(&self, job: &str) -> Vec<&Pod> {
        self.pods(job)
            .into_iter()
            .filter(|p| p.is_active())
            .collect()
    }

    /// A node's status write: the pod moves to `phase` (Running pods become ready).
    fn set_phase(&mut self, pod: &str, phase: PodPhase) {
        let mut pod = self.state.pods.get(pod).expect("pod exists").clone();
        pod.status.phase = phase;
        if phase == PodPhase::Running {
            pod.status.conditions = vec![Condition::new("Ready", true, "")];
        }
        self.write(&Operation::Update(Object::Pod(pod)));
    }

    /// Finishes every active pod of the Job with `phase`.
    fn finish_active(&mut self, job: &str, phase: PodPhase) {
        let names: Vec<String> = self
            .active(job)
            .iter()
            .map(|p| p.metadata.name.clone())
            .collect();
        for name in names {
            self.set_phase(&name, phase);
        }
    }

    fn set_suspend(&mut self, job: &str, suspend: bool) {
        let mut job = self.job(job).clone();
        job.spec.suspend = Some(suspend);
        self.write(&Operation::Update(Object::Job(job)));
    }

    fn condition(&self, job: &str, type_: &str) -> Option<Condition> {
        find_condition(&self.job(job).status.conditions, type_).cloned()
    }
}

fn job(name: &str, parallelism: i32, completions: Option<i32>) -> Job {
    let mut job = Job {
        metadata: Metadata::named(name),
        ..Job::default()
    };
    job.spec.parallelism = Some(parallelism);
    job.spec.completions = completions;
    job.spec.template.metadata.labels = BTreeMap::from([("app".into(), name.into())]).into();
    job.spec.template.spec.containers = vec![Container {
        name: "main".into(),
        image: "busybox".into(),
        ..Container::default()
    }];
    job
}

fn indexed(name: &str, parallelism: i32, completions: i32) -> Job {
    let mut job = job(name, parallelism, Some(completions));
    job.spec.completion_mode = Some("Indexed".into());
    job
}

fn created_indexes(ops: &[Operation]) -> Vec<i32> {
    ops.iter()
        .filter_map(|op| match op {
            Operation::Create(Object::Pod(p)) => completion_index(p),
            _ => None,
        })
        .collect()
}

#[test]
fn never_exceeds_parallelism_and_reaches_completions() {
    let mut sim = Sim::new(vec![job("pi", 2, Some(5))]);
    sim.settle();
    assert_eq!(sim.active("pi").len(), 2);
    assert_eq!(sim.job("pi").status.active, 2);
    assert_eq!(sim.job("pi").status.observed_generation, 1);
    let mut rounds = 0;
    while sim.condition("pi", "Complete").is_none() {
        let first = sim.active("pi")[0].metadata.name.clone();
        sim.set_phase(&first, PodPhase::Succeeded);
        sim.settle();
        // Never more active pods than the completions still needed.
        let status = &sim.job("pi").status;
        assert!(status.active <= (5 - status.succeeded).max(0));
        rounds += 1;
        assert!(rounds <= 5, "not complete after 5 successes");
    }
    let status = &sim.job("pi").status;
    assert_eq!((status.succeeded, status.failed, status.active), (5, 0, 0));
    assert_eq!(status.uncounted_terminated_pods, None);
    assert!(sim.condition("pi", "Complete").unwrap().is_true());
    assert!(sim.pods("pi").iter().all(|p| !has_tracking_finalizer(p)));
    assert_eq!(sim.step(), None, "a finished job is left alone");
}

#[test]
fn created_pods_carry_the_generated_selector_finalizer_and_owner() {
    let mut sim = Sim::new(vec![job("pi", 1, Some(1))]);
    let Some(Operation::Create(Object::Pod(pod))) = sim.step() else {
        panic!("expected a pod creation")
    };
    let job = sim.job("pi");
    assert_eq!(pod.metadata.generate_name, "pi-");
    assert_eq!(
        pod.metadata.finalizers,
        vec![TRACKING_FINALIZER.to_string()]
    );
    assert!(pod.metadata.is_controlled_by(&job.metadata.uid));
    assert_eq!(pod.metadata.labels[CONTROLLER_UID], job.metadata.uid);
    assert_eq!(pod.metadata.labels[JOB_NAME], "pi");
    assert_eq!(pod.metadata.labels["app"], "pi");
    assert!(selector_of(job).matches(&pod.metadata.labels));
}

#[test]
fn a_finished_pod_is_recorded_then_released_then_counted() {
    let mut sim = Sim::new(vec![job("pi", 1, Some(1))]);
    sim.settle();
    let pod = sim.active("pi")[0].clone();
    let uid = pod.metadata.uid.clone();
    sim.set_phase(&pod.metadata.name, PodPhase::Succeeded);

    // 1. The uid is recorded while the pod still holds the finalizer.
    let Some(Operation::Update(Object::Job(j))) = sim.step() else {
        panic!("expected the status to record the pod first")
    };
    let uncounted = j.status.uncounted_terminated_pods.clone().unwrap();
    assert_eq!(uncounted.succeeded, vec![uid.clone()]);
    assert_eq!(j.status.succeeded, 0);
    assert!(has_tracking_finalizer(
        sim.state.pods.get(&pod.metadata.name).unwrap()
    ));

    // 2. Then the finalizer goes.
    let Some(Operation::Update(Object::Pod(p))) = sim.step() else {
        panic!("expected the finalizer removal")
    };
    assert!(!has_tracking_finalizer(&p));

    // 3. Then the count moves, and with nothing left the job completes in the same write.
    let Some(Operation::Update(Object::Job(j))) = sim.step() else {
        panic!("expected the count")
    };
    assert_eq!(j.status.uncounted_terminated_pods, None);
    assert_eq!(j.status.succeeded, 1);
    assert!(find_condition(&j.status.conditions, "Complete").is_some());
    assert_eq!(sim.step(), None);
}

#[test]
fn fails_after_backoff_limit_and_deletes_active_pods() {
    let mut base = job("pi", 2, Some(4));
    base.spec.backoff_limit = Some(1);
    let mut sim = Sim::new(vec![base]);
    sim.settle();
    let first = sim.active("pi")[0].metadata.name.clone();
    sim.set_phase(&first, PodPhase::Failed);
    sim.settle();
    assert!(
        sim.condition("pi", "Failed").is_none(),
        "one failure is within the limit"
    );
    assert_eq!(sim.job("pi").status.failed, 1);
    assert_eq!(sim.active("pi").len(), 2, "the failed pod is replaced");

    let second = sim.active("pi")[0].metadata.name.clone();
    sim.set_phase(&second, PodPhase::Failed);
    let ops = sim.settle();
    assert!(
        !ops.iter()
            .any(|op| matches!(op, Operation::Create(Object::Pod(_)))),
        "no pod is created once the limit is exceeded: {ops:?}"
    );
    let failed = sim.condition("pi", "Failed").expect("the job failed");
    assert!(failed.is_true());
    assert_eq!(failed.reason, "BackoffLimitExceeded");
    let status = &sim.job("pi").status;
    // Two failures, and the active pod deleted on failure counts as failed too.
    assert_eq!((status.failed, status.active, status.succeeded), (3, 0, 0));
    assert!(sim.active("pi").is_empty());
    assert!(sim.state.pods.iter().all(|p| !has_tracking_finalizer(p)));
}

#[test]
fn indexed_pods_are_created_lowest_index_first() {
    let mut sim = Sim::new(vec![indexed("ix", 2, 4)]);
    let ops = sim.settle();
    assert_eq!(created_indexes(&ops), vec![0, 1]);
    let pod0 = sim
        .active("ix")
        .into_iter()
        .find(|p| completion_index(p) == Some(0))
        .unwrap()
        .clone();
    assert!(pod0.metadata.name.starts_with("ix-0-"));
    assert_eq!(pod0.spec.hostname.as_deref(), Some("ix-0"));
    assert_eq!(pod0.metadata.labels[COMPLETION_INDEX], "0");
    assert_eq!(pod0.metadata.annotations[COMPLETION_INDEX], "0");

    sim.set_phase(&pod0.metadata.name, PodPhase::Succeeded);
    let ops = sim.settle();
    assert_eq!(created_indexes(&ops), vec![2]);
    assert_eq!(sim.job("ix").status.completed_indexes, "0");

    // Index 1 fails: it is created again before index 3.
    let pod1 = sim
        .active("ix")
        .into_iter()
        .find(|p| completion_index(p) == Some(1))
        .unwrap()
        .metadata
        .name
        .clone();
    sim.set_phase(&pod1, PodPhase::Failed);
    let ops = sim.settle();
    assert_eq!(created_indexes(&ops), vec![1]);

    let mut created = Vec::new();
    while sim.condition("ix", "Complete").is_none() {
        sim.finish_active("ix", PodPhase::Succeeded);
        created.extend(created_indexes(&sim.settle()));
    }
    assert_eq!(created, vec![3]);
    let status = &sim.job("ix").status;
    assert_eq!(status.completed_indexes, "0-3");
    assert_eq!((status.succeeded, status.failed), (4, 1));
}

#[test]
fn completed_indexes_are_written_as_intervals() {
    let mut sim = Sim::new(vec![indexed("ix", 5, 6)]);
    sim.settle();
    for pod in sim.active("ix").into_iter().cloned().collect::<Vec<_>>() {
        if completion_index(&pod) != Some(3) {
            sim.set_phase(&pod.metadata.name, PodPhase::Succeeded);
        }
    }
    sim.settle();
    // 0,1,2,4 succeeded; 3 still runs and 5 was created once the others finished.
    assert_eq!(sim.job("ix").status.completed_indexes, "0-2,4");
    assert_eq!(sim.job("ix").status.succeeded, 4);
    let mut running: Vec<i32> = sim
        .active("ix")
        .iter()
        .filter_map(|p| completion_index(p))
        .collect();
    running.sort();
    assert_eq!(running, vec![3, 5]);
}

#[test]
fn suspend_deletes_active_pods_and_creates_none_until_resumed() {
    let mut sim = Sim::new(vec![job("pi", 2, Some(4))]);
    sim.settle();
    let running = sim.active("pi")[1].metadata.name.clone();
    sim.set_phase(&running, PodPhase::Running);
    sim.settle();
    assert_eq!(sim.job("pi").status.ready, 1);

    sim.set_suspend("pi", true);
    let ops = sim.settle();
    // Each pod loses its finalizer, then is deleted (the pending one first).
    let verbs: Vec<String> = ops.iter().map(|op| op.to_string()).collect();
    assert!(matches!(&ops[0], Operation::Update(Object::Pod(p)) if !has_tracking_finalizer(p)));
    assert!(
        matches!(&ops[1], Operation::Delete(Object::Pod(_))),
        "{verbs:?}"
    );
    assert!(
        !ops.iter().any(|op| matches!(op, Operation::Create(_))),
        "{verbs:?}"
    );
    assert!(sim.pods("pi").is_empty(), "unscheduled pods go at once");
    let status = &sim.job("pi").status;
    assert_eq!((status.active, status.ready, status.failed), (0, 0, 0));
    assert_eq!(status.observed_generation, 2);
    let suspended = sim
        .condition("pi", "Suspended")
        .expect("suspended condition");
    assert!(suspended.is_true());

    sim.set_suspend("pi", false);
    sim.settle();
    assert_eq!(sim.active("pi").len(), 2);
    let resumed = sim.condition("pi", "Suspended").unwrap();
    assert!(!resumed.is_true());
    assert_eq!(resumed.reason, "JobResumed");
}

#[test]
fn without_completions_the_first_success_completes_once_the_rest_finish() {
    let mut sim = Sim::new(vec![job("any", 3, None)]);
    sim.settle();
    let pods: Vec<String> = sim
        .active("any")
        .iter()
        .map(|p| p.metadata.name.clone())
        .collect();
    sim.set_phase(&pods[0], PodPhase::Succeeded);
    let ops = sim.settle();
    assert!(!ops.iter().any(|op| matches!(op, Operation::Create(_))));
    assert_eq!(sim.active("any").len(), 2, "the others keep running");
    assert!(sim.condition("any", "Complete").is_none());
    sim.set_phase(&pods[1], PodPhase::Failed);
    sim.set_phase(&pods[2], PodPhase::Succeeded);
    sim.settle();
    let status = &sim.job("any").status;
    assert_eq!((status.succeeded, status.failed, status.active), (2, 1, 0));
    assert!(sim.condition("any", "Complete").is_some());
}

#[test]
fn a_stray_pod_holding_the_finalizer_is_released() {
    let mut sim = Sim::new(vec![job("pi", 1, Some(1))]);
    sim.settle();
    let pod = sim.active("pi")[0].metadata.name.clone();
    let gone = sim.job("pi").clone();
    sim.write(&Operation::Delete(Object::Job(gone)));
    let Some(Operation::Update(Object::Pod(p))) = sim.step() else {
        panic!("expected the orphan's finalizer to go")
    };
    assert_eq!(p.metadata.name, pod);
    assert!(!has_tracking_finalizer(&p));
    assert_eq!(sim.step(), None);
}

#[test]
fn an_indexed_job_without_completions_is_left_alone() {
    let mut bad = indexed("bad", 1, 1);
    bad.spec.completions = None;
    let mut sim = Sim::new(vec![bad]);
    assert_eq!(sim.step(), None);
}
