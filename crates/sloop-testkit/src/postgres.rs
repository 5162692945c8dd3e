//! A real PostgreSQL for tests: a private server in a temporary directory.
//!
//! ```no_run
//! use sloop_testkit::postgres::Postgres;
//! let Some(pg) = Postgres::required_by("my_test") else { return };
//! let url = pg.new_database("fresh").unwrap(); // an empty database of its own
//! // ... open a store on `url` ...
//! // `pg` is stopped and its directory removed when dropped.
//! ```
//!
//! [`Postgres::start`] runs `initdb` into a temporary directory and starts
//! `postgres` on a free port of 127.0.0.1 (and a Unix socket in that
//! directory), with password authentication over TCP, so URLs carry a
//! password as they do in production. The binaries come from Debian's
//! `/usr/lib/postgresql/<version>/bin` (the newest version installed), or
//! from `PATH`.
//!
//! The server runs with `fsync=off`: tests never survive a power cut, and
//! syncing every commit would make them wait for the disk. Never use these
//! settings for data that matters.
//!
//! PostgreSQL refuses to run as root. Tests often do (in containers, in
//! CI), so as root the harness runs `initdb` and `postgres` as the
//! `postgres` user (created by Debian's package) through `setpriv`, which
//! changes user and then *executes* the program: the child's PID is the
//! server's own, so stopping it by PID reaches the server.
//!
//! Every wait has a timeout, and errors carry the tail of the server's log.
//! The server is a child process: if the test process is killed (not
//! unwound), it may outlive it.

use std::fs::{self, File};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The variable that lets tests needing PostgreSQL skip when it is missing.
pub const SKIP_VAR: &str = "SLOOP_SKIP_POSTGRES";

/// The database [`Postgres::start`] creates, which [`Postgres::url`] names.
pub const DATABASE: &str = "sloop";

/// The superuser `initdb` creates, whose password the URLs carry.
const SUPERUSER: &str = "postgres";

/// The OS user that runs the server when the tests run as root.
const OS_USER: &str = "postgres";

/// How long `initdb` may take.
const INITDB_TIMEOUT: Duration = Duration::from_secs(120);

