//! ReplicaSets, Deployments and StatefulSets (`pkg/apis/apps/validation`).

use super::pod::template;
use super::{Cause, Causes, count, selector_selects};
use crate::model::resources::{Deployment, IntOrString, ReplicaSet, StatefulSet};

/// `ValidateReplicaSetSpec`.
pub(super) fn replicaset(r: &ReplicaSet, out: &mut Causes) {
    count("spec.replicas", r.spec.replicas, out);
    count("spec.minReadySeconds", Some(r.spec.min_ready_seconds), out);
    selector_selects(
        &r.spec.selector,
        &r.spec.template.metadata.labels,
        "replicaset",
        out,
    );
    template(&r.spec.template, &["Always"], out);
}

/// An `IntOrString` of a rolling update: a count or a percentage, not negative, and (for
/// `maxUnavailable`) not above 100%. Returns whether it is zero.
fn int_or_percent(field: &str, value: &IntOrString, at_most_100: bool, out: &mut Causes) -> bool {
    let shown = match value {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => format!("\"{s}\""),
    };
    let n = match value {
        IntOrString::Int(n) => i64::from(*n),
        IntOrString::String(s) => match s.strip_suffix('%').map(str::parse::<i64>) {
            Some(Ok(p)) => {
                if at_most_100 && p > 100 {
                    out.push(Cause::invalid(
                        field,
                        &shown,
                        "must not be greater than 100%",
                    ));
                }
                p
            }
            _ => {
                out.push(Cause::invalid(
                    field,
                    &shown,
                    "a valid percent string must be a numeric string followed by an ending '%' \
                     (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
                ));
                return false;
            }
        },
    };
    if n < 0 {
        out.push(Cause::invalid(
            field,
            &shown,
            "must be greater than or equal to 0",
        ));
    }
    n == 0
}

/// `ValidateDeploymentSpec`.
pub(super) fn deployment(d: &Deployment, out: &mut Causes) {
    let spec = &d.spec;
    count("spec.replicas", spec.replicas, out);
    selector_selects(
        &spec.selector,
        &spec.template.metadata.labels,
        "deployment",
        out,
    );
    template(&spec.template, &["Always"], out);
    match spec.strategy.type_.as_deref() {
        Some("Recreate") if spec.strategy.rolling_update.is_some() => out.push(Cause::forbidden(
            "spec.strategy.rollingUpdate",
            "may not be specified when strategy `type` is 'Recreate'",
        )),
        Some("Recreate") | None => {}
        Some("RollingUpdate") => {
            if let Some(r) = &spec.strategy.rolling_update {
                let surge_zero = r.max_surge.as_ref().is_some_and(|v| {
                    int_or_percent("spec.strategy.rollingUpdate.maxSurge", v, false, out)
                });
                let unavailable_zero = r.max_unavailable.as_ref().is_some_and(|v| {
                    int_or_percent("spec.strategy.rollingUpdate.maxUnavailable", v, true, out)
                });
                if surge_zero && unavailable_zero {
                    out.push(Cause::invalid(
                        "spec.strategy.rollingUpdate.maxUnavailable",
                        0,
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
            }
        }
        Some(other) => out.push(Cause::not_supported(
            "spec.strategy.type",
            other,
            &["Recreate", "RollingUpdate"],
        )),
    }
    count("spec.minReadySeconds", Some(spec.min_ready_seconds), out);
    count(
        "spec.revisionHistoryLimit",
        spec.revision_history_limit,
        out,
    );
    if let Some(deadline) = spec.progress_deadline_seconds {
        count("spec.progressDeadlineSeconds", Some(deadline), out);
        if deadline <= spec.min_ready_seconds {
            out.push(Cause::invalid(
                "spec.progressDeadlineSeconds",
                deadline,
                "must be greater than minReadySeconds",
            ));
        }
    }
}

/// `ValidateStatefulSetSpec`.
pub(super) fn statefulset(s: &StatefulSet, out: &mut Causes) {
    let spec = &s.spec;
    if let Some(policy) = spec.pod_management_policy.as_deref()
        && !["OrderedReady", "Parallel"].contains(&policy)
    {
        out.push(Cause::not_supported(
            "spec.podManagementPolicy",
            policy,
            &["OrderedReady", "Parallel"],
        ));
    }
    let strategy = &spec.update_strategy;
    match strategy.type_.as_deref() {
        Some("OnDelete") if strategy.rolling_update.is_some() => out.push(Cause::invalid(
            "spec.updateStrategy.rollingUpdate",
            "(set)",
            "only allowed for updateStrategy 'RollingUpdate'",
        )),
        Some("OnDelete") | None => {}
        Some("RollingUpdate") => {
            if let Some(r) = &strategy.rolling_update {
                count(
                    "spec.updateStrategy.rollingUpdate.partition",
                    r.partition,
                    out,
                );
                if let Some(v) = &r.max_unavailable
                    && int_or_percent(
                        "spec.updateStrategy.rollingUpdate.maxUnavailable",
                        v,
                        true,
                        out,
                    )
                {
                    out.push(Cause::invalid(
                        "spec.updateStrategy.rollingUpdate.maxUnavailable",
                        0,
                        "must be greater than 0",
                    ));
                }
            }
        }
        Some(other) => out.push(Cause::not_supported(
            "spec.updateStrategy.type",
            other,
            &["RollingUpdate", "OnDelete"],
        )),
    }
    count("spec.replicas", spec.replicas, out);
    count("spec.minReadySeconds", Some(spec.min_ready_seconds), out);
    count(
        "spec.revisionHistoryLimit",
        spec.revision_history_limit,
        out,
    );
    if let Some(o) = &spec.ordinals {
        count("spec.ordinals.start", Some(o.start), out);
    }
    selector_selects(
        &spec.selector,
        &spec.template.metadata.labels,
        "statefulset",
        out,
    );
    template(&spec.template, &["Always"], out);
}

/// `ValidateStatefulSetUpdate`: only `replicas`, `ordinals`, `template`, `updateStrategy`,
/// `revisionHistoryLimit`, `persistentVolumeClaimRetentionPolicy` and `minReadySeconds` may
/// change; the selector, `serviceName`, `podManagementPolicy` and the claim templates may not.
pub(super) fn statefulset_update(new: &StatefulSet, old: &StatefulSet, out: &mut Causes) {
    if new.spec == old.spec {
        return;
    }
    let mut rest = (*new.spec).clone();
    rest.replicas = old.spec.replicas;
    rest.ordinals.clone_from(&old.spec.ordinals);
    rest.template.clone_from(&old.spec.template);
    rest.update_strategy.clone_from(&old.spec.update_strategy);
    rest.revision_history_limit = old.spec.revision_history_limit;
    rest.min_ready_seconds = old.spec.min_ready_seconds;
    if rest != *old.spec {
        out.push(Cause::forbidden(
            "spec",
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', \
             'template', 'updateStrategy', 'revisionHistoryLimit', \
             'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ));
    }
}
