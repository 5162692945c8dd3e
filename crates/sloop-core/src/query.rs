//! Checks on provider queries: PromQL is parsed with promql-parser, Datadog
//! metric queries are checked for the shape of a count.
//!
//! Sloth queries carry a `{{.window}}` placeholder for the range; it is
//! replaced by a real duration before parsing.

use promql_parser::parser::{self, Expr};

use crate::model::ProviderKind;

/// Sloth's range placeholder, also accepted in sloop and OpenSLO queries.
pub const WINDOW_PLACEHOLDER: &str = "{{.window}}";

/// Replaces the window placeholder by a PromQL duration such as `5m`.
pub fn render_window(query: &str, window: &str) -> String {
    query.replace(WINDOW_PLACEHOLDER, window).replace("{{ .window }}", window)
}

/// Whether a query uses the window placeholder.
pub fn has_window_placeholder(query: &str) -> bool {
    query.contains(WINDOW_PLACEHOLDER) || query.contains("{{ .window }}")
}

/// The query as a windowed template. A bare counter selector such as
/// `http_requests_total{job="app"}` (Pyrra's style) becomes
/// `sum(rate(http_requests_total{job="app"}[{{.window}}]))`; anything else is
/// returned unchanged. Writers use it for formats that need a full expression.
///
/// An `offset` or `@` modifier stays after the range, where PromQL wants it:
/// `x offset 1m` becomes `sum(rate(x[{{.window}}] offset 1m))`.
pub fn window_template(query: &str) -> String {
    match parse_promql(query) {
        Ok(Expr::VectorSelector(vs)) => format!("sum(rate({}))", windowed_selector(query, &vs)),
        _ => query.to_string(),
    }
}

/// `sel` with the window placeholder as its range, modifiers moved after it.
pub fn windowed_selector(text: &str, vs: &promql_parser::parser::VectorSelector) -> String {
    if vs.offset.is_none() && vs.at.is_none() {
        return format!("{}[{WINDOW_PLACEHOLDER}]", text.trim());
    }
    let mut bare = vs.clone();
    bare.offset = None;
    bare.at = None;
    let mut s = format!("{bare}[{WINDOW_PLACEHOLDER}]");
    if let Some(at) = &vs.at {
        s.push_str(&format!(" {at}"));
    }
    if let Some(offset) = &vs.offset {
        s.push_str(&format!(" offset {offset}"));
    }
    s
}

/// Parses PromQL, after replacing the window placeholder.
pub fn parse_promql(query: &str) -> Result<Expr, String> {
    let q = render_window(query, "5m");
    parser::parse(&q).map_err(|e| e.trim().to_string())
}

/// Checks a query for its provider. The error says what is wrong.
pub fn check(kind: ProviderKind, query: &str) -> Result<(), String> {
    if query.trim().is_empty() {
        return Err("the query is empty".into());
    }
    match kind {
        ProviderKind::Prometheus => parse_promql(query).map(|_| ()).map_err(|e| format!("invalid PromQL: {e}")),
        ProviderKind::Datadog => check_datadog(query),
    }
}

/// The relaxed check for MetricsQL: non-empty, with balanced brackets.
pub fn check_relaxed(query: &str) -> Result<(), String> {
    if query.trim().is_empty() {
        return Err("the query is empty".into());
    }
    check_brackets(query)
}

/// A light structural check of a Datadog metric query: balanced brackets and
/// an aggregation such as `sum:metric{tags}`.
fn check_datadog(query: &str) -> Result<(), String> {
    check_brackets(query)?;
    if !query.contains(':') {
        return Err("a Datadog metric query names an aggregation and a metric, such as sum:trace.http.request.hits{service:web}.as_count()".into());
    }
    Ok(())
}

/// Every `(`, `{` and `[` is closed, in order.
fn check_brackets(query: &str) -> Result<(), String> {
    let mut depth: Vec<char> = Vec::new();
    for c in query.chars() {
        match c {
            '(' | '{' | '[' => depth.push(c),
            ')' | '}' | ']' => {
                let open = match c {
                    ')' => '(',
                    '}' => '{',
                    _ => '[',
                };
                if depth.pop() != Some(open) {
                    return Err(format!("unbalanced `{c}` in the query"));
                }
            }
            _ => {}
        }
    }
    match depth.pop() {
        Some(c) => Err(format!("unclosed `{c}` in the query")),
        None => Ok(()),
    }
}

