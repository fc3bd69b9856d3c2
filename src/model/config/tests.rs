//! Tests of model loading: good models resolve, bad ones name file, line and field, and every
//! shipped model builds a system.

use super::*;
use crate::model::environment::{EnvironmentOp, Target, Who};
use crate::model::history::{CommitMode, Consistency, Relist};
use crate::model::resources::{Kind, Object};
use crate::model::system::System;

/// The files a test can include: `manifests/web.yaml` and `manifests/broken.yaml`.
fn files(path: &str) -> Result<String, String> {
    match path {
        "manifests/web.yaml" => Ok(WEB_FILE.to_string()),
        "manifests/broken.yaml" => Ok(BROKEN_FILE.to_string()),
        "manifests/sparse.yaml" => Ok(SPARSE_FILE.to_string()),
        "manifests/nested.yaml" => Ok("file: manifests/web.yaml\n".to_string()),
        _ => Err(format!("no such file: {path}")),
    }
}

const WEB_FILE: &str = "\
# two documents
apiVersion: v1
kind: Pod
metadata: {name: stray, labels: {app: web}}
spec:
  containers: [{name: c, image: 'nginx:1', command: [sleep]}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: 'nginx:1', livenessProbe: {httpGet: {path: /}}}]
";

const BROKEN_FILE: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: a}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: many
";

const SPARSE_FILE: &str = "\
---
# a comment-only document
---
---
apiVersion: v1
kind: Pod
metadata: {name: only}
...
";

const GOOD: &str = "\
name: good
description: >
  A model that uses every part of the format.
consistency: {level: monotonic-session, read-your-writes: true}
commit: atomic
controllers:
  podgc: 1
  nodes:
    - name: big
      capacity: {cpu: '8', pods: 10}
      labels: {zone: a}
    - small
  scheduler: 2
  statefulset: 1
  replicaset: 1
environment:
  - scale: StatefulSet/web
    replicas: [3, 0]
    max: 2
  - change-image: ReplicaSet/rs
    images: ['nginx:2']
  - restart-controller: scheduler-2
  - restart-node: all
    max: 0
  - mark-containers: {succeeded: true}
  - expire-expectations: replicaset
properties: [P8]
checker: {strategy: dfs, max-depth: 12}
resources:
  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web}
    spec:
      replicas: 1
      serviceName: web
      selector: {matchLabels: {app: db}}
      template:
        metadata: {labels: {app: db}}
        spec:
          containers:
            - name: db
              image: 'db:1'
              ports: [{containerPort: 5432}]
            - name: side
              image: 'side:1'
              ports: [{containerPort: 9000}]
      volumeClaimTemplates:
        - metadata: {name: data}
          spec:
            volumeMode: Filesystem
            accessModes: [ReadWriteOnce]
            resources: {requests: {storage: 1Gi}}
  - file: manifests/web.yaml
";

