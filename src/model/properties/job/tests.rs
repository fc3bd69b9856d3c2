//! The job properties on runs of the job controller, with pods finished by hand (standing in
//! for nodes), and on hand-made violations.

use std::collections::BTreeMap;

use super::PROPERTIES;
use crate::model::config::ModelConfig;
use crate::model::controllers::ControllerSpec;
use crate::model::controllers::job::{completion_index, has_tracking_finalizer, owned_pods};
use crate::model::history::{Change, CommitMode, Consistency, ConsistencySetting, History, Read};
use crate::model::operation::Operation;
use crate::model::resources::*;
use crate::model::system::{Action, System, SystemState};
use crate::model::testing::take_all;

fn system(level: Consistency, jobs: Vec<Job>) -> System {
    controllers(level, jobs, 1)
}

/// A model with `n` job controllers.
fn controllers(level: Consistency, jobs: Vec<Job>, n: usize) -> System {
    System::new(ModelConfig {
        consistency: ConsistencySetting::of(level),
        controllers: (0..n)
            .map(|i| ControllerSpec {
                kind: "job".into(),
                name: format!("job-{i}"),
                node: None,
            })
            .collect(),
        initial: jobs.into_iter().map(Object::Job).collect(),
        ..ModelConfig::default()
    })
    .expect("model builds")
}

fn job(name: &str, parallelism: i32, completions: i32, indexed: bool) -> Job {
    let mut job = Job {
        metadata: Metadata::named(name),
        ..Job::default()
    };
    job.spec.parallelism = Some(parallelism);
    job.spec.completions = Some(completions);
    job.spec.template.metadata.labels = BTreeMap::from([("app".into(), name.into())]).into();
    if indexed {
        job.spec.completion_mode = Some("Indexed".into());
    }
    job
}

/// The ids of the job properties that fail in `state`.
fn failing(system: &System, state: &SystemState) -> Vec<&'static str> {
    PROPERTIES
        .iter()
        .filter(|p| !(p.check)(system, state))
        .map(|p| p.id)
        .collect()
}

fn assert_hold(system: &System, state: &SystemState) {
    let failing = failing(system, state);
    assert!(
        failing.is_empty(),
        "{failing:?} fail at r{}",
        state.history.latest()
    );
}

/// A write from outside the controllers (a node, a person), at the latest revision.
fn write(state: &mut SystemState, op: Operation) {
    let read = Read::At(state.history.latest());
    let change = Change {
        operation: &op,
        read: &read,
        read_kinds: KindSet::EMPTY,
        mode: CommitMode::Kubernetes,
    };
    state.history.commit(&change).expect("write commits");
}

/// Steps the job controller at the latest revision until it rests, checking every state.
fn settle(system: &System, state: SystemState) -> SystemState {
    run(system, state, true)
}

/// Steps the first job controller at the latest revision until it rests.
fn run(system: &System, mut state: SystemState, check: bool) -> SystemState {
    for _ in 0..200 {
        let read = Read::At(state.history.latest());
        match system.step_controller(&state, 0, read) {
            Some(t) => state = t.next,
            None => return state,
        }
        if check {
            assert_hold(system, &state);
        }
    }
    panic!("no fixed point");
}

fn set_phase(state: &mut SystemState, pod: &Pod, phase: PodPhase) {
    let mut pod = state.latest().pods.get(&pod.metadata.name).unwrap().clone();
    pod.status.phase = phase;
    if phase == PodPhase::Running {
        pod.status.conditions = vec![Condition::new("Ready", true, "")];
    }
    write(state, Operation::Update(Object::Pod(pod)));
}

fn active(state: &SystemState, job: &str) -> Vec<Pod> {
    let latest = state.latest();
    let job = latest.jobs.get(job).unwrap();
    owned_pods(&latest.pods, job)
        .into_iter()
        .filter(|p| p.is_active())
        .cloned()
        .collect()
}

fn finished(state: &SystemState, job: &str) -> bool {
    crate::model::controllers::job::is_finished(state.latest().jobs.get(job).unwrap())
}

