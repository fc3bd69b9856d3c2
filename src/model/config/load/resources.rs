//! `resources:` read in two passes (headers, then each manifest as its kind), `file:` entries
//! included through the caller's closure, and checked: kinds, apiVersions, every field against
//! Kubernetes' schema of its kind (an unknown field is an error), names unique per kind and
//! within length, counts and quantities within the limits.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::super::error::{ConfigError, IgnoredField, Position};
use super::super::file::ResourceHeader;
use super::super::limits::{
    MAX_NAME, MAX_RESOURCES, count_within, counts_of, name_within, pods_of, pods_within,
    quantities_of, quantity_ok, value_within,
};
use super::super::locate::{index, join};
use super::super::manifest::{self, Read};
use super::super::schema;
use super::source::{Source, known};
use crate::model::resources::{Kind, Object};

/// The resources read so far, with where each came from.
#[derive(Default)]
pub(super) struct Resources {
    pub(super) objects: Vec<Object>,
    /// Where each named resource is, by kind and name: file and position.
    places: BTreeMap<(Kind, String), (String, Option<Position>)>,
    pub(super) ignored: Vec<IgnoredField>,
    /// The pods the resources ask for so far.
    pods: i64,
}

impl Resources {
    pub(super) fn contains(&self, kind: Kind, name: &str) -> bool {
        self.places.contains_key(&(kind, name.to_string()))
    }

    /// The image of the first container of a workload's pod template.
    pub(super) fn first_image(&self, kind: Kind, name: &str) -> Option<&str> {
        let template = self.objects.iter().find_map(|o| match o {
            Object::Deployment(d) if kind == Kind::Deployment && d.metadata.name == name => {
                Some(&d.spec.template)
            }
            Object::StatefulSet(s) if kind == Kind::StatefulSet && s.metadata.name == name => {
                Some(&s.spec.template)
            }
            Object::ReplicaSet(r) if kind == Kind::ReplicaSet && r.metadata.name == name => {
                Some(&r.spec.template)
            }
            Object::Job(j) if kind == Kind::Job && j.metadata.name == name => {
                Some(&j.spec.template)
            }
            _ => None,
        })?;
        template.spec.containers.first().map(|c| c.image.as_str())
    }

    pub(super) fn names(&self, kind: Kind) -> Vec<&str> {
        self.places
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.as_str())
            .collect()
    }

    /// Adds a manifest read at `path` of `source`, after checking it; `ignored` are the
    /// fields the schema knows and orchard does not model.
    fn add(
        &mut self,
        source: &Source,
        path: &str,
        read: Read,
        ignored: Vec<String>,
    ) -> Result<(), ConfigError> {
        let (object, unread) = read;
        let ignored = merge_ignored(ignored, unread);
        if self.objects.len() >= MAX_RESOURCES {
            let m = count_within(self.objects.len() + 1, MAX_RESOURCES, "resources")
                .err()
                .unwrap_or_default();
            return Err(source.error(path, m));
        }
        check_counts(source, path, &object)?;
        if let Some((field, n)) = pods_of(&object) {
            self.pods =
                pods_within(self.pods, n).map_err(|m| source.error(&join(path, field), m))?;
        }
        name_within(object.name(), MAX_NAME)
            .and_then(|()| name_within(&object.metadata().generate_name, MAX_NAME))
            .map_err(|m| source.error(&join(path, "metadata.name"), m))?;
        check_selector(source, path, &object)?;
        let kind = object.kind();
        let label = if object.name().is_empty() {
            format!("{kind}/{}*", object.metadata().generate_name)
        } else {
            format!("{kind}/{}", object.name())
        };
        if !object.name().is_empty() {
            let name_path = join(path, "metadata.name");
            let key = (kind, object.name().to_string());
            if let Some((file, position)) = self.places.get(&key) {
                let at = match position {
                    Some(p) => format!("{file}:{}:{}", p.line, p.column),
                    None => file.clone(),
                };
                return Err(source.error(
                    &name_path,
                    format!("duplicate {kind} `{}` (first at {at})", object.name()),
                ));
            }
            self.places
                .insert(key, (source.file.clone(), source.position(&name_path)));
        }
        let mut fields: Vec<IgnoredField> = ignored
            .into_iter()
            .map(|field| IgnoredField {
                file: source.file.clone(),
                position: source.position(&join(path, &field)),
                resource: label.clone(),
                changes_behaviour: super::unmodelled::changes_behaviour(kind, &field),
                path: field,
            })
            .collect();
        fields.sort_by_key(|f| f.position);
        self.ignored.extend(fields);
        self.objects.push(object);
        Ok(())
    }
}