/// How long the server may take to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a fast shutdown may take before the server is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// A running PostgreSQL server on a free port of 127.0.0.1.
///
/// Dropping it stops the server (see [`Postgres::stop`]) and removes its
/// directory (data, socket, log).
#[derive(Debug)]
pub struct Postgres {
    child: Option<Child>,
    port: u16,
    password: String,
    /// Removed after `Drop` has stopped the server that writes in it.
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl Postgres {
    /// The directory holding `initdb` and `postgres`: the newest of
    /// `/usr/lib/postgresql/<version>/bin`, else the one on `PATH`.
    pub fn bin_dir() -> Option<PathBuf> {
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let version: u32 = entry.file_name().to_str()?.parse().ok()?;
                let bin = entry.path().join("bin");
                (bin.join("initdb").is_file() && bin.join("postgres").is_file()).then_some((version, bin))
            })
            .collect();
        versions.sort();
        if let Some((_, bin)) = versions.pop() {
            return Some(bin);
        }
        std::env::split_paths(&std::env::var_os("PATH")?)
            .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
    }

    /// Whether PostgreSQL's server binaries are installed.
    pub fn available() -> bool {
        Self::bin_dir().is_some()
    }

    /// For tests that need a real PostgreSQL: a running server. When the
    /// binaries are missing, the test fails with how to install them, unless
    /// `SLOOP_SKIP_POSTGRES` is set, in which case `test` is reported as
    /// skipped and this returns `None`. A server that is installed but does
    /// not start always fails the test.
    pub fn required_by(test: &str) -> Option<Postgres> {
        if !Self::available() {
            assert!(
                std::env::var_os(SKIP_VAR).is_some(),
                "{test}: PostgreSQL's server (initdb, postgres) must be installed: `apt-get install postgresql`, \
                 or run scripts/test.sh; or set {SKIP_VAR}=1 to skip it"
            );
            eprintln!("skipped {test}: PostgreSQL is not installed and {SKIP_VAR} is set");
            return None;
        }
        match Self::start() {
            Ok(pg) => Some(pg),
            Err(e) => panic!("{test}: PostgreSQL did not start: {e}"),
        }
    }

    /// Creates a cluster in a new temporary directory, starts the server
    /// on a free loopback port and waits until it accepts connections, then
    /// creates the database [`DATABASE`]. Retries twice on another port if
    /// the chosen one was taken meanwhile.
    pub fn start() -> Result<Postgres, String> {
        let bin = Self::bin_dir().ok_or_else(|| {
            "PostgreSQL's initdb and postgres are neither in /usr/lib/postgresql/*/bin nor on PATH \
             (apt-get install postgresql)"
                .to_string()
        })?;
        let dir = tempfile::Builder::new()
            .prefix("sloop-postgres-")
            .tempdir()
            .map_err(|e| format!("creating a temporary directory: {e}"))?;
        let runner = Runner::new()?;
        let data = dir.path().join("data");
        let socket = dir.path().join("socket");
        let pwfile = dir.path().join("password");
        let log = dir.path().join("postgres.log");
        let password = format!("sloop-test-{}-{}", std::process::id(), nanos());
        fs::create_dir(&socket).map_err(|e| format!("creating {}: {e}", socket.display()))?;
        fs::write(&pwfile, &password).map_err(|e| format!("writing {}: {e}", pwfile.display()))?;
        for path in [dir.path(), &socket, &pwfile] {
            runner.hand_over(path)?;
        }

        let mut initdb = runner.command(&bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", SUPERUSER, "-E", "UTF8", "--locale=C", "--no-sync"])
            // Trust over the Unix socket (only this user can reach it),
            // passwords over TCP, as a production server would ask.
            .args(["--auth-local=trust", "--auth-host=scram-sha-256"])
            .arg(format!("--pwfile={}", pwfile.display()))
            .current_dir(dir.path());
        run(&mut initdb, &dir.path().join("initdb.log"), INITDB_TIMEOUT)?;

        let mut server = Postgres { child: None, port: 0, password, dir, log };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match server.spawn(&runner, &bin, &data, &socket) {
                Ok(()) => break,
                Err(e) if attempt < 3 && e.contains("could not bind") => {}
                Err(e) => return Err(e),
            }
        }
        server.new_database(DATABASE)?;
        Ok(server)
    }

    fn spawn(&mut self, runner: &Runner, bin: &Path, data: &Path, socket: &Path) -> Result<(), String> {
        self.port = free_port()?;
        let log = File::create(&self.log).map_err(|e| format!("creating the log: {e}"))?;
        let log_err = log.try_clone().map_err(|e| format!("creating the log: {e}"))?;
        let mut command = runner.command(&bin.join("postgres"));
        command
            .arg("-D")
            .arg(data)
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(socket)
            .args(["-c", "listen_addresses=127.0.0.1"])
            // Test speed only (see the module docs).
            .args(["-c", "fsync=off"])
            // Conformance suites open many stores, each with a pool.
            .args(["-c", "max_connections=300"])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        self.child = Some(command.spawn().map_err(|e| format!("starting {command:?}: {e}"))?);
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            self.check_running()?;
            let mut config = self.config(SUPERUSER);
            config.connect_timeout(Duration::from_secs(2));
            if config.connect(postgres::NoTls).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(format!(
                    "PostgreSQL on port {} did not accept connections within {READY_TIMEOUT:?}\n\
                     --- postgres log (tail) ---\n{}",
                    self.port,
                    self.log_tail(40)
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Fails with the log's tail if the server is no longer running.
    fn check_running(&mut self) -> Result<(), String> {
        let Some(child) = self.child.as_mut() else {
            return Err(format!("postgres is stopped\n--- postgres log (tail) ---\n{}", self.log_tail(40)));
        };
        match child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                self.child = None;
                Err(format!("postgres exited ({status})\n--- postgres log (tail) ---\n{}", self.log_tail(40)))
            }
            Err(e) => Err(format!("checking on postgres: {e}")),
        }
    }

    /// A client configuration for `database` as the superuser.
    fn config(&self, database: &str) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .host("127.0.0.1")
            .port(self.port)
            .user(SUPERUSER)
            .password(&self.password)
            .dbname(database)
            .application_name("sloop-testkit");
        config
    }

    /// `postgres://postgres:PASSWORD@127.0.0.1:PORT/sloop`.
    pub fn url(&self) -> String {
        self.url_of(DATABASE)
    }

    /// The URL of another database of this server.
    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://{SUPERUSER}:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    /// Creates an empty database `name` and returns its URL. Names are
    /// ASCII letters, digits and `_` (so they need no quoting in a URL).
    pub fn new_database(&self, name: &str) -> Result<String, String> {
        let plain = !name.is_empty()
            && name.len() <= 63
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if !plain {
            return Err(format!(
                "database name {name:?}: use 1 to 63 ASCII letters, digits and _, not starting with a digit"
            ));
        }
        let mut admin = self
            .config("postgres")
            .connect(postgres::NoTls)
            .map_err(|e| format!("connecting to PostgreSQL on port {}: {e}", self.port))?;
        admin.batch_execute(&format!("CREATE DATABASE \"{name}\"")).map_err(|e| {
            let detail = e.as_db_error().map_or_else(|| e.to_string(), |db| db.message().to_string());
            format!("CREATE DATABASE {name}: {detail}")
        })?;
        Ok(self.url_of(name))
    }

    /// The TCP port (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password, which the URLs carry.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The last `lines` lines of the server's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let log = fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Stops the server now; idempotent.
    ///
    /// SIGINT through `kill`, by PID: PostgreSQL's *fast* shutdown, which
    /// ends open sessions and stops cleanly. (SIGTERM is its *smart*
    /// shutdown, which waits for every client to disconnect: a test still
    /// holding a pool would make it wait forever.) After 15 s, SIGQUIT
    /// (immediate shutdown), then SIGKILL.
    pub fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            crate::process::stop_child(child, &["-INT", "-QUIT"], STOP_TIMEOUT);
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Who runs PostgreSQL's programs: this process's user, or, when that is
/// root, the `postgres` user.
struct Runner {
    /// `(uid, gid)` to switch to, when running as root.
    switch_to: Option<(u32, u32)>,
}

