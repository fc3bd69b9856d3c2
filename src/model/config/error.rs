//! What loading a model can report: an error that names the file, line, column and field, and
//! the Kubernetes fields a model accepts but does not model.

use std::fmt;

use thiserror::Error;

/// A position in a YAML text: 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
}

/// Why a model file cannot be loaded. Displays as `<file>:<line>:<column>: <field>: <message>`
/// (the line and column when known, the field when there is one).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{}", self.render())]
pub struct ConfigError {
    file: String,
    position: Option<Position>,
    field: String,
    message: String,
}

impl ConfigError {
    /// An error in `file` at `position` about `field`.
    pub fn new(
        file: impl Into<String>,
        position: Option<Position>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            file: file.into(),
            position,
            field: field.into(),
            message: message.into(),
        }
    }

    /// The file the error is in (an included manifest file for errors inside it).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line, when known.
    pub fn line(&self) -> Option<u32> {
        self.position.map(|p| p.line)
    }

    /// The 1-based column, when known.
    pub fn column(&self) -> Option<u32> {
        self.position.map(|p| p.column)
    }

    /// The field path, e.g. `environment[1].max` or `resources[0].spec.replicas`; empty when
    /// the error is about the file as a whole.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The message alone, without file, position or field.
    pub fn message(&self) -> &str {
        &self.message
    }

    fn render(&self) -> String {
        let mut out = self.file.clone();
        if let Some(p) = self.position {
            out.push_str(&format!(":{}:{}", p.line, p.column));
        }
        out.push_str(": ");
        if !self.field.is_empty() {
            out.push_str(&self.field);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out
    }
}

/// A field of a Kubernetes manifest that is valid in Kubernetes but not part of the model
/// (container ports, probes, commands...): accepted, left out, and reported once.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IgnoredField {
    /// The file the manifest is in.
    pub file: String,
    /// Where the field is, when known.
    pub position: Option<Position>,
    /// The resource, e.g. `StatefulSet/web`.
    pub resource: String,
    /// The field's path inside the resource, e.g. `spec.template.spec.containers[0].ports`.
    pub path: String,
}

impl fmt::Display for IgnoredField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.resource, self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_file_line_column_field_and_message() {
        let e = ConfigError::new(
            "models/a.yaml",
            Some(Position { line: 3, column: 5 }),
            "environment[0].max",
            "must not be negative",
        );
        assert_eq!(
            e.to_string(),
            "models/a.yaml:3:5: environment[0].max: must not be negative"
        );
        let e = ConfigError::new("models/a.yaml", None, "", "cannot read");
        assert_eq!(e.to_string(), "models/a.yaml: cannot read");
    }
}
