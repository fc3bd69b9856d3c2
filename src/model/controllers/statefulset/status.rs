//! A StatefulSet's status, computed from the pods it claims (Kubernetes' `updateStatus` and
//! `completeRollingUpdate`).

use crate::model::resources::{Pod, Revision, StatefulSet, StatefulSetStatus};

use super::identity::pod_revision;

/// The status the set should report, from its claimed pods, its current and update revision
/// names, and the revision the controller read.
///
/// `replicas` counts every claimed pod (terminating ones too), `readyReplicas` and
/// `availableReplicas` the Running and Ready ones (the model has no clock for
/// `minReadySeconds`), `currentReplicas`/`updatedReplicas` the non-terminating pods at the
/// current/update revision. Under `RollingUpdate`, once the set has exactly `spec.replicas`
/// pods, all updated and ready, the update revision becomes the current one (Kubernetes'
/// `completeRollingUpdate`; `OnDelete` never completes).
pub fn compute(
    set: &StatefulSet,
    claimed: &[(i32, &Pod)],
    current: &str,
    update: &str,
    read: Revision,
) -> StatefulSetStatus {
    let count = |f: &dyn Fn(&Pod) -> bool| {
        i32::try_from(claimed.iter().filter(|(_, p)| f(p)).count()).unwrap_or(i32::MAX)
    };
    let live_at =
        |rev: &str| count(&|p: &Pod| !p.metadata.is_terminating() && pod_revision(p) == Some(rev));
    let mut status = StatefulSetStatus {
        observed_generation: set.metadata.generation,
        observed_revision: Some(read),
        replicas: count(&|_| true),
        ready_replicas: count(&Pod::is_running_and_ready),
        available_replicas: count(&Pod::is_running_and_ready),
        current_replicas: live_at(current),
        updated_replicas: live_at(update),
        current_revision: current.to_string(),
        update_revision: update.to_string(),
        collision_count: set.status.collision_count,
    };
    let wanted = set.replicas();
    if is_rolling_update(set)
        && status.updated_replicas == wanted
        && status.ready_replicas == wanted
        && status.replicas == wanted
    {
        status.current_replicas = status.updated_replicas;
        status.current_revision = status.update_revision.clone();
    }
    status
}

/// Whether two statuses differ in anything but `observedRevision` (which changes with every
/// read and must not by itself cause a write).
pub fn differs(a: &StatefulSetStatus, b: &StatefulSetStatus) -> bool {
    let strip = |s: &StatefulSetStatus| StatefulSetStatus {
        observed_revision: None,
        ..s.clone()
    };
    strip(a) != strip(b)
}

/// Whether the set uses the `RollingUpdate` strategy (the default).
pub fn is_rolling_update(set: &StatefulSet) -> bool {
    set.spec
        .update_strategy
        .type_
        .as_deref()
        .is_none_or(|t| t == "RollingUpdate")
}
