//! A real headless Chromium for browser tests, driven over WebDriver.
//!
//! ```no_run
//! use sloop_testkit::chromium::{Chromium, fantoccini::Locator};
//! # async fn example() {
//! let Some(chromium) = Chromium::required_by("my_test") else { return };
//! let browser = chromium.session().await.unwrap(); // a fresh profile of its own
//! browser.goto("http://127.0.0.1:8080/").await.unwrap();
//! let heading = browser.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
//! browser.close().await.unwrap();
//! // `chromium` stops chromedriver and every browser it started when dropped.
//! # }
//! ```
//!
//! [`Chromium::start`] runs Debian's `chromedriver` on a free port of
//! 127.0.0.1 (it accepts local connections only) and waits until it says
//! it is ready. [`Chromium::session`] then opens a browser through it with
//! [`fantoccini`]: `/usr/bin/chromium`, headless, with a profile directory
//! of its own, and with everything that would reach out to the network
//! switched off. That last part matters on machines without a network:
//! Chromium's background services (component updates, sync, QUIC probes)
//! otherwise keep retrying, and pages can stall behind them.
//!
//! Stopping has to reach the browsers too. chromedriver starts Chromium as
//! its child, Chromium starts a tree of helpers, and none of them dies when
//! chromedriver is killed. So chromedriver runs in a process group of its
//! own, which every Chromium process inherits; [`Chromium::stop`] first
//! asks chromedriver to shut down (it then closes its browsers), and then
//! kills, by PID, whatever is still in that group. (Chromium's crash
//! handlers leave the group, but they exit with the browser they watch.)
//!
//! Every wait has a timeout, and errors carry the tail of chromedriver's
//! log. If the test process itself is killed rather than unwound, the
//! processes may outlive it.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The WebDriver client the sessions are, re-exported so that tests need no
/// dependency of their own on it.
pub use fantoccini;
use fantoccini::wd::Capabilities;

/// The variable that lets tests needing Chromium skip when it is missing.
pub const SKIP_VAR: &str = "SLOOP_SKIP_CHROMIUM";

/// The browser (Debian's `chromium` package; a wrapper script that runs
/// `/usr/lib/chromium/chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The WebDriver server (Debian's `chromium-driver` package), of the same
/// version as the browser.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The browser window's size, in CSS pixels: screenshots have this size.
pub const WINDOW_SIZE: (u32, u32) = (1280, 1000);

/// How long chromedriver may take to answer `/status` with `ready`.
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long starting a browser session may take.
const SESSION_TIMEOUT: Duration = Duration::from_secs(60);

/// How long chromedriver may take to close its browsers and exit when asked.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// How long loading a page may take in a session (WebDriver's `pageLoad`).
const PAGE_LOAD_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a script may run in a session (WebDriver's `script`).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(10);

/// What went wrong starting or talking to chromedriver.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// Something did not happen in time.
    #[error("{what} timed out after {after:?}\n--- chromedriver log (tail) ---\n{log_tail}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long we waited.
        after: Duration,
        /// The end of chromedriver's log.
        log_tail: String,
    },
    /// chromedriver exited on its own.
    #[error("chromedriver exited ({status})\n--- chromedriver log (tail) ---\n{log_tail}")]
    Exited {
        /// Its exit status.
        status: String,
        /// The end of its log.
        log_tail: String,
    },
    /// chromedriver refused to start a browser session.
    #[error("starting a Chromium session: {message}\n--- chromedriver log (tail) ---\n{log_tail}")]
    Session {
        /// The WebDriver error.
        message: String,
        /// The end of chromedriver's log.
        log_tail: String,
    },
}

impl Error {
    fn io(what: impl Into<String>, source: io::Error) -> Error {
        Error::Io { what: what.into(), source }
    }
}

/// A running `chromedriver` on a free port of 127.0.0.1, and the browsers
/// it starts.
///
/// Dropping it stops chromedriver and every browser process (see
/// [`Chromium::stop`]), then removes its temporary directory (log and
/// browser profiles).
#[derive(Debug)]
pub struct Chromium {
    child: Option<Child>,
    addr: SocketAddr,
    /// Removed after `Drop` has stopped the processes that write in it.
    dir: tempfile::TempDir,
    log: PathBuf,
    /// Numbers the sessions' profile directories.
    sessions: AtomicUsize,
}

