//! The output of checks that gather many counterexamples (`orchard check --shard` and
//! `--all-counterexamples`, `orchard swarm`): the verdicts, the counterexamples grouped by
//! cause with one representative each, the representatives written as traces that `orchard
//! explore --triage DIR` lists, and the result as JSON.

use std::path::{Path, PathBuf};

use crate::explore::session::command::write_atomically;
use crate::explore::swarm::{Found, Merged, ShardResult};
use crate::explore::triage::Group;

/// The representatives' directory inside an output directory.
pub const TRIAGE_DIR: &str = "triage";

/// Writes `value` as pretty JSON to `path`, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> anyhow::Result<()> {
    // Invariant: results are plain data with string keys.
    let text = serde_json::to_string_pretty(value).expect("a result serializes") + "\n";
    write_atomically(path, &text).map_err(|e| anyhow::anyhow!("cannot write {e}"))
}

/// Reads a shard's result file.
pub fn read_result(path: &Path) -> anyhow::Result<ShardResult> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a shard result: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// The file name of group `k` (from 1) of `n` of a property: `P8-cause-1-of-3-x12.json`
/// (12 counterexamples have this cause).
pub fn group_file(group: &Group<Found>, k: usize, n: usize) -> String {
    format!("{}-cause-{k}-of-{n}-x{}.json", group.property, group.size)
}

/// Writes each group's representative into `dir` (replacing the traces of an earlier triage
/// there); returns the paths, by group.
pub fn write_representatives(dir: &Path, groups: &[Group<Found>]) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name
                .to_str()
                .is_some_and(|n| n.contains("-cause-") && n.ends_with(".json"))
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let mut paths = Vec::new();
    for g in groups {
        let same: Vec<&Group<Found>> = groups.iter().filter(|o| o.property == g.property).collect();
        let k = same.iter().position(|o| std::ptr::eq(*o, g)).unwrap_or(0) + 1;
        let path = dir.join(group_file(g, k, same.len()));
        g.representative
            .trace
            .write_to(&path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", e.path.display(), e.source))?;
        paths.push(path);
    }
    Ok(paths)
}

/// Prints the merged result: states per shard and in total, verdicts, and the causes.
pub fn print_merged(merged: &Merged, paths: &[PathBuf]) {
    println!("swarm of {}: {}", merged.shards.len(), merged.model);
    for s in &merged.shards {
        let name = s
            .shard
            .map_or("check".to_string(), |i| format!("shard {i}"));
        println!(
            "  {name}: {} states, {} counterexamples",
            s.states, s.counterexamples
        );
    }
    println!("  total: {} states", merged.states);
    print_verdicts_and_groups(merged, paths);
}

/// Prints verdicts and one representative per cause.
pub fn print_verdicts_and_groups(merged: &Merged, paths: &[PathBuf]) {
    for v in &merged.properties {
        let n = merged
            .counterexamples
            .iter()
            .filter(|f| f.property == v.property)
            .count();
        let causes = merged
            .groups
            .iter()
            .filter(|g| g.property == v.property)
            .count();
        if n == 0 {
            println!("{}: {}", v.property, v.verdict);
        } else {
            println!(
                "{}: {} ({n} counterexample{}, {causes} cause{})",
                v.property,
                v.verdict,
                plural(n),
                plural(causes)
            );
        }
    }
    for (g, path) in merged.groups.iter().zip(paths) {
        let r = &g.representative;
        let by = match (r.shard, r.seed) {
            (Some(s), Some(seed)) => format!("shard {s}, seed {seed}"),
            (Some(s), None) => format!("shard {s}, breadth-first"),
            (None, Some(seed)) => format!("seed {seed}"),
            (None, None) => "breadth-first".to_string(),
        };
        println!(
            "  {} x{}: {}\n    e.g. {} steps ({by}): {}",
            g.property,
            g.size,
            g.signature.describe(),
            r.steps,
            path.display()
        );
    }
    if let Some(dir) = paths.first().and_then(|p| p.parent()) {
        println!(
            "open the causes with: orchard explore --triage {}",
            dir.display()
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
