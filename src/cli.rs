//! Parses arguments, picks the subcommand, and maps outcomes to exit codes (0 holds, 1 a
//! property failed or a replay diverged, 2 bad input).

mod bench;
mod check;
mod dag;
mod diff;
mod explain;
mod explore;
mod export;
mod flags;
mod learn;
mod legend;
mod load;
mod models;
mod replay;
mod report;
mod run;
mod signals;
mod state;
mod swarm;
mod triage;

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
    /// Model-check a model file.
    Check(check::CheckArgs),
    /// Explore a model or a trace in the terminal (no file: pick one).
    Explore(explore::ExploreArgs),
    /// Replay a trace file.
    Replay(replay::ReplayArgs),
    /// Show what changes between two steps of a trace.
    Diff(diff::DiffArgs),
    /// Print the revision DAG of a trace (at its end or a step) or of a model's start state.
    Dag(dag::DagArgs),
    /// Write a trace in another tool's format (ITF, as Apalache and Quint write it).
    Export(export::ExportArgs),
    /// Print the resources at a step of a trace as `kubectl get -o yaml` does.
    State(state::StateArgs),
    /// Explain a trace: its stale reads, what they led to, and the settings that prevent it.
    Explain(explain::ExplainArgs),
    /// List the lessons and their contrasts, or walk through one in the explorer.
    Learn(learn::LearnArgs),
    /// List the model files of a directory with their descriptions.
    Models(models::ModelsArgs),
    /// Measure checking speed and memory on models, per consistency level and strategy.
    Bench(bench::BenchArgs),
    /// Run N independent searches (shards) of a model, here (--local) or as a Kubernetes
    /// Indexed Job (--emit-job); `orchard swarm merge DIR` merges their results.
    Swarm(swarm::SwarmArgs),
    /// Run the model's controllers live over a store, with faults, until a property fails.
    ///
    /// Exit codes: 0 no property failed (the duration, --timeout or the step limit ended the
    /// run); 1 a property failed (the trace reproduces it); 2 bad input (model, flags, a
    /// store that cannot be reached or is not empty); 3 the model refuses a recorded step (a
    /// bug in the model or in orchard: please report it); 4 the run stalled (the store stopped
    /// answering, or recorded reports waited for a revision that never came); 130 and 143
    /// stopped by SIGINT and SIGTERM.
    Run(run::RunArgs),
    /// One benchmark case, run by `orchard bench` in a child process.
    #[command(hide = true)]
    BenchCase(bench::BenchCaseArgs),
}

/// What a command found, when it ran to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every property holds within the bounds; the replay matched; the listing worked.
    Success,
    /// A property failed; the replay diverged.
    Failure,
    /// A signal stopped the run after its results were printed: the exit code a shell gives
    /// a process the signal ended (130 for SIGINT, 143 for SIGTERM).
    Interrupted(u8),
    /// `orchard run`: the model refuses a recorded step (a bug in the model or in orchard).
    Refused,
    /// `orchard run`: the run stalled (the store or the tasks stopped answering).
    Stalled,
}

/// The one place outcomes become exit codes: 0 success, 1 a property failed or a replay
/// diverged, 2 bad input (model, trace, flags), 3 `orchard run`'s model refused a recorded
/// step, 4 `orchard run` stalled, 130 and 143 stopped by SIGINT and SIGTERM. Errors are
/// printed here.
pub fn exit_code(result: anyhow::Result<Outcome>) -> ExitCode {
    match result {
        Ok(Outcome::Success) => ExitCode::from(0),
        Ok(Outcome::Failure) => ExitCode::from(1),
        Ok(Outcome::Refused) => ExitCode::from(3),
        Ok(Outcome::Stalled) => ExitCode::from(4),
        Ok(Outcome::Interrupted(code)) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    exit_code(run(cli.command))
}

fn run(command: Command) -> anyhow::Result<Outcome> {
    match command {
        Command::List => {
            for r in crate::model::controllers::REGISTRY {
                println!("controller {:<12} {}", r.kind, r.summary);
            }
            for p in crate::model::properties::all() {
                println!("property   {:<12} {} ({})", p.id, p.text, p.kind.name());
            }
            Ok(Outcome::Success)
        }
        Command::Check(args) => check::run(&args),
        Command::Explore(args) => explore::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Dag(args) => dag::run(&args),
        Command::Export(args) => export::run(&args),
        Command::State(args) => state::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Learn(args) => learn::run(&args),
        Command::Models(args) => models::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Run(args) => run::run(&args),
        Command::BenchCase(args) => bench::run_case(&args),
        Command::Swarm(args) => swarm::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_map_to_0_1_2() {
        assert_eq!(exit_code(Ok(Outcome::Success)), ExitCode::from(0));
        assert_eq!(exit_code(Ok(Outcome::Failure)), ExitCode::from(1));
        assert_eq!(
            exit_code(Ok(Outcome::Interrupted(130))),
            ExitCode::from(130)
        );
        assert_eq!(
            exit_code(Err(anyhow::anyhow!("bad input"))),
            ExitCode::from(2)
        );
    }
}
