//! The histories against the dissertation's worked examples (Fig 3.16-3.18, Table 3.4), causal
//! merges, per-kind reads, graph exports and read-your-writes.

use super::*;
use crate::model::resources::{Container, Metadata, Node, Object, Pod};

// ---------------------------------------------------------------- fixtures

fn pod(name: &str, image: &str) -> Pod {
    let mut p = Pod {
        metadata: Metadata::named(name),
        ..Pod::default()
    };
    p.spec.containers.push(Container {
        name: "c".into(),
        image: image.into(),
        ..Container::default()
    });
    p
}

fn node(name: &str) -> Node {
    Node {
        metadata: Metadata::named(name),
        ..Node::default()
    }
}

fn create(p: Pod) -> Operation {
    Operation::Create(Object::Pod(p))
}

/// Updates the pod as stored in `state` to run `image`.
fn set_image(state: &StateView, name: &str, image: &str) -> Operation {
    let mut p = state.of::<Pod>().get(name).expect("pod present").clone();
    p.spec.containers[0].image = image.into();
    Operation::Update(Object::Pod(p))
}

fn delete(state: &StateView, name: &str) -> Operation {
    let p = state.of::<Pod>().get(name).expect("pod present").clone();
    Operation::Delete(Object::Pod(p))
}

/// Commits `operation` made from `read`, in the Kubernetes commit mode.
fn write(h: &mut impl History, read: Read, operation: &Operation) -> Result<Revision, Rejection> {
    h.commit(&Change {
        operation,
        read: &read,
        read_kinds: KindSet::EMPTY,
        mode: CommitMode::Kubernetes,
    })
}

fn must_write(h: &mut impl History, read: Read, operation: &Operation) -> Revision {
    write(h, read.clone(), operation)
        .unwrap_or_else(|e| panic!("{operation} from {read} rejected: {e}"))
}

/// The letter the dissertation names revision `r` by (r1 = a).
fn letter(r: Revision) -> char {
    (b'a' + (r - INITIAL_REVISION) as u8) as char
}

fn at(rs: &[Revision]) -> Vec<Read> {
    rs.iter().copied().map(Read::At).collect()
}

fn image_of(state: &StateView, name: &str) -> Option<String> {
    state
        .of::<Pod>()
        .get(name)
        .map(|p| p.spec.containers[0].image.clone())
}

/// A linear history a..e (r1..r5): each revision after the first creates one pod.
fn linear_abcde(setting: ConsistencySetting) -> AnyHistory {
    let mut h = AnyHistory::new(setting, StateView::new());
    for name in ["b", "c", "d", "e"] {
        let latest = h.latest();
        must_write(&mut h, Read::At(latest), &create(pod(name, "v1")));
    }
    assert_eq!(h.latest(), 5);
    h
}

fn setting(level: Consistency, read_your_writes: bool) -> ConsistencySetting {
    ConsistencySetting {
        read_your_writes,
        ..ConsistencySetting::of(level)
    }
}

// ---------------------------------------------------------------- Fig 3.15 / 3.16

#[test]
fn fig_3_16_a_session_of_b_reads_c_d_e() {
    for level in [
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
    ] {
        for ryw in [false, true] {
            let h = linear_abcde(setting(level, ryw));
            let session = Session::at(Read::At(2));
            assert_eq!(h.readable(&session), at(&[3, 4, 5]), "{level:?} ryw={ryw}");
            assert!(h.can_read(&session, &Read::At(3)));
            assert!(!h.can_read(&session, &Read::At(2)));
            assert!(!h.can_read(&session, &Read::At(1)));
        }
    }
}

#[test]
fn fig_3_16_without_a_session_monotonic_reads_the_latest_resettable_any() {
    let none = Session::default();
    let monotonic = linear_abcde(setting(Consistency::MonotonicSession, false));
    assert_eq!(monotonic.readable(&none), at(&[5]));
    let resettable = linear_abcde(setting(Consistency::ResettableSession, false));
    assert_eq!(resettable.readable(&none), at(&[1, 2, 3, 4, 5]));
}

