//! Store revisions and model revisions: the same history counted from another start. An
//! object's `resourceVersion` and a status' `observedRevision` (the revision a controller's
//! view stood at) are shifted; uids, generated names and deletion timestamps are made from
//! the model's revision already (the API server's stamp).

use crate::model::resources::{Object, Revision};

/// The object with its revisions moved by `offset`: down (store to model) or, with `up`,
/// up (model to store).
pub fn shift(object: &Object, offset: Revision, up: bool) -> Object {
    let map = |r: Revision| {
        if up {
            r + offset
        } else {
            r.saturating_sub(offset)
        }
    };
    let mut object = object.clone();
    let rv = object.metadata().resource_version;
    object.metadata_mut().resource_version = map(rv);
    let observed = match &mut object {
        Object::Deployment(d) => &mut d.status.observed_revision,
        Object::Job(j) => &mut j.status.observed_revision,
        Object::ReplicaSet(r) => &mut r.status.observed_revision,
        Object::StatefulSet(s) => &mut s.status.observed_revision,
        _ => return object,
    };
    *observed = observed.map(map);
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::StatefulSet;

    #[test]
    fn a_shift_down_and_up_is_the_object_again() {
        let mut s = StatefulSet::default();
        s.metadata.resource_version = 9;
        s.status.observed_revision = Some(7);
        let object = Object::StatefulSet(s);
        let down = shift(&object, 5, false);
        assert_eq!(down.metadata().resource_version, 4);
        let Object::StatefulSet(d) = &down else {
            unreachable!()
        };
        assert_eq!(d.status.observed_revision, Some(2));
        assert_eq!(shift(&down, 5, true), object);
    }
}
