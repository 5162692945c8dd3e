//! A real server on 127.0.0.1 with a random port, over any database, and a
//! small HTTP client that returns status and JSON.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::Value;
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

/// One HTTP exchange: status and body (JSON when it is JSON, else a string).
pub(crate) async fn call(method: &str, url: &str, token: Option<&str>, body: Option<(&str, Vec<u8>)>) -> (u16, Value) {
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap();
    let mut r = client.request(method.parse().unwrap(), url);
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some((content_type, bytes)) = body {
        r = r.header("content-type", content_type).body(bytes);
    }
    let response = r.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, value)
}

pub(crate) async fn get(url: &str, token: Option<&str>) -> (u16, Value) {
    call("GET", url, token, None).await
}

pub(crate) async fn put_yaml(url: &str, token: Option<&str>, yaml: &str) -> (u16, Value) {
    call("PUT", url, token, Some(("application/yaml", yaml.as_bytes().to_vec()))).await
}

pub(crate) async fn post_json(url: &str, token: Option<&str>, json: &Value) -> (u16, Value) {
    call("POST", url, token, Some(("application/json", serde_json::to_vec(json).unwrap()))).await
}

/// Asserts the JSON error body every 4xx carries.
pub(crate) fn assert_error(status: u16, body: &Value, expected_status: u16, code: &str, contains: &str) {
    assert_eq!(status, expected_status, "status; body: {body}");
    assert_eq!(body["error"]["status"], expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(contains), "message {message:?} should contain {contains:?}");
}
