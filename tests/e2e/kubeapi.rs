//! The Kubernetes API of the deployed runtime (`runtime::kubeapi`), driven by the real kubectl
//! and by raw HTTP: a model's controllers run free over a memory store behind the API server,
//! and kubectl applies, watches, scales and deletes through it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use orchard::model::config::parse_model;
use orchard::model::controllers::REGISTRY;
use orchard::runtime::kubeapi::{serve, write_kubeconfig};
use orchard::runtime::{ApiServer, TaskHandle, spawn_all};
use orchard::store::MemoryStore;

use super::kubectl_drive::{FIXTURES, check_malformed_requests, drive_statefulset};
use super::support::Scratch;

/// A running API server over a model's initial resources, with its controllers (if asked)
/// running free.
struct Cluster {
    api: ApiServer,
    addr: SocketAddr,
    _tasks: Vec<TaskHandle>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl Cluster {
    async fn start(model: &str, run_controllers: bool) -> Cluster {
        let text = std::fs::read_to_string(model).unwrap();
        let config = parse_model(&text, model, &|_| Err("no includes".into()))
            .unwrap()
            .config;
        let api = ApiServer::new(Arc::new(MemoryStore::new()));
        api.load(config.initial.clone()).await.unwrap();
        let mut tasks = Vec::new();
        if run_controllers {
            tasks = spawn_all(
                &config.controllers,
                REGISTRY,
                &config.guards,
                config.syncs,
                &api,
            )
            .unwrap();
            for task in &tasks {
                task.run().await.unwrap();
            }
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = tokio::spawn({
            let api = api.clone();
            async move {
                serve(listener, api, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            }
        });
        Cluster {
            api,
            addr,
            _tasks: tasks,
            stop: Some(stop),
            served: Some(served),
        }
    }

    async fn revision(&self) -> u64 {
        self.api.store().revision().await.unwrap()
    }

    /// Stops the server and waits for it to end (open watches included).
    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(5), self.served.take().unwrap())
            .await
            .expect("the server stops")
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_applies_watches_scales_and_deletes_through_the_model() {
    let cluster = Cluster::start(&format!("{FIXTURES}/cluster.yaml"), true).await;
    let scratch = Scratch::new();
    let config = scratch.path().join("kubeconfig");
    let line = write_kubeconfig(&config, cluster.addr).unwrap();
    assert_eq!(line, format!("kubectl --kubeconfig {}", config.display()));
    tokio::task::spawn_blocking(move || drive_statefulset(&config))
        .await
        .unwrap();
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_kubernetes_status_codes_and_change_nothing() {
    let cluster = Cluster::start(&format!("{FIXTURES}/cluster.yaml"), false).await;
    let addr = cluster.addr;
    let before = cluster.revision().await;
    tokio::task::spawn_blocking(move || check_malformed_requests(addr))
        .await
        .unwrap();
    // The set-up's two writes and the scale made right: nothing else got through.
    assert_eq!(cluster.revision().await, before + 3);
    cluster.stop().await;
}
