//! Checkpoints on a thread of their own, off the write path.
//!
//! In WAL mode a commit appends the pages it changed to the `-wal` file; a
//! *checkpoint* copies them back into the database file and syncs it. By
//! default SQLite runs one inside the commit that takes the log past 1,000
//! pages, so every so often a write waits for a copy and an `fsync`: about
//! a quarter of the write time when 16 clients push at once (measured with
//! `perf`, docs/benchmarks.md).
//!
//! Here the writer only signals after each commit, and this thread, on its
//! own connection, runs a `PASSIVE` checkpoint: it copies what is committed
//! without taking any lock a writer or reader waits for, so it works on the
//! second core while the writer goes on.
//!
//! A passive checkpoint never *resets* the log, though. SQLite starts the
//! log over only when every frame in it has been copied back, and under a
//! steady stream of commits there is always a newer one. So when the log
//! passes [`RESTART_FRAMES`], the thread runs a `RESTART` checkpoint: it
//! waits for the commit under way, holds writers back while it copies the
//! few frames the passive ones have not yet, and lets the next writer start
//! the log from the beginning. The log stays bounded, and a writer waits for
//! a short copy every few hundred megabytes of writes instead of every four.
//!
//! Should this thread ever fall behind or fail, the writer still checkpoints
//! by itself once the log passes `wal_autocheckpoint` (set much higher than
//! SQLite's default, see [`WRITER_AUTOCHECKPOINT`]): later, but it does.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use rusqlite::Connection;

/// The log's size, in frames of one page, above which the thread resets
/// it: 16,384 pages of 4 KiB, 64 MiB.
const RESTART_FRAMES: i64 = 16_384;

/// The writer's own checkpoint threshold, in pages: a safety net four times
/// above [`RESTART_FRAMES`], never reached while the thread keeps up.
pub(super) const WRITER_AUTOCHECKPOINT: i64 = 4 * RESTART_FRAMES;

/// What the writer and the thread share.
#[derive(Debug, Default)]
struct Signal {
    /// Commits happened since the thread last looked.
    pending: bool,
    /// The store is being closed.
    stop: bool,
}

/// The checkpoint thread of one store. Dropping it stops the thread and
/// closes its connection.
#[derive(Debug)]
pub(super) struct Checkpointer {
    shared: Arc<(Mutex<Signal>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on `conn`, a read-write connection to the store's
    /// file in WAL mode.
    pub(super) fn start(conn: Connection) -> std::io::Result<Self> {
        let shared = Arc::new((Mutex::new(Signal::default()), Condvar::new()));
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("sloop-sqlite-checkpoint".to_string())
            .spawn(move || run(&conn, &theirs))?;
        Ok(Self { shared, thread: Some(thread) })
    }

    /// Tells the thread that a commit added to the log. Cheap: many commits
    /// between two checkpoints make one.
    pub(super) fn notify(&self) {
        let (signal, wake) = &*self.shared;
        signal.lock().unwrap_or_else(PoisonError::into_inner).pending = true;
        wake.notify_one();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (signal, wake) = &*self.shared;
        signal.lock().unwrap_or_else(PoisonError::into_inner).stop = true;
        wake.notify_one();
        if let Some(thread) = self.thread.take() {
            // A panic in the thread has nothing to hand on: the writer's
            // own checkpoints and the final one on close still happen.
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, shared: &(Mutex<Signal>, Condvar)) {
    let (signal, wake) = shared;
    loop {
        {
            let mut s = signal.lock().unwrap_or_else(PoisonError::into_inner);
            while !s.pending && !s.stop {
                s = wake.wait(s).unwrap_or_else(PoisonError::into_inner);
            }
            // On close, the last connection checkpoints the whole log anyway.
            if s.stop {
                return;
            }
            s.pending = false;
        }
        // Errors are left for the next round: a checkpoint that fails (say,
        // the disk is full) loses nothing, the commits are in the log, and
        // the writer sees the disk's state on its own next write.
        if let Ok(frames) = checkpoint(conn, "PASSIVE")
            && frames > RESTART_FRAMES
        {
            let _ = checkpoint(conn, "RESTART");
        }
    }
}

/// Runs one checkpoint and returns the frames in the log before it.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<i64> {
    // The pragma answers (busy, frames in the log, frames copied).
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| row.get(1))
}
