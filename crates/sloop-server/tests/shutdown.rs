//! Graceful shutdown: a request under way when the server is told to stop
//! (what `sloop serve` does on SIGTERM or Ctrl-C) is answered and its batch
//! stored; connections that come after are not served; then `serve` returns.
//!
//! The request is held open by sending its body in two halves, with the
//! stop in between, so it is certainly under way when the stop comes.

use std::sync::Arc;
use std::time::Duration;

use sloop_core::model::Labels;
use sloop_server::api::ServerOptions;
use sloop_server::auth::create_token;
use sloop_store::{Database, Scope, SqliteStore};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_under_way_at_shutdown_is_answered_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db: Arc<dyn Database> = Arc::new(SqliteStore::open(dir.path().join("sloop.db")).unwrap());
    let token = tokio::task::block_in_place(|| create_token(db.as_ref(), "acme", "test", Scope::Write, 0).unwrap());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(sloop_server::serve::serve(listener, db.clone(), ServerOptions::default(), async {
        let _ = stopped.await;
    }));

    let body = r#"{"indicators": [{"labels": {"service": "web"}, "from": 1732100000, "to": 1732100060,
                   "good": 998, "total": 1000}]}"#;
    let (first, second) = body.split_at(body.len() / 2);
    let mut conn = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/indicators HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        token.secret,
        body.len()
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    // Let the server read the head and start on the body.
    tokio::time::sleep(Duration::from_millis(200)).await;

    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!server.is_finished(), "serve returned with a request under way");
    // A connection that comes after the stop gets no answer: the listener
    // is closed (connection refused), or the connection is closed unread.
    if let Ok(mut late) = TcpStream::connect(addr).await {
        late.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.ok();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), late.read_to_end(&mut answer)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "a connection made after the stop was answered: {:?}",
            String::from_utf8_lossy(&answer)
        );
    }

    conn.write_all(second.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), conn.read_to_string(&mut answer)).await.unwrap().unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "the request under way was not answered with 200: {answer}");
    assert!(answer.contains(r#""stored":1"#), "{answer}");

    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    let labels =
        Labels::from([("__tenant__".to_string(), "acme".to_string()), ("service".to_string(), "web".to_string())]);
    let counts = tokio::task::block_in_place(|| db.counts(&labels, 1732100000, 1732100060).unwrap());
    assert_eq!((counts.good(), counts.total()), (998.0, 1000.0));
}
