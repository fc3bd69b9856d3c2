//! Informer caches: where each controller's caches may move, as actions of their own or folded
//! into its next step.

use super::*;
use std::sync::Arc;

impl System {
    /// Informer consistency: every cache move enabled in this state (controller, kind,
    /// revision), controllers in order, kinds in watch order, revisions ascending.
    pub fn cache_moves(&self, state: &SystemState) -> Vec<(usize, Kind, Revision)> {
        self.cache_moves_under(self.semantics(), state)
    }

    /// The cache moves offered as actions of their own: every one in the plain model; with
    /// folded deliveries only the LISTs into empty caches under `relist: latest` (see
    /// [`Reduction::fold_deliveries`]).
    pub(super) fn cache_moves_under(
        &self,
        semantics: Semantics,
        state: &SystemState,
    ) -> Vec<(usize, Kind, Revision)> {
        let AnyHistory::Informer(informer) = &state.history else {
            return Vec::new();
        };
        if self.config.consistency.lag == Lag::Zero {
            return Vec::new();
        }
        let folded = semantics.reduction.fold_deliveries;
        if folded && informer.relist() == Relist::AnyRevision {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, registration) in self.registrations.iter().enumerate() {
            for &kind in registration.watches {
                let cache = state.locals[i].caches[kind.index()];
                if folded && cache.is_some() {
                    continue;
                }
                for revision in informer.cache_moves(kind, cache) {
                    out.push((i, kind, revision));
                }
            }
        }
        out
    }

    /// Informer consistency with deliveries folded into steps: every read that moving the
    /// caches first could give, each kind at its cache's revision or a change point past it
    /// (after a restart, under `relist: any-revision`: what a LIST may return), oldest first;
    /// unwatched kinds are taken at the newest revision read. Under `relist: latest` a
    /// controller with an empty cache reads nothing until that cache is listed by a move of
    /// its own.
    pub(super) fn folded_informer_reads(
        &self,
        informer: &Informer,
        local: &LocalState,
        i: usize,
    ) -> Vec<Read> {
        let watches = self.registrations[i].watches;
        let wait = self.config.guards.wait_for_cache_sync;
        let unlisted = watches.iter().any(|k| local.caches[k.index()].is_none());
        if unlisted && informer.relist() == Relist::Latest && wait {
            return Vec::new();
        }
        let mut reads: Vec<Vec<Revision>> = vec![Vec::new()];
        for &kind in watches {
            let cache = local.caches[kind.index()];
            let mut options: Vec<Revision> = cache.into_iter().collect();
            // Without WaitForCacheSync a cache not listed yet is read as it stands: empty.
            if cache.is_none() && !wait {
                options.push(crate::model::history::UNLISTED);
            }
            // Under `relist: latest` an empty cache is listed by a move of its own.
            if cache.is_some() || informer.relist() == Relist::AnyRevision {
                options.extend(informer.cache_moves(kind, cache));
            }
            reads = reads
                .into_iter()
                .flat_map(|prefix| {
                    options.iter().map(move |r| {
                        let mut read = prefix.clone();
                        read.push(*r);
                        read
                    })
                })
                .collect();
        }
        reads
            .into_iter()
            .map(|chosen| {
                let newest = chosen.iter().copied().max().unwrap_or(INITIAL_REVISION);
                let mut revisions = [newest; Kind::COUNT];
                for (kind, r) in watches.iter().zip(chosen) {
                    revisions[kind.index()] = r;
                }
                Read::PerKind(revisions)
            })
            .collect()
    }

    /// Informer consistency: the transition moving `controller`'s `kind` cache to `revision`
    /// (one of [`System::cache_moves`]).
    pub fn move_cache(
        &self,
        state: &SystemState,
        controller: usize,
        kind: Kind,
        revision: Revision,
    ) -> Transition {
        let mut next = state.clone();
        Arc::make_mut(&mut next.locals[controller]).caches[kind.index()] = Some(revision);
        Transition {
            action: Action::Cache {
                controller,
                kind,
                revision,
            },
            outcome: Outcome::Local,
            next,
        }
    }

    /// The plain model's actions an action stands for in this state: the action itself, or,
    /// for a step whose read moves caches first (folded deliveries), a delivery per cache it
    /// moves, in watch order, and then the step from the caches so delivered. Taking them one
    /// after the other under [`Reduction::NONE`] leads to the state the action leads to.
    pub fn plain_actions(&self, state: &SystemState, action: &Action) -> Vec<Action> {
        let Action::Step {
            controller,
            read: Read::PerKind(revisions),
            ..
        } = action
        else {
            return vec![action.clone()];
        };
        let plain = self
            .readable_under(Semantics::PLAIN, state, *controller)
            .contains(&Read::PerKind(*revisions));
        let Some(local) = state.locals.get(*controller) else {
            return vec![action.clone()];
        };
        if plain || !matches!(state.history, AnyHistory::Informer(_)) {
            return vec![action.clone()];
        }
        let mut out: Vec<Action> = self.registrations[*controller]
            .watches
            .iter()
            .filter(|k| local.caches[k.index()] != Some(revisions[k.index()]))
            .map(|&kind| Action::Cache {
                controller: *controller,
                kind,
                revision: revisions[kind.index()],
            })
            .collect();
        out.push(action.clone());
        out
    }
}
