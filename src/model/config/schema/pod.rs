//! core/v1 Pod and the types a pod template is made of: PodSpec, Container, Volume,
//! Toleration, PodStatus.

use super::Shape::{Count, List, Map, Object, Opaque, Value, Values};
use super::meta::{OBJECT_META, TEMPLATE_META};
use super::{Type, k, m};

/// `v1.Pod`.
pub(super) static POD: Type = Type {
    name: "Pod",
    fields: &[
        m("apiVersion", Value),
        m("kind", Value),
        m("metadata", Object(&OBJECT_META)),
        m("spec", Object(&POD_SPEC)),
        m("status", Object(&POD_STATUS)),
    ],
};

/// `v1.PodTemplateSpec`.
pub(super) static POD_TEMPLATE_SPEC: Type = Type {
    name: "PodTemplateSpec",
    fields: &[
        m("metadata", Object(&TEMPLATE_META)),
        m("spec", Object(&POD_SPEC)),
    ],
};

/// `v1.PodSpec`.
pub(super) static POD_SPEC: Type = Type {
    name: "PodSpec",
    fields: &[
        m("volumes", List(&VOLUME)),
        k("initContainers", List(&CONTAINER)),
        m("containers", List(&CONTAINER)),
        k("ephemeralContainers", Opaque),
        k("restartPolicy", Value),
        k("terminationGracePeriodSeconds", Count),
        k("activeDeadlineSeconds", Count),
        k("dnsPolicy", Value),
        m("nodeSelector", Map),
        k("serviceAccountName", Value),
        k("serviceAccount", Value),
        k("automountServiceAccountToken", Value),
        m("nodeName", Value),
        k("hostNetwork", Value),
        k("hostPID", Value),
        k("hostIPC", Value),
        k("shareProcessNamespace", Value),
        k("securityContext", Opaque),
        k("imagePullSecrets", Opaque),
        m("hostname", Value),
        m("subdomain", Value),
        k("affinity", Opaque),
        k("schedulerName", Value),
        m("tolerations", List(&TOLERATION)),
        k("hostAliases", Opaque),
        k("priorityClassName", Value),
        k("priority", Count),
        k("dnsConfig", Opaque),
        k("readinessGates", Opaque),
        k("runtimeClassName", Value),
        k("enableServiceLinks", Value),
        k("preemptionPolicy", Value),
        k("overhead", Map),
        k("topologySpreadConstraints", Opaque),
        k("setHostnameAsFQDN", Value),
        k("os", Opaque),
        k("hostUsers", Value),
        k("schedulingGates", Opaque),
        k("resourceClaims", Opaque),
        k("resources", Object(&RESOURCE_REQUIREMENTS)),
        k("hostnameOverride", Value),
        k("schedulingGroup", Opaque),
        k("evictionResponders", Opaque),
    ],
};

/// `v1.Container`.
pub(super) static CONTAINER: Type = Type {
    name: "Container",
    fields: &[
        m("name", Value),
        m("image", Value),
        k("command", Values),
        k("args", Values),
        k("workingDir", Value),
        k("ports", List(&CONTAINER_PORT)),
        k("envFrom", Opaque),
        k("env", List(&ENV_VAR)),
        m("resources", Object(&RESOURCE_REQUIREMENTS)),
        k("resizePolicy", Opaque),
        k("restartPolicy", Value),
        k("restartPolicyRules", Opaque),
        k("volumeMounts", List(&VOLUME_MOUNT)),
        k("volumeDevices", Opaque),
        k("livenessProbe", Opaque),
        k("readinessProbe", Opaque),
        k("startupProbe", Opaque),
        k("lifecycle", Opaque),
        k("terminationMessagePath", Value),
        k("terminationMessagePolicy", Value),
        k("imagePullPolicy", Value),
        k("securityContext", Opaque),
        k("stdin", Value),
        k("stdinOnce", Value),
        k("tty", Value),
    ],
};

/// `v1.ContainerPort`.
static CONTAINER_PORT: Type = Type {
    name: "ContainerPort",
    fields: &[
        k("name", Value),
        k("hostPort", Count),
        k("containerPort", Count),
        k("protocol", Value),
        k("hostIP", Value),
    ],
};

/// `v1.EnvVar`.
static ENV_VAR: Type = Type {
    name: "EnvVar",
    fields: &[k("name", Value), k("value", Value), k("valueFrom", Opaque)],
};

/// `v1.VolumeMount`.
static VOLUME_MOUNT: Type = Type {
    name: "VolumeMount",
    fields: &[
        k("name", Value),
        k("readOnly", Value),
        k("recursiveReadOnly", Value),
        k("mountPath", Value),
        k("subPath", Value),
        k("mountPropagation", Value),
        k("subPathExpr", Value),
        k("bindMountOptions", Values),
    ],
};

/// `v1.ResourceRequirements`.
pub(super) static RESOURCE_REQUIREMENTS: Type = Type {
    name: "ResourceRequirements",
    fields: &[k("limits", Map), m("requests", Map), k("claims", Opaque)],
};

