//! What every request shares: the database, the server's options, and the
//! objectives of each tenant, parsed once.
//!
//! The catalog keeps objectives as manifest text. Parsing a manifest is far
//! slower than reading it, and every indicator batch and report needs the
//! tenant's objectives, so each tenant's are parsed once and kept with the
//! catalog's [`revision`](sloop_store::Catalog::revision) they were read at.
//! A request reads the revision (one indexed lookup) and re-reads the
//! objectives only when it moved, which is also how one replica notices a
//! sync that went to another.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use sloop_core::measure::series_labels;
use sloop_core::model::{Labels, Objective};
use sloop_core::source::SourceFile;
use sloop_store::{Database, StoredObjective};

use super::error::ApiError;
use crate::metrics::ServerMetrics;

/// The label that keeps tenants apart in the store: the server adds it to
/// every indicator it stores and to every selector it reports on. Clients
/// cannot set it: labels starting with `__` are reserved.
pub const TENANT_LABEL: &str = "__tenant__";

/// How the server behaves; set from `sloop serve`'s flags.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Reads without a token see the default tenant.
    pub public_read: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The most indicators in one request.
    pub max_indicators: usize,
    /// The most labels on one indicator.
    pub max_labels: usize,
    /// How often dashboard pages reload themselves, in seconds.
    pub refresh_secs: u32,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            public_read: false,
            max_body_bytes: 8 * 1024 * 1024,
            max_indicators: 10_000,
            max_labels: 32,
            refresh_secs: 30,
        }
    }
}

/// One parsed objective and the manifest it came from.
#[derive(Debug)]
pub struct Entry {
    /// As the catalog keeps it.
    pub stored: StoredObjective,
    /// Parsed.
    pub objective: Objective,
    /// The labels an indicator must carry to count for it (the tenant's
    /// label included).
    pub selector: Labels,
}

/// A tenant's objectives at one catalog revision.
#[derive(Debug, Default)]
pub struct TenantObjectives {
    revision: u64,
    /// By service, then name.
    pub entries: Vec<Arc<Entry>>,
    /// Label name → value → the entries filed under that pair. Each entry
    /// is filed once, under the pair of its selector that the fewest
    /// entries share. An indicator can only match entries filed under one
    /// of its own labels, so matching looks at a handful, not at every
    /// objective of a service.
    by_label: HashMap<String, HashMap<String, Vec<usize>>>,
}

impl TenantObjectives {
    /// The entries whose selector an indicator with `labels` carries.
    pub fn matching<'a>(&'a self, labels: &'a Labels) -> impl Iterator<Item = &'a Arc<Entry>> + 'a {
        labels
            .iter()
            .filter_map(|(k, v)| self.by_label.get(k).and_then(|values| values.get(v)))
            .flatten()
            .map(|&i| &self.entries[i])
            .filter(|e| sloop_core::measure::matches(&e.selector, labels))
    }

    /// The entry `service/name`.
    pub fn get(&self, service: &str, name: &str) -> Option<&Arc<Entry>> {
        self.entries.iter().find(|e| e.stored.service == service && e.stored.name == name)
    }
}

/// Shared by every request; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: Arc<dyn Database>,
    options: ServerOptions,
    tenants: Mutex<HashMap<String, Arc<TenantObjectives>>>,
    metrics: ServerMetrics,
}

impl AppState {
    /// State over a database.
    pub fn new(db: Arc<dyn Database>, options: ServerOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                options,
                tenants: Mutex::new(HashMap::new()),
                metrics: ServerMetrics::default(),
            }),
        }
    }

    /// The database.
    pub fn db(&self) -> &Arc<dyn Database> {
        &self.inner.db
    }

    /// The options.
    pub fn options(&self) -> &ServerOptions {
        &self.inner.options
    }

    /// The server's own counters.
    pub fn metrics(&self) -> &ServerMetrics {
        &self.inner.metrics
    }

    /// Runs blocking database work off the async threads.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|e| ApiError::Internal(format!("a database task failed: {e}")))?
    }

    /// The tenant's objectives, re-read only when the catalog changed.
    /// Blocking.
    pub fn objectives(&self, tenant: &str) -> Result<Arc<TenantObjectives>, ApiError> {
        let revision = self.inner.db.revision(tenant)?;
        let cached = self.tenants().get(tenant).cloned();
        if let Some(cached) = &cached
            && cached.revision == revision
        {
            return Ok(cached.clone());
        }
        let stored = self.inner.db.objectives(tenant)?;
        let mut entries = Vec::with_capacity(stored.len());
        for s in stored {
            // An unchanged manifest keeps its parsed objective.
            let reused = cached.as_ref().and_then(|c| c.get(&s.service, &s.name)).filter(|e| e.stored == s);
            entries.push(match reused {
                Some(e) => e.clone(),
                None => Arc::new(parse_stored(s)?),
            });
        }
        let fresh = Arc::new(TenantObjectives { revision, by_label: index(&entries), entries });
        self.tenants().insert(tenant.to_string(), fresh.clone());
        Ok(fresh)
    }

    fn tenants(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<TenantObjectives>>> {
        self.inner.tenants.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Files each entry under the rarest `(name, value)` pair of its selector.
/// The tenant's label is on every selector, `service` on every objective of
/// a service; `slo` (or a selector's own label) is usually on one, so a
/// lookup finds one or two candidates.
fn index(entries: &[Arc<Entry>]) -> HashMap<String, HashMap<String, Vec<usize>>> {
    let mut shared: HashMap<(&str, &str), usize> = HashMap::new();
    for e in entries {
        for (k, v) in &e.selector {
            *shared.entry((k.as_str(), v.as_str())).or_default() += 1;
        }
    }
    let mut by_label: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        let rarest = e.selector.iter().min_by_key(|(k, v)| shared[&(k.as_str(), v.as_str())]);
        if let Some((k, v)) = rarest {
            by_label.entry(k.clone()).or_default().entry(v.clone()).or_default().push(i);
        }
    }
    by_label
}

/// The scope labels of a tenant: what the store's series of that tenant
/// carry.
pub fn tenant_scope(tenant: &str) -> Labels {
    Labels::from([(TENANT_LABEL.to_string(), tenant.to_string())])
}

/// Parses a manifest the catalog holds. The server validated it when it was
/// put, so a failure here means the database was edited by hand, or a
/// newer sloop wrote it.
fn parse_stored(stored: StoredObjective) -> Result<Entry, ApiError> {
    let file = SourceFile::new(format!("{}/{}", stored.service, stored.name), stored.manifest.as_str());
    let loaded = sloop_core::spec::load(&[file])
        .map_err(|e| ApiError::Internal(format!("the stored manifest of {} no longer validates: {e}", stored.id())))?;
    let objective = loaded
        .manifest
        .objectives
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::Internal(format!("the stored manifest of {} holds no objective", stored.id())))?;
    let mut selector = series_labels(&objective);
    selector.extend(tenant_scope(&stored.tenant));
    Ok(Entry { stored, objective, selector })
}