/// Whether the query's outermost operation is a division: a ratio, where a
/// count of events is expected. Works for PromQL and Datadog queries.
pub fn divides_at_top(kind: ProviderKind, query: &str) -> bool {
    match kind {
        ProviderKind::Prometheus => match parse_promql(query) {
            Ok(expr) => top_is_division(&expr),
            Err(_) => false,
        },
        ProviderKind::Datadog => {
            // Outside any `{tags}` (which may hold `/`, as in `resource_name:get_/`),
            // and outside function calls, with outer parentheses unwrapped.
            let q = strip_outer_parens(query.trim());
            let mut braces = 0i32;
            let mut parens = 0i32;
            for c in q.chars() {
                match c {
                    '{' => braces += 1,
                    '}' => braces -= 1,
                    '(' => parens += 1,
                    ')' => parens -= 1,
                    '/' if braces == 0 && parens == 0 => return true,
                    _ => {}
                }
            }
            false
        }
    }
}

fn top_is_division(expr: &Expr) -> bool {
    match expr {
        Expr::Paren(p) => top_is_division(&p.expr),
        Expr::Binary(b) => b.op.id() == promql_parser::parser::token::T_DIV,
        _ => false,
    }
}

/// `(a / b)` → `a / b`, only when the parentheses wrap the whole query.
fn strip_outer_parens(q: &str) -> &str {
    let mut s = q;
    while s.starts_with('(') && s.ends_with(')') {
        let inner = &s[1..s.len() - 1];
        let mut depth = 0i32;
        let balanced = inner.chars().all(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth >= 0
        });
        if !balanced || depth != 0 {
            break;
        }
        s = inner.trim();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promql() {
        assert!(check(ProviderKind::Prometheus, "sum(rate(x_total{code=~\"5..\"}[{{.window}}]))").is_ok());
        assert!(check(ProviderKind::Prometheus, "sum(rate(x[5m]").unwrap_err().contains("invalid PromQL"));
        assert!(check(ProviderKind::Prometheus, " ").is_err());
        // MetricsQL's `default` is not PromQL; the relaxed check takes it but not broken brackets.
        assert!(check(ProviderKind::Prometheus, "sum(rate(x[5m])) default 0").is_err());
        assert!(check_relaxed("sum(rate(x[5m])) default 0").is_ok());
        assert!(check_relaxed("sum(rate(x[5m]) default 0").is_err());
        assert!(divides_at_top(ProviderKind::Prometheus, "(sum(a) / sum(b))"));
        assert!(!divides_at_top(ProviderKind::Prometheus, "sum(a) - sum(b)"));
        assert!(!divides_at_top(ProviderKind::Prometheus, "sum(rate(a[5m]))"));
        assert_eq!(window_template("x_total{a=\"b\"}"), "sum(rate(x_total{a=\"b\"}[{{.window}}]))");
        assert_eq!(window_template("sum(rate(x[{{.window}}]))"), "sum(rate(x[{{.window}}]))");
        let t = window_template("x_total{a=\"b\"} offset 1m");
        assert_eq!(t, "sum(rate(x_total{a=\"b\"}[{{.window}}] offset 1m))");
        assert!(parse_promql(&t).is_ok());
    }

    #[test]
    fn datadog() {
        let hits = "sum:trace.starlette.request.hits{service:my-test-service,resource_name:get_/}.as_count()";
        let errs = "sum:trace.starlette.request.errors{service:my-test-service,resource_name:get_/}.as_count()";
        assert!(check(ProviderKind::Datadog, hits).is_ok());
        assert!(check(ProviderKind::Datadog, "sum:x{a:b").is_err());
        assert!(!divides_at_top(ProviderKind::Datadog, hits));
        assert!(divides_at_top(ProviderKind::Datadog, &format!("({hits} / {errs})")));
        assert!(!divides_at_top(ProviderKind::Datadog, &format!("({hits} - {errs})")));
    }
}
