//! The DAG as text (the widget's glyphs, newest first), Graphviz DOT and JSON.

use std::fmt::Write;

use serde::Serialize;

use super::graph::{DagGraph, EdgeKind, RevisionNode};
use super::highlight::{Highlight, Mark};
use super::layout::Layout;
use super::widget::row_text;
use crate::model::history::Read;
use crate::model::resources::{Kind, Revision};

/// Every row, newest first, as the widget draws it (without colour).
pub fn to_text(graph: &DagGraph, layout: &Layout, highlight: &Highlight) -> String {
    let width = layout.width(0..layout.len());
    let mut out = String::new();
    for position in (0..layout.len().min(graph.len())).rev() {
        let (lanes, label) = row_text(graph, layout, highlight, position, width);
        let line = format!("{lanes} {label}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A Graphviz digraph, oldest at the top: lost revisions dashed red, the latest and heads
/// bold, the commit point a double octagon, revisions lit by `highlight` filled green (the
/// reader's session and caches named in their labels), merge edges blue, elided runs dotted.
pub fn to_dot(graph: &DagGraph, highlight: &Highlight) -> String {
    let mut out = String::from(
        "digraph history {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for node in graph.nodes() {
        let mut label = format!("r{}", node.revision);
        if let Some(w) = &node.written {
            let _ = write!(
                label,
                "\\nstep {} {}\\n{}",
                w.step,
                dot_escape(&w.writer),
                dot_escape(&w.change)
            );
        } else {
            label.push_str("\\nstart");
        }
        let mut attrs = Vec::new();
        let mut styles = Vec::new();
        if let Some(marks) = highlight.marks.get(&node.revision) {
            let words = super::highlight::mark_words(marks);
            let _ = write!(label, "\\n[{}]", dot_escape(&words.join(", ")));
            styles.push("filled");
            attrs.push("fillcolor=\"palegreen\"".to_string());
        }
        if node.lost {
            styles.push("dashed");
            attrs.push("color=\"red\"".to_string());
            attrs.push("fontcolor=\"red\"".to_string());
            label.push_str("\\nlost");
        }
        if node.head || node.revision == graph.latest {
            styles.push("bold");
        }
        if Some(node.revision) == graph.commit_point {
            attrs.push("shape=doubleoctagon".to_string());
            label.push_str("\\ncommit point");
        }
        if !styles.is_empty() {
            attrs.push(format!("style=\"{}\"", styles.join(",")));
        }
        attrs.insert(0, format!("label=\"{label}\""));
        let _ = writeln!(out, "  r{} [{}];", node.revision, attrs.join(", "));
    }
    for (parent, child, kind) in graph.edges() {
        let style = match kind {
            EdgeKind::Parent => String::new(),
            EdgeKind::Merge => " [color=\"blue\"]".to_string(),
            EdgeKind::Elided { hidden } => {
                format!(" [style=\"dotted\", label=\"{hidden} hidden\"]")
            }
        };
        let _ = writeln!(out, "  r{parent} -> r{child}{style};");
    }
    if let Some(selected) = highlight.selected {
        let _ = writeln!(out, "  r{selected} [penwidth=3];");
    }
    out.push_str("}\n");
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonEdge {
    parent: Revision,
    child: Revision,
    #[serde(flatten)]
    kind: EdgeKind,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonGraph<'a> {
    nodes: Vec<&'a RevisionNode>,
    edges: Vec<JsonEdge>,
    heads: Vec<Revision>,
    latest: Revision,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit_point: Option<Revision>,
    lost: Vec<Revision>,
    readable: &'a [(String, Vec<Read>)],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    caches: &'a [(String, Vec<(Kind, Revision)>)],
    #[serde(skip_serializing_if = "Option::is_none")]
    highlight: Option<Vec<(Revision, &'a [Mark])>>,
}

/// The graph as pretty JSON: nodes, edges, heads, latest, commit point, lost revisions, what
/// each reader may read, informer caches and, when something is lit, the marks.
pub fn to_json(graph: &DagGraph, highlight: &Highlight) -> String {
    let json = JsonGraph {
        nodes: graph.nodes().collect(),
        edges: graph
            .edges()
            .into_iter()
            .map(|(parent, child, kind)| JsonEdge {
                parent,
                child,
                kind,
            })
            .collect(),
        heads: graph.heads(),
        latest: graph.latest,
        commit_point: graph.commit_point,
        lost: graph.lost(),
        readable: &graph.readable,
        caches: &graph.caches,
        highlight: (!highlight.marks.is_empty()).then(|| {
            highlight
                .marks
                .iter()
                .map(|(r, m)| (*r, m.as_slice()))
                .collect()
        }),
    };
    serde_json::to_string_pretty(&json).expect("the graph serializes")
}
