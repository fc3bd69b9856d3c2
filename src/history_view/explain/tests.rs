//! Finding extraction on hand-made paths through shipped models: a restarted node's stale read
//! (prevented by monotonic-session and the atomic commit mode, not by read-your-writes), an
//! old read that changes nothing (no finding), an optimistic write lost with its branch.

use super::*;
use crate::history_view::Provenance;
use crate::model::config::parse_model;
use crate::model::environment::EnvironmentAction;
use crate::model::history::{Consistency, ConsistencySetting, History};
use crate::model::system::{Action, Outcome, Reduction};

fn system(text: &str, level: Consistency) -> System {
    let mut config = parse_model(text, "m.yaml", &|f: &str| Err(f.to_string()))
        .expect("the model loads")
        .config;
    config.consistency = ConsistencySetting::of(level);
    System::new(config)
        .expect("the model builds")
        .with_reduction(Reduction::NONE)
}

const STALE_READS: &str = include_str!("../../../models/statefulset-stale-reads.yaml");
const SCALE: &str = include_str!("../../../models/replicaset-scale.yaml");

/// The first transition from the end of `steps` that `pick` accepts.
fn take(
    system: &System,
    start: &SystemState,
    steps: &mut Vec<Transition>,
    pick: impl Fn(&Transition) -> bool,
) {
    let state = steps.last().map_or(start, |t| &t.next);
    let all = system.transitions(state);
    let described: Vec<String> = all.iter().map(|t| system.describe(&t.action)).collect();
    let t = all
        .into_iter()
        .find(|t| pick(t))
        .unwrap_or_else(|| panic!("no such step among {described:?}"));
    steps.push(t);
}