#[test]
fn fig_3_15_synchronous_reads_only_the_latest_whatever_the_session() {
    let h = linear_abcde(setting(Consistency::Synchronous, false));
    for session in [
        Session::default(),
        Session::at(Read::At(1)),
        Session::at(Read::At(2)),
        Session::at(Read::At(5)),
    ] {
        assert_eq!(h.readable(&session), at(&[5]), "{session:?}");
    }
}

#[test]
fn a_session_at_the_latest_has_nothing_newer_to_read() {
    let h = linear_abcde(setting(Consistency::MonotonicSession, false));
    assert!(h.readable(&Session::at(Read::At(5))).is_empty());
}

#[test]
fn linear_histories_write_onto_the_latest_whatever_was_read() {
    for level in [
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
    ] {
        let mut h = linear_abcde(setting(level, false));
        let r = must_write(&mut h, Read::At(2), &create(pod("f", "v1")));
        assert_eq!(r, 6);
        assert_eq!(h.parents(6), vec![5]);
        let latest = h.latest_state();
        assert_eq!(
            latest.of::<Pod>().len(),
            5,
            "f is written onto e, keeping b..e"
        );
    }
}

#[test]
fn linear_stale_update_is_rejected_and_leaves_the_history_as_it_was() {
    let mut h = linear_abcde(setting(Consistency::MonotonicSession, false));
    let state_b = h.state(&Read::At(2)).unwrap();
    let fresh = set_image(&h.latest_state(), "b", "v2");
    must_write(&mut h, Read::At(5), &fresh);
    let before = h.clone();
    let stale = set_image(&state_b, "b", "v3");
    let err = write(&mut h, Read::At(2), &stale).unwrap_err();
    assert!(
        matches!(err, Rejection::Apply(ApplyError::Conflict { .. })),
        "{err}"
    );
    assert_eq!(h, before);
}

#[test]
fn atomic_commit_rejects_a_step_whose_read_kinds_changed() {
    let mut h = linear_abcde(setting(Consistency::MonotonicSession, false));
    let op = create(pod("f", "v1"));
    let r4 = Read::At(4);
    let change = Change {
        operation: &op,
        read: &r4,
        read_kinds: Kind::Pod.set(),
        mode: CommitMode::Atomic,
    };
    let before = h.clone();
    assert_eq!(
        h.commit(&change),
        Err(Rejection::StaleRead { kind: Kind::Pod })
    );
    assert_eq!(h, before);
    // Nodes did not change between r4 and r5: a step that read only nodes commits.
    let only_nodes = Change {
        read_kinds: Kind::Node.set(),
        ..change
    };
    assert_eq!(h.commit(&only_nodes), Ok(6));
}

#[test]
fn a_read_of_a_revision_not_held_is_rejected() {
    let mut h = linear_abcde(setting(Consistency::ResettableSession, false));
    let before = h.clone();
    assert_eq!(
        write(&mut h, Read::At(9), &create(pod("f", "v1"))),
        Err(Rejection::UnknownRead(Read::At(9)))
    );
    assert_eq!(h, before);
    assert_eq!(h.state(&Read::At(0)), None);
    assert_eq!(h.state(&Read::At(6)), None);
    assert_eq!(h.state(&Read::Merge(vec![2, 3])), None);
}

// ---------------------------------------------------------------- read-your-writes

/// r1 initial; the reader reads r2; another writer writes r3; the reader's write (from r2)
/// lands as r4; another writer writes r5.
fn reader_wrote_r4(level: Consistency, ryw: bool) -> (AnyHistory, Session) {
    let mut h = AnyHistory::new(setting(level, ryw), StateView::new());
    must_write(&mut h, Read::At(1), &create(pod("p", "v1")));
    must_write(&mut h, Read::At(2), &create(pod("other", "v1")));
    let own = must_write(&mut h, Read::At(2), &create(pod("mine", "v1")));
    assert_eq!(own, 4);
    must_write(&mut h, Read::At(4), &create(pod("later", "v1")));
    let session = Session {
        read: Some(Read::At(2)),
        last_write: Some(own),
    };
    (h, session)
}

