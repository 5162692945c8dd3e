//! A real server on 127.0.0.1 with a random port, over any database, and a
//! small HTTP client that returns status and JSON.

use serde_json::Value;

#[path = "../common/server.rs"]
mod server;
pub(crate) use server::TestServer;

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
