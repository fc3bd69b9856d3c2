//! `orchard bench`: each model under each consistency level, by simulation and by BFS, each
//! case in a child process (`orchard bench-case`) so that its peak memory is its own.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use super::Outcome;
use super::check::{Overrides, plan};
use super::load::load_model;
use super::models::model_files;
use crate::explore::bench::{BenchRow, measure, row_line, table, widths};
use crate::explore::checker::{CheckOptions, Strategy};
use crate::model::history::Consistency;

/// Arguments of `orchard bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Model files; every file in models/ by default.
    pub models: Vec<PathBuf>,
    /// The time limit of each case.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
    /// BFS worker threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
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
    #[arg(long)]
    pub seconds: u64,
    /// Worker threads.
    #[arg(long)]
    pub threads: usize,
}

/// Runs every case and prints the table.
pub fn run(args: &BenchArgs) -> anyhow::Result<Outcome> {
    let models = if args.models.is_empty() {
        model_files(std::path::Path::new("models"))?
    } else {
        args.models.clone()
    };
    let exe = std::env::current_exe().context("cannot find the orchard binary")?;
    let mut rows = Vec::new();
    for model in &models {
        for level in Consistency::ALL {
            for strategy in [Strategy::Simulation, Strategy::Bfs] {
                let output = Command::new(&exe)
                    .arg("bench-case")
                    .arg(model)
                    .args(["--consistency", level.name()])
                    .args(["--strategy", strategy.name()])
                    .args(["--seconds", &args.seconds.to_string()])
                    .args(["--threads", &args.threads.to_string()])
                    .output()
                    .context("cannot run a benchmark case")?;
                if !output.status.success() {
                    bail!("{}", String::from_utf8_lossy(&output.stderr).trim());
                }
                let row: BenchRow = serde_json::from_slice(&output.stdout)
                    .context("a benchmark case printed no result")?;
                if !args.json {
                    // As it goes, on stderr; the table follows on stdout.
                    eprintln!("{}", row_line(&row, widths(std::slice::from_ref(&row))));
                }
                rows.push(row);
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", table(&rows));
    }
    Ok(Outcome::Success)
}

/// Runs one case and prints its row as JSON.
pub fn run_case(args: &BenchCaseArgs) -> anyhow::Result<Outcome> {
    let consistency = Consistency::from_name(&args.consistency)
        .with_context(|| format!("--consistency: unknown level `{}`", args.consistency))?;
    let strategy: Strategy = args
        .strategy
        .parse()
        .map_err(|e| anyhow::anyhow!("--strategy: {e}"))?;
    let file = load_model(&args.model)?;
    let overrides = Overrides {
        consistency: Some(consistency),
        strategy: Some(strategy),
        ..Overrides::default()
    };
    let plan = plan(file, &overrides)?;
    let options = CheckOptions {
        threads: args.threads.max(1),
        timeout: Some(Duration::from_secs(args.seconds.max(1))),
        ..plan.options.clone()
    };
    let row = measure(plan.system.clone(), plan.properties.clone(), &options);
    println!("{}", serde_json::to_string(&row)?);
    Ok(Outcome::Success)
}
