//! `orchard explore [FILE]`: the terminal explorer on a model (at its start state), a trace
//! (its whole path, the cursor on the violating step), or, with no file, a picker over
//! `models/` and `traces/`. Needs a terminal on stdin and stdout.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::bail;

use super::Outcome;
use crate::explore::session::settings::{parse_commit, parse_consistency, parse_lag, parse_relist};
use crate::explore::session::{Overrides, Picker, Session};
use crate::model::history::{CommitMode, Consistency, Lag, Relist};
use crate::ui::{self, Start};

/// Arguments of `orchard explore`.
#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// A model (`models/NAME.yaml`) or a trace (`traces/NAME.json`); none: pick one.
    pub file: Option<PathBuf>,
    /// The consistency level to start under (as `orchard check --consistency`).
    #[arg(long, value_parser = parse_consistency)]
    pub consistency: Option<Consistency>,
    /// Session levels: a controller never reads older than its own last write.
    #[arg(long)]
    pub read_your_writes: bool,
    /// Informer: how a restarted controller lists (any-revision, latest).
    #[arg(long, value_parser = parse_relist)]
    pub relist: Option<Relist>,
    /// Informer: how far caches may lag (any, zero).
    #[arg(long, value_parser = parse_lag)]
    pub lag: Option<Lag>,
    /// The commit mode (kubernetes, atomic).
    #[arg(long, value_parser = parse_commit)]
    pub commit: Option<CommitMode>,
    /// Switch a guard against stale reads (repeatable), as `orchard check --guard`; a trace
    /// keeps the guards it was made with.
    #[arg(long = "guard", value_name = "NAME=on|off", value_parser = super::flags::guard)]
    pub guards: Vec<(&'static str, bool)>,
    /// Pick among the causes of a triage (`orchard swarm`, `orchard check
    /// --all-counterexamples`): the representatives' directory, or the directory holding it.
    #[arg(long, value_name = "DIR", conflicts_with = "file")]
    pub triage: Option<PathBuf>,
    /// Draw the first frame, print (on stderr) how long it took to appear, and leave (the
    /// benchmark).
    #[arg(long, hide = true)]
    pub first_frame: bool,
    /// Panic after the first frame: the terminal must come back and the path be saved (the
    /// end-to-end test of crash safety).
    #[arg(long, hide = true)]
    pub crash_test: bool,
}

/// Runs `orchard explore`.
pub fn run(args: &ExploreArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        bail!(
            "orchard explore needs a terminal on stdin and stdout, and this is not one; \
             to check a model without a terminal, run `orchard check MODEL`"
        );
    }
    let overrides = Overrides {
        consistency: args.consistency,
        read_your_writes: args.read_your_writes,
        relist: args.relist,
        lag: args.lag,
        commit: args.commit,
        guards: crate::model::config::guards::GuardSwitches::from_pairs(&args.guards),
        syncs: None,
    };
    let start = match (&args.file, &args.triage) {
        (None, Some(dir)) => {
            let inner = dir.join(super::triage::TRIAGE_DIR);
            let dir = if inner.is_dir() { inner } else { dir.clone() };
            let picker = Picker::traces(&dir);
            if picker.all().is_empty() {
                bail!("{}: no traces of a triage here", dir.display());
            }
            Start::Picker(picker, overrides)
        }
        (Some(path), _) => {
            let session = Session::open(path, &overrides).map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(why) = overrides.pointless_under(session.config().consistency.level) {
                bail!("{why}");
            }
            for warning in session.warnings() {
                eprintln!("{warning}");
            }
            Start::Session(Box::new(session))
        }
        (None, None) => Start::Picker(
            Picker::scan(Path::new("models"), Path::new("traces")),
            overrides,
        ),
    };
    let options = ui::Options {
        first_frame_only: args.first_frame,
        trace_dir: PathBuf::from("traces"),
        crash_test: args.crash_test,
    };
    ui::explore(start, &options)?;
    if args.first_frame {
        eprintln!(
            "first frame after {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    Ok(Outcome::Success)
}
