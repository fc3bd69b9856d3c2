//! End-to-end tests of the `orchard` binary, compiled as one test binary with a module per
//! area. Each test runs the real binary in its own temporary directory.

mod bad_input;
mod bench;
mod bugs;
mod check;
mod dag;
mod explain;
mod explore;
mod explore_tmux;
mod explore_tui;
mod export;
mod fuzz;
mod kubeapi;
mod kubectl_drive;
mod learn;
mod learn_tmux;
mod models;
mod replay;
mod run;
mod run_partition;
mod run_serve;
mod shipped;
mod support;
mod swarm;
