//! Completion indexes of Indexed Jobs: parsing and writing `status.completedIndexes`, the
//! interval string Kubernetes uses (`0-2,4`; two neighbours are written `5,6`).

use std::collections::BTreeSet;

/// The indexes below `completions` named by an interval string; malformed parts are ignored, as
/// Kubernetes ignores them.
pub fn parse_indexes(text: &str, completions: i32) -> BTreeSet<i32> {
    let mut out = BTreeSet::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (first, last) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<i32>(), b.trim().parse::<i32>()),
            None => (part.parse::<i32>(), part.parse::<i32>()),
        };
        let (Ok(first), Ok(last)) = (first, last) else {
            continue;
        };
        if first < 0 || last < first {
            continue;
        }
        out.extend((first..=last.min(completions - 1)).filter(|i| *i < completions));
    }
    out
}

/// The interval string of a set of indexes: runs of three or more as `a-b`, others listed.
pub fn format_indexes(indexes: &BTreeSet<i32>) -> String {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &i in indexes {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == i => *last = i,
            _ => runs.push((i, i)),
        }
    }
    runs.iter()
        .map(|&(first, last)| match last - first {
            0 => first.to_string(),
            1 => format!("{first},{last}"),
            _ => format!("{first}-{last}"),
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[i32]) -> BTreeSet<i32> {
        v.iter().copied().collect()
    }

    #[test]
    fn formats_runs_pairs_and_singles() {
        assert_eq!(format_indexes(&set(&[])), "");
        assert_eq!(format_indexes(&set(&[3])), "3");
        assert_eq!(format_indexes(&set(&[0, 1, 2, 4])), "0-2,4");
        assert_eq!(format_indexes(&set(&[5, 6])), "5,6");
        assert_eq!(format_indexes(&set(&[0, 2, 3, 4, 7, 8])), "0,2-4,7,8");
    }

    #[test]
    fn parses_what_it_formats_and_drops_out_of_range() {
        for v in [vec![], vec![0], vec![0, 1, 2, 4], vec![1, 2, 5, 6, 7]] {
            let s = set(&v);
            assert_eq!(parse_indexes(&format_indexes(&s), 10), s);
        }
        assert_eq!(parse_indexes("0-2,4,9", 4), set(&[0, 1, 2]));
        assert_eq!(parse_indexes("x,1,3-a,2", 5), set(&[1, 2]));
    }
}
