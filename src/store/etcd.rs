//! The etcd store: objects as JSON under `/registry/...`, writes as transactions comparing
//! `mod_revision`, an object's `resourceVersion` its mod revision, as the Kubernetes API
//! server keeps them.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;
use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, EventType, GetOptions, KeyValue, Txn, TxnOp,
    TxnOpResponse, WatchOptions, WatchStream,
};

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

/// A store on a running etcd (3.4 or later).
#[derive(Clone)]
pub struct EtcdStore {
    client: Client,
    endpoint: String,
    reads: Reads,
}

impl EtcdStore {
    /// Connects to etcd at these endpoints (`http://127.0.0.1:2379`, or `127.0.0.1:2379`) and
    /// checks it answers: an etcd that is not there is [`StoreError::Unreachable`], naming the
    /// endpoints, within [`CONNECT_TIMEOUT`].
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
        // unary request is bounded by `REQUEST_TIMEOUT` in `call`.
        let options = ConnectOptions::new().with_connect_timeout(CONNECT_TIMEOUT);
        let connected = tokio::time::timeout(CONNECT_TIMEOUT, async {
            let client = Client::connect(endpoints, Some(options)).await?;
            let mut kv = client.kv_client();
            kv.get(
                REGISTRY,
                Some(get_options(reads).with_prefix().with_count_only()),
            )
            .await?;
            Ok::<_, etcd_client::Error>(client)
        })
        .await;
        match connected {
            Err(_) => Err(unreachable(format!(
                "no answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            ))),
            Ok(Err(e)) => Err(unreachable(e.to_string())),
            Ok(Ok(client)) => Ok(EtcdStore {
                client,
                endpoint,
                reads,
            }),
        }
    }

    /// How it reads.
    pub fn reads(&self) -> Reads {
        self.reads
    }

    /// The status of the member a request reaches (with one endpoint: that member).
    pub async fn status(&self) -> Result<MemberStatus, StoreError> {
        let mut maintenance = self.client.maintenance_client();
        let response = self.call(None, maintenance.status()).await?;
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

    /// Runs one request with the request timeout, mapping etcd's errors to ours.
    async fn call<T>(
        &self,
        requested: Option<Revision>,
        request: impl Future<Output = Result<T, etcd_client::Error>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(REQUEST_TIMEOUT, request).await {
            Err(_) => Err(StoreError::Unreachable {
                endpoint: self.endpoint.clone(),
                reason: format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
            }),
            Ok(Err(e)) => Err(self.error(e, requested).await),
            Ok(Ok(t)) => Ok(t),
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
        let mut kv = self.client.kv_client();
        let options = get_options(self.reads).with_prefix().with_count_only();
        let response = self.call(None, kv.get(REGISTRY, Some(options))).await?;
        Ok(header_revision(response.header()))
    }

    async fn get(&self, key: &Key, at: At) -> Result<Read<Option<Stored>>, StoreError> {
        let mut kv = self.client.kv_client();
        let (options, requested) = match at {
            At::Latest => (get_options(self.reads), None),
            At::Revision(r) => (
                get_options(self.reads).with_revision(etcd_revision(r)?),
                Some(r),
            ),
        };
        let response = self
            .call(requested, kv.get(key.path(), Some(options)))
            .await?;
        let value = match response.kvs().first() {
            Some(kv) => decode(kv)?,
            None => None,
        };
        let revision = requested.unwrap_or_else(|| header_revision(response.header()));
        Ok(Read { value, revision })
    }

    async fn list(&self, scope: Scope, at: At) -> Result<Read<Vec<Stored>>, StoreError> {
        let mut kv = self.client.kv_client();
        let options = get_options(self.reads).with_prefix();
        let (options, requested) = match at {
            At::Latest => (options, None),
            At::Revision(r) => (options.with_revision(etcd_revision(r)?), Some(r)),
        };
        let response = self
            .call(requested, kv.get(prefix(scope), Some(options)))
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
        let mut kv = self.client.kv_client();
        let response = self.call(None, kv.txn(txn)).await?;
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
        let start = etcd_revision(from)?;
        let mut client = self.client.watch_client();
        let options = WatchOptions::new()
            .with_prefix()
            .with_start_revision(start)
            .with_prev_key();
        let stream = self
            .call(Some(from), client.watch(prefix(scope), Some(options)))
            .await?;
        Ok(Watch::new(Box::new(EtcdWatch {
            stream,
            buffered: VecDeque::new(),
            store: self.clone(),
            scope,
            next_revision: from,
        })))
    }

    async fn compact(&self, revision: Revision) -> Result<(), StoreError> {
        let r = etcd_revision(revision)?;
        let mut kv = self.client.kv_client();
        self.call(Some(revision), kv.compact(r, None)).await?;
        Ok(())
    }
}

/// A watch over an [`EtcdStore`]: etcd's watch stream, its responses unpacked into events.
struct EtcdWatch {
    stream: WatchStream,
    buffered: VecDeque<WatchEvent>,
    store: EtcdStore,
    scope: Scope,
    next_revision: Revision,
}

impl EtcdWatch {
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
                Ok(None) => return Err(StoreError::WatchClosed(self.store.describe())),
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
