//! The agent: measure every objective on an interval, into a store.
//!
//! # How one objective is kept up to date
//!
//! Time is cut into intervals of `interval` seconds on a fixed grid (multiples
//! of the interval since the epoch). On every tick the agent looks at the
//! newest interval stored for the objective (its *cursor*) and fetches
//! everything between the cursor and the newest interval that is complete:
//! the one ending at or before `now − delay` (the delay leaves time for the
//! provider to ingest the last samples).
//!
//! - **First start.** Without a cursor, it starts `backfill` before now: the
//!   history of the SLO window is fetched in chunks, oldest first.
//! - **Gaps.** The cursor only moves when a chunk is stored, so when a
//!   provider is down the agent simply stays behind, and on the first tick
//!   after it comes back it fetches everything it missed. There is no
//!   separate gap list that could be lost: the store is the state.
//! - **Crashes.** A chunk is written in one transaction, so an agent killed
//!   at any moment leaves whole chunks. On restart the cursor is read back
//!   from the store and fetching resumes right after it: nothing is counted
//!   twice and nothing is skipped (and an interval written twice would be
//!   replaced, not added, by the store).
//! - **No data.** An interval the provider has no data for is stored as zero
//!   events: it adds nothing to any sum, a window of only such intervals has
//!   no SLI, and the cursor moves on.
//!
//! Chunks go through a semaphore per provider (bounded concurrency, and
//! bounded memory: a permit is held from a chunk's fetch to its write), and a
//! transient failure is retried with exponential backoff and jitter (see
//! [`retry`]). A permanent failure (a refused query, bad credentials) is
//! reported and retried on the next tick only.

pub mod forward;
pub mod retry;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use sloop_core::Objective;
use sloop_core::measure::{self, Measurement};
use sloop_core::model::Labels;
use sloop_provider::{IntervalCounts, Provider, ProviderError, Range};
use sloop_store::{Store, StoreError};
use tokio::sync::{Semaphore, mpsc, watch};

use retry::Jitter;
pub use retry::RetryPolicy;

/// How the agent runs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The length of each stored interval, in seconds (the `-i` flag).
    pub interval: i64,
    /// How far back to fetch when an objective has no history, in seconds.
    pub backfill: i64,
    /// How long after an interval ends before it is fetched, in seconds.
    pub delay: i64,
    /// The most intervals fetched (and written) at once.
    pub chunk: usize,
    /// The most fetches in flight per provider.
    pub concurrency: usize,
    /// Retries of transient failures.
    pub retry: RetryPolicy,
    /// After each pass, delete intervals that ended this long ago (seconds); `None` keeps everything.
    pub retention: Option<i64>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            interval: 60,
            backfill: 30 * 86_400,
            delay: 60,
            chunk: 1440,
            concurrency: 4,
            retry: RetryPolicy::default(),
            retention: None,
        }
    }
}

/// One objective to measure, with the provider that answers for it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The objective.
    pub objective: Objective,
    /// The labels its measurements are stored under.
    pub labels: Labels,
    /// Where its counts come from.
    pub provider: Arc<dyn Provider>,
}

impl Target {
    /// A target storing under the objective's series labels.
    pub fn new(objective: Objective, provider: Arc<dyn Provider>) -> Self {
        Self { labels: measure::series_labels(&objective), objective, provider }
    }
}

/// What the agent reports while it works (for progress bars and logs).
#[derive(Debug, Clone, PartialEq)]
pub enum AgentEvent {
    /// A pass over an objective found `intervals` to fetch, `(from, to]`.
    Planned {
        /// `service/name`.
        objective: String,
        /// Intervals to fetch.
        intervals: usize,
        /// Where they start.
        from: i64,
        /// Where they end.
        to: i64,
    },
    /// A chunk was stored.
    Stored {
        /// `service/name`.
        objective: String,
        /// Intervals in the chunk.
        intervals: usize,
        /// Intervals of the chunk without data (stored as zero events).
        no_data: usize,
        /// The chunk's end: the objective's new cursor.
        to: i64,
    },
    /// A fetch failed and will be retried after `retry_in`.
    Retrying {
        /// `service/name`.
        objective: String,
        /// The failure.
        error: String,
        /// The wait before the next attempt.
        retry_in: StdDuration,
    },
    /// The objective could not be brought up to date this pass; the next
    /// pass starts again from its cursor, so the gap is filled later.
    Failed {
        /// `service/name`.
        objective: String,
        /// The failure.
        error: String,
    },
}

