//! A small pool of connections, each keeping its prepared statements.
//!
//! Why not r2d2 (with r2d2_postgres): the store needs one thing r2d2 does
//! not give, a cache of prepared statements *per connection*. Without one,
//! every `query` with SQL text parses and plans the statement again, an
//! extra round trip each time; with one, a statement is prepared once per
//! connection and each later use is a single round trip. A pooled
//! connection that carries its own cache is a few dozen lines, and leaves
//! out r2d2's reaper thread and health-check round trips that this store
//! does not need: a connection found broken is simply dropped, with the
//! idle ones (they are most likely broken by the same server restart), and
//! a new one is opened on demand.
//!
//! Connections are opened lazily, up to `size`; a caller finding all of
//! them in use waits for one to come back, up to `wait`.

use std::collections::HashMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::{Client, Config, GenericClient, NoTls, Statement};

/// Why no connection could be had.
#[derive(Debug)]
pub(super) enum PoolError {
    /// Connecting to the server failed.
    Connect(postgres::Error),
    /// Every connection stayed in use for the whole wait.
    Busy {
        /// The pool's size.
        size: usize,
        /// How long the caller waited.
        waited: Duration,
    },
}

/// A connection and the statements prepared on it.
pub(super) struct Conn {
    pub(super) client: Client,
    pub(super) statements: Statements,
}

/// Prepared statements by their SQL text. The texts are constants of the
/// store, so the cache never holds more than the store has statements.
#[derive(Default)]
pub(super) struct Statements(HashMap<&'static str, Statement>);

impl Statements {
    /// The statement for `sql`, prepared on `client` the first time.
    /// `client` may be a transaction of the connection the cache belongs to.
    pub(super) fn get(
        &mut self,
        client: &mut impl GenericClient,
        sql: &'static str,
    ) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = client.prepare(sql)?;
        self.0.insert(sql, statement.clone());
        Ok(statement)
    }
}

struct State {
    idle: Vec<Conn>,
    /// Connections that exist: idle, lent out, or being opened.
    open: usize,
}

/// Up to `size` connections to one database.
pub(super) struct Pool {
    config: Config,
    size: usize,
    wait: Duration,
    state: Mutex<State>,
    /// Signalled whenever a connection comes back or a slot frees up.
    freed: Condvar,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("open", &state.open)
            .field("idle", &state.idle.len())
            .finish()
    }
}

impl Pool {
    pub(super) fn new(config: Config, size: usize, wait: Duration) -> Self {
        Self { config, size, wait, state: Mutex::new(State { idle: Vec::new(), open: 0 }), freed: Condvar::new() }
    }

    /// The pool's state. A panic while it was held cannot leave it
    /// inconsistent (every change is one assignment), so a poisoned lock is
    /// taken over.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection: an idle one, a new one while there are fewer than
    /// `size`, or the next one given back.
    pub(super) fn get(&self) -> Result<Lease<'_>, PoolError> {
        let deadline = Instant::now() + self.wait;
        let mut state = self.lock();
        loop {
            // The most recently used first: it is the likeliest to be alive
            // and to have the statements prepared.
            if let Some(conn) = state.idle.pop() {
                return Ok(Lease { pool: self, conn: Some(conn) });
            }
            if state.open < self.size {
                state.open += 1;
                // Connecting takes a round trip or several: not under the lock.
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => {
                        Ok(Lease { pool: self, conn: Some(Conn { client, statements: Statements::default() }) })
                    }
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(PoolError::Connect(e))
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(PoolError::Busy { size: self.size, waited: self.wait });
            }
            state = match self.freed.wait_timeout(state, deadline - now) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn give_back(&self, conn: Conn) {
        let mut state = self.lock();
        if conn.client.is_closed() {
            // Broken, most likely with every idle one (a server restart or a
            // network cut): drop them all and let new ones be opened.
            let stale = std::mem::take(&mut state.idle);
            state.open -= 1 + stale.len();
            drop(state);
            self.freed.notify_all();
            drop(stale);
            drop(conn);
        } else {
            state.idle.push(conn);
            drop(state);
            self.freed.notify_one();
        }
    }
}

impl Drop for Pool {
    /// Closes the idle connections on a thread of their own. The sync
    /// client closes a connection by blocking on its own small runtime,
    /// which panics on a thread that already drives an async runtime, and
    /// the store is typically dropped on one (a server shutting down).
    fn drop(&mut self) {
        let idle = std::mem::take(&mut self.lock().idle);
        if idle.is_empty() {
            return;
        }
        // Joined, so the connections are closed when the store is gone.
        let _ = std::thread::spawn(move || drop(idle)).join();
    }
}

/// A connection lent by the pool, given back when dropped.
pub(super) struct Lease<'a> {
    pool: &'a Pool,
    /// Always `Some` until dropped.
    conn: Option<Conn>,
}

impl Deref for Lease<'_> {
    type Target = Conn;

    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
    }
}
