//! The agent against the synthetic provider (exact truth) and a real SQLite
//! store. Provider outages are injected by a wrapper that fails on demand.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sloop_core::source::SourceFile;
use sloop_core::spec;
use sloop_provider::{BoxFuture, SyntheticProvider};
use sloop_store::SqliteStore;
use sloop_synthetic::{DAY, HOUR, MINUTE};

use super::*;

/// 2026-11-21T12:00:00Z.
const NOW: i64 = 1_795_262_400;

fn objectives() -> Vec<Objective> {
    let yaml = "apiVersion: sloop/v1\nservice: web\nslos:\n  - name: avail\n    target: 99.9\n    window: 2d\n    \
                ratio:\n      bad: sum(rate(e[{{.window}}]))\n      total: sum(rate(t[{{.window}}]))\n  \
                - name: fast\n    target: 99\n    window: 1d\n    \
                ratio:\n      good: sum(rate(g[{{.window}}]))\n      total: sum(rate(t[{{.window}}]))\n";
    spec::load(&[SourceFile::new("t.yaml", yaml)]).unwrap().manifest.objectives
}

/// A provider that fails while `down` is set, and `flaky` more times after.
#[derive(Debug)]
struct Faulty {
    inner: SyntheticProvider,
    down: AtomicBool,
    flaky: AtomicUsize,
    permanent: AtomicBool,
    calls: AtomicUsize,
}

impl Faulty {
    fn new(inner: SyntheticProvider) -> Self {
        Self {
            inner,
            down: AtomicBool::new(false),
            flaky: AtomicUsize::new(0),
            permanent: AtomicBool::new(false),
            calls: AtomicUsize::new(0),
        }
    }
}

impl Provider for Faulty {
    fn name(&self) -> &str {
        "faulty"
    }
    fn kind(&self) -> sloop_core::model::ProviderKind {
        self.inner.kind()
    }
    fn fetch<'a>(
        &'a self,
        objective: &'a Objective,
        range: Range,
    ) -> BoxFuture<'a, Result<Vec<IntervalCounts>, ProviderError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.permanent.load(Ordering::SeqCst) {
            return Box::pin(async {
                Err(ProviderError::Query {
                    provider: "faulty".into(),
                    objective: "x".into(),
                    query: "q".into(),
                    message: "parse error".into(),
                })
            });
        }
        let flaky = self.flaky.load(Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) || flaky > 0 {
            self.flaky.store(flaky.saturating_sub(1), Ordering::SeqCst);
            return Box::pin(async {
                Err(ProviderError::Unavailable { provider: "faulty".into(), message: "connection refused".into() })
            });
        }
        self.inner.fetch(objective, range)
    }
}

fn setup(dir: &tempfile::TempDir) -> (Arc<Faulty>, Arc<dyn Store>, Vec<Target>) {
    let objs = objectives();
    let synthetic = SyntheticProvider::demo(&objs, NOW, 3 * DAY, DAY, 11).unwrap();
    let provider = Arc::new(Faulty::new(synthetic));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path().join("sloop.db")).unwrap());
    let targets = objs.into_iter().map(|o| Target::new(o, provider.clone() as Arc<dyn Provider>)).collect();
    (provider, store, targets)
}

fn config() -> AgentConfig {
    AgentConfig {
        interval: 60,
        backfill: 2 * DAY,
        delay: 0,
        chunk: 500,
        concurrency: 2,
        retry: RetryPolicy { initial: StdDuration::from_millis(1), max: StdDuration::from_millis(5), attempts: 4 },
        retention: None,
    }
}

fn no_stop() -> watch::Receiver<bool> {
    watch::channel(false).1
}

/// Every stored window equals the scenario's truth, and the intervals are
/// contiguous from `from` to `to`: no hole, no duplicate.
fn assert_exact(provider: &Faulty, store: &dyn Store, target: &Target, from: i64, to: i64) {
    let truth = provider.inner.scenario().truth(&target.objective.id()).unwrap();
    for w in [MINUTE, HOUR, DAY, to - from] {
        let got = store.counts(&target.labels, to - w, to).unwrap();
        let want = truth.counts(to, w);
        let good = match &target.objective.indicator {
            sloop_core::model::Indicator::Ratio(_) => want.good as f64,
            _ => unreachable!(),
        };
        assert_eq!((got.good(), got.total()), (good, want.total as f64), "{} over {w}s", target.objective.id());
    }
    let points = store.points(&target.labels, from, to).unwrap();
    assert_eq!(points.len() as i64, (to - from) / 60, "one point a minute");
    for (i, p) in points.iter().enumerate() {
        assert_eq!((p.from, p.to), (from + 60 * i as i64, from + 60 * (i as i64 + 1)), "contiguous");
    }
}

