//! WATCH (`?watch=true`): the store's watch of a kind turned into Kubernetes watch events,
//! one JSON object a line (`{"type":"ADDED","object":{...}}`), sent as a chunked body.
//!
//! From `resourceVersion=N` the events are the changes after `N`; without one (or `0`) every
//! selected object comes first as `ADDED`, as the Kubernetes API server does. With selectors
//! an object that starts to match is `ADDED` and one that stops is `DELETED`. The stream ends
//! at `timeoutSeconds`, when the client goes, or when the server shuts down; a store error
//! (a compaction overtaking the watch) is sent as an `ERROR` event carrying a `Status`.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::json::{stored_to_kube, to_kube};
use super::read::{in_namespace, selectors};
use super::selector::Selectors;
use super::server::{Context, Reply, Request};
use super::status::Failure;
use crate::model::resources::{Kind, Revision};
use crate::store::{At, Key, Scope, Stored, WatchEvent};

/// How long a watch lasts when the client names no `timeoutSeconds` (Kubernetes picks
/// 30-60 minutes).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// Events buffered for a slow client before the watch waits for it.
const BUFFER: usize = 64;

/// What one watch filters by.
struct Filter {
    namespace: Option<String>,
    selectors: Selectors,
    /// The keys selected as of the last event (what a client watching has seen).
    selected: BTreeSet<Key>,
}

impl Filter {
    fn admits(&self, stored: &Stored) -> Option<Value> {
        if !in_namespace(stored, self.namespace.as_deref()) {
            return None;
        }
        let object = stored_to_kube(stored);
        self.selectors.matches(&object).then_some(object)
    }

    /// The watch event a store event makes, if the client is to see it.
    fn event(&mut self, event: WatchEvent, kind: Kind) -> Option<Value> {
        match event {
            WatchEvent::Put(stored) => {
                let was = self.selected.contains(&stored.key);
                match self.admits(&stored) {
                    Some(object) => {
                        self.selected.insert(stored.key.clone());
                        let kind = if was { "MODIFIED" } else { "ADDED" };
                        Some(json!({ "type": kind, "object": object }))
                    }
                    None if was => {
                        self.selected.remove(&stored.key);
                        Some(json!({ "type": "DELETED", "object": stored_to_kube(&stored) }))
                    }
                    None => None,
                }
            }
            WatchEvent::Deleted {
                key,
                revision,
                last,
            } => {
                if !self.selected.remove(&key) {
                    return None;
                }
                let object = match last {
                    Some(mut last) => {
                        last.object.metadata_mut().resource_version = revision;
                        to_kube(&last.object, last.create_revision)
                    }
                    None => json!({
                        "apiVersion": kind.api_version(),
                        "kind": kind.name(),
                        "metadata": {
                            "name": key.name,
                            "namespace": key.namespace,
                            "resourceVersion": revision.to_string(),
                        },
                    }),
                };
                Some(json!({ "type": "DELETED", "object": object }))
            }
        }
    }
}

fn line(event: &Value) -> Bytes {
    let mut text = event.to_string();
    text.push('\n');
    Bytes::from(text)
}

/// The revision a `resourceVersion` parameter names (`None`: absent, empty or `0`).
fn revision_param(request: &Request) -> Result<Option<Revision>, Failure> {
    match request.param("resourceVersion") {
        None | Some("" | "0") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(|_| {
            Failure::bad_request(format!("resourceVersion `{text}` is not a revision"))
        }),
    }
}

fn timeout_param(request: &Request) -> Result<Duration, Failure> {
    match request.param("timeoutSeconds") {
        None => Ok(DEFAULT_TIMEOUT),
        Some(text) => text
            .parse()
            .map(Duration::from_secs)
            .map_err(|_| Failure::bad_request(format!("timeoutSeconds `{text}` is not a number"))),
    }
}

/// Starts a watch; the reply streams its events.
pub async fn watch(
    ctx: &Context,
    request: &Request,
    kind: Kind,
    namespace: Option<String>,
) -> Result<Reply, Failure> {
    let selectors = selectors(request)?;
    let timeout = timeout_param(request)?;
    let store = ctx.api.store().clone();
    let at = match revision_param(request)? {
        Some(revision) => At::Revision(revision),
        None => At::Latest,
    };
    let start = store.list(Scope::Kind(kind), at).await?;
    let mut filter = Filter {
        namespace,
        selectors,
        selected: BTreeSet::new(),
    };
    let mut initial = Vec::new();
    for stored in &start.value {
        if let Some(object) = filter.admits(stored) {
            filter.selected.insert(stored.key.clone());
            if at == At::Latest {
                initial.push(json!({ "type": "ADDED", "object": object }));
            }
        }
    }
    let mut events = store.watch(Scope::Kind(kind), start.revision + 1).await?;
    let (tx, rx) = mpsc::channel(BUFFER);
    let mut shutdown = ctx.shutdown.clone();
    tokio::spawn(async move {
        for event in &initial {
            if tx.send(line(event)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            let next = tokio::select! {
                next = events.next() => next,
                _ = &mut deadline => return,
                () = async { let _ = shutdown.wait_for(|down| *down).await; } => return,
                _ = tx.closed() => return,
            };
            let event = match next {
                Ok(event) => filter.event(event, kind),
                Err(e) => {
                    let failure = Failure::from(e);
                    let error = json!({ "type": "ERROR", "object": failure.to_status() });
                    let _ = tx.send(line(&error)).await;
                    return;
                }
            };
            if let Some(event) = event
                && tx.send(line(&event)).await.is_err()
            {
                return;
            }
        }
    });
    Ok(Reply::Stream(rx))
}
