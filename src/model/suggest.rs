//! Suggestions for misspelt names: the known name nearest to what was written, for messages
//! such as "unknown consistency `monotnic-session`; did you mean monotonic-session?". Used by
//! the model loader (fields, values) and the command line (flag values) alike.

/// The candidate nearest to `word`, ignoring case, if one is near enough to be a likely
/// misspelling (at most a third of the word's length in edits, and at least one edit allowed).
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    let allowed = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word, &c.to_lowercase()), c))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

/// `; did you mean NAME?` for the nearest candidate, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean {c}?"))
        .unwrap_or_default()
}

/// The candidate equal to `word` ignoring ASCII case.
pub fn matching<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .find(|c| c.eq_ignore_ascii_case(word))
}

/// The value among `choices` named `s` ignoring case; otherwise an error listing them, with the
/// nearest one suggested: `unknown consistency `monotnic` (known: ...)`.
pub fn one_of<T: Copy>(what: &str, s: &str, choices: &[(&'static str, T)]) -> Result<T, String> {
    let names = || choices.iter().map(|(n, _)| *n);
    match choices
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(s.trim()))
    {
        Some((_, value)) => Ok(*value),
        None => Err(format!(
            "unknown {what} `{s}`{} (known: {})",
            did_you_mean(s.trim(), names()),
            names().collect::<Vec<_>>().join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEVELS: [&str; 3] = ["synchronous", "monotonic-session", "resettable-session"];

    #[test]
    fn a_misspelling_gets_the_nearest_name_and_garbage_gets_none() {
        assert_eq!(
            closest("monotnic-session", LEVELS),
            Some("monotonic-session")
        );
        assert_eq!(closest("Synchronus", LEVELS), Some("synchronous"));
        assert_eq!(closest("zzz", LEVELS), None);
        assert_eq!(
            did_you_mean("resetable-session", LEVELS),
            "; did you mean resettable-session?"
        );
        assert_eq!(did_you_mean("qqqqqqqq", LEVELS), "");
    }

    #[test]
    fn matching_ignores_case() {
        assert_eq!(
            matching("MONOTONIC-Session", LEVELS),
            Some("monotonic-session")
        );
        assert_eq!(matching("monotonic", LEVELS), None);
    }
}
