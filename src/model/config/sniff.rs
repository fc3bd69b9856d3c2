//! What a file is, from its top-level keys: an orchard model, an orchard trace, a plain
//! Kubernetes manifest, or none of these; so that a file given to the wrong command is named
//! as what it is, with the command that takes it.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::manifest::split_documents;

/// What a file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Nothing: empty, or only comments.
    Empty,
    /// An orchard model (`name` with controllers, resources, consistency or environment).
    Model,
    /// An orchard trace (`format` and `steps`).
    Trace,
    /// A Kubernetes manifest (`apiVersion` and `kind`), of this kind.
    Manifest(String),
    /// Anything else.
    Other,
}

impl FileKind {
    /// The file kind for people: `an orchard model`, `a Kubernetes manifest (a StatefulSet)`.
    pub fn describe(&self) -> String {
        match self {
            FileKind::Empty => "empty".into(),
            FileKind::Model => "an orchard model".into(),
            FileKind::Trace => "an orchard trace".into(),
            FileKind::Manifest(kind) if kind.is_empty() => "a Kubernetes manifest".into(),
            FileKind::Manifest(kind) => format!("a Kubernetes manifest (a {kind})"),
            FileKind::Other => "not a model, trace or manifest".into(),
        }
    }

    /// What takes a file of this kind, for a message: `orchard check FILE`.
    pub fn taken_by(&self, file: &str) -> Option<String> {
        match self {
            FileKind::Model => Some(format!("`orchard check {file}` checks it")),
            FileKind::Trace => Some(format!("`orchard replay {file}` replays it")),
            FileKind::Manifest(_) => Some(format!(
                "a model includes it from its `resources:` as `- file: {file}`"
            )),
            FileKind::Empty | FileKind::Other => None,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Keys {
    name: Option<IgnoredAny>,
    controllers: Option<IgnoredAny>,
    resources: Option<IgnoredAny>,
    consistency: Option<IgnoredAny>,
    environment: Option<IgnoredAny>,
    format: Option<IgnoredAny>,
    steps: Option<IgnoredAny>,
    api_version: Option<IgnoredAny>,
    kind: Option<serde_json::Value>,
}

/// What `text` (YAML or JSON) holds, judged from its first document's top-level keys.
pub fn sniff(text: &str) -> FileKind {
    let Some((_, first)) = split_documents(text)
        .into_iter()
        .find(|(_, doc)| has_content(doc))
    else {
        return FileKind::Empty;
    };
    let Ok(Some(keys)) = serde_saphyr::from_str::<Option<Keys>>(first) else {
        return FileKind::Other;
    };
    if keys.format.is_some() && keys.steps.is_some() {
        FileKind::Trace
    } else if keys.api_version.is_some() && keys.kind.is_some() {
        let kind = match keys.kind {
            Some(serde_json::Value::String(kind)) => kind,
            _ => String::new(),
        };
        FileKind::Manifest(kind)
    } else if keys.name.is_some()
        && (keys.controllers.is_some()
            || keys.resources.is_some()
            || keys.consistency.is_some()
            || keys.environment.is_some())
    {
        FileKind::Model
    } else {
        FileKind::Other
    }
}

/// Whether a YAML document holds anything but blank lines, comments and markers.
fn has_content(doc: &str) -> bool {
    doc.lines().any(|line| {
        let line = line.trim();
        !(line.is_empty() || line.starts_with('#') || line == "---" || line == "...")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_told_apart_by_their_keys() {
        assert_eq!(sniff(""), FileKind::Empty);
        assert_eq!(sniff("# nothing\n---\n"), FileKind::Empty);
        assert_eq!(
            sniff("name: m\ncontrollers: {scheduler: 1}\n"),
            FileKind::Model
        );
        assert_eq!(
            sniff("{\"format\": 1, \"model\": {}, \"steps\": []}"),
            FileKind::Trace
        );
        assert_eq!(
            sniff(
                "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\n---\nkind: Pod\n"
            ),
            FileKind::Manifest("StatefulSet".into())
        );
        assert_eq!(sniff("just: words\n"), FileKind::Other);
        assert_eq!(sniff("[1, 2"), FileKind::Other);
        assert_eq!(
            FileKind::Trace.taken_by("t.json").unwrap(),
            "`orchard replay t.json` replays it"
        );
    }
}
