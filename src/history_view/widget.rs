//! The ratatui widget: maps a window of layout rows to box-drawing glyphs, newest at the top
//! as `jj log` draws, with each revision's label right of the widest lane in view. The pane
//! that holds it keeps a [`DagViewState`] (scroll offset, selection, whether to follow the
//! newest revision) and a [`Highlight`]; nothing here knows the UI.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::StatefulWidget;

use super::graph::{DagGraph, EdgeKind};
use super::highlight::{Highlight, mark_words};
use super::layout::{Cell, Layout};

/// The glyph of a cell that is not a node, newest at the top (a line toward the newer row
/// goes up).
pub fn glyph(cell: Cell) -> char {
    let up = cell.has(Cell::NEWER);
    let down = cell.has(Cell::OLDER);
    let left = cell.has(Cell::LEFT);
    let right = cell.has(Cell::RIGHT);
    match (up, down, left, right) {
        (true, true, false, false) if cell.has(Cell::DASHED) => '┆',
        (true, true, false, false) => '│',
        (false, false, true, true) if cell.has(Cell::DASHED) => '┄',
        (false, false, true, _) | (false, false, _, true) => '─',
        (false, true, false, true) => '╭',
        (false, true, true, false) => '╮',
        (true, false, false, true) => '╰',
        (true, false, true, false) => '╯',
        (true, true, false, true) => '├',
        (true, true, true, false) => '┤',
        (false, true, true, true) => '┬',
        (true, false, true, true) => '┴',
        (true, true, true, true) => '┼',
        (true, false, false, false) => '╵',
        (false, true, false, false) => '╷',
        (false, false, false, false) => ' ',
    }
}

/// The glyph of a revision's node: `●` the latest, `◆` the commit point, `×` lost, `○` any
/// other.
fn node_glyph(graph: &DagGraph, position: usize) -> char {
    let Some(node) = graph.node_at(position) else {
        return '○';
    };
    if node.lost {
        '×'
    } else if node.revision == graph.latest {
        '●'
    } else if Some(node.revision) == graph.commit_point {
        '◆'
    } else {
        '○'
    }
}

/// A row's graph part (`width` columns, two characters each but the last) and its label.
pub fn row_text(
    graph: &DagGraph,
    layout: &Layout,
    highlight: &Highlight,
    position: usize,
    width: usize,
) -> (String, String) {
    let mut lanes = String::with_capacity(width * 6);
    if let Some(row) = layout.rows().get(position) {
        for c in 0..width {
            let cell = row.cells.get(c).copied().unwrap_or_default();
            if cell.has(Cell::NODE) {
                lanes.push(node_glyph(graph, position));
            } else {
                lanes.push(glyph(cell));
            }
            if c + 1 < width {
                lanes.push(if cell.has(Cell::RIGHT) { '─' } else { ' ' });
            }
        }
    }
    (lanes, label(graph, highlight, position))
}

/// A revision's label: `r5 s4 node-1: update Pod web-0`, then what else is true of it.
pub(crate) fn label(graph: &DagGraph, highlight: &Highlight, position: usize) -> String {
    let Some(node) = graph.node_at(position) else {
        return String::new();
    };
    let mut out = format!("r{}", node.revision);
    match &node.written {
        Some(w) if w.step == 0 => out.push_str(&format!(" settling {}: {}", w.writer, w.change)),
        Some(w) => out.push_str(&format!(" s{} {}: {}", w.step, w.writer, w.change)),
        None => out.push_str(" start"),
    }
    let mut notes = Vec::new();
    for (parent, kind) in graph.parents(node.revision) {
        if let EdgeKind::Elided { hidden } = kind {
            notes.push(format!("{hidden} hidden after r{parent}"));
        }
    }
    if node.revision == graph.latest {
        notes.push("latest".to_string());
    } else if node.head {
        notes.push("head".to_string());
    }
    if Some(node.revision) == graph.commit_point {
        notes.push("commit point".to_string());
    }
    if node.lost {
        notes.push("lost".to_string());
    }
    let parent_term = graph
        .parents(node.revision)
        .first()
        .and_then(|(p, _)| graph.node(*p))
        .map(|p| p.term);
    if node.term > 1 && parent_term != Some(node.term) {
        notes.push(format!("term {} starts", node.term));
    }
    if let Some(marks) = highlight.marks.get(&node.revision) {
        notes.extend(mark_words(marks));
    }
    if highlight.selected == Some(node.revision) {
        let standing = graph.standing(node.revision);
        if !standing.is_empty() {
            notes.push(format!("under {}", standing.join(", ")));
        }
    }
    if !notes.is_empty() {
        out.push_str("  (");
        out.push_str(&notes.join(", "));
        out.push(')');
    }
    out
}

