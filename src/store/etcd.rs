//! The etcd store: objects as JSON under `/registry/...`, writes as transactions comparing
//! `mod_revision`, an object's `resourceVersion` its mod revision, as the Kubernetes API
//! server keeps them.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, EventType, GetOptions, KeyValue, Txn, TxnOp,
    TxnOpResponse, WatchOptions, WatchStream,
};

use super::failover::{self, Failure, Resolution};
use super::key::{REGISTRY, kind_prefix};
use super::{
    At, Conflict, Key, Outcome, Read, Scope, Store, StoreError, Stored, Watch, WatchEvent,
    WatchSource, Write, with_version, without_version,
};
use crate::model::resources::{Object, Revision};

/// How long connecting (and the first request) may take before the endpoint is unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(4);

/// How long one request may take (a watch: its creation; its stream is not limited).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(4);

/// How an [`EtcdStore`] reads ([`Store::get`], [`Store::list`], [`Store::revision`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reads {
    /// Through the raft quorum (etcd's default): a read sees every write committed before it,
    /// and fails on a member cut off from the quorum.
    #[default]
    Linearizable,
    /// From the member the request reaches, without the quorum (etcd's serializable range): a
    /// member cut off from the others keeps answering with the state it last applied, so a
    /// store connected to that one member sees its (possibly stale) state.
    Serializable,
}

/// What one member says of itself and the cluster (etcd's maintenance status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberStatus {
    /// The answering member's id.
    pub member: u64,
    /// The leader it knows of (0: none).
    pub leader: u64,
    /// Its raft term.
    pub raft_term: u64,
    /// The store revision it has applied.
    pub revision: Revision,
}

/// A store on a running etcd (3.4 or later). Given several endpoints (the members of one
/// cluster), it sends each request to one member and fails over to the next when that one
/// does not answer: a read is sent again at once; a write only when its outcome is known
/// ([`super::failover`]: one not sent is sent again, one whose answer was lost is resolved by
/// re-reading its keys and sent again only when it has not landed and still can).
#[derive(Clone)]
pub struct EtcdStore {
    /// One client per endpoint, in the order given.
    members: Arc<Vec<Client>>,
    /// The member requests go to now.
    current: Arc<AtomicUsize>,
    endpoint: String,
    reads: Reads,
    timeout: Duration,
}

impl EtcdStore {
    /// Connects to etcd at these endpoints (`http://127.0.0.1:2379`, or `127.0.0.1:2379`) and
    /// checks it answers: an etcd that is not there is [`StoreError::Unreachable`], naming the
    /// endpoints, within [`CONNECT_TIMEOUT`]. With several endpoints, one member answering is
    /// enough: requests go to it, and fail over to the others.
    pub async fn connect(endpoints: &[String]) -> Result<EtcdStore, StoreError> {
        EtcdStore::connect_with(endpoints, Reads::Linearizable).await
    }

