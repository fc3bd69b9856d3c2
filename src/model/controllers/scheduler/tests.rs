use super::*;
use crate::model::api;
use crate::model::controllers::util::fixtures::{bound, pod, ready_node, view_of};
use crate::model::history::Read;
use crate::model::resources::{Condition, PodPhase, Quantity, Taint, Toleration, set_condition};

/// The node the scheduler binds its first pod to in a view of `objects`, and the pod's name.
fn schedule(objects: Vec<Object>) -> Option<(String, String)> {
    let view = view_of(objects);
    let op = Scheduler.step(&view, &mut LocalState::default())?;
    let Operation::Update(Object::Pod(p)) = op else {
        panic!("the scheduler only binds pods, got {op}")
    };
    let before = view.unrecorded_state().pods.get(&p.metadata.name).unwrap();
    assert_eq!(p.metadata, before.metadata, "the binding is sent as read");
    assert_eq!(p.status, before.status, "the binding changes only nodeName");
    Some((p.metadata.name.clone(), p.spec.node_name.clone().unwrap()))
}

fn bind(pod: &str, node: &str) -> Option<(String, String)> {
    Some((pod.to_string(), node.to_string()))
}

fn n(node: Node) -> Object {
    Object::Node(node)
}

fn p(pod: Pod) -> Object {
    Object::Pod(pod)
}

#[test]
fn binds_a_pending_pod_to_a_node_that_fits() {
    let objects = vec![
        n(ready_node("n1", &[("cpu", "2"), ("memory", "4Gi")])),
        p(pod("web", &[("cpu", "1")])),
    ];
    assert_eq!(schedule(objects), bind("web", "n1"));
}

#[test]
fn the_binding_commits_and_then_there_is_nothing_left() {
    let objects = vec![n(ready_node("n1", &[("cpu", "2")])), p(pod("web", &[]))];
    let state = api::initial_state(objects, 1);
    let view = View::new(state.clone(), Read::At(1));
    let op = Scheduler.step(&view, &mut LocalState::default()).unwrap();
    let next = api::apply(&state, &op, 2).expect("a binding from the latest read commits");
    assert_eq!(
        next.pods.get("web").unwrap().spec.node_name.as_deref(),
        Some("n1")
    );
    let view = View::new(next, Read::At(2));
    assert_eq!(Scheduler.step(&view, &mut LocalState::default()), None);
    assert!(view.kinds_read().contains(Kind::Node) && view.kinds_read().contains(Kind::Pod));
}

#[test]
fn cpu_is_never_overcommitted() {
    let node = ready_node("n1", &[("cpu", "2")]);
    let running = bound(pod("a", &[("cpu", "1500m")]), "n1");
    let objects = vec![
        n(node.clone()),
        p(running.clone()),
        p(pod("b", &[("cpu", "1")])),
    ];
    assert_eq!(schedule(objects), None);
    let objects = vec![n(node), p(running), p(pod("b", &[("cpu", "500m")]))];
    assert_eq!(
        schedule(objects),
        bind("b", "n1"),
        "exactly full is allowed"
    );
}

#[test]
fn memory_is_never_overcommitted() {
    let node = ready_node("n1", &[("memory", "1Gi")]);
    let running = bound(pod("a", &[("memory", "768Mi")]), "n1");
    let objects = vec![n(node), p(running), p(pod("b", &[("memory", "512Mi")]))];
    assert_eq!(schedule(objects), None);
}

#[test]
fn the_pod_count_stays_below_allocatable_pods() {
    let node = ready_node("n1", &[("pods", "1")]);
    let running = bound(pod("a", &[]), "n1");
    let objects = vec![n(node.clone()), p(running), p(pod("b", &[]))];
    assert_eq!(schedule(objects), None);
    let objects = vec![n(node), p(pod("b", &[]))];
    assert_eq!(schedule(objects), bind("b", "n1"));
}

