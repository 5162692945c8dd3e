//! `sloop demo` end to end: the real binary on a free port of 127.0.0.1,
//! its temporary directory inside the test's own (through TMPDIR), the
//! dashboard and the report API read over HTTP while it runs, and a SIGINT
//! that must stop it cleanly and leave nothing behind.
//!
//! The numbers the report must show are derived from the synthetic traffic
//! the demo runs on (`SyntheticProvider::demo`): requests between 5 and 200
//! per second (±10 % noise), a baseline error ratio of a tenth of each SLO's
//! budget, a partial outage (8 × the budget's ratio, 30 minutes) two days
//! ago, and on the first SLO an incident under way: since 50 minutes before
//! the demo started, for 70 more, 20 × the budget's ratio of requests fail.
//! Each minute's failed count is that ratio of its requests rounded up or
//! down (by less than one event).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long the demo may take to start: a debug build backfills 30 days of
/// four SLOs in a few seconds, but CI machines are slow and shared.
const START: Duration = Duration::from_secs(180);

/// How long it may take to stop after SIGINT.
const STOP: Duration = Duration::from_secs(30);

/// A `sloop demo` process, its stdout line by line and its stderr; killed
/// and reaped if the test ends (or fails) before it stops by itself.
struct Demo {
    child: Child,
    lines: mpsc::Receiver<String>,
    stdout: Vec<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Demo {
    fn start(tmp: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sloop"))
            .arg("demo")
            .args(args)
            .current_dir(tmp)
            // The demo's directory goes inside the test's, so the test sees it come and go.
            .env("TMPDIR", tmp)
            .env("NO_COLOR", "1")
            .env_remove("SLOOP_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (stdout, stderr_pipe) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        Self { child, lines, stdout: Vec::new(), stderr, stderr_reader: Some(stderr_reader) }
    }

    /// Reads stdout until a line starting with `prefix`, and returns it.
    fn line_starting(&mut self, prefix: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.stdout.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Err(_) => panic!("no line starting with {prefix:?} within {within:?}\n{}", self.output()),
            }
        }
    }

    /// Waits for the process to end by itself; its exit code.
    fn wait(&mut self, within: Duration) -> i32 {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The readers end with the pipes, which closed with the process: collect the rest.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.stdout.push(line);
                }
                if let Some(reader) = self.stderr_reader.take() {
                    reader.join().unwrap();
                }
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "sloop demo did not stop within {within:?}\n{}", self.output());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ctrl-C, as a terminal sends it.
    fn interrupt(&self) {
        let status = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    fn output(&self) -> String {
        format!("stdout:\n{}\nstderr:\n{}", self.stdout.join("\n"), self.stderr.lock().unwrap())
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` over a fresh connection; the status and the body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    // Bodies of known length come whole; a chunked one would need decoding.
    assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
    (head.split(' ').nth(1).unwrap().parse().unwrap(), body.to_string())
}

/// The demo's directories inside `tmp`.
fn demo_dirs(tmp: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("sloop-demo-"))
        .collect()
}

/// `host:port` of the `Dashboard: http://host:port/` line.
fn address(dashboard_line: &str) -> String {
    let url = dashboard_line.strip_prefix("Dashboard: http://").unwrap();
    url.strip_suffix('/').unwrap().to_string()
}

/// The objective `service/name` of a report.
fn objective<'a>(report: &'a Value, id: &str) -> &'a Value {
    let all = report["objectives"].as_array().unwrap();
    all.iter().find(|o| format!("{}/{}", o["service"].as_str().unwrap(), o["name"].as_str().unwrap()) == id).unwrap()
}

