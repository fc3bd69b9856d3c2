//! Flag values: names matched ignoring case, with the nearest name suggested for a
//! misspelling; numbers within stated ranges, so that nothing done with them can overflow.
//! Each parser returns the message clap prints after `invalid value 'X' for '--flag'`.

use std::time::Duration;

use crate::explore::checker::Strategy;
use crate::model::suggest;
use crate::model::system::Reduction;

/// The longest `--timeout`: a year, in seconds.
pub const MAX_TIMEOUT_SECONDS: f64 = 365.0 * 24.0 * 3600.0;
/// The shortest `--timeout`: a millisecond.
pub const MIN_TIMEOUT_SECONDS: f64 = 0.001;
/// The largest `--max-depth`: a simulation keeps a walk of this many steps.
pub const MAX_DEPTH: usize = 100_000;
/// The most worker threads.
pub const MAX_THREADS: usize = 256;
/// The longest `bench --seconds`: a day.
pub const MAX_BENCH_SECONDS: u64 = 24 * 3600;
/// The most `bench --seeds`.
pub const MAX_SEEDS: u64 = 10_000;

pub use crate::model::suggest::one_of;

pub use crate::explore::session::settings::{
    parse_commit as commit, parse_consistency as consistency, parse_lag as lag,
    parse_relist as relist,
};

/// `--guard NAME=on|off`: a registered guard (see `orchard models --guards`).
pub fn guard(s: &str) -> Result<(&'static str, bool), String> {
    crate::model::config::guards::parse_switch(s)
}

/// `--strategy`.
pub fn strategy(s: &str) -> Result<Strategy, String> {
    let choices: Vec<(&'static str, Strategy)> =
        Strategy::ALL.iter().map(|&k| (k.name(), k)).collect();
    one_of("strategy", s, &choices)
}

/// `--reduction`: `all`, `none` or a list such as `all,-symmetry`, names ignoring case.
pub fn reduction(s: &str) -> Result<Reduction, String> {
    let mut names: Vec<&str> = vec!["all", "none"];
    names.extend(Reduction::NAMES);
    let mut items = Vec::new();
    for item in s.split(',').map(str::trim) {
        let (sign, name) = match item.strip_prefix('-') {
            Some(name) => ("-", name),
            None => ("", item),
        };
        match suggest::matching(name, names.iter().copied()) {
            Some(known) => items.push(format!("{sign}{known}")),
            None => {
                return Err(format!(
                    "unknown reduction `{name}`{} (known: {})",
                    suggest::did_you_mean(name, names.iter().copied()),
                    names.join(", ")
                ));
            }
        }
    }
    Reduction::parse(&items.join(","))
}

/// `--progress`: when the progress of a long check is shown on stderr.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressMode {
    /// Never.
    Never,
    /// Unless the result is JSON: redrawn on a terminal, a line every few seconds otherwise.
    #[default]
    Auto,
    /// Always, JSON or not.
    Always,
}

/// `--progress`.
pub fn progress(s: &str) -> Result<ProgressMode, String> {
    one_of(
        "progress mode",
        s,
        &[
            ("never", ProgressMode::Never),
            ("auto", ProgressMode::Auto),
            ("always", ProgressMode::Always),
        ],
    )
}

/// `--timeout`: seconds, from a millisecond to a year.
pub fn timeout(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
        return Err(format!(
            "must be from {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS:.0} seconds (a year), not {s}"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn whole<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    s: &str,
    min: T,
    max: T,
    what: &str,
) -> Result<T, String> {
    let range = || format!("must be a whole number from {min} to {max}{what}");
    let n: T = s
        .trim()
        .parse()
        .map_err(|_| format!("{}, not {s}", range()))?;
    if n < min || n > max {
        return Err(format!("{}, not {s}", range()));
    }
    Ok(n)
}

/// `--max-depth`: steps, from 0 to [`MAX_DEPTH`].
pub fn max_depth(s: &str) -> Result<usize, String> {
    whole(s, 0, MAX_DEPTH, "")
}

/// `--threads`: from 1 to [`MAX_THREADS`].
pub fn threads(s: &str) -> Result<usize, String> {
    whole(s, 1, MAX_THREADS, "")
}

/// The default `--threads`: the machine's cores, within [`MAX_THREADS`].
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, MAX_THREADS)
}

/// `--seed`: any 64-bit unsigned number.
pub fn seed(s: &str) -> Result<u64, String> {
    whole(s, 0, u64::MAX, "")
}

