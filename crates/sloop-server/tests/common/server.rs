//! A real `sloop serve` in-process on 127.0.0.1 with a random port, over
//! any database: what the API and dashboard tests share.

use std::net::SocketAddr;
use std::sync::Arc;

use sloop_server::api::ServerOptions;
use sloop_server::auth::create_token;
use sloop_store::{Database, Scope};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server; stopped (gracefully) when dropped or by `stop`.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    pub(crate) db: Arc<dyn Database>,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub(crate) async fn start(db: Arc<dyn Database>, options: ServerOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = rx.await;
        };
        let handle = tokio::spawn(sloop_server::serve::serve(listener, db.clone(), options, shutdown));
        Self { addr, db, stop: Some(tx), handle: Some(handle) }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A token of `tenant` with `scope`, made as `sloop token create` does.
    pub(crate) fn token(&self, tenant: &str, scope: Scope) -> String {
        // Blocking, as every database call: off the async threads.
        tokio::task::block_in_place(|| create_token(self.db.as_ref(), tenant, "test", scope, 0).unwrap().secret)
    }

    pub(crate) async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            tokio::time::timeout(std::time::Duration::from_secs(10), h).await.unwrap().unwrap().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
