//! An explanation told in plain sentences: one or two per finding, in step order, then what
//! the other settings would have done with the path.

use super::findings::and_list;
use super::{
    Broken, Divergence, Effect, Explanation, Finding, LostWrite, Restart, StaleRead, WhatIfResult,
};

/// Small counts in words, as a person writes them in prose.
fn count(n: usize) -> String {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

fn revisions(n: usize) -> String {
    match n {
        1 => "one revision".to_string(),
        n => format!("{} revisions", count(n)),
    }
}

/// The sentences of an explanation.
pub(super) fn sentences(e: &Explanation) -> Vec<String> {
    let mut out = vec![header(e)];
    let mut told_restarts = Vec::new();
    for f in &e.findings {
        if let Finding::StaleRead(s) = f
            && let Some(r) = s.restarted_at
        {
            told_restarts.push((r, s.controller.clone()));
        }
    }
    for f in &e.findings {
        match f {
            Finding::Restart(r) => {
                if !told_restarts.contains(&(r.step, r.controller.clone())) {
                    out.push(restart(r));
                }
            }
            Finding::StaleRead(s) => {
                let restart = e.findings.iter().find_map(|f| match f {
                    Finding::Restart(r)
                        if Some(r.step) == s.restarted_at && r.controller == s.controller =>
                    {
                        Some(r)
                    }
                    _ => None,
                });
                out.extend(stale(s, restart));
            }
            Finding::LostWrite(l) => out.push(lost(l)),
            Finding::Diverged(d) => out.push(diverged(d)),
            Finding::Violation(v) => out.extend(violation(v)),
        }
    }
    out.extend(what_ifs(e));
    out
}

fn header(e: &Explanation) -> String {
    let steps = match e.steps {
        1 => "one step".to_string(),
        n => format!("{} steps", count(n)),
    };
    match e.violation() {
        Some(v) => format!(
            "The path has {steps} under {}, and violates {} after step {}.",
            e.setting, v.property, v.step
        ),
        None => format!(
            "The path has {steps} under {}, and records no violated property.",
            e.setting
        ),
    }
}

fn restart(r: &Restart) -> String {
    let what = if r.node {
        format!(
            "The kubelet of {} restarted at step {}",
            r.controller, r.step
        )
    } else {
        format!("{} restarted at step {}", r.controller, r.step)
    };
    match &r.lost_session {
        Some(read) => {
            format!("{what} and lost its local state and its session (it had read {read}).")
        }
        None => format!("{what} and lost its local state."),
    }
}

fn stale(s: &StaleRead, restart: Option<&Restart>) -> Vec<String> {
    let seen = if s.objects.is_empty() && s.kinds.is_empty() {
        let missed: Vec<String> = s.missed.iter().map(|r| format!("r{r}")).collect();
        format!("without {}", and_list(&missed))
    } else if s.objects.is_empty() {
        let kinds: Vec<&str> = s.kinds.iter().map(|k| k.plural()).collect();
        format!("in which its {} were out of date", and_list(&kinds))
    } else {
        let then: Vec<&str> = s.objects.iter().map(|o| o.then.as_str()).collect();
        format!("in which {}", and_list(&then))
    };
    let first = match restart {
        Some(r) => {
            let lost = if r.lost_session.is_some() {
                "lost its session"
            } else {
                "lost its local state"
            };
            format!(
                "{} restarted at step {}, {lost}, and at step {} read {}, {} behind, {seen}.",
                s.controller,
                r.step,
                s.step,
                s.read_text,
                revisions(s.behind)
            )
        }
        None => format!(
            "At step {} {} read {}, {} behind {}, {seen}.",
            s.step,
            s.controller,
            s.read_text,
            revisions(s.behind),
            s.current
        ),
    };
    let led = match &s.effect {
        Effect::Wrote {
            operation,
            revision,
            on,
            beside,
        } => {
            let place = match (on.as_slice(), beside.as_slice()) {
                ([], _) => String::new(),
                (on, []) => format!(", written on {}", revision_list(on)),
                (on, beside) => format!(
                    ", written on {}, concurrent with {}",
                    revision_list(on),
                    revision_list(beside)
                ),
            };
            format!(
                "That read led {} to write `{operation}` (r{revision}{place}).",
                s.controller
            )
        }
        Effect::Rejected { operation, reason } => format!(
            "That read led {} to try `{operation}`, which was rejected: {reason}.",
            s.controller
        ),
        Effect::Local { what } => format!(
            "That read led {} to {what}, in its local state only (no write).",
            s.controller
        ),
    };
    let prevented = if s.prevented_by.is_empty() {
        "None of the stronger settings tried makes this step impossible.".to_string()
    } else {
        let parts: Vec<String> = s
            .prevented_by
            .iter()
            .map(|p| format!("{}, {}", under(&p.setting), p.why))
            .collect();
        format!("It would have been prevented: {}.", parts.join("; "))
    };
    vec![first, led, prevented]
}

/// `under monotonic-session`, `with the atomic commit mode`, `with read-your-writes`.
fn under(setting: &str) -> String {
    if setting.starts_with("the ") || setting == "read-your-writes" {
        format!("with {setting}")
    } else {
        format!("under {setting}")
    }
}

fn lost(l: &LostWrite) -> String {
    let head = format!(
        "{}'s write at step {} (`{}`, r{}) was acknowledged but lost",
        l.controller, l.step, l.change, l.revision
    );
    match (&l.lost_by, l.branch_point) {
        (Some(w), Some(p)) => format!(
            "{head}: at step {} {} wrote `{}` from r{p}, behind the tip, which started a new term on another branch.",
            w.step, w.writer, w.change
        ),
        (Some(w), None) => format!(
            "{head}: at step {} {} wrote `{}` in a new term on another branch.",
            w.step, w.writer, w.change
        ),
        _ => format!("{head} with its branch."),
    }
}

fn diverged(d: &Divergence) -> String {
    let since = match d.since {
        0 => "since the start".to_string(),
        s => format!("since step {s}"),
    };
    format!(
        "{}'s local state diverged from the store: {since} it {}, but {}.",
        d.controller, d.local, d.store
    )
}

fn violation(v: &Broken) -> Vec<String> {
    let verdict = if v.fails {
        "fails"
    } else {
        "is recorded to fail"
    };
    let named = if v.offenders.is_empty() {
        String::new()
    } else {
        let details: Vec<&str> = v.offenders.iter().map(|o| o.detail.as_str()).collect();
        format!(": {}", details.join("; "))
    };
    let mut out = vec![format!(
        "After step {}, {} {verdict} (\"{}\"){named}.",
        v.step, v.property, v.text
    )];
    if let Some(w) = &v.last_write {
        out.push(format!(
            "The last write before it was {}'s `{}` at step {}.",
            w.writer, w.change, w.step
        ));
    }
    out
}

fn what_ifs(e: &Explanation) -> Vec<String> {
    let stale_steps: Vec<usize> = e.stale_reads().map(|s| s.step).collect();
    let property = e.violation().map(|v| v.property.clone());
    let mut out = Vec::new();
    for w in &e.what_ifs {
        let setting = under(&w.setting);
        let setting = capitalised(&setting);
        match &w.result {
            WhatIfResult::Breaks {
                step,
                prevents: true,
                ..
            } if stale_steps.contains(step) => {}
            WhatIfResult::Breaks {
                step,
                describe,
                why,
                ..
            } => out.push(format!(
                "{setting} the path breaks at step {step} ({describe}): {why}."
            )),
            WhatIfResult::Holds { still_fails } => {
                let verdict = match (still_fails, &property) {
                    (Some(true), Some(p)) => format!(", and {p} still fails"),
                    (Some(false), Some(p)) => format!(", but {p} holds where it failed"),
                    _ => String::new(),
                };
                let helped = if *still_fails == Some(false) {
                    "the same steps no longer break the property"
                } else {
                    "it would not have helped"
                };
                out.push(format!(
                    "{setting} every step is still possible{verdict}: {helped}."
                ));
            }
            WhatIfResult::NotComparable { why } => {
                out.push(format!("{setting} the path cannot be re-run: {why}."))
            }
        }
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn revision_list(revisions: &[crate::model::resources::Revision]) -> String {
    let names: Vec<String> = revisions.iter().map(|r| format!("r{r}")).collect();
    and_list(&names)
}
