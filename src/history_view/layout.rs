//! The lane layout: one row per revision, oldest first, each a node in a column and the
//! edges crossing that row as cells (lines toward older or newer rows, left, right).
//!
//! Lanes are assigned here rather than by `sapling-renderdag` (the renderer behind `jj log`,
//! measured in FACTS.md): it consumes revisions newest first, so a new revision, which is the
//! newest, would change the lanes of every row below it and a history would be re-rendered
//! on every write (25-43 ms for 10,000 revisions, against the 0.1 ms an append may take).
//! This layout is built oldest first, so a new revision is one [`Layout::push`]: its node
//! goes straight under its first parent when that lane is free since the parent (the usual
//! case: O(1)), or into the lowest column free over the whole span of the edge, which is
//! then drawn into the rows between (a fork off an old revision costs that span). Rows keep
//! their own width, so a view narrows its text column by the width of the rows it shows.
//! Labels are drawn right of every lane, so edges never cross them.

use serde::Serialize;

/// One cell of a row: which ways lines leave it, and whether it is the row's node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Cell(pub u8);

impl Cell {
    /// A line toward the newer row (up, newest first).
    pub const NEWER: u8 = 1;
    /// A line toward the older row (down, newest first).
    pub const OLDER: u8 = 2;
    /// A line toward the column on the left.
    pub const LEFT: u8 = 4;
    /// A line toward the column on the right.
    pub const RIGHT: u8 = 8;
    /// The vertical line is an elided run.
    pub const DASHED: u8 = 16;
    /// The row's node.
    pub const NODE: u8 = 32;

    /// Whether any of `flags` is set.
    pub fn has(self, flags: u8) -> bool {
        self.0 & flags != 0
    }

    /// Whether the cell is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// One row: a revision's node and the edges crossing its line.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The node's column.
    pub column: usize,
    /// The cells, one per column up to the rightmost used in this row.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The number of columns the row uses.
    pub fn width(&self) -> usize {
        self.cells.len()
    }

    fn set(&mut self, column: usize, flags: u8) {
        if self.cells.len() <= column {
            self.cells.resize(column + 1, Cell::default());
        }
        self.cells[column].0 |= flags;
    }
}

/// Where an edge runs: from the parent's row and column, down its own column, into the
/// child's row and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EdgeGeometry {
    /// The parent's row.
    pub parent_row: usize,
    /// The child's row.
    pub child_row: usize,
    /// The column the edge runs in between the two rows.
    pub column: usize,
    /// Whether it is drawn dashed (an elided run).
    pub dashed: bool,
}

/// The lanes of a history: see the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    rows: Vec<Row>,
    /// For each child row, the edges to its parents, first parent first.
    edges: Vec<Vec<EdgeGeometry>>,
    /// For each column, the last row that uses it.
    busy_until: Vec<usize>,
    /// For each column, whether its last use is a node (which may still get children).
    ends_in_node: Vec<bool>,
}

impl Layout {
    /// An empty layout.
    pub fn new() -> Layout {
        Layout::default()
    }

    /// The layout of a graph's revisions.
    pub fn of(graph: &super::DagGraph) -> Layout {
        let mut layout = Layout::new();
        layout.extend(graph);
        layout
    }

    /// Appends the graph's revisions this layout has no row for yet.
    pub fn extend(&mut self, graph: &super::DagGraph) {
        for position in self.rows.len()..graph.len() {
            let parents: Vec<(usize, bool)> = graph
                .parent_positions(position)
                .into_iter()
                .map(|(p, kind)| (p, matches!(kind, super::EdgeKind::Elided { .. })))
                .collect();
            self.push(&parents);
        }
    }

    /// Appends a row whose node is written on the nodes of rows `parents` (first parent
    /// first; `true` draws the edge dashed), returning its row.
    pub fn push(&mut self, parents: &[(usize, bool)]) -> usize {
        let row = self.rows.len();
        self.rows.push(Row::default());
        let mut edges = Vec::with_capacity(parents.len());
        let mut node_column = None;
        for &(parent, dashed) in parents {
            if parent >= row {
                continue;
            }
            let parent_column = self.rows[parent].column;
            let straight = self.busy_until.get(parent_column) == Some(&parent);
            let column = if straight {
                parent_column
            } else {
                self.free_column(parent)
            };
            self.busy_until[column] = row;
            self.ends_in_node[column] = false;
            if node_column.is_none() {
                node_column = Some(column);
            }
            edges.push(EdgeGeometry {
                parent_row: parent,
                child_row: row,
                column,
                dashed,
            });
        }
        let column = node_column.unwrap_or_else(|| self.free_column(row));
        self.busy_until[column] = row;
        self.ends_in_node[column] = true;
        self.rows[row].column = column;
        self.rows[row].set(column, Cell::NODE);
        for edge in &edges {
            for (r, c, flags) in self.cells_of(edge) {
                self.rows[r].set(c, flags);
            }
        }
        self.edges.push(edges);
        row
    }

    /// The lowest column free from row `from` on: first one whose last use was not a node
    /// (which may still get children), then any, then a new one.
    fn free_column(&mut self, from: usize) -> usize {
        let free = |c: usize| self.busy_until[c] < from;
        let found = (0..self.busy_until.len())
            .find(|&c| free(c) && !self.ends_in_node[c])
            .or_else(|| (0..self.busy_until.len()).find(|&c| free(c)));
        match found {
            Some(c) => c,
            None => {
                self.busy_until.push(0);
                self.ends_in_node.push(false);
                self.busy_until.len() - 1
            }
        }
    }

    /// The cells an edge draws, as (row, column, flags).
    pub fn cells_of(&self, edge: &EdgeGeometry) -> Vec<(usize, usize, u8)> {
        let mut out = Vec::new();
        let dash = if edge.dashed { Cell::DASHED } else { 0 };
        let from = self.rows[edge.parent_row].column;
        let to = self.rows[edge.child_row].column;
        let k = edge.column;
        horizontal(&mut out, edge.parent_row, from, k, Cell::NEWER | dash);
        for r in edge.parent_row + 1..edge.child_row {
            out.push((r, k, Cell::NEWER | Cell::OLDER | dash));
        }
        horizontal(&mut out, edge.child_row, to, k, Cell::OLDER | dash);
        out
    }

    /// The rows, oldest first.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The edges from a row to its parents.
    pub fn edges_of(&self, row: usize) -> &[EdgeGeometry] {
        self.edges.get(row).map_or(&[], Vec::as_slice)
    }

    /// The widest of some rows, in columns: what a view of them gives its graph.
    pub fn width(&self, rows: std::ops::Range<usize>) -> usize {
        self.rows
            .get(rows)
            .map_or(0, |rs| rs.iter().map(Row::width).max().unwrap_or(0))
    }
}

/// The cells of an edge's end in row `row`: from the node at `node` over to column `lane`,
/// where the line turns toward the rest of the edge (`turn`).
fn horizontal(out: &mut Vec<(usize, usize, u8)>, row: usize, node: usize, lane: usize, turn: u8) {
    if node == lane {
        out.push((row, lane, turn & !Cell::DASHED));
        return;
    }
    let (toward_node, away) = if node < lane {
        (Cell::LEFT, Cell::RIGHT)
    } else {
        (Cell::RIGHT, Cell::LEFT)
    };
    out.push((row, node, away));
    let (lo, hi) = (node.min(lane), node.max(lane));
    for c in lo + 1..hi {
        out.push((row, c, Cell::LEFT | Cell::RIGHT));
    }
    out.push((row, lane, turn | toward_node));
}