impl Runner {
    fn new() -> Result<Self, String> {
        if !is_root() {
            return Ok(Self { switch_to: None });
        }
        let id = |flag: &str| -> Result<u32, String> {
            let out = Command::new("id")
                .args([flag, OS_USER])
                .output()
                .map_err(|e| format!("running `id {flag} {OS_USER}`: {e}"))?;
            String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|_| {
                format!(
                    "PostgreSQL refuses to run as root, and there is no {OS_USER:?} user to run it as \
                     (`id {flag} {OS_USER}`: {}); install Debian's postgresql package, which creates it",
                    String::from_utf8_lossy(&out.stderr).trim()
                )
            })
        };
        Ok(Self { switch_to: Some((id("-u")?, id("-g")?)) })
    }

    /// Gives `path` to the user that runs the server.
    fn hand_over(&self, path: &Path) -> Result<(), String> {
        match self.switch_to {
            Some((uid, gid)) => std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| format!("giving {} to the {OS_USER} user: {e}", path.display())),
            None => Ok(()),
        }
    }

    /// A command for `program`, run as the server's user.
    fn command(&self, program: &Path) -> Command {
        let mut command = match self.switch_to {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}")).arg(format!("--regid={gid}")).arg("--clear-groups").arg("--");
                c.arg(program);
                c
            }
            None => Command::new(program),
        };
        // PostgreSQL checks the locale settings of its environment; C is
        // always there.
        command.env("LC_ALL", "C").env_remove("LANG").env_remove("PGDATA");
        command
    }
}

/// Whether this process runs as root: `/proc/self` belongs to the
/// process's effective user (with `id -u` where there is no `/proc`).
fn is_root() -> bool {
    match fs::metadata("/proc/self") {
        Ok(meta) => meta.uid() == 0,
        Err(_) => {
            Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
        }
    }
}

/// Runs `command` to completion with its output in `log`, killing it after
/// `timeout`; on failure, the error carries the output.
fn run(command: &mut Command, log: &Path, timeout: Duration) -> Result<(), String> {
    let line = format!("{command:?}");
    let out = File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| format!("creating {}: {e}", log.display()))?;
    let mut child =
        command.stdin(Stdio::null()).stdout(out).stderr(err).spawn().map_err(|e| format!("starting {line}: {e}"))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{line} did not finish within {timeout:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for {line}: {e}")),
        }
    };
    if status.success() {
        Ok(())
    } else {
        Err(format!("{line} failed ({status}):\n{}", fs::read_to_string(log).unwrap_or_default()))
    }
}

/// A port on 127.0.0.1 that was free a moment ago: bound to port 0, read,
/// released. Another process may take it before the server binds it;
/// [`Postgres::start`] retries in that case.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("finding a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("finding a free port: {e}"))
}

/// Nanoseconds of the clock, to make passwords differ between runs.
fn nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}