    /// Connects as [`EtcdStore::connect`] does, reading as `reads` says (the check that etcd
    /// answers reads so too). To see one member's own state, serializably, give one endpoint.
    pub async fn connect_with(endpoints: &[String], reads: Reads) -> Result<EtcdStore, StoreError> {
        let endpoint = endpoints.join(",");
        if endpoints.is_empty() {
            return Err(StoreError::Invalid("no etcd endpoint given".into()));
        }
        let unreachable = |reason: String| StoreError::Unreachable {
            endpoint: endpoint.clone(),
            reason,
        };
        // No gRPC-level request timeout: it would also cut long-lived watch streams; each
        // unary request is bounded by `REQUEST_TIMEOUT` in `attempt`.
        let options = ConnectOptions::new().with_connect_timeout(CONNECT_TIMEOUT);
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let mut members = Vec::with_capacity(endpoints.len());
            for e in endpoints {
                members.push(Client::connect([e], Some(options.clone())).await?);
            }
            // The first member that answers is where requests go.
            let mut last = None;
            for (i, client) in members.iter().enumerate() {
                let mut kv = client.kv_client();
                let check = kv.get(
                    REGISTRY,
                    Some(get_options(reads).with_prefix().with_count_only()),
                );
                match tokio::time::timeout(CONNECT_TIMEOUT / endpoints.len() as u32, check).await {
                    Ok(Ok(_)) => return Ok((members, i)),
                    Ok(Err(e)) => last = Some(e.to_string()),
                    Err(_) => last = Some("no answer".into()),
                }
            }
            Err(etcd_client::Error::InvalidArgs(last.unwrap_or_default()))
        })
        .await;
        match connected {
            Err(_) => Err(unreachable(format!(
                "no answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            ))),
            Ok(Err(etcd_client::Error::InvalidArgs(reason))) => Err(unreachable(reason)),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Ok(Ok((members, first))) => Ok(EtcdStore {
                members: Arc::new(members),
                current: Arc::new(AtomicUsize::new(first)),
                endpoint,
                reads,
                timeout: REQUEST_TIMEOUT,
            }),
        }
    }

    /// The same store with another bound on each request (default [`REQUEST_TIMEOUT`]): past
    /// it, a request's outcome is unknown and it fails over.
    pub fn with_request_timeout(mut self, timeout: Duration) -> EtcdStore {
        self.timeout = timeout;
        self
    }

    /// The endpoint requests go to now (with several, the one failed over to last).
    pub fn current_endpoint(&self) -> String {
        let i = self.current.load(Ordering::Relaxed);
        self.endpoint
            .split(',')
            .nth(i)
            .unwrap_or(&self.endpoint)
            .to_string()
    }

    /// How it reads.
    pub fn reads(&self) -> Reads {
        self.reads
    }

    /// The status of the member a request reaches (with one endpoint: that member).
    pub async fn status(&self) -> Result<MemberStatus, StoreError> {
        let response = self
            .request(
                None,
                |c| async move { c.maintenance_client().status().await },
            )
            .await?;
        Ok(MemberStatus {
            member: response.header().map_or(0, |h| h.member_id()),
            leader: response.leader(),
            raft_term: response.raft_term(),
            revision: header_revision(response.header()),
        })
    }

    /// The endpoints, comma-separated.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// How long the requests of one call may fail over for: every member tried, with time for
    /// an election between (a leader killed: the others elect one within a few timeouts).
    fn failover_window(&self) -> Duration {
        if self.members.len() > 1 {
            self.timeout * 2 + Duration::from_secs(2)
        } else {
            Duration::ZERO
        }
    }

    /// Moves on from member `from` to the next, unless another request already did.
    fn rotate(&self, from: usize) {
        let next = (from + 1) % self.members.len();
        let _ = self
            .current
            .compare_exchange(from, next, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// One attempt on member `i`, bounded by the request timeout; an error says what it tells
    /// of the outcome (a timeout: unknown; no error: ours).
    async fn attempt<T, Fut>(
        &self,
        request: Fut,
    ) -> Result<T, (Failure, Option<etcd_client::Error>)>
    where
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        match tokio::time::timeout(self.timeout, request).await {
            Err(_) => Err((Failure::Unknown, None)),
            Ok(Err(e)) => Err((failover::classify(&e), Some(e))),
            Ok(Ok(t)) => Ok(t),
        }
    }

    /// Runs a request that may be sent again (a read: it changes nothing), failing over from a
    /// member that does not answer to the next until one does or the window is over.
    async fn request<T, F, Fut>(
        &self,
        requested: Option<Revision>,
        mut request: F,
    ) -> Result<T, StoreError>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let deadline = tokio::time::Instant::now() + self.failover_window();
        let mut tried = 0usize;
        loop {
            let i = self.current.load(Ordering::Relaxed);
            match self.attempt(request(self.members[i].clone())).await {
                Ok(t) => return Ok(t),
                Err((Failure::Answered, Some(e))) => return Err(self.error(e, requested).await),
                Err((_, e)) if tokio::time::Instant::now() >= deadline => {
                    return Err(self.failed(e, requested).await);
                }
                Err(_) => {
                    self.rotate(i);
                    tried += 1;
                    if tried.is_multiple_of(self.members.len()) {
                        // Every member failed once: wait for an election.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }
    }

    /// The error of a request that failed for want of a member answering.
    async fn failed(
        &self,
        e: Option<etcd_client::Error>,
        requested: Option<Revision>,
    ) -> StoreError {
        match e {
            Some(e) => self.error(e, requested).await,
            None => StoreError::Unreachable {
                endpoint: self.endpoint.clone(),
                reason: format!("no answer within {} ms", self.timeout.as_millis()),
            },
        }
    }

    async fn error(&self, e: etcd_client::Error, requested: Option<Revision>) -> StoreError {
        let message = e.to_string();
        if let (Some(requested), true) = (requested, message.contains("has been compacted")) {
            return StoreError::Compacted {
                requested,
                compacted: None,
            };
        }
        if let (Some(requested), true) = (requested, message.contains("future revision")) {
            let current = Box::pin(self.revision()).await.unwrap_or(0);
            return StoreError::FutureRevision { requested, current };
        }
        let unreachable = match &e {
            // A connection that breaks mid-request is reported as `Unknown`, "transport error".
            etcd_client::Error::GRpcStatus(status) => {
                matches!(
                    status.code(),
                    tonic::Code::Unavailable | tonic::Code::DeadlineExceeded
                ) || (status.code() == tonic::Code::Unknown
                    && status.message().contains("transport error"))
            }
            etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => true,
            _ => false,
        };
        if unreachable {
            StoreError::Unreachable {
                endpoint: self.endpoint.clone(),
                reason: message,
            }
        } else {
            StoreError::Etcd {
                endpoint: self.endpoint.clone(),
                message,
            }
        }
    }
}

/// What sending a commit came to.
enum Sent {
    /// A member answered.
    Answered(etcd_client::TxnResponse),
    /// Its answer was lost, and re-reading its keys told what it did.
    Resolved(Outcome),
}

impl EtcdStore {
    /// Sends a commit's transaction, failing over as [`super::failover`] says: sent again to
    /// the next member when it was not sent; when its answer was lost, its keys re-read
    /// (linearizably) to learn whether it landed, and sent again only while it has not and
    /// every condition still holds (the conditions let at most one copy land).
    async fn send_commit(&self, writes: &[Write], txn: Txn) -> Result<Sent, StoreError> {
        let deadline = tokio::time::Instant::now() + self.failover_window();
        let mut tried = 0usize;
        let mut lost = false;
        loop {
            let i = self.current.load(Ordering::Relaxed);
            let client = self.members[i].clone();
            let txn = txn.clone();
            let attempt = self
                .attempt(async move { client.kv_client().txn(txn).await })
                .await;
            let e = match attempt {
                Ok(response) if lost && !response.succeeded() => {
                    // A copy after a lost one failed its conditions: the lost one may be why.
                    return self.resolve_lost(writes).await.and_then(|r| match r {
                        Resolution::Pending => {
                            Err(self.unclear("its conditions fail, yet none fails on reading back"))
                        }
                        r => self.resolution(r),
                    });
                }
                Ok(response) => return Ok(Sent::Answered(response)),
                Err((Failure::Answered, Some(e))) => return Err(self.error(e, None).await),
                Err((Failure::NotSent, e)) => e,
                Err((_, e)) => {
                    lost = true;
                    self.rotate(i);
                    match self.resolve_lost(writes).await? {
                        Resolution::Pending if tokio::time::Instant::now() < deadline => {
                            continue;
                        }
                        Resolution::Pending => {
                            return Err(self.unclear(&format!(
                                "no member answered it within {} ms ({})",
                                self.failover_window().as_millis(),
                                e.map_or_else(|| "timed out".into(), |e| e.to_string())
                            )));
                        }
                        r => return self.resolution(r),
                    }
                }
            };
            if tokio::time::Instant::now() >= deadline {
                return Err(self.failed(e, None).await);
            }
            self.rotate(i);
            tried += 1;
            if tried.is_multiple_of(self.members.len()) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }

    fn resolution(&self, resolution: Resolution) -> Result<Sent, StoreError> {
        match resolution {
            Resolution::Landed(r) => Ok(Sent::Resolved(Outcome::Committed(r))),
            Resolution::Conflict(c) => Ok(Sent::Resolved(Outcome::Conflict(c))),
            Resolution::Pending => Err(self.unclear("it has not landed and still may")),
            Resolution::Unclear(why) => Err(self.unclear(&why)),
        }
    }

    /// The error of a commit whose outcome stays unknown.
    fn unclear(&self, why: &str) -> StoreError {
        StoreError::Unreachable {
            endpoint: self.endpoint.clone(),
            reason: format!("the answer to a commit was lost and its outcome is unknown: {why}"),
        }
    }

    /// What a commit whose answer was lost did: its keys re-read linearizably through a member
    /// that answers ([`failover::resolve`]); a delete that landed is dated by the first event on
    /// its key after the revision it expected.
    pub async fn resolve_lost(&self, writes: &[Write]) -> Result<Resolution, StoreError> {
        let mut current = Vec::with_capacity(writes.len());
        for write in writes {
            let path = write.key().path();
            let response = self
                .request(None, |c| {
                    let path = path.clone();
                    async move { c.kv_client().get(path, None).await }
                })
                .await?;
            current.push(match response.kvs().first() {
                Some(kv) => decode(kv)?,
                None => None,
            });
        }
        let resolution = failover::resolve(writes, &current);
        let all_deletes_gone = writes.iter().zip(&current).all(|(w, now)| match w {
            Write::Delete { expected, .. } => failover::delete_landed(*expected, now.as_ref()),
            _ => false,
        });
        if !(matches!(resolution, Resolution::Unclear(_)) && all_deletes_gone) {
            return Ok(resolution);
        }
        let Some(Write::Delete { key, expected }) = writes.first() else {
            return Ok(resolution);
        };
        Ok(match self.first_change(key, *expected + 1).await {
            Some(WatchEvent::Deleted { revision, .. }) => Resolution::Landed(revision),
            _ => resolution,
        })
    }

    /// The first change of one key from revision `from` on, if one comes within the timeout.
    async fn first_change(&self, key: &Key, from: Revision) -> Option<WatchEvent> {
        let start = etcd_revision(from).ok()?;
        let path = key.path();
        let options = WatchOptions::new()
            .with_start_revision(start)
            .with_prev_key();
        let mut stream = self
            .request(Some(from), |c| {
                let (path, options) = (path.clone(), options.clone());
                async move { c.watch_client().watch(path, Some(options)).await }
            })
            .await
            .ok()?;
        // The first answer says the watch is made; the events follow.
        let message = tokio::time::timeout(self.timeout, async {
            loop {
                match stream.message().await {
                    Ok(Some(m)) if m.events().is_empty() && !m.canceled() => continue,
                    Ok(Some(m)) => return Some(m),
                    _ => return None,
                }
            }
        })
        .await
        .ok()??;
        let event = message.events().first()?;
        let kv = event.kv()?;
        match event.event_type() {
            EventType::Delete => Some(WatchEvent::Deleted {
                key: key.clone(),
                revision: revision_of(kv.mod_revision()),
                last: None,
            }),
            EventType::Put => decode(kv).ok()?.map(WatchEvent::Put),
        }
    }

    /// A watch stream from `from` on, from the member requests go to (failing over), and which
    /// member that is.
    async fn watch_stream(
        &self,
        scope: Scope,
        from: Revision,
    ) -> Result<(WatchStream, usize), StoreError> {
        let start = etcd_revision(from)?;
        let options = WatchOptions::new()
            .with_prefix()
            .with_start_revision(start)
            .with_prev_key();
        let path = prefix(scope);
        let stream = self
            .request(Some(from), |c| {
                let (path, options) = (path.clone(), options.clone());
                async move { c.watch_client().watch(path, Some(options)).await }
            })
            .await?;
        Ok((stream, self.current.load(Ordering::Relaxed)))
    }
}

/// A range request's options, serializable or not.
fn get_options(reads: Reads) -> GetOptions {
    match reads {
        Reads::Linearizable => GetOptions::new(),
        Reads::Serializable => GetOptions::new().with_serializable(),
    }
}

fn prefix(scope: Scope) -> String {
    match scope {
        Scope::Kind(kind) => kind_prefix(kind),
        Scope::All => REGISTRY.to_string(),
    }
}

fn revision_of(r: i64) -> Revision {
    Revision::try_from(r).unwrap_or(0)
}

fn etcd_revision(r: Revision) -> Result<i64, StoreError> {
    match i64::try_from(r) {
        Ok(0) => Err(StoreError::Invalid("revision 0 is not a revision".into())),
        Ok(r) => Ok(r),
        Err(_) => Err(StoreError::Invalid(format!("revision {r} is out of range"))),
    }
}

/// The object stored under a key-value, if the key is one of ours.
fn decode(kv: &KeyValue) -> Result<Option<Stored>, StoreError> {
    let path = String::from_utf8_lossy(kv.key()).into_owned();
    let Some(key) = Key::parse(&path) else {
        return Ok(None);
    };
    let object: Object = serde_json::from_slice(kv.value()).map_err(|e| StoreError::Corrupt {
        key: path.clone(),
        reason: e.to_string(),
    })?;
    if object.kind() != key.kind {
        return Err(StoreError::Corrupt {
            key: path,
            reason: format!("holds a {}", object.kind()),
        });
    }
    let mod_revision = revision_of(kv.mod_revision());
    Ok(Some(Stored {
        key,
        object: with_version(object, mod_revision),
        create_revision: revision_of(kv.create_revision()),
        mod_revision,
    }))
}

fn encode(object: &Object) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(&without_version(object))
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", Key::of(object))))
}

fn header_revision(header: Option<&etcd_client::ResponseHeader>) -> Revision {
    header.map_or(0, |h| revision_of(h.revision()))
}

#[async_trait]
impl Store for EtcdStore {
    fn describe(&self) -> String {
        match self.reads {
            Reads::Linearizable => format!("etcd at {}", self.endpoint),
            Reads::Serializable => format!("etcd at {} (serializable reads)", self.endpoint),
        }
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        let options = get_options(self.reads).with_prefix().with_count_only();
        let response = self
            .request(None, |c| {
                let options = options.clone();
                async move { c.kv_client().get(REGISTRY, Some(options)).await }
            })
            .await?;
        Ok(header_revision(response.header()))
    }

    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError> {
        let (options, requested) = match at {
            At::Latest => (get_options(self.reads), None),
            At::Revision(r) => (
                get_options(self.reads).with_revision(etcd_revision(r)?),
                Some(r),
            ),
        };
        let path = key.path();
        let response = self
            .request(requested, |c| {
                let (path, options) = (path.clone(), options.clone());
                async move { c.kv_client().get(path, Some(options)).await }
            })
            .await?;
        let value = match response.kvs().first() {
            Some(kv) => decode(kv)?,
            None => None,
        };
        let revision = requested.unwrap_or_else(|| header_revision(response.header()));
        Ok(Read { value, revision })
    }

    async fn list(&self, scope: Scope, at: At) -> Result<Read<Vec<Stored>>, StoreError> {
        let options = get_options(self.reads).with_prefix();
        let (options, requested) = match at {
            At::Latest => (options, None),
            At::Revision(r) => (options.with_revision(etcd_revision(r)?), Some(r)),
        };
        let path = prefix(scope);
        let response = self
            .request(requested, |c| {
                let (path, options) = (path.clone(), options.clone());
                async move { c.kv_client().get(path, Some(options)).await }
            })
            .await?;
        let mut value = Vec::with_capacity(response.kvs().len());
        for kv in response.kvs() {
            value.extend(decode(kv)?);
        }
        let revision = requested.unwrap_or_else(|| header_revision(response.header()));
        Ok(Read { value, revision })
    }

    async fn commit(&self, writes: Vec<Write>) -> Result<Outcome, StoreError> {
        if writes.is_empty() {
            return Ok(Outcome::Committed(self.revision().await?));
        }
        let mut compares = Vec::with_capacity(writes.len());
        let mut operations = Vec::with_capacity(writes.len());
        let mut reads = Vec::with_capacity(writes.len());
        let mut paths = std::collections::BTreeSet::new();
        for write in &writes {
            let key = write.key();
            if key.name.is_empty() {
                return Err(StoreError::Invalid(format!("{} without a name", key.kind)));
            }
            let path = key.path();
            if !paths.insert(path.clone()) {
                return Err(StoreError::Invalid(format!(
                    "two writes to {key} in one commit"
                )));
            }
            match write {
                Write::Create(o) => {
                    compares.push(Compare::version(path.clone(), CompareOp::Equal, 0));
                    operations.push(TxnOp::put(path.clone(), encode(o)?, None));
                }
                Write::Update { object, expected } => {
                    let expected = etcd_revision(*expected)?;
                    compares.push(Compare::mod_revision(
                        path.clone(),
                        CompareOp::Equal,
                        expected,
                    ));
                    operations.push(TxnOp::put(path.clone(), encode(object)?, None));
                }
                Write::Delete { expected, .. } => {
                    let expected = etcd_revision(*expected)?;
                    compares.push(Compare::mod_revision(
                        path.clone(),
                        CompareOp::Equal,
                        expected,
                    ));
                    operations.push(TxnOp::delete(path.clone(), None));
                }
            }
            reads.push(TxnOp::get(path, None));
        }
        let txn = Txn::new()
            .when(compares)
            .and_then(operations)
            .or_else(reads);
        let response = match self.send_commit(&writes, txn).await? {
            Sent::Answered(response) => response,
            Sent::Resolved(outcome) => return Ok(outcome),
        };
        if response.succeeded() {
            return Ok(Outcome::Committed(header_revision(response.header())));
        }
        for (index, (write, read)) in writes.iter().zip(response.op_responses()).enumerate() {
            let TxnOpResponse::Get(read) = read else {
                continue;
            };
            let current = read.kvs().first().map(|kv| revision_of(kv.mod_revision()));
            let holds = match write {
                Write::Create(_) => current.is_none(),
                Write::Update { expected, .. } | Write::Delete { expected, .. } => {
                    current == Some(*expected)
                }
            };
            if !holds {
                return Ok(Outcome::Conflict(Conflict {
                    index,
                    key: write.key(),
                    current,
                }));
            }
        }
        Err(StoreError::Etcd {
            endpoint: self.endpoint.clone(),
            message: "transaction failed but every condition holds on reading back".into(),
        })
    }

    async fn watch(&self, scope: Scope, from: Revision) -> Result<Watch, StoreError> {
        let (stream, member) = self.watch_stream(scope, from).await?;
        Ok(Watch::new(Box::new(EtcdWatch {
            stream,
            member,
            buffered: VecDeque::new(),
            store: self.clone(),
            scope,
            next_revision: from,
        })))
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        let r = etcd_revision(revision)?;
        self.request(Some(revision), |c| async move {
            c.kv_client().compact(r, None).await
        })
        .await?;
        Ok(())
    }
}

/// A watch over an [`EtcdStore`]: etcd's watch stream, its responses unpacked into events.
struct EtcdWatch {
    stream: WatchStream,
    /// The member the stream comes from.
    member: usize,
    buffered: VecDeque<WatchEvent>,
    store: EtcdStore,
    scope: Scope,
    next_revision: Revision,
}

impl EtcdWatch {
    /// The member the stream came from failed: the watch is made again on another member from
    /// the revision after the last event delivered, so that nothing is missed or repeated.
    async fn fail_over(&mut self, e: Option<etcd_client::Error>) -> Result<(), StoreError> {
        self.store.rotate(self.member);
        match self
            .store
            .watch_stream(self.scope, self.next_revision)
            .await
        {
            Ok((stream, member)) => {
                self.stream = stream;
                self.member = member;
                Ok(())
            }
            Err(again) => Err(match e {
                Some(e) => self.store.error(e, None).await,
                None => again,
            }),
        }
    }

    fn event(&self, event: &etcd_client::Event) -> Result<Option<WatchEvent>, StoreError> {
        let Some(kv) = event.kv() else {
            return Ok(None);
        };
        match event.event_type() {
            EventType::Put => Ok(decode(kv)?.map(WatchEvent::Put)),
            EventType::Delete => {
                let path = String::from_utf8_lossy(kv.key()).into_owned();
                let Some(key) = Key::parse(&path) else {
                    return Ok(None);
                };
                let last = match event.prev_kv() {
                    Some(prev) => decode(prev)?,
                    None => None,
                };
                Ok(Some(WatchEvent::Deleted {
                    key,
                    revision: revision_of(kv.mod_revision()),
                    last,
                }))
            }
        }
    }
}

#[async_trait]
impl WatchSource for EtcdWatch {
    async fn next(&mut self) -> Result<WatchEvent, StoreError> {
        loop {
            if let Some(event) = self.buffered.pop_front() {
                self.next_revision = event.revision() + 1;
                return Ok(event);
            }
            let message = match self.stream.message().await {
                Ok(Some(message)) => message,
                Ok(None) if self.store.members.len() > 1 => {
                    self.fail_over(None).await?;
                    continue;
                }
                Ok(None) => return Err(StoreError::WatchClosed(self.store.describe())),
                Err(e)
                    if self.store.members.len() > 1
                        && failover::classify(&e) != Failure::Answered =>
                {
                    self.fail_over(Some(e)).await?;
                    continue;
                }
                Err(e) => return Err(self.store.error(e, None).await),
            };
            if message.compact_revision() > 0 {
                return Err(StoreError::Compacted {
                    requested: self.next_revision,
                    compacted: Some(revision_of(message.compact_revision())),
                });
            }
            if message.canceled() {
                let reason = message.cancel_reason();
                return Err(StoreError::WatchClosed(format!(
                    "{} ({reason})",
                    self.store.describe()
                )));
            }
            for event in message.events() {
                if let Some(event) = self.event(event)?
                    && self.scope.covers(event.key().kind)
                {
                    self.buffered.push_back(event);
                }
            }
        }
    }
}
