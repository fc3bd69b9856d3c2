use std::sync::Arc;

use super::*;
use crate::model::config::parse_model;
use crate::model::controllers::LocalState;
use crate::model::history::{AnyHistory, Change, CommitMode};
use crate::model::resources::KindSet;
use crate::model::system::{Action, Outcome, System};

/// One node, the scheduler and a pod to place.
const MODEL: &str = r#"
name: canonical
consistency: resettable-session
controllers:
  nodes: {count: 1, capacity: {cpu: "4", memory: 8Gi, pods: 110}}
  scheduler: 1
environment: []
properties: [P8]
resources:
  - apiVersion: v1
    kind: Pod
    metadata: {name: web-0, labels: {app: web}}
    spec:
      containers:
        - name: nginx
          image: "nginx:1"
  - apiVersion: v1
    kind: Pod
    metadata: {name: api-0}
    spec:
      containers:
        - name: api
          image: "api:1"
"#;

fn system() -> System {
    let config = parse_model(MODEL, "canonical.yaml", &|_| Err("no includes".into()))
        .expect("the model loads")
        .config;
    System::new(config).expect("the system builds")
}

/// The first controller step that writes (the node registers), from the initial state.
fn scheduling(system: &System) -> crate::model::system::Transition {
    system
        .transitions(&system.initial())
        .into_iter()
        .find(|t| {
            matches!(t.outcome, Outcome::Wrote { .. }) && matches!(t.action, Action::Step { .. })
        })
        .expect("a controller writes")
}

/// The same state built another way: every revision's resources read back from their
/// Kubernetes JSON and inserted in reverse order into a history made from scratch, the write
/// committed onto it directly, and each local state rebuilt from its JSON (new allocations,
/// new shared maps, the same meaning).
fn rebuilt(system: &System, made: &SystemState) -> SystemState {
    let initial = made.history.state(&Read::At(1)).expect("revision 1");
    let mut objects: Vec<Object> = initial
        .objects()
        .iter()
        .map(|o| serde_json::from_value(serde_json::to_value(o).unwrap()).unwrap())
        .collect();
    objects.reverse();
    let mut history = AnyHistory::new(
        system.config().consistency,
        StateView::from_objects(objects),
    );
    let t = scheduling(system);
    let (Outcome::Wrote { operation, .. }, Action::Step { read, .. }) = (&t.outcome, &t.action)
    else {
        unreachable!("scheduling writes")
    };
    history
        .commit(&Change {
            operation,
            read,
            read_kinds: KindSet::default(),
            mode: CommitMode::Kubernetes,
        })
        .expect("the write commits");
    let locals = made
        .locals
        .iter()
        .map(|l| {
            let json = serde_json::to_string(l.as_ref()).unwrap();
            Arc::new(serde_json::from_str::<LocalState>(&json).unwrap())
        })
        .collect();
    SystemState {
        history,
        locals,
        env_used: made.env_used.clone(),
    }
}

#[test]
fn a_state_built_two_ways_has_one_digest() {
    let system = system();
    let made = scheduling(&system).next;
    let other = rebuilt(&system, &made);
    assert_eq!(canonical_text(&made), canonical_text(&other));
    assert_eq!(canonical_digest(&made), canonical_digest(&other));
}

#[test]
fn the_digest_tells_states_apart() {
    let system = system();
    let initial = system.initial();
    let made = scheduling(&system).next;
    assert_ne!(canonical_digest(&initial), canonical_digest(&made));
    // A local state alone (a session moved) changes the digest too.
    let mut moved = initial.clone();
    let mut local = (*moved.locals[0]).clone();
    local.session = crate::model::history::Session::at(Read::At(1));
    moved.locals[0] = Arc::new(local);
    assert_ne!(canonical_digest(&initial), canonical_digest(&moved));
}

#[test]
fn the_canonical_text_has_sorted_keys_and_sorted_resources() {
    let system = system();
    let text = canonical_text(&system.initial());
    assert!(text.starts_with(r#"{"budgets":[],"history":{"commitPoint":null,"heads":[1],"#));
    let api = text.find(r#""name":"api-0""#).expect("api-0 is there");
    let web = text.find(r#""name":"web-0""#).expect("web-0 is there");
    assert!(api < web, "pods sorted by name: {text}");
    assert!(text.ends_with(r#""locals":[{"caches":[null,null,null,null,null,null,null,null],"session":{"lastWrite":null,"read":null}},{"caches":[null,null,null,null,null,null,null,null],"session":{"lastWrite":null,"read":null}}]}"#), "{text}");
}

#[test]
fn the_digest_is_the_sha256_of_the_text() {
    // Pinned: the SHA-256 of `{}` begins 44136fa355b3678a.
    assert_eq!(digest_of_text("{}"), "44136fa355b3678a");
}
