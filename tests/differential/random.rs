//! Random small models, each searched to completion with every reduction and without any: the
//! same verdict and shortest counterexample for every property. A failure is shrunk by
//! proptest and printed as a model file.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use proptest::test_runner::{RngSeed, TestRunner};

use crate::support::{compare, parse};

/// How many random models one run compares, and how many of them at least must be searched to
/// completion (with every reduction and without any).
const CASES: u32 = 300;
const MODELS: usize = 200;

/// A random model stops being small past this many states (either search): it is then
/// compared to the depth both covered, and not counted as complete.
const MAX_STATES: usize = 20_000;

/// The workload the model runs, with its controller.
#[derive(Clone, Debug)]
enum Workload {
    StatefulSet { replicas: u8 },
    ReplicaSet { replicas: u8 },
    Deployment { replicas: u8 },
    Job { completions: u8, parallelism: u8 },
}

/// An environment rule, each allowed once.
#[derive(Clone, Debug)]
enum Rule {
    RestartNode { node_1_only: bool },
    RestartController,
    ExpireExpectations,
    Scale { replicas: u8 },
    ChangeImage,
    MarkContainers,
}

/// A random model's shape.
#[derive(Clone, Debug)]
struct Spec {
    nodes: u8,
    scheduler: bool,
    podgc: bool,
    workload: Workload,
    rules: Vec<Rule>,
    /// An index into [`CONSISTENCY`].
    consistency: usize,
    atomic: bool,
    settled: bool,
    expectations: bool,
    staleness_guard: bool,
}

const CONSISTENCY: [&str; 10] = [
    "synchronous",
    "monotonic-session",
    "resettable-session",
    "optimistic-linear",
    "causal",
    "informer",
    "{level: informer, relist: latest}",
    "{level: informer, lag: zero}",
    "{level: monotonic-session, read-your-writes: true}",
    "{level: resettable-session, read-your-writes: true}",
];

fn workload() -> impl Strategy<Value = Workload> {
    prop_oneof![
        3 => (1u8..=2).prop_map(|replicas| Workload::StatefulSet { replicas }),
        3 => (1u8..=2).prop_map(|replicas| Workload::ReplicaSet { replicas }),
        1 => Just(Workload::Deployment { replicas: 1 }),
        2 => (1u8..=2, 1u8..=1).prop_map(|(completions, parallelism)| Workload::Job {
            completions,
            parallelism
        }),
    ]
}

fn rule() -> impl Strategy<Value = Rule> {
    prop_oneof![
        any::<bool>().prop_map(|node_1_only| Rule::RestartNode { node_1_only }),
        Just(Rule::RestartController),
        Just(Rule::ExpireExpectations),
        (0u8..=2).prop_map(|replicas| Rule::Scale { replicas }),
        Just(Rule::ChangeImage),
        Just(Rule::MarkContainers),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (
            prop_oneof![3 => Just(1u8), 1 => Just(2u8)],
            any::<bool>(),
            any::<bool>(),
        ),
        workload(),
        prop::collection::vec(rule(), 1..=1),
        0..CONSISTENCY.len(),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (nodes, no_scheduler, podgc),
                workload,
                rules,
                consistency,
                (atomic, initial, no_expectations, staleness_guard),
            )| {
                // From the initial resources only the smallest models stay small.
                let small = matches!(
                    workload,
                    Workload::StatefulSet { replicas: 1 } | Workload::ReplicaSet { replicas: 1 }
                );
                let settled = !initial || nodes == 2 || !small;
                Spec {
                    nodes,
                    // Mostly with a scheduler: without one no pod ever runs.
                    scheduler: !(no_scheduler && podgc),
                    podgc,
                    workload,
                    rules,
                    consistency,
                    atomic: atomic && consistency % 3 == 0,
                    settled,
                    expectations: !no_expectations,
                    staleness_guard,
                }
            },
        )
}