#[test]
fn the_demo_serves_the_incident_and_stops_cleanly_on_sigint() {
    let tmp = tempfile::tempdir().unwrap();
    let mut demo = Demo::start(tmp.path(), &["--listen", "127.0.0.1:0"]);
    let dashboard = demo.line_starting("Dashboard: ", START);
    let addr = address(&dashboard);
    let out = demo.output();
    assert!(
        demo.stdout[0].contains(
            "4 SLOs on seeded synthetic traffic (seed 1), with an incident under way on checkout/availability"
        ),
        "{out}"
    );
    // The directory the demo announced is the one in TMPDIR, and holds both databases.
    let dirs = demo_dirs(tmp.path());
    assert_eq!(dirs.len(), 1, "{out}");
    assert!(out.contains(&format!("  data    SQLite in {} (removed on exit)", dirs[0].display())), "{out}");
    assert!(dirs[0].join("server.db").is_file() && dirs[0].join("agent.db").is_file());
    // The table: every SLO has a budget left (none is breached), and only the incident's page alert fires.
    assert!(demo.stdout.iter().any(|l| l.ends_with(": 4 met, 0 breached, 0 without data, 1 alerting")), "{out}");

    // The dashboard opens without a token and lists every SLO.
    let (status, html) = get(&addr, "/");
    assert_eq!(status, 200, "{html}");
    for id in ["checkout/availability", "checkout/latency", "search/availability", "search/latency"] {
        assert!(html.contains(&format!("href=\"/slo/{id}\"")), "{id} is not on the dashboard:\n{html}");
    }

    let (status, body) = get(&addr, "/api/v1/reports");
    assert_eq!(status, 200, "{body}");
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["objectives"].as_array().unwrap().len(), 4, "{body}");
    for id in ["checkout/availability", "checkout/latency", "search/availability", "search/latency"] {
        let o = objective(&report, id);
        // The whole window was backfilled: at least 5 requests a second for 7 days (the shortest window).
        assert!(o["total"].as_f64().unwrap() >= 5.0 * 0.9 * 7.0 * 86_400.0, "{id}: {o}");
        assert_eq!(o["status"], "met", "{id}: {o}");
        if id != "checkout/availability" {
            // Outside the incident, the baseline burns at 0.1 in every window, under every threshold (≥ 1).
            assert_eq!(o["alerts"]["state"], "ok", "{id}: {o}");
        }
    }

    let incident = objective(&report, "checkout/availability");
    let budget = 1.0 - 0.995;
    // The baseline alone, a tenth of the budget's ratio in every minute, spends 10 % of the budget
    // over any window (the rounding of each minute's failures averages out: its spread is about
    // 100 events over 28 days, against at least 1,660 more that the two incidents fail even at the
    // quietest hour: 19.9 × 0.5 % × 50 min × 270 requests/min, and 7.9 × 0.5 % × 30 min × 270).
    let left = incident["budget"]["left"].as_f64().unwrap();
    assert!(left < 0.9, "{incident}");
    // Every minute of the last 5 is in the incident: 20 × the budget's ratio fails, to within one
    // event a minute, and a minute has at least 270 requests (5/s, −10 %). So the 5-minute burn
    // rate is 20 within 1 / (0.005 × 270) = 0.74, above the 1h/5m page threshold, which fires.
    assert_eq!(incident["alerts"]["state"], "page", "{incident}");
    let page = incident["alerts"]["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["long"] == "1h" && p["short"] == "5m")
        .unwrap();
    let short = page["short_burn"].as_f64().unwrap();
    assert!((short - 20.0).abs() < 1.0 / (budget * 270.0), "{page}");
    // The 1h burn rate: at least 50 of the hour's 60 minutes are in the incident, and an hour's
    // traffic changes little (in the hour of the day where it rises fastest, the last 50 minutes
    // carry 77 % of the requests, 76 % with the noise at three standard deviations against), so
    // it is at least 0.1 + 19.9 × 0.76 ≈ 15.2, above the 28-day page threshold (14.4 × 28/30).
    let threshold = page["threshold"].as_f64().unwrap();
    assert!(short > threshold && page["long_burn"].as_f64().unwrap() > threshold, "{page}");
    assert_eq!(page["firing"], true, "{page}");

    // Ctrl-C: exit 0, and the directory is gone.
    demo.interrupt();
    let code = demo.wait(STOP);
    assert_eq!(code, 0, "{}", demo.output());
    assert!(demo.stdout.last().unwrap().starts_with("Stopped; "), "{}", demo.output());
    assert_eq!(demo_dirs(tmp.path()), Vec::<PathBuf>::new(), "{}", demo.output());
    assert!(TcpStream::connect(&addr).is_err(), "the server still listens on {addr}");
}

#[test]
fn once_with_keep_measures_the_given_manifests_and_keeps_their_data() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: sloop/v1
service: web
slos:
  - name: pages
    target: 99
    window: 28d
    ratio:
      bad: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))
      total: sum(rate(http_requests_total[{{.window}}]))
  - name: api
    target: 99.9
    window: 7d
    ratio:
      bad: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))
      total: sum(rate(http_requests_total[{{.window}}]))
";
    std::fs::write(tmp.path().join("web.yaml"), manifest).unwrap();
    let mut demo =
        Demo::start(tmp.path(), &["--once", "--keep", "--seed", "7", "-f", "web.yaml", "--listen", "127.0.0.1:0"]);
    let code = demo.wait(START);
    let out = demo.output();
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("2 SLOs on seeded synthetic traffic (seed 7), with an incident under way on web/pages"),
        "{out}"
    );
    assert!(demo.stdout.iter().any(|l| l.ends_with(": 2 met, 0 breached, 0 without data, 1 alerting")), "{out}");
    let dashboard = demo.stdout.iter().find(|l| l.starts_with("Dashboard: ")).unwrap();
    let addr = address(dashboard);
    assert!(TcpStream::connect(&addr).is_err(), "--once left the server listening on {addr}");
    // The kept directory is named on the last line and still holds both databases.
    let dirs = demo_dirs(tmp.path());
    assert_eq!(dirs.len(), 1, "{out}");
    let last = demo.stdout.last().unwrap();
    assert!(last.starts_with(&format!("Stopped. The data is kept in {};", dirs[0].display())), "{out}");
    assert!(dirs[0].join("server.db").is_file() && dirs[0].join("agent.db").is_file(), "{out}");
}

#[test]
fn an_interval_shorter_than_the_traffic_resolution_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut demo = Demo::start(tmp.path(), &["--interval", "30s", "--listen", "127.0.0.1:0"]);
    assert_eq!(demo.wait(STOP), 2);
    assert!(
        demo.stderr
            .lock()
            .unwrap()
            .contains("--interval 30s: use whole minutes (1m, 5m): the synthetic traffic is counted per minute"),
        "{}",
        demo.output()
    );
    assert_eq!(demo_dirs(tmp.path()), Vec::<PathBuf>::new());
}