#[test]
fn terminating_pods_count_and_finished_pods_do_not() {
    let node = ready_node("n1", &[("cpu", "1")]);
    let mut terminating = bound(pod("a", &[("cpu", "1")]), "n1");
    terminating.metadata.deletion_timestamp = Some(1);
    terminating.metadata.deletion_grace_period_seconds = Some(30);
    let objects = vec![
        n(node.clone()),
        p(terminating),
        p(pod("b", &[("cpu", "1")])),
    ];
    assert_eq!(schedule(objects), None);
    for phase in [PodPhase::Succeeded, PodPhase::Failed] {
        let mut finished = bound(pod("a", &[("cpu", "1")]), "n1");
        finished.status.phase = phase;
        let objects = vec![n(node.clone()), p(finished), p(pod("b", &[("cpu", "1")]))];
        assert_eq!(schedule(objects), bind("b", "n1"));
    }
}

#[test]
fn a_resource_the_node_does_not_list_is_unlimited() {
    let objects = vec![
        n(ready_node("n1", &[("cpu", "1")])),
        p(pod("big", &[("memory", "64Gi")])),
    ];
    assert_eq!(schedule(objects), bind("big", "n1"));
}

#[test]
fn allocatable_falls_back_to_capacity() {
    let mut node = ready_node("n1", &[("cpu", "1")]);
    node.status.allocatable.clear();
    let objects = vec![n(node), p(pod("big", &[("cpu", "2")]))];
    assert_eq!(schedule(objects), None);
}

#[test]
fn a_pod_that_fits_nowhere_stays_unscheduled_and_the_next_is_bound() {
    let objects = vec![
        n(ready_node("n1", &[("cpu", "1")])),
        p(pod("a-huge", &[("cpu", "8")])),
        p(pod("b-small", &[("cpu", "1")])),
    ];
    assert_eq!(schedule(objects), bind("b-small", "n1"));
}

#[test]
fn the_node_selector_must_match_every_label() {
    let plain = ready_node("n1", &[]);
    let mut ssd = ready_node("n2", &[]);
    ssd.metadata.labels.insert("disk".into(), "ssd".into());
    ssd.metadata.labels.insert("zone".into(), "a".into());
    let mut wants = pod("db", &[]);
    wants.spec.node_selector.insert("disk".into(), "ssd".into());
    let objects = vec![n(plain.clone()), n(ssd.clone()), p(wants.clone())];
    assert_eq!(schedule(objects), bind("db", "n2"));
    wants.spec.node_selector.insert("zone".into(), "b".into());
    let objects = vec![n(plain), n(ssd), p(wants)];
    assert_eq!(schedule(objects), None);
}

fn tainted(name: &str, effect: &str) -> Node {
    let mut node = ready_node(name, &[]);
    node.spec.taints.push(Taint {
        key: "dedicated".into(),
        value: "gpu".into(),
        effect: effect.into(),
    });
    node
}

#[test]
fn untolerated_no_schedule_and_no_execute_taints_repel() {
    for effect in ["NoSchedule", "NoExecute"] {
        let objects = vec![n(tainted("n1", effect)), p(pod("web", &[]))];
        assert_eq!(schedule(objects), None, "{effect}");
    }
    let objects = vec![n(tainted("n1", "PreferNoSchedule")), p(pod("web", &[]))];
    assert_eq!(schedule(objects), bind("web", "n1"));
}

#[test]
fn tolerated_taints_admit() {
    let tolerations = [
        ("dedicated", "Equal", "gpu", "NoSchedule"),
        ("dedicated", "", "gpu", ""),
        ("dedicated", "Exists", "", ""),
        ("", "Exists", "", ""),
    ];
    for (key, operator, value, effect) in tolerations {
        let mut web = pod("web", &[]);
        web.spec.tolerations.push(Toleration {
            key: key.into(),
            operator: operator.into(),
            value: value.into(),
            effect: effect.into(),
        });
        let objects = vec![n(tainted("n1", "NoSchedule")), p(web)];
        assert_eq!(schedule(objects), bind("web", "n1"), "{key} {operator}");
    }
    let mut wrong_value = pod("web", &[]);
    wrong_value.spec.tolerations.push(Toleration {
        key: "dedicated".into(),
        operator: "Equal".into(),
        value: "cpu".into(),
        effect: String::new(),
    });
    assert_eq!(
        schedule(vec![n(tainted("n1", "NoSchedule")), p(wrong_value)]),
        None
    );
}