/// What a pane keeps of the view between frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DagViewState {
    /// Rows hidden above the window, counted from the newest.
    pub offset: usize,
    /// The selected row (a position in the graph), if any.
    pub selected: Option<usize>,
    /// Keep the newest revision in view as revisions are added.
    pub follow: bool,
}

impl Default for DagViewState {
    fn default() -> Self {
        DagViewState {
            offset: 0,
            selected: None,
            follow: true,
        }
    }
}

impl DagViewState {
    /// Scrolls by `rows` (positive: toward older revisions), leaving follow mode when
    /// scrolled away from the newest.
    pub fn scroll(&mut self, rows: isize, len: usize) {
        let max = len.saturating_sub(1);
        self.offset = self.offset.saturating_add_signed(rows).min(max);
        self.follow = self.offset == 0;
    }

    /// Selects the revision at `position` (clamped), and scrolls so it shows in a window of
    /// `height` rows.
    pub fn jump(&mut self, position: usize, len: usize, height: usize) {
        if len == 0 {
            self.selected = None;
            return;
        }
        let position = position.min(len - 1);
        self.selected = Some(position);
        let from_top = len - 1 - position;
        if from_top < self.offset {
            self.offset = from_top;
        } else if height > 0 && from_top >= self.offset + height {
            self.offset = from_top + 1 - height;
        }
        self.follow = self.offset == 0 && position == len - 1;
    }

    /// Moves the selection `rows` toward older revisions (negative: newer).
    pub fn select_by(&mut self, rows: isize, len: usize, height: usize) {
        let current = self.selected.unwrap_or(len.saturating_sub(1));
        let next = current.saturating_add_signed(-rows);
        self.jump(next, len, height);
    }
}

/// Which way time runs on screen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Orientation {
    /// Newest at the top, one line per revision with its label (as `jj log`).
    #[default]
    TopDown,
    /// Oldest at the left, [`LR_STEP`] characters per revision, lanes as lines; under them
    /// the revision numbers and the selected (or latest) revision's label.
    LeftToRight,
}

/// The characters a revision takes left to right.
pub const LR_STEP: usize = 4;

/// The same cell drawn left to right: time runs rightwards, lanes downwards.
fn transposed(cell: Cell) -> Cell {
    let mut flags = cell.0 & (Cell::DASHED | Cell::NODE);
    for (from, to) in [
        (Cell::LEFT, Cell::NEWER),
        (Cell::RIGHT, Cell::OLDER),
        (Cell::OLDER, Cell::LEFT),
        (Cell::NEWER, Cell::RIGHT),
    ] {
        if cell.has(from) {
            flags |= to;
        }
    }
    Cell(flags)
}

/// The widget: draws a window of a graph's layout. See the module documentation.
#[derive(Clone, Copy, Debug)]
pub struct DagView<'a> {
    graph: &'a DagGraph,
    layout: &'a Layout,
    highlight: &'a Highlight,
    orientation: Orientation,
}

impl<'a> DagView<'a> {
    /// A view of `graph` laid out as `layout` (made from it), lighting `highlight`.
    pub fn new(graph: &'a DagGraph, layout: &'a Layout, highlight: &'a Highlight) -> Self {
        DagView {
            graph,
            layout,
            highlight,
            orientation: Orientation::TopDown,
        }
    }

    /// Draws time running left to right instead (the state's window is then
    /// `area.width / LR_STEP` revisions).
    pub fn orientation(mut self, orientation: Orientation) -> Self {
        self.orientation = orientation;
        self
    }
}

