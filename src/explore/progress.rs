//! Progress of a running check, as the runner reports it, and its one-line rendering.

use std::time::Duration;

/// A snapshot of a running check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// States generated (with repeats).
    pub states: usize,
    /// Distinct states.
    pub unique_states: usize,
    /// The deepest state visited so far, in actions.
    pub max_depth: usize,
    /// Time since the check started.
    pub elapsed: Duration,
}

impl Progress {
    /// States generated per second so far.
    pub fn rate(&self) -> f64 {
        per_second(self.states, self.elapsed)
    }

    /// One line: `states 1200  unique 800  4100/s  depth 7  1.3s`.
    pub fn line(&self) -> String {
        format!(
            "states {}  unique {}  {:.0}/s  depth {}  {:.1}s",
            self.states,
            self.unique_states,
            self.rate(),
            self.max_depth,
            self.elapsed.as_secs_f64()
        )
    }
}

/// `count` per second over `elapsed` (0 when no time passed).
pub fn per_second(count: usize, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_counts_rate_depth_and_time() {
        let p = Progress {
            states: 2000,
            unique_states: 800,
            max_depth: 7,
            elapsed: Duration::from_millis(500),
        };
        assert_eq!(p.line(), "states 2000  unique 800  4000/s  depth 7  0.5s");
        assert_eq!(per_second(5, Duration::ZERO), 0.0);
    }
}
