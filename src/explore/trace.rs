//! Traces: a counterexample as a self-contained JSON file (format 2; format 1 is still read).
//!
//! ```json
//! { "format": 2,
//!   "model": { ...the resolved ModelConfig, whole... },
//!   "consistency": { "level": "resettable-session", "read-your-writes": false },
//!   "commit": "kubernetes",
//!   "initial": "<digest of the initial state>",
//!   "steps": [ { "action": {...}, "describe": "node-1 reads r3",
//!                "outcome": "create Pod/web-0 -> r4", "digest": "<16 hex digits>" } ],
//!   "violation": { "property": "P8", "text": "...", "step": 4 } }
//! ```
//!
//! A digest (format 2) is [`crate::model::canonical::canonical_digest`]: the SHA-256 of the
//! state's canonical serialisation (resources as their Kubernetes JSON, sorted; local states;
//! budgets), as 16 hex digits, so that a change of in-memory representation leaves traces as
//! they are. Format 1 recorded [`crate::model::collection::hash_of`] of the in-memory state
//! ([`digest_v1`]); such a trace is still read and replayed with that digest, and `orchard
//! replay --upgrade` rewrites it as format 2.
//! `violation.step` counts steps: the state after that many steps violates the property.
//! [`Trace::parse`] checks the file; [`super::replay`] checks that the model still produces it.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::canonical::canonical_digest;
use crate::model::collection::hash_of;
use crate::model::config::limits::{self, MAX_DEPTH};
use crate::model::config::{FileKind, ModelConfig, field_at, manifest_error, plain_message, sniff};
use crate::model::history::{CommitMode, Consistency, ConsistencySetting, Relist};
use crate::model::properties::Property;
use crate::model::system::{Action, Reduction, System, SystemState, Transition};

/// The trace format this build writes.
pub const FORMAT: u32 = 2;

/// The oldest trace format this build still reads (its digests are [`digest_v1`]).
pub const OLDEST_FORMAT: u32 = 1;

/// A counterexample trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trace {
    /// The format version: [`FORMAT`], or [`OLDEST_FORMAT`] for a trace written before it.
    pub format: u32,
    /// The model the trace was made from, with the consistency and commit mode it was checked
    /// under.
    pub model: ModelConfig,
    /// The consistency setting (the same as the model's).
    pub consistency: ConsistencySetting,
    /// The commit mode (the same as the model's).
    pub commit: CommitMode,
    /// The state-space reductions the trace was found under (its steps are taken with them).
    #[serde(default)]
    pub reduction: Reduction,
    /// The digest of the initial state.
    pub initial: String,
    /// The steps from the initial state.
    pub steps: Vec<TraceStep>,
    /// The property violated, and where.
    pub violation: Violation,
}

/// One step of a trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TraceStep {
    /// The action, as the system takes it.
    pub action: Action,
    /// The action for people (not read back).
    pub describe: String,
    /// What it did, for people (not read back).
    pub outcome: String,
    /// The digest of the state after the step.
    pub digest: String,
}

/// The violated property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Violation {
    /// The property's id.
    pub property: String,
    /// Its text (not read back).
    pub text: String,
    /// The number of steps after which it is violated.
    pub step: usize,
}