/// The ignored fields of the schema and of the reader, each once, without the fields inside
/// another ignored one (in time `n log n`: a manifest may list thousands).
fn merge_ignored(schema: Vec<String>, unread: Vec<String>) -> Vec<String> {
    let all: BTreeSet<String> = schema.iter().chain(&unread).cloned().collect();
    let inside_another = |path: &str| {
        path.char_indices()
            .filter(|(_, c)| matches!(c, '.' | '['))
            .any(|(i, _)| all.contains(&path[..i]))
    };
    let mut seen = BTreeSet::new();
    schema
        .into_iter()
        .chain(unread)
        .filter(|p| !inside_another(p) && seen.insert(p.clone()))
        .collect()
}

/// Counts that Kubernetes' validation rejects when negative, within orchard's limits (a
/// settled start creates every replica before the search begins), and quantities that must
/// not be negative.
fn check_counts(source: &Source, path: &str, object: &Object) -> Result<(), ConfigError> {
    for (field, value, limit) in counts_of(object) {
        if let Some(v) = value {
            if v < 0 {
                return Err(source.error(&join(path, field), format!("must not be negative ({v})")));
            }
            let word = field.rsplit('.').next().unwrap_or(field);
            value_within(i64::from(v), limit, word)
                .map_err(|m| source.error(&join(path, field), m))?;
        }
    }
    for (field, resource, q) in quantities_of(object) {
        quantity_ok(&resource, q).map_err(|m| source.error(&join(path, &field), m))?;
    }
    Ok(())
}

/// The strict check of a manifest's fields against Kubernetes' schema of its kind: the first
/// unknown field (in file order) is an error; the fields known but not modelled are returned.
fn strict(
    source: &Source,
    path: &str,
    kind: Kind,
    raw: Option<&serde_json::Value>,
) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let report = schema::check(kind, raw);
    let first = report
        .unknown
        .iter()
        .min_by_key(|u| source.position(&join(path, &u.path)));
    if let Some(unknown) = first {
        return Err(source.error(&join(path, &unknown.path), unknown.message(path)));
    }
    let invalid = report
        .invalid
        .iter()
        .min_by_key(|u| source.position(&join(path, &u.path)));
    if let Some(invalid) = invalid {
        return Err(source.error(&join(path, &invalid.path), invalid.message.clone()));
    }
    Ok(report.ignored)
}

/// A workload's selector must select its own template's pods, as the API server insists;
/// otherwise its controller would create pods it never counts, without end.
fn check_selector(source: &Source, path: &str, object: &Object) -> Result<(), ConfigError> {
    let (selector, template) = match object {
        Object::Deployment(d) => (&d.spec.selector, &d.spec.template),
        Object::StatefulSet(s) => (&s.spec.selector, &s.spec.template),
        Object::ReplicaSet(r) => (&r.spec.selector, &r.spec.template),
        _ => return Ok(()),
    };
    let at = join(path, "spec.selector");
    if selector.is_empty() {
        return Err(source.error(&at, "a workload needs a non-empty selector"));
    }
    if !selector.matches(&template.metadata.labels) {
        return Err(source.error(
            &at,
            "the selector does not match the template's labels (spec.template.metadata.labels)",
        ));
    }
    Ok(())
}

/// The keys a manifest may have at its top, over every kind (and `file` of an include).
const TOP_KEYS: [&str; 8] = [
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "status",
    "data",
    "revision",
    "file",
];