/// What went wrong with one objective in a pass.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The provider failed (after retries, for transient failures).
    #[error("{objective}: {source}")]
    Provider {
        /// `service/name`.
        objective: String,
        /// The provider's error.
        #[source]
        source: ProviderError,
    },
    /// The store failed; nothing of the chunk was written.
    #[error("{objective}: {source}")]
    Store {
        /// `service/name`.
        objective: String,
        /// The store's error.
        #[source]
        source: StoreError,
    },
    /// Deleting old intervals failed; nothing was deleted.
    #[error("retention: {0}")]
    Retention(#[source] StoreError),
    /// The provider returned counts for other intervals than asked.
    #[error("{objective}: the provider answered {got} intervals for {asked} asked")]
    Mismatch {
        /// `service/name`.
        objective: String,
        /// Intervals asked.
        asked: usize,
        /// Intervals answered.
        got: usize,
    },
    /// A blocking store task panicked or was cancelled.
    #[error("store task failed: {0}")]
    Task(String),
}

/// The outcome of one pass over every objective.
#[derive(Debug, Default)]
pub struct PassSummary {
    /// Intervals stored, over all objectives.
    pub stored: usize,
    /// Objectives brought up to date.
    pub up_to_date: usize,
    /// Objectives that failed, with why.
    pub failed: Vec<AgentError>,
    /// Whether the pass stopped early because of a shutdown request.
    pub interrupted: bool,
    /// Intervals deleted by the retention.
    pub pruned: u64,
}

/// The agent: targets, a store, and how to run.
#[derive(Debug)]
pub struct Agent {
    targets: Vec<Target>,
    store: Arc<dyn Store>,
    config: AgentConfig,
    /// One semaphore per provider name.
    limits: BTreeMap<String, Arc<Semaphore>>,
    events: Option<mpsc::UnboundedSender<AgentEvent>>,
}

