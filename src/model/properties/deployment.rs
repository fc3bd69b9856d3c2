//! Properties of the deployment controller (dissertation §3.3.7, P1-P4). P2-P4 take the
//! `stable => p` form: a Deployment is stable when its controller observed its generation and
//! its last write is the latest revision; `p` is judged in the state at its observed revision,
//! with the Deployment as it was there.

use super::{Property, PropertyKind, at_observed_revision, stable};
use crate::model::controllers::deployment::status::is_complete;
use crate::model::controllers::deployment::util::{
    POD_TEMPLATE_HASH, equal_ignore_hash, skip_copy,
};
use crate::model::history::History;
use crate::model::resources::{Deployment, ReplicaSet};
use crate::model::state::StateView;
use crate::model::system::{System, SystemState};

/// The deployment properties.
pub const PROPERTIES: &[Property] = &[
    Property {
        id: "P1",
        text: "sometimes every Deployment is complete (updated = replicas = available = spec.replicas, generation observed)",
        kind: PropertyKind::Sometimes,
        stable_form: false,
        check: complete,
    },
    Property {
        id: "P2",
        text: "when a Deployment is stable its ReplicaSets carry its annotations (but kubectl's and the revision ones)",
        kind: PropertyKind::Always,
        stable_form: true,
        check: annotations_copied,
    },
    Property {
        id: "P3",
        text: "when a Deployment is stable its ReplicaSets have pod-template-hash in selector, labels and template labels",
        kind: PropertyKind::Always,
        stable_form: true,
        check: hash_labelled,
    },
    Property {
        id: "P4",
        text: "when a Deployment is stable, not paused and reports its rollout complete, its old ReplicaSets have no pods",
        kind: PropertyKind::Always,
        stable_form: true,
        check: old_replicasets_empty,
    },
];

fn complete(_: &System, state: &SystemState) -> bool {
    let latest = state.latest();
    latest
        .deployments
        .iter()
        .all(|d| is_complete(d, &d.status) && d.status.observed_generation == d.metadata.generation)
}

/// Each stable Deployment of the latest state as it was at its observed revision, with that
/// state. Deployments whose observed revision is unknown are left out.
fn stable_deployments(state: &SystemState) -> Vec<(Deployment, StateView)> {
    let latest_revision = state.history.latest();
    let latest = state.latest();
    latest
        .deployments
        .iter()
        .filter(|d| {
            stable(
                d.metadata.generation,
                d.status.observed_generation,
                d.metadata.resource_version,
                latest_revision,
            )
        })
        .filter_map(|d| {
            let observed = at_observed_revision(state, d.status.observed_revision)?;
            let then = observed
                .deployments
                .get(&d.metadata.name)
                .filter(|o| o.metadata.uid == d.metadata.uid)
                .cloned()
                .unwrap_or_else(|| d.clone());
            Some((then, observed))
        })
        .collect()
}

/// The ReplicaSets a Deployment controls in a state.
pub fn owned_by<'a>(d: &Deployment, state: &'a StateView) -> Vec<&'a ReplicaSet> {
    state
        .replicasets
        .iter()
        .filter(|rs| rs.metadata.is_controlled_by(&d.metadata.uid))
        .collect()
}

fn annotations_copied(_: &System, state: &SystemState) -> bool {
    stable_deployments(state).iter().all(|(d, observed)| {
        owned_by(d, observed).iter().all(|rs| {
            d.metadata
                .annotations
                .iter()
                .filter(|(k, _)| !skip_copy(k))
                .all(|(k, v)| rs.metadata.annotations.get(k) == Some(v))
        })
    })
}

/// Whether a ReplicaSet has one non-empty pod-template-hash in its labels, selector and
/// template labels.
pub fn has_hash_labels(rs: &ReplicaSet) -> bool {
    let label = rs.metadata.labels.get(POD_TEMPLATE_HASH);
    label.is_some_and(|h| !h.is_empty())
        && rs.spec.selector.match_labels.get(POD_TEMPLATE_HASH) == label
        && rs.spec.template.metadata.labels.get(POD_TEMPLATE_HASH) == label
}

fn hash_labelled(_: &System, state: &SystemState) -> bool {
    stable_deployments(state)
        .iter()
        .all(|(d, observed)| owned_by(d, observed).iter().all(|rs| has_hash_labels(rs)))
}

