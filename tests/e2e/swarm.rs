//! `orchard swarm` and `orchard check --all-counterexamples`: shards run here and merged, the
//! counterexamples grouped by cause, the Kubernetes Job that runs shards elsewhere.

use std::collections::BTreeSet;

use crate::support::{Scratch, shipped_models};

fn stale_reads() -> String {
    shipped_models()
        .join("statefulset-stale-reads.yaml")
        .display()
        .to_string()
}

/// A swarm of 4 local shards finds P8 on the stale-reads model; the merged result lists every
/// counterexample with its shard and seed, each cause once with its count, and a
/// representative per cause that replays; `swarm merge` of the same directory agrees.
#[test]
fn a_local_swarm_of_4_finds_p8_and_lists_each_cause_once() {
    let s = Scratch::new();
    let model = stale_reads();
    let run = s
        .run(&[
            "swarm",
            &model,
            "--shards",
            "4",
            "--local",
            "--timeout",
            "3",
            "--seeds",
            "4",
            "--out",
            "sw",
        ])
        .expect(1);
    let out = run.stdout();
    assert!(out.contains("P8: FAILED"), "{out}");
    assert!(run.stderr().contains("4/4 shards done"), "{}", run.stderr());
    let merged: serde_json::Value = serde_json::from_str(&s.read("sw/merged.json")).unwrap();
    let shards = merged["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 4);
    let total: u64 = shards.iter().map(|s| s["states"].as_u64().unwrap()).sum();
    assert!(total > 0);
    assert_eq!(merged["states"].as_u64(), Some(total));
    let found = merged["counterexamples"].as_array().unwrap();
    assert!(!found.is_empty());
    for f in found {
        assert_eq!(f["property"], "P8");
        assert!(f["shard"].as_u64().is_some_and(|i| i < 4), "{f}");
    }
    let groups = merged["groups"].as_array().unwrap();
    let causes: BTreeSet<String> = groups.iter().map(|g| g["signature"].to_string()).collect();
    assert_eq!(causes.len(), groups.len(), "each cause once");
    let sizes: u64 = groups.iter().map(|g| g["size"].as_u64().unwrap()).sum();
    assert_eq!(sizes as usize, found.len());
    let traces: Vec<String> = std::fs::read_dir(s.path().join("sw/triage"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_str().unwrap().to_string())
        .collect();
    assert_eq!(traces.len(), groups.len());
    for t in &traces {
        assert!(t.starts_with("P8-cause-"), "{t}");
        s.run(&["replay", &format!("sw/triage/{t}")]).expect(0);
    }
    // Merging the shards' files again gives the same causes.
    s.run(&["swarm", "merge", "sw"]).expect(1);
    let again: serde_json::Value = serde_json::from_str(&s.read("sw/merged.json")).unwrap();
    assert_eq!(again["groups"], merged["groups"]);
}

#[test]
fn swarm_without_a_place_or_merge_without_results_is_bad_input() {
    let s = Scratch::new();
    let model = stale_reads();
    let err = s
        .run(&["swarm", &model, "--shards", "2"])
        .expect(2)
        .stderr();
    assert!(err.contains("--local"), "{err}");
    std::fs::create_dir_all(s.path().join("empty")).unwrap();
    let err = s.run(&["swarm", "merge", "empty"]).expect(2).stderr();
    assert!(err.contains("no shard results"), "{err}");
    let err = s
        .run(&["check", &model, "--shard", "4/4"])
        .expect(2)
        .stderr();
    assert!(err.contains("does not exist"), "{err}");
}

/// The emitted Indexed Job: one `orchard check --shard $JOB_COMPLETION_INDEX/N` per pod, the
/// model (and the files it includes) from a ConfigMap, results on a volume. kubectl's client
/// dry-run reads it and knows every object in it. `kubectl apply --dry-run=client` asks a
/// server for the live objects (and, to validate, for its OpenAPI schema), and no API server
/// is available here: `kubectl create --dry-run=client --validate=false` does the client-side
/// part alone, with the API discovery that kubectl would fetch given from its cache directory.
#[test]
fn the_emitted_job_is_read_by_kubectl_client_dry_run() {
    let s = Scratch::new();
    let model = shipped_models()
        .join("replicaset-adopt.yaml")
        .display()
        .to_string();
    s.run(&["swarm", &model, "--shards", "4", "--emit-job", "job.json"])
        .expect(0);
    let job: serde_json::Value = serde_json::from_str(&s.read("job.json")).unwrap();
    let items = job["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|i| i["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ConfigMap", "PersistentVolumeClaim", "Job"]);
    let spec = &items[2]["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    assert_eq!(spec["completions"], 4);
    let script = spec["template"]["spec"]["containers"][0]["command"][2]
        .as_str()
        .unwrap();
    assert!(
        script.contains("orchard check /model/model.yaml --shard $JOB_COMPLETION_INDEX/4"),
        "{script}"
    );
    assert!(
        script.contains("--result /results/shard-$JOB_COMPLETION_INDEX.json"),
        "{script}"
    );
    // The ConfigMap carries the model and the manifest it includes, mounted at their paths:
    // the pod's model loads and a shard runs on it.
    let data = items[0]["data"].as_object().unwrap();
    let mounted = spec["template"]["spec"]["volumes"][0]["configMap"]["items"]
        .as_array()
        .unwrap();
    for item in mounted {
        let key = item["key"].as_str().unwrap();
        s.write(
            &format!("model/{}", item["path"].as_str().unwrap()),
            data[key].as_str().unwrap(),
        );
    }
    let shard = s.run(&[
        "check",
        "model/model.yaml",
        "--shard",
        "1/4",
        "--timeout",
        "1",
        "--result",
        "r.json",
    ]);
    assert!(matches!(shard.code(), 0 | 1), "{}", shard.stderr());
    assert!(s.read("r.json").contains("\"shard\": 1"));

    let discovery = s.path().join("kube/discovery/127.0.0.1_9");
    let write = |path: &str, text: &str| {
        let file = discovery.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    };
    write(
        "servergroups.json",
        r#"{"kind":"APIGroupList","apiVersion":"v1","groups":[
            {"name":"","versions":[{"groupVersion":"v1","version":"v1"}],"preferredVersion":{"groupVersion":"v1","version":"v1"}},
            {"name":"batch","versions":[{"groupVersion":"batch/v1","version":"v1"}],"preferredVersion":{"groupVersion":"batch/v1","version":"v1"}}]}"#,
    );
    write(
        "v1/serverresources.json",
        r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
            {"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","get"]},
            {"name":"persistentvolumeclaims","singularName":"persistentvolumeclaim","namespaced":true,"kind":"PersistentVolumeClaim","verbs":["create","get"]}]}"#,
    );
    write(
        "batch/v1/serverresources.json",
        r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"batch/v1","resources":[
            {"name":"jobs","singularName":"job","namespaced":true,"kind":"Job","verbs":["create","get"]}]}"#,
    );
    let kubectl = |file: &str| {
        std::process::Command::new("kubectl")
            .args([
                "create",
                "--dry-run=client",
                "--validate=false",
                "-o",
                "name",
            ])
            .args(["--server", "http://127.0.0.1:9", "--cache-dir"])
            .arg(s.path().join("kube"))
            .args(["-f", file])
            .current_dir(s.path())
            .output()
            .expect("kubectl runs")
    };
    let out = kubectl("job.json");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("job.batch/orchard-swarm-replicaset-adopt"),
        "{stdout}"
    );
    assert!(
        stdout.contains("configmap/orchard-swarm-replicaset-adopt-model"),
        "{stdout}"
    );
    // A kind kubectl does not know is refused: the dry run reads the file for real.
    s.write(
        "bad.json",
        &s.read("job.json")
            .replace("\"kind\": \"Job\"", "\"kind\": \"Jobb\""),
    );
    assert!(!kubectl("bad.json").status.success());
}

