//! The revision DAG of the cursor's state, shown in place of the state tree (`r` toggles).
//! It lights what the actions pane's controller may read now and what its chosen action
//! reads; a revision selected here (↑↓, Home/End) shows its state and its diff against the
//! latest below the graph, and Enter opens that diff. The graph and its lanes are built once
//! per node of the path and appended to when the path goes on, so following the cursor costs
//! the new revisions only; the widget draws only the rows in view.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout as Split, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::explore::session::dag::Revision;
use crate::explore::session::{Command, DagFocus, NodeId, Session};
use crate::history_view::{DagGraph, DagView, DagViewState, Highlight, Layout, Provenance};
use crate::ui::keymap::{Cmd, Context};
use crate::ui::pane::{Draw, Handled, Pane, block, inner_height};
use crate::ui::panes::diff_lines;

/// How many graphs (one per node of the path) are kept.
const KEPT: usize = 16;

/// One node's graph and lanes.
#[derive(Debug)]
struct Built {
    generation: u64,
    node: NodeId,
    depth: usize,
    provenance: Provenance,
    graph: DagGraph,
    layout: Layout,
}

/// The DAG pane.
#[derive(Debug, Default)]
pub struct DagPane {
    /// Whether it is shown in place of the state tree.
    pub shown: bool,
    /// The graphs built, the current one last.
    built: Vec<Built>,
    /// The start's provenance (settling steps), per tree generation.
    start: Option<(u64, Provenance)>,
    view: DagViewState,
    /// The reader the actions pane is on, and what its chosen action reads.
    focus: Option<DagFocus>,
}

impl DagPane {
    /// The cursor's graph, once synced.
    pub fn graph(&self) -> Option<&DagGraph> {
        self.built.last().map(|b| &b.graph)
    }

    /// The cursor's lanes, once synced.
    pub fn layout(&self) -> Option<&Layout> {
        self.built.last().map(|b| &b.layout)
    }

    /// The view's scroll, selection and follow mode.
    pub fn view_state(&self) -> &DagViewState {
        &self.view
    }

    /// The selected revision, if any.
    pub fn selected(&self) -> Option<Revision> {
        let graph = self.graph()?;
        graph.node_at(self.view.selected?).map(|n| n.revision)
    }

    /// What is lit: the focused reader's readable revisions and its action's reads, and the
    /// selected revision's edges.
    pub fn highlight(&self) -> Highlight {
        let lit = match (self.graph(), &self.focus) {
            (Some(g), Some(f)) => Highlight::action(g, &f.reader, &f.reads)
                .unwrap_or_default()
                .under(f.setting),
            _ => Highlight::none(),
        };
        lit.with_selected(self.selected())
    }

    /// Follows the actions pane: the line `chosen` (entry, choice) it is on.
    pub fn link(&mut self, session: &Session, chosen: Option<(usize, usize)>) {
        self.focus = chosen.and_then(|(entry, choice)| session.dag_focus(entry, choice));
    }

    /// Brings the graph to the cursor's node: taken from those kept, or grown from an
    /// ancestor's (only the steps since are taken again), or built.
    fn follow(&mut self, session: &Session) {
        let generation = session.tree_generation();
        let node = session.tree().cursor();
        let selected = self.selected();
        let current = self.built.last().map(|b| (b.generation, b.node));
        if current == Some((generation, node)) {
            return;
        }
        let system = session.system();
        let state = session.state();
        let depth = session.cursor_step();
        let here = if let Some(i) = self
            .built
            .iter()
            .position(|b| b.generation == generation && b.node == node)
        {
            self.built.remove(i)
        } else {
            let ancestors = session.tree().ancestors(node);
            let grown = self
                .built
                .iter()
                .enumerate()
                .filter(|(_, b)| {
                    b.generation == generation && ancestors.get(b.depth) == Some(&b.node)
                })
                .max_by_key(|(_, b)| b.depth)
                .map(|(i, _)| i);
            match grown.map(|i| self.built.remove(i)) {
                Some(mut b) => {
                    let steps = session.steps_into(node, b.depth);
                    b.provenance
                        .extend(Provenance::from_transitions(system, b.depth + 1, &steps));
                    let history = system.history_graph(state);
                    b.graph
                        .update(&history, system.sessions(state), &b.provenance);
                    if b.graph.len() == history.nodes.len() {
                        b.layout.extend(&b.graph);
                    } else {
                        // The history dropped revisions: no append can show that.
                        b.graph = DagGraph::new(&history, system.sessions(state), &b.provenance);
                        b.layout = Layout::of(&b.graph);
                    }
                    b.node = node;
                    b.depth = depth;
                    b
                }
                None => {
                    let mut provenance = self.start_provenance(session);
                    provenance.extend(Provenance::from_transitions(
                        system,
                        1,
                        &session.steps_into(node, 0),
                    ));
                    let graph = DagGraph::of_state(system, state, &provenance);
                    let layout = Layout::of(&graph);
                    Built {
                        generation,
                        node,
                        depth,
                        provenance,
                        graph,
                        layout,
                    }
                }
            }
        };
        self.built.push(here);
        if self.built.len() > KEPT {
            self.built.remove(0);
        }
        // The latest revision in view; a selected revision stays selected while it exists.
        let graph = &self.built[self.built.len() - 1].graph;
        self.view = DagViewState {
            selected: selected.and_then(|r| graph.position(r)),
            ..DagViewState::default()
        };
    }

