//! `orchard diff TRACE A B`: the differences between two steps of a trace, as text (per
//! resource added, removed or changed, field by field, then the controllers' local states).

use std::path::PathBuf;

use anyhow::bail;

use super::Outcome;
use crate::explore::session::view::diff_text;
use crate::explore::session::{Command, Overrides, Session};

/// Arguments of `orchard diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The trace file.
    pub trace: PathBuf,
    /// The first step (0 is the initial state).
    pub a: usize,
    /// The second step.
    pub b: usize,
}

/// Runs `orchard diff`.
pub fn run(args: &DiffArgs) -> anyhow::Result<Outcome> {
    let mut session = Session::open(&args.trace, &Overrides::default())?;
    session.handle(Command::Diff(args.a, args.b));
    if let Some(m) = session.message().filter(|m| m.error) {
        bail!("{}: {}", args.trace.display(), m.text);
    }
    let Some(diff) = session.diff() else {
        bail!("{}: no diff", args.trace.display());
    };
    println!("{}: {}", args.trace.display(), diff.title);
    print!("{}", diff_text(&diff.entries));
    Ok(Outcome::Success)
}
