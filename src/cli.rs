//! Parses arguments, picks the subcommand, and maps outcomes to exit codes (0 holds, 1 a
//! property failed or a replay diverged, 2 bad input).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// orchard: explore, model-check and debug Kubernetes-like orchestration.
#[derive(Debug, Parser)]
#[command(name = "orchard", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the registered controllers and properties.
    List,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::List => {
            for r in crate::model::controllers::REGISTRY {
                println!("controller {:<12} {}", r.kind, r.summary);
            }
            for p in crate::model::properties::all() {
                println!("property   {:<12} {} ({})", p.id, p.text, p.kind.name());
            }
            ExitCode::SUCCESS
        }
    }
}