    fn start_provenance(&mut self, session: &Session) -> Provenance {
        let generation = session.tree_generation();
        match &self.start {
            Some((g, p)) if *g == generation => p.clone(),
            _ => {
                let p = Provenance::of_start(session.system());
                self.start = Some((generation, p.clone()));
                p
            }
        }
    }

    fn len(&self) -> usize {
        self.graph().map_or(0, DagGraph::len)
    }

    /// The pane's inside: a line of what is lit (when a reader is), the graph, and the
    /// selected revision's state and diff below it.
    fn split(&self, inner: Rect) -> [Rect; 3] {
        self.split_with(inner, self.view.selected.is_some())
    }

    /// As [`DagPane::split`], with or without a selected revision's part.
    fn split_with(&self, inner: Rect, selected: bool) -> [Rect; 3] {
        let summary = u16::from(self.focus.is_some());
        let detail = if selected {
            (inner.height / 2).clamp(2, 16)
        } else {
            0
        };
        Split::vertical([
            Constraint::Length(summary),
            Constraint::Min(1),
            Constraint::Length(detail),
        ])
        .areas(inner)
    }

    /// The selected revision's state and diff against the latest, as lines.
    fn detail(&self, session: &Session, theme: &crate::ui::theme::Theme) -> Vec<Line<'static>> {
        let Some(v) = self.selected().and_then(|r| session.revision_view(r)) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if v.revision == v.latest {
            out.push(Line::styled(
                format!("r{} is the latest · Enter diffs", v.revision),
                theme.title(),
            ));
        } else {
            out.push(Line::styled(
                format!(
                    "r{} -> latest r{}: {} differ · Enter diffs",
                    v.revision,
                    v.latest,
                    v.diff.len()
                ),
                theme.title(),
            ));
            out.extend(diff_lines(&v.diff, theme));
        }
        out.push(Line::styled(
            format!("state at r{}", v.revision),
            theme.title(),
        ));
        for kind in &v.resources {
            for r in &kind.resources {
                out.push(Line::from(vec![
                    Span::raw("  "),
                    Span::styled(r.key(), theme.title()),
                ]));
                for f in &r.fields {
                    out.push(Line::raw(format!("    {}: {}", f.path, f.value)));
                }
            }
        }
        out
    }
}

impl Pane for DagPane {
    fn commands(&self, out: &mut Vec<Context>) {
        out.push(Context::Dag);
    }

    fn height(&self, area: Rect) -> usize {
        let inner = Rect {
            height: inner_height(area) as u16,
            ..area
        };
        // Keys that move the selection make one: its rows are what they scroll within.
        usize::from(self.split_with(inner, true)[1].height)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &Draw) {
        let theme = view.theme;
        let (Some(graph), Some(layout)) = (self.graph(), self.layout()) else {
            return;
        };
        let title = format!(
            "revisions at step {} · {} · latest r{}",
            view.session.cursor_step(),
            graph.len(),
            graph.latest
        );
        let outer = block(&title, "", view.focused, theme);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let highlight = self.highlight();
        let [summary_area, graph_area, detail_area] = self.split(inner);
        if let Some(f) = &self.focus {
            let text = format!("{}: {}", f.reader, highlight.summary());
            frame.render_widget(Line::styled(text, theme.good()), summary_area);
        }
        let mut state = self.view.clone();
        frame.render_stateful_widget(
            DagView::new(graph, layout, &highlight),
            graph_area,
            &mut state,
        );
        if detail_area.height > 0 {
            frame.render_widget(
                Paragraph::new(self.detail(view.session, theme)),
                detail_area,
            );
        }
    }

    fn handle(&mut self, cmd: Cmd, _session: &Session, height: usize) -> Handled {
        let len = self.len();
        let page = height.max(1) as isize;
        match cmd {
            Cmd::Up => self.view.select_by(-1, len, height),
            Cmd::Down => self.view.select_by(1, len, height),
            Cmd::PageUp => self.view.select_by(-page, len, height),
            Cmd::PageDown => self.view.select_by(page, len, height),
            Cmd::Top => self.view.jump(len.saturating_sub(1), len, height),
            Cmd::Bottom => self.view.jump(0, len, height),
            Cmd::Close if self.view.selected.is_some() => {
                self.view = DagViewState::default();
            }
            Cmd::Enter => {
                return match self.selected() {
                    Some(r) => Handled::Run(Command::DiffRevision(r)),
                    None => Handled::Yes,
                };
            }
            _ => return Handled::No,
        }
        Handled::Yes
    }

    fn click(&mut self, row: usize, session: &Session, height: usize) -> Handled {
        let len = self.len();
        let offset = if self.view.follow {
            0
        } else {
            self.view.offset
        };
        let Some(position) = len.checked_sub(1 + offset + row) else {
            return Handled::No;
        };
        if row >= height {
            return Handled::No;
        }
        if self.view.selected == Some(position) {
            return self.handle(Cmd::Enter, session, height);
        }
        self.view.jump(position, len, height);
        Handled::Yes
    }

    fn scroll(&mut self, delta: isize, _session: &Session) {
        self.view.scroll(delta, self.len());
    }

    fn filter(&mut self) -> Option<&mut String> {
        None
    }

    fn sync(&mut self, session: &Session) {
        if self.shown {
            self.follow(session);
        }
    }
}
