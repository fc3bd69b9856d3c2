//! Session tests, without a terminal: commands in, assertions on the session. Helpers here,
//! tests by area.

mod dag;
mod files;
mod from_here;
mod moving;
mod opening;
mod what_if;

pub(super) use std::path::{Path, PathBuf};

pub(super) use super::*;
pub(super) use crate::explore::checker::Strategy;
pub(super) use crate::model::history::{CommitMode, Consistency, ConsistencySetting};
pub(super) use crate::model::system::Action;

pub(super) fn shipped(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

pub(super) const STALE_TRACE: &str =
    "tests/fixtures/traces/statefulset-stale-reads-P8-resettable-session.json";
pub(super) const STALE_MODEL: &str = "models/statefulset-stale-reads.yaml";

pub(super) fn open(path: &str) -> Session {
    Session::open(&shipped(path), &Overrides::default()).expect("a shipped file opens")
}

/// The trace's steps as actions.
pub(super) fn trace_actions(path: &str) -> Vec<Action> {
    let text = std::fs::read_to_string(shipped(path)).unwrap();
    let trace = crate::explore::trace::Trace::parse(&text).unwrap();
    trace.steps.into_iter().map(|s| s.action).collect()
}
