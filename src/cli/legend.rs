//! A one-line legend for the notation of a counterexample's steps, each note printed before
//! the first step that uses it: `rN`, `alternative K`, `{rA,rB}`, `kind@rN`.

/// Which notes were printed already.
#[derive(Debug, Default)]
pub struct Legend {
    revision: bool,
    alternative: bool,
    merge: bool,
    per_kind: bool,
}

impl Legend {
    /// The notes for the notation first used in `line`.
    pub fn notes(&mut self, line: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut note = |seen: &mut bool, used: bool, text: &'static str| {
            if used && !*seen {
                *seen = true;
                out.push(text);
            }
        };
        note(
            &mut self.revision,
            has_revision(line),
            "rN: revision N of the API server's history, one per accepted write; `reads rN` is the revision a controller's view was taken at",
        );
        note(
            &mut self.merge,
            line.contains("{r"),
            "{rA,rB}: a view merged from concurrent revisions (causal consistency)",
        );
        note(
            &mut self.per_kind,
            line.contains("@r"),
            "kind@rN: a view read from informer caches, each kind's cache at its own revision",
        );
        note(
            &mut self.alternative,
            line.contains("(alternative "),
            "alternative K: the controller's K-th equally good choice from the same view (a scheduler's tied nodes)",
        );
        out
    }
}

fn has_revision(line: &str) -> bool {
    let bytes = line.as_bytes();
    bytes.windows(2).enumerate().any(|(i, w)| {
        w[0] == b'r' && w[1].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_note_comes_once_before_its_first_use() {
        let mut legend = Legend::default();
        assert_eq!(
            legend
                .notes("change image of StatefulSet/web to nginx:2")
                .len(),
            0
        );
        let first = legend.notes("statefulset reads r9 => create Pod web-0 -> r10");
        assert_eq!(first.len(), 1);
        assert!(first[0].starts_with("rN:"));
        assert!(legend.notes("statefulset reads r10").is_empty());
        let alt = legend.notes("scheduler reads r13 (alternative 2) => update Pod web-0");
        assert_eq!(alt.len(), 1);
        assert!(alt[0].starts_with("alternative K"));
        let both = legend.notes("node-1 reads pods@r7 nodes@r8; statefulset reads {r22,r23}");
        assert_eq!(both.len(), 2, "{both:?}");
        assert!(
            legend
                .notes("node-2 reads pods@r9 {r1,r2} (alternative 1)")
                .is_empty()
        );
        assert!(!has_revision("web-0 error13"));
    }
}
