//! The actions of the search, each stored once: a frontier entry names its action by a
//! 32-bit id instead of holding it (a read, an environment action with its strings).
//!
//! Workers intern the actions of new states while a level is generated; between levels the
//! new actions are copied into a frozen table that the next level's workers read without a
//! lock. The distinct actions of a search are few (controllers times revisions times
//! alternatives, plus the environment's), so the copy costs nothing.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use crate::model::system::Action;

/// Shards of the interner: two or a few threads rarely meet on one.
const SHARDS: usize = 16;

#[derive(Debug, Default)]
struct Shard {
    ids: FxHashMap<Action, u32>,
    actions: Vec<Action>,
}

/// Interned actions.
#[derive(Debug)]
pub struct Actions {
    shards: Vec<Mutex<Shard>>,
    frozen: Vec<Vec<Action>>,
}

impl Default for Actions {
    fn default() -> Self {
        Actions {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            frozen: vec![Vec::new(); SHARDS],
        }
    }
}

impl Actions {
    /// The id of `action`, interning it if new.
    pub fn intern(&self, action: &Action) -> u32 {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let hash = BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(action);
        let s = (hash >> 32) as usize % SHARDS;
        let mut shard = self.shards[s].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = shard.ids.get(action) {
            return id;
        }
        let local = u32::try_from(shard.actions.len()).expect("fewer than 2^28 distinct actions");
        let id = local * SHARDS as u32 + s as u32;
        shard.actions.push(action.clone());
        shard.ids.insert(action.clone(), id);
        id
    }

    /// Makes every action interned so far readable through [`Actions::get`].
    pub fn freeze(&mut self) {
        for (shard, frozen) in self.shards.iter().zip(&mut self.frozen) {
            let shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            frozen.extend(shard.actions[frozen.len()..].iter().cloned());
        }
    }

    /// The action with this id, interned before the last [`Actions::freeze`].
    pub fn get(&self, id: u32) -> &Action {
        &self.frozen[id as usize % SHARDS][id as usize / SHARDS]
    }
}