/// The model file of a spec.
fn render(spec: &Spec) -> String {
    let mut out = String::from("name: random\n");
    out.push_str(&format!(
        "start: {}\n",
        if spec.settled { "settled" } else { "initial" }
    ));
    out.push_str(&format!("consistency: {}\n", CONSISTENCY[spec.consistency]));
    out.push_str(&format!(
        "commit: {}\n",
        if spec.atomic { "atomic" } else { "kubernetes" }
    ));
    let guard = spec.staleness_guard;
    out.push_str(&format!(
        "guards: {{expectations: {}, staleness-guard: {{replicaset: {guard}, statefulset: {guard}, job: {guard}}}}}\n",
        spec.expectations
    ));
    out.push_str("controllers:\n");
    out.push_str(&format!(
        "  nodes: {{count: {}, capacity: {{cpu: \"2\", memory: 4Gi, pods: 4}}}}\n",
        spec.nodes
    ));
    if spec.scheduler {
        out.push_str("  scheduler: 1\n");
    }
    let (kind, api, target) = match spec.workload {
        Workload::StatefulSet { .. } => ("statefulset", "apps/v1", "StatefulSet"),
        Workload::ReplicaSet { .. } => ("replicaset", "apps/v1", "ReplicaSet"),
        Workload::Deployment { .. } => ("deployment", "apps/v1", "Deployment"),
        Workload::Job { .. } => ("job", "batch/v1", "Job"),
    };
    if matches!(spec.workload, Workload::Deployment { .. }) {
        out.push_str("  replicaset: 1\n");
    }
    out.push_str(&format!("  {kind}: 1\n"));
    if spec.podgc {
        out.push_str("  podgc: 1\n");
    }
    out.push_str("environment:\n");
    if spec.rules.is_empty() {
        out.truncate(out.len() - "environment:\n".len());
        out.push_str("environment: []\n");
    }
    for rule in &spec.rules {
        let text = match rule {
            Rule::RestartNode { node_1_only } => format!(
                "restart-node: {}",
                if *node_1_only { "node-1" } else { "all" }
            ),
            Rule::RestartController => "restart-controller: all".into(),
            Rule::ExpireExpectations => "expire-expectations: all".into(),
            Rule::Scale { replicas } if kind != "job" => {
                format!("scale: {target}/web\n    replicas: [{replicas}]")
            }
            Rule::Scale { .. } => "restart-controller: all".into(),
            Rule::ChangeImage => format!("change-image: {target}/web\n    images: [\"nginx:2\"]"),
            Rule::MarkContainers => "mark-containers: {succeeded: true, failed: true}".into(),
        };
        out.push_str(&format!("  - {text}\n    max: 1\n"));
    }
    out.push_str("properties: all\nresources:\n");
    out.push_str(&format!(
        "  - apiVersion: {api}\n    kind: {target}\n    metadata:\n      name: web\n      labels: {{app: web}}\n    spec:\n"
    ));
    match spec.workload {
        Workload::StatefulSet { replicas } => out.push_str(&format!(
            "      replicas: {replicas}\n      serviceName: web\n      selector:\n        matchLabels: {{app: web}}\n"
        )),
        Workload::ReplicaSet { replicas } | Workload::Deployment { replicas } => out.push_str(
            &format!("      replicas: {replicas}\n      selector:\n        matchLabels: {{app: web}}\n"),
        ),
        Workload::Job {
            completions,
            parallelism,
        } => out.push_str(&format!(
            "      completions: {completions}\n      parallelism: {parallelism}\n      backoffLimit: 1\n"
        )),
    }
    out.push_str(
        "      template:\n        metadata:\n          labels: {app: web}\n        spec:\n",
    );
    if matches!(spec.workload, Workload::Job { .. }) {
        out.push_str("          restartPolicy: Never\n");
    }
    out.push_str(
        "          containers:\n            - name: c\n              image: \"nginx:1\"\n              resources:\n                requests: {cpu: 500m, memory: 256Mi}\n",
    );
    out
}

#[test]
fn random_small_models_give_the_plain_verdicts_and_counterexample_lengths() {
    let config = ProptestConfig {
        cases: CASES,
        rng_seed: RngSeed::Fixed(15),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let complete = AtomicUsize::new(0);
    let mut runner = TestRunner::new(config);
    let result = runner.run(&spec(), |spec| {
        let text = render(&spec);
        let config = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        match compare(&config, MAX_STATES, false) {
            Ok(c) => {
                complete.fetch_add(usize::from(c.complete), Ordering::Relaxed);
                Ok(())
            }
            Err(e) => Err(TestCaseError::fail(format!(
                "{e}\n--- the model, as a file ---\n{text}"
            ))),
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let complete = complete.into_inner();
    eprintln!("{CASES} random models, {complete} of them searched to completion");
    assert!(
        complete >= MODELS,
        "{complete} of {CASES} random models searched to completion, fewer than {MODELS}"
    );
}
