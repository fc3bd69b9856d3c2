//! A YAML text being resolved: its file name for messages, where its fields are, and how a
//! parse error becomes a [`ConfigError`] naming file, line, column and field.

use super::super::error::{ConfigError, Position};
use super::super::locate::{Locator, join};

/// A YAML text being resolved: its file name for messages and where its fields are.
pub(super) struct Source {
    pub(super) file: String,
    pub(super) locator: Locator,
    line_offset: u32,
}

impl Source {
    pub(super) fn new(file: String, text: &str, line_offset: u32) -> Source {
        Source {
            file,
            locator: Locator::new(text, line_offset),
            line_offset,
        }
    }

    /// Where a field is: its own position, or its nearest located parent's.
    pub(super) fn position(&self, path: &str) -> Option<Position> {
        let mut path = path;
        loop {
            if let Some(p) = self.locator.position_of(path) {
                return Some(p);
            }
            if path.is_empty() {
                return None;
            }
            path = parent(path);
        }
    }

    pub(super) fn error(&self, path: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::new(&self.file, self.position(path), path, message)
    }

    pub(super) fn parse_error(&self, e: &serde_saphyr::Error) -> ConfigError {
        let position = e.location().filter(|l| l.line() > 0).map(|l| Position {
            line: u32::try_from(l.line())
                .unwrap_or(u32::MAX)
                .saturating_add(self.line_offset),
            column: u32::try_from(l.column()).unwrap_or(u32::MAX),
        });
        let message = bare_message(e);
        let field = match position {
            None => String::new(),
            Some(p) => match missing_field(&message) {
                // Name the field that is missing, in the mapping that lacks it: the one that
                // starts here, or else the one whose first key is here.
                Some(missing) => match self.locator.mapping_at(p) {
                    Some(mapping) => join(mapping, missing),
                    None => join(parent(&self.locator.path_at(p)), missing),
                },
                None => self.locator.path_at(p),
            },
        };
        ConfigError::new(&self.file, position, field, message)
    }
}

/// A path without its last segment.
fn parent(path: &str) -> &str {
    path.rfind(['.', '[']).map_or("", |cut| &path[..cut])
}

/// The field a `missing field `x`` message names.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// A saphyr error's message without the ` at line L, column C` it appends, and without hints
/// meant for the programmer rather than the author of the file.
fn bare_message(e: &serde_saphyr::Error) -> String {
    let mut text = super::super::error::plain_message(&e.without_snippet().to_string());
    if let Some(cut) = text.rfind(" at line ")
        && text[cut..].contains(", column ")
    {
        text.truncate(cut);
    }
    for (jargon, plain) in [
        (
            "expected mapping start",
            "expected a mapping (`key: value` lines)",
        ),
        ("expected sequence start", "expected a list"),
        ("expected string scalar", "expected a single value"),
    ] {
        if text == jargon {
            text = plain.to_string();
        }
    }
    if let Some(breach) = text.strip_prefix("budget breached: ") {
        text = format!(
            "the YAML is past the reader's limits: {}",
            budget_words(breach)
        );
    }
    if let Some(key) = text.strip_prefix("duplicate mapping key: ") {
        let key = key.split(", set DuplicateKeyPolicy").next().unwrap_or(key);
        text = format!("duplicate key `{key}`");
    }
    text
}

/// What a YAML budget breach (serde-saphyr's default budget, shown by it in Rust's debug
/// form, `Depth { depth: 65 }`) means, in words.
fn budget_words(breach: &str) -> &'static str {
    let name = breach.split([' ', '{']).next().unwrap_or("");
    match name {
        "Depth" => "nested deeper than 64 levels",
        "Nodes" => "more than 250,000 nodes",
        "Events" => "more than 1,000,000 events",
        "Aliases" => "more than 50,000 aliases",
        "Anchors" => "more than 50,000 anchors",
        "Documents" => "more than 1,024 documents",
        "ScalarBytes" => "more than 64 MiB of values",
        "MergeKeys" => "too many merge keys (<<)",
        "AliasAnchorRatio" => "far more aliases than anchors (an alias bomb)",
        "SequenceUnbalanced" => "an unbalanced structure (is the file cut short?)",
        "InputBytes" => "too large an input",
        _ => "too large or too deep",
    }
}

/// Names joined for a `(known: ...)` list.
pub(super) fn known(names: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    names
        .into_iter()
        .map(|n| n.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
