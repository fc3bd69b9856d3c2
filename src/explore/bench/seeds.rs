//! A simulation run over seeds 1..=N beside one BFS run, summed up: how soon simulation finds
//! a violation (the median over the seeds) and how often its minimised counterexample is as
//! short as BFS's shortest one.

use serde::{Deserialize, Serialize};

use super::BenchRow;

/// One model at one consistency level, simulated over many seeds, beside its BFS run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedRun {
    /// The model's name.
    pub model: String,
    /// The consistency level.
    pub consistency: String,
    /// The BFS case: its counterexample is a shortest one.
    pub bfs: BenchRow,
    /// One simulation case per seed, in seed order.
    pub seeds: Vec<BenchRow>,
    /// What the seeds add up to.
    pub summary: SeedSummary,
}

/// The figures of a [`SeedRun`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedSummary {
    /// Seeds run.
    pub seeds: usize,
    /// Seeds that found a counterexample.
    pub found: usize,
    /// The median time to the verdict over every seed, in seconds (a seed that found nothing
    /// counts with the time it ran, so this is a lower bound unless `found == seeds`).
    pub median_seconds: Option<f64>,
    /// The shortest time to the verdict.
    pub min_seconds: Option<f64>,
    /// The longest time to the verdict.
    pub max_seconds: Option<f64>,
    /// The length of BFS's counterexample.
    pub bfs_length: Option<usize>,
    /// Seeds whose counterexample, after minimising, is as short as BFS's.
    pub at_bfs_length: usize,
    /// The shortest and the longest counterexample as found.
    pub found_lengths: Option<(usize, usize)>,
    /// The shortest and the longest counterexample after minimising.
    pub minimised_lengths: Option<(usize, usize)>,
    /// The median time spent minimising, over the seeds that found a counterexample.
    pub median_minimise_seconds: Option<f64>,
}

impl SeedRun {
    /// The run of `seeds` beside `bfs`, with its summary.
    pub fn new(bfs: BenchRow, seeds: Vec<BenchRow>) -> SeedRun {
        SeedRun {
            model: bfs.model.clone(),
            consistency: bfs.consistency.clone(),
            summary: SeedSummary::of(&bfs, &seeds),
            bfs,
            seeds,
        }
    }

    /// The heading of a run over `seeds` seeds beside `bfs`: what it is, and the columns.
    pub fn heading(bfs: &BenchRow, seeds: u64) -> String {
        format!(
            "{}, {}: simulation over {seeds} seeds; bfs: {} in {:.2} s\n{}\n",
            bfs.model, bfs.consistency, bfs.verdict, bfs.seconds, SEED_HEADER
        )
    }

    /// The run as text: a header, a line per seed, the summary.
    pub fn text(&self) -> String {
        let mut out = SeedRun::heading(&self.bfs, self.seeds.len() as u64);
        for row in &self.seeds {
            out.push_str(&seed_line(row));
            out.push('\n');
        }
        out.push_str(&self.summary.text());
        out
    }
}

/// The header of [`seed_line`]'s columns.
pub const SEED_HEADER: &str = " seed      time     states  found  minimised  minimising  verdict";

/// One seed's line: time to the verdict, states, counterexample length as found and
/// minimised, time spent minimising, verdict.
pub fn seed_line(r: &BenchRow) -> String {
    let dash = |x: Option<String>| x.unwrap_or_else(|| "-".into());
    format!(
        "{:>5} {:>8.3}s {:>10} {:>6} {:>10} {:>10}  {}",
        dash(r.seed.map(|s| s.to_string())),
        r.seconds,
        r.states,
        dash(r.counterexample.map(|n| n.to_string())),
        dash(r.minimised.map(|n| n.to_string())),
        dash(r.minimise_seconds.map(|s| format!("{s:.3}s"))),
        r.verdict
    )
}