#[test]
fn unready_and_unschedulable_nodes_are_skipped() {
    let mut unready = ready_node("n1", &[]);
    set_condition(
        &mut unready.status.conditions,
        Condition::new("Ready", false, "KubeletNotReady"),
    );
    let mut no_condition = ready_node("n2", &[]);
    no_condition.status.conditions.clear();
    let mut cordoned = ready_node("n3", &[]);
    cordoned.spec.unschedulable = true;
    let objects = vec![
        n(unready.clone()),
        n(no_condition.clone()),
        n(cordoned.clone()),
        p(pod("web", &[])),
    ];
    assert_eq!(schedule(objects), None);
    let objects = vec![
        n(unready),
        n(no_condition),
        n(cordoned),
        n(ready_node("n4", &[])),
        p(pod("web", &[])),
    ];
    assert_eq!(schedule(objects), bind("web", "n4"));
}

#[test]
fn the_least_allocated_node_wins_then_the_name() {
    let objects = vec![
        n(ready_node("n1", &[("cpu", "2")])),
        n(ready_node("n2", &[("cpu", "4")])),
        p(bound(pod("a", &[("cpu", "1")]), "n2")),
        p(pod("b", &[("cpu", "1")])),
    ];
    // n1 would be 1/2 allocated, n2 2/4: a tie on cpu and memory, so the name decides.
    assert_eq!(schedule(objects), bind("b", "n1"));
    let objects = vec![
        n(ready_node("n1", &[("cpu", "2")])),
        n(ready_node("n2", &[("cpu", "8")])),
        p(bound(pod("a", &[("cpu", "1")]), "n2")),
        p(pod("b", &[("cpu", "1")])),
    ];
    assert_eq!(schedule(objects), bind("b", "n2"));
}

#[test]
fn bound_terminating_and_finished_pods_are_left_alone() {
    let node = ready_node("n1", &[]);
    let mut terminating = pod("a", &[]);
    terminating.metadata.deletion_timestamp = Some(1);
    let mut finished = pod("b", &[]);
    finished.status.phase = PodPhase::Failed;
    let placed = bound(pod("c", &[]), "n1");
    let objects = vec![n(node), p(terminating), p(finished), p(placed)];
    assert_eq!(schedule(objects), None);
}

#[test]
fn an_empty_node_name_counts_as_unscheduled() {
    let mut web = pod("web", &[]);
    web.spec.node_name = Some(String::new());
    let objects = vec![n(ready_node("n1", &[])), p(web)];
    assert_eq!(schedule(objects), bind("web", "n1"));
}

#[test]
fn scheduling_everything_overcommits_no_node() {
    let mut objects = vec![
        n(ready_node(
            "n1",
            &[("cpu", "2"), ("memory", "2Gi"), ("pods", "3")],
        )),
        n(ready_node(
            "n2",
            &[("cpu", "3"), ("memory", "1Gi"), ("pods", "2")],
        )),
    ];
    let sizes = [
        ("1", "512Mi"),
        ("1", "1Gi"),
        ("500m", "256Mi"),
        ("2", "128Mi"),
        ("1", "512Mi"),
        ("250m", "0"),
        ("1500m", "1Gi"),
    ];
    for (i, (cpu, memory)) in sizes.iter().enumerate() {
        objects.push(p(pod(
            &format!("p{i}"),
            &[("cpu", cpu), ("memory", memory)],
        )));
    }
    let mut state = api::initial_state(objects, 1);
    let mut revision = 1;
    loop {
        let view = View::new(state.clone(), Read::At(revision));
        let Some(op) = Scheduler.step(&view, &mut LocalState::default()) else {
            break;
        };
        revision += 1;
        state = api::apply(&state, &op, revision).expect("bindings commit");
    }
    let bound_count = state
        .pods
        .iter()
        .filter(|p| bound_node(p).is_some())
        .count();
    assert_eq!(bound_count, 4, "p3, p5 and p6 find no room left");
    for node in state.nodes.iter() {
        let on_node: Vec<_> = state
            .pods
            .iter()
            .filter(|p| bound_node(p) == Some(node.metadata.name.as_str()))
            .collect();
        for resource in ["cpu", "memory"] {
            let used: i64 = on_node.iter().map(|p| p.request(resource).0).sum();
            assert!(Quantity(used) <= node.allocatable(resource).unwrap());
        }
        assert!(Quantity::units(on_node.len() as i64) <= node.allocatable("pods").unwrap());
    }
}