#[test]
fn a_good_model_resolves_every_part() {
    let loaded = parse_model(GOOD, "models/good.yaml", &files).unwrap();
    let c = &loaded.config;
    assert_eq!(c.name, "good");
    assert_eq!(c.description, "A model that uses every part of the format.");
    assert_eq!(c.headline(), "A model that uses every part of the format.");
    assert_eq!(c.consistency.level, Consistency::MonotonicSession);
    assert!(c.consistency.read_your_writes);
    assert_eq!(c.commit, CommitMode::Atomic);
    let names: Vec<(&str, &str)> = c
        .controllers
        .iter()
        .map(|s| (s.kind.as_str(), s.name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("scheduler", "scheduler-1"),
            ("scheduler", "scheduler-2"),
            ("node", "big"),
            ("node", "small"),
            ("replicaset", "replicaset"),
            ("statefulset", "statefulset"),
            ("podgc", "podgc"),
        ]
    );
    let big = c.controllers[2].node.as_ref().unwrap();
    assert_eq!(big.labels["zone"], "a");
    assert_eq!(big.capacity["pods"].to_string(), "10");
    assert_eq!(c.controllers[3].node.as_ref().unwrap(), &Default::default());
    assert!(c.controllers[0].node.is_none());
    assert_eq!(c.environment.len(), 6);
    assert_eq!(
        c.environment[0].op,
        EnvironmentOp::Scale {
            target: Target {
                kind: Kind::StatefulSet,
                name: "web".into()
            },
            replicas: vec![3, 0],
        }
    );
    assert_eq!(c.environment[0].max, 2);
    assert_eq!(c.environment[1].max, 1, "max defaults to 1");
    assert_eq!(
        c.environment[2].op,
        EnvironmentOp::RestartController {
            who: Who::Named("scheduler-2".into())
        }
    );
    assert_eq!(
        c.environment[3].op,
        EnvironmentOp::RestartNode { who: Who::All }
    );
    assert_eq!(c.environment[3].max, 0);
    assert_eq!(
        c.environment[4].op,
        EnvironmentOp::MarkContainers {
            succeeded: true,
            failed: false
        }
    );
    assert_eq!(
        c.environment[5].op,
        EnvironmentOp::ExpireExpectations {
            who: Who::Named("replicaset".into())
        }
    );
    assert_eq!(c.properties, vec!["P8"]);
    assert_eq!(c.checker.strategy, "dfs");
    assert_eq!(c.checker.max_depth, 12);
    let kinds: Vec<(Kind, &str)> = c.initial.iter().map(|o| (o.kind(), o.name())).collect();
    assert_eq!(
        kinds,
        vec![
            (Kind::StatefulSet, "web"),
            (Kind::Pod, "stray"),
            (Kind::ReplicaSet, "rs")
        ]
    );
    let Object::StatefulSet(web) = &c.initial[0] else {
        panic!("not a StatefulSet")
    };
    assert_eq!(web.spec.volume_claim_templates[0].metadata.name, "data");
    assert_eq!(
        c.summary(),
        "monotonic-session (read-your-writes), atomic commit, 7 controllers, \
         6 environment rules, 3 resources"
    );
    System::new(loaded.config.clone()).unwrap();
}

#[test]
fn a_good_model_round_trips_through_json() {
    // A trace embeds its model as JSON: what is loaded must come back unchanged.
    let config = parse_model(GOOD, "models/good.yaml", &files)
        .unwrap()
        .config;
    let json = serde_json::to_string(&config).unwrap();
    let back: ModelConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, config);
}

#[test]
fn a_good_model_round_trips_through_its_own_format() {
    let config = parse_model(GOOD, "models/good.yaml", &files)
        .unwrap()
        .config;
    let text = render_model(&config).unwrap();
    let back =
        parse_model(&text, "rendered.yaml", &no_files).unwrap_or_else(|e| panic!("{e}\n{text}"));
    // Only the fields orchard keeps without modelling them (a claim's access modes) are
    // reported again.
    let paths: Vec<&str> = back.ignored.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        ["spec.volumeClaimTemplates[0].spec.accessModes"],
        "{:?}",
        back.ignored
    );
    assert_eq!(back.config, config, "{text}");
    // And once more: the rendering is stable.
    assert_eq!(render_model(&back.config).unwrap(), text);
}

fn no_files(path: &str) -> Result<String, String> {
    Err(format!("no file {path}"))
}

#[test]
fn an_informer_model_round_trips() {
    let text = "name: i\nconsistency: {level: informer, relist: latest}\n";
    let config = parse_model(text, "i.yaml", &no_files).unwrap().config;
    assert_eq!(config.consistency.level, Consistency::Informer);
    assert_eq!(config.consistency.relist, Relist::Latest);
    let rendered = render_model(&config).unwrap();
    assert_eq!(
        parse_model(&rendered, "i.yaml", &no_files).unwrap().config,
        config
    );
}

#[test]
fn guards_load_and_round_trip() {
    let text = "name: g\nguards: {expectations: false, staleness-guard: {replicaset: false}}\n";
    let config = parse_model(text, "g.yaml", &no_files).unwrap().config;
    assert!(!config.guards.expectations);
    assert!(!config.guards.staleness_guard_of("replicaset", true));
    assert!(config.guards.staleness_guard_of("job", true));
    let rendered = render_model(&config).unwrap();
    assert_eq!(
        parse_model(&rendered, "g.yaml", &no_files).unwrap().config,
        config
    );
}

