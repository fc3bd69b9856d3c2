//! `SharedMap`: a map shared between states until one of them changes it.
//!
//! Every step gives its controller a new local state (at least its session moves), while what
//! a node runs, or a controller expects, changes far more rarely: those maps are shared behind
//! an `Arc` and copied only when written (`DerefMut` copies a shared map first), so a step
//! costs a few words for them instead of a deep copy.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A `BTreeMap` behind an `Arc`, copied on write.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SharedMap<K, V>(Arc<BTreeMap<K, V>>);

impl<K, V> Default for SharedMap<K, V> {
    fn default() -> Self {
        SharedMap(Arc::new(BTreeMap::new()))
    }
}

impl<K, V> Deref for SharedMap<K, V> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &BTreeMap<K, V> {
        &self.0
    }
}

impl<K: Clone, V: Clone> DerefMut for SharedMap<K, V> {
    fn deref_mut(&mut self) -> &mut BTreeMap<K, V> {
        Arc::make_mut(&mut self.0)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SharedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        SharedMap(Arc::new(iter.into_iter().collect()))
    }
}

impl<K: Serialize, V: Serialize> Serialize for SharedMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Deserialize<'de> for SharedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::deserialize(deserializer).map(|m| SharedMap(Arc::new(m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_shares_until_written_and_then_differs() {
        let mut a: SharedMap<String, u32> = [("x".to_string(), 1)].into_iter().collect();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        a.insert("y".into(), 2);
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(b.len(), 1);
        assert_eq!(a.len(), 2);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"x":1,"y":2}"#);
        let back: SharedMap<String, u32> = serde_json::from_str(r#"{"x":1,"y":2}"#).unwrap();
        assert_eq!(back, a);
    }
}