#[test]
fn properties_hold_while_jobs_run_to_the_end() {
    let mut limited = job("flaky", 2, 3, false);
    limited.spec.backoff_limit = Some(1);
    let system = system(
        Consistency::Synchronous,
        vec![job("ix", 2, 3, true), job("pi", 2, 3, false), limited],
    );
    let mut state = settle(&system, system.initial());
    let mut round = 0;
    while ["ix", "pi", "flaky"].iter().any(|j| !finished(&state, j)) {
        round += 1;
        assert!(round < 10, "jobs do not finish");
        for (job, phase) in [
            ("ix", PodPhase::Running),
            ("ix", PodPhase::Succeeded),
            ("pi", PodPhase::Succeeded),
            ("flaky", PodPhase::Failed),
        ] {
            if let Some(pod) = active(&state, job).first() {
                set_phase(&mut state, pod, phase);
                assert_hold(&system, &state);
                state = settle(&system, state);
            }
        }
    }
    let latest = state.latest();
    assert!(latest.pods.iter().all(|p| !has_tracking_finalizer(p)));
    assert_eq!(
        latest.jobs.get("ix").unwrap().status.completed_indexes,
        "0-2"
    );
}

#[test]
fn p5_and_p6_catch_a_wrong_count() {
    let system = system(Consistency::Synchronous, vec![job("pi", 2, 3, false)]);
    let mut state = settle(&system, system.initial());
    let pod = active(&state, "pi")[0].clone();
    set_phase(&mut state, &pod, PodPhase::Running);
    state = settle(&system, state);
    assert_eq!(state.latest().jobs.get("pi").unwrap().status.ready, 1);

    let mut wrong = state.latest().jobs.get("pi").unwrap().clone();
    wrong.status.active += 1;
    wrong.status.observed_revision = Some(state.history.latest());
    write(&mut state, Operation::Update(Object::Job(wrong.clone())));
    assert_eq!(failing(&system, &state), vec!["P5"]);

    let mut wrong = state.latest().jobs.get("pi").unwrap().clone();
    wrong.status.active -= 1;
    wrong.status.ready = 0;
    write(&mut state, Operation::Update(Object::Job(wrong)));
    assert_eq!(failing(&system, &state), vec!["P6"]);
}

#[test]
fn p7_catches_a_status_write_before_releasing_a_recorded_pod() {
    let system = system(Consistency::Synchronous, vec![job("pi", 1, 2, false)]);
    let mut state = settle(&system, system.initial());
    let pod = active(&state, "pi")[0].clone();
    set_phase(&mut state, &pod, PodPhase::Succeeded);
    // The controller creates the next pod, then records the finished one: both fine.
    for _ in 0..2 {
        let read = Read::At(state.history.latest());
        state = system.step_controller(&state, 0, read).unwrap().next;
        assert_hold(&system, &state);
    }
    let recorded = state.latest().jobs.get("pi").unwrap().clone();
    let uncounted = recorded.status.uncounted_terminated_pods.clone().unwrap();
    assert_eq!(uncounted.succeeded, vec![pod.metadata.uid.clone()]);

    // A buggy controller writes the status again without removing the finalizer first.
    let mut again = recorded;
    again.status.observed_revision = Some(state.history.latest());
    write(&mut state, Operation::Update(Object::Job(again)));
    assert_eq!(failing(&system, &state), vec!["P7"]);
}

#[test]
fn t15_catches_pods_created_from_a_stale_read() {
    // Two job controllers; a fresh one may read any revision (resettable session).
    let system = controllers(
        Consistency::ResettableSession,
        vec![job("pi", 1, 3, false)],
        2,
    );
    let step = |controller, revision| Action::Step {
        controller,
        read: Read::At(revision),
        choice: 0,
    };
    // Both create a pod from revision 1; the first then writes the status from revision 2,
    // where one pod exists: the Job claims its spec observed while it owns two active pods.
    let state = take_all(
        &system,
        system.initial(),
        &[step(0, 1), step(1, 1), step(0, 2)],
    );
    let latest = state.latest();
    let job = latest.jobs.get("pi").unwrap();
    assert_eq!(job.status.observed_generation, 1);
    assert_eq!(job.status.active, 1);
    assert_eq!(active(&state, "pi").len(), 2);
    assert_eq!(failing(&system, &state), vec!["T15"]);

    // Read at the latest revision, the controller removes the extra pod (finalizer first).
    let state = run(&system, state, false);
    assert_eq!(active(&state, "pi").len(), 1);
    assert_hold(&system, &state);
}