#[test]
fn ignored_fields_are_reported_once_each_with_file_and_line() {
    let loaded = parse_model(GOOD, "models/good.yaml", &files).unwrap();
    let found: Vec<(String, Option<u32>, String)> = loaded
        .ignored
        .iter()
        .map(|i| (i.file.clone(), i.position.map(|p| p.line), i.to_string()))
        .collect();
    let expect =
        |file: &str, line: u32, text: &str| (file.to_string(), Some(line), text.to_string());
    assert_eq!(
        found,
        vec![
            expect(
                "models/good.yaml",
                43,
                "StatefulSet/web: spec.template.spec.containers[0].ports"
            ),
            expect(
                "models/good.yaml",
                46,
                "StatefulSet/web: spec.template.spec.containers[1].ports"
            ),
            expect(
                "models/good.yaml",
                50,
                "StatefulSet/web: spec.volumeClaimTemplates[0].spec.volumeMode"
            ),
            expect(
                "models/good.yaml",
                51,
                "StatefulSet/web: spec.volumeClaimTemplates[0].spec.accessModes"
            ),
            expect(
                "models/manifests/web.yaml",
                6,
                "Pod/stray: spec.containers[0].command"
            ),
            expect(
                "models/manifests/web.yaml",
                17,
                "ReplicaSet/rs: spec.template.spec.containers[0].livenessProbe"
            ),
        ]
    );
}

/// A bad model: its text, and the file, line and field the error must name, and a part of its
/// message.
struct Bad {
    text: &'static str,
    file: &'static str,
    line: u32,
    field: &'static str,
    message: &'static str,
}

const STS: &str = "  - apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: web}
    spec:
      replicas: 1
      serviceName: web
      selector: {matchLabels: {a: b}}
      template: {metadata: {labels: {a: b}}}
";

fn with_sts(head: &str) -> String {
    format!("{head}resources:\n{STS}")
}