impl SeedSummary {
    /// Sums up `seeds` beside the BFS case `bfs`.
    pub fn of(bfs: &BenchRow, seeds: &[BenchRow]) -> SeedSummary {
        let mut times: Vec<f64> = seeds.iter().map(|r| r.seconds).collect();
        let found: Vec<&BenchRow> = seeds
            .iter()
            .filter(|r| r.counterexample.is_some())
            .collect();
        let shortest = |r: &&BenchRow| r.minimised.or(r.counterexample);
        let bfs_length = bfs.counterexample;
        let range = |xs: Vec<usize>| Some((*xs.iter().min()?, *xs.iter().max()?));
        let mut minimising: Vec<f64> = found.iter().filter_map(|r| r.minimise_seconds).collect();
        SeedSummary {
            seeds: seeds.len(),
            found: found.len(),
            median_seconds: median(&mut times),
            min_seconds: times.first().copied(),
            max_seconds: times.last().copied(),
            bfs_length,
            at_bfs_length: found
                .iter()
                .filter(|r| bfs_length.is_some() && shortest(r) == bfs_length)
                .count(),
            found_lengths: range(found.iter().filter_map(|r| r.counterexample).collect()),
            minimised_lengths: range(found.iter().filter_map(shortest).collect()),
            median_minimise_seconds: median(&mut minimising),
        }
    }

    /// Two lines: the time to the verdict, and the lengths.
    pub fn text(&self) -> String {
        let seconds = |s: Option<f64>| s.map_or("-".into(), |s| format!("{s:.3} s"));
        let range = |r: Option<(usize, usize)>| match r {
            Some((a, b)) if a == b => format!("{a}"),
            Some((a, b)) => format!("{a}-{b}"),
            None => "-".into(),
        };
        let bfs = self
            .bfs_length
            .map_or("none found".into(), |n| format!("{n} steps"));
        format!(
            "median time to the verdict {} ({} to {}), a counterexample in {} of {} seeds\n\
             minimised to the BFS length ({bfs}) in {} of {} seeds: found {} steps, minimised {}; \
             median time minimising {}\n",
            seconds(self.median_seconds),
            seconds(self.min_seconds),
            seconds(self.max_seconds),
            self.found,
            self.seeds,
            self.at_bfs_length,
            self.seeds,
            range(self.found_lengths),
            range(self.minimised_lengths),
            seconds(self.median_minimise_seconds),
        )
    }
}

/// Sorts `xs` and returns its median (the mean of the middle two for an even count).
pub fn median(xs: &mut [f64]) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(xs[n / 2]),
        _ => Some((xs[n / 2 - 1] + xs[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seed: Option<u64>, seconds: f64, lengths: Option<(usize, usize)>) -> BenchRow {
        BenchRow {
            model: "m".into(),
            consistency: "causal".into(),
            strategy: if seed.is_some() { "simulation" } else { "bfs" }.into(),
            seconds,
            states: 10,
            unique_states: 5,
            states_per_second: 1.0,
            bytes_per_state: None,
            max_depth: 3,
            verdict: "holds".into(),
            seed,
            counterexample: lengths.map(|l| l.0),
            minimised: lengths.filter(|_| seed.is_some()).map(|l| l.1),
            minimise_seconds: lengths.filter(|_| seed.is_some()).map(|_| 0.5),
        }
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn a_summary_counts_the_seeds_that_reach_the_bfs_length() {
        let bfs = row(None, 0.1, Some((9, 9)));
        let seeds = vec![
            row(Some(1), 0.3, Some((12, 9))),
            row(Some(2), 0.1, Some((11, 10))),
            row(Some(3), 5.0, None),
            row(Some(4), 0.2, Some((9, 9))),
        ];
        let run = SeedRun::new(bfs, seeds);
        let s = &run.summary;
        assert_eq!((s.seeds, s.found, s.at_bfs_length), (4, 3, 2));
        assert_eq!(s.median_seconds, Some(0.25));
        assert_eq!((s.min_seconds, s.max_seconds), (Some(0.1), Some(5.0)));
        assert_eq!(s.found_lengths, Some((9, 12)));
        assert_eq!(s.minimised_lengths, Some((9, 10)));
        assert_eq!(s.median_minimise_seconds, Some(0.5));
        let text = run.text();
        assert_eq!(text.lines().count(), 2 + 4 + 2, "{text}");
        assert!(text.contains("in 2 of 4 seeds"), "{text}");
    }
}