impl Chromium {
    /// Whether the browser and chromedriver are installed (and chromedriver runs).
    pub fn available() -> bool {
        Path::new(CHROMIUM).is_file()
            && Command::new(CHROMEDRIVER)
                .arg("--version")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    }

    /// For tests that need a real browser: chromedriver, started. Without
    /// Chromium the test fails with how to install it, unless
    /// `SLOOP_SKIP_CHROMIUM` is set, in which case `test` is reported as
    /// skipped and this returns `None`. Fails the test if chromedriver is
    /// installed but does not start.
    pub fn required_by(test: &str) -> Option<Chromium> {
        if !Self::available() {
            assert!(
                std::env::var_os(SKIP_VAR).is_some(),
                "{test}: Chromium and its WebDriver must be installed ({CHROMIUM}, {CHROMEDRIVER}): \
                 `apt-get install chromium chromium-driver`, or run scripts/test.sh; or set {SKIP_VAR}=1 to skip it"
            );
            eprintln!("skipped {test}: Chromium is not installed and {SKIP_VAR} is set");
            return None;
        }
        match Self::start() {
            Ok(chromium) => Some(chromium),
            Err(e) => panic!("{test}: chromedriver did not start: {e}"),
        }
    }

    /// Starts chromedriver on a free loopback port and waits until it is
    /// ready for sessions. Retries twice on another port if the chosen one
    /// was taken meanwhile.
    pub fn start() -> Result<Chromium, Error> {
        let dir = tempfile::Builder::new()
            .prefix("sloop-chromium-")
            .tempdir()
            .map_err(|e| Error::io("creating a temporary directory", e))?;
        let log = dir.path().join("chromedriver.log");
        let mut driver = Chromium {
            child: None,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            dir,
            log,
            sessions: AtomicUsize::new(0),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match driver.spawn() {
                Err(Error::Exited { log_tail, .. })
                    if attempt < 3 && log_tail.to_ascii_lowercase().contains("address already in use") => {}
                other => return other.map(|()| driver),
            }
        }
    }

    fn spawn(&mut self) -> Result<(), Error> {
        self.addr = free_port()?;
        // chromedriver writes its own log (`--log-path`); its standard
        // output and error only carry start-up lines, kept beside it.
        let out = File::create(self.dir.path().join("chromedriver.out"))
            .map_err(|e| Error::io("creating chromedriver's output file", e))?;
        let err = out.try_clone().map_err(|e| Error::io("creating chromedriver's output file", e))?;
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).map_err(|e| Error::io("creating the browser's home directory", e))?;
        let mut command = Command::new(CHROMEDRIVER);
        command
            .arg(format!("--port={}", self.addr.port()))
            .arg(format!("--log-path={}", self.log.display()))
            .arg("--log-level=INFO")
            // Chromium keeps crash reports and caches under $HOME whatever
            // its profile directory: keep them in ours, not the user's.
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            // A group of its own, inherited by every browser process, so
            // that `stop` can find them all.
            .process_group(0);
        let child = command.spawn().map_err(|e| Error::io(format!("starting {CHROMEDRIVER}"), e))?;
        self.child = Some(child);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            self.check_running()?;
            if let Ok((200, body)) = get(self.addr, "/status", Duration::from_secs(2))
                && body.replace(' ', "").contains("\"ready\":true")
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(Error::Timeout {
                    what: format!("waiting for chromedriver on {} to be ready", self.addr),
                    after: READY_TIMEOUT,
                    log_tail: self.log_tail(40),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fails with [`Error::Exited`] if chromedriver is no longer running.
    fn check_running(&mut self) -> Result<(), Error> {
        let Some(child) = self.child.as_mut() else {
            return Err(Error::Exited { status: "stopped".to_owned(), log_tail: self.log_tail(40) });
        };
        match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                self.child = None;
                Err(Error::Exited { status: status.to_string(), log_tail: self.log_tail(40) })
            }
            Err(e) => Err(Error::io("checking on chromedriver", e)),
        }
    }

