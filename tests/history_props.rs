//! Properties of every history (the five of §3.4 and the informer) under random sequences of reads and writes: the latest revision
//! only grows; a reader is never offered a revision behind its session (nor, with
//! read-your-writes, behind its own last write); a read always sees the same state; a rejected
//! write leaves the history exactly as it was.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use orchard::model::history::{
    AnyHistory, Change, CommitMode, Consistency, ConsistencySetting, History, INITIAL_REVISION,
    Read, Relist, Session,
};
use orchard::model::operation::Operation;
use orchard::model::resources::{Container, Kind, Metadata, Node, Object, Pod, PodPhase, Revision};
use orchard::model::state::StateView;
use proptest::prelude::*;

const NAMES: [&str; 3] = ["p0", "p1", "p2"];
const IMAGES: [&str; 3] = ["v1", "v2", "v3"];
const READERS: usize = 3;

/// What a reader does in one step.
#[derive(Clone, Copy, Debug)]
enum Act {
    Create {
        bound: bool,
        generate: bool,
    },
    Update,
    ToggleFinalizer,
    Delete,
    ForceDelete,
    /// The reader restarts: its session is lost.
    Restart,
}

#[derive(Clone, Copy, Debug)]
struct Step {
    reader: usize,
    choice: usize,
    /// Linear histories: read pods from another revision than the rest (an informer read).
    per_kind: Option<usize>,
    act: Act,
    name: usize,
    image: usize,
    atomic: bool,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        3 => (any::<bool>(), prop::bool::weighted(0.2))
            .prop_map(|(bound, generate)| Act::Create { bound, generate }),
        4 => Just(Act::Update),
        1 => Just(Act::ToggleFinalizer),
        2 => Just(Act::Delete),
        1 => Just(Act::ForceDelete),
        1 => Just(Act::Restart),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    (
        0..READERS,
        any::<usize>(),
        prop::option::weighted(0.2, any::<usize>()),
        act(),
        0..NAMES.len(),
        0..IMAGES.len(),
        prop::bool::weighted(0.2),
    )
        .prop_map(
            |(reader, choice, per_kind, act, name, image, atomic)| Step {
                reader,
                choice,
                per_kind,
                act,
                name,
                image,
                atomic,
            },
        )
}

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

fn initial() -> StateView {
    let mut state = StateView::new();
    state.put(Object::Node(Node {
        metadata: Metadata::named("n1"),
        ..Node::default()
    }));
    let mut p = pod("p0", "v1");
    p.metadata.uid = "pods-1-p0".into();
    p.metadata.generation = 1;
    p.metadata.resource_version = INITIAL_REVISION;
    state.put(Object::Pod(p));
    state
}

/// The operation a step makes from what it read (possibly one the API server rejects).
fn operation(state: &StateView, step: &Step) -> Option<Operation> {
    let name = NAMES[step.name];
    let image = IMAGES[step.image];
    // Updates and deletes go to a pod the step read (one of those present), so that most are
    // accepted; with none present, to one that is not there.
    let pods: Vec<&Pod> = state.of::<Pod>().iter().collect();
    let read = match pods.len() {
        0 => pod(name, "v1"),
        n => pods[step.name % n].clone(),
    };
    let op = match step.act {
        Act::Create { bound, generate } => {
            let mut p = pod(name, image);
            if generate {
                p.metadata.name.clear();
                p.metadata.generate_name = "gen-".into();
            }
            if bound {
                p.spec.node_name = Some("n1".into());
                p.status.phase = PodPhase::Running;
            }
            Operation::Create(Object::Pod(p))
        }
        Act::Update => {
            let mut p = read;
            p.spec.containers[0].image = image.into();
            Operation::Update(Object::Pod(p))
        }
        Act::ToggleFinalizer => {
            let mut p = read;
            if p.metadata.finalizers.is_empty() {
                p.metadata.finalizers.push("f".into());
            } else {
                p.metadata.finalizers.clear();
            }
            Operation::Update(Object::Pod(p))
        }
        Act::Delete => Operation::Delete(Object::Pod(read)),
        Act::ForceDelete => Operation::ForceDelete(Object::Pod(read)),
        Act::Restart => return None,
    };
    Some(op)
}

fn hash_of(h: &AnyHistory) -> u64 {
    let mut hasher = DefaultHasher::new();
    h.hash(&mut hasher);
    hasher.finish()
}

/// The term of each revision (optimistic linear; 0 elsewhere), from the graph export.
fn terms(h: &AnyHistory) -> Vec<u32> {
    h.graph(&[]).nodes.iter().map(|n| n.term).collect()
}