impl StatefulWidget for DagView<'_> {
    type State = DagViewState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut DagViewState) {
        let len = self.layout.len().min(self.graph.len());
        let height = match self.orientation {
            Orientation::TopDown => area.height as usize,
            Orientation::LeftToRight => area.width as usize / LR_STEP,
        };
        if len == 0 || height == 0 || area.width == 0 || area.height == 0 {
            return;
        }
        if state.follow {
            state.offset = 0;
        }
        state.offset = state.offset.min(len - 1);
        let shown = height.min(len - state.offset);
        // Display index d (0 at the top) shows position len - 1 - offset - d.
        let newest = len - 1 - state.offset;
        let oldest = newest + 1 - shown;
        let width = self.layout.width(oldest..newest + 1);
        let lit_edges = self.lit_edges(oldest, newest);
        if self.orientation == Orientation::LeftToRight {
            self.render_left_to_right(area, buf, state, oldest..newest + 1, &lit_edges);
            return;
        }
        for d in 0..shown {
            let position = newest - d;
            let y = area.y + d as u16;
            let (lanes, label) = row_text(self.graph, self.layout, self.highlight, position, width);
            let node = self.graph.node_at(position);
            let lost = node.is_some_and(|n| n.lost);
            let lit = node.is_some_and(|n| self.highlight.is_lit(n.revision));
            let selected = state.selected == Some(position);
            let mut x = area.x;
            let right = area.x + area.width;
            for (i, ch) in lanes.chars().enumerate() {
                if x >= right {
                    break;
                }
                let column = i / 2;
                let mut style = Style::default().fg(Color::DarkGray);
                if lit_edges.contains(&(position, column)) {
                    style = Style::default().fg(Color::Yellow);
                }
                if i % 2 == 0 && column == self.layout.rows()[position].column {
                    style = node_style(lost, lit);
                }
                buf[(x, y)].set_char(ch).set_style(style);
                x += 1;
            }
            let mut label_style = if lost {
                Style::default().fg(Color::Red)
            } else if lit {
                Style::default().fg(Color::Green)
            } else {
                Style::default()
            };
            if selected {
                label_style = label_style.add_modifier(Modifier::REVERSED);
            }
            if x < right {
                x += 1;
                buf.set_stringn(x, y, &label, (right - x) as usize, label_style);
            }
        }
    }
}

impl DagView<'_> {
    /// Draws rows `rows` with time running rightwards: see [`Orientation::LeftToRight`].
    fn render_left_to_right(
        &self,
        area: Rect,
        buf: &mut Buffer,
        state: &DagViewState,
        rows: std::ops::Range<usize>,
        lit_edges: &[(usize, usize)],
    ) {
        let lanes = self.layout.width(rows.clone());
        let bottom = area.y + area.height;
        for (i, position) in rows.clone().enumerate() {
            let x = area.x + (i * LR_STEP) as u16;
            let row = &self.layout.rows()[position];
            let node = self.graph.node_at(position);
            let lost = node.is_some_and(|n| n.lost);
            let lit = node.is_some_and(|n| self.highlight.is_lit(n.revision));
            for c in 0..lanes {
                let y = area.y + c as u16;
                if y >= bottom {
                    break;
                }
                let cell = row.cells.get(c).copied().unwrap_or_default();
                let mut style = Style::default().fg(Color::DarkGray);
                if lit_edges.contains(&(position, c)) {
                    style = Style::default().fg(Color::Yellow);
                }
                let ch = if cell.has(Cell::NODE) {
                    style = node_style(lost, lit);
                    node_glyph(self.graph, position)
                } else {
                    glyph(transposed(cell))
                };
                buf[(x, y)].set_char(ch).set_style(style);
                if cell.has(Cell::NEWER) && position + 1 < rows.end {
                    let line = if cell.has(Cell::DASHED) { '┄' } else { '─' };
                    for dx in 1..LR_STEP as u16 {
                        buf[(x + dx, y)].set_char(line).set_style(style);
                    }
                }
            }
            let y = area.y + lanes as u16;
            if let (Some(node), true) = (node, y < bottom) {
                let mut style = if lit {
                    Style::default().fg(Color::Green)
                } else {
                    Style::default()
                };
                if state.selected == Some(position) {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                let number = node.revision.to_string();
                buf.set_stringn(x, y, &number, LR_STEP - 1, style);
            }
        }
        let y = area.y + lanes as u16 + 1;
        let shown = state.selected.unwrap_or(rows.end - 1);
        if y < bottom {
            let text = label(self.graph, self.highlight, shown);
            buf.set_stringn(area.x, y, &text, area.width as usize, Style::default());
        }
    }

    /// The (row, column) cells of the selected revision's parent edges within the window.
    fn lit_edges(&self, oldest: usize, newest: usize) -> Vec<(usize, usize)> {
        let Some(revision) = self.highlight.selected else {
            return Vec::new();
        };
        let Some(position) = self.graph.position(revision) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for edge in self.layout.edges_of(position) {
            if edge.child_row < oldest || edge.parent_row > newest {
                continue;
            }
            for (r, c, _) in self.layout.cells_of(edge) {
                if (oldest..=newest).contains(&r) {
                    out.push((r, c));
                }
            }
        }
        out
    }
}

fn node_style(lost: bool, lit: bool) -> Style {
    if lost {
        Style::default().fg(Color::Red)
    } else if lit {
        Style::default()
            .fg(Color::Green)
            .add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    }
}