#[test]
fn without_read_your_writes_a_session_may_read_older_than_its_own_write() {
    for level in [
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
    ] {
        let (h, session) = reader_wrote_r4(level, false);
        assert_eq!(h.readable(&session), at(&[3, 4, 5]), "{level:?}");
        let r3 = h.state(&Read::At(3)).unwrap();
        assert!(
            !r3.of::<Pod>().contains("mine"),
            "r3 does not hold the reader's own write"
        );
    }
}

#[test]
fn with_read_your_writes_a_session_never_reads_older_than_its_own_write() {
    for level in [
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
    ] {
        let (h, session) = reader_wrote_r4(level, true);
        assert_eq!(h.readable(&session), at(&[4, 5]), "{level:?}");
        assert!(h.setting().read_your_writes);
    }
}

#[test]
fn read_your_writes_only_ever_narrows_what_a_session_may_read() {
    // A session with a write but no read (hand-made: the system always sets both).
    let session = Session {
        read: None,
        last_write: Some(3),
    };
    let plain = linear_abcde(setting(Consistency::MonotonicSession, false));
    let ryw = linear_abcde(setting(Consistency::MonotonicSession, true));
    assert_eq!(plain.readable(&session), at(&[5]));
    assert_eq!(ryw.readable(&session), at(&[5]));
    let plain = linear_abcde(setting(Consistency::ResettableSession, false));
    let ryw = linear_abcde(setting(Consistency::ResettableSession, true));
    assert_eq!(plain.readable(&session), at(&[1, 2, 3, 4, 5]));
    assert_eq!(ryw.readable(&session), at(&[3, 4, 5]));
}

#[test]
fn read_your_writes_through_the_system() {
    use crate::model::config::ModelConfig;
    use crate::model::controllers::ControllerSpec;
    use crate::model::system::{Action, Reduction, System};

    for level in [
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
    ] {
        for ryw in [false, true] {
            // A controller that never writes: the steps offered are exactly its readable reads.
            let config = ModelConfig {
                consistency: setting(level, ryw),
                controllers: vec![ControllerSpec {
                    kind: "podgc".into(),
                    name: "reader".into(),
                    node: None,
                }],
                ..ModelConfig::default()
            };
            // The plain model: every read is offered as a step, even one that only moves the
            // session.
            let system = System::new(config).unwrap().with_reduction(Reduction::NONE);
            let mut state = system.initial();
            let (history, session) = reader_wrote_r4(level, ryw);
            state.history = history;
            std::sync::Arc::make_mut(&mut state.locals[0]).session = session;
            let offered: Vec<Read> = system
                .transitions(&state)
                .into_iter()
                .filter_map(|t| match t.action {
                    Action::Step { read, .. } => Some(read),
                    _ => None,
                })
                .collect();
            let expected = if ryw { at(&[4, 5]) } else { at(&[3, 4, 5]) };
            assert_eq!(offered, expected, "{level:?} ryw={ryw}");
            assert_eq!(system.readable(&state, 0), expected);
        }
    }
}

// ---------------------------------------------------------------- Fig 3.17 / Table 3.4

/// The optimistic history of Fig 3.17, with a snapshot taken while each revision was the latest:
/// a initial; b from a; c from b; d from b while c is the latest (term 2); e from d.
fn fig_3_17() -> Vec<OptimisticLinear> {
    let mut h = OptimisticLinear::new(StateView::new());
    let mut snapshots = vec![h.clone()];
    for (name, from) in [("b", 1), ("c", 2), ("d", 2), ("e", 4)] {
        must_write(&mut h, Read::At(from), &create(pod(name, "v1")));
        snapshots.push(h.clone());
    }
    snapshots
}