/// `check --all-counterexamples` over many seeds groups the counterexamples by cause and
/// writes one trace per cause; under monotonic-session P8 holds and nothing is written.
#[test]
fn all_counterexamples_are_grouped_by_cause_and_none_when_the_property_holds() {
    let s = Scratch::new();
    let model = stale_reads();
    let out = s
        .run(&[
            "check",
            &model,
            "--all-counterexamples",
            "--seeds",
            "6",
            "--timeout",
            "3",
            "--trace-dir",
            "t",
            "--result",
            "r.json",
        ])
        .expect(1)
        .stdout();
    assert!(out.contains("P8: FAILED"), "{out}");
    assert!(out.contains("cause"), "{out}");
    assert!(out.contains("orchard explore --triage t/triage"), "{out}");
    let result: serde_json::Value = serde_json::from_str(&s.read("r.json")).unwrap();
    assert_eq!(result["seeds"].as_array().unwrap().len(), 6);
    assert!(!result["counterexamples"].as_array().unwrap().is_empty());
    assert!(
        std::fs::read_dir(s.path().join("t/triage"))
            .unwrap()
            .count()
            >= 1
    );

    let out = s
        .run(&[
            "check",
            &model,
            "--all-counterexamples",
            "--seeds",
            "2",
            "--timeout",
            "1",
            "--consistency",
            "monotonic-session",
            "--trace-dir",
            "u",
        ])
        .expect(0)
        .stdout();
    assert!(out.contains("P8: holds within bounds"), "{out}");
    assert!(std::fs::read_dir(s.path().join("u/triage")).map_or(0, |d| d.count()) == 0);
}
