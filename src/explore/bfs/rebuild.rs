//! Rebuilding frontier states from the tree of expanded levels: a state is its parent's state
//! with its action taken. Each worker keeps the path it rebuilt last, one state per depth, and
//! rebuilds only from where the next state's path leaves it; a level is in its parents' order,
//! so a chunk of siblings and cousins costs about one step per state.

use super::actions::Actions;
use super::frontier::{Entry, Node};
use crate::model::system::{System, SystemState};

/// The expanded levels: `levels[k][i]` is state `i` at depth `k` (`levels[0]` is the initial
/// state alone).
#[derive(Debug, Default)]
pub struct Tree {
    levels: Vec<Vec<Node>>,
}

impl Tree {
    /// Adds the next expanded level.
    pub fn push(&mut self, level: Vec<Node>) {
        self.levels.push(level);
    }

    /// The number of expanded levels.
    pub fn depth(&self) -> usize {
        self.levels.len()
    }
}

/// One worker's rebuilder.
pub struct Rebuild<'a> {
    system: &'a System,
    initial: &'a SystemState,
    tree: &'a Tree,
    actions: &'a Actions,
    /// The last path rebuilt: per depth from 1, the index and the state.
    path: Vec<Option<(u32, SystemState)>>,
    /// Scratch: the indices of the path being rebuilt.
    indices: Vec<u32>,
}

impl<'a> Rebuild<'a> {
    /// A rebuilder over `tree`, whose root is `initial`.
    pub fn new(
        system: &'a System,
        initial: &'a SystemState,
        tree: &'a Tree,
        actions: &'a Actions,
    ) -> Rebuild<'a> {
        Rebuild {
            system,
            initial,
            tree,
            actions,
            path: (0..tree.depth()).map(|_| None).collect(),
            indices: Vec::new(),
        }
    }

    /// The state of `entry`, a state of the level after the tree's last.
    pub fn entry(&mut self, entry: &Entry) -> SystemState {
        let depth = self.tree.depth();
        if depth == 0 {
            return self.initial.clone();
        }
        let (system, actions) = (self.system, self.actions);
        let parent = self.state(depth - 1, entry.parent);
        step(system, parent, actions, entry.action)
    }

    /// The state at `depth`, index `index` of the tree.
    fn state(&mut self, depth: usize, index: u32) -> &SystemState {
        if depth == 0 {
            return self.initial;
        }
        // The indices of the path, deepest first, up to where the last path joins it.
        self.indices.clear();
        let mut at = depth;
        let mut i = index;
        while at > 0 {
            if matches!(&self.path[at], Some((j, _)) if *j == i) {
                break;
            }
            self.indices.push(i);
            i = self.tree.levels[at][i as usize].parent;
            at -= 1;
        }
        // `at` is rebuilt (or the root); rebuild the levels below it.
        while let Some(i) = self.indices.pop() {
            let from = if at == 0 {
                self.initial
            } else {
                &self.path[at].as_ref().expect("rebuilt above").1
            };
            let node = self.tree.levels[at + 1][i as usize];
            let next = step(self.system, from, self.actions, node.action);
            at += 1;
            self.path[at] = Some((i, next));
        }
        &self.path[depth].as_ref().expect("rebuilt").1
    }
}

/// The state after the action with id `action` from `from`.
fn step(system: &System, from: &SystemState, actions: &Actions, action: u32) -> SystemState {
    system
        .take(from, actions.get(action))
        .expect("a frontier state's action is enabled in its parent")
        .next
}
