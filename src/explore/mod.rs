//! Exploration and checking: orchard's breadth-first search ([`bfs`]), the stateright `Model`
//! over a [`crate::model::system::System`] for depth-first search, the checker runner (BFS,
//! DFS, simulation, bounds, timeout, progress), counterexample traces and their replay against
//! the model, the benchmark runner, and the explorer's [`session::Session`] (the explorer
//! without a terminal: path tree, grouped actions, what-if, watches, check from here).
//!
//! Imports only `crate::model`. Promises: actions in the system's stable order (part of the
//! trace format), BFS counterexamples that are shortest, traces written atomically and refused
//! with a precise error when they no longer fit the model.

pub mod bench;
pub mod bfs;
pub mod checker;
pub mod lesson;
pub mod model;
pub mod outcome;
pub mod progress;
pub mod replay;
pub mod session;
pub mod shrink;
pub mod simulation;
pub mod stop;
pub mod swarm;
pub mod trace;
pub mod triage;

#[cfg(test)]
mod tests;
