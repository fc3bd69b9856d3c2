//! The picker shown when the explorer starts without a file: the models under `models/` and
//! the traces under `traces/`, each with its description, filtered by typed text.

use std::path::{Path, PathBuf};

/// What a picker entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A model file.
    Model,
    /// A trace file.
    Trace,
}

/// One file in the picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickerEntry {
    /// Model or trace.
    pub kind: EntryKind,
    /// The file.
    pub path: PathBuf,
    /// Its name without directory and extension.
    pub name: String,
    /// Its description (a model's `description`; for a trace, the property violated and
    /// where), or why it cannot be read.
    pub description: String,
}

/// The picker's entries and filter.
#[derive(Clone, Debug, Default)]
pub struct Picker {
    entries: Vec<PickerEntry>,
    filter: String,
}

impl Picker {
    /// The models (`*.yaml`, `*.yml`) in `models` and its subdirectories and the traces
    /// (`*.json`) in `traces`, models first, each sorted by path. Missing directories are
    /// empty.
    pub fn scan(models: &Path, traces: &Path) -> Picker {
        let mut entries = Vec::new();
        let mut files = Vec::new();
        collect(models, &["yaml", "yml"], &mut files);
        files.sort();
        entries.extend(files.drain(..).map(|p| model_entry(&p)));
        collect(traces, &["json"], &mut files);
        files.sort();
        entries.extend(files.drain(..).map(|p| trace_entry(&p)));
        Picker {
            entries,
            filter: String::new(),
        }
    }

    /// The traces (`*.json`) in `dir` only, sorted by path: a triage's representatives, one
    /// per cause, named `P8-cause-1-of-3-x12.json` (12 counterexamples have this cause).
    pub fn traces(dir: &Path) -> Picker {
        let mut files = Vec::new();
        collect(dir, &["json"], &mut files);
        files.sort();
        Picker::from_entries(files.iter().map(|p| trace_entry(p)).collect())
    }

    /// A picker over given entries.
    pub fn from_entries(entries: Vec<PickerEntry>) -> Picker {
        Picker {
            entries,
            filter: String::new(),
        }
    }

    /// Sets the filter text.
    pub fn set_filter(&mut self, text: &str) {
        self.filter = text.to_string();
    }

    /// The filter text.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Every entry.
    pub fn all(&self) -> &[PickerEntry] {
        &self.entries
    }

    /// The entries whose name or description contains every word of the filter, ignoring case.
    pub fn visible(&self) -> Vec<&PickerEntry> {
        let words: Vec<String> = self
            .filter
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.entries
            .iter()
            .filter(|e| {
                let text = format!("{} {}", e.name, e.description).to_lowercase();
                words.iter().all(|w| text.contains(w))
            })
            .collect()
    }
}

fn collect(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        // Lessons (`models/lessons/`) are not models: `orchard learn` opens them.
        if path.is_dir() && path.file_name().is_some_and(|n| n == "lessons") {
            continue;
        }
        if path.is_dir() {
            collect(&path, extensions, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| extensions.contains(&e))
        {
            out.push(path);
        }
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn model_entry(path: &Path) -> PickerEntry {
    let description = match std::fs::read_to_string(path) {
        Err(e) => format!("cannot read: {e}"),
        Ok(text) => match serde_saphyr::from_str::<serde_json::Value>(&text) {
            Ok(v) => v
                .get("description")
                .and_then(|d| d.as_str())
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
            Err(e) => format!("not a model: {e}"),
        },
    };
    PickerEntry {
        kind: EntryKind::Model,
        path: path.to_path_buf(),
        name: stem(path),
        description,
    }
}

fn trace_entry(path: &Path) -> PickerEntry {
    let description = match std::fs::read_to_string(path) {
        Err(e) => format!("cannot read: {e}"),
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(v) => {
                let property = v["violation"]["property"].as_str().unwrap_or_default();
                let steps = v["steps"].as_array().map_or(0, Vec::len);
                let model = v["model"]["name"].as_str().unwrap_or_default();
                let level = v["consistency"]["level"].as_str().unwrap_or_default();
                if property.is_empty() {
                    format!("an explored path of {steps} steps on {model} under {level}")
                } else {
                    let text = v["violation"]["text"].as_str().unwrap_or_default();
                    let at = v["violation"]["step"].as_u64().unwrap_or_default();
                    format!("{property} ({text}) violated at step {at} on {model} under {level}")
                }
            }
            Err(e) => format!("not a trace: {e}"),
        },
    };
    PickerEntry {
        kind: EntryKind::Trace,
        path: path.to_path_buf(),
        name: stem(path),
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_triage_picker_lists_only_the_traces_of_its_directory() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let picker = Picker::traces(&root.join("traces"));
        assert!(!picker.all().is_empty());
        assert!(picker.all().iter().all(|e| e.kind == EntryKind::Trace));
        // The models' directory holds no traces: a picker over it is empty.
        assert!(Picker::traces(&root.join("models")).all().is_empty());
    }

    #[test]
    fn the_shipped_models_and_traces_are_listed_and_filtered() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut picker = Picker::scan(&root.join("models"), &root.join("traces"));
        let stale = picker
            .all()
            .iter()
            .find(|e| e.name == "statefulset-stale-reads")
            .expect("the stale-reads model");
        assert_eq!(stale.kind, EntryKind::Model);
        assert!(stale.description.contains("59848"), "{}", stale.description);
        let trace = picker
            .all()
            .iter()
            .find(|e| e.name == "statefulset-stale-reads-P8-resettable-session")
            .expect("the stale-reads trace");
        assert!(trace.description.starts_with("P8"), "{}", trace.description);
        picker.set_filter("STALE p8");
        let visible = picker.visible();
        assert!(visible.iter().any(|e| e.kind == EntryKind::Trace));
        assert!(
            visible.iter().all(|e| {
                let text = format!("{} {}", e.name, e.description).to_lowercase();
                text.contains("stale") && text.contains("p8")
            }),
            "{visible:?}"
        );
        picker.set_filter("no such thing anywhere");
        assert!(picker.visible().is_empty());
    }
}