/// `v1.Toleration`.
static TOLERATION: Type = Type {
    name: "Toleration",
    fields: &[
        m("key", Value),
        m("operator", Value),
        m("value", Value),
        m("effect", Value),
        k("tolerationSeconds", Count),
    ],
};

/// `v1.Volume`: a name and one of the volume sources (`v1.VolumeSource`, inlined).
static VOLUME: Type = Type {
    name: "Volume",
    fields: &[
        m("name", Value),
        k("hostPath", Opaque),
        k("emptyDir", Opaque),
        k("gcePersistentDisk", Opaque),
        k("awsElasticBlockStore", Opaque),
        k("gitRepo", Opaque),
        k("secret", Opaque),
        k("nfs", Opaque),
        k("iscsi", Opaque),
        k("glusterfs", Opaque),
        m("persistentVolumeClaim", Object(&PVC_VOLUME_SOURCE)),
        k("rbd", Opaque),
        k("flexVolume", Opaque),
        k("cinder", Opaque),
        k("cephfs", Opaque),
        k("flocker", Opaque),
        k("downwardAPI", Opaque),
        k("fc", Opaque),
        k("azureFile", Opaque),
        k("configMap", Opaque),
        k("vsphereVolume", Opaque),
        k("quobyte", Opaque),
        k("azureDisk", Opaque),
        k("photonPersistentDisk", Opaque),
        k("projected", Opaque),
        k("portworxVolume", Opaque),
        k("scaleIO", Opaque),
        k("storageos", Opaque),
        k("csi", Opaque),
        k("ephemeral", Opaque),
        k("image", Opaque),
    ],
};

/// `v1.PersistentVolumeClaimVolumeSource`.
static PVC_VOLUME_SOURCE: Type = Type {
    name: "PersistentVolumeClaimVolumeSource",
    fields: &[m("claimName", Value), k("readOnly", Value)],
};

/// `v1.PodStatus`.
static POD_STATUS: Type = Type {
    name: "PodStatus",
    fields: &[
        k("observedGeneration", Value),
        m("phase", Value),
        m("conditions", List(&POD_CONDITION)),
        k("message", Value),
        k("reason", Value),
        k("nominatedNodeName", Value),
        k("hostIP", Value),
        k("hostIPs", Opaque),
        k("podIP", Value),
        k("podIPs", Opaque),
        k("startTime", Value),
        k("initContainerStatuses", Opaque),
        m("containerStatuses", List(&CONTAINER_STATUS)),
        k("qosClass", Value),
        k("ephemeralContainerStatuses", Opaque),
        k("resize", Value),
        k("resourceClaimStatuses", Opaque),
        k("extendedResourceClaimStatus", Opaque),
        k("allocatedResources", Map),
        k("resources", Opaque),
        k("nodeAllocatableResourceClaimStatuses", Opaque),
        k("volumeHealth", Opaque),
    ],
};

/// `v1.PodCondition`.
static POD_CONDITION: Type = Type {
    name: "PodCondition",
    fields: &[
        m("type", Value),
        k("observedGeneration", Value),
        m("status", Value),
        k("lastProbeTime", Value),
        k("lastTransitionTime", Value),
        m("reason", Value),
        m("message", Value),
    ],
};

/// `v1.ContainerStatus`.
static CONTAINER_STATUS: Type = Type {
    name: "ContainerStatus",
    fields: &[
        m("name", Value),
        m("state", Object(&CONTAINER_STATE)),
        k("lastState", Opaque),
        m("ready", Value),
        k("restartCount", Count),
        k("image", Value),
        k("imageID", Value),
        k("containerID", Value),
        m("started", Value),
        k("allocatedResources", Map),
        k("resources", Opaque),
        k("volumeMounts", Opaque),
        k("user", Opaque),
        k("allocatedResourcesStatus", Opaque),
        k("stopSignal", Value),
    ],
};

/// `v1.ContainerState`.
static CONTAINER_STATE: Type = Type {
    name: "ContainerState",
    fields: &[
        m("waiting", Object(&CONTAINER_STATE_WAITING)),
        m("running", Object(&CONTAINER_STATE_RUNNING)),
        m("terminated", Object(&CONTAINER_STATE_TERMINATED)),
    ],
};

/// `v1.ContainerStateWaiting`.
static CONTAINER_STATE_WAITING: Type = Type {
    name: "ContainerStateWaiting",
    fields: &[m("reason", Value), k("message", Value)],
};

/// `v1.ContainerStateRunning`.
static CONTAINER_STATE_RUNNING: Type = Type {
    name: "ContainerStateRunning",
    fields: &[k("startedAt", Value)],
};

/// `v1.ContainerStateTerminated`.
static CONTAINER_STATE_TERMINATED: Type = Type {
    name: "ContainerStateTerminated",
    fields: &[
        m("exitCode", Value),
        k("signal", Value),
        k("reason", Value),
        k("message", Value),
        k("startedAt", Value),
        k("finishedAt", Value),
        k("containerID", Value),
    ],
};