#[test]
fn fig_3_17_shape() {
    let snapshots = fig_3_17();
    let h = snapshots.last().unwrap();
    let parents: Vec<Vec<Revision>> = (1..=5).map(|r| h.parents(r)).collect();
    assert_eq!(parents, vec![vec![], vec![1], vec![2], vec![2], vec![4]]);
    assert_eq!(h.latest(), 5);
    assert_eq!(
        h.commit_point(),
        4,
        "d started term 2 and committed a, b, d"
    );
    assert!(h.is_lost(3), "c was acknowledged but not committed");
    assert!((1..=5).filter(|&r| r != 3).all(|r| !h.is_lost(r)));
    let e = h.state(&Read::At(5)).unwrap();
    assert_eq!(
        e.names(Kind::Pod),
        vec!["b", "d", "e"],
        "e does not hold the lost c"
    );
}

#[test]
fn table_3_4_landing_revision_for_each_read_and_latest() {
    // (read, latest, landing), letters as in the dissertation.
    let table = [
        ('a', 'a', 'a'),
        ('a', 'b', 'a'),
        ('a', 'c', 'a'),
        ('a', 'd', 'c'),
        ('a', 'e', 'c'),
        ('b', 'b', 'b'),
        ('b', 'c', 'b'),
        ('b', 'd', 'd'),
        ('b', 'e', 'e'),
        ('c', 'c', 'c'),
        ('c', 'd', 'c'),
        ('c', 'e', 'c'),
        ('d', 'd', 'd'),
        ('d', 'e', 'd'),
        ('e', 'e', 'e'),
    ];
    let snapshots = fig_3_17();
    let rev = |c: char| (c as u8 - b'a') as Revision + INITIAL_REVISION;
    for (read, latest, landing) in table {
        let h = &snapshots[(rev(latest) - INITIAL_REVISION) as usize];
        assert_eq!(h.latest(), rev(latest));
        let (onto, _) = h.landing(rev(read)).unwrap();
        assert_eq!(
            letter(onto),
            landing,
            "landing: read {read}, latest {latest}"
        );
        let mut written = h.clone();
        let new = must_write(&mut written, Read::At(rev(read)), &create(pod("x", "v1")));
        assert_eq!(
            written.parents(new),
            vec![rev(landing)],
            "commit: read {read}, latest {latest}"
        );
        // The write is made on the landing revision's state.
        let base = h.state(&Read::At(rev(landing))).unwrap();
        let mut expected = base.names(Kind::Pod);
        expected.push("x".into());
        expected.sort();
        assert_eq!(
            written.state(&Read::At(new)).unwrap().names(Kind::Pod),
            expected
        );
    }
}

#[test]
fn optimistic_writes_after_a_leader_change() {
    let snapshots = fig_3_17();
    let h = snapshots.last().unwrap();
    // A write from the lost c lands on c and is lost with it.
    let mut lost = h.clone();
    let r = must_write(&mut lost, Read::At(3), &create(pod("x", "v1")));
    assert_eq!((lost.parents(r), lost.latest()), (vec![3], 5));
    assert!(lost.is_lost(r));
    // A write from the commit point d while e is the latest starts term 3 from d: e is lost.
    let mut moved = h.clone();
    let r = must_write(&mut moved, Read::At(4), &create(pod("x", "v1")));
    assert_eq!((moved.parents(r), moved.latest()), (vec![4], r));
    assert_eq!(moved.commit_point(), r);
    assert!(moved.is_lost(5));
    // From e (the latest) the write extends e, optimistically.
    let mut extended = h.clone();
    let r = must_write(&mut extended, Read::At(5), &create(pod("x", "v1")));
    assert_eq!((extended.parents(r), extended.commit_point()), (vec![5], 4));
}

#[test]
fn fig_3_17_a_session_of_b_reads_c_d_e_and_a_new_term_hides_the_old() {
    let snapshots = fig_3_17();
    let h = snapshots.last().unwrap();
    assert_eq!(h.readable(&Session::at(Read::At(2))), at(&[3, 4, 5]));
    // Having seen d (term 2), c (term 1) is invisible, however its number compares.
    assert_eq!(h.readable(&Session::at(Read::At(4))), at(&[5]));
    let mut later = h.clone();
    let r6 = must_write(&mut later, Read::At(3), &create(pod("x", "v1")));
    assert_eq!(
        later.readable(&Session::at(Read::At(4))),
        at(&[5]),
        "r6 is of term 1"
    );
    assert!(
        later
            .readable(&Session::at(Read::At(3)))
            .contains(&Read::At(r6))
    );
    // Without a session, anything.
    assert_eq!(h.readable(&Session::default()), at(&[1, 2, 3, 4, 5]));
}