/// Checks what a reader with `session` is offered.
fn check_readable(h: &AnyHistory, session: &Session, readable: &[Read]) {
    let setting = h.setting();
    let latest = h.latest();
    let revisions = h.revisions();
    for read in readable {
        assert!(
            read.revisions().iter().all(|r| revisions.contains(r)),
            "{read} names a revision not held"
        );
        let state = h.state(read);
        assert!(state.is_some(), "{read} is offered but has no state");
    }
    let seen = session.read.as_ref();
    match setting.level {
        Consistency::Synchronous => assert_eq!(readable, [Read::At(latest)]),
        Consistency::MonotonicSession | Consistency::ResettableSession => {
            let ryw_floor = session.last_write.filter(|_| setting.read_your_writes);
            for read in readable {
                let Read::At(r) = read else {
                    panic!("linear histories offer single revisions, not {read}")
                };
                if let Some(seen) = seen {
                    assert!(*r > seen.newest(), "{read} is not newer than {seen}");
                }
                if let Some(w) = ryw_floor {
                    assert!(*r >= w, "{read} is older than the reader's write r{w}");
                }
            }
            if seen.is_none() {
                if setting.level == Consistency::MonotonicSession {
                    assert_eq!(readable, [Read::At(latest)]);
                } else if ryw_floor.is_none() {
                    let all: Vec<Read> = revisions.iter().copied().map(Read::At).collect();
                    assert_eq!(readable, all);
                }
            }
        }
        Consistency::OptimisticLinear => {
            let terms = terms(h);
            let term = |r: Revision| terms[(r - INITIAL_REVISION) as usize];
            for read in readable {
                let Read::At(r) = read else {
                    panic!("optimistic linear offers single revisions, not {read}")
                };
                if let Some(seen) = seen {
                    assert!(*r > seen.newest(), "{read} is not newer than {seen}");
                    assert!(
                        term(*r) >= term(seen.newest()),
                        "{read} is of an older term"
                    );
                }
            }
            if seen.is_none() {
                assert_eq!(readable.len(), revisions.len());
            }
        }
        Consistency::Informer => match seen {
            Some(read @ Read::PerKind(_)) => assert_eq!(readable, std::slice::from_ref(read)),
            _ => assert_eq!(readable, [Read::At(latest)]),
        },
        Consistency::Causal => {
            let AnyHistory::Causal(c) = h else {
                unreachable!("the setting says causal")
            };
            let heads = c.heads();
            for read in readable {
                let rs = read.revisions();
                match seen {
                    Some(seen) => {
                        for r in &rs {
                            for s in seen.revisions() {
                                assert!(!c.precedes(*r, s), "{read} goes back behind {seen}");
                            }
                        }
                        assert!(
                            rs.iter()
                                .any(|r| seen.revisions().iter().any(|s| c.precedes(*s, *r))),
                            "{read} holds nothing newer than {seen}"
                        );
                        for s in seen.revisions() {
                            assert!(
                                rs.iter().any(|r| *r == s || c.precedes(s, *r)),
                                "{read} loses r{s} of {seen}"
                            );
                        }
                    }
                    None => assert!(rs.iter().all(|r| heads.contains(r)), "{read} not heads"),
                }
            }
        }
    }
}

/// Runs the steps through a history of this setting, checking the properties at every step.
fn run(setting: ConsistencySetting, steps: &[Step]) -> AnyHistory {
    let mut h = AnyHistory::new(setting, initial());
    let mut sessions = vec![Session::default(); READERS];
    let mut seen: Vec<(Read, StateView, u64)> = Vec::new();
    let (mut commit_point, mut lost) = (INITIAL_REVISION, Vec::new());
    let linear = matches!(
        setting.level,
        Consistency::Synchronous
            | Consistency::MonotonicSession
            | Consistency::ResettableSession
            | Consistency::Informer
    );
    for step in steps {
        let session = &sessions[step.reader];
        let readable = h.readable(session);
        check_readable(&h, session, &readable);
        if !matches!(h, AnyHistory::Informer(_)) {
            // (The informer's checks cost a walk of the history per kind: once, at the end.)
            check_shape(&h, &mut commit_point, &mut lost);
        }
        if let Act::Restart = step.act {
            sessions[step.reader] = Session::default();
            continue;
        }
        if readable.is_empty() {
            continue;
        }
        let mut read = readable[step.choice % readable.len()].clone();
        if let (true, Some(other), Read::At(r)) = (linear, step.per_kind, &read) {
            let Read::At(pods_at) = readable[other % readable.len()] else {
                unreachable!("linear reads are single revisions")
            };
            let mut revisions = [*r; Kind::COUNT];
            revisions[Kind::Pod.index()] = pods_at;
            read = Read::PerKind(revisions);
        }
        let state = h.state(&read).expect("a readable read has a state");
        let again = h.state(&read).expect("a readable read has a state");
        assert_eq!(state, again);
        assert_eq!(state.fingerprint(), again.fingerprint());
        seen.push((read.clone(), state.clone(), state.fingerprint()));

        let Some(op) = operation(&state, step) else {
            continue;
        };
        sessions[step.reader].read = Some(read.clone());
        let before = h.clone();
        let before_hash = hash_of(&h);
        let latest = h.latest();
        let landing = match &h {
            AnyHistory::OptimisticLinear(o) => Some(o.landing(read.newest()).unwrap().0),
            _ => None,
        };
        let change = Change {
            operation: &op,
            read: &read,
            read_kinds: Kind::Pod.set(),
            mode: if step.atomic {
                CommitMode::Atomic
            } else {
                CommitMode::Kubernetes
            },
        };
        match h.commit(&change) {
            Ok(revision) => {
                assert!(h.latest() >= latest, "latest went from r{latest} back");
                assert_eq!(h.revisions().last(), Some(&revision), "a new revision");
                assert!(h.state(&Read::At(revision)).is_some());
                let parents = h.parents(revision);
                match setting.level {
                    Consistency::OptimisticLinear => {
                        assert_eq!(parents, vec![landing.unwrap()]);
                    }
                    Consistency::Causal => assert_eq!(parents, read.revisions()),
                    _ => {
                        assert_eq!(parents, vec![latest]);
                        assert_eq!(h.latest(), revision);
                    }
                }
                sessions[step.reader].last_write = Some(revision);
            }
            Err(_) => {
                assert!(h == before, "a rejected write changed the history");
                assert_eq!(hash_of(&h), before_hash);
            }
        }
    }
    check_shape(&h, &mut commit_point, &mut lost);
    // Revisions never change once written: every read made still sees what it saw.
    for (read, state, fingerprint) in seen {
        let now = h.state(&read).expect("a read once made stays readable");
        assert_eq!(now, state, "{read} changed");
        assert_eq!(now.fingerprint(), fingerprint);
    }
    h
}

