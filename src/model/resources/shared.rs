//! `Shared<T>`: a part of a state shared between the states that hold it until one of them
//! changes it.
//!
//! A write makes a new version of a resource (its metadata at least changes), but the heavy
//! parts (a pod's spec, labels, a workload's spec) rarely do: behind a `Shared` a new version,
//! and every pod created from a template, points at the same spec. Likewise a step gives its
//! controller a new local state, but what a node runs or a controller expects seldom changes. Reading goes through
//! `Deref`; changing through `DerefMut`, which copies a shared value first. Equality, order,
//! hashing and serde are those of the value.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value behind an `Arc`, copied on write.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    /// Shares `value`.
    pub fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Self {
        Shared::new(value)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}

impl<'a, T> IntoIterator for &'a Shared<T>
where
    &'a T: IntoIterator,
{
    type Item = <&'a T as IntoIterator>::Item;
    type IntoIter = <&'a T as IntoIterator>::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        self.0.as_ref().into_iter()
    }
}

impl<T: Hash> Hash for Shared<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_ref().hash(state);
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.as_ref().fmt(f)
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.as_ref().serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(Shared::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::collection::hash_of;

    #[test]
    fn a_copy_shares_until_changed_and_hashes_as_its_value() {
        let a = Shared::new(vec![1, 2]);
        let mut b = a.clone();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(hash_of(&a), hash_of(&vec![1, 2]));
        b.push(3);
        assert!(!Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(*a, vec![1, 2]);
        assert_eq!(serde_json::to_string(&b).unwrap(), "[1,2,3]");
        let back: Shared<Vec<i32>> = serde_json::from_str("[1,2,3]").unwrap();
        assert_eq!(back, b);
    }
}