fn old_replicasets_empty(_: &System, state: &SystemState) -> bool {
    stable_deployments(state)
        .iter()
        .filter(|(d, _)| !d.spec.paused && is_complete(d, &d.status))
        .all(|(d, observed)| {
            owned_by(d, observed)
                .iter()
                .filter(|rs| !equal_ignore_hash(&rs.spec.template, &d.spec.template))
                .all(|rs| {
                    rs.replicas() == 0
                        && !observed
                            .pods
                            .iter()
                            .any(|p| p.is_active() && p.metadata.is_controlled_by(&rs.metadata.uid))
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::ModelConfig;
    use crate::model::controllers::ControllerSpec;
    use crate::model::history::{Change, CommitMode, Read};
    use crate::model::operation::Operation;
    use crate::model::properties::replicaset;
    use crate::model::resources::{
        Condition, Container, LabelSelector, Metadata, Object, PodPhase, PodTemplateSpec,
        ReplicaSetSpec, Resource,
    };

    fn labels(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn template(image: &str) -> PodTemplateSpec {
        let mut t = PodTemplateSpec::default();
        t.metadata.labels = labels(&[("app", "web")]).into();
        t.spec.containers.push(Container {
            name: "app".into(),
            image: image.into(),
            ..Container::default()
        });
        t
    }

    fn deployment(replicas: i32) -> Deployment {
        let mut d = Deployment {
            metadata: Metadata::named("web"),
            ..Deployment::default()
        };
        d.metadata.annotations = labels(&[("team", "blue")]).into();
        d.spec.replicas = Some(replicas);
        d.spec.selector = LabelSelector::from_labels(labels(&[("app", "web")]));
        d.spec.template = template("nginx:1");
        d
    }

    fn system(initial: Vec<Object>) -> System {
        let spec = |kind: &str| ControllerSpec {
            kind: kind.into(),
            name: kind.into(),
            node: None,
        };
        System::new(ModelConfig {
            controllers: vec![spec("deployment"), spec("replicaset")],
            initial,
            ..ModelConfig::default()
        })
        .unwrap()
    }

    /// Commits a write made from the latest revision (an environment or a test kubelet).
    fn commit(state: &mut SystemState, op: Operation) {
        let read = Read::At(state.history.latest());
        let change = Change {
            operation: &op,
            read: &read,
            read_kinds: Default::default(),
            mode: CommitMode::Kubernetes,
        };
        state.history.commit(&change).unwrap();
    }

    /// A test kubelet: the first active pod that is not Running and Ready becomes so.
    fn kubelet(state: &mut SystemState) -> bool {
        let latest = state.latest();
        let Some(pod) = latest
            .pods
            .iter()
            .find(|p| p.is_active() && !p.is_running_and_ready())
        else {
            return false;
        };
        let mut pod = pod.clone();
        pod.status.phase = PodPhase::Running;
        pod.status.conditions = vec![Condition::new("Ready", true, "")];
        commit(state, Operation::Update(pod.into_object()));
        true
    }

    fn checks(system: &System, state: &SystemState) -> Vec<&'static str> {
        PROPERTIES
            .iter()
            .chain(replicaset::PROPERTIES)
            .filter(|p| p.kind == PropertyKind::Always && !(p.check)(system, state))
            .map(|p| p.id)
            .collect()
    }

    /// Controllers (newest read) and the kubelet in rotation, checking every state; returns
    /// the final state.
    fn run(system: &System, mut state: SystemState) -> SystemState {
        for _ in 0..400 {
            let mut acted = false;
            for i in 0..system.controller_count() {
                let read = Read::At(state.history.latest());
                if let Some(t) = system.step_controller(&state, i, read) {
                    state = t.next;
                    acted = true;
                    assert_eq!(checks(system, &state), Vec::<&str>::new());
                }
            }
            if kubelet(&mut state) {
                acted = true;
                assert_eq!(checks(system, &state), Vec::<&str>::new());
            }
            if !acted {
                return state;
            }
        }
        panic!("no fixed point");
    }

    #[test]
    fn the_properties_hold_through_a_rollout_and_p1_when_it_completes() {
        let system = system(vec![deployment(3).into_object()]);
        let state = system.initial();
        assert!(!complete(&system, &state));
        let mut state = run(&system, state);
        assert!(complete(&system, &state));
        let mut d = state.latest().deployments.get("web").unwrap().clone();
        d.spec.template = template("nginx:2");
        commit(&mut state, Operation::Update(d.into_object()));
        assert!(!complete(&system, &state));
        let state = run(&system, state);
        assert!(complete(&system, &state));
        assert_eq!(state.latest().replicasets.len(), 2);
    }

    #[test]
    fn a_stable_replicaset_that_misreports_breaks_p10_and_p11() {
        let mut rs = ReplicaSet {
            metadata: Metadata::named("web"),
            spec: ReplicaSetSpec {
                replicas: Some(3),
                selector: LabelSelector::from_labels(labels(&[("app", "web")])),
                template: template("nginx:1"),
                ..ReplicaSetSpec::default()
            }
            .into(),
            ..ReplicaSet::default()
        };
        rs.status.replicas = 2;
        rs.status.observed_generation = 1;
        rs.status.observed_revision = Some(1);
        let system = system(vec![rs.into_object()]);
        let state = system.initial();
        assert_eq!(checks(&system, &state), ["P10", "P11"]);
    }

    #[test]
    fn a_stable_deployment_whose_replicaset_lacks_its_annotations_breaks_p2_and_p3() {
        let mut d = deployment(1);
        d.metadata.uid = "d".into();
        d.status.observed_generation = 1;
        d.status.observed_revision = Some(1);
        let mut rs = ReplicaSet {
            metadata: Metadata::named("web-x"),
            ..ReplicaSet::default()
        };
        rs.metadata.owner_references =
            vec![crate::model::resources::OwnerReference::controller_of(
                crate::model::resources::Kind::Deployment,
                &d.metadata,
            )];
        let system = system(vec![d.into_object(), rs.into_object()]);
        assert_eq!(checks(&system, &system.initial()), ["P2", "P3"]);
    }
}
