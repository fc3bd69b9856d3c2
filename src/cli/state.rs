//! `orchard state TRACE [--step N] [-o yaml|json] [--as CONTROLLER] [--for-apply]
//! [--output-file FILE]`: the resources at a step of a trace as `kubectl get -o yaml` (or
//! `-o json`) prints them, a `v1` `List`; with `--as`, as that controller last read them (its
//! session, or its informer caches); with `--for-apply`, without what only an API server
//! sets, so that a cluster takes it with `kubectl apply -f`.

use std::path::PathBuf;

use anyhow::{anyhow, bail};

use super::Outcome;
use super::export::{TraceFile, emit, open_trace};
use crate::history_view::kube_list;
use crate::model::history::History;
use crate::model::state::StateView;
use crate::model::suggest::did_you_mean;

/// How the state is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// YAML, as `kubectl get -o yaml`.
    Yaml,
    /// JSON, as `kubectl get -o json`.
    Json,
}

/// Arguments of `orchard state`.
#[derive(Debug, clap::Args)]
pub struct StateArgs {
    /// The trace file.
    pub trace: PathBuf,
    /// The state after this step (0 is the start state; default: the last).
    #[arg(long)]
    pub step: Option<usize>,
    /// The output format.
    #[arg(long = "output", short = 'o', value_enum, ignore_case = true, default_value_t = Format::Yaml)]
    pub format: Format,
    /// The resources as this controller last read them, instead of the latest revision.
    #[arg(long = "as", value_name = "CONTROLLER")]
    pub reader: Option<String>,
    /// Leave out what only an API server sets (uid, resourceVersion, generation, timestamps,
    /// owner references, status), for `kubectl apply -f` on a cluster that never had them.
    #[arg(long)]
    pub for_apply: bool,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    pub output_file: Option<PathBuf>,
}

/// Runs `orchard state`: 0 when printed, 2 on bad input (a step past the end names the range).
pub fn run(args: &StateArgs) -> anyhow::Result<Outcome> {
    let file = open_trace(&args.trace)?;
    let last = file.last();
    let step = args.step.unwrap_or(last);
    if step > last {
        bail!(
            "--step {step}: {} has {last} steps: give 0 (the start state) to {last}",
            file.origin
        );
    }
    let view = match &args.reader {
        None => file.states[step].latest(),
        Some(name) => as_read_by(&file, step, name)?,
    };
    let list = kube_list(&view, args.for_apply);
    let text = match args.format {
        Format::Yaml => serde_saphyr::to_string(&list)
            .map_err(|e| anyhow!("{}: cannot write the state as YAML: {e}", file.origin))?,
        Format::Json => to_json(&list)?,
    };
    emit(args.output_file.as_deref(), &text)?;
    Ok(Outcome::Success)
}

/// The resources at `step` as the controller `name` last read them.
fn as_read_by(file: &TraceFile, step: usize, name: &str) -> anyhow::Result<StateView> {
    let system = &file.system;
    let names = || (0..system.controller_count()).map(|i| system.controller_name(i));
    let Some(i) = system.controller_index(name) else {
        bail!(
            "--as: no controller `{name}` in the model of {}{} (known: {})",
            file.origin,
            did_you_mean(name, names()),
            names().collect::<Vec<_>>().join(", ")
        );
    };
    let state = &file.states[step];
    let Some(read) = &state.locals[i].session.read else {
        bail!("--as {name}: at step {step} {name} has read nothing since it started");
    };
    state.history.state(read).ok_or_else(|| {
        anyhow!("--as {name}: at step {step} the history no longer holds what {name} read")
    })
}

/// JSON indented by four spaces, as kubectl prints it.
fn to_json(value: &serde_json::Value) -> anyhow::Result<String> {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    value.serialize(&mut serializer)?;
    let mut text = String::from_utf8(out)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history_view::namespaced;
    use crate::model::config::parse_model;
    use crate::model::resources::Object;
    use serde_json::{Value, json};

    fn shipped_traces() -> Vec<PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
        let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        out.sort();
        assert!(out.len() > 5, "traces are shipped");
        out
    }

    /// The objects a model file with `items` as its resources loads into (every field is in
    /// Kubernetes' schema, or the loader would refuse it; some, such as a Job's
    /// `restartPolicy`, it reports as not modelled, and the comparison shows what it keeps).
    fn loaded(items: &Value, origin: &str) -> Vec<Object> {
        let model = json!({
            "name": "round-trip",
            "controllers": { "scheduler": 1 },
            "resources": items,
        });
        let text = serde_saphyr::to_string(&model).unwrap();
        let loaded = parse_model(&text, origin, &|f: &str| Err(f.to_string()))
            .unwrap_or_else(|e| panic!("{origin}: {e}\n{text}"));
        loaded.config.initial
    }

    /// An object as the API server stores it: a namespaced one without a namespace is in
    /// `default`.
    fn defaulted(mut object: Object) -> Object {
        if namespaced(object.kind()) {
            crate::with_object!(&mut object, r => {
                r.metadata.namespace.get_or_insert_with(|| "default".into());
            });
        }
        object
    }

    #[test]
    fn every_shipped_state_reads_back_through_the_manifest_loader() {
        for path in shipped_traces() {
            let file = open_trace(&path).unwrap();
            for step in [0, file.last()] {
                let view = file.states[step].latest();
                let yaml = serde_saphyr::to_string(&kube_list(&view, false)).unwrap();
                let list: Value = serde_saphyr::from_str(&yaml).unwrap();
                assert_eq!(list["kind"], "List");
                let origin = format!("{}@{step}", path.display());
                let back = loaded(&list["items"], &origin);
                let want: Vec<Object> = view.objects().into_iter().map(defaulted).collect();
                assert_eq!(back, want, "{origin}");
            }
        }
    }

    #[test]
    fn the_stale_reads_state_shows_web_0_on_two_nodes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("traces/statefulset-stale-reads-P8-resettable-session.json");
        let file = open_trace(&path).unwrap();
        let last = file.last();
        let node_of = |view: &StateView| -> Vec<String> {
            view.objects()
                .iter()
                .filter_map(|o| match o {
                    Object::Pod(p) if p.metadata.name == "web-0" => p.spec.node_name.clone(),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(node_of(&file.states[last].latest()), ["node-2"]);
        let seen = as_read_by(&file, last, "node-1").unwrap();
        assert_eq!(node_of(&seen), ["node-1"]);
        let err = as_read_by(&file, last, "nod-1").unwrap_err().to_string();
        assert!(err.contains("did you mean node-1?"), "{err}");
    }
}