/// Checks a manifest's header and fields: its kind and apiVersion, every field against the
/// schema of its kind (before anything else, so that a misspelt `metadata` is named as such),
/// then its name. Returns the kind and the fields known but not modelled.
fn header_kind(
    source: &Source,
    path: &str,
    header: &ResourceHeader,
    raw: Option<&serde_json::Value>,
) -> Result<(Kind, Vec<String>), ConfigError> {
    let Some(kind_name) = &header.kind else {
        if let Some(serde_json::Value::Object(map)) = raw
            && let Some(key) = map.keys().find(|k| !TOP_KEYS.contains(&k.as_str()))
        {
            let hint = crate::model::suggest::did_you_mean(key, TOP_KEYS);
            return Err(source.error(
                &join(path, key),
                format!("unknown field{hint} (a manifest needs a `kind`)"),
            ));
        }
        return Err(source.error(
            &join(path, "kind"),
            "a manifest needs a `kind` (or write `file: path`)",
        ));
    };
    let kind = Kind::from_name(kind_name).ok_or_else(|| {
        source.error(
            &join(path, "kind"),
            format!(
                "unknown kind `{kind_name}` (known: {})",
                known(Kind::ALL.map(Kind::name))
            ),
        )
    })?;
    if let Some(api_version) = &header.api_version
        && api_version != kind.api_version()
    {
        return Err(source.error(
            &join(path, "apiVersion"),
            format!(
                "`{api_version}` is not the apiVersion of {kind} (write {})",
                kind.api_version()
            ),
        ));
    }
    let ignored = strict(source, path, kind, raw)?;
    if header.metadata.name.is_empty() && header.metadata.generate_name.is_empty() {
        return Err(source.error(
            &join(path, "metadata"),
            "a manifest needs `metadata.name` (or `metadata.generateName`)",
        ));
    }
    Ok((kind, ignored))
}

/// Reads the `resources` of the model file `text` into `resources`.
pub(super) fn read_resources(
    source: &Source,
    text: &str,
    headers: &[ResourceHeader],
    include: &dyn Fn(&str) -> Result<String, String>,
    resources: &mut Resources,
) -> Result<(), ConfigError> {
    let raws = manifest::raw_inline(text).map_err(|e| source.parse_error(&e))?;
    let mut kinds = Vec::new();
    let mut ignored = Vec::new();
    for (i, header) in headers.iter().enumerate() {
        let path = index("resources", i);
        let (kind, fields) = match &header.file {
            Some(_) => (None, Vec::new()),
            None => {
                let (kind, fields) = header_kind(source, &path, header, raws.get(i))?;
                (Some(kind), fields)
            }
        };
        kinds.push(kind);
        ignored.push(fields);
    }
    let mut inline = manifest::read_inline(text, &kinds)
        .map_err(|e| source.parse_error(&e))?
        .into_iter();
    for ((i, header), ignored) in headers.iter().enumerate().zip(ignored) {
        let path = index("resources", i);
        let read = inline.next().flatten();
        match (&header.file, read) {
            (Some(file), _) => {
                let included = include(file).map_err(|why| {
                    source.error(&join(&path, "file"), format!("cannot read `{file}`: {why}"))
                })?;
                let name = included_name(&source.file, file);
                let before = resources.objects.len();
                read_manifest_file(&name, &included, resources)?;
                if resources.objects.len() == before {
                    return Err(source.error(
                        &join(&path, "file"),
                        format!("`{file}` holds no manifest (it is empty or only comments)"),
                    ));
                }
            }
            (None, Some(read)) => resources.add(source, &path, read, ignored)?,
            (None, None) => return Err(source.error(&path, "this manifest could not be read")),
        }
    }
    Ok(())
}

/// How an included file is named in messages: its path beside the model.
fn included_name(origin: &str, file: &str) -> String {
    match Path::new(origin).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(file).display().to_string(),
        _ => file.to_string(),
    }
}

/// Reads every document of an included manifest file.
fn read_manifest_file(
    name: &str,
    text: &str,
    resources: &mut Resources,
) -> Result<(), ConfigError> {
    for (line_offset, document) in manifest::split_documents(text) {
        let source = Source::new(name.to_string(), document, line_offset);
        let header: Option<ResourceHeader> =
            serde_saphyr::from_str(document).map_err(|e| source.parse_error(&e))?;
        let Some(header) = header else { continue };
        if header.file.is_some() {
            return Err(source.error("file", "a manifest file cannot include another"));
        }
        let raw = manifest::raw_document(document).map_err(|e| source.parse_error(&e))?;
        let (kind, ignored) = header_kind(&source, "", &header, Some(&raw))?;
        let read = manifest::read_document(document, kind).map_err(|e| source.parse_error(&e))?;
        resources.add(&source, "", read, ignored)?;
    }
    Ok(())
}
