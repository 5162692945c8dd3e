//! Turning provider flags into providers, and objectives into agent targets.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use sloop_core::Objective;
use sloop_core::model::{Indicator, ProviderKind};
use sloop_provider::{
    DatadogConfig, DatadogProvider, PrometheusConfig, PrometheusProvider, Provider, SyntheticProvider,
};
use sloop_server::agent::Target;

use crate::cli_measure::ProviderArgs;

/// An objective the agent cannot measure, and why.
#[derive(Debug)]
pub(crate) struct Skipped {
    /// `service/name`.
    pub(crate) objective: String,
    /// Why, and what would work.
    pub(crate) reason: String,
}

/// Providers built on first use, so a manifest without Datadog SLOs needs no
/// Datadog keys.
#[derive(Debug)]
pub(crate) struct Providers {
    args: ProviderArgs,
    prometheus: Option<Arc<dyn Provider>>,
    datadog: Option<Arc<dyn Provider>>,
    synthetic: Option<Arc<dyn Provider>>,
}

impl Providers {
    pub(crate) fn new(args: &ProviderArgs) -> Self {
        Self { args: args.clone(), prometheus: None, datadog: None, synthetic: None }
    }

    /// With `--synthetic`, one provider of seeded traffic for all objectives,
    /// with history for the longest window.
    pub(crate) fn with_synthetic(mut self, objectives: &[Objective], now: i64) -> Result<Self> {
        if let Some(seed) = self.args.synthetic {
            let anchor = self.args.synthetic_anchor.unwrap_or(now);
            let longest = objectives.iter().map(|o| o.window.nominal_length().as_secs()).max().unwrap_or(86_400);
            let history = i64::try_from(longest).unwrap_or(i64::MAX / 4) + 2 * 86_400;
            let p = SyntheticProvider::demo(objectives, anchor, history, 2 * 86_400, seed)
                .context("cannot build the synthetic traffic")?;
            self.synthetic = Some(Arc::new(p));
        }
        Ok(self)
    }

    fn timeout(&self) -> Result<std::time::Duration> {
        crate::commands::duration_flag("--timeout", &self.args.timeout)
    }

    fn prometheus(&mut self) -> Result<Arc<dyn Provider>> {
        if let Some(p) = &self.prometheus {
            return Ok(p.clone());
        }
        let Some(url) = &self.args.prometheus_url else {
            bail!("no Prometheus URL: pass --prometheus-url URL or set SLOOP_PROMETHEUS_URL");
        };
        let mut config = PrometheusConfig::new(url);
        config.timeout = self.timeout()?;
        config.bearer_token = self.args.prometheus_bearer_token.clone();
        if let Some(basic) = &self.args.prometheus_basic_auth {
            let (user, password) = basic.split_once(':').context("--prometheus-basic-auth must be USER:PASSWORD")?;
            config.basic_auth = Some((user.to_string(), password.to_string()));
        }
        for h in &self.args.prometheus_headers {
            let (name, value) =
                h.split_once('=').with_context(|| format!("--prometheus-header {h}: expected NAME=VALUE"))?;
            config.headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        if let Some(ca) = &self.args.prometheus_ca_cert {
            config.ca_cert_pem =
                Some(std::fs::read(ca).with_context(|| format!("cannot read the CA certificate {}", ca.display()))?);
        }
        config.insecure_skip_verify = self.args.prometheus_insecure;
        let p: Arc<dyn Provider> = Arc::new(PrometheusProvider::new(config)?);
        self.prometheus = Some(p.clone());
        Ok(p)
    }

    fn datadog(&mut self) -> Result<Arc<dyn Provider>> {
        if let Some(p) = &self.datadog {
            return Ok(p.clone());
        }
        let mut config = DatadogConfig::from_env()?;
        config.timeout = self.timeout()?;
        let p: Arc<dyn Provider> = Arc::new(DatadogProvider::new(config)?);
        self.datadog = Some(p.clone());
        Ok(p)
    }

    /// The provider for one objective, or why there is none.
    pub(crate) fn for_objective(&mut self, o: &Objective) -> Result<std::result::Result<Arc<dyn Provider>, String>> {
        let measurable = match &o.indicator {
            Indicator::Ratio(_) | Indicator::Latency(_) => true,
            Indicator::Selector(s) => s.ratio.is_some(),
            Indicator::Raw(_) | Indicator::Threshold(_) => false,
        };
        if !measurable {
            let reason = match &o.indicator {
                Indicator::Selector(_) => "its indicators are pushed by clients (a selector without queries)",
                _ => "a raw ratio or a threshold query has no event counts to sum",
            };
            return Ok(Err(reason.to_string()));
        }
        if let Some(p) = &self.synthetic {
            return Ok(Ok(p.clone()));
        }
        let kind = o.indicator.provider().map_or(ProviderKind::Prometheus, |p| p.kind);
        Ok(Ok(match kind {
            ProviderKind::Prometheus => self.prometheus()?,
            ProviderKind::Datadog => self.datadog()?,
        }))
    }

    /// Agent targets for every measurable objective, and the skipped ones.
    pub(crate) fn targets(&mut self, objectives: &[Objective]) -> Result<(Vec<Target>, Vec<Skipped>)> {
        let mut targets = Vec::new();
        let mut skipped = Vec::new();
        for o in objectives {
            match self.for_objective(o)? {
                Ok(p) => targets.push(Target::new(o.clone(), p)),
                Err(reason) => skipped.push(Skipped { objective: o.id(), reason }),
            }
        }
        Ok((targets, skipped))
    }
}