// ---------------------------------------------------------------- Fig 3.18

/// The causal DAG of Fig 3.18: a; b from a; c from a; d from b; e from the merge of b and c.
fn fig_3_18() -> Causal {
    let mut h = Causal::new(StateView::new());
    must_write(&mut h, Read::At(1), &create(pod("b", "v1")));
    must_write(&mut h, Read::At(1), &create(pod("c", "v1")));
    must_write(&mut h, Read::At(2), &create(pod("d", "v1")));
    must_write(&mut h, Read::merge(vec![3, 2]), &create(pod("e", "v1")));
    h
}

#[test]
fn fig_3_18_shape() {
    let h = fig_3_18();
    let parents: Vec<Vec<Revision>> = (1..=5).map(|r| h.parents(r)).collect();
    assert_eq!(parents, vec![vec![], vec![1], vec![1], vec![2], vec![2, 3]]);
    assert_eq!(h.heads(), vec![4, 5]);
    assert!(h.concurrent(2, 3) && h.concurrent(3, 4) && h.concurrent(4, 5));
    assert!(h.precedes(3, 5) && h.precedes(1, 4) && !h.precedes(4, 5));
    let e = h.state(&Read::At(5)).unwrap();
    assert_eq!(e.names(Kind::Pod), vec!["b", "c", "e"]);
}

#[test]
fn fig_3_18_a_session_of_b_reads_d_dc_de_e_never_dce() {
    let h = fig_3_18();
    let readable = h.readable(&Session::at(Read::At(2)));
    assert_eq!(
        readable,
        vec![
            Read::Merge(vec![3, 4]),
            Read::At(4),
            Read::Merge(vec![4, 5]),
            Read::At(5),
        ]
    );
    assert!(!h.can_read(&Session::at(Read::At(2)), &Read::Merge(vec![3, 4, 5])));
    assert_eq!(h.state(&Read::Merge(vec![3, 4, 5])), None, "c precedes e");
    let dc = h.state(&Read::Merge(vec![3, 4])).unwrap();
    assert_eq!(dc.names(Kind::Pod), vec!["b", "c", "d"]);
}

#[test]
fn fig_3_18_without_a_session_any_nonempty_set_of_heads() {
    let h = fig_3_18();
    assert_eq!(
        h.readable(&Session::default()),
        vec![Read::At(4), Read::Merge(vec![4, 5]), Read::At(5)]
    );
}

#[test]
fn causal_merge_sessions_never_go_back_behind_a_session_revision() {
    // b and d are concurrent; c precedes d. A reader that read {b, d} and then sees e (from b)
    // must not be offered c alongside it: c is older than d, which it has read.
    let mut h = Causal::new(StateView::new());
    must_write(&mut h, Read::At(1), &create(pod("b", "v1")));
    must_write(&mut h, Read::At(1), &create(pod("c", "v1")));
    must_write(&mut h, Read::At(3), &create(pod("d", "v1")));
    must_write(&mut h, Read::At(2), &create(pod("e", "v1")));
    let session = Session::at(Read::Merge(vec![2, 4]));
    let readable = h.readable(&session);
    assert_eq!(
        readable,
        vec![Read::Merge(vec![4, 5])],
        "e alone would lose d"
    );
    for read in &readable {
        for r in read.revisions() {
            assert!(!h.precedes(r, 2) && !h.precedes(r, 4), "{read} goes back");
        }
    }
}