/// Shape invariants of the branching histories, checked after every step; `lost` carries the
/// revisions found lost so far (optimistic linear: lost for good).
fn check_shape(h: &AnyHistory, commit_point: &mut Revision, lost: &mut Vec<Revision>) {
    match h {
        AnyHistory::OptimisticLinear(o) => {
            let latest = o.latest();
            assert!(!o.is_lost(latest), "the leader's tip r{latest} is lost");
            assert!(
                o.commit_point() >= *commit_point,
                "the commit point went back"
            );
            *commit_point = o.commit_point();
            assert!(o.is_ancestor_or_self(o.commit_point(), latest));
            for r in lost.iter() {
                assert!(o.is_lost(*r), "r{r} was lost and is back");
            }
            *lost = o
                .revisions()
                .into_iter()
                .filter(|r| o.is_lost(*r))
                .collect();
            let g = o.graph(&[]);
            let flagged: Vec<Revision> = g
                .nodes
                .iter()
                .filter(|n| n.lost)
                .map(|n| n.revision)
                .collect();
            assert_eq!(&flagged, lost);
        }
        AnyHistory::Causal(c) => {
            let heads = c.heads();
            assert!(heads.contains(&c.latest()));
            for (i, a) in heads.iter().enumerate() {
                for b in &heads[i + 1..] {
                    assert!(c.concurrent(*a, *b), "heads r{a} and r{b} are ordered");
                }
            }
            assert_eq!(c.graph(&[]).heads, heads);
        }
        AnyHistory::Informer(i) => {
            let latest = i.latest();
            for kind in Kind::ALL {
                let point = i.change_point(kind, latest);
                assert!(i.changed_at(kind, point));
                let now = i.state(&Read::At(latest)).unwrap();
                let then = i.state(&Read::At(point)).unwrap();
                assert!(now.same_kind(&then, kind), "{kind}s changed after r{point}");
                for from in [INITIAL_REVISION, point.saturating_sub(1), point] {
                    for to in i.cache_moves(kind, Some(from)) {
                        assert!(to > from && to <= latest && i.changed_at(kind, to));
                    }
                }
                let listed = i.cache_moves(kind, None);
                match i.relist() {
                    Relist::Latest => assert_eq!(listed, [point]),
                    Relist::AnyRevision => assert_eq!(listed.last(), Some(&point)),
                }
            }
        }
        _ => {}
    }
}

fn settings() -> Vec<ConsistencySetting> {
    let mut out = Vec::new();
    for level in Consistency::ALL {
        for read_your_writes in [false, true] {
            if read_your_writes && !level.has_sessions() {
                continue;
            }
            out.push(ConsistencySetting {
                read_your_writes,
                ..ConsistencySetting::of(level)
            });
            if level == Consistency::Informer {
                out.push(ConsistencySetting {
                    relist: Relist::Latest,
                    ..ConsistencySetting::of(level)
                });
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_history_keeps_its_promises(steps in prop::collection::vec(step(), 1..30)) {
        for setting in settings() {
            let once = run(setting, &steps);
            // Deterministic: the same steps give an equal history with an equal hash.
            let twice = run(setting, &steps);
            prop_assert!(once == twice);
            prop_assert_eq!(hash_of(&once), hash_of(&twice));
        }
    }
}
