//! The API server's defaulting, as Kubernetes' `pkg/apis/*/v1/defaults.go` does it, for the
//! fields orchard models: applied to every object created or updated through the API and to the
//! manifests of a model file, so controllers and properties see what a real cluster stores.
//!
//! Only a field that is unset is written, and a resource's shared parts (`spec`, a template's
//! `spec`) are copied only when something in them is unset, so an object that is already
//! defaulted (a pod made from a defaulted template, an update of a stored object) costs a few
//! comparisons and no allocation.

use crate::model::resources::{
    ControllerRevision, Deployment, DeploymentStrategy, IntOrString, Job, Node, Object,
    PersistentVolumeClaim, Pod, PodSpec, PodTemplateSpec, ReplicaSet, RollingUpdateDeployment,
    RollingUpdateStatefulSetStrategy, Shared, StatefulSet,
};
use crate::with_object;

/// `RestartPolicy` when a pod spec names none (`SetDefaults_PodSpec`).
pub const RESTART_POLICY: &str = "Always";
/// `replicas` of a ReplicaSet, Deployment or StatefulSet when absent.
pub const REPLICAS: i32 = 1;
/// `revisionHistoryLimit` of a Deployment or StatefulSet when absent.
pub const REVISION_HISTORY_LIMIT: i32 = 10;
/// `progressDeadlineSeconds` of a Deployment when absent.
pub const PROGRESS_DEADLINE_SECONDS: i32 = 600;
/// `maxSurge` and `maxUnavailable` of a rolling Deployment when absent.
pub const ROLLING_PERCENT: &str = "25%";
/// `backoffLimit` of a Job when absent.
pub const BACKOFF_LIMIT: i32 = 6;

/// A kind the API server defaults.
pub trait Defaulted {
    /// Fills the unset fields as the API server does before it validates and stores it.
    fn default_fields(&mut self);
}

macro_rules! defaulted {
    ($type:ty, $f:expr) => {
        impl Defaulted for $type {
            fn default_fields(&mut self) {
                $f(self)
            }
        }
    };
}

defaulted!(Pod, default_pod);
defaulted!(ReplicaSet, default_replicaset);
defaulted!(Deployment, default_deployment);
defaulted!(StatefulSet, default_statefulset);
defaulted!(Job, default_job);
// A Node's, a ControllerRevision's (its data is stored as given) and a claim's defaults are
// all in fields orchard does not model.
defaulted!(Node, |_: &mut Node| ());
defaulted!(ControllerRevision, |_: &mut ControllerRevision| ());
defaulted!(PersistentVolumeClaim, |_: &mut PersistentVolumeClaim| ());

/// Fills the unset fields of `object` as the API server does before it validates and stores it.
pub fn default_object(object: &mut Object) {
    with_object!(object, r => r.default_fields())
}

/// Whether a pod spec lacks a default (so that the shared spec is copied only then).
fn pod_spec_needs(spec: &PodSpec) -> bool {
    spec.restart_policy.is_none()
}

fn default_pod_spec(spec: &mut Shared<PodSpec>) {
    if pod_spec_needs(spec) {
        let spec = &mut **spec;
        spec.restart_policy
            .get_or_insert_with(|| RESTART_POLICY.to_string());
    }
}

fn default_template(template: &mut PodTemplateSpec) {
    default_pod_spec(&mut template.spec);
}

/// `SetDefaults_Pod` and `SetDefaults_PodSpec`: `restartPolicy: Always`.
pub fn default_pod(pod: &mut Pod) {
    default_pod_spec(&mut pod.spec);
}

/// `SetDefaults_ReplicaSet`: `replicas: 1`; the template as a pod spec.
pub fn default_replicaset(rs: &mut ReplicaSet) {
    if rs.spec.replicas.is_none() || pod_spec_needs(&rs.spec.template.spec) {
        let spec = &mut *rs.spec;
        spec.replicas.get_or_insert(REPLICAS);
        default_template(&mut spec.template);
    }
}

fn strategy_needs(strategy: &DeploymentStrategy) -> bool {
    match strategy.type_.as_deref() {
        None => true,
        Some("RollingUpdate") => strategy
            .rolling_update
            .as_ref()
            .is_none_or(|r| r.max_surge.is_none() || r.max_unavailable.is_none()),
        Some(_) => false,
    }
}

