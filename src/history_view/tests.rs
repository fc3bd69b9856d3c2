//! The graph, layout, highlights and widget on hand-made histories, built through the model's
//! history types: the dissertation's Fig 3.17 (optimistic) and Fig 3.18 (causal), linear runs.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::model::history::{
    AnyHistory, Causal, Change, CommitMode, Consistency, ConsistencySetting, History, HistoryGraph,
    OptimisticLinear, Read, Session,
};
use crate::model::operation::Operation;
use crate::model::resources::{Kind, KindSet, Metadata, Object, Pod, Revision};
use crate::model::state::StateView;

fn create(name: &str) -> Operation {
    Operation::Create(Object::Pod(Pod {
        metadata: Metadata::named(name),
        ..Pod::default()
    }))
}

fn write(h: &mut impl History, read: Read, operation: &Operation) -> Revision {
    h.commit(&Change {
        operation,
        read: &read,
        read_kinds: KindSet::EMPTY,
        mode: CommitMode::Kubernetes,
    })
    .expect("the write commits")
}

/// The letter the dissertation names revision `r` by (r1 = a).
fn letter(r: Revision) -> char {
    (b'a' + (r - 1) as u8) as char
}

/// Each revision after the first written at step r - 1 by `writer`, creating the pod named by
/// its letter.
fn provenance(last: Revision, writer: &str) -> Provenance {
    let mut p = Provenance::default();
    for r in 2..=last {
        p.record(
            r,
            Written {
                step: (r - 1) as usize,
                writer: writer.to_string(),
                change: format!("create Pod {}", pod_name(r)),
            },
        );
    }
    p
}

/// The optimistic history of Fig 3.17: a; b from a; c from b; d from b while c is the latest
/// (term 2, the commit point, c lost); e from d.
fn fig_3_17() -> OptimisticLinear {
    let mut h = OptimisticLinear::new(StateView::new());
    for (name, from) in [("b", 1), ("c", 2), ("d", 2), ("e", 4)] {
        write(&mut h, Read::At(from), &create(name));
    }
    h
}

/// The causal DAG of Fig 3.18: a; b from a; c from a; d from b; e from the merge of b and c.
fn fig_3_18() -> Causal {
    let mut h = Causal::new(StateView::new());
    write(&mut h, Read::At(1), &create("b"));
    write(&mut h, Read::At(1), &create("c"));
    write(&mut h, Read::At(2), &create("d"));
    write(&mut h, Read::merge(vec![2, 3]), &create("e"));
    h
}

/// A linear history of `n` revisions under `setting`.
fn linear(setting: ConsistencySetting, n: u64) -> AnyHistory {
    let mut h = AnyHistory::new(setting, StateView::new());
    for r in 2..=n {
        let latest = Read::At(h.latest());
        write(&mut h, latest, &create(&format!("p{r}")));
    }
    h
}

fn dag(history: &HistoryGraph, sessions: Vec<(String, Session)>) -> DagGraph {
    let last = history.nodes.last().map_or(1, |n| n.revision);
    DagGraph::new(history, sessions, &provenance(last, "w"))
}

/// The drawing, newest first, each revision named by its letter.
fn draw(graph: &DagGraph) -> String {
    let layout = Layout::of(graph);
    let width = layout.width(0..layout.len());
    let mut out = String::new();
    for p in (0..graph.len()).rev() {
        let (lanes, _) = row_text(graph, &layout, &Highlight::none(), p, width);
        let node = graph.node_at(p).expect("a node per row");
        out.push_str(&format!("{lanes} {}\n", letter(node.revision)));
    }
    out
}

/// The pod a test revision creates: its letter, past z `p` and its number.
fn pod_name(r: Revision) -> String {
    if r <= 26 {
        letter(r).to_string()
    } else {
        format!("p{r}")
    }
}

fn letters(revisions: &[Revision]) -> String {
    revisions.iter().map(|&r| letter(r)).collect()
}

// ---------------------------------------------------------------- the graph