const BAD: &[Bad] = &[
    Bad {
        text: "description: no name\n",
        file: "m.yaml",
        line: 1,
        field: "name",
        message: "missing field `name`",
    },
    Bad {
        text: "name: m\ncontrollers:\n  nodes:\n    - capacity: {cpu: '1'}\n",
        file: "m.yaml",
        line: 4,
        field: "controllers.nodes[0].name",
        message: "missing field `name`",
    },
    Bad {
        text: "name: m\ncontrollers:\n  scheduler: 1\n  scheduler: 2\n",
        file: "m.yaml",
        line: 4,
        field: "controllers.scheduler",
        message: "duplicate key `scheduler`",
    },
    Bad {
        text: "name: m\ncontrollers:\n  scheduler: one\n",
        file: "m.yaml",
        line: 3,
        field: "controllers.scheduler",
        message: "expected a count, a list of names",
    },
    Bad {
        text: "name: m\nresources:\n  - kind: Pod\n    metadata: {name: p}\n    spec: {containers: [{name: c, resources: {requests: {cpu: lots}}}]}\n",
        file: "m.yaml",
        line: 5,
        field: "resources[0].spec.containers[0].resources.requests.cpu",
        message: "`lots` is not a quantity",
    },
    Bad {
        text: "name: m\nconsistancy: synchronous\n",
        file: "m.yaml",
        line: 2,
        field: "consistancy",
        message: "unknown field `consistancy`",
    },
    Bad {
        text: "name: m\nconsistency: eventual\n",
        file: "m.yaml",
        line: 2,
        field: "consistency",
        message: "unknown consistency `eventual` (known: synchronous, monotonic-session, \
                  resettable-session, optimistic-linear, causal, informer)",
    },
    Bad {
        text: "name: m\nconsistency:\n  level: causal\n  read-your-write: true\n",
        file: "m.yaml",
        line: 4,
        field: "consistency.read-your-write",
        message: "unknown field `read-your-write`",
    },
    Bad {
        text: "name: m\nconsistency: {level: causal, read-your-writes: true}\n",
        file: "m.yaml",
        line: 2,
        field: "consistency.read-your-writes",
        message: "session levels only",
    },
    Bad {
        text: "name: m\nconsistency: {level: causal, relist: latest}\n",
        file: "m.yaml",
        line: 2,
        field: "consistency.relist",
        message: "relist applies to the informer level only, not causal",
    },
    Bad {
        text: "name: m\nconsistency:\n  level: informer\n  relist: sometimes\n",
        file: "m.yaml",
        line: 4,
        field: "consistency.relist",
        message: "unknown relist `sometimes` (known: any-revision, latest)",
    },
    Bad {
        text: "name: m\ncontrollers: {nodes: 1}\nenvironment:\n  - expire-expectations: node-1\n",
        file: "m.yaml",
        line: 4,
        field: "environment[0].expire-expectations",
        message: "`node-1` is a node",
    },
    Bad {
        text: "name: m\ncommit: eventually\n",
        file: "m.yaml",
        line: 2,
        field: "commit",
        message: "unknown commit mode `eventually` (known: kubernetes, atomic)",
    },
    Bad {
        text: "name: m\ncontrollers:\n  scheduler: 1\n  daemonset: 1\n",
        file: "m.yaml",
        line: 4,
        field: "controllers.daemonset",
        message: "unknown controller kind `daemonset` (known: scheduler, nodes,",
    },
    Bad {
        text: "name: m\ncontrollers:\n  scheduler: -1\n",
        file: "m.yaml",
        line: 3,
        field: "controllers.scheduler",
        message: "count must not be negative (-1)",
    },
    Bad {
        text: "name: m\ncontrollers:\n  nodes: {count: -2}\n",
        file: "m.yaml",
        line: 3,
        field: "controllers.nodes.count",
        message: "count must not be negative (-2)",
    },
    Bad {
        text: "name: m\ncontrollers:\n  nodes: {count: 2, capacty: {cpu: '1'}}\n",
        file: "m.yaml",
        line: 3,
        field: "controllers.nodes.capacty",
        message: "unknown field `capacty`",
    },
    Bad {
        text: "name: m\nproperties: [P8, P99]\n",
        file: "m.yaml",
        line: 2,
        field: "properties[1]",
        message: "unknown property `P99` (known: P8",
    },
    Bad {
        text: "name: m\nchecker: {strategy: astar}\n",
        file: "m.yaml",
        line: 2,
        field: "checker.strategy",
        message: "unknown strategy `astar` (known: bfs, dfs, simulation)",
    },
    Bad {
        text: "name: m\nchecker: {max-depth: -3}\n",
        file: "m.yaml",
        line: 2,
        field: "checker.max-depth",
        message: "must not be negative (-3)",
    },
    Bad {
        text: "name: m\nresources:\n  - apiVersion: apps/v1\n    kind: StatefullSet\n    metadata: {name: web}\n",
        file: "m.yaml",
        line: 4,
        field: "resources[0].kind",
        message: "unknown kind `StatefullSet` (known: Node, Pod,",
    },
    Bad {
        text: "name: m\nresources:\n  - apiVersion: v1\n    metadata: {name: web}\n",
        file: "m.yaml",
        line: 3,
        field: "resources[0].kind",
        message: "a manifest needs a `kind`",
    },
    Bad {
        text: "name: m\nresources:\n  - apiVersion: apps/v1\n    kind: Job\n    metadata: {name: j}\n",
        file: "m.yaml",
        line: 3,
        field: "resources[0].apiVersion",
        message: "`apps/v1` is not the apiVersion of Job (write batch/v1)",
    },
    Bad {
        text: "name: m\nresources:\n  - kind: Pod\n    metadata: {name: p}\n  - kind: Pod\n    metadata: {name: p}\n",
        file: "m.yaml",
        line: 6,
        field: "resources[1].metadata.name",
        message: "duplicate Pod `p` (first at m.yaml:4:16)",
    },
    Bad {
        text: "name: m\nresources:\n  - kind: ReplicaSet\n    metadata: {name: rs}\n    spec:\n      replicas: -1\n      selector: {matchLabels: {a: b}}\n",
        file: "m.yaml",
        line: 6,
        field: "resources[0].spec.replicas",
        message: "must not be negative (-1)",
    },
    Bad {
        text: "name: m\nresources:\n  - kind: ReplicaSet\n    metadata: {name: rs}\n    spec:\n      replicas: three\n",
        file: "m.yaml",
        line: 6,
        field: "resources[0].spec.replicas",
        message: "expected a whole number",
    },
    Bad {
        text: "name: m\nresources:\n  - kind: ReplicaSet\n    metadata: {name: rs}\n    spec:\n      selector: {matchLabels: {app: a}}\n      template: {metadata: {labels: {app: b}}}\n",
        file: "m.yaml",
        line: 6,
        field: "resources[0].spec.selector",
        message: "the selector does not match the template's labels",
    },
    Bad {
        text: "name: m\nresources:\n  - kind: Deployment\n    metadata: {name: d}\n    spec: {replicas: 1}\n",
        file: "m.yaml",
        line: 5,
        field: "resources[0].spec.selector",
        message: "a workload needs a non-empty selector",
    },
    Bad {
        text: "name: m\nresources:\n  - file: manifests/missing.yaml\n",
        file: "m.yaml",
        line: 3,
        field: "resources[0].file",
        message: "cannot read `manifests/missing.yaml`: no such file: manifests/missing.yaml",
    },
    Bad {
        text: "name: m\nresources:\n  - file: manifests/web.yaml\n    kind: Pod\n",
        file: "m.yaml",
        line: 4,
        field: "resources[0].kind",
        message: "unknown field `kind`",
    },
    Bad {
        text: "name: m\nresources:\n  - file: manifests/broken.yaml\n",
        file: "manifests/broken.yaml",
        line: 9,
        field: "spec.replicas",
        message: "expected a whole number",
    },
    Bad {
        text: "name: m\nresources:\n  - file: manifests/web.yaml\n  - kind: Pod\n    metadata: {name: stray}\n",
        file: "m.yaml",
        line: 5,
        field: "resources[1].metadata.name",
        message: "duplicate Pod `stray` (first at manifests/web.yaml:4:12)",
    },
    Bad {
        text: "name: m\nenvironment:\n  - change-image: StatefulSet/db\n    images: [x]\n",
        file: "m.yaml",
        line: 3,
        field: "environment[0].change-image",
        message: "unknown environment target: no StatefulSet `db` among the resources",
    },
    Bad {
        text: "name: m\nenvironment:\n  - change-image: StatefulSet/web\n    images: [x]\n",
        file: "m.yaml",
        line: 3,
        field: "environment[0].change-image",
        message: "StatefulSet/web has no container whose image could change",
    },
    Bad {
        text: "name: m\nenvironment:\n  - scale: Job/web\n    replicas: [1]\n",
        file: "m.yaml",
        line: 3,
        field: "environment[0].scale",
        message: "`scale` takes a StatefulSet or Deployment or ReplicaSet, not `Job`",
    },
    Bad {
        text: "name: m\nenvironment:\n  - scale: StatefulSet/web\n    replicas: [2, -1]\n",
        file: "m.yaml",
        line: 4,
        field: "environment[0].replicas[1]",
        message: "replicas must be a count from 0 (-1)",
    },
    Bad {
        text: "name: m\nenvironment:\n  - restart-node: all\n    maxx: 2\n",
        file: "m.yaml",
        line: 4,
        field: "environment[0].maxx",
        message: "unknown field `maxx`",
    },
    Bad {
        text: "name: m\nenvironment:\n  - restart-node: all\n    max: -1\n",
        file: "m.yaml",
        line: 4,
        field: "environment[0].max",
        message: "must be a count from 0 (-1)",
    },
    Bad {
        text: "name: m\nenvironment:\n  - restart-node: all\n    restart-controller: all\n",
        file: "m.yaml",
        line: 4,
        field: "environment[0].restart-controller",
        message: "one operation per rule",
    },
    Bad {
        text: "name: m\ncontrollers: {nodes: 1, scheduler: 1}\nenvironment:\n  - restart-node: scheduler\n",
        file: "m.yaml",
        line: 4,
        field: "environment[0].restart-node",
        message: "`scheduler` is not a node",
    },
    Bad {
        text: "name: m\ncontrollers: {nodes: 1}\nenvironment:\n  - restart-controller: kubelet\n",
        file: "m.yaml",
        line: 4,
        field: "environment[0].restart-controller",
        message: "unknown controller: `kubelet`",
    },
    Bad {
        text: "name: m\nenvironment:\n  - toggle-pause: web\n",
        file: "m.yaml",
        line: 3,
        field: "environment[0].toggle-pause",
        message: "no Deployment `web` among the resources (there is no Deployment)",
    },
    Bad {
        text: "name: m\nenvironment:\n  - mark-containers: {}\n",
        file: "m.yaml",
        line: 3,
        field: "environment[0].mark-containers",
        message: "offer `succeeded: true`",
    },
    Bad {
        text: "name: m\nenvironment:\n  - max: 2\n",
        file: "m.yaml",
        line: 3,
        field: "environment[0]",
        message: "a rule needs one operation",
    },
    Bad {
        text: "name: m\nguards:\n  staleness-guard: {scheduler: false}\n",
        file: "m.yaml",
        line: 3,
        field: "guards.staleness-guard.scheduler",
        message: "has no staleness guard",
    },
    Bad {
        text: "name: m\nguards: {expectation: false}\n",
        file: "m.yaml",
        line: 2,
        field: "guards.expectation",
        message: "unknown field",
    },
    Bad {
        text: "name: m\nenvironment: [{scale: x\n",
        file: "m.yaml",
        line: 2,
        field: "environment",
        message: "unclosed bracket",
    },
];

