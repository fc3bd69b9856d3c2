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
    /// Whether the field changes behaviour in Kubernetes (`minReadySeconds`), which orchard
    /// does not model.
    pub changes_behaviour: bool,
}

impl fmt::Display for IgnoredField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.resource, self.path)?;
        if self.changes_behaviour {
            f.write_str(" (changes behaviour, not modelled)")?;
        }
        Ok(())
    }
}

/// A serde message in the words of a file's author: Rust's names for types (`i32`, `usize`,
/// `struct ModelFile`) become what they mean (`a whole number`, `a mapping`).
pub fn plain_message(message: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut words = message.split(' ').peekable();
    while let Some(word) = words.next() {
        let trimmed = word.trim_end_matches([',', ';', ')']);
        let rest = &word[trimmed.len()..];
        let plain = match trimmed {
            "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => Some("a whole number"),
            "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => Some("a whole number from 0"),
            "f32" | "f64" => Some("a number"),
            "struct" | "enum" if words.peek().is_some() => {
                let name = words.next().unwrap_or_default();
                let tail = &name[name.trim_end_matches([',', ';', ')']).len()..];
                let what = if trimmed == "struct" {
                    "a mapping"
                } else {
                    "one of its names"
                };
                out.push(format!("{what}{tail}"));
                continue;
            }
            _ => None,
        };
        match plain {
            Some(plain) => {
                // `invalid i32` says what was wrong, not what was expected.
                if out.last().is_some_and(|w| w == "invalid") {
                    out.pop();
                    out.push(format!("expected {plain}{rest}"));
                } else {
                    out.push(format!("{plain}{rest}"));
                }
            }
            None => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_type_names_become_words() {
        assert_eq!(plain_message("invalid i32"), "expected a whole number");
        assert_eq!(
            plain_message("invalid type: string \"x\", expected usize"),
            "invalid type: string \"x\", expected a whole number from 0"
        );
        assert_eq!(
            plain_message("invalid type: sequence, expected struct ModelFile"),
            "invalid type: sequence, expected a mapping"
        );
        assert_eq!(
            plain_message("missing field `name`"),
            "missing field `name`"
        );
    }

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