#[tokio::test]
async fn backfills_the_history_then_keeps_up_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (provider, store, targets) = setup(&dir);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let agent = Agent::new(targets, store.clone(), config()).with_events(tx);
    let first = agent.pass(NOW, &no_stop()).await;
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    assert_eq!(first.stored, 2 * 2 * 1440, "two days of minutes for two objectives");
    for t in agent.targets() {
        assert_exact(&provider, store.as_ref(), t, NOW - 2 * DAY, NOW);
    }
    // Progress was reported: a plan, then chunks of at most 500 intervals.
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    assert!(events.iter().any(|e| matches!(e, AgentEvent::Planned { intervals: 2880, .. })));
    assert!(events.iter().all(|e| !matches!(e, AgentEvent::Stored { intervals, .. } if *intervals > 500)));

    // Five minutes later: five more intervals each; the same instant again: none.
    let later = agent.pass(NOW + 5 * MINUTE, &no_stop()).await;
    assert_eq!(later.stored, 2 * 5);
    assert_eq!(agent.pass(NOW + 5 * MINUTE, &no_stop()).await.stored, 0);
    for t in agent.targets() {
        assert_exact(&provider, store.as_ref(), t, NOW - 2 * DAY, NOW + 5 * MINUTE);
    }
}

#[tokio::test]
async fn an_outage_leaves_a_gap_that_is_filled_when_the_provider_returns() {
    let dir = tempfile::tempdir().unwrap();
    let (provider, store, targets) = setup(&dir);
    let agent = Agent::new(targets, store.clone(), config());
    assert!(agent.pass(NOW, &no_stop()).await.failed.is_empty());
    provider.down.store(true, Ordering::SeqCst);
    let down = agent.pass(NOW + 10 * MINUTE, &no_stop()).await;
    assert_eq!(down.failed.len(), 2);
    assert_eq!(down.stored, 0);
    assert!(matches!(&down.failed[0], AgentError::Provider { source, .. } if source.is_transient()));
    provider.down.store(false, Ordering::SeqCst);
    let back = agent.pass(NOW + 30 * MINUTE, &no_stop()).await;
    assert_eq!(back.stored, 2 * 30, "the 10 minutes missed and the 20 since");
    for t in agent.targets() {
        assert_exact(&provider, store.as_ref(), t, NOW - 2 * DAY, NOW + 30 * MINUTE);
    }
}

#[tokio::test]
async fn transient_failures_are_retried_and_permanent_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let (provider, store, mut targets) = setup(&dir);
    targets.truncate(1);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut cfg = config();
    cfg.backfill = HOUR;
    let agent = Agent::new(targets, store, cfg).with_events(tx);
    provider.flaky.store(2, Ordering::SeqCst);
    let pass = agent.pass(NOW, &no_stop()).await;
    assert!(pass.failed.is_empty(), "{:?}", pass.failed);
    assert_eq!(pass.stored, 60);
    let mut retries = 0;
    while let Ok(e) = rx.try_recv() {
        retries += usize::from(matches!(e, AgentEvent::Retrying { .. }));
    }
    assert_eq!(retries, 2);

    provider.permanent.store(true, Ordering::SeqCst);
    let before = provider.calls.load(Ordering::SeqCst);
    let pass = agent.pass(NOW + HOUR, &no_stop()).await;
    assert_eq!(pass.failed.len(), 1);
    assert_eq!(provider.calls.load(Ordering::SeqCst) - before, 1, "a refused query is not retried");
}

#[tokio::test]
async fn a_stop_request_ends_the_pass_between_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store, targets) = setup(&dir);
    let agent = Agent::new(targets, store.clone(), config());
    let (tx, rx) = watch::channel(true);
    let pass = agent.pass(NOW, &rx).await;
    assert!(pass.interrupted);
    assert_eq!(pass.stored, 0);
    drop(tx);
    // Nothing half-done: the next pass does the whole backfill.
    assert_eq!(agent.pass(NOW, &no_stop()).await.stored, 2 * 2 * 1440);
}

#[tokio::test]
async fn intervals_without_data_are_stored_as_no_events() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store, mut targets) = setup(&dir);
    targets.truncate(1);
    let mut cfg = config();
    // The scenario starts 3 days before NOW: ask for 4.
    cfg.backfill = 4 * DAY;
    let agent = Agent::new(targets, store.clone(), cfg);
    let pass = agent.pass(NOW, &no_stop()).await;
    assert_eq!(pass.stored, 4 * 1440);
    let labels = &agent.targets()[0].labels;
    let empty = store.counts(labels, NOW - 4 * DAY, NOW - 3 * DAY).unwrap();
    assert_eq!(empty.sli(), None, "no data is not 100 %");
    assert!(store.counts(labels, NOW - DAY, NOW).unwrap().has_data());
}

#[tokio::test]
async fn retention_deletes_old_intervals_and_keeps_recent_windows_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (provider, store, mut targets) = setup(&dir);
    targets.truncate(1);
    let mut cfg = config();
    cfg.retention = Some(DAY);
    let agent = Agent::new(targets, store.clone(), cfg);
    let pass = agent.pass(NOW, &no_stop()).await;
    assert!(pass.failed.is_empty(), "{:?}", pass.failed);
    let later = agent.pass(NOW + HOUR, &no_stop()).await;
    assert!(later.pruned > 0, "the day before NOW + 1h - 1d went");
    let t = &agent.targets()[0];
    assert!(store.points(&t.labels, NOW - 2 * DAY, NOW + HOUR - DAY).unwrap().is_empty());
    assert_exact(&provider, store.as_ref(), t, NOW + HOUR - DAY, NOW + HOUR);
}
