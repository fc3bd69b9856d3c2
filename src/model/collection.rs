//! `Resources<T>`: a persistent, name-sorted collection of one kind, cheap to clone and hash.
//!
//! Each resource sits behind an `Arc` with its hash computed once; the collection keeps an
//! order-independent fingerprint up to date on every insert and remove, so hashing a whole state
//! costs a few words per kind, however many resources it holds.

use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHasher;

use super::resources::Resource;

/// A resource with its hash, computed once when it was stored, and a second hash computed the
/// first time it is asked for (the symmetry reduction's hash with the node it names left out).
#[derive(Debug)]
pub struct Stored<T> {
    hash: u64,
    resource: T,
    abstracted: OnceLock<u64>,
}

impl<T: PartialEq> PartialEq for Stored<T> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.resource == other.resource
    }
}

impl<T: Eq> Eq for Stored<T> {}

impl<T: Hash> Stored<T> {
    /// Wraps a resource, computing its hash.
    pub fn new(resource: T) -> Self {
        Stored {
            hash: hash_of(&resource),
            resource,
            abstracted: OnceLock::new(),
        }
    }

    /// The cached hash of the resource.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The resource's second hash: `compute`'s result the first time, cached after. Every
    /// caller must pass the same function (the model has one: the hash with the node the
    /// resource names abstracted, see `system::symmetry`).
    pub fn abstracted_hash(&self, compute: fn(&T) -> u64) -> u64 {
        *self.abstracted.get_or_init(|| compute(&self.resource))
    }
}

impl<T> Deref for Stored<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.resource
    }
}

/// Hashes a value with the model's deterministic hasher.
pub fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = FxHasher::default();
    value.hash(&mut h);
    mix(h.finish())
}

/// A strong 64-bit finaliser (splitmix64), so that summed fingerprints do not cancel.
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A persistent map from name to resource: a name-sorted, shared slice of shared resources.
///
/// A cluster holds a few resources of a kind, so a change copies the slice (a pointer per
/// resource) rather than a tree node: a step that changes one pod costs the new pod and one
/// small slice, and every other kind, and every other pod, stays shared with the state before.
#[derive(Debug)]
pub struct Resources<T> {
    items: Option<Arc<[Arc<Stored<T>>]>>,
    fingerprint: u64,
}

impl<T> Clone for Resources<T> {
    fn clone(&self) -> Self {
        Resources {
            items: self.items.clone(),
            fingerprint: self.fingerprint,
        }
    }
}

impl<T> Default for Resources<T> {
    fn default() -> Self {
        Resources {
            items: None,
            fingerprint: 0,
        }
    }
}

impl<T: Resource> PartialEq for Resources<T> {
    fn eq(&self, other: &Self) -> bool {
        self.fingerprint == other.fingerprint
            && self.slice().len() == other.slice().len()
            && self
                .slice()
                .iter()
                .zip(other.slice())
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b)
    }
}

impl<T: Resource> Eq for Resources<T> {}

impl<T> Hash for Resources<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.fingerprint);
        state.write_usize(self.items.as_ref().map_or(0, |i| i.len()));
    }
}

/// What one entry adds to a collection's fingerprint.
pub fn entry_fingerprint(name: &str, resource_hash: u64) -> u64 {
    mix(hash_of(name) ^ resource_hash)
}

impl<T: Resource> Resources<T> {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    fn slice(&self) -> &[Arc<Stored<T>>] {
        self.items.as_deref().unwrap_or(&[])
    }

    /// Where `name` is, or where it would go.
    fn position(&self, name: &str) -> Result<usize, usize> {
        self.slice()
            .binary_search_by(|s| s.resource.metadata().name.as_str().cmp(name))
    }

    fn replace_slice(&mut self, items: Vec<Arc<Stored<T>>>) {
        self.items = (!items.is_empty()).then(|| items.into());
    }

    /// The resource with this name.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.get_stored(name).map(|s| &s.resource)
    }

    /// Whether a resource has this name.
    pub fn contains(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// The resources, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.slice().iter().map(|s| &s.resource)
    }

    /// The names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|r| r.metadata().name.as_str())
    }

    /// The number of resources.
    pub fn len(&self) -> usize {
        self.slice().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.slice().is_empty()
    }

    /// The order-independent fingerprint of the whole collection.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// The cached hash of one resource.
    pub fn hash_of(&self, name: &str) -> Option<u64> {
        self.get_stored(name).map(|s| s.hash)
    }

    /// Inserts or replaces a resource under its metadata name.
    pub fn insert(&mut self, resource: T) {
        self.insert_stored(Arc::new(Stored::new(resource)));
    }

    /// Inserts an already stored (shared) resource.
    pub fn insert_stored(&mut self, stored: Arc<Stored<T>>) {
        let name = stored.resource.metadata().name.clone();
        let added = entry_fingerprint(&name, stored.hash);
        let mut items = self.slice().to_vec();
        match self.position(&name) {
            Ok(i) => {
                self.fingerprint = self
                    .fingerprint
                    .wrapping_sub(entry_fingerprint(&name, items[i].hash));
                items[i] = stored;
            }
            Err(i) => items.insert(i, stored),
        }
        self.fingerprint = self.fingerprint.wrapping_add(added);
        self.replace_slice(items);
    }

    /// Removes a resource by name, returning it.
    pub fn remove(&mut self, name: &str) -> Option<Arc<Stored<T>>> {
        let i = self.position(name).ok()?;
        let mut items = self.slice().to_vec();
        let old = items.remove(i);
        self.fingerprint = self
            .fingerprint
            .wrapping_sub(entry_fingerprint(name, old.hash));
        self.replace_slice(items);
        Some(old)
    }

    /// The shared stored resource with this name.
    pub fn get_stored(&self, name: &str) -> Option<&Arc<Stored<T>>> {
        self.position(name).ok().map(|i| &self.slice()[i])
    }

    /// The shared stored resources, sorted by name.
    pub fn iter_stored(&self) -> impl Iterator<Item = &Arc<Stored<T>>> {
        self.slice().iter()
    }
}

impl<T: Resource> FromIterator<T> for Resources<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut r = Resources::new();
        for item in iter {
            r.insert(item);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Metadata, Pod};

    fn pod(name: &str, image: &str) -> Pod {
        let mut p = Pod {
            metadata: Metadata::named(name),
            ..Pod::default()
        };
        p.spec.containers.push(crate::model::resources::Container {
            name: "c".into(),
            image: image.into(),
            ..Default::default()
        });
        p
    }

    #[test]
    fn fingerprint_is_order_independent_and_incremental() {
        let a: Resources<Pod> = [pod("a", "1"), pod("b", "1")].into_iter().collect();
        let b: Resources<Pod> = [pod("b", "1"), pod("a", "1")].into_iter().collect();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a, b);
        let mut c = a.clone();
        c.insert(pod("a", "2"));
        assert_ne!(c.fingerprint(), a.fingerprint());
        c.insert(pod("a", "1"));
        assert_eq!(c.fingerprint(), a.fingerprint());
        c.remove("b");
        let d: Resources<Pod> = [pod("a", "1")].into_iter().collect();
        assert_eq!(c.fingerprint(), d.fingerprint());
        assert_eq!(c, d);
    }
}
