//! Reading what the explorer opens: a model file (with its `file:` includes, relative to its
//! directory) or a trace file, recognised by its content (a trace is a JSON object with a
//! `format` field). Errors are values whose text names the file, line and field.

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::explore::replay::replay;
use crate::explore::trace::{Trace, TraceError, line_of_key, line_of_step};
use crate::model::config::{ModelConfig, parse_model};

/// Why a file cannot be opened: the message names the file, and the line and field where
/// they are known.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct OpenError(pub String);

/// What a file holds.
#[derive(Clone, Debug)]
pub enum Content {
    /// A model file.
    Model {
        /// The resolved configuration.
        config: Box<ModelConfig>,
        /// Fields the model does not use, one line each (`line 7, column 3: ...`).
        ignored: Vec<String>,
    },
    /// A trace, checked to replay on the model it embeds.
    Trace(Box<Trace>),
}

/// A file, read and parsed.
#[derive(Clone, Debug)]
pub struct Source {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it holds.
    pub content: Content,
}

impl Source {
    /// Whether it is a trace.
    pub fn is_trace(&self) -> bool {
        matches!(self.content, Content::Trace(_))
    }
}

/// Reads and parses the file at `path`.
pub fn load(path: &Path) -> Result<Source, OpenError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| OpenError(format!("{origin}: cannot read the file: {e}")))?;
    let content = if looks_like_trace(path, &text) {
        Content::Trace(Box::new(parse_trace(&text, &origin)?))
    } else {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        parse_model_text(&text, &origin, &dir)?
    };
    Ok(Source {
        path: path.to_path_buf(),
        content,
    })
}

fn looks_like_trace(path: &Path, text: &str) -> bool {
    path.extension().is_some_and(|e| e == "json") || text.trim_start().starts_with('{')
}

/// Parses a model file's text; includes are read from `dir`.
pub fn parse_model_text(text: &str, origin: &str, dir: &Path) -> Result<Content, OpenError> {
    let include = |name: &str| -> Result<String, String> {
        let file = dir.join(name);
        std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))
    };
    let loaded = parse_model(text, origin, &include).map_err(|e| OpenError(e.to_string()))?;
    let ignored = loaded
        .ignored
        .iter()
        .map(|f| match f.position {
            Some(p) => format!(
                "{}:{}:{}: ignored (not modelled): {f}",
                f.file, p.line, p.column
            ),
            None => format!("{}: ignored (not modelled): {f}", f.file),
        })
        .collect();
    Ok(Content::Model {
        config: Box::new(loaded.config),
        ignored,
    })
}

/// Parses a trace's text and checks that it replays on its embedded model.
pub fn parse_trace(text: &str, origin: &str) -> Result<Trace, OpenError> {
    let trace = match Trace::parse(text) {
        Ok(trace) => trace,
        Err(TraceError::Json {
            line,
            column,
            message,
        }) => return Err(OpenError(format!("{origin}:{line}:{column}: {message}"))),
        Err(e) => {
            return Err(OpenError(
                match e.field().and_then(|f| line_of_key(text, f)) {
                    Some(line) => format!("{origin}:{line}: {e}"),
                    None => format!("{origin}: {e}"),
                },
            ));
        }
    };
    if let Err(e) = replay(&trace) {
        let line = e
            .step()
            .and_then(|s| line_of_step(text, s - 1))
            .or_else(|| e.field().and_then(|f| line_of_key(text, f)));
        return Err(OpenError(match line {
            Some(line) => format!("{origin}:{line}: {e}"),
            None => format!("{origin}: {e}"),
        }));
    }
    Ok(trace)
}
