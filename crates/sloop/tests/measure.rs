//! `sloop agent` and `sloop report` end to end, on seeded synthetic traffic
//! (`--synthetic`), whose counts are exact: what the agent stores and the
//! report prints must equal what the provider says over whole windows
//! (`report --live`), to the event.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use sloop_core::model::Labels;
use sloop_store::{SqliteStore, Store};

const MANIFEST: &str = "apiVersion: sloop/v1
service: web
slos:
  - name: availability
    target: 99.9
    window: 2d
    ratio:
      bad: sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))
      total: sum(rate(http_requests_total[{{.window}}]))
  - name: checkout
    target: 99
    window: 1d
    ratio:
      good: sum(rate(http_requests_total{code!~\"5..\"}[{{.window}}]))
      total: sum(rate(http_requests_total[{{.window}}]))
";

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

struct Setup {
    dir: tempfile::TempDir,
    anchor: i64,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("slo.yaml"), MANIFEST).unwrap();
        // Every run of one test sees the same traffic, laid out around this anchor (a
        // minute ago): the demo's incident started 50 minutes before it and runs 70 more.
        Self { dir, anchor: (now() - 60) / 60 * 60 }
    }

    fn sloop(&self) -> Command {
        let mut c = Command::cargo_bin("sloop").unwrap();
        c.current_dir(self.dir.path()).env_remove("SLOOP_DB").env("NO_COLOR", "1");
        c
    }

    fn synthetic(&self, c: &mut Command) {
        c.args(["--synthetic", "5", "--synthetic-anchor", &self.anchor.to_string()]);
    }

    fn agent_once(&self) -> std::process::Output {
        let mut c = self.sloop();
        c.args(["agent", "-f", "slo.yaml", "--once", "--delay", "0s", "--backfill", "4d", "--db", "sloop.db"]);
        self.synthetic(&mut c);
        c.output().unwrap()
    }

    fn report(&self, at: i64, extra: &[&str]) -> std::process::Output {
        let mut c = self.sloop();
        c.args(["report", "-f", "slo.yaml", "--at", &at.to_string()]).args(extra);
        self.synthetic(&mut c);
        c.output().unwrap()
    }

    fn report_json(&self, at: i64, extra: &[&str]) -> Value {
        let out = self.report(at, &[&["-o", "json"], extra].concat());
        assert!(matches!(out.status.code(), Some(0 | 1)), "report failed: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("sloop.db")
    }
}

/// The newest whole minute the agent has stored at this point.
fn stored_until(db: &Path) -> i64 {
    let store = SqliteStore::open(db).unwrap();
    let labels = Labels::from([("service".into(), "web".into()), ("slo".into(), "availability".into())]);
    store.last_to(&labels).unwrap().unwrap()
}

#[test]
fn the_stored_report_equals_the_live_one_to_the_event() {
    let s = Setup::new();
    let out = s.agent_once();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    // A log read from a file or a pipe carries no terminal colour codes.
    assert!(log.contains("INFO") && !log.contains('\x1b'), "{log:?}");
    let at = stored_until(&s.db());
    let stored = s.report_json(at, &["--db", "sloop.db"]);
    let live = s.report_json(at, &["--live"]);
    assert_eq!(stored["objectives"], live["objectives"], "store and providers disagree");
    let avail = &stored["objectives"][0];
    assert_eq!(avail["name"], "availability");
    assert!(avail["total"].as_f64().unwrap() > 100_000.0, "two days of traffic");
    assert_eq!(avail["window_end"].as_i64().unwrap() - avail["window_start"].as_i64().unwrap(), 2 * 86_400);
    // The synthetic incident under way burns the first SLO's budget fast: its page fires.
    assert_eq!(avail["alerts"]["state"], "page", "{avail:#}");
}

#[test]
fn the_exit_code_gates_ci() {
    let s = Setup::new();
    assert!(s.agent_once().status.success());
    let at = stored_until(&s.db());
    // Not breached: exit 0 with the default --fail-on breach.
    let ok = s.report(at, &["--db", "sloop.db"]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let table = String::from_utf8(ok.stdout).unwrap();
    assert!(table.contains("availability") && table.contains("checkout"), "{table}");
    // The page fires: --fail-on alert fails, and says which SLO and why.
    let alert = s.report(at, &["--db", "sloop.db", "--fail-on", "alert"]);
    assert_eq!(alert.status.code(), Some(1));
    let err = String::from_utf8(alert.stderr).unwrap();
    assert!(err.contains("web/availability") && err.contains("page alert firing"), "{err}");
    // Some budget is spent everywhere: budget-below=100 fails both.
    let budget = s.report(at, &["--db", "sloop.db", "--fail-on", "budget-below=100", "-o", "text"]);
    assert_eq!(budget.status.code(), Some(1));
    // A bad condition is an error (2), not a failed gate.
    let bad = s.report(at, &["--db", "sloop.db", "--fail-on", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
    // No store yet: a clear error.
    let none = s.report(at, &["--db", "missing.db"]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("sloop agent"));
}

#[test]
fn markdown_and_yaml_carry_the_same_numbers() {
    let s = Setup::new();
    assert!(s.agent_once().status.success());
    let at = stored_until(&s.db());
    let json = s.report_json(at, &["--db", "sloop.db"]);
    let sli = json["objectives"][1]["sli"].as_f64().unwrap();
    let md = String::from_utf8(s.report(at, &["--db", "sloop.db", "-o", "markdown"]).stdout).unwrap();
    assert!(md.contains("### web") && md.contains("| checkout |"), "{md}");
    assert!(md.contains(&format!("{:.2}%", sli * 100.0)), "{md}");
    let yaml = String::from_utf8(s.report(at, &["--db", "sloop.db", "-o", "yaml"]).stdout).unwrap();
    assert!(yaml.contains("name: checkout"), "{yaml}");
}

/// An agent killed with SIGKILL in the middle of its backfill, then
/// restarted: no interval is counted twice and none is missing.
#[test]
fn an_agent_killed_mid_backfill_resumes_without_holes_or_duplicates() {
    let s = Setup::new();
    let mut c = s.sloop();
    c.args(["agent", "-f", "slo.yaml", "--delay", "0s", "--backfill", "60d", "--db", "sloop.db"]);
    s.synthetic(&mut c);
    let mut child = c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    // Wait until some history is stored, then kill it without warning.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let some = s.db().exists()
            && SqliteStore::open(s.db()).ok().and_then(|st| st.series().ok()).is_some_and(|series| !series.is_empty());
        if some || Instant::now() > deadline {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let out = s.agent_once();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = SqliteStore::open(s.db()).unwrap();
    for slo in ["availability", "checkout"] {
        let labels = Labels::from([("service".into(), "web".into()), ("slo".into(), slo.into())]);
        let end = store.last_to(&labels).unwrap().unwrap();
        let points = store.points(&labels, end - 2 * 86_400, end).unwrap();
        assert_eq!(points.len(), 2 * 1440, "{slo}: one point per minute over two days");
        for w in points.windows(2) {
            assert_eq!(w[0].to, w[1].from, "{slo}: contiguous");
        }
    }
    let at = stored_until(&s.db());
    let stored = s.report_json(at, &["--db", "sloop.db"]);
    let live = s.report_json(at, &["--live"]);
    assert_eq!(stored["objectives"], live["objectives"]);
}

#[test]
fn sigterm_stops_the_agent_cleanly() {
    let s = Setup::new();
    let mut c = s.sloop();
    c.args(["agent", "-f", "slo.yaml", "--delay", "0s", "--backfill", "1d", "--db", "sloop.db"]);
    s.synthetic(&mut c);
    let child = c.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let out = wait_with_timeout(child, Duration::from_secs(20));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn wait_with_timeout(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the agent did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}