/// `bench --seconds`: from 1 to [`MAX_BENCH_SECONDS`].
pub fn bench_seconds(s: &str) -> Result<u64, String> {
    whole(s, 1, MAX_BENCH_SECONDS, " seconds")
}

/// `bench --seeds`: from 1 to [`MAX_SEEDS`].
pub fn seeds(s: &str) -> Result<u64, String> {
    whole(s, 1, MAX_SEEDS, "")
}

/// `--shard`: `I/N`, `0 <= I < N`.
pub fn shard(s: &str) -> Result<crate::explore::swarm::Shard, String> {
    s.parse()
}

/// `--memory`: a size in bytes with an optional binary suffix (`K`, `M`, `G`, `T`, with or
/// without `B`/`iB`): `4G`, `512MiB`, `1000000`. At least 64 KiB.
pub fn memory(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, suffix) = t.split_at(digits);
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => {
            return Err(format!(
                "`{s}` is not a size: a whole number with an optional K, M, G or T (e.g. 4G)"
            ));
        }
    };
    let n: u64 = number.parse().map_err(|_| {
        format!("`{s}` is not a size: a whole number with an optional K, M, G or T (e.g. 4G)")
    })?;
    let bytes = n
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))?;
    if bytes < 64 << 10 {
        return Err(format!("`{s}` is too small: at least 64K"));
    }
    Ok(bytes)
}

/// The default `--memory`: three quarters of the memory available now (`MemAvailable` in
/// /proc/meminfo), or 4 GiB where that cannot be read.
pub fn default_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024 / 4 * 3)
        })
        .unwrap_or(4 << 30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::Consistency;

    #[test]
    fn names_ignore_case_and_a_misspelling_gets_a_suggestion() {
        assert_eq!(consistency("Causal"), Ok(Consistency::Causal));
        assert_eq!(strategy("BFS"), Ok(Strategy::Bfs));
        let e = consistency("resetable-session").unwrap_err();
        assert!(e.contains("did you mean resettable-session?"), "{e}");
        assert!(e.contains("known: synchronous"), "{e}");
        let e = strategy("simulaton").unwrap_err();
        assert!(e.contains("did you mean simulation?"), "{e}");
        assert_eq!(
            reduction("ALL,-Symmetry"),
            Reduction::parse("all,-symmetry")
        );
        let e = reduction("all,-symetry").unwrap_err();
        assert!(e.contains("did you mean symmetry?"), "{e}");
        assert_eq!(progress("NEVER"), Ok(ProgressMode::Never));
    }

    #[test]
    fn numbers_outside_their_range_are_errors_not_overflows() {
        assert_eq!(timeout("2"), Ok(Duration::from_secs(2)));
        assert_eq!(timeout("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["1e20", "9.3e18", "0", "-1", "NaN", "inf", "soon"] {
            assert!(timeout(bad).is_err(), "{bad}");
        }
        assert!(timeout("1e20").unwrap_err().contains("a year"));
        assert_eq!(threads("2"), Ok(2));
        assert!(threads("0").is_err() && threads("100000").is_err());
        assert!(threads("100000").unwrap_err().contains("from 1 to 256"));
        assert!(max_depth("99999999999999999999999").is_err());
        assert_eq!(max_depth("0"), Ok(0));
        assert_eq!(seed("18446744073709551615"), Ok(u64::MAX));
        assert!(seed("-1").is_err());
        assert!(bench_seconds("0").is_err() && bench_seconds("86401").is_err());
        assert!(seeds("0").is_err());
        let cores = default_threads();
        assert!((1..=MAX_THREADS).contains(&cores));
    }

    #[test]
    fn memory_sizes_parse_with_binary_suffixes_and_bad_ones_say_why() {
        assert_eq!(memory("4G"), Ok(4 << 30));
        assert_eq!(memory("512MiB"), Ok(512 << 20));
        assert_eq!(memory("1m"), Ok(1 << 20));
        assert_eq!(memory("100000"), Ok(100_000));
        for bad in ["", "G", "4X", "-1G", "1.5G", "4 G"] {
            assert!(memory(bad).unwrap_err().contains("not a size"), "{bad}");
        }
        assert!(memory("1K").unwrap_err().contains("too small"));
        assert!(memory("99999999999T").unwrap_err().contains("too large"));
        assert!(default_memory() >= 64 << 10);
    }
}