#[test]
fn fig_3_18_after_reading_c_and_d_only_d_with_e_is_newer() {
    let h = fig_3_18();
    // {e} alone would lose d's writes; {c, d} is what was read.
    assert_eq!(
        h.readable(&Session::at(Read::Merge(vec![3, 4]))),
        vec![Read::Merge(vec![4, 5])]
    );
    // Having read both heads, nothing is newer until someone writes.
    let mut h = h;
    assert!(h.readable(&Session::at(Read::Merge(vec![4, 5]))).is_empty());
    let f = must_write(&mut h, Read::At(5), &create(pod("f", "v1")));
    assert_eq!(
        h.readable(&Session::at(Read::Merge(vec![4, 5]))),
        vec![Read::Merge(vec![4, f])]
    );
}

// ---------------------------------------------------------------- causal merges

/// A causal chain: r2 creates pod `shared`, r3 pod `doomed`.
fn causal_with_two_pods() -> Causal {
    let mut h = Causal::new(StateView::new());
    must_write(&mut h, Read::At(1), &create(pod("shared", "v1")));
    must_write(&mut h, Read::At(2), &create(pod("doomed", "v1")));
    h
}

#[test]
fn causal_merge_is_last_writer_wins_per_resource() {
    let mut h = causal_with_two_pods(); // r3 holds both
    let base = h.state(&Read::At(3)).unwrap();
    let left = must_write(&mut h, Read::At(3), &set_image(&base, "shared", "left"));
    let right = must_write(&mut h, Read::At(3), &set_image(&base, "shared", "right"));
    assert_eq!((left, right), (4, 5));
    assert!(h.concurrent(left, right));
    let merged = h.state(&Read::merge(vec![left, right])).unwrap();
    let shared = merged.of::<Pod>().get("shared").unwrap();
    assert_eq!(shared.metadata.resource_version, right);
    assert_eq!(image_of(&merged, "shared").as_deref(), Some("right"));
    // The order the revisions are named in does not matter.
    assert_eq!(
        h.state(&Read::Merge(vec![4, 5])),
        h.state(&Read::merge(vec![5, 4]))
    );
}

#[test]
fn causal_merge_keeps_a_resource_created_on_one_branch() {
    let mut h = causal_with_two_pods();
    let left = must_write(&mut h, Read::At(3), &create(pod("only-left", "v1")));
    let right = must_write(&mut h, Read::At(3), &create(pod("only-right", "v1")));
    let merged = h.state(&Read::merge(vec![left, right])).unwrap();
    assert_eq!(
        merged.names(Kind::Pod),
        vec!["doomed", "only-left", "only-right", "shared"]
    );
    let created = merged.of::<Pod>().get("only-left").unwrap();
    assert_eq!(created.metadata.resource_version, left);
}

#[test]
fn causal_merge_keeps_deleted_what_a_branch_deleted_after_its_last_write() {
    let mut h = causal_with_two_pods();
    let base = h.state(&Read::At(3)).unwrap();
    let left = must_write(&mut h, Read::At(3), &delete(&base, "doomed"));
    let right = must_write(&mut h, Read::At(3), &set_image(&base, "shared", "v2"));
    let merged = h.state(&Read::merge(vec![left, right])).unwrap();
    assert_eq!(merged.names(Kind::Pod), vec!["shared"]);
    assert_eq!(image_of(&merged, "shared").as_deref(), Some("v2"));
    // A write made from the merge keeps it deleted.
    let after = must_write(
        &mut h,
        Read::merge(vec![left, right]),
        &create(pod("new", "v1")),
    );
    assert_eq!(h.parents(after), vec![left, right]);
    let state = h.state(&Read::At(after)).unwrap();
    assert_eq!(state.names(Kind::Pod), vec!["new", "shared"]);
}

#[test]
fn causal_merge_keeps_a_concurrent_update_over_a_delete_that_did_not_see_it() {
    let mut h = causal_with_two_pods();
    let base = h.state(&Read::At(3)).unwrap();
    let left = must_write(&mut h, Read::At(3), &delete(&base, "doomed"));
    let right = must_write(&mut h, Read::At(3), &set_image(&base, "doomed", "v2"));
    let merged = h.state(&Read::merge(vec![left, right])).unwrap();
    assert_eq!(image_of(&merged, "doomed").as_deref(), Some("v2"));
}

