//! Where a step's write lands in the model, and whether a linear store can serve that: the
//! revision a write is applied to is the latest one under the linear histories, but under
//! causal it is the read (a merge of concurrent revisions, or an old revision branched from),
//! and under optimistic-linear the branch the read lands on. A store has one line of
//! revisions; a base that is not its latest state must be materialised there first (the
//! memory store of `--against controllers` does), or the history cannot be served (etcd).

use crate::model::history::{AnyHistory, History, Read};
use crate::model::state::StateView;
use crate::model::system::{Action, SystemState, Transition};

/// What the step before `state`'s action needs of the store.
#[derive(Clone, Debug)]
pub struct Base {
    /// The state the step's write is applied to (and validated against), in model terms.
    pub state: StateView,
    /// Whether the controller then reads the base itself (causal: the read is the base; an
    /// optimistic-linear read of the revision it lands on), so that its caches must stand at
    /// the materialised revision rather than at the read's own.
    pub read_is_base: bool,
    /// Why a linear store would need the base materialised, for the refusal message.
    pub why: String,
}

/// Whether the history keeps one line of revisions whose latest is every write's base.
pub fn linear(history: &AnyHistory) -> bool {
    !matches!(
        history,
        AnyHistory::Causal(_) | AnyHistory::OptimisticLinear(_)
    )
}

/// The base of `action` taken in `before`, where it may differ from the latest state (causal
/// and optimistic-linear histories); `None` under the linear histories, and for actions that
/// write nothing to the cluster (cache deliveries).
pub fn base_of(before: &SystemState, action: &Action) -> Option<Base> {
    let history = &before.history;
    if linear(history) {
        return None;
    }
    let latest = history.latest();
    let read = match action {
        Action::Step { read, .. } => read.clone(),
        Action::Environment { .. } => Read::At(latest),
        // A cache delivery writes nothing; a sync's later write is sent as its first was,
        // onto the latest revision.
        Action::Cache { .. } | Action::Continue { .. } => return None,
    };
    match history {
        AnyHistory::Causal(_) => Some(Base {
            state: history.state(&read)?,
            read_is_base: true,
            why: match &read {
                Read::Merge(rs) => format!(
                    "reads a causal merge of {}",
                    rs.iter()
                        .map(|r| format!("r{r}"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
                _ => {
                    format!("writes onto {read}, a causal branch from before the latest r{latest}")
                }
            },
        }),
        AnyHistory::OptimisticLinear(h) => {
            let Read::At(r) = read else {
                return None;
            };
            let (onto, _) = h.landing(r)?;
            Some(Base {
                state: history.state(&Read::At(onto))?,
                read_is_base: onto == r,
                why: format!(
                    "writes onto r{onto}, an optimistic-linear branch (the latest is r{latest})"
                ),
            })
        }
        _ => None,
    }
}

/// The first step (its trace number; 0 for a settled start's settling) that a store with one
/// line of revisions cannot serve, with why: a causal merge read, or a write whose base is not
/// the latest state such a store would hold then. `None` when every step can be served.
pub fn first_unservable(steps: &[(usize, &SystemState, &Transition)]) -> Option<(usize, String)> {
    let mut held: Option<StateView> = steps.first().map(|(_, before, _)| before.latest());
    for (step, before, t) in steps {
        let wrote = t.next.history.latest() != before.history.latest();
        if let Some(base) = base_of(before, &t.action) {
            let merge = matches!(
                t.action,
                Action::Step {
                    read: Read::Merge(_),
                    ..
                }
            );
            if merge || (wrote && held.as_ref() != Some(&base.state)) {
                return Some((*step, base.why));
            }
        }
        if wrote {
            held = Some(t.next.latest());
        }
    }
    None
}
