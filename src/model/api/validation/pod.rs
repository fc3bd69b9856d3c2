//! Pods and pod templates (`ValidatePodSpec`, `ValidatePodCreate`, `ValidatePodUpdate`).

use std::collections::BTreeSet;

use super::{Cause, Causes};
use crate::model::resources::{Pod, PodSpec, PodTemplateSpec};

/// The restart policies a pod may name.
pub(super) const RESTART_POLICIES: [&str; 3] = ["Always", "OnFailure", "Never"];

/// `ValidatePodSpec` for the fields orchard models, at `path` (`spec` of a pod,
/// `spec.template.spec` of a workload). `image_required` is true for a pod: a template may
/// leave the image to higher-level tooling, as Kubernetes allows.
pub(super) fn pod_spec(spec: &PodSpec, path: &str, image_required: bool, out: &mut Causes) {
    let containers = format!("{path}.containers");
    if spec.containers.is_empty() {
        out.push(Cause::required(&containers, ""));
    }
    let mut names = BTreeSet::new();
    for (i, c) in spec.containers.iter().enumerate() {
        let at = format!("{containers}[{i}]");
        if c.name.is_empty() {
            out.push(Cause::required(&format!("{at}.name"), ""));
        } else if !names.insert(c.name.as_str()) {
            out.push(Cause::duplicate(&format!("{at}.name"), &c.name));
        }
        if image_required && c.image.trim().is_empty() {
            out.push(Cause::required(&format!("{at}.image"), ""));
        }
    }
    if let Some(policy) = &spec.restart_policy
        && !RESTART_POLICIES.contains(&policy.as_str())
    {
        out.push(Cause::not_supported(
            &format!("{path}.restartPolicy"),
            policy,
            &RESTART_POLICIES,
        ));
    }
    for (i, t) in spec.tolerations.iter().enumerate() {
        let at = format!("{path}.tolerations[{i}]");
        match t.operator.as_str() {
            "" | "Equal" if t.key.is_empty() => out.push(Cause::invalid(
                &format!("{at}.operator"),
                format!("\"{}\"", t.operator),
                "operator must be Exists when `key` is empty, which means \"match all values \
                 and all keys\"",
            )),
            "Exists" if !t.value.is_empty() => out.push(Cause::invalid(
                &format!("{at}.operator"),
                format!("\"{}\"", t.value),
                "value must be empty when `operator` is 'Exists'",
            )),
            "" | "Equal" | "Exists" => {}
            other => out.push(Cause::not_supported(
                &format!("{at}.operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        let effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
        if !t.effect.is_empty() && !effects.contains(&t.effect.as_str()) {
            out.push(Cause::not_supported(
                &format!("{at}.effect"),
                &t.effect,
                &effects,
            ));
        }
    }
}

/// A workload's template: its spec, and a restart policy among `allowed` (`Always` for the
/// apps kinds, `OnFailure` or `Never` for a Job).
pub(super) fn template(template: &PodTemplateSpec, allowed: &[&str], out: &mut Causes) {
    pod_spec(&template.spec, "spec.template.spec", false, out);
    let policy = template.spec.restart_policy.as_deref().unwrap_or("Always");
    if RESTART_POLICIES.contains(&policy) && !allowed.contains(&policy) {
        out.push(Cause::not_supported(
            "spec.template.spec.restartPolicy",
            policy,
            allowed,
        ));
    }
}

/// A pod on create (and, with [`pod_update`], on update).
pub(super) fn pod(p: &Pod, out: &mut Causes) {
    pod_spec(&p.spec, "spec", true, out);
}

/// `ValidatePodUpdate`: a pod's spec is immutable but for its containers' images and additions
/// to its tolerations. Setting `nodeName` on an unbound pod is the binding (orchard writes it
/// as an update; Kubernetes through the `binding` subresource) and is allowed; changing it once
/// set is not.
pub(super) fn pod_update(new: &Pod, old: &Pod, out: &mut Causes) {
    if new.spec == old.spec {
        return;
    }
    let (n, o) = (&*new.spec, &*old.spec);
    let images_only = n.containers.len() == o.containers.len()
        && n.containers.iter().zip(&o.containers).all(|(a, b)| {
            let mut a = a.clone();
            a.image.clone_from(&b.image);
            a == *b
        });
    let tolerations_added = n.tolerations.starts_with(&o.tolerations);
    let node_ok = n.node_name == o.node_name || o.node_name.is_none();
    let mut rest = n.clone();
    rest.containers.clone_from(&o.containers);
    rest.tolerations.clone_from(&o.tolerations);
    rest.node_name.clone_from(&o.node_name);
    if !(images_only && tolerations_added && node_ok && rest == *o) {
        out.push(Cause::forbidden(
            "spec",
            "pod updates may not change fields other than `spec.containers[*].image`, \
             `spec.tolerations` (only additions to existing tolerations) and, on an unbound \
             pod, `spec.nodeName` (the binding)",
        ));
    }
}