#[test]
fn causal_merge_of_a_revision_with_its_ancestor_is_not_a_read() {
    let h = causal_with_two_pods();
    assert_eq!(h.state(&Read::Merge(vec![2, 3])), None);
    let mut h2 = h.clone();
    let err = write(&mut h2, Read::Merge(vec![2, 3]), &create(pod("x", "v1"))).unwrap_err();
    assert_eq!(err, Rejection::UnknownRead(Read::Merge(vec![2, 3])));
    assert_eq!(h2, h);
}

// ---------------------------------------------------------------- per-kind reads

#[test]
fn per_kind_reads_compose_each_kind_from_its_own_revision() {
    let mut initial = StateView::new();
    initial.put(Object::Node(node("n1")));
    for level in [
        Consistency::Synchronous,
        Consistency::MonotonicSession,
        Consistency::ResettableSession,
    ] {
        let mut h = AnyHistory::new(setting(level, false), initial.clone());
        must_write(&mut h, Read::At(1), &create(pod("p", "v1"))); // r2: a pod
        let mut n2 = node("n2");
        n2.spec.unschedulable = true;
        must_write(&mut h, Read::At(2), &Operation::Create(Object::Node(n2))); // r3
        must_write(&mut h, Read::At(3), &create(pod("q", "v1"))); // r4
        let mut revisions = [4; Kind::COUNT];
        revisions[Kind::Node.index()] = 1;
        revisions[Kind::Pod.index()] = 2;
        let read = Read::PerKind(revisions);
        let state = h.state(&read).unwrap();
        assert_eq!(state.names(Kind::Node), vec!["n1"], "nodes from r1");
        assert_eq!(state.names(Kind::Pod), vec!["p"], "pods from r2");
        assert_eq!(read.revision_of(Kind::Pod), Some(2));
        assert_eq!((read.oldest(), read.newest()), (1, 4));
        // The other way round: nodes from r4, pods from r1.
        revisions[Kind::Node.index()] = 4;
        revisions[Kind::Pod.index()] = 1;
        let state = h.state(&Read::PerKind(revisions)).unwrap();
        assert_eq!(state.names(Kind::Node), vec!["n1", "n2"]);
        assert!(state.of::<Pod>().is_empty());
        // Every kind at one revision is that revision.
        assert_eq!(
            h.state(&Read::PerKind([3; Kind::COUNT])),
            h.state(&Read::At(3))
        );
        // A revision not held makes the read unknown.
        revisions[Kind::Job.index()] = 9;
        assert_eq!(h.state(&Read::PerKind(revisions)), None);
    }
}

// ---------------------------------------------------------------- graph exports

fn node_shape(g: &HistoryGraph) -> Vec<(Revision, Vec<Revision>, bool, u32)> {
    g.nodes
        .iter()
        .map(|n| (n.revision, n.parents.clone(), n.lost, n.term))
        .collect()
}

fn readers() -> Vec<(String, Session)> {
    vec![
        ("fresh".to_string(), Session::default()),
        ("saw-b".to_string(), Session::at(Read::At(2))),
    ]
}

#[test]
fn linear_graphs_are_a_chain_with_readable_sets_per_reader() {
    let cases = [
        (Consistency::Synchronous, at(&[5]), at(&[5])),
        (Consistency::MonotonicSession, at(&[5]), at(&[3, 4, 5])),
        (
            Consistency::ResettableSession,
            at(&[1, 2, 3, 4, 5]),
            at(&[3, 4, 5]),
        ),
    ];
    for (level, fresh, saw_b) in cases {
        let h = linear_abcde(setting(level, false));
        let g = h.graph(&readers());
        assert_eq!(
            node_shape(&g),
            vec![
                (1, vec![], false, 0),
                (2, vec![1], false, 0),
                (3, vec![2], false, 0),
                (4, vec![3], false, 0),
                (5, vec![4], false, 0),
            ],
            "{level:?}"
        );
        assert_eq!(
            (g.heads.clone(), g.latest, g.commit_point),
            (vec![5], 5, None)
        );
        assert_eq!(
            g.readable,
            vec![("fresh".to_string(), fresh), ("saw-b".to_string(), saw_b)],
            "{level:?}"
        );
    }
}

