//! `orchard swarm MODEL --shards N (--local | --emit-job FILE)` and `orchard swarm merge DIR`:
//! N independent searches of a model (`orchard check --shard I/N`), run as processes here and
//! merged as they finish, or written as a Kubernetes Indexed Job whose pods each run one shard
//! and leave their result on a volume, for `orchard swarm merge` to join.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::Outcome;
use super::flags;
use super::load::load_model_with;
use super::signals::Signals;
use super::triage::{TRIAGE_DIR, print_merged, read_result, write_json, write_representatives};
use crate::explore::checker::DEFAULT_SIMULATION;
use crate::explore::stop::Stop;
use crate::explore::swarm::{DEFAULT_SPLIT_DEPTH, MAX_SHARDS, ShardResult, merge};

/// Arguments of `orchard swarm`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SwarmArgs {
    /// `merge DIR`: merge the shard results in a directory.
    #[command(subcommand)]
    pub command: Option<SwarmCommand>,
    /// The model file.
    #[arg(required = true)]
    pub model: Option<PathBuf>,
    /// The number of shards (1 to 10000).
    #[arg(long, required = true, value_parser = shards)]
    pub shards: Option<usize>,
    /// Run the shards as processes on this machine and merge their results as they arrive.
    #[arg(long, conflicts_with = "emit_job")]
    pub local: bool,
    /// Write a Kubernetes Indexed Job manifest (JSON) running one shard per pod to this file.
    #[arg(long, value_name = "FILE")]
    pub emit_job: Option<PathBuf>,
    /// With --local: the directory for the shards' results, logs and the merged result.
    #[arg(long, default_value = "swarm")]
    pub out: PathBuf,
    /// Each shard's time (simulation, then breadth-first search), in seconds; 10 by default.
    #[arg(long, value_parser = flags::timeout)]
    pub timeout: Option<Duration>,
    /// The depth whose states are shared out among the shards.
    #[arg(long, default_value_t = DEFAULT_SPLIT_DEPTH, value_parser = flags::max_depth)]
    pub split_depth: usize,
    /// Simulation seeds per shard.
    #[arg(long, default_value_t = 8, value_parser = flags::seeds)]
    pub seeds: u64,
    /// The first seed: shard I simulates seeds SEED+I, SEED+I+N, ...
    #[arg(long, default_value_t = 0, value_parser = flags::seed)]
    pub seed: u64,
    /// Check only this property (repeatable); the model's list by default.
    #[arg(long = "property", value_name = "ID")]
    pub properties: Vec<String>,
    /// The most steps from the initial state; the model's by default.
    #[arg(long, value_parser = flags::max_depth)]
    pub max_depth: Option<usize>,
    /// With --emit-job: the container image that has `orchard` on its PATH.
    #[arg(long, default_value = "orchard:latest")]
    pub image: String,
}

/// `orchard swarm merge`.
#[derive(Debug, clap::Subcommand)]
pub enum SwarmCommand {
    /// Merge the shard results (`shard-*.json`) in a directory: write `merged.json`, one
    /// trace per cause under `triage/`, and print the verdicts.
    Merge {
        /// The directory of the shard results.
        dir: PathBuf,
    },
}

fn shards(s: &str) -> Result<usize, String> {
    let n: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of shards"))?;
    if !(1..=MAX_SHARDS).contains(&n) {
        return Err(format!("must be from 1 to {MAX_SHARDS}, not {s}"));
    }
    Ok(n)
}

/// Runs `orchard swarm`.
pub fn run(args: &SwarmArgs) -> anyhow::Result<Outcome> {
    if let Some(SwarmCommand::Merge { dir }) = &args.command {
        return merge_dir(dir);
    }
    let (Some(model), Some(n)) = (&args.model, args.shards) else {
        bail!("orchard swarm needs a model and --shards N");
    };
    match (&args.emit_job, args.local) {
        (Some(path), false) => emit_job(args, model, n, path),
        (None, true) => local(args, model, n),
        _ => {
            bail!("say where the shards run: --local (here) or --emit-job FILE (a Kubernetes Job)")
        }
    }
}

