//! The web dashboard of `sloop serve`, as pure functions from reports to
//! HTML.
//!
//! Every page is rendered on the server into a complete document: inline
//! CSS, inline SVG charts, no JavaScript, nothing loaded from elsewhere. The
//! list refreshes itself with `<meta http-equiv="refresh">` when asked to.
//! That keeps the dashboard usable from any browser, `curl`, or a headless
//! test, and keeps this module free of I/O: the HTTP layer fetches the
//! numbers ([`sloop_core::report`]) and hands them here.
//!
//! Templates are [`maud`] macros, checked at compile time. Maud escapes
//! every spliced value, so a title such as `<script>` is shown, never run.
//!
//! Pages and the hooks a browser test can rely on:
//! - [`list_page`]: `#summary` with `#summary-met`, `#summary-breached`,
//!   `#summary-no-data`, `#summary-alerting` (each with `data-count`);
//!   `#slo-table` with one `tr.slo-row[data-slo="service/name"]` per
//!   objective, also classed `status-met`, `status-breached` or
//!   `status-no-data`, with cells `.c-slo` (the link), `.c-status`, `.c-sli`,
//!   `.c-target`, `.c-budget`, `.c-burn[data-window]`, `.c-alert`; or
//!   `#empty-state` when there are no objectives.
//! - [`objective_page`]: `#slo-header` (status class, `data-slo`), stats
//!   `#stat-status`, `#stat-sli`, `#stat-budget`, `#stat-exhaustion`,
//!   `#stat-events`; charts `svg#sli-chart` and `svg#budget-chart` (each
//!   with `data-points`, `data-segments`, a `path.line`, a
//!   `line.guide.target` or `line.guide.zero`); `#burn-table` (rows
//!   `tr.burn-row[data-window]`), `#alert-state`, `#alert-table` (rows
//!   `tr.alert-row[data-severity][data-long]`, classed `firing` when
//!   firing), `pre#manifest`, and `a#back`.
//! - [`login_page`]: `form` posting `token` (`input#token`), `#login-error`.
//! - [`not_found_page`]: `#not-found`, `a#back`.
//!
//! Values use the classes `negative` (overspent budget), `hot` (burn rate
//! ≥ 1, or at a pair's threshold) and `no-data`.

mod list;
mod numbers;
mod objective;
mod page;
mod svg;

#[cfg(test)]
mod tests;

pub use list::list_page;
pub use objective::objective_page;
pub use page::{login_page, not_found_page};

/// What every page needs besides its own data.
#[derive(Debug, Clone, Copy)]
pub struct Chrome<'a> {
    /// The signed-in tenant, shown in the top bar (nothing when empty).
    pub tenant: &'a str,
    /// Reload the page every so many seconds (the list and objective
    /// pages only; `None` or `Some(0)` never).
    pub refresh_secs: Option<u32>,
    /// The path the dashboard is mounted under, `""` normally; links and
    /// the login form's action start with it. A trailing `/` is ignored.
    pub base_path: &'a str,
}
