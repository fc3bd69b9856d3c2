//! The second pass over resources: each manifest is read as the struct of its kind (dispatched
//! on the `kind` the first pass found, not through the internally tagged `Object`, which would
//! buffer it), through `serde_ignored`, so fields valid in Kubernetes but not modelled are
//! collected instead of lost or rejected.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::locate::{index, join};
use crate::model::resources::{Kind, Object};

/// A manifest read as one kind: the object and the paths of the fields it ignored.
pub(super) type Read = (Object, Vec<String>);

/// A `file:` entry of `resources`: nothing else may stand beside the path.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    #[serde(rename = "file")]
    _file: String,
}

/// Reads one manifest as `kind`.
struct ResourceSeed(Kind);

impl<'de> DeserializeSeed<'de> for ResourceSeed {
    type Value = Read;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Read, D::Error> {
        let mut ignored = Vec::new();
        let mut note = |path: serde_ignored::Path<'_>| {
            let path = render(&path);
            // apiVersion and kind were read by the first pass.
            if path != "apiVersion" && path != "kind" && !ignored.contains(&path) {
                ignored.push(path);
            }
        };
        let object = match self.0 {
            Kind::Node => Object::Node(serde_ignored::deserialize(d, &mut note)?),
            Kind::Pod => Object::Pod(serde_ignored::deserialize(d, &mut note)?),
            Kind::ReplicaSet => Object::ReplicaSet(serde_ignored::deserialize(d, &mut note)?),
            Kind::Deployment => Object::Deployment(serde_ignored::deserialize(d, &mut note)?),
            Kind::StatefulSet => Object::StatefulSet(serde_ignored::deserialize(d, &mut note)?),
            Kind::Job => Object::Job(serde_ignored::deserialize(d, &mut note)?),
            Kind::ControllerRevision => {
                Object::ControllerRevision(serde_ignored::deserialize(d, &mut note)?)
            }
            Kind::PersistentVolumeClaim => {
                Object::PersistentVolumeClaim(serde_ignored::deserialize(d, &mut note)?)
            }
        };
        Ok((object, ignored))
    }
}

/// A path as `spec.template.spec.containers[0].ports`.
fn render(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index: i } => index(&render(parent), *i),
        Path::Map { parent, key } => join(&render(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => render(parent),
    }
}

/// Reads the `resources` of a model file, given each entry's kind (`None` for a `file:` entry).
pub(super) fn read_inline(
    text: &str,
    kinds: &[Option<Kind>],
) -> Result<Vec<Option<Read>>, serde_saphyr::Error> {
    serde_saphyr::with_deserializer_from_str(text, |d| d.deserialize_map(ModelResources(kinds)))
}

/// The `resources` of a model file as plain values, for the strict check of their fields.
pub(super) fn raw_inline(text: &str) -> Result<Vec<serde_json::Value>, serde_saphyr::Error> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        resources: Vec<serde_json::Value>,
    }
    serde_saphyr::from_str::<Raw>(text).map(|raw| raw.resources)
}

/// One manifest document as a plain value, for the strict check of its fields.
pub(super) fn raw_document(text: &str) -> Result<serde_json::Value, serde_saphyr::Error> {
    serde_saphyr::from_str(text)
}

/// Reads one manifest document as `kind`.
pub(super) fn read_document(text: &str, kind: Kind) -> Result<Read, serde_saphyr::Error> {
    serde_saphyr::with_deserializer_from_str(text, |d| ResourceSeed(kind).deserialize(d))
}

/// Splits a multi-document YAML text at its `---` lines: each document with the number of lines
/// before it.
pub(super) fn split_documents(text: &str) -> Vec<(u32, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line = 0u32;
    let mut offset = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        if n > 0 && (line.starts_with("---") || line.starts_with("...")) {
            out.push((start_line, &text[start..offset]));
            start = offset;
            start_line = n;
        }
        offset += line.len();
    }
    out.push((start_line, &text[start..]));
    out
}

struct ModelResources<'a>(&'a [Option<Kind>]);

impl<'de> Visitor<'de> for ModelResources<'_> {
    type Value = Vec<Option<Read>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a model")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "resources" {
                out = map.next_value_seed(ResourceList(self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

struct ResourceList<'a>(&'a [Option<Kind>]);

impl<'de> DeserializeSeed<'de> for ResourceList<'_> {
    type Value = Vec<Option<Read>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResourceList<'_> {
    type Value = Vec<Option<Read>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of manifests and {file: path} entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        for kind in self.0 {
            let item = match kind {
                Some(kind) => seq.next_element_seed(ResourceSeed(*kind))?.map(Some),
                None => seq.next_element::<FileEntry>()?.map(|_| None),
            };
            match item {
                Some(read) => out.push(read),
                None => return Err(de::Error::invalid_length(out.len(), &self)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_with_line_offsets() {
        let text = "a: 1\n---\nb: 2\nc: 3\n---\nd: 4\n";
        let docs = split_documents(text);
        assert_eq!(
            docs,
            vec![(0, "a: 1\n"), (1, "---\nb: 2\nc: 3\n"), (4, "---\nd: 4\n")]
        );
    }

    #[test]
    fn ignored_fields_are_collected_with_their_paths() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: i\n      ports: [{containerPort: 80}]\n      command: [sh]\n";
        let (object, ignored) = read_document(text, Kind::Pod).unwrap();
        assert_eq!(object.name(), "p");
        assert_eq!(
            ignored,
            vec!["spec.containers[0].ports", "spec.containers[0].command"]
        );
    }
}
