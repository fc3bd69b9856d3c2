//! Requests per second the kubectl-facing API (`orchard::runtime::kubeapi`) answers on
//! loopback over the memory store: GET of one object, LIST of a kind (with a label selector),
//! and a merge PATCH (a write through the API server and the model's apply rules), with 1 and
//! 4 clients at once, each on its own keep-alive HTTP/1.1 connection.
//!
//! `cargo bench --bench kubeapi` (release). Plain timing: each figure is requests over wall
//! time for a fixed duration. Run by `cargo test --all-targets` (no `--bench` argument), it
//! only checks itself: 0.1 s per figure.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use orchard::model::operation::Operation;
use orchard::model::resources::{Container, Metadata, Object, Pod, Shared};
use orchard::runtime::ApiServer;
use orchard::runtime::kubeapi::serve;
use orchard::store::MemoryStore;

#[path = "support/http_client.rs"]
mod http_client;
use http_client::Client;

/// How long each measurement runs.
const RUN: Duration = Duration::from_secs(2);

/// How long each measurement runs when the bench is run as a test.
const QUICK_RUN: Duration = Duration::from_millis(100);

/// How many clients at once, one measurement each.
const CLIENTS: [usize; 2] = [1, 4];

/// Pods in the store (what a LIST returns).
const PODS: usize = 20;

fn pod(name: String) -> Object {
    let mut p = Pod {
        metadata: Metadata::named(name),
        ..Pod::default()
    };
    p.metadata.labels = Shared::new([("app".to_string(), "web".to_string())].into());
    p.spec.containers.push(Container {
        name: "nginx".into(),
        image: "nginx:1".into(),
        ..Container::default()
    });
    Object::Pod(p)
}

/// The requests measured: name, method, path (`{i}`: the client's number), type, body.
const REQUESTS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "get",
        "GET",
        "/api/v1/namespaces/default/pods/bench-{i}",
        "",
        "",
    ),
    (
        "list",
        "GET",
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
        "",
        "",
    ),
    (
        "patch",
        "PATCH",
        "/api/v1/namespaces/default/pods/bench-{i}",
        "application/merge-patch+json",
        r#"{"metadata":{"annotations":{"n":"N"}}}"#,
    ),
];

fn measure(addr: SocketAddr, request: usize, clients: usize, run: Duration) -> f64 {
    let (_, method, path, content_type, body) = REQUESTS[request];
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|i| {
            let path = path.replace("{i}", &i.to_string());
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                let mut done = 0u64;
                while start.elapsed() < run {
                    let body = body.replace('N', &done.to_string());
                    let code = client.request(method, &path, content_type, &body);
                    assert_eq!(code, 200, "{method} {path}");
                    done += 1;
                }
                done
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let run = if bench { RUN } else { QUICK_RUN };
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let addr = runtime.block_on(async {
        let api = ApiServer::new(Arc::new(MemoryStore::new()));
        for i in 0..PODS {
            api.apply(&Operation::Create(pod(format!("bench-{i}"))))
                .await
                .expect("create accepted");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, api, std::future::pending()));
        addr
    });
    println!("kubectl API on the memory store, {PODS} pods, {run:?} per figure");
    for (i, (name, ..)) in REQUESTS.iter().enumerate() {
        for clients in CLIENTS {
            let rate = measure(addr, i, clients, run);
            println!("{name:>6}  {clients} client(s)  {rate:>10.0} requests/s");
        }
    }
}
