//! Scenario tests: whole models driven through the transition system.

mod fixed_points;
mod stale_reads;
mod support;