#[test]
fn bad_models_name_file_line_and_field() {
    let mut failures = Vec::new();
    for (i, bad) in BAD.iter().enumerate() {
        let text = if bad.text.contains("StatefulSet/") {
            with_sts(bad.text)
        } else {
            bad.text.to_string()
        };
        let e = match parse_model(&text, "m.yaml", &files) {
            Ok(_) => {
                failures.push(format!("case {i}: loaded, expected an error"));
                continue;
            }
            Err(e) => e,
        };
        let shown = e.to_string();
        let ok = e.file() == bad.file
            && e.line() == Some(bad.line)
            && e.field() == bad.field
            && e.message().contains(bad.message)
            && shown.starts_with(&format!("{}:{}:", bad.file, bad.line));
        if !ok {
            failures.push(format!(
                "case {i}: got {shown:?} (file {}, line {:?}, field {:?}), expected {}:{} field {:?} with {:?}",
                e.file(),
                e.line(),
                e.field(),
                bad.file,
                bad.line,
                bad.field,
                bad.message
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn included_files_may_hold_empty_and_comment_documents() {
    let text = "name: m\nresources:\n  - file: manifests/sparse.yaml\n";
    let loaded = parse_model(text, "models/m.yaml", &files).unwrap();
    let names: Vec<&str> = loaded.config.initial.iter().map(|o| o.name()).collect();
    assert_eq!(names, vec!["only"]);
}

#[test]
fn an_included_file_cannot_include_another() {
    let text = "name: m\nresources:\n  - file: manifests/nested.yaml\n";
    let e = parse_model(text, "models/m.yaml", &files).unwrap_err();
    assert_eq!(e.file(), "models/manifests/nested.yaml");
    assert_eq!((e.line(), e.field()), (Some(1), "file"));
    assert!(e.message().contains("cannot include another"), "{e}");
}

#[test]
fn an_empty_model_says_so() {
    for text in ["", "# only a comment\n"] {
        let e = parse_model(text, "m.yaml", &files).unwrap_err();
        assert_eq!(e.file(), "m.yaml");
        assert_eq!(e.line(), Some(1));
        assert!(e.message().contains("empty"), "{e}");
    }
}

#[test]
fn every_shipped_model_loads_and_builds_a_system() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 10, "expected the shipped models in {dir:?}");
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let origin = format!("models/{}", path.file_name().unwrap().to_string_lossy());
        let include =
            |file: &str| std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string());
        let loaded = parse_model(&text, &origin, &include).unwrap_or_else(|e| panic!("{e}"));
        let stem = path.file_stem().unwrap().to_string_lossy();
        assert_eq!(loaded.config.name, stem, "{origin}: name and file differ");
        assert!(
            loaded.config.description.len() > 80,
            "{origin}: say what the model shows"
        );
        assert!(!loaded.config.initial.is_empty(), "{origin}: no resources");
        let system = System::new(loaded.config).unwrap_or_else(|e| panic!("{origin}: {e}"));
        assert!(system.controller_count() >= 2, "{origin}");
        system.initial();
        let rendered = render_model(system.config()).unwrap();
        let back = parse_model(&rendered, &origin, &no_files).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            &back.config,
            system.config(),
            "{origin} does not round trip"
        );
    }
}