/// Why a trace file cannot be read.
#[derive(Debug, Error)]
pub enum TraceError {
    /// Not JSON, or not a trace (a missing or unknown field, a value of the wrong type).
    #[error("line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde's message, naming the field.
        message: String,
    },
    /// A format version this build does not read.
    #[error(
        "field `format`: unknown trace format version {0} (this orchard reads versions {OLDEST_FORMAT} to {FORMAT})"
    )]
    Version(u64),
    /// The file is empty.
    #[error("the trace is empty")]
    Empty,
    /// The file is something else: a model, a manifest.
    #[error("this file is {}, not a trace{}", .0.describe(), taken_by(.0, "FILE"))]
    NotATrace(FileKind),
    /// A field of the wrong type, an unknown field, or (in a resource of the embedded model)
    /// a field that is not in Kubernetes' schema or a value out of range.
    #[error("field `{field}`: {message}")]
    Invalid {
        /// The field, e.g. `steps[3].action` or `model.initial[0].spec.repilicas`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The embedded model, or the number of steps, passes a limit.
    #[error("field `{field}`: {message}")]
    Limit {
        /// The field, e.g. `model.controllers`.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The top-level settings disagree with the embedded model.
    #[error("field `{field}`: {found} differs from the embedded model's {expected}")]
    Mismatch {
        /// The field.
        field: &'static str,
        /// The value in the field.
        found: String,
        /// The model's value.
        expected: String,
    },
}

/// An I/O failure writing or reading a trace.
#[derive(Debug, Error)]
#[error("{path}: {source}")]
pub struct TraceIoError {
    /// The file.
    pub path: PathBuf,
    /// The cause.
    #[source]
    pub source: std::io::Error,
}

/// The digest of a state as trace format 2 records it: the canonical digest.
pub fn digest(state: &SystemState) -> String {
    canonical_digest(state)
}

/// The digest of a state as trace format 1 recorded it: the in-memory hash, as 16 hex digits
/// (it changes whenever the state's representation does).
pub fn digest_v1(state: &SystemState) -> String {
    format!("{:016x}", hash_of(state))
}

/// The digest function of a trace format.
pub fn digest_for(format: u32) -> fn(&SystemState) -> String {
    if format == 1 { digest_v1 } else { digest }
}

impl Trace {
    /// The trace of a counterexample: `steps` from the system's initial state to a state that
    /// violates `property`.
    pub fn new(system: &System, property: &Property, steps: &[Transition]) -> Trace {
        Trace::from_initial(system, &system.initial(), property, steps)
    }

    /// As [`Trace::new`], from the system's initial state computed already (settling a large
    /// `start: settled` model again would take as long as the first time).
    pub fn from_initial(
        system: &System,
        initial: &SystemState,
        property: &Property,
        steps: &[Transition],
    ) -> Trace {
        Trace::from_initial_while(system, initial, property, steps, &|| true)
    }

    /// As [`Trace::from_initial`], digesting steps only while `keep_going` says so: a step's
    /// digest covers its whole history, so a run of thousands of steps takes long to digest,
    /// and a stop during that must be obeyed. A trace cut short holds the steps digested so
    /// far (still a trace from the initial state) and names no violation unless it reached
    /// the violation's step.
    pub fn from_initial_while(
        system: &System,
        initial: &SystemState,
        property: &Property,
        steps: &[Transition],
        keep_going: &dyn Fn() -> bool,
    ) -> Trace {
        let config = system.config().clone();
        let mut written = Vec::with_capacity(steps.len());
        for t in steps {
            if !keep_going() {
                break;
            }
            written.push(TraceStep {
                action: t.action.clone(),
                describe: system.describe(&t.action),
                outcome: t.outcome.to_string(),
                digest: digest(&t.next),
            });
        }
        let complete = written.len() == steps.len();
        Trace {
            format: FORMAT,
            consistency: config.consistency,
            commit: config.commit,
            reduction: system.reduction(),
            initial: digest(initial),
            violation: Violation {
                property: if complete {
                    property.id.to_string()
                } else {
                    String::new()
                },
                text: if complete {
                    property.text.to_string()
                } else {
                    String::new()
                },
                step: written.len(),
            },
            steps: written,
            model: config,
        }
    }

    /// Parses a trace file's text, checking its format version first, then the embedded model
    /// and the number of steps against the limits (before any system is built).
    pub fn parse(text: &str) -> Result<Trace, TraceError> {
        if text.trim().is_empty() {
            return Err(TraceError::Empty);
        }
        let (trace, raw) = Trace::parse_json(text).map_err(|e| match (&e, sniff(text)) {
            (TraceError::Json { .. }, kind @ (FileKind::Model | FileKind::Manifest(_))) => {
                TraceError::NotATrace(kind)
            }
            _ => e,
        })?;
        let initial = raw["model"]["initial"].as_array();
        for (i, object) in trace.model.initial.iter().enumerate() {
            let manifest = initial.and_then(|all| all.get(i));
            if let Some((path, message)) = manifest.and_then(|m| manifest_error(object.kind(), m)) {
                return Err(TraceError::Invalid {
                    field: format!("model.initial[{i}].{path}"),
                    message,
                });
            }
        }
        limits::check(&trace.model).map_err(|e| TraceError::Limit {
            field: format!("model.{}", e.field),
            message: e.message,
        })?;
        let steps = i64::try_from(trace.steps.len()).unwrap_or(i64::MAX);
        limits::value_within(steps, MAX_DEPTH, "the number of steps").map_err(|message| {
            TraceError::Limit {
                field: "steps".into(),
                message,
            }
        })?;
        Ok(trace)
    }

    /// The trace and its text as a JSON value.
    fn parse_json(text: &str) -> Result<(Trace, serde_json::Value), TraceError> {
        let raw: serde_json::Value = serde_json::from_str(text).map_err(json_error)?;
        match raw.get("format") {
            Some(serde_json::Value::Number(n))
                if n.as_u64().is_some_and(|v| {
                    (u64::from(OLDEST_FORMAT)..=u64::from(FORMAT)).contains(&v)
                }) => {}
            Some(serde_json::Value::Number(n)) => {
                return Err(TraceError::Version(n.as_u64().unwrap_or(u64::MAX)));
            }
            _ => {}
        }
        let trace: Trace = match serde_json::from_str(text) {
            Ok(trace) => trace,
            Err(e) => {
                return Err(match diagnose(&raw) {
                    Some((field, message)) => TraceError::Invalid { field, message },
                    None => json_error(e),
                });
            }
        };
        if trace.consistency != trace.model.consistency {
            return Err(TraceError::Mismatch {
                field: "consistency",
                found: trace.consistency.to_string(),
                expected: trace.model.consistency.to_string(),
            });
        }
        if trace.commit != trace.model.commit {
            return Err(TraceError::Mismatch {
                field: "commit",
                found: trace.commit.name().into(),
                expected: trace.model.commit.name().into(),
            });
        }
        Ok((trace, raw))
    }

    /// The pretty JSON text of the trace.
    pub fn to_json(&self) -> String {
        // Invariant: every part of a trace is plain data that serializes (string keys only).
        serde_json::to_string_pretty(self).expect("a trace serializes") + "\n"
    }

    /// The file name: `<model>-<property>-<consistency>.json`, the consistency followed by its
    /// options when set (`-read-your-writes`, `-relist-latest`) and `-atomic` for the atomic
    /// commit mode, so that checks of one model under different settings keep their traces.
    pub fn file_name(&self) -> String {
        let c = &self.consistency;
        let mut consistency = c.level.name().to_string();
        if c.read_your_writes && c.level.has_sessions() {
            consistency.push_str("-read-your-writes");
        }
        if c.level == Consistency::Informer && c.relist != Relist::default() {
            consistency.push_str("-relist-");
            consistency.push_str(c.relist.name());
        }
        if self.commit == CommitMode::Atomic {
            consistency.push_str("-atomic");
        }
        let name = if self.model.name.is_empty() {
            "model"
        } else {
            &self.model.name
        };
        format!(
            "{}-{}-{consistency}.json",
            safe(name),
            safe(&self.violation.property)
        )
    }

    /// Writes the trace into `dir` (created if missing) atomically: a temporary file in the
    /// same directory, then a rename. Returns the path written.
    pub fn write_into(&self, dir: &Path) -> Result<PathBuf, TraceIoError> {
        let path = dir.join(self.file_name());
        std::fs::create_dir_all(dir).map_err(|source| TraceIoError {
            path: path.clone(),
            source,
        })?;
        self.write_to(&path)?;
        Ok(path)
    }

    /// Writes the trace to `path` atomically (a temporary file beside it, then a rename); the
    /// directory must exist.
    pub fn write_to(&self, path: &Path) -> Result<(), TraceIoError> {
        let io = |source| TraceIoError {
            path: path.to_path_buf(),
            source,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.file_name());
        remove_leftovers(dir);
        let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = std::fs::File::create(&temp).and_then(|mut f| {
            f.write_all(self.to_json().as_bytes())?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
            let _ = std::fs::remove_file(&temp);
            return Err(io(e));
        }
        Ok(())
    }

    /// The trace in the current format, its digests those of `states` (the initial state and
    /// the state after each step, as a replay produced them); everything else as it was.
    pub fn upgraded(&self, states: &[SystemState]) -> Trace {
        let mut trace = self.clone();
        trace.format = FORMAT;
        if let Some(initial) = states.first() {
            trace.initial = digest(initial);
        }
        for (step, state) in trace.steps.iter_mut().zip(states.iter().skip(1)) {
            step.digest = digest(state);
        }
        trace
    }
}

/// Removes the temporary files (`.NAME.PID.tmp`) that writes interrupted by a kill left in
/// `dir`: those of processes no longer running (on Linux, where `/proc` tells; elsewhere
/// those of this process only). Best effort: a file that cannot be removed stays.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let proc = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.starts_with('.') && n.contains(".json."))
            .and_then(|n| n.strip_suffix(".tmp"))
            .and_then(|n| n.rsplit_once('.'))
            .and_then(|(_, pid)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let gone = if proc {
            !Path::new("/proc").join(pid.to_string()).exists()
        } else {
            pid == std::process::id()
        };
        if gone || pid == std::process::id() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The 1-based line of step `index` (0-based) in a trace's text, found from its `"digest"` key
/// after `"steps"`; `None` when the text is laid out otherwise.
pub fn line_of_step(text: &str, index: usize) -> Option<usize> {
    let start = text.find("\"steps\"")?;
    let (offset, _) = text[start..].match_indices("\"digest\"").nth(index)?;
    Some(text[..start + offset].matches('\n').count() + 1)
}

/// The 1-based line of the last `"key":` in a trace's text (top-level keys follow the embedded
/// model, so the last one is the top-level one).
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let at = text.rfind(&format!("\"{key}\":"))?;
    Some(text[..at].matches('\n').count() + 1)
}

impl TraceError {
    /// The field the error is about (its last key, for [`line_of_key`]), when it is not a
    /// JSON error.
    pub fn field(&self) -> Option<&str> {
        match self {
            TraceError::Json { .. } => None,
            TraceError::Empty | TraceError::NotATrace(_) => None,
            TraceError::Version(_) => Some("format"),
            TraceError::Mismatch { field, .. } => Some(field),
            TraceError::Limit { field, .. } | TraceError::Invalid { field, .. } => {
                let last = field.rsplit('.').next().unwrap_or(field);
                Some(last.split('[').next().unwrap_or(last))
            }
        }
    }
}

impl TraceError {
    /// The error as printed for the trace file `origin` whose text is `text`:
    /// `<origin>:<line>[:<column>]: <message>`.
    pub fn located(&self, text: &str, origin: &str) -> String {
        match self {
            TraceError::Json {
                line,
                column,
                message,
            } => {
                let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
                match field_at(text, at(*line), at(*column)) {
                    field if field.is_empty() => format!("{origin}:{line}:{column}: {message}"),
                    field => format!("{origin}:{line}:{column}: {field}: {message}"),
                }
            }
            TraceError::Empty => format!("{origin}:1: {self}"),
            TraceError::NotATrace(kind) => format!(
                "{origin}:1: this file is {}, not a trace{}",
                kind.describe(),
                taken_by(kind, origin)
            ),
            TraceError::Invalid { field, .. } if field.starts_with("steps[") => {
                let step = field["steps[".len()..]
                    .split(']')
                    .next()
                    .and_then(|n| n.parse::<usize>().ok());
                let line = step.and_then(|i| line_of_step(text, i)).unwrap_or(1);
                format!("{origin}:{line}: {self}")
            }
            _ => match self.field().and_then(|f| line_of_key(text, f)) {
                Some(line) => format!("{origin}:{line}: {self}"),
                None => format!("{origin}:1: {self}"),
            },
        }
    }
}

/// ` (orchard check FILE checks it)` for a message about a file of the wrong kind.
fn taken_by(kind: &FileKind, file: &str) -> String {
    kind.taken_by(file)
        .map(|t| format!(" ({t})"))
        .unwrap_or_default()
}

/// Which part of a trace fails to read, when the whole does not: each step's action, each
/// step, the embedded model's controllers, rules and resources, the model, the rest. serde
/// places such an error at the end of the enclosing object (internally tagged enums are read
/// whole), so the part is found by reading each on its own.
fn diagnose(raw: &serde_json::Value) -> Option<(String, String)> {
    use serde::de::DeserializeOwned;
    use serde_json::Value;
    fn fails<T: DeserializeOwned>(value: &Value) -> Option<String> {
        serde_json::from_value::<T>(value.clone())
            .err()
            .map(|e| plain_message(&e.to_string()))
    }
    let at = |field: String, message: String| Some((field, message));
    if let Some(steps) = raw.get("steps").and_then(Value::as_array) {
        for (i, step) in steps.iter().enumerate() {
            if let Some(m) = step.get("action").and_then(fails::<Action>) {
                return at(format!("steps[{i}].action"), m);
            }
            if let Some(m) = fails::<TraceStep>(step) {
                return at(format!("steps[{i}]"), m);
            }
        }
    }
    if let Some(model) = raw.get("model") {
        type Check = fn(&Value) -> Option<String>;
        let parts: [(&str, Check); 3] = [
            (
                "controllers",
                fails::<crate::model::controllers::ControllerSpec>,
            ),
            (
                "environment",
                fails::<crate::model::environment::EnvironmentRule>,
            ),
            ("initial", fails::<crate::model::resources::Object>),
        ];
        for (key, check) in parts {
            for (i, item) in model
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(m) = check(item) {
                    return at(format!("model.{key}[{i}]"), m);
                }
            }
        }
        if let Some(m) = fails::<ModelConfig>(model) {
            return at("model".into(), m);
        }
    }
    for key in ["violation", "consistency", "commit", "reduction", "initial"] {
        let Some(value) = raw.get(key) else { continue };
        let m = match key {
            "violation" => fails::<Violation>(value),
            "consistency" => fails::<ConsistencySetting>(value),
            "commit" => fails::<CommitMode>(value),
            "reduction" => fails::<Reduction>(value),
            _ => fails::<String>(value),
        };
        if let Some(m) = m {
            return at(key.into(), m);
        }
    }
    None
}

fn json_error(e: serde_json::Error) -> TraceError {
    let full = e.to_string();
    let message = match full.rsplit_once(" at line ") {
        Some((message, _)) => plain_message(message),
        None => plain_message(&full),
    };
    TraceError::Json {
        line: e.line(),
        column: e.column(),
        message,
    }
}

fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
