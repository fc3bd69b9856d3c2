//! Lessons: small models walked through step by step (`models/lessons/NAME.yaml`), each with a
//! contrast, the same steps under a stronger setting where one of them becomes impossible.
//!
//! ```yaml
//! name: stale-reads                    # the file's name
//! summary: A restarted node reads a revision from before the pod moved.
//! model: stale-reads.model.yaml        # a model file beside the lesson, or the model inline
//! steps:
//!   - do: change image of StatefulSet/web to nginx:2    # the action, as the explorer names it
//!     say: The operator changes the image...             # the text shown for this step
//! end: What the lesson showed.          # optional: shown once every step is taken
//! contrast:
//!   consistency: monotonic-session      # and/or `commit: atomic`
//!   say: Why the stronger setting forbids it.
//! ```
//!
//! Loading ([`parse_lesson`], [`load`]) gives the same located errors as a model (file, line,
//! column, field; unknown keys refused; limits checked) and validates the lesson by replaying
//! it: every step's action must be enabled where it stands ([`replay::walk`]), and the
//! contrast's impossible step is computed, never written ([`replay::contrast`]).

mod file;
pub mod replay;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use file::parse_lesson;

use crate::model::config::limits::MAX_MODEL_BYTES;
use crate::model::config::{ConfigError, ModelConfig};
use crate::model::history::{CommitMode, ConsistencySetting};
use crate::model::system::Action;

/// The most steps a lesson has.
pub const MAX_STEPS: usize = 200;
/// The longest text of a step, the end or the contrast, in characters.
pub const MAX_TEXT: usize = 4_000;
/// The longest one-line summary, in characters.
pub const MAX_SUMMARY: usize = 200;

/// A lesson, loaded and validated.
#[derive(Clone, Debug)]
pub struct Lesson {
    /// Its name (the file's name without `.yaml`).
    pub name: String,
    /// One line saying what it shows.
    pub summary: String,
    /// The file it was read from, as given.
    pub origin: String,
    /// The model it walks through, under the lesson's own settings.
    pub model: ModelConfig,
    /// The steps, in order, each checked to be enabled where it stands.
    pub steps: Vec<LessonStep>,
    /// The text shown once every step is taken (may be empty).
    pub end: String,
    /// The same steps under a stronger setting.
    pub contrast: Contrast,
}

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonStep {
    /// The action the learner takes.
    pub action: Action,
    /// The action as the explorer names it (`node-1 reads r7`).
    pub describe: String,
    /// What the step does under the lesson's settings (`update Pod web-0 -> r16`).
    pub outcome: String,
    /// The lesson's text for it.
    pub text: String,
}

/// A lesson's contrast: a stronger setting, its text, and the step it makes impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contrast {
    /// The consistency setting the steps are replayed under.
    pub consistency: ConsistencySetting,
    /// The commit mode they are replayed under.
    pub commit: CommitMode,
    /// The lesson's text about it.
    pub text: String,
    /// The first step that the contrast's setting does not allow, computed by replaying.
    pub impossible: Impossible,
}

/// The step a contrast makes impossible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impossible {
    /// The step, from 1.
    pub step: usize,
    /// Its action, as the explorer names it.
    pub describe: String,
    /// Why it cannot be taken, or what it does instead (`node-1 may not read r7 now`).
    pub reason: String,
}

/// How a pair of settings is written: the consistency setting, and the commit mode when it is
/// not the default (`resettable-session`, `resettable-session, atomic commit`).
pub fn settings_name(consistency: &ConsistencySetting, commit: CommitMode) -> String {
    if commit == CommitMode::default() {
        consistency.to_string()
    } else {
        format!("{consistency}, {} commit", commit.name())
    }
}

impl Lesson {
    /// The lesson's own settings, as [`settings_name`] writes them.
    pub fn level(&self) -> String {
        settings_name(&self.model.consistency, self.model.commit)
    }

    /// The contrast's settings, as [`settings_name`] writes them.
    pub fn contrast_level(&self) -> String {
        settings_name(&self.contrast.consistency, self.contrast.commit)
    }

    /// The model under the contrast's settings.
    pub fn contrast_model(&self) -> ModelConfig {
        let mut model = self.model.clone();
        model.consistency = self.contrast.consistency;
        model.commit = self.contrast.commit;
        model
    }

    /// `step 8 (node-1 reads r7): allowed by resettable-session, not by monotonic-session`.
    pub fn contrast_line(&self) -> String {
        let i = &self.contrast.impossible;
        format!(
            "step {} ({}): allowed by {}, not by {}",
            i.step,
            i.describe,
            self.level(),
            self.contrast_level()
        )
    }
}

/// Why a lesson cannot be loaded: the file cannot be read, or its content is wrong (located).
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    /// The file cannot be read.
    #[error("{path}: cannot read the lesson: {why}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        why: String,
    },
    /// The content is wrong: file, line, column, field and message.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No lesson has this name.
    #[error("no lesson `{name}`{hint} (lessons: {known})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// `; did you mean NAME?`, or nothing.
        hint: String,
        /// The lessons there are.
        known: String,
    },
}

/// Reads a regular file of at most [`MAX_MODEL_BYTES`] bytes as text.
fn read_text(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("is not a regular file".into());
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Err(format!(
            "is {} bytes: the limit is {MAX_MODEL_BYTES} bytes",
            meta.len()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// Loads and validates the lesson file at `path`; a `model:` file name is read beside it.
pub fn load(path: &Path) -> Result<Lesson, LessonError> {
    let origin = path.display().to_string();
    let text = read_text(path).map_err(|why| LessonError::Read {
        path: origin.clone(),
        why,
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let include = |name: &str| -> Result<String, String> {
        let file = dir.join(name);
        read_text(&file).map_err(|why| format!("{}: {why}", file.display()))
    };
    Ok(parse_lesson(&text, &origin, &include)?)
}

/// The lesson files of a directory (`*.yaml` but the models they name, `*.model.yaml`), sorted.
pub fn lesson_files(dir: &Path) -> Result<Vec<PathBuf>, LessonError> {
    let fail = |e: std::io::Error| LessonError::Read {
        path: dir.display().to_string(),
        why: format!("cannot list the directory: {e}"),
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(fail)? {
        let path = entry.map_err(fail)?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_file() && name.ends_with(".yaml") && !name.ends_with(".model.yaml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The names of the lessons in a directory, for listings and suggestions.
pub fn lesson_names(dir: &Path) -> Result<Vec<String>, LessonError> {
    Ok(lesson_files(dir)?
        .iter()
        .filter_map(|p| p.file_name()?.to_str()?.strip_suffix(".yaml"))
        .map(str::to_string)
        .collect())
}

/// The lesson called `name` in `dir`; an unknown name is an error suggesting the nearest.
pub fn find(dir: &Path, name: &str) -> Result<Lesson, LessonError> {
    let names = lesson_names(dir)?;
    let exact = crate::model::suggest::matching(name, names.iter().map(String::as_str));
    match exact {
        Some(found) => load(&dir.join(format!("{found}.yaml"))),
        None => Err(LessonError::Unknown {
            name: name.to_string(),
            hint: crate::model::suggest::did_you_mean(name, names.iter().map(String::as_str)),
            known: names.join(", "),
        }),
    }
}
