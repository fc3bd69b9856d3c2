//! Field paths and positions in a YAML text: which field is at a line and column (to name the
//! field of a parse error), and where a field is (to place an error found after parsing).

use std::collections::BTreeMap;

use serde_saphyr::granit_parser::{Event, Parser};

use super::error::Position;

/// The deepest nesting located: past the YAML reader's own limit (64), which refuses it.
const MAX_DEPTH: usize = 100;

/// Every node of a YAML text with its path (`environment[1].max`) and position, in document
/// order. A mapping key is listed under its value's path, before the value.
#[derive(Clone, Debug, Default)]
pub(super) struct Locator {
    entries: Vec<(Position, String)>,
    /// Where each mapping starts, with its path.
    mappings: Vec<(Position, String)>,
    /// The first position of each path, for lookups in logarithmic time.
    first: BTreeMap<String, Position>,
}

enum Frame {
    Map { path: String, key: Option<String> },
    Seq { path: String, next: usize },
}

/// Joins a mapping key onto a path.
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Joins a sequence index onto a path.
pub(super) fn index(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

impl Locator {
    /// Walks `text`, whose first line is line `1 + line_offset` of its file. A syntax error
    /// stops the walk: what came before it is still located.
    pub(super) fn new(text: &str, line_offset: u32) -> Locator {
        let mut entries = Vec::new();
        let mut mappings = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            let position = Position {
                line: u32::try_from(span.start.line()).unwrap_or(u32::MAX) + line_offset,
                column: u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX),
            };
            let (is_node, key_text) = match &event {
                Event::Scalar(value, ..) => (true, Some(value.to_string())),
                Event::SequenceStart(..) | Event::MappingStart(..) | Event::Alias(..) => {
                    (true, None)
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                    (false, None)
                }
                _ => (false, None),
            };
            if !is_node {
                continue;
            }
            if stack.len() > MAX_DEPTH {
                // Deeper than the YAML reader accepts: the reader names the error; the paths
                // would only grow (each as long as its depth).
                break;
            }
            let path = match stack.last_mut() {
                None => String::new(),
                Some(Frame::Seq { path, next }) => {
                    *next += 1;
                    index(path, *next - 1)
                }
                Some(Frame::Map { path, key }) => match key.take() {
                    Some(k) => join(path, &k),
                    None => {
                        // This node is a key: it is listed under the path of its value.
                        let k = key_text.clone().unwrap_or_else(|| "?".into());
                        let full = join(path, &k);
                        *key = Some(k);
                        entries.push((position, full));
                        if matches!(event, Event::SequenceStart(..) | Event::MappingStart(..)) {
                            // A complex key: skip its inside as a nameless node.
                            stack.push(Frame::Seq {
                                path: String::from("?"),
                                next: 0,
                            });
                        }
                        continue;
                    }
                },
            };
            entries.push((position, path.clone()));
            if matches!(event, Event::MappingStart(..)) {
                mappings.push((position, path.clone()));
            }
            match event {
                Event::SequenceStart(..) => stack.push(Frame::Seq { path, next: 0 }),
                Event::MappingStart(..) => stack.push(Frame::Map { path, key: None }),
                _ => {}
            }
        }
        let mut first = BTreeMap::new();
        for (position, path) in &entries {
            first.entry(path.clone()).or_insert(*position);
        }
        Locator {
            entries,
            mappings,
            first,
        }
    }

    /// Whether the text holds no node at all (empty, or only comments).
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The path of the mapping that starts at `position`, if one does.
    pub(super) fn mapping_at(&self, position: Position) -> Option<&str> {
        self.mappings
            .iter()
            .find(|(p, _)| *p == position)
            .map(|(_, path)| path.as_str())
    }

    /// The path of the node at or last before `position`.
    pub(super) fn path_at(&self, position: Position) -> String {
        let after = self.entries.partition_point(|(p, _)| *p <= position);
        after
            .checked_sub(1)
            .map(|i| self.entries[i].1.clone())
            .unwrap_or_default()
    }

    /// Where the field with this path is (its key when it has one).
    pub(super) fn position_of(&self, path: &str) -> Option<Position> {
        self.first.get(path).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name: x\nenvironment:\n  - scale: StatefulSet/web\n    replicas: [5, 1]\n  - restart-node: all\n    max: 2\n";

    fn at(line: u32, column: u32) -> Position {
        Position { line, column }
    }

    #[test]
    fn positions_of_fields() {
        let l = Locator::new(TEXT, 0);
        assert_eq!(l.position_of("name"), Some(at(1, 1)));
        assert_eq!(l.position_of("environment[1].max"), Some(at(6, 5)));
        assert_eq!(l.position_of("environment[0].replicas[1]"), Some(at(4, 19)));
        assert_eq!(l.position_of("nothing"), None);
    }

    #[test]
    fn paths_at_positions() {
        let l = Locator::new(TEXT, 10);
        assert_eq!(l.path_at(at(16, 10)), "environment[1].max");
        assert_eq!(l.path_at(at(13, 14)), "environment[0].scale");
        assert_eq!(l.path_at(at(11, 1)), "name");
    }
}