/// The arguments of `orchard check` for shard `i` of `n`, the model at `model`, results in
/// `out` (each shard's result `shard-I.json`, its traces in `shard-I/`).
fn check_args(args: &SwarmArgs, model: &str, i: &str, n: usize, out: &str) -> Vec<String> {
    let timeout = args.timeout.unwrap_or(DEFAULT_SIMULATION).as_secs_f64();
    let mut a: Vec<String> = [
        "check",
        model,
        "--shard",
        &format!("{i}/{n}"),
        "--split-depth",
        &args.split_depth.to_string(),
        "--seeds",
        &args.seeds.to_string(),
        "--seed",
        &args.seed.to_string(),
        "--timeout",
        &format!("{timeout}"),
        "--threads",
        "1",
        "--result",
        &format!("{out}/shard-{i}.json"),
        "--trace-dir",
        &format!("{out}/shard-{i}"),
        "--progress",
        "never",
        "-q",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for p in &args.properties {
        a.push("--property".into());
        a.push(p.clone());
    }
    if let Some(d) = args.max_depth {
        a.push("--max-depth".into());
        a.push(d.to_string());
    }
    a
}

/// `--local`: the shards as child processes, merged as they finish.
fn local(args: &SwarmArgs, model: &Path, n: usize) -> anyhow::Result<Outcome> {
    // The model is loaded once here, so that a bad model is one error, not N.
    load_model_with(model, false)?;
    let stop = Stop::never();
    let signals = Signals::install(&stop)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let exe = std::env::current_exe().context("cannot find the orchard executable")?;
    let out = args.out.display().to_string();
    let model_arg = model.display().to_string();
    let mut children: Vec<Option<(usize, Child)>> = Vec::new();
    for i in 0..n {
        let log = std::fs::File::create(args.out.join(format!("shard-{i}.log")))
            .with_context(|| format!("cannot write logs in {out}"))?;
        let child = Command::new(&exe)
            .args(check_args(args, &model_arg, &i.to_string(), n, &out))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("cannot start a shard")?;
        children.push(Some((i, child)));
    }
    let started = Instant::now();
    let limit = args.timeout.unwrap_or(DEFAULT_SIMULATION) + Duration::from_secs(120);
    let mut results: Vec<ShardResult> = Vec::new();
    let mut failure = None;
    while children.iter().any(Option::is_some) {
        if stop.should_stop() || started.elapsed() > limit {
            for (_, child) in children.iter_mut().flatten() {
                let _ = child.kill();
                let _ = child.wait();
            }
            if let Some((name, code)) = signals.received() {
                eprintln!("swarm stopped by {name}");
                return Ok(Outcome::Interrupted(code));
            }
            bail!("the shards did not finish within their time and two minutes more");
        }
        for slot in children.iter_mut() {
            let Some((i, child)) = slot else { continue };
            let Some(status) = child.try_wait()? else {
                continue;
            };
            let i = *i;
            *slot = None;
            match status.code() {
                Some(0 | 1) => {
                    let result = read_result(&args.out.join(format!("shard-{i}.json")))?;
                    results.push(result);
                    progress(&results, n, started);
                }
                _ => {
                    failure.get_or_insert(format!(
                        "shard {i} failed ({status}); see {out}/shard-{i}.log"
                    ));
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Some(why) = failure {
        bail!("{why}");
    }
    finish(&args.out, results)
}

/// One line as a shard's result arrives.
fn progress(results: &[ShardResult], n: usize, started: Instant) {
    let states: usize = results.iter().map(ShardResult::states).sum();
    let found: usize = results.iter().map(|r| r.counterexamples.len()).sum();
    let mut failed: Vec<&str> = results
        .iter()
        .flat_map(|r| &r.properties)
        .filter(|p| p.verdict == "FAILED")
        .map(|p| p.property.as_str())
        .collect();
    failed.sort_unstable();
    failed.dedup();
    eprintln!(
        "swarm: {}/{n} shards done, {states} states, {found} counterexamples{} ({:.1} s)",
        results.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(", failed: {}", failed.join(", "))
        },
        started.elapsed().as_secs_f64()
    );
}

/// Merges results, writes `merged.json` and the representatives into `dir`, prints.
fn finish(dir: &Path, results: Vec<ShardResult>) -> anyhow::Result<Outcome> {
    let merged = merge(results).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    write_json(&dir.join("merged.json"), &merged)?;
    let paths = write_representatives(&dir.join(TRIAGE_DIR), &merged.groups)?;
    print_merged(&merged, &paths);
    println!("merged result: {}", dir.join("merged.json").display());
    Ok(if merged.properties.iter().any(|p| p.verdict == "FAILED") {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// `orchard swarm merge DIR`.
fn merge_dir(dir: &Path) -> anyhow::Result<Outcome> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(
            "{}: no shard results (shard-*.json) to merge",
            dir.display()
        );
    }
    let results = files
        .iter()
        .map(|f| read_result(f))
        .collect::<anyhow::Result<Vec<_>>>()?;
    finish(dir, results)
}

/// A name Kubernetes accepts (DNS-1123 label): lower case, digits and dashes, at most 40.
fn dns_name(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(40);
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "model".into() } else { s }
}

/// `--emit-job`: a List of a ConfigMap (the resolved model), a PersistentVolumeClaim (the
/// results) and an Indexed Job of N pods, each running `orchard check --shard
/// $JOB_COMPLETION_INDEX/N`.
fn emit_job(args: &SwarmArgs, model: &Path, n: usize, path: &Path) -> anyhow::Result<Outcome> {
    let file = load_model_with(model, false)?;
    let files = model_files(model)?;
    let manifest = job_manifest(args, &file.config.name, &files, n);
    write_json(path, &manifest)?;
    println!(
        "{}: an Indexed Job of {n} shards of {}; run it with `kubectl apply -f {}`, then copy \
         the results volume's files here and run `orchard swarm merge DIR`",
        path.display(),
        model.display(),
        path.display()
    );
    Ok(Outcome::Success)
}

/// The model file's text and the files it includes (`file:` entries, paths relative to the
/// model), as the ConfigMap carries them: `(path in the volume, text)`, the model first.
fn model_files(model: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(model)
        .with_context(|| format!("cannot read {}", model.display()))?;
    let dir = model.parent().map(Path::to_path_buf).unwrap_or_default();
    let included = std::cell::RefCell::new(Vec::new());
    let include = |name: &str| -> Result<String, String> {
        let text = std::fs::read_to_string(dir.join(name))
            .map_err(|e| format!("{}: {e}", dir.join(name).display()))?;
        included.borrow_mut().push((name.to_string(), text.clone()));
        Ok(text)
    };
    crate::model::config::parse_model(&text, &model.display().to_string(), &include)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut files = vec![("model.yaml".to_string(), text)];
    for (name, text) in included.into_inner() {
        if files.iter().any(|(n, _)| *n == name) {
            continue;
        }
        files.push((name, text));
    }
    Ok(files)
}

/// The manifest of `--emit-job`.
fn job_manifest(args: &SwarmArgs, model_name: &str, files: &[(String, String)], n: usize) -> Value {
    let name = format!("orchard-swarm-{}", dns_name(model_name));
    // ConfigMap keys cannot hold `/`: file K is `file-K`, mounted at its path.
    let data: serde_json::Map<String, Value> = files
        .iter()
        .enumerate()
        .map(|(k, (_, text))| (format!("file-{k}"), json!(text)))
        .collect();
    let items: Vec<Value> = files
        .iter()
        .enumerate()
        .map(|(k, (path, _))| json!({"key": format!("file-{k}"), "path": path}))
        .collect();
    let check = check_args(
        args,
        "/model/model.yaml",
        "$JOB_COMPLETION_INDEX",
        n,
        "/results",
    );
    // Exit 1 (a property failed) is a result, not a failed pod.
    let script = format!("orchard {}; [ $? -le 1 ]", check.join(" "));
    json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": format!("{name}-model")},
                "data": data,
            },
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": format!("{name}-results")},
                "spec": {
                    "accessModes": ["ReadWriteMany"],
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            },
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": name},
                "spec": {
                    "completionMode": "Indexed",
                    "completions": n,
                    "parallelism": n,
                    "backoffLimit": n,
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [{
                                "name": "shard",
                                "image": args.image,
                                "command": ["sh", "-c", script],
                                "volumeMounts": [
                                    {"name": "model", "mountPath": "/model", "readOnly": true},
                                    {"name": "results", "mountPath": "/results"},
                                ],
                            }],
                            "volumes": [
                                {"name": "model", "configMap": {"name": format!("{name}-model"), "items": items}},
                                {"name": "results", "persistentVolumeClaim": {"claimName": format!("{name}-results")}},
                            ],
                        },
                    },
                },
            },
        ],
    })
}
