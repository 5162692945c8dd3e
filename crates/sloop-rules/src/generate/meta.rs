//! Metadata recordings, so a dashboard needs nothing but Prometheus: the
//! objective, the budget, the window, the budget left, burn rates, how much
//! of the window recorded history covers, and an info series with the SLO's
//! labels.

use sloop_core::model::TimeWindow;

use super::{Ctx, record};
use crate::conventions::{self, CURRENT_WINDOW, Naming, TOTAL_RATE};
use crate::generate::alerts::strip_window;
use crate::promql::EventRates;
use crate::rules::Rule;

pub(crate) fn rules(ctx: &Ctx<'_>) -> Vec<Rule> {
    let n = &ctx.names;
    let o = ctx.o;
    let labels = || ctx.labels.clone();
    let period = match n.naming() {
        Naming::Sloop => ctx.window.as_secs().to_string(),
        Naming::Sloth => trim_float(ctx.window.as_secs_f64() / 86_400.0),
    };
    let current = strip_window(ctx, &ctx.ratio_ref(CURRENT_WINDOW));
    let whole = strip_window(ctx, &ctx.ratio_ref(ctx.window));
    let base = match ctx.rates {
        EventRates::Events { .. } => TOTAL_RATE,
        EventRates::ErrorRatio(_) => conventions::RAW_RATIO,
    };
    let mut info = labels();
    let window_text = match &o.window {
        TimeWindow::Rolling { duration } => duration.to_compact(),
        TimeWindow::Calendar(c) => c.unit.as_str().to_string(),
    };
    match n.naming() {
        Naming::Sloop => {
            info.insert("sloop_objective".into(), o.target.percent_string());
            info.insert("sloop_window".into(), window_text);
        }
        Naming::Sloth => {
            info.insert("sloth_objective".into(), o.target.percent_string());
            info.insert("sloth_spec".into(), "prometheus/v1".into());
            info.insert("sloth_mode".into(), "cli-gen-prom".into());
        }
    }
    vec![
        record(n.objective().into(), format!("vector({})", o.target.fraction_string()), labels()),
        record(n.error_budget().into(), format!("vector({})", ctx.budget), labels()),
        record(n.period().into(), format!("vector({period})"), labels()),
        record(n.current_burn_rate().into(), format!("{current} / {}", ctx.budget), labels()),
        record(n.period_burn_rate().into(), format!("{whole} / {}", ctx.budget), labels()),
        record(n.budget_remaining().into(), format!("1 - {whole} / {}", ctx.budget), labels()),
        record(
            conventions::WINDOW_COVERAGE.into(),
            format!(
                "clamp_max(count_over_time({base}{}[{}]) * {} / {}, 1)",
                ctx.selector,
                ctx.window,
                ctx.options.long_interval.as_secs(),
                ctx.window.as_secs()
            ),
            labels(),
        ),
        record(n.info().into(), "vector(1)".into(), info),
    ]
}

fn trim_float(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}
