//! The revision DAG's speed: lanes for 10,000 revisions (linear, and causal with 50 heads),
//! one more revision appended, a scroll or jump drawn at 160x48, and a 100,000-revision
//! history. Plain timing (`cargo bench --bench dag`); release build. Without `--bench` (as
//! `cargo test --all-targets` runs it) only a quick smoke run of 1,000 revisions.

use std::hint::black_box;
use std::time::{Duration, Instant};

use orchard::history_view::{
    DagGraph, DagView, DagViewState, Highlight, Layout, Provenance, Written,
};
use orchard::model::history::{GraphNode, HistoryGraph};
use orchard::model::resources::Revision;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::StatefulWidget;

/// A linear history of `n` revisions.
fn linear(n: u64) -> HistoryGraph {
    let nodes = (1..=n)
        .map(|r| GraphNode {
            revision: r,
            parents: if r > 1 { vec![r - 1] } else { vec![] },
            lost: false,
            term: 0,
        })
        .collect();
    HistoryGraph {
        nodes,
        heads: vec![n],
        latest: n,
        ..HistoryGraph::default()
    }
}

/// A causal history of `n` revisions with `heads` heads: `heads` branches off the first
/// revision, then each revision extends a branch chosen pseudo-randomly, and every 20th merges
/// two branches (the second then forks again from its old tip, keeping the count).
fn causal(n: u64, heads: usize) -> HistoryGraph {
    let mut nodes = vec![GraphNode {
        revision: 1,
        ..GraphNode::default()
    }];
    let mut tips: Vec<Revision> = Vec::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    let push = |nodes: &mut Vec<GraphNode>, parents: Vec<Revision>| {
        let revision = nodes.len() as Revision + 1;
        nodes.push(GraphNode {
            revision,
            parents,
            ..GraphNode::default()
        });
        revision
    };
    for _ in 0..heads {
        tips.push(push(&mut nodes, vec![1]));
    }
    while (nodes.len() as u64) < n {
        let a = next(heads);
        if nodes.len() % 20 == 0 && (nodes.len() as u64) + 2 <= n {
            let b = (a + 1 + next(heads - 1)) % heads;
            let old_b = tips[b];
            tips[a] = push(&mut nodes, vec![tips[a], old_b]);
            tips[b] = push(&mut nodes, vec![old_b]);
        } else {
            tips[a] = push(&mut nodes, vec![tips[a]]);
        }
    }
    let latest = nodes.len() as Revision;
    let mut heads: Vec<Revision> = tips;
    heads.sort_unstable();
    HistoryGraph {
        nodes,
        heads,
        latest,
        ..HistoryGraph::default()
    }
}

/// Every revision after the first written by one of three controllers, in runs of 40.
fn provenance(n: u64) -> Provenance {
    let writers = ["scheduler", "node-1", "statefulset"];
    let mut p = Provenance::default();
    for r in 2..=n {
        p.record(
            r,
            Written {
                step: (r - 1) as usize,
                writer: writers[(r as usize / 40) % 3].to_string(),
                change: format!("update Pod web-{}", r % 7),
            },
        );
    }
    p
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (black_box(out), start.elapsed())
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs).map(|_| time(&mut f).1).min().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// Draws jumps to `jumps` positions spread over the history at 160x48, each followed by a
/// one-row scroll: the median, the 99th percentile and the worst frame, each frame the best
/// of three draws (on a shared machine a draw preempted by the scheduler's 4 ms tick says
/// nothing about the widget).
fn render(graph: &DagGraph, layout: &Layout, jumps: usize) -> (Duration, Duration, Duration) {
    let area = Rect::new(0, 0, 160, 48);
    let mut buf = Buffer::empty(area);
    let highlight =
        Highlight::none().with_selected(graph.node_at(graph.len() / 2).map(|n| n.revision));
    let mut state = DagViewState::default();
    let mut frames = Vec::with_capacity(2 * jumps);
    for j in 0..jumps {
        let position = (j * 7919) % graph.len();
        state.jump(position, graph.len(), 48);
        frames.push(best_of(3, || {
            DagView::new(graph, layout, &highlight).render(area, &mut buf, &mut state);
        }));
        // And a one-row scroll from there.
        state.scroll(1, graph.len());
        frames.push(best_of(3, || {
            DagView::new(graph, layout, &highlight).render(area, &mut buf, &mut state);
        }));
    }
    frames.sort_unstable();
    let at = |q: f64| frames[((frames.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), at(1.0))
}

fn case(name: &str, history: &HistoryGraph) {
    let n = history.nodes.len() as u64;
    let p = provenance(n);
    let graph_time = best_of(5, || DagGraph::new(history, vec![], &p));
    let graph = DagGraph::new(history, vec![], &p);
    let lanes = best_of(5, || Layout::of(&graph));
    let mut layout = Layout::of(&graph);
    let width = layout.width(0..layout.len());
    // Appending: the last 1,000 revisions one at a time onto a layout of the rest.
    let mut partial = Layout::new();
    let split = graph.len().saturating_sub(1000);
    for position in 0..split {
        let parents: Vec<(usize, bool)> = graph
            .parent_positions(position)
            .into_iter()
            .map(|(q, _)| (q, false))
            .collect();
        partial.push(&parents);
    }
    let mut worst = Duration::ZERO;
    let (_, all) = time(|| {
        for position in split..graph.len() {
            let parents: Vec<(usize, bool)> = graph
                .parent_positions(position)
                .into_iter()
                .map(|(q, _)| (q, false))
                .collect();
            let (_, d) = time(|| partial.push(&parents));
            worst = worst.max(d);
        }
    });
    let appended = graph.len() - split;
    let (median, p99, worst_frame) = render(&graph, &layout, 500);
    let collapse = best_of(3, || graph.collapse_runs(10));
    let collapsed = graph.collapse_runs(10);
    layout.extend(&graph);
    println!(
        "{name}: {n} revisions, {} heads, {width} lanes: graph {}, lanes {}, append mean {} worst {}, frame 160x48 median {} p99 {} worst {}, collapse runs >10 {} ({} rows)",
        graph.heads().len(),
        ms(graph_time),
        ms(lanes),
        ms(all / appended as u32),
        ms(worst),
        ms(median),
        ms(p99),
        ms(worst_frame),
        ms(collapse),
        collapsed.len(),
    );
}

fn main() {
    // `cargo test --all-targets` runs this without `--bench`: a quick smoke run only.
    if !std::env::args().any(|a| a == "--bench") {
        case("linear (smoke)", &linear(1_000));
        case("causal (smoke)", &causal(1_000, 50));
        return;
    }
    case("linear", &linear(10_000));
    case("causal", &causal(10_000, 50));
    case("linear", &linear(100_000));
    case("causal", &causal(100_000, 50));
}
