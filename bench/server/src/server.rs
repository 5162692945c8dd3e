//! The system under test: a database (an SQLite file, or a private
//! PostgreSQL) and a `sloop serve` process on it.
//!
//! The server always runs as a process of its own, so its CPU time and
//! memory can be read from `/proc` apart from the clients'. It is either the
//! real `sloop` binary (`--sloop PATH`: `sloop serve` and `sloop token
//! create`), or, for a tree where the CLI has no `serve` yet, this benchmark
//! started again as `server-bench serve-child`, which runs the same
//! `sloop_server::serve::serve` with default options.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sloop_server::api::ServerOptions;
use sloop_store::{Database, PostgresOptions, PostgresStore, Scope, SqliteStore};
use sloop_testkit::postgres::Postgres;

/// Which database the server runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Backend {
    /// One SQLite file in the work directory.
    Sqlite,
    /// A private PostgreSQL server (`initdb` in the work directory).
    Postgres,
}

impl Backend {
    /// Its name in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Where databases are made: the work directory, and PostgreSQL when the
/// run uses it.
#[derive(Debug)]
pub(crate) struct Databases {
    backend: Backend,
    dir: PathBuf,
    postgres: Option<Postgres>,
}

impl Databases {
    /// Ready to make databases of `backend` (starting PostgreSQL if needed).
    pub(crate) fn new(backend: Backend, dir: &Path) -> Result<Databases> {
        let postgres = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let pg = Postgres::start().map_err(anyhow::Error::msg).context("starting PostgreSQL")?;
                Some(pg)
            }
        };
        Ok(Databases { backend, dir: dir.to_path_buf(), postgres })
    }

    /// A fresh, empty database's URL.
    pub(crate) fn fresh(&self, name: &str) -> Result<String> {
        match &self.postgres {
            Some(pg) => pg.new_database(name).map_err(anyhow::Error::msg),
            None => Ok(format!("sqlite://{}", self.dir.join(format!("{name}.db")).display())),
        }
    }

    /// PostgreSQL's postmaster, whose process tree does the database's work.
    pub(crate) fn postgres_pid(&self) -> Option<u32> {
        self.postgres.as_ref().and_then(Postgres::pid)
    }

    /// The size of a database's files (SQLite: the file and its WAL).
    pub(crate) fn size_of(&self, name: &str) -> Option<u64> {
        match self.backend {
            Backend::Sqlite => {
                let base = self.dir.join(format!("{name}.db"));
                let files = [base.clone(), base.with_extension("db-wal"), base.with_extension("db-shm")];
                Some(files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum())
            }
            Backend::Postgres => None,
        }
    }
}

/// Opens a database in this process (for tokens, and for `serve-child`).
pub(crate) fn open_database(url: &str) -> Result<Arc<dyn Database>> {
    Ok(if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Arc::new(PostgresStore::open(PostgresOptions::new(url))?)
    } else {
        Arc::new(SqliteStore::open(url.strip_prefix("sqlite://").unwrap_or(url))?)
    })
}

/// How the server process is started.
#[derive(Debug, Clone)]
pub(crate) enum Launcher {
    /// The real `sloop` binary.
    Binary(PathBuf),
    /// This benchmark again, as `server-bench serve-child`.
    SelfExec(PathBuf),
}

impl Launcher {
    /// From `--sloop`.
    pub(crate) fn new(sloop: Option<&Path>) -> Result<Launcher> {
        Ok(match sloop {
            Some(p) => Launcher::Binary(p.canonicalize().with_context(|| format!("--sloop {}", p.display()))?),
            None => Launcher::SelfExec(std::env::current_exe().context("finding server-bench's own path")?),
        })
    }

    /// What reports say the server was.
    pub(crate) fn describe(&self) -> String {
        match self {
            Launcher::Binary(p) => format!("{} serve", p.display()),
            Launcher::SelfExec(_) => "server-bench serve-child (sloop_server::serve::serve in its own process)".into(),
        }
    }

    /// A write token of tenant `bench` in the database at `url`.
    pub(crate) fn token(&self, url: &str) -> Result<String> {
        match self {
            Launcher::Binary(sloop) => {
                let out = Command::new(sloop)
                    .args(["token", "create", "--database", url, "--tenant", "bench", "--scope", "write"])
                    .args(["--name", "server-bench"])
                    .stderr(Stdio::inherit())
                    .output()
                    .with_context(|| format!("running {} token create", sloop.display()))?;
                if !out.status.success() {
                    bail!("`sloop token create` failed ({})", out.status);
                }
                let token = String::from_utf8(out.stdout)?.trim().to_string();
                if !token.starts_with(sloop_server::auth::TOKEN_PREFIX) {
                    bail!("`sloop token create` printed {token:?}, not a token");
                }
                Ok(token)
            }
            Launcher::SelfExec(_) => {
                let db = open_database(url)?;
                let now = jiff::Timestamp::now().as_second();
                let made = sloop_server::auth::create_token(db.as_ref(), "bench", "server-bench", Scope::Write, now)?;
                Ok(made.secret)
            }
        }
    }
}

/// A running server.
#[derive(Debug)]
pub(crate) struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

/// A free port on 127.0.0.1 (there is a small window in which another
/// process could take it; the server then fails to start, loudly).
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

impl Server {
    /// Starts a server on the database at `url`, logging to `log`, and
    /// waits until `/readyz` answers 200.
    pub(crate) async fn start(launcher: &Launcher, url: &str, log: &Path) -> Result<Server> {
        let listen = format!("127.0.0.1:{}", free_port()?);
        let mut cmd = match launcher {
            Launcher::Binary(p) => {
                let mut c = Command::new(p);
                c.arg("serve");
                c
            }
            Launcher::SelfExec(p) => {
                let mut c = Command::new(p);
                c.arg("serve-child");
                c
            }
        };
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        cmd.args(["--listen", &listen, "--database", url]).stdin(Stdio::null()).stdout(out.try_clone()?).stderr(out);
        let child = cmd.spawn().with_context(|| format!("starting {}", launcher.describe()))?;
        let mut server = Server { child, base: format!("http://{listen}"), log: log.to_path_buf() };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited ({status}) before it was ready:\n{}", self.log_tail());
            }
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).send().await
                && r.status() == reqwest::StatusCode::OK
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the server was not ready within 60 s:\n{}", self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The end of its log.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Stops it with SIGTERM (a graceful shutdown), killing it after 15 s.
    pub(crate) fn stop(&mut self) -> Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        // std has no SIGTERM and the crate forbids unsafe: ask kill(1).
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill()?;
        self.child.wait()?;
        bail!("the server did not stop within 15 s of SIGTERM; killed it")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// `server-bench serve-child`: the server, in this process, until SIGTERM
/// or SIGINT.
pub(crate) fn serve_child(listen: &str, database: &str) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let url = database.to_string();
        let db = tokio::task::spawn_blocking(move || open_database(&url)).await??;
        let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
        let shutdown = async {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        };
        sloop_server::serve::serve(listener, db, ServerOptions::default(), shutdown).await?;
        Ok(())
    })
}
