//! `sloop serve`, `sloop token`, `sloop sync`, `sloop agent --server` and
//! `sloop report --server` end to end: real processes on 127.0.0.1, a
//! SQLite database in a temp dir, and seeded synthetic traffic whose counts
//! are exact, so the server's report must equal the local one to the event.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

const MANIFEST: &str = "apiVersion: sloop/v1
service: web
slos:
  - name: availability
    target: 99.9
    window: 1d
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

struct Env {
    dir: tempfile::TempDir,
    anchor: i64,
}

impl Env {
    fn sloop(&self) -> Command {
        let mut c = Command::cargo_bin("sloop").unwrap();
        c.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("SLOOP_DB")
            .env_remove("SLOOP_TOKEN")
            .env_remove("SLOOP_SERVER")
            .env_remove("SLOOP_DATABASE");
        c
    }

    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.sloop().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A `sloop serve` process; SIGTERMed and reaped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(env: &Env, extra: &[&str]) -> Self {
        let child = env
            .sloop()
            .args(["serve", "--listen", "127.0.0.1:0", "--database", "sqlite://server.db", "--log-format", "json"])
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // Owned by `Server` from here on, so a failed start is killed and reaped.
        let mut server = Self { child, url: String::new() };
        let stderr = server.child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let line =
                rx.recv_timeout(deadline - std::time::Instant::now()).expect("sloop serve did not start in 30 s");
            let v: Value = serde_json::from_str(&line).unwrap_or_default();
            if let Some(addr) = v["fields"]["addr"].as_str() {
                server.url = format!("http://{addr}");
                return server;
            }
        }
    }

    fn stop(mut self) -> i32 {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(std::time::Instant::now() < deadline, "sloop serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sync_agent_and_report_through_a_server() {
    let env = Env { dir: tempfile::tempdir().unwrap(), anchor: (now() - 60) / 60 * 60 };
    std::fs::write(env.dir.path().join("slo.yaml"), MANIFEST).unwrap();

    // The first admin token comes from the database itself.
    let (code, token, err) =
        env.run(&["token", "create", "--scope", "admin", "--name", "ci", "--database", "sqlite://server.db"]);
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_string();
    assert!(token.starts_with("sloop_") && err.contains("shown only now"), "{token} {err}");
    let server = Server::start(&env, &[]);
    let remote = ["--server", server.url.as_str(), "--token", token.as_str()];

    // sync: a dry run changes nothing; then create; then nothing to do.
    let (code, out, err) = env.run(&[&["sync", "-f", "slo.yaml", "--dry-run"][..], &remote].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+ create web/availability") && out.contains("+ create web/checkout"), "{out}");
    assert!(err.contains("would create 2"), "{err}");
    let (code, out, err) = env.run(&[&["sync", "-f", "slo.yaml"][..], &remote].concat());
    assert_eq!((code, out.lines().count()), (0, 2), "{out}{err}");
    let (code, out, err) = env.run(&[&["sync", "-f", "slo.yaml"][..], &remote].concat());
    assert_eq!((code, out.as_str()), (0, ""), "a second sync has nothing to do: {err}");
    assert!(err.contains("2 unchanged"), "{err}");

    // A changed target shows as a diff; a removed objective is pruned.
    let changed = MANIFEST.replace("target: 99\n", "target: 99.5\n");
    let one = changed.split("  - name: checkout").collect::<Vec<_>>();
    std::fs::write(env.dir.path().join("changed.yaml"), &changed).unwrap();
    std::fs::write(env.dir.path().join("one.yaml"), one[0]).unwrap();
    let (_, out, _) = env.run(&[&["sync", "-f", "changed.yaml", "--dry-run"][..], &remote].concat());
    assert!(
        out.contains("~ update web/checkout") && out.contains("-  target: 99.0") && out.contains("+  target: 99.5"),
        "{out}"
    );
    let (code, out, err) = env.run(&[&["sync", "-f", "one.yaml", "--prune", "--dry-run"][..], &remote].concat());
    assert!(code == 0 && out.contains("- delete web/checkout"), "{out}{err}");
    let (_, out, _) = env.run(&[&["sync", "-f", "one.yaml", "--prune"][..], &remote].concat());
    assert!(out.contains("- deleted web/checkout"), "{out}");
    env.run(&[&["sync", "-f", "slo.yaml"][..], &remote].concat());

    // The agent measures while the server is down: its points wait on disk.
    let anchor = env.anchor.to_string();
    let agent = |server: &[&str]| {
        let synthetic = ["--synthetic", "3", "--synthetic-anchor", anchor.as_str()];
        let base =
            ["agent", "-f", "slo.yaml", "--once", "--backfill", "3h", "--db", "spool.db", "--token", token.as_str()];
        env.run(&[&base[..], &synthetic, server].concat())
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let (code, _, err) = agent(&["--server", &format!("http://{closed}")]);
    assert_eq!(code, 1, "an unreachable server is a failed run: {err}");
    assert!(err.contains("local buffer"), "{err}");
    let (code, _, err) = agent(&["--server", &server.url]);
    assert_eq!(code, 0, "{err}");

    // The server's report is the local store's, to the event.
    let at = env.anchor.to_string();
    let (code, server_json, err) =
        env.run(&[&["report", "-o", "json", "--at", &at, "--fail-on", "no-data"][..], &remote].concat());
    assert_eq!(code, 0, "{err}");
    let (_, local_json, err) = env.run(&["report", "-f", "slo.yaml", "--db", "spool.db", "-o", "json", "--at", &at]);
    let (server_report, local_report): (Value, Value) =
        (serde_json::from_str(&server_json).unwrap(), serde_json::from_str(&local_json).expect(&err));
    assert_eq!(server_report["objectives"], local_report["objectives"]);
    assert!(server_report["objectives"][0]["total"].as_f64().unwrap() > 0.0);

    // Forgetting what was pushed sends everything again: nothing counts twice.
    std::fs::remove_file(env.dir.path().join("spool.db.pushed.json")).unwrap();
    let (code, _, err) = agent(&["--server", &server.url]);
    assert_eq!(code, 0, "{err}");
    let (_, again, _) = env.run(&[&["report", "-o", "json", "--at", &at][..], &remote].concat());
    let again: Value = serde_json::from_str(&again).unwrap();
    assert_eq!(again["objectives"], server_report["objectives"]);

    // -f picks objectives; a read token is enough; no token is refused (exit 2).
    let (_, read, _) = env.run(&["token", "create", "--scope", "read", "--database", "sqlite://server.db"]);
    let (code, out, err) = env.run(&[
        "report",
        "-f",
        "one.yaml",
        "-o",
        "json",
        "--at",
        &at,
        "--fail-on",
        "no-data",
        "--server",
        &server.url,
        "--token",
        read.trim(),
    ]);
    assert_eq!(code, 0, "{err}");
    let only: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(only["objectives"].as_array().unwrap().len(), 1);
    let (code, _, err) = env.run(&["report", "--server", &server.url]);
    assert_eq!(code, 2);
    assert!(err.contains("401") && err.contains("token"), "{err}");

    assert_eq!(server.stop(), 0, "SIGTERM stops the server cleanly");
}
