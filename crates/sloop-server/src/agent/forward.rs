//! `sloop agent --server`: measurements go to a server, through a buffer on
//! local disk.
//!
//! The agent keeps measuring into its local store exactly as without a
//! server (the store is its cursor, see the parent module). A [`Forwarder`]
//! then pushes what the server has not acknowledged yet. Per series it
//! remembers the end of the newest interval the server accepted (its
//! *watermark*), in a small JSON file next to the store, written atomically
//! (a new file renamed over the old one) after each accepted batch.
//!
//! - **Server down.** A push fails, the watermark stays, and the points wait
//!   in the local store; the next flush sends them, oldest first.
//! - **No duplicates.** The server stores an interval sent twice once (the
//!   same interval replaces itself), so a batch that reached the server
//!   just before a crash, and is sent again because its watermark was not
//!   saved, changes nothing.
//! - **Bounded batches.** At most `batch` points per request, so a long
//!   outage drains as a series of ordinary requests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sloop_core::measure::Measurement;
use sloop_store::{Store, StoreError};

use crate::client::{ApiClient, ClientError};

/// Why a flush stopped.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The server could not take a batch (down, refused, overloaded).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The watermark file could not be read or written.
    #[error("the forwarding state {path}: {message}")]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl ForwardError {
    /// Whether a later flush can succeed without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(self, ForwardError::Client(e) if e.is_transient())
    }
}

/// What a flush did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushSummary {
    /// Points the server accepted.
    pub sent: usize,
    /// Requests made.
    pub batches: usize,
    /// Points still waiting (when the flush stopped on an error).
    pub pending: usize,
}

/// Pushes a store's points to a server, remembering what was accepted.
#[derive(Debug)]
pub struct Forwarder {
    store: Arc<dyn Store>,
    client: ApiClient,
    state_path: PathBuf,
    batch: usize,
}

impl Forwarder {
    /// A forwarder of `store` to `client`, keeping its watermarks in
    /// `state_path`.
    pub fn new(store: Arc<dyn Store>, client: ApiClient, state_path: PathBuf) -> Self {
        Self { store, client, state_path, batch: 1000 }
    }

    /// Sets the most points per request.
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// The watermark file next to a store file: `sloop.db` → `sloop.db.pushed.json`.
    pub fn state_path_for(store_path: &Path) -> PathBuf {
        let mut name = store_path.as_os_str().to_owned();
        name.push(".pushed.json");
        PathBuf::from(name)
    }

    /// Sends every point the server has not accepted yet, series by
    /// series (one series' pending points in memory at a time), in batches
    /// of at most `batch` points.
    pub async fn flush(&self) -> Result<FlushSummary, ForwardError> {
        let mut marks = self.load()?;
        let series = self.blocking(|store| store.series()).await?;
        let mut summary = FlushSummary::default();
        let mut buffer: Vec<Measurement> = Vec::with_capacity(self.batch);
        let mut failed = None;
        for labels in series {
            let after = marks.get(&key_of(&labels)).copied().unwrap_or(i64::MIN);
            let l = labels.clone();
            let points = self.blocking(move |store| store.points(&l, after, i64::MAX)).await?;
            if failed.is_some() {
                summary.pending += points.len();
                continue;
            }
            for p in points {
                if failed.is_some() {
                    summary.pending += 1;
                    continue;
                }
                buffer.push(Measurement {
                    labels: labels.clone(),
                    from: p.from,
                    to: p.to,
                    good: p.counts.good(),
                    total: p.counts.total(),
                });
                if buffer.len() == self.batch
                    && let Err(e) = self.send(&mut buffer, &mut marks, &mut summary).await
                {
                    summary.pending += buffer.len();
                    buffer.clear();
                    failed = Some(e);
                }
            }
        }
        if failed.is_none()
            && !buffer.is_empty()
            && let Err(e) = self.send(&mut buffer, &mut marks, &mut summary).await
        {
            summary.pending += buffer.len();
            failed = Some(e);
        }
        match failed {
            Some(e) => {
                tracing::warn!(pending = summary.pending, error = %e, "the server did not take the buffered points; they stay on disk");
                Err(e)
            }
            None => Ok(summary),
        }
    }

    /// Sends the buffer, then saves the new watermarks.
    async fn send(
        &self,
        buffer: &mut Vec<Measurement>,
        marks: &mut BTreeMap<String, i64>,
        summary: &mut FlushSummary,
    ) -> Result<(), ForwardError> {
        self.client.push(buffer).await?;
        for m in buffer.iter() {
            let mark = marks.entry(key_of(&m.labels)).or_insert(i64::MIN);
            *mark = (*mark).max(m.to);
        }
        self.save(marks)?;
        summary.sent += buffer.len();
        summary.batches += 1;
        buffer.clear();
        Ok(())
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, ForwardError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| self.state_error(format!("a store task failed: {e}")))?
            .map_err(ForwardError::from)
    }

    fn load(&self) -> Result<BTreeMap<String, i64>, ForwardError> {
        match std::fs::read(&self.state_path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                self.state_error(format!(
                    "not valid JSON: {e}; delete it to send everything again (the server counts nothing twice)"
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.state_error(e.to_string())),
        }
    }

    fn save(&self, marks: &BTreeMap<String, i64>) -> Result<(), ForwardError> {
        let tmp = self.state_path.with_extension("json.tmp");
        let bytes = serde_json::to_vec(marks).map_err(|e| self.state_error(e.to_string()))?;
        std::fs::write(&tmp, bytes).map_err(|e| self.state_error(e.to_string()))?;
        std::fs::rename(&tmp, &self.state_path).map_err(|e| self.state_error(e.to_string()))
    }

    fn state_error(&self, message: String) -> ForwardError {
        ForwardError::State { path: self.state_path.clone(), message }
    }
}

fn key_of(labels: &sloop_core::model::Labels) -> String {
    serde_json::to_string(labels).unwrap_or_default()
}
