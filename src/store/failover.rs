//! Failing over between the endpoints of a multi-member etcd: which failures of a request
//! leave its outcome known ([`classify`]), and what a commit whose answer was lost did, learnt
//! by re-reading its keys ([`resolve`]).
//!
//! A request that failed before it was sent (the connection refused, no leader to propose it
//! to, too many requests) did nothing: it is safe to send again, to another member. A request
//! that was sent and not answered (a timeout, a connection broken mid-request, the leader
//! changing while it was proposed) may or may not have landed, and may still land: a write is
//! then never sent again blindly. Every write of the etcd store is a transaction conditioned on
//! each key's revision (absent, or its mod revision as read), so one that lands makes the
//! same transaction's conditions fail: re-reading the keys (linearizably, through a member that
//! answers) tells whether it landed (every key holds what it wrote, at one revision), cannot
//! land any more (a condition fails and the keys do not hold the write), or has not landed yet
//! (every condition still holds). Only in that last case is it sent again, and the conditions
//! make at most one of the two copies land.

use super::{Conflict, Stored, Write, without_version};
use crate::model::resources::{Object, Revision};

/// What a failed request's error says of its outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// It was not sent, or the server refused it before acting: nothing happened.
    NotSent,
    /// It was sent and not answered: it may have happened.
    Unknown,
    /// The server answered with an error of the request itself (not of the member).
    Answered,
}

/// Classifies an etcd client error (see the module doc).
pub fn classify(e: &etcd_client::Error) -> Failure {
    match e {
        etcd_client::Error::GRpcStatus(status) => classify_status(status.code(), status.message()),
        etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => {
            classify_message(&e.to_string())
        }
        _ => Failure::Answered,
    }
}

/// Classifies a gRPC status from etcd or from the client's transport.
pub fn classify_status(code: tonic::Code, message: &str) -> Failure {
    // etcd's own refusals before proposing (rpctypes: ErrNoLeader, ErrTooManyRequests,
    // ErrNotCapable): nothing was proposed.
    const REFUSED: [&str; 3] = [
        "etcdserver: no leader",
        "etcdserver: too many requests",
        "etcdserver: not capable",
    ];
    if REFUSED.iter().any(|r| message.contains(r)) {
        return Failure::NotSent;
    }
    match code {
        tonic::Code::Unavailable
        | tonic::Code::DeadlineExceeded
        | tonic::Code::Cancelled
        | tonic::Code::Aborted
        | tonic::Code::ResourceExhausted => classify_message(message),
        // A connection broken mid-request or mid-stream.
        tonic::Code::Unknown
            if [
                "transport error",
                "h2 protocol error",
                "broken pipe",
                "connection reset",
            ]
            .iter()
            .any(|m| message.to_ascii_lowercase().contains(m)) =>
        {
            classify_message(message)
        }
        _ => Failure::Answered,
    }
}

/// A transport failure: one that never reached the server (no connection) did nothing;
/// any other (a broken connection, a timeout, etcd's "request timed out", "leader changed")
/// is unknown.
fn classify_message(message: &str) -> Failure {
    let lower = message.to_ascii_lowercase();
    let unconnected = [
        "connection refused",
        "tcp connect error",
        "error trying to connect",
        "connect error",
        "no route to host",
    ];
    if unconnected.iter().any(|m| lower.contains(m)) {
        Failure::NotSent
    } else {
        Failure::Unknown
    }
}

/// What a commit whose answer was lost did, from its keys re-read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// It landed, at this revision.
    Landed(Revision),
    /// It has not landed, and every condition still holds: it may still land, and sending the
    /// same conditional transaction again is safe (at most one copy lands).
    Pending,
    /// It did not land and cannot any more: this condition fails.
    Conflict(Conflict),
    /// The keys hold part of it, or a delete whose revision the keys do not tell.
    Unclear(String),
}

/// What a commit of `writes` did, given each key as re-read linearizably after it (`None`:
/// absent), in the writes' order. A delete that landed leaves nothing to date it by, so a
/// commit of deletes alone that landed is [`Resolution::Unclear`] unless the caller dates it
/// (see [`delete_landed`]).
pub fn resolve(writes: &[Write], current: &[Option<Stored>]) -> Resolution {
    let mut landed_at: Option<Revision> = None;
    let mut landed = 0;
    let mut deletes_gone = 0;
    let mut first_failing: Option<Conflict> = None;
    for (index, (write, now)) in writes.iter().zip(current).enumerate() {
        let key = write.key();
        let holds = match write {
            Write::Create(_) => now.is_none(),
            Write::Update { expected, .. } | Write::Delete { expected, .. } => {
                now.as_ref().map(|s| s.mod_revision) == Some(*expected)
            }
        };
        let ours = match (write, now) {
            (Write::Create(object), Some(stored)) => same(stored, object),
            (Write::Update { object, expected }, Some(stored)) => {
                stored.mod_revision != *expected && same(stored, object)
            }
            _ => false,
        };
        if ours {
            landed += 1;
            let at = now.as_ref().map_or(0, |s| s.mod_revision);
            match landed_at {
                Some(r) if r != at => {
                    return Resolution::Unclear(format!(
                        "{key} was written at r{at}, another key of the commit at r{r}"
                    ));
                }
                _ => landed_at = Some(at),
            }
        } else if let (Write::Delete { expected, .. }, false) = (write, holds) {
            // Gone (or made again since): a delete that landed, or another writer's.
            if delete_landed(*expected, now.as_ref()) {
                deletes_gone += 1;
                continue;
            }
        }
        if !ours && !holds && first_failing.is_none() {
            first_failing = Some(Conflict {
                index,
                key,
                current: now.as_ref().map(|s| s.mod_revision),
            });
        }
    }
    match (landed_at, first_failing) {
        (Some(r), None) if landed + deletes_gone == writes.len() => Resolution::Landed(r),
        (Some(r), failing) => Resolution::Unclear(format!(
            "part of the commit is stored at r{r}{}",
            failing.map_or_else(String::new, |c| format!(", but not {}", c.key))
        )),
        (None, Some(conflict)) if deletes_gone == 0 => Resolution::Conflict(conflict),
        (None, None) if deletes_gone == 0 => Resolution::Pending,
        (None, _) => Resolution::Unclear(format!(
            "{deletes_gone} deleted key(s) of the commit are gone, at a revision their keys do not tell"
        )),
    }
}

