//! `orchard bench`: each model under each consistency level, by simulation and by BFS, each
//! case in a child process (`orchard bench-case`) so that its peak memory is its own. With
//! `--seeds N`, simulation over seeds 1..=N instead (each seed in its own child too), beside
//! one BFS case, summed up.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use super::Outcome;
use super::check::{Overrides, plan};
use super::flags;
use super::load::load_model;
use super::models::model_files;
use crate::explore::bench::seeds::{SeedRun, seed_line};
use crate::explore::bench::{BenchRow, measure, row_line, table};
use crate::explore::checker::{CheckOptions, Strategy};
use crate::model::history::Consistency;

/// Arguments of `orchard bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Model files; every file in models/ by default.
    pub models: Vec<PathBuf>,
    /// The time limit of each case (1 to 86400 seconds).
    #[arg(long, default_value_t = 5, value_parser = flags::bench_seconds)]
    pub seconds: u64,
    /// BFS worker threads (1 to 256).
    #[arg(long, default_value_t = 1, value_parser = flags::threads)]
    pub threads: usize,
    /// Only these consistency levels (repeatable); every level by default, or with `--seeds`
    /// the model's own.
    #[arg(long = "consistency", value_name = "LEVEL")]
    pub consistencies: Vec<String>,
    /// Simulate over seeds 1..=N instead: per seed the time to the violation, the
    /// counterexample's length as found and minimised, the time spent minimising; then the
    /// median time and how many seeds reach BFS's length.
    #[arg(long, value_name = "N", value_parser = flags::seeds)]
    pub seeds: Option<u64>,
    /// Print the rows as a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of one case.
#[derive(Debug, clap::Args)]
pub struct BenchCaseArgs {
    /// The model file.
    pub model: PathBuf,
    /// The consistency level.
    #[arg(long)]
    pub consistency: String,
    /// The strategy.
    #[arg(long)]
    pub strategy: String,
    /// The time limit.
    #[arg(long, value_parser = flags::bench_seconds)]
    pub seconds: u64,
    /// Worker threads.
    #[arg(long, value_parser = flags::threads)]
    pub threads: usize,
    /// The simulation's seed.
    #[arg(long, default_value_t = 0, value_parser = flags::seed)]
    pub seed: u64,
}

/// Runs every case and prints the table (or, with `--seeds`, the seed runs).
pub fn run(args: &BenchArgs) -> anyhow::Result<Outcome> {
    let models = if args.models.is_empty() {
        model_files(Path::new("models"))?
    } else {
        args.models.clone()
    };
    let mut levels = Vec::new();
    for name in &args.consistencies {
        levels.push(flags::consistency(name).map_err(|e| anyhow::anyhow!("--consistency: {e}"))?);
    }
    if let Some(seeds) = args.seeds {
        return run_seeds(args, &models, &levels, seeds);
    }
    let levels = if levels.is_empty() {
        Consistency::ALL.to_vec()
    } else {
        levels
    };
    // The name columns' widths are known before any case runs: each row is printed once, as
    // it comes, aligned with the others.
    let mut names = Vec::new();
    for model in &models {
        let config = load_model(model)?.config;
        for &level in &levels {
            let mut consistency = config.consistency;
            consistency.level = level;
            names.push((config.name.clone(), consistency.to_string()));
        }
    }
    let widths = (
        names.iter().map(|(m, _)| m.len()).max().unwrap_or(0).max(5),
        names
            .iter()
            .map(|(_, c)| c.len())
            .max()
            .unwrap_or(0)
            .max(11),
    );
    if !args.json {
        print!("{}", table(&[], widths));
    }
    let mut rows = Vec::new();
    for model in &models {
        for &level in &levels {
            for strategy in [Strategy::Simulation, Strategy::Bfs] {
                let row = child_case(args, model, level, strategy, 0)?;
                if !args.json {
                    println!("{}", row_line(&row, widths));
                }
                rows.push(row);
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    }
    Ok(Outcome::Success)
}

/// `--seeds N`: per model and level (the model's own unless given), one BFS case and a
/// simulation case per seed 1..=N.
fn run_seeds(
    args: &BenchArgs,
    models: &[PathBuf],
    levels: &[Consistency],
    seeds: u64,
) -> anyhow::Result<Outcome> {
    let mut runs = Vec::new();
    for model in models {
        let own = [load_model(model)?.config.consistency.level];
        for &level in if levels.is_empty() { &own[..] } else { levels } {
            let bfs = child_case(args, model, level, Strategy::Bfs, 0)?;
            let mut rows = Vec::new();
            if !args.json {
                print!("{}", SeedRun::heading(&bfs, seeds));
            }
            for seed in 1..=seeds {
                let row = child_case(args, model, level, Strategy::Simulation, seed)?;
                if !args.json {
                    // Each seed once, as it comes; the summary follows.
                    println!("{}", seed_line(&row));
                }
                rows.push(row);
            }
            let run = SeedRun::new(bfs, rows);
            if !args.json {
                print!("{}", run.summary.text());
            }
            runs.push(run);
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
    }
    Ok(Outcome::Success)
}

/// Runs one case in a child process and reads its row.
fn child_case(
    args: &BenchArgs,
    model: &Path,
    level: Consistency,
    strategy: Strategy,
    seed: u64,
) -> anyhow::Result<BenchRow> {
    let exe = std::env::current_exe().context("cannot find the orchard binary")?;
    let output = Command::new(&exe)
        .arg("bench-case")
        .arg(model)
        .args(["--consistency", level.name()])
        .args(["--strategy", strategy.name()])
        .args(["--seconds", &args.seconds.to_string()])
        .args(["--threads", &args.threads.to_string()])
        .args(["--seed", &seed.to_string()])
        .output()
        .context("cannot run a benchmark case")?;
    if !output.status.success() {
        bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
    }
    serde_json::from_slice(&output.stdout).context("a benchmark case printed no result")
}

/// Runs one case and prints its row as JSON.
pub fn run_case(args: &BenchCaseArgs) -> anyhow::Result<Outcome> {
    let consistency =
        flags::consistency(&args.consistency).map_err(|e| anyhow::anyhow!("--consistency: {e}"))?;
    let strategy =
        flags::strategy(&args.strategy).map_err(|e| anyhow::anyhow!("--strategy: {e}"))?;
    let file = load_model(&args.model)?;
    let overrides = Overrides {
        consistency: Some(consistency),
        strategy: Some(strategy),
        ..Overrides::default()
    };
    let plan = plan(file, &overrides)?;
    let options = CheckOptions {
        threads: args.threads,
        timeout: Some(Duration::from_secs(args.seconds)),
        seed: args.seed,
        ..plan.options.clone()
    };
    let row = measure(plan.system.clone(), plan.properties.clone(), &options);
    println!("{}", serde_json::to_string(&row)?);
    Ok(Outcome::Success)
}