#[test]
fn optimistic_graph_has_terms_commit_point_and_lost_branches() {
    let h = AnyHistory::OptimisticLinear(fig_3_17().pop().unwrap());
    let g = h.graph(&readers());
    assert_eq!(
        node_shape(&g),
        vec![
            (1, vec![], false, 1),
            (2, vec![1], false, 1),
            (3, vec![2], true, 1),
            (4, vec![2], false, 2),
            (5, vec![4], false, 2),
        ]
    );
    assert_eq!(g.heads, vec![3, 5]);
    assert_eq!((g.latest, g.commit_point), (5, Some(4)));
    assert_eq!(
        g.readable,
        vec![
            ("fresh".to_string(), at(&[1, 2, 3, 4, 5])),
            ("saw-b".to_string(), at(&[3, 4, 5])),
        ]
    );
}

#[test]
fn causal_graph_has_merge_parents_heads_and_merged_reads() {
    let h = AnyHistory::Causal(fig_3_18());
    let g = h.graph(&readers());
    assert_eq!(
        node_shape(&g),
        vec![
            (1, vec![], false, 0),
            (2, vec![1], false, 0),
            (3, vec![1], false, 0),
            (4, vec![2], false, 0),
            (5, vec![2, 3], false, 0),
        ]
    );
    assert_eq!(
        (g.heads.clone(), g.latest, g.commit_point),
        (vec![4, 5], 5, None)
    );
    assert_eq!(
        g.readable,
        vec![
            (
                "fresh".to_string(),
                vec![Read::At(4), Read::Merge(vec![4, 5]), Read::At(5)]
            ),
            (
                "saw-b".to_string(),
                vec![
                    Read::Merge(vec![3, 4]),
                    Read::At(4),
                    Read::Merge(vec![4, 5]),
                    Read::At(5)
                ]
            ),
        ]
    );
}

#[test]
fn graphs_serialize_for_the_dag_view() {
    let g = AnyHistory::Causal(fig_3_18()).graph(&readers());
    let json = serde_json::to_string(&g).unwrap();
    let back: HistoryGraph = serde_json::from_str(&json).unwrap();
    assert_eq!(back, g);
}

// ---------------------------------------------------------------- settings

#[test]
fn every_level_has_a_name_and_builds_its_history() {
    for level in Consistency::ALL {
        assert_eq!(Consistency::from_name(level.name()), Some(level));
        for ryw in [false, true] {
            let h = AnyHistory::new(setting(level, ryw), StateView::new());
            assert_eq!(h.setting().level, level);
            assert_eq!(
                h.setting().read_your_writes,
                ryw && level.has_sessions(),
                "{level:?}"
            );
            assert_eq!((h.latest(), h.revisions()), (INITIAL_REVISION, vec![1]));
            assert_eq!(h.latest_state(), StateView::new());
        }
    }
    assert_eq!(
        setting(Consistency::MonotonicSession, true).to_string(),
        "monotonic-session (read-your-writes)"
    );
    assert_eq!(setting(Consistency::Causal, true).to_string(), "causal");
    assert_eq!(Read::Merge(vec![3, 4]).to_string(), "{r3,r4}");
}

#[test]
fn causal_ancestry_spans_more_than_one_word_of_bits() {
    let mut h = Causal::new(StateView::new());
    for i in 0..70 {
        let latest = h.latest();
        must_write(
            &mut h,
            Read::At(latest),
            &create(pod(&format!("p{i}"), "v1")),
        );
    }
    let side = must_write(&mut h, Read::At(66), &create(pod("side", "v1")));
    assert_eq!(side, 72);
    assert!(h.precedes(1, 71) && h.precedes(65, 71) && h.precedes(66, side));
    assert!(!h.precedes(71, 65) && !h.precedes(67, side));
    assert!(h.concurrent(67, side) && h.concurrent(71, side));
    assert_eq!(h.heads(), vec![71, 72]);
}