/// Whether the stored object is the one written (its uid and every field alike).
fn same(stored: &Stored, written: &Object) -> bool {
    without_version(&stored.object) == without_version(written)
}

/// Whether a key deleted on the condition that its mod revision was `expected` is gone since:
/// absent, or made again after.
pub fn delete_landed(expected: Revision, now: Option<&Stored>) -> bool {
    match now {
        None => true,
        Some(stored) => stored.create_revision > expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resources::{Metadata, Pod};
    use crate::store::{Key, with_version};

    fn pod(name: &str, uid: &str) -> Object {
        let mut metadata = Metadata::named(name.to_string());
        metadata.uid = uid.into();
        Object::Pod(Pod {
            metadata,
            ..Pod::default()
        })
    }

    fn stored(object: &Object, create: Revision, modified: Revision) -> Stored {
        Stored {
            key: Key::of(object),
            object: with_version(object.clone(), modified),
            create_revision: create,
            mod_revision: modified,
        }
    }

    #[test]
    fn a_failure_before_sending_is_safe_and_one_after_is_unknown() {
        use tonic::Code;
        let refused =
            "error trying to connect: tcp connect error: Connection refused (os error 111)";
        assert_eq!(
            classify_status(Code::Unavailable, refused),
            Failure::NotSent
        );
        assert_eq!(
            classify_status(Code::Unavailable, "etcdserver: no leader"),
            Failure::NotSent
        );
        assert_eq!(
            classify_status(Code::Unavailable, "etcdserver: leader changed"),
            Failure::Unknown
        );
        assert_eq!(
            classify_status(Code::Unavailable, "etcdserver: request timed out"),
            Failure::Unknown
        );
        assert_eq!(
            classify_status(Code::Unknown, "transport error"),
            Failure::Unknown
        );
        assert_eq!(
            classify_status(
                Code::Unknown,
                "h2 protocol error: error reading a body from connection"
            ),
            Failure::Unknown
        );
        assert_eq!(
            classify_status(
                Code::InvalidArgument,
                "etcdserver: duplicate key given in txn request"
            ),
            Failure::Answered
        );
        assert_eq!(
            classify_status(
                Code::OutOfRange,
                "etcdserver: mvcc: required revision has been compacted"
            ),
            Failure::Answered
        );
    }

    #[test]
    fn a_lost_create_is_landed_when_the_key_holds_it_and_pending_when_absent() {
        let ours = pod("web-0", "u1");
        let writes = vec![Write::Create(ours.clone())];
        assert_eq!(
            resolve(&writes, &[Some(stored(&ours, 7, 7))]),
            Resolution::Landed(7)
        );
        assert_eq!(resolve(&writes, &[None]), Resolution::Pending);
        // Another writer's pod of that name (another uid): ours cannot land any more.
        let theirs = pod("web-0", "u2");
        assert_eq!(
            resolve(&writes, &[Some(stored(&theirs, 8, 8))]),
            Resolution::Conflict(Conflict {
                index: 0,
                key: Key::of(&ours),
                current: Some(8),
            })
        );
    }

    #[test]
    fn a_lost_update_is_landed_only_past_its_expected_revision() {
        let before = pod("web-0", "u1");
        let mut after = before.clone();
        after.metadata_mut().labels =
            crate::model::resources::Shared::new([("app".to_string(), "web".to_string())].into());
        let writes = vec![Write::Update {
            object: after.clone(),
            expected: 5,
        }];
        assert_eq!(
            resolve(&writes, &[Some(stored(&after, 3, 9))]),
            Resolution::Landed(9)
        );
        assert_eq!(
            resolve(&writes, &[Some(stored(&before, 3, 5))]),
            Resolution::Pending
        );
        assert!(matches!(
            resolve(&writes, &[Some(stored(&before, 3, 6))]),
            Resolution::Conflict(Conflict {
                current: Some(6),
                ..
            })
        ));
        assert!(matches!(
            resolve(&writes, &[None]),
            Resolution::Conflict(Conflict { current: None, .. })
        ));
    }

    #[test]
    fn a_commit_of_several_keys_lands_whole_or_is_unclear() {
        let a = pod("a", "ua");
        let b = pod("b", "ub");
        let gone = pod("c", "uc");
        let writes = vec![
            Write::Create(a.clone()),
            Write::Create(b.clone()),
            Write::Delete {
                key: Key::of(&gone),
                expected: 4,
            },
        ];
        assert_eq!(
            resolve(
                &writes,
                &[Some(stored(&a, 9, 9)), Some(stored(&b, 9, 9)), None]
            ),
            Resolution::Landed(9)
        );
        assert!(matches!(
            resolve(&writes, &[Some(stored(&a, 9, 9)), None, None]),
            Resolution::Unclear(_)
        ));
        assert_eq!(
            resolve(&writes, &[None, None, Some(stored(&gone, 2, 4))]),
            Resolution::Pending
        );
        // A lone delete whose key is gone cannot be dated from the keys.
        let delete = &writes[2..];
        assert!(matches!(resolve(delete, &[None]), Resolution::Unclear(_)));
    }
}
