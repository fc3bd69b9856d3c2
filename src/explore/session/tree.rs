//! The exploration tree: every state reached, each node remembering the step that led to it and
//! which of its children the path continues with (what redo follows). Going back and taking a
//! different action adds a child and keeps the old continuation as a branch.

use crate::model::system::{Action, SystemState, Transition};

/// A node of the tree, by index.
pub type NodeId = usize;

/// The step into a node: its action and what it did, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepInfo {
    /// The action taken.
    pub action: Action,
    /// The action for people: `node-1 reads r6`.
    pub describe: String,
    /// What it did: `update Pod web-0 -> r15`.
    pub outcome: String,
}

/// One state of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    /// The node this one was reached from (`None` for the start).
    pub parent: Option<NodeId>,
    /// The step from the parent.
    pub step: Option<StepInfo>,
    /// The state.
    pub state: SystemState,
    /// The children, in the order they were first reached.
    pub children: Vec<NodeId>,
    /// The child the path continues with.
    pub next: Option<NodeId>,
    /// Steps from the start.
    pub depth: usize,
}

/// The tree of explored states, with a cursor.
#[derive(Clone, Debug)]
pub struct Tree {
    nodes: Vec<Node>,
    cursor: NodeId,
}

impl Tree {
    /// A tree of one state, the cursor on it.
    pub fn new(start: SystemState) -> Tree {
        Tree {
            nodes: vec![Node {
                parent: None,
                step: None,
                state: start,
                children: Vec::new(),
                next: None,
                depth: 0,
            }],
            cursor: 0,
        }
    }

    /// The node under the cursor.
    pub fn cursor(&self) -> NodeId {
        self.cursor
    }

    /// A node.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the tree holds only its start (it never holds nothing).
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The state under the cursor.
    pub fn state(&self) -> &SystemState {
        &self.nodes[self.cursor].state
    }

    /// Adds the transition as a child of the cursor (or finds the child already reached by the
    /// same action), makes it the path's continuation and moves the cursor onto it.
    pub fn push(&mut self, t: Transition, describe: String) -> NodeId {
        let here = self.cursor;
        let existing = self.nodes[here].children.iter().copied().find(|&c| {
            self.nodes[c]
                .step
                .as_ref()
                .is_some_and(|s| s.action == t.action)
        });
        let id = match existing {
            Some(id) => id,
            None => {
                let id = self.nodes.len();
                self.nodes.push(Node {
                    parent: Some(here),
                    step: Some(StepInfo {
                        action: t.action,
                        describe,
                        outcome: t.outcome.to_string(),
                    }),
                    state: t.next,
                    children: Vec::new(),
                    next: None,
                    depth: self.nodes[here].depth + 1,
                });
                self.nodes[here].children.push(id);
                id
            }
        };
        self.nodes[here].next = Some(id);
        self.cursor = id;
        id
    }

    /// The path through the cursor: from the start to the cursor, then on along each node's
    /// continuation to a leaf.
    pub fn path(&self) -> Vec<NodeId> {
        let mut path = self.ancestors(self.cursor);
        let mut at = self.cursor;
        while let Some(next) = self.nodes[at].next {
            path.push(next);
            at = next;
        }
        path
    }

    /// The nodes from the start to `id`, both included.
    pub fn ancestors(&self, id: NodeId) -> Vec<NodeId> {
        let mut out = vec![id];
        let mut at = id;
        while let Some(p) = self.nodes[at].parent {
            out.push(p);
            at = p;
        }
        out.reverse();
        out
    }

    /// The leaf reached from `id` along continuations.
    pub fn leaf(&self, id: NodeId) -> NodeId {
        let mut at = id;
        while let Some(next) = self.nodes[at].next {
            at = next;
        }
        at
    }

    /// Moves the cursor to a node, making the path pass through it.
    pub fn select(&mut self, id: NodeId) {
        let ancestors = self.ancestors(id);
        for pair in ancestors.windows(2) {
            self.nodes[pair[0]].next = Some(pair[1]);
        }
        self.cursor = id;
    }

    /// Moves the cursor to step `k` of the path (clamped to its ends).
    pub fn goto(&mut self, k: usize) {
        let path = self.path();
        self.cursor = path[k.min(path.len() - 1)];
    }

    /// Back one step; false at the start.
    pub fn back(&mut self) -> bool {
        match self.nodes[self.cursor].parent {
            Some(p) => {
                self.cursor = p;
                true
            }
            None => false,
        }
    }

    /// Forward one step along the continuation; false at the end.
    pub fn redo(&mut self) -> bool {
        match self.nodes[self.cursor].next {
            Some(n) => {
                self.cursor = n;
                true
            }
            None => false,
        }
    }
}