/// `SetDefaults_Deployment`: `replicas: 1`, strategy `RollingUpdate` with `maxSurge` and
/// `maxUnavailable` 25%, `revisionHistoryLimit: 10`, `progressDeadlineSeconds: 600`.
pub fn default_deployment(d: &mut Deployment) {
    let spec = &d.spec;
    let needs = spec.replicas.is_none()
        || spec.revision_history_limit.is_none()
        || spec.progress_deadline_seconds.is_none()
        || strategy_needs(&spec.strategy)
        || pod_spec_needs(&spec.template.spec);
    if !needs {
        return;
    }
    let spec = &mut *d.spec;
    spec.replicas.get_or_insert(REPLICAS);
    let strategy = &mut spec.strategy;
    let kind = strategy
        .type_
        .get_or_insert_with(|| "RollingUpdate".to_string());
    if kind == "RollingUpdate" {
        let rolling = strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateDeployment::default);
        rolling
            .max_unavailable
            .get_or_insert_with(|| IntOrString::String(ROLLING_PERCENT.into()));
        rolling
            .max_surge
            .get_or_insert_with(|| IntOrString::String(ROLLING_PERCENT.into()));
    }
    spec.revision_history_limit
        .get_or_insert(REVISION_HISTORY_LIMIT);
    spec.progress_deadline_seconds
        .get_or_insert(PROGRESS_DEADLINE_SECONDS);
    default_template(&mut spec.template);
}

/// `SetDefaults_StatefulSet`: `replicas: 1`, `podManagementPolicy: OrderedReady`,
/// `updateStrategy` `RollingUpdate` with `partition: 0`, `revisionHistoryLimit: 10`.
/// (`maxUnavailable` is defaulted only under the alpha `MaxUnavailableStatefulSet` gate, which
/// is off by default, so it stays unset.)
pub fn default_statefulset(s: &mut StatefulSet) {
    let spec = &s.spec;
    let strategy = &spec.update_strategy;
    let rolling_needs = match strategy.type_.as_deref() {
        None => true,
        Some("RollingUpdate") => strategy
            .rolling_update
            .as_ref()
            .is_none_or(|r| r.partition.is_none()),
        Some(_) => false,
    };
    let needs = spec.replicas.is_none()
        || spec.pod_management_policy.is_none()
        || spec.revision_history_limit.is_none()
        || rolling_needs
        || pod_spec_needs(&spec.template.spec);
    if !needs {
        return;
    }
    let spec = &mut *s.spec;
    spec.replicas.get_or_insert(REPLICAS);
    spec.pod_management_policy
        .get_or_insert_with(|| "OrderedReady".to_string());
    let strategy = &mut spec.update_strategy;
    let kind = strategy
        .type_
        .get_or_insert_with(|| "RollingUpdate".to_string());
    if kind == "RollingUpdate" {
        strategy
            .rolling_update
            .get_or_insert_with(RollingUpdateStatefulSetStrategy::default)
            .partition
            .get_or_insert(0);
    }
    spec.revision_history_limit
        .get_or_insert(REVISION_HISTORY_LIMIT);
    default_template(&mut spec.template);
}

/// `SetDefaults_Job`: `completions` and `parallelism` 1 when both are absent, else
/// `parallelism` 1 when absent; `backoffLimit: 6`; `completionMode: NonIndexed`;
/// `suspend: false`; the job's labels from its template's when it has none. (The selector is
/// generated from the uid by the Job strategy on create, not here.)
pub fn default_job(j: &mut Job) {
    let spec = &j.spec;
    let needs = spec.parallelism.is_none()
        || spec.backoff_limit.is_none()
        || spec.completion_mode.is_none()
        || spec.suspend.is_none()
        || pod_spec_needs(&spec.template.spec);
    if needs {
        let spec = &mut *j.spec;
        if spec.completions.is_none() && spec.parallelism.is_none() {
            spec.completions = Some(1);
        }
        spec.parallelism.get_or_insert(1);
        spec.backoff_limit.get_or_insert(BACKOFF_LIMIT);
        spec.completion_mode
            .get_or_insert_with(|| "NonIndexed".to_string());
        spec.suspend.get_or_insert(false);
        default_template(&mut spec.template);
    }
    if j.metadata.labels.is_empty() && !j.spec.template.metadata.labels.is_empty() {
        j.metadata.labels = j.spec.template.metadata.labels.clone();
    }
}

#[cfg(test)]
#[path = "defaults_tests.rs"]
mod tests;
