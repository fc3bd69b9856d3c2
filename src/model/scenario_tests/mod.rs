//! Scenario tests: whole models driven through the transition system.

mod fixed_points;
mod informer;
mod stale_reads;
mod support;