fn explained(
    system: &System,
    start: &SystemState,
    steps: &[Transition],
    violation: Option<(&'static Property, usize)>,
) -> Explanation {
    let mut provenance = Provenance::of_start(system);
    provenance.extend(Provenance::from_transitions(system, 1, steps));
    let end = steps.last().map_or(start, |t| &t.next);
    let dag = DagGraph::of_state(system, end, &provenance);
    explain(&PathInput {
        system,
        start,
        steps,
        dag: &dag,
        violation,
    })
}

fn controller_of(action: &Action) -> Option<usize> {
    match action {
        Action::Step { controller, .. } => Some(*controller),
        _ => None,
    }
}

#[test]
fn a_restarted_node_reading_an_old_revision_is_a_stale_read_after_its_restart() {
    let system = system(STALE_READS, Consistency::ResettableSession);
    let start = system.initial();
    let node = (0..system.controller_count())
        .find(|&i| start.locals[i].running.contains_key("web-0"))
        .expect("a node runs web-0");
    let name = system.controller_name(node).to_string();
    let mut steps = Vec::new();
    // Restart the node running web-0, then let it read the oldest revision from which it
    // starts web-0 again.
    take(
        &system,
        &start,
        &mut steps,
        |t| matches!(&t.action, Action::Environment { action: EnvironmentAction::RestartNode { node: n }, .. } if *n == name),
    );
    take(&system, &start, &mut steps, |t| {
        controller_of(&t.action) == Some(node)
            && t.outcome == Outcome::Local
            && t.next.locals[node].running.contains_key("web-0")
    });
    let Action::Step { read, .. } = &steps[1].action else {
        unreachable!("a step was picked")
    };
    let latest = steps[0].next.history.latest();
    let e = explained(&system, &start, &steps, None);
    let Finding::Restart(restart) = &e.findings[0] else {
        panic!("{:?}", e.findings)
    };
    assert_eq!(restart.step, 1);
    assert_eq!(restart.controller, name);
    assert!(restart.node);
    assert_eq!(restart.lost_session, start.locals[node].session.read);
    let stale: Vec<&StaleRead> = e.stale_reads().collect();
    assert_eq!(stale.len(), 1, "{:?}", e.findings);
    let s = stale[0];
    assert_eq!((s.step, s.controller.as_str()), (2, name.as_str()));
    assert_eq!(s.restarted_at, Some(1));
    assert_eq!(&s.read, read);
    assert_eq!(s.behind as u64, latest - read.newest());
    // web-0 is still bound to it in the store; what it missed is its own Node's removal.
    let then: Vec<&str> = s.objects.iter().map(|o| o.then.as_str()).collect();
    assert_eq!(then, [format!("Node {name} still existed")]);
    assert_eq!(
        s.effect,
        Effect::Local {
            what: "start web-0".into()
        }
    );
    // Monotonic-session and the atomic commit mode make the step impossible; read-your-writes
    // does not (a restarted node has no write of its own).
    let by: Vec<&str> = s.prevented_by.iter().map(|p| p.setting.as_str()).collect();
    assert!(by.contains(&"monotonic-session"), "{by:?}");
    assert!(by.contains(&"the atomic commit mode"), "{by:?}");
    assert!(!by.contains(&"read-your-writes"), "{by:?}");
    let ryw = e
        .what_ifs
        .iter()
        .find(|w| w.setting == "read-your-writes")
        .expect("read-your-writes is tried");
    assert_eq!(ryw.result, WhatIfResult::Holds { still_fails: None });
    let sentences = e.sentences();
    assert_eq!(
        sentences[0],
        "The path has two steps under resettable-session with the kubernetes commit mode, and records no violated property."
    );
    assert!(
        sentences[1].starts_with(&format!(
            "{name} restarted at step 1, lost its session, and at step 2 read {read}, "
        )),
        "{sentences:?}"
    );
}

#[test]
fn an_old_read_that_changes_nothing_the_reader_watches_is_no_finding() {
    let system = system(STALE_READS, Consistency::ResettableSession);
    let start = system.initial();
    let mut steps = Vec::new();
    // The image change writes only the StatefulSet; a node reading the revision before it
    // does just what it would from the latest (it moves its session).
    take(&system, &start, &mut steps, |t| {
        matches!(
            &t.action,
            Action::Environment {
                action: EnvironmentAction::ChangeImage { .. },
                ..
            }
        )
    });
    let before = start.history.latest();
    take(&system, &start, &mut steps, |t| {
        controller_of(&t.action).is_some_and(|c| system.registration(c).is_node)
            && matches!(&t.action, Action::Step { read, .. } if *read == crate::model::history::Read::At(before))
    });
    let e = explained(&system, &start, &steps, None);
    assert_eq!(e.stale_reads().count(), 0, "{:?}", e.findings);
    assert!(e.findings.is_empty(), "{:?}", e.findings);
}

#[test]
fn an_optimistic_write_off_the_tip_loses_the_branch_holding_a_deletion() {
    let system = system(SCALE, Consistency::OptimisticLinear);
    let start = system.initial();
    let replicaset = system.controller_index("replicaset").unwrap();
    let scheduler = system.controller_index("scheduler").unwrap();
    let scale = |n: i32| move |t: &Transition| matches!(&t.action, Action::Environment { action: EnvironmentAction::Scale { replicas, .. }, .. } if *replicas == n);
    let latest_step = |c: usize| {
        move |t: &Transition| {
            matches!(&t.action, Action::Step { controller, read, .. } if *controller == c
                && read.newest() == t.next.history.latest() - 1)
                && matches!(t.outcome, Outcome::Wrote { .. })
        }
    };
    let mut steps = Vec::new();
    take(&system, &start, &mut steps, scale(3));
    take(&system, &start, &mut steps, latest_step(replicaset));
    take(&system, &start, &mut steps, scale(1));
    take(&system, &start, &mut steps, latest_step(replicaset));
    let Outcome::Wrote {
        revision: deletion, ..
    } = steps[3].outcome.clone()
    else {
        unreachable!("a write was picked")
    };
    // The scheduler binds the pod from the revision before the deletion: a new term.
    take(&system, &start, &mut steps, |t| {
        matches!(&t.action, Action::Step { controller, read, .. } if *controller == scheduler
            && read.newest() == deletion - 1)
            && matches!(t.outcome, Outcome::Wrote { .. })
    });
    let e = explained(&system, &start, &steps, None);
    let lost: Vec<&LostWrite> = e
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::LostWrite(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(lost.len(), 1, "{:?}", e.findings);
    let l = lost[0];
    assert_eq!((l.step, l.controller.as_str()), (4, "replicaset"));
    assert!(l.change.starts_with("delete Pod "), "{l:?}");
    assert_eq!(l.revision, deletion);
    let by = l.lost_by.as_ref().expect("the write that lost it");
    assert_eq!((by.step, by.writer.as_str()), (5, "scheduler"));
    assert_eq!(l.branch_point, Some(deletion - 1));
    // The replicaset still expects its deletion, which the store never holds.
    assert!(
        e.findings.iter().any(|f| matches!(f, Finding::Diverged(d)
            if d.controller == "replicaset" && d.local.starts_with("expects its deletion of ") && d.since == 4)),
        "{:?}",
        e.findings
    );
    // The scheduler's read was stale (it missed the deletion) and is impossible under
    // synchronous.
    let stale: Vec<&StaleRead> = e.stale_reads().collect();
    assert_eq!(stale.len(), 1, "{:?}", e.findings);
    assert_eq!(
        (stale[0].step, stale[0].controller.as_str()),
        (5, "scheduler")
    );
    assert!(
        stale[0]
            .prevented_by
            .iter()
            .any(|p| p.setting == "synchronous")
    );
    let told = e.sentences().join("\n");
    assert!(
        told.contains(&format!("replicaset's write at step 4 (`{}`, r{deletion}) was acknowledged but lost: at step 5 scheduler wrote", l.change)),
        "{told}"
    );
}
