//! Just enough HTTP/1.1 over loopback: a client for Prometheus' own
//! `/metrics` and admin API, and the live scrape endpoint.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::traffic::Live;

/// Sends one request and returns the status and body.
pub(crate) fn request(addr: SocketAddr, method: &str, path: &str) -> Result<(u16, String)> {
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).with_context(|| format!("{method} {path}"))?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").context("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("no HTTP status")?;
    if head.lines().any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding: chunked")) {
        body = dechunk(&body)?;
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b.windows(2).position(|w| w == b"\r\n").context("bad chunk")?;
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16)?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(b.get(..size).context("short chunk")?);
        b = b.get(size + 2..).context("short chunk")?;
    }
}

/// One sample of a text exposition: labels (without the name) and value.
pub(crate) type Metric = (BTreeMap<String, String>, f64);

/// Every sample of `/metrics`, by metric name.
pub(crate) fn scrape(addr: SocketAddr) -> Result<BTreeMap<String, Vec<Metric>>> {
    let (status, body) = request(addr, "GET", "/metrics")?;
    if status != 200 {
        bail!("GET /metrics: HTTP {status}");
    }
    let mut out: BTreeMap<String, Vec<Metric>> = BTreeMap::new();
    for line in body.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        if let Some((name, labels, value)) = parse_line(line) {
            out.entry(name).or_default().push((labels, value));
        }
    }
    Ok(out)
}

/// `name{a="b",...} value`.
fn parse_line(line: &str) -> Option<(String, BTreeMap<String, String>, f64)> {
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(r) = rest.strip_prefix('{') {
        let mut r = r;
        loop {
            r = r.trim_start_matches(',');
            if let Some(after) = r.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = r.find('=')?;
            let key = r[..eq].to_owned();
            let mut chars = r[eq + 1..].char_indices();
            if chars.next()?.1 != '"' {
                return None;
            }
            let mut value = String::new();
            let mut end = None;
            let mut escaped = false;
            for (i, c) in chars {
                match (escaped, c) {
                    (true, 'n') => {
                        value.push('\n');
                        escaped = false;
                    }
                    (true, c) => {
                        value.push(c);
                        escaped = false;
                    }
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(eq + 1 + i + 1);
                        break;
                    }
                    (false, c) => value.push(c),
                }
            }
            labels.insert(key, value);
            r = &r[end?..];
        }
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().ok()?,
    };
    Some((name, labels, value))
}

/// The live scrape endpoint: serves [`Live::exposition`] at `/metrics`.
#[derive(Debug)]
pub(crate) struct LiveServer {
    /// Where it listens (127.0.0.1).
    pub(crate) addr: SocketAddr,
    /// Unix milliseconds of the first scrape served, 0 before.
    pub(crate) first_scrape_ms: Arc<AtomicI64>,
    /// Scrapes served.
    pub(crate) scrapes: Arc<AtomicU64>,
}

impl LiveServer {
    /// Listens on a free loopback port, one thread per connection.
    pub(crate) fn start(live: Arc<Live>) -> Result<LiveServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("binding the live endpoint")?;
        let addr = listener.local_addr()?;
        let first = Arc::new(AtomicI64::new(0));
        let scrapes = Arc::new(AtomicU64::new(0));
        let (first2, scrapes2) = (first.clone(), scrapes.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (live, first, scrapes) = (live.clone(), first2.clone(), scrapes2.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &live, &first, &scrapes);
                });
            }
        });
        Ok(LiveServer { addr, first_scrape_ms: first, scrapes })
    }
}

fn serve(mut stream: TcpStream, live: &Live, first: &AtomicI64, scrapes: &AtomicU64) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let now_ms = now_ms();
    let body = if buf.starts_with(b"GET /metrics") {
        let _ = first.compare_exchange(0, now_ms, Ordering::SeqCst, Ordering::SeqCst);
        scrapes.fetch_add(1, Ordering::Relaxed);
        live.exposition(now_ms)
    } else {
        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
        return Ok(());
    };
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    Ok(())
}

/// Unix time in milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_lines_parse() {
        let (n, l, v) =
            parse_line(r#"prometheus_rule_group_last_duration_seconds{rule_group="/a/b.yaml;g-1"} 0.0123"#).unwrap();
        assert_eq!(n, "prometheus_rule_group_last_duration_seconds");
        assert_eq!(l["rule_group"], "/a/b.yaml;g-1");
        assert_eq!(v, 0.0123);
        let (n, l, v) = parse_line("process_cpu_seconds_total 12.5").unwrap();
        assert_eq!((n.as_str(), l.len(), v), ("process_cpu_seconds_total", 0, 12.5));
        let (_, l, v) = parse_line(r#"x{a="q\"uo",b="2"} +Inf"#).unwrap();
        assert_eq!((l["a"].as_str(), l["b"].as_str(), v), ("q\"uo", "2", f64::INFINITY));
    }
}
