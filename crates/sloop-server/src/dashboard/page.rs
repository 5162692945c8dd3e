//! The frame every page shares, the links between pages, and the two small
//! pages that are nothing but frame: the login form and "not found".

use maud::{DOCTYPE, Markup, PreEscaped, html};
use sloop_core::report::Status;

use super::Chrome;

/// The stylesheet, inlined into every page: the dashboard loads nothing
/// from anywhere else, so it works offline, behind strict proxies and under
/// a `Content-Security-Policy` that allows only inline styles.
const STYLE: &str = include_str!("style.css");

/// A whole HTML document: head, the top bar, and `main`.
///
/// `refresh` says whether this page may reload itself (per
/// [`Chrome::refresh_secs`]); a form must not, or it would wipe what is being
/// typed.
pub(super) fn document(chrome: &Chrome<'_>, title: &str, refresh: bool, main: Markup) -> String {
    let refresh_secs = chrome.refresh_secs.filter(|s| refresh && *s > 0);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                @if let Some(secs) = refresh_secs {
                    meta http-equiv="refresh" content=(secs);
                }
                // An empty icon: without it every page view also asks for /favicon.ico.
                link rel="icon" href="data:,";
                title { (title) " · sloop" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header class="top" {
                    a class="brand" href=(home(chrome)) { "sloop" }
                    @if !chrome.tenant.is_empty() {
                        span id="tenant" class="tenant" { "tenant " strong { (chrome.tenant) } }
                    }
                    @if let Some(secs) = refresh_secs {
                        span id="refresh" class="refresh" { "refreshes every " (secs) "s" }
                    }
                    @if !chrome.tenant.is_empty() {
                        // Signing out forgets the cookie the login form set.
                        form id="logout" class="logout" method="post" action=(format!("{}logout", home(chrome))) {
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { (main) }
            }
        }
    }
    .into_string()
}

/// The base path without a trailing slash, so `"/sloop/"` and `"/sloop"` both work.
fn base<'a>(chrome: &Chrome<'a>) -> &'a str {
    chrome.base_path.trim_end_matches('/')
}

/// The SLO list.
pub(super) fn home(chrome: &Chrome<'_>) -> String {
    format!("{}/", base(chrome))
}

/// One objective's page: `{base}/slo/{service}/{name}`, each part
/// percent-encoded so that any name makes a working link.
pub(super) fn slo_href(chrome: &Chrome<'_>, service: &str, name: &str) -> String {
    format!("{}/slo/{}/{}", base(chrome), path_segment(service), path_segment(name))
}

/// `s` as one URL path segment: everything but RFC 3986's unreserved
/// characters is percent-encoded (a `/` in a name must not split it).
pub(super) fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The class that colours a status: `status-met`, `status-breached`, `status-no-data`.
pub(super) fn status_class(status: Status) -> &'static str {
    match status {
        Status::Met => "status-met",
        Status::Breached => "status-breached",
        Status::NoData => "status-no-data",
    }
}

/// The class of an alert state (`page`, `ticket`, `ok`, `no data`,
/// `disabled`): `alert-page` … `alert-no-data`.
pub(super) fn alert_class(state: &str) -> String {
    let slug: String =
        state.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    format!("alert-{slug}")
}

/// How an alert state reads: a firing tier says so.
pub(super) fn alert_text(state: &str) -> String {
    match state {
        "page" | "ticket" => format!("{state} firing"),
        other => other.to_string(),
    }
}

/// A login form: POST to `{base}/login` with a field named `token`; shows
/// `error` if there is one. It never refreshes itself, whatever `chrome` says.
pub fn login_page(chrome: &Chrome<'_>, error: Option<&str>) -> String {
    let main = html! {
        section id="login" class="panel narrow" {
            h1 { "Sign in" }
            p class="muted" { "Paste an API token of this server." }
            @if let Some(error) = error {
                p id="login-error" class="error" role="alert" { (error) }
            }
            form method="post" action=(format!("{}/login", base(chrome))) {
                label for="token" { "Token" }
                input id="token" name="token" type="password" autocomplete="off" required autofocus;
                button type="submit" { "Sign in" }
            }
        }
    };
    document(chrome, "Sign in", false, main)
}

/// A "not found" page that says what was not found and links back to the list.
pub fn not_found_page(chrome: &Chrome<'_>, what: &str) -> String {
    let main = html! {
        section id="not-found" class="panel narrow" {
            h1 { "Not found" }
            p { (what) }
            p { a id="back" href=(home(chrome)) { "← All SLOs" } }
        }
    };
    document(chrome, "Not found", false, main)
}