#[test]
fn t16_catches_an_index_created_above_a_missing_one() {
    let system = system(Consistency::Synchronous, vec![job("ix", 3, 3, true)]);
    let mut state = settle(&system, system.initial());
    let pods = active(&state, "ix");
    let zero = pods
        .iter()
        .find(|p| completion_index(p) == Some(0))
        .unwrap();
    let two = pods
        .iter()
        .find(|p| completion_index(p) == Some(2))
        .unwrap();
    set_phase(&mut state, zero, PodPhase::Failed);
    assert_hold(&system, &state);

    // Index 0 is missing: a second pod for index 2 breaks the order.
    let mut twin = two.clone();
    twin.metadata.name = String::new();
    twin.metadata.uid = String::new();
    twin.metadata.resource_version = 0;
    let mut skipped = state.clone();
    write(&mut skipped, Operation::Create(Object::Pod(twin)));
    assert_eq!(failing(&system, &skipped), vec!["T16"]);

    // The controller recreates index 0 instead.
    let read = Read::At(state.history.latest());
    let t = system.step_controller(&state, 0, read).unwrap();
    let crate::model::system::Outcome::Wrote {
        operation: Operation::Create(Object::Pod(pod)),
        ..
    } = &t.outcome
    else {
        panic!("expected a creation, got {}", t.outcome)
    };
    assert_eq!(completion_index(pod), Some(0));
    assert_hold(&system, &t.next);
}

/// Every state reachable by job controller steps (every read each may make) and by pods
/// finishing (each active pod may succeed or fail, `finishes` times in all), breadth first up
/// to `limit` states. Returns the ids of the properties that failed somewhere, and whether
/// every run ended with the Job finished.
fn explore(
    system: &System,
    finishes: usize,
    limit: usize,
) -> (std::collections::BTreeSet<&'static str>, bool) {
    use std::collections::{BTreeSet, HashSet, VecDeque};
    let mut failed = BTreeSet::new();
    let mut all_finish = true;
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([(system.initial(), 0usize)]);
    while let Some((state, used)) = queue.pop_front() {
        if !seen.insert(system.fingerprint(&state)) || seen.len() > limit {
            continue;
        }
        failed.extend(failing(system, &state));
        let mut next: Vec<(SystemState, usize)> = system
            .transitions(&state)
            .into_iter()
            .map(|t| (t.next, used))
            .collect();
        if used < finishes {
            for pod in active(&state, "pi") {
                for phase in [PodPhase::Succeeded, PodPhase::Failed] {
                    let mut s = state.clone();
                    set_phase(&mut s, &pod, phase);
                    next.push((s, used + 1));
                }
            }
        }
        if next.is_empty() {
            all_finish &= finished(&state, "pi") || !active(&state, "pi").is_empty();
        }
        queue.extend(next);
    }
    assert!(seen.len() <= limit, "more than {limit} states");
    (failed, all_finish)
}

#[test]
fn exploring_a_small_job_synchronously_breaks_nothing() {
    let mut pi = job("pi", 2, 2, false);
    pi.spec.backoff_limit = Some(1);
    let system = system(Consistency::Synchronous, vec![pi]);
    let (failed, all_finish) = explore(&system, 3, 20_000);
    assert!(failed.is_empty(), "{failed:?}");
    assert!(
        all_finish,
        "some run rests with the job unfinished and nothing running"
    );
}

#[test]
fn exploring_an_indexed_job_with_stale_reads_keeps_p5_to_p7() {
    let mut pi = job("pi", 2, 2, true);
    pi.spec.backoff_limit = Some(0);
    let system = system(Consistency::ResettableSession, vec![pi]);
    let (failed, _) = explore(&system, 2, 20_000);
    assert!(!failed.contains("P5") && !failed.contains("P6") && !failed.contains("P7"));
}