impl Agent {
    /// An agent over `targets`, writing into `store`.
    pub fn new(targets: Vec<Target>, store: Arc<dyn Store>, config: AgentConfig) -> Self {
        let mut limits = BTreeMap::new();
        for t in &targets {
            limits
                .entry(t.provider.name().to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(config.concurrency.max(1))));
        }
        Self { targets, store, config, limits, events: None }
    }

    /// Sends progress to `events`.
    pub fn with_events(mut self, events: mpsc::UnboundedSender<AgentEvent>) -> Self {
        self.events = Some(events);
        self
    }

    /// The targets.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    fn emit(&self, e: AgentEvent) {
        if let Some(tx) = &self.events {
            let _ = tx.send(e);
        }
    }

    /// The end of the newest complete interval at `now`.
    pub fn latest_end(&self, now: i64) -> i64 {
        (now - self.config.delay).div_euclid(self.config.interval) * self.config.interval
    }

    /// One pass: brings every objective up to date at `now`, objectives in
    /// parallel (bounded per provider). Stops between chunks when `stop`
    /// turns true; a chunk being written is always finished.
    pub async fn pass(&self, now: i64, stop: &watch::Receiver<bool>) -> PassSummary {
        let runs = self.targets.iter().map(|t| self.catch_up(t, now, stop.clone()));
        let results = futures::future::join_all(runs).await;
        let mut summary = PassSummary { interrupted: *stop.borrow(), ..PassSummary::default() };
        if let Some(keep) = self.config.retention {
            let store = self.store.clone();
            match blocking(move || store.prune(now - keep)).await {
                Ok(Ok(n)) => summary.pruned = n,
                Ok(Err(source)) => summary.failed.push(AgentError::Retention(source)),
                Err(e) => summary.failed.push(e),
            }
        }
        for r in results {
            match r {
                Ok(n) => {
                    summary.stored += n;
                    summary.up_to_date += 1;
                }
                Err(e) => summary.failed.push(e),
            }
        }
        summary
    }

    /// Runs passes every `interval` until `stop` turns true, and returns
    /// after the pass in progress has written its current chunk.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        let tick = StdDuration::from_secs(u64::try_from(self.config.interval.max(1)).unwrap_or(60));
        loop {
            let now = now_unix();
            let summary = self.pass(now, &stop).await;
            for e in &summary.failed {
                tracing::warn!(error = %e, "objective not up to date; will retry next tick");
            }
            tracing::info!(stored = summary.stored, up_to_date = summary.up_to_date, "pass done");
            if *stop.borrow() {
                return;
            }
            // Sleep to just after the next interval is complete.
            let next = self.latest_end(now) + self.config.interval + self.config.delay;
            let wait = StdDuration::from_secs(u64::try_from((next - now_unix()).max(1)).unwrap_or(1)).min(tick * 2);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Brings one objective up to date; returns the intervals stored.
    async fn catch_up(&self, target: &Target, now: i64, stop: watch::Receiver<bool>) -> Result<usize, AgentError> {
        let id = target.objective.id();
        let step = self.config.interval;
        let latest = self.latest_end(now);
        let horizon = (now - self.config.backfill).div_euclid(step) * step;
        let store = self.store.clone();
        let labels = target.labels.clone();
        let cursor = blocking(move || store.last_to(&labels))
            .await?
            .map_err(|source| AgentError::Store { objective: id.clone(), source })?;
        // Continue right after the cursor, or start at the backfill horizon.
        let mut from = match cursor {
            Some(c) if c >= horizon => c,
            _ => horizon,
        };
        if from >= latest {
            return Ok(0);
        }
        let total = ((latest - from) + step - 1) / step;
        self.emit(AgentEvent::Planned { objective: id.clone(), intervals: total as usize, from, to: latest });
        let mut stored = 0;
        let mut jitter = Jitter::seeded(now as u64 ^ fxhash(&id));
        while from < latest {
            if *stop.borrow() {
                break;
            }
            // A cursor off the grid (the interval changed) first realigns.
            let first_end = (from.div_euclid(step) + 1) * step;
            let range = if first_end - from != step {
                Range::single(from, first_end)
            } else {
                let n = ((latest - from) / step).min(self.config.chunk.max(1) as i64);
                Range { from, to: from + n * step, step }
            };
            // One permit of the provider's semaphore per chunk, held from the fetch to the end of
            // the write: at most `concurrency` chunks per provider are in memory at once, however
            // many objectives are catching up.
            let _permit = match self.limits.get(target.provider.name()) {
                Some(s) => Some(s.clone().acquire_owned().await.map_err(|e| AgentError::Task(e.to_string()))?),
                None => None,
            };
            let counts = self.fetch_with_retry(target, range, &mut jitter, &stop).await?;
            if counts.len() != range.len() {
                return Err(AgentError::Mismatch { objective: id, asked: range.len(), got: counts.len() });
            }
            let no_data = counts.iter().filter(|c| c.counts.is_none()).count();
            let batch: Vec<Measurement> = counts.iter().map(|c| to_measurement(&target.labels, c)).collect();
            let store = self.store.clone();
            let written = blocking(move || store.write(&batch))
                .await?
                .map_err(|source| AgentError::Store { objective: id.clone(), source })?;
            stored += written.total();
            from = range.to;
            self.emit(AgentEvent::Stored { objective: id.clone(), intervals: range.len(), no_data, to: range.to });
        }
        Ok(stored)
    }

    async fn fetch_with_retry(
        &self,
        target: &Target,
        range: Range,
        jitter: &mut Jitter,
        stop: &watch::Receiver<bool>,
    ) -> Result<Vec<IntervalCounts>, AgentError> {
        let id = target.objective.id();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = target.provider.fetch(&target.objective, range).await;
            match result {
                Ok(c) => return Ok(c),
                Err(e) if e.is_transient() && attempt < self.config.retry.attempts && !*stop.borrow() => {
                    let wait = e.retry_after().unwrap_or_else(|| self.config.retry.backoff(attempt, jitter.next()));
                    self.emit(AgentEvent::Retrying { objective: id.clone(), error: e.to_string(), retry_in: wait });
                    let mut stop = stop.clone();
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => {}
                    }
                }
                Err(source) => {
                    self.emit(AgentEvent::Failed { objective: id.clone(), error: source.to_string() });
                    return Err(AgentError::Provider { objective: id, source });
                }
            }
        }
    }
}

/// An interval's counts as a measurement; no data is stored as zero events.
fn to_measurement(labels: &Labels, c: &IntervalCounts) -> Measurement {
    let (good, total) = c.counts.map_or((0.0, 0.0), |c| (c.good(), c.total()));
    Measurement { labels: labels.clone(), from: c.from, to: c.to, good, total }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, AgentError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| AgentError::Task(e.to_string()))
}

fn fxhash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The current unix time in seconds.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
