//! A tiny blocking HTTP client for a Prometheus on the loopback interface.
//!
//! Written on `std::net::TcpStream` instead of taking an HTTP crate: the
//! harness only ever talks plain HTTP to 127.0.0.1, a few requests a
//! second, so sixty lines avoid a dependency tree (TLS, compression) that
//! every test build would compile. Requests are HTTP/1.0 with one
//! connection each: Go's server then neither chunks nor keeps the
//! connection alive, and the body simply ends when the server closes.
//! (Chunked and `Content-Length` bodies are still handled, to be safe.)

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// A response: the status code and the body as text.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) body: String,
}

/// Sends one request and reads the whole response. `timeout` bounds the
/// connection and each read or write.
pub(crate) fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    form: Option<&str>,
    timeout: Duration,
) -> io::Result<Response> {
    debug_assert!(addr.ip().is_loopback(), "the harness only talks to the loopback interface");
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let mut head = format!("{method} {target} HTTP/1.0\r\nHost: {addr}\r\nUser-Agent: sloop-testkit\r\n");
    let body = form.unwrap_or("");
    if form.is_some() || method == "POST" {
        head.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw)
}

fn parse(raw: &[u8]) -> io::Result<Response> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("malformed HTTP response: {what}"));
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad(&format!("status line {status_line:?}")))?;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
            body = dechunk(&body).ok_or_else(|| bad("chunked body"))?;
        } else if name == "content-length" {
            let len: usize = value.parse().map_err(|_| bad("content-length"))?;
            body.truncate(len);
        }
    }
    Ok(Response { status, body: String::from_utf8_lossy(&body).into_owned() })
}

/// Joins the chunks of a `Transfer-Encoding: chunked` body.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = raw.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&raw[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        raw = &raw[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

/// Percent-encodes a form value (everything but RFC 3986 unreserved characters).
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3 / 2);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_of_every_framing_parse() {
        let plain = parse(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello").unwrap();
        assert_eq!((plain.status, plain.body.as_str()), (200, "hello"));
        let sized = parse(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 3\r\n\r\nabcdef").unwrap();
        assert_eq!((sized.status, sized.body.as_str()), (503, "abc"));
        let chunked =
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!(chunked.body, "hello, world");
        assert!(parse(b"garbage").is_err());
        assert!(parse(b"HTTP/1.0 abc\r\n\r\n").is_err());
    }

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(
            encode("sum(rate(x{a=\"b c\"}[5m])) / 2"),
            "sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29%29%20%2F%202"
        );
        assert_eq!(encode("é~_.-"), "%C3%A9~_.-");
    }
}