    /// The WebDriver URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// chromedriver's process id (also its process group's), while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The last `lines` lines of chromedriver's log and of what it printed.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut text = std::fs::read_to_string(self.dir.path().join("chromedriver.out")).unwrap_or_default();
        text.push_str(&std::fs::read_to_string(&self.log).unwrap_or_default());
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The capabilities [`Chromium::session`] asks for: Chromium at
    /// [`CHROMIUM`], headless, a [`WINDOW_SIZE`] window, `user_data_dir`
    /// as its profile, no network of its own, pages loaded within 30 s and
    /// scripts run within 10 s.
    pub fn capabilities(user_data_dir: &Path) -> Capabilities {
        let (width, height) = WINDOW_SIZE;
        let args = vec![
            "--headless=new".to_owned(),
            // The sandbox needs user namespaces, which containers and CI
            // runners often lack; the pages under test are our own.
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--no-default-browser-check".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-features=Translate,MediaRouter,OptimizationHints".to_owned(),
            format!("--user-data-dir={}", user_data_dir.display()),
            format!("--window-size={width},{height}"),
        ];
        let value = serde_json::json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {
                "pageLoad": PAGE_LOAD_TIMEOUT.as_millis() as u64,
                "script": SCRIPT_TIMEOUT.as_millis() as u64,
                "implicit": 0,
            },
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
        });
        match value {
            serde_json::Value::Object(map) => map,
            _ => Capabilities::new(),
        }
    }

    /// Opens a new browser: a Chromium of its own, with a fresh profile
    /// (no cookies, no cache) in this harness's directory. Close it with
    /// `close().await` when done; [`Chromium::stop`] kills any left open.
    /// Needs a Tokio runtime (the client runs a task on it).
    pub async fn session(&self) -> Result<fantoccini::Client, Error> {
        let n = self.sessions.fetch_add(1, Ordering::Relaxed);
        let profile = self.dir.path().join(format!("profile-{n}"));
        // Plain HTTP: chromedriver is on 127.0.0.1, so the client needs no TLS.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = fantoccini::ClientBuilder::new(connector);
        builder.capabilities(Self::capabilities(&profile));
        match tokio::time::timeout(SESSION_TIMEOUT, builder.connect(&self.url())).await {
            Ok(Ok(client)) => Ok(client),
            Ok(Err(e)) => Err(Error::Session { message: e.to_string(), log_tail: self.log_tail(40) }),
            Err(_) => Err(Error::Timeout {
                what: "starting a Chromium session".to_owned(),
                after: SESSION_TIMEOUT,
                log_tail: self.log_tail(40),
            }),
        }
    }

    /// Stops chromedriver and every browser; idempotent. Asks chromedriver
    /// to shut down (`/shutdown`: it closes its browsers and exits), waits
    /// up to 10 s, then kills by PID whatever is left of its process group
    /// (chromedriver itself, and browsers it could not close).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let group = child.id();
        // chromedriver is reaped only at the very end: until then it is at
        // least a zombie, which keeps its PID, so no other process can take
        // that PID and its group id while we kill by them.
        if live(group) {
            let _ = get(self.addr, "/shutdown", Duration::from_secs(5));
            let deadline = Instant::now() + STOP_TIMEOUT;
            while Instant::now() < deadline && live(group) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        for _ in 0..3 {
            let left = group_members(group);
            if left.is_empty() {
                break;
            }
            kill(&left);
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && !group_members(group).is_empty() {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A process's state letter and process group, from `/proc/PID/stat`
/// (`pid (comm) state ppid pgrp …`; the command name may hold spaces and
/// parentheses, so fields are counted from the last `)`).
fn state_and_group(pid: u32) -> Option<(String, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some((fields.first()?.to_string(), fields.get(2)?.parse().ok()?))
}

/// Whether `pid` runs (a zombie does not: it is dead, waiting to be reaped).
fn live(pid: u32) -> bool {
    state_and_group(pid).is_some_and(|(state, _)| state != "Z")
}

/// The live processes of process group `group`.
fn group_members(group: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| state_and_group(pid).is_some_and(|(state, pgrp)| state != "Z" && pgrp == group))
        .collect()
}

/// Sends SIGKILL to each of `pids` (through `kill(1)`: this crate has no
/// unsafe code to call `kill(2)` itself).
fn kill(pids: &[u32]) {
    let _ = Command::new("kill")
        .arg("-KILL")
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read,
/// released. Another process may take it before chromedriver binds it;
/// [`Chromium::start`] retries in that case.
fn free_port() -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| Error::io("finding a free port", e))?;
    listener.local_addr().map_err(|e| Error::io("finding a free port", e))
}

/// `GET target` on chromedriver: status and body. `timeout` bounds the
/// connection and each read or write. (Only for `/status` and `/shutdown`:
/// sessions go through fantoccini.)
///
/// chromedriver answers `Connection: close` but keeps the connection open,
/// so the body is read up to its `Content-Length` rather than to the end
/// of the stream.
fn get(addr: SocketAddr, target: &str, timeout: Duration) -> io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes())?;
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("chromedriver's answer: {what}"));
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        raw.extend_from_slice(&chunk[..n]);
        if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..split]).into_owned();
            let status_line = head.lines().next().unwrap_or_default();
            let status = status_line
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse::<u16>().ok())
                .ok_or_else(|| bad(&format!("status line {status_line:?}")))?;
            let length = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse::<usize>().ok())?
            });
            let body = &raw[split + 4..];
            match length {
                Some(len) if body.len() >= len => {
                    return Ok((status, String::from_utf8_lossy(&body[..len]).into_owned()));
                }
                None if n == 0 => return Ok((status, String::from_utf8_lossy(body).into_owned())),
                _ => {}
            }
        }
        if n == 0 {
            return Err(bad("the connection closed before the whole answer"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_name_the_binary_the_profile_and_no_network() {
        let caps = Chromium::capabilities(Path::new("/tmp/profile-0"));
        assert_eq!(caps["browserName"], "chrome");
        assert_eq!(caps["goog:chromeOptions"]["binary"], CHROMIUM);
        let args: Vec<&str> =
            caps["goog:chromeOptions"]["args"].as_array().unwrap().iter().filter_map(|a| a.as_str()).collect();
        for flag in [
            "--headless=new",
            "--no-sandbox",
            "--disable-background-networking",
            "--disable-component-update",
            "--user-data-dir=/tmp/profile-0",
            "--window-size=1280,1000",
        ] {
            assert!(args.contains(&flag), "{flag} missing from {args:?}");
        }
        assert_eq!(caps["timeouts"]["pageLoad"], 30_000);
    }

    #[test]
    fn a_process_group_is_found_by_its_id() {
        // This test's group has at least one live member: this process.
        let (_, group) = state_and_group(std::process::id()).unwrap();
        assert!(live(std::process::id()));
        assert!(group_members(group).contains(&std::process::id()));
        assert!(group_members(u32::MAX).is_empty());
    }

    /// What a failing test leaves behind: a session never closed, and a
    /// chromedriver that died without closing its browser. `stop` still
    /// ends every process.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stopping_ends_every_browser_process_even_orphans() {
        let Some(mut chromium) = Chromium::required_by("stopping_ends_every_browser_process_even_orphans") else {
            return;
        };
        let group = chromium.pid().unwrap();
        let browser = chromium.session().await.unwrap();
        browser.goto("data:text/html,<h1>hello</h1>").await.unwrap();
        let h1 = browser.find(fantoccini::Locator::Css("h1")).await.unwrap().text().await.unwrap();
        assert_eq!(h1, "hello");
        let caps = browser.capabilities().unwrap();
        let browser_pid = u32::try_from(caps["goog:processID"].as_u64().unwrap()).unwrap();
        assert!(live(browser_pid));
        assert!(group_members(group).contains(&browser_pid), "the browser is in chromedriver's group");

        kill(&[group]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while live(group) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!live(group), "chromedriver is gone");
        assert!(live(browser_pid), "its browser lives on, orphaned");

        chromium.stop();
        assert_eq!(group_members(group), Vec::<u32>::new());
        assert!(!live(browser_pid));
        drop(browser);
    }
}
