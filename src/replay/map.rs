//! The map between the model's revisions and the store's, and the translation of objects
//! between the two: a resourceVersion (the store's mod revision) and a status'
//! observedRevision (the revision a controller's view stood at) are mapped.

use std::collections::{BTreeMap, HashMap};

use crate::model::resources::{Object, Revision};
use crate::model::state::StateView;
use crate::store::Key;

/// Model revision <-> store revision, kept as a replay goes.
#[derive(Clone, Debug, Default)]
pub struct RevisionMap {
    to_store: BTreeMap<Revision, Revision>,
    to_model: BTreeMap<Revision, Revision>,
    /// Objects a materialisation rewrote: their store mod revision stands for their own model
    /// resourceVersion, not for one model revision.
    versions: HashMap<(String, Revision), Revision>,
}

impl RevisionMap {
    /// Records that model revision `model` is store revision `store`.
    pub fn insert(&mut self, model: Revision, store: Revision) {
        self.to_store.insert(model, store);
        self.to_model.entry(store).or_insert(model);
    }

    /// Records that the store revision `store` of a materialisation shows model revision
    /// `model` (for values made from the read, such as observedRevision), without making
    /// `model` stand for it.
    pub fn insert_shown(&mut self, store: Revision, model: Revision) {
        self.to_model.insert(store, model);
    }

    /// Records that `key`, rewritten at store revision `store`, has model resourceVersion `model`.
    pub fn insert_version(&mut self, key: &Key, store: Revision, model: Revision) {
        self.versions.insert((key.path(), store), model);
    }

    /// The store revision of a model revision.
    pub fn store(&self, model: Revision) -> Option<Revision> {
        self.to_store.get(&model).copied()
    }

    /// The model revision of a store revision.
    pub fn model(&self, store: Revision) -> Option<Revision> {
        self.to_model.get(&store).copied()
    }

    /// Forgets model revision `model` (a write expected of the target that did not happen).
    pub fn remove_model(&mut self, model: Revision) {
        if let Some(store) = self.to_store.remove(&model)
            && self.to_model.get(&store) == Some(&model)
        {
            self.to_model.remove(&store);
        }
    }

    /// The model revision a store revision stands for, or the store revision itself.
    pub fn model_or_same(&self, store: Revision) -> Revision {
        self.model(store).unwrap_or(store)
    }

    /// Every pair, model first, in model order.
    pub fn pairs(&self) -> Vec<(Revision, Revision)> {
        self.to_store.iter().map(|(m, s)| (*m, *s)).collect()
    }

    /// A store object in the model's terms; a revision that maps to nothing is left as it is
    /// (and the comparison shows it).
    pub fn decode(&self, object: &Object) -> Object {
        let key = Key::of(object);
        let mut object = object.clone();
        let rv = object.metadata().resource_version;
        let model_rv = self
            .versions
            .get(&(key.path(), rv))
            .copied()
            .or_else(|| self.model(rv))
            .unwrap_or(rv);
        translate(&mut object, &|r| self.model(r).unwrap_or(r));
        object.metadata_mut().resource_version = model_rv;
        object
    }

    /// A model object in the store's terms (resourceVersion left for the writer to set).
    pub fn encode(&self, object: &Object) -> Object {
        let mut object = object.clone();
        translate(&mut object, &|r| self.store(r).unwrap_or(r));
        object
    }

    /// A whole store state in the model's terms.
    pub fn decode_state(&self, objects: impl IntoIterator<Item = Object>) -> StateView {
        StateView::from_objects(objects.into_iter().map(|o| self.decode(&o)))
    }
}

/// Maps the revision a controller wrote from its view (a status' observedRevision). Uids,
/// generated names and deletion timestamps need no mapping: the replay's API server makes them
/// from the model's revision (`ApiServer::with_stamp`).
fn translate(object: &mut Object, map: &dyn Fn(Revision) -> Revision) {
    let observed = match object {
        Object::Deployment(d) => &mut d.status.observed_revision,
        Object::Job(j) => &mut j.status.observed_revision,
        Object::ReplicaSet(r) => &mut r.status.observed_revision,
        Object::StatefulSet(s) => &mut s.status.observed_revision,
        _ => return,
    };
    *observed = observed.map(map);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Pod, ReplicaSet};

    #[test]
    fn versions_and_observed_revisions_map_both_ways_and_the_unknown_stays() {
        let mut map = RevisionMap::default();
        map.insert(1, 2);
        map.insert(5, 9);
        let mut rs = ReplicaSet::default();
        rs.metadata.name = "web".into();
        rs.metadata.resource_version = 9;
        rs.status.observed_revision = Some(2);
        let decoded = map.decode(&Object::ReplicaSet(rs.clone()));
        assert_eq!(decoded.metadata().resource_version, 5);
        let Object::ReplicaSet(d) = &decoded else {
            unreachable!()
        };
        assert_eq!(d.status.observed_revision, Some(1));
        let Object::ReplicaSet(e) = map.encode(&decoded) else {
            unreachable!()
        };
        assert_eq!(e.status.observed_revision, Some(2));
        // A materialised object keeps its own model version.
        let mut pod = Pod::default();
        pod.metadata.name = "web-0".into();
        pod.metadata.resource_version = 12;
        let object = Object::Pod(pod);
        map.insert_shown(12, 5);
        map.insert_version(&Key::of(&object), 12, 3);
        assert_eq!(map.decode(&object).metadata().resource_version, 3);
        // A revision the map does not know is left as it is.
        let mut unknown = object.clone();
        unknown.metadata_mut().resource_version = 7;
        assert_eq!(map.decode(&unknown).metadata().resource_version, 7);
        map.remove_model(5);
        assert_eq!(map.store(5), None);
    }
}
