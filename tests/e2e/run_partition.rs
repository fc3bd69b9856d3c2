//! `orchard run --store etcd --start-etcd --members 3 --partition P`: a member cut from its
//! peers and healed during a live run, in network namespaces. Nothing acknowledged is lost
//! (after healing, every member holds the same history, with every write the run
//! acknowledged), the cuts are recorded as faults with a start and an end, and the steps of
//! the tasks whose caches read the cut member while the cluster moved on say so in the trace.
//!
//! The workload is the load bench's (a ReplicaSet scaled between 12 and 1 throughout the
//! run), so that the cluster keeps moving while a member is cut: a task whose member was cut
//! before it read the member's last revisions reads them while the cluster is past them.
//!
//! `#[ignore]`d: it needs root and iproute2 to make namespaces; `.ci/run` runs it where
//! `ip netns add` works: `cargo test --test e2e run_partition -- --ignored`.

use serde_json::Value;

use super::support::Scratch;

/// The steps that read a cut member while the cluster was past it: (read, cluster) revisions,
/// from describes such as `node-2 reads r22 (reads member orchard2, cut from its peers: the
/// cluster is at r26)`.
fn stale_cut_reads(trace: &Value) -> Vec<(u64, u64)> {
    let steps = trace["steps"].as_array().expect("steps");
    steps
        .iter()
        .filter_map(|s| s["describe"].as_str())
        .filter_map(|d| {
            let (before, after) = d.split_once("cut from its peers: the cluster is at r")?;
            let read = before.split_once(" reads r")?.1.split_once(' ')?.0;
            let cluster = after.trim_end_matches(|c: char| !c.is_ascii_digit());
            let cluster = cluster.split(|c: char| !c.is_ascii_digit()).next()?;
            Some((read.parse().ok()?, cluster.parse().ok()?))
        })
        .collect()
}

#[test]
#[ignore = "needs root and network namespaces (ip netns add); run by .ci/run with --ignored"]
fn a_member_cut_and_healed_loses_nothing_and_its_readers_read_stale_state() {
    if let Err(e) = orchard::store::netns::available() {
        panic!("this test needs network namespaces: {e}");
    }
    let scratch = Scratch::new();
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/run-load.yaml");
    let run = scratch.run(&[
        "run",
        model,
        "--store",
        "etcd",
        "--start-etcd",
        "--members",
        "3",
        "--partition",
        "0.3",
        "--duration",
        "6",
        "--seed",
        "3",
        "--json",
        "--trace",
        "t.json",
    ]);
    let stdout = run.stdout();
    assert!(
        run.code() == 0 || run.code() == 1,
        "{}{stdout}",
        run.stderr()
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    let last = lines.last().expect("a result line");
    let message = last["message"].as_str().unwrap();
    assert!(
        message.contains("all 3 members are at")
            && message.contains("hold the same history, with all"),
        "{message}"
    );
    let cuts = lines
        .iter()
        .filter_map(|l| l["status"]["faults_total"].as_u64())
        .max()
        .unwrap_or(0);
    assert!(cuts > 0, "no cut was recorded: {stdout}");
    let trace: Value = serde_json::from_str(&scratch.read("t.json")).expect("a JSON trace");
    let stale = stale_cut_reads(&trace);
    assert!(
        !stale.is_empty(),
        "no step read from a cut member while the cluster was past it: {trace}"
    );
    assert!(
        stale.iter().all(|(read, cluster)| read < cluster),
        "{stale:?}"
    );
}

#[test]
fn a_cut_read_is_told_from_the_describe_and_a_fresh_one_is_not() {
    let trace = serde_json::json!({"steps": [
        {"describe": "node-2 reads r22 (reads member orchard2, cut from its peers: the cluster is at r26)"},
        {"describe": "node-1 reads r14 (reads member orchard1, cut from its peers, nothing newer committed)"},
        {"describe": "scheduler reads r30"},
    ]});
    assert_eq!(stale_cut_reads(&trace), vec![(22, 26)]);
}