#[test]
fn fig_3_17_graph_has_the_lost_branch_and_the_commit_point() {
    let h = fig_3_17();
    let g = dag(&h.graph(&[]), vec![]);
    assert_eq!(g.len(), 5);
    let edges: Vec<String> = g
        .edges()
        .iter()
        .map(|(p, c, k)| format!("{}{}:{k:?}", letter(*p), letter(*c)))
        .collect();
    assert_eq!(
        edges,
        ["ab:Parent", "bc:Parent", "bd:Parent", "de:Parent"].map(String::from)
    );
    assert_eq!(letters(&g.heads()), "ce");
    assert_eq!(letters(&g.lost()), "c");
    assert_eq!(g.commit_point.map(letter), Some('d'));
    assert_eq!(letter(g.latest), 'e');
    let d = g.node(4).expect("d");
    assert_eq!((d.term, d.written.as_ref().map(|w| w.step)), (2, Some(3)));
    insta::assert_snapshot!(draw(&g), @r"
      ● e
      ◆ d
    × │ c
    ○─╯ b
    ○   a
    ");
}

#[test]
fn fig_3_18_graph_has_a_merge_edge_and_two_heads() {
    let h = fig_3_18();
    let g = dag(&h.graph(&[]), vec![]);
    assert_eq!(
        g.parents(5),
        vec![(2, EdgeKind::Parent), (3, EdgeKind::Merge)],
        "e is the merge of b and c"
    );
    assert_eq!(letters(&g.heads()), "de");
    assert!(g.lost().is_empty() && g.commit_point.is_none());
    insta::assert_snapshot!(draw(&g), @r"
      ╭─● e
    ○ │ │ d
    │ ○ │ c
    ○─┼─╯ b
    ○─╯   a
    ");
}

#[test]
fn a_linear_history_is_one_lane() {
    let h = linear(ConsistencySetting::of(Consistency::Synchronous), 4);
    let g = dag(&h.graph(&[]), vec![]);
    assert_eq!(letters(&g.heads()), "d");
    insta::assert_snapshot!(draw(&g), @r"
    ● d
    ○ c
    ○ b
    ○ a
    ");
}

#[test]
fn an_update_appends_new_revisions_and_moves_the_heads() {
    let mut h = Causal::new(StateView::new());
    write(&mut h, Read::At(1), &create("b"));
    let mut g = dag(&h.graph(&[]), vec![]);
    assert_eq!(letters(&g.heads()), "b");
    write(&mut h, Read::At(1), &create("c"));
    write(&mut h, Read::At(2), &create("d"));
    assert_eq!(g.update(&h.graph(&[]), vec![], &provenance(4, "w")), 2);
    assert_eq!(letters(&g.heads()), "cd");
    assert_eq!(
        g.node(3).and_then(|n| n.written.clone()).map(|w| w.step),
        Some(2)
    );
}

#[test]
fn long_runs_of_one_writer_collapse_to_an_elided_edge() {
    let h = linear(ConsistencySetting::of(Consistency::Synchronous), 8);
    let mut p = provenance(8, "scheduler");
    p.record(
        8,
        Written {
            step: 7,
            writer: "node-1".into(),
            change: "update Pod p8".into(),
        },
    );
    let g = DagGraph::new(&h.graph(&[]), vec![], &p);
    let short = g.collapse_runs(10);
    assert_eq!(short.len(), 8, "no run is longer than 10");
    let c = g.collapse_runs(3);
    // b..g (six revisions by the scheduler) keep b and g; h is by node-1.
    assert_eq!(
        c.nodes().map(|n| letter(n.revision)).collect::<String>(),
        "abgh"
    );
    assert_eq!(c.parents(7), vec![(2, EdgeKind::Elided { hidden: 4 })]);
    insta::assert_snapshot!(draw(&c), @r"
    ● h
    ○ g
    ○ b
    ○ a
    ");
}

// ---------------------------------------------------------------- layout

#[test]
fn appending_revisions_one_by_one_lays_out_as_at_once() {
    let h = fig_3_18();
    let g = dag(&h.graph(&[]), vec![]);
    let whole = Layout::of(&g);
    let mut grown = Layout::new();
    for p in 0..g.len() {
        let parents: Vec<(usize, bool)> = g
            .parent_positions(p)
            .into_iter()
            .map(|(q, _)| (q, false))
            .collect();
        grown.push(&parents);
    }
    assert_eq!(whole.rows(), grown.rows());
    assert_eq!(whole.width(0..whole.len()), 3);
    assert_eq!(whole.width(0..1), 2, "a's row holds the fork to c");
}

#[test]
fn many_heads_get_one_lane_each_and_a_merge_joins_them() {
    // Five writes from a, then one merge of all five.
    let mut layout = Layout::new();
    layout.push(&[]);
    for _ in 0..5 {
        layout.push(&[(0, false)]);
    }
    layout.push(&[(1, false), (2, false), (3, false), (4, false), (5, false)]);
    assert_eq!(layout.width(0..layout.len()), 5);
    let merge = &layout.rows()[6];
    assert_eq!(merge.column, 0);
    assert!(merge.cells[1..].iter().all(|c| c.has(Cell::LEFT)));
}

// ---------------------------------------------------------------- highlights

fn session(read: Revision) -> Session {
    Session::at(Read::At(read))
}

/// The readable highlight of a reader with `session` on the linear history a..e.
fn readable_at(setting: ConsistencySetting, session: Session) -> (String, Highlight) {
    let h = linear(setting, 5);
    let readers = vec![("r".to_string(), session)];
    let g = dag(&h.graph(&readers), readers);
    let lit = Highlight::reader(&g, "r").expect("a known reader");
    (letters(&lit.readable()), lit)
}

#[test]
fn the_readable_highlight_follows_the_consistency_level() {
    let of = ConsistencySetting::of;
    assert_eq!(readable_at(of(Consistency::Synchronous), session(2)).0, "e");
    let (monotonic, lit) = readable_at(of(Consistency::MonotonicSession), session(2));
    assert_eq!(monotonic, "cde", "a session of b reads what lies past it");
    assert_eq!(lit.marks[&2], vec![Mark::Session]);
    assert_eq!(
        readable_at(of(Consistency::MonotonicSession), Session::default()).0,
        "e"
    );
    assert_eq!(
        readable_at(of(Consistency::ResettableSession), Session::default()).0,
        "abcde",
        "without a session, resettable reads anything"
    );
}

#[test]
fn read_your_writes_lights_the_last_write_and_reads_no_older() {
    let with_write = Session {
        read: Some(Read::At(2)),
        last_write: Some(4),
    };
    let ryw = ConsistencySetting {
        read_your_writes: true,
        ..ConsistencySetting::of(Consistency::MonotonicSession)
    };
    let (readable, lit) = readable_at(ryw, with_write.clone());
    assert_eq!(readable, "de");
    assert_eq!(lit.marks[&4], vec![Mark::Readable, Mark::LastWrite]);
    let (without, _) = readable_at(
        ConsistencySetting::of(Consistency::MonotonicSession),
        with_write,
    );
    assert_eq!(without, "cde");
}

#[test]
fn marks_a_level_gives_no_meaning_are_left_out_and_an_actions_reads_are_marked() {
    let with_write = Session {
        read: Some(Read::At(2)),
        last_write: Some(4),
    };
    let of = ConsistencySetting::of;
    let ryw = ConsistencySetting {
        read_your_writes: true,
        ..of(Consistency::MonotonicSession)
    };
    let h = linear(ryw, 5);
    let readers = vec![("r".to_string(), with_write)];
    let g = dag(&h.graph(&readers), readers);
    let lit = Highlight::action(&g, "r", &[5]).expect("a known reader");
    assert_eq!(
        lit.summary(),
        "readable r4..r5 · session r2 · last write r4 · read r5"
    );
    let plain = lit.clone().under(of(Consistency::MonotonicSession));
    assert_eq!(plain.summary(), "readable r4..r5 · session r2 · read r5");
    let synchronous = lit.clone().under(of(Consistency::Synchronous));
    assert_eq!(synchronous.marked(&Mark::Session), Vec::<Revision>::new());
    assert!(
        !synchronous.is_lit(2),
        "a revision left with no mark is not lit"
    );
    assert_eq!(lit.clone().under(ryw), lit);
    assert!(Highlight::action(&g, "nobody", &[5]).is_none());
}

#[test]
fn optimistic_and_causal_readable_sets() {
    let h = fig_3_17();
    let readers = vec![("r".to_string(), session(2))];
    let g = dag(&h.graph(&readers), readers);
    let lit = Highlight::reader(&g, "r").expect("known");
    assert_eq!(letters(&lit.readable()), "cde");
    let h = fig_3_18();
    let readers = vec![("r".to_string(), session(2))];
    let g = dag(&h.graph(&readers), readers);
    let lit = Highlight::reader(&g, "r").expect("known");
    assert_eq!(
        letters(&lit.readable()),
        "cde",
        "reads {{d}}, {{d,c}}, {{d,e}}, {{e}}"
    );
    assert!(Highlight::reader(&g, "nobody").is_none());
}

#[test]
fn informer_caches_light_each_kind_at_its_own_revision() {
    let h = linear(ConsistencySetting::of(Consistency::Informer), 4);
    let mut history = h.graph(&[]);
    history.readable = vec![(
        "kubelet".into(),
        vec![Read::PerKind({
            let mut at = [4; Kind::COUNT];
            at[Kind::Pod.index()] = 2;
            at
        })],
    )];
    history.caches = vec![("kubelet".into(), vec![(Kind::Node, 4), (Kind::Pod, 2)])];
    let g = dag(&history, vec![]);
    let lit = Highlight::reader(&g, "kubelet").expect("known");
    assert_eq!(letters(&lit.readable()), "bd");
    assert!(lit.marks[&2].contains(&Mark::Cache {
        kinds: vec![Kind::Pod]
    }));
    assert!(lit.marks[&4].contains(&Mark::Cache {
        kinds: vec![Kind::Node]
    }));
    assert!(!lit.is_lit(3), "no cache stands at c");
}

#[test]
fn a_selected_revision_names_the_sessions_and_caches_standing_on_it() {
    let h = linear(ConsistencySetting::of(Consistency::MonotonicSession), 4);
    let readers = vec![
        ("node-1".to_string(), session(2)),
        ("scheduler".to_string(), session(3)),
    ];
    let mut history = h.graph(&readers);
    history.caches = vec![("kubelet".into(), vec![(Kind::Node, 2), (Kind::Pod, 2)])];
    let g = dag(&history, readers);
    assert_eq!(
        g.standing(2),
        ["node-1 session", "kubelet nodes,pods cache"]
    );
    assert!(g.standing(4).is_empty());
    let layout = Layout::of(&g);
    let selected = Highlight::none().with_selected(Some(2));
    let (_, text) = row_text(&g, &layout, &selected, 1, 1);
    assert_eq!(
        text,
        "r2 s1 w: create Pod b  (under node-1 session, kubelet nodes,pods cache)"
    );
    let (_, plain) = row_text(&g, &layout, &Highlight::none(), 1, 1);
    assert_eq!(plain, "r2 s1 w: create Pod b");
}

#[test]
fn a_read_lights_the_revisions_it_reads() {
    let lit = Highlight::read(&Read::merge(vec![4, 3]));
    assert_eq!(letters(&lit.readable()), "cd");
    assert_eq!(letters(&Highlight::read(&Read::At(5)).readable()), "e");
}

// ---------------------------------------------------------------- widget

fn buffer(
    graph: &DagGraph,
    highlight: &Highlight,
    state: &mut DagViewState,
    w: u16,
    h: u16,
) -> ratatui::buffer::Buffer {
    let layout = Layout::of(graph);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|f| {
            f.render_stateful_widget(DagView::new(graph, &layout, highlight), f.area(), state)
        })
        .expect("draws");
    terminal.backend().buffer().clone()
}

fn screen(
    graph: &DagGraph,
    highlight: &Highlight,
    state: &mut DagViewState,
    w: u16,
    h: u16,
) -> String {
    let buffer = buffer(graph, highlight, state, w, h);
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn widget_draws_a_linear_history_and_keeps_the_latest_in_view() {
    let h = linear(ConsistencySetting::of(Consistency::MonotonicSession), 30);
    let readers = vec![("node-1".to_string(), session(27))];
    let g = dag(&h.graph(&readers), readers);
    let lit = Highlight::reader(&g, "node-1").expect("known");
    let mut state = DagViewState::default();
    insta::assert_snapshot!(screen(&g, &lit, &mut state, 60, 5), @r"
    ● r30 s29 w: create Pod p30  (latest, readable)
    ○ r29 s28 w: create Pod p29  (readable)
    ○ r28 s27 w: create Pod p28  (readable)
    ○ r27 s26 w: create Pod p27  (session)
    ○ r26 s25 w: create Pod z
    ");
    state.jump(0, g.len(), 5);
    insta::assert_snapshot!(screen(&g, &lit, &mut state, 60, 5), @r"
    ○ r5 s4 w: create Pod e
    ○ r4 s3 w: create Pod d
    ○ r3 s2 w: create Pod c
    ○ r2 s1 w: create Pod b
    ○ r1 start
    ");
    assert!(!state.follow);
}

#[test]
fn widget_draws_an_optimistic_history() {
    let g = dag(&fig_3_17().graph(&[]), vec![]);
    let mut state = DagViewState::default();
    insta::assert_snapshot!(screen(&g, &Highlight::none(), &mut state, 60, 6), @r"
      ● r5 s4 w: create Pod e  (latest)
      ◆ r4 s3 w: create Pod d  (commit point, term 2 starts)
    × │ r3 s2 w: create Pod c  (head, lost)
    ○─╯ r2 s1 w: create Pod b
    ○   r1 start

    ");
}

#[test]
fn widget_draws_a_causal_history_with_the_selection() {
    let g = dag(&fig_3_18().graph(&[]), vec![]);
    let mut state = DagViewState::default();
    state.jump(4, g.len(), 6);
    let lit = Highlight::read(&Read::merge(vec![2, 3])).with_selected(Some(5));
    insta::assert_snapshot!(screen(&g, &lit, &mut state, 60, 6), @r"
      ╭─● r5 s4 w: create Pod e  (latest)
    ○ │ │ r4 s3 w: create Pod d  (head)
    │ ○ │ r3 s2 w: create Pod c  (read)
    ○─┼─╯ r2 s1 w: create Pod b  (read)
    ○─╯   r1 start

    ");
}

#[test]
fn selecting_a_revision_lights_its_parent_edges_only() {
    use ratatui::style::Color;
    let g = dag(&fig_3_18().graph(&[]), vec![]);
    let mut state = DagViewState::default();
    // e's merge edge from c turns at (x 2, y 0), its edge from b at (x 4, y 3); d is at (x 0, y 1).
    let selected = Highlight::none().with_selected(Some(5));
    let b = buffer(&g, &selected, &mut state, 40, 5);
    assert_eq!((b[(2, 0)].symbol(), b[(2, 0)].fg), ("╭", Color::Yellow));
    assert_eq!((b[(4, 3)].symbol(), b[(4, 3)].fg), ("╯", Color::Yellow));
    assert_ne!(b[(0, 1)].fg, Color::Yellow, "d is not selected");
    let none = buffer(&g, &Highlight::none(), &mut state, 40, 5);
    assert_ne!(none[(2, 0)].fg, Color::Yellow);
}

#[test]
fn widget_draws_left_to_right() {
    let g = dag(&fig_3_18().graph(&[]), vec![]);
    let layout = Layout::of(&g);
    let mut terminal = Terminal::new(TestBackend::new(24, 5)).expect("a test terminal");
    let mut state = DagViewState::default();
    let none = Highlight::none();
    terminal
        .draw(|f| {
            let view = DagView::new(&g, &layout, &none).orientation(Orientation::LeftToRight);
            f.render_stateful_widget(view, f.area(), &mut state)
        })
        .expect("draws");
    let buffer = terminal.backend().buffer();
    let lines: Vec<String> = (0..5)
        .map(|y| {
            let line: String = (0..24)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string()
        })
        .collect();
    insta::assert_snapshot!(lines.join("\n"), @r"
    ○───○───────○
    ╰───┼───○───────╮
        ╰───────────●
    1   2   3   4   5
    r5 s4 w: create Pod e  (
    ");
}

#[test]
fn scrolling_leaves_and_regains_follow_mode() {
    let mut state = DagViewState::default();
    state.scroll(3, 10);
    assert_eq!((state.offset, state.follow), (3, false));
    state.scroll(-5, 10);
    assert_eq!((state.offset, state.follow), (0, true));
    state.scroll(50, 10);
    assert_eq!(state.offset, 9);
    state.jump(9, 10, 4);
    assert_eq!(state.offset, 0);
    state.select_by(5, 10, 4);
    assert_eq!((state.selected, state.offset), (Some(4), 2));
}

// ---------------------------------------------------------------- exports

#[test]
fn dot_and_json_mark_lost_branches_merges_and_the_reader() {
    let g = dag(&fig_3_17().graph(&[]), vec![]);
    let dot = to_dot(&g, &Highlight::read(&Read::At(3)));
    assert!(dot.contains("r3 [label=\"r3\\nstep 2 w\\ncreate Pod c\\n[read]\\nlost\", fillcolor=\"palegreen\", color=\"red\""), "{dot}");
    assert!(dot.contains("shape=doubleoctagon"));
    let causal = dag(&fig_3_18().graph(&[]), vec![]);
    assert!(to_dot(&causal, &Highlight::none()).contains("r3 -> r5 [color=\"blue\"]"));
    let json: serde_json::Value =
        serde_json::from_str(&to_json(&g, &Highlight::none())).expect("valid JSON");
    assert_eq!(json["lost"], serde_json::json!([3]));
    assert_eq!(json["commitPoint"], 4);
    assert_eq!(
        json["edges"][2],
        serde_json::json!({"parent": 2, "child": 4, "kind": "parent"})
    );
    let text = to_text(&g, &Layout::of(&g), &Highlight::none());
    assert!(
        text.starts_with("  ● r5 s4 w: create Pod e  (latest)\n"),
        "{text}"
    );
}
