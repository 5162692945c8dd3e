//! Giving every metric term of a Datadog query sloop's rollup.
//!
//! sloop needs one point per bucket of known length, each the *sum* of the
//! events in that bucket. Datadog's documented way to ask for that is a
//! rollup appended to a metric query: `sum:hits{service:web}.as_count()
//! .rollup(sum, 60)`.
//!
//! # Why each term, not the whole expression
//!
//! Manifests carry arithmetic such as
//!
//! ```text
//! (sum:trace.x.hits{service:web}.as_count() - sum:trace.x.errors{service:web}.as_count())
//! ```
//!
//! Datadog documents `.rollup()` as a function of a *metric query*
//! (`<METRIC_NAME>{*}.rollup(<AGGREGATOR>, <INTERVAL>)`); a rollup appended
//! after a closing parenthesis is not part of the documented syntax. And the
//! arithmetic of `.as_count()` queries is done after each query's time
//! aggregation ("aggregation function applied before division" in Datadog's
//! guide on `as_count()` in monitor evaluations), with the buckets a count
//! metric misses aligned as 0 (Datadog's `default_zero()` docs: "COUNT or
//! RATE type metrics queried `as_count()` or `as_rate()` are always aligned
//! as 0"). So rolling up every term with the same `sum` and the same interval
//! gives, for each bucket, `Σ hits − Σ errors`: exactly the good events of
//! that bucket, and a bucket without errors still counts its hits.
//!
//! The rewriter is deliberately small: it finds each metric term by its
//! `{scope}` (plus an optional `by {tags}`), walks the `.function(...)` chain
//! that follows, and appends `.rollup(sum, N)` at the end of the chain. It
//! does not otherwise interpret the query, so functions around terms
//! (`timeshift(...)`, `abs(...)`) and numbers pass through unchanged.

/// `query` with `.rollup(sum, interval)` on each metric term.
///
/// A term that already has a rollup keeps it only when it is `sum` over the
/// same interval (or `sum` with no interval, which gets this one): any other
/// rollup would make the points something else than the events of one
/// bucket. The error says what is wrong and what would work.
pub(crate) fn with_rollup(query: &str, interval: i64) -> Result<String, String> {
    let b = query.as_bytes();
    let mut out = String::with_capacity(query.len() + 32);
    let mut copied = 0;
    let mut terms = 0;
    let mut parens = 0i32;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => i = skip_quoted(b, i)?,
            b'(' => {
                parens += 1;
                i += 1;
            }
            b')' => {
                parens -= 1;
                if parens < 0 {
                    return Err("unbalanced `)` in the query".into());
                }
                i += 1;
                if method_at(b, i) == Some("rollup") {
                    return Err(format!(
                        "`.rollup()` after a parenthesised expression is not part of Datadog's documented \
                         syntax; sloop rolls up each metric term itself (`.rollup(sum, {interval})`), so \
                         remove it"
                    ));
                }
            }
            b',' if parens == 0 => {
                return Err("the query holds several queries separated by commas; give one query per side \
                            of the ratio"
                    .into());
            }
            b'}' => return Err("unbalanced `}` in the query".into()),
            b'{' => {
                let term = Term::scan(query, i)?;
                terms += 1;
                out.push_str(&query[copied..term.chain_start]);
                let chain = &query[term.chain_start..term.chain_end];
                match term.rollup {
                    None => {
                        out.push_str(chain);
                        out.push_str(&format!(".rollup(sum, {interval})"));
                    }
                    Some((start, end, args)) => {
                        check_rollup(args, interval)?;
                        out.push_str(&query[term.chain_start..start]);
                        out.push_str(&format!(".rollup(sum, {interval})"));
                        out.push_str(&query[end..term.chain_end]);
                    }
                }
                copied = term.chain_end;
                i = term.chain_end;
            }
            _ => i += 1,
        }
    }
    if parens != 0 {
        return Err("unclosed `(` in the query".into());
    }
    if terms == 0 {
        return Err("no metric query with a scope was found; write one such as \
             sum:trace.http.request.hits{service:web}.as_count()"
            .into());
    }
    out.push_str(&query[copied..]);
    Ok(out)
}

/// One metric term's tail: from its `{scope}` to the end of its function
/// chain, in byte offsets of the query.
struct Term<'a> {
    /// Where the chain of `.function(...)` calls starts (after the scope and
    /// any `by {tags}`).
    chain_start: usize,
    /// Where the chain ends: the rollup goes here.
    chain_end: usize,
    /// An existing `.rollup(...)`: its span and its arguments.
    rollup: Option<(usize, usize, &'a str)>,
}

impl<'a> Term<'a> {
    /// Scans the term whose scope opens at `open`.
    fn scan(query: &'a str, open: usize) -> Result<Self, String> {
        let b = query.as_bytes();
        let mut end = closing(b, open, b'{', b'}')? + 1;
        // `by {host}` (or `by{host}`) groups the term; the functions come after it.
        let k = skip_ws(b, end);
        if b[k..].starts_with(b"by") {
            let m = skip_ws(b, k + 2);
            if b.get(m) == Some(&b'{') {
                end = closing(b, m, b'{', b'}')? + 1;
            }
        }
        let chain_start = end;
        let mut rollup = None;
        loop {
            let k = skip_ws(b, end);
            let Some(name) = method_at(b, k) else { break };
            let open_paren = k + 1 + name.len();
            let close = closing(b, open_paren, b'(', b')')?;
            if name == "rollup" {
                if rollup.is_some() {
                    return Err("a metric term has two `.rollup()` calls; keep none (sloop sets it)".into());
                }
                rollup = Some((k, close + 1, &query[open_paren + 1..close]));
            }
            end = close + 1;
        }
        Ok(Self { chain_start, chain_end: end, rollup })
    }
}

/// Accepts a rollup already written in the query when it agrees with sloop's.
fn check_rollup(args: &str, interval: i64) -> Result<(), String> {
    let parts: Vec<&str> = args.split(',').map(str::trim).collect();
    let agrees = match parts.as_slice() {
        ["sum"] => true,
        ["sum", n] => n.parse::<i64>() == Ok(interval),
        _ => false,
    };
    if agrees {
        Ok(())
    } else {
        Err(format!(
            "`.rollup({args})` in the query: sloop needs each point to be the sum of one {interval} s bucket \
             and sets `.rollup(sum, {interval})` itself; remove the rollup (or write `.rollup(sum)`)"
        ))
    }
}

/// The name of a `.name(` method call starting at `at`, if there is one.
fn method_at(b: &[u8], at: usize) -> Option<&str> {
    if b.get(at) != Some(&b'.') {
        return None;
    }
    let start = at + 1;
    let mut end = start;
    while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
        end += 1;
    }
    if end == start || b.get(end) != Some(&b'(') {
        return None;
    }
    // ASCII only, so always valid UTF-8.
    std::str::from_utf8(&b[start..end]).ok()
}

/// The index of the bracket closing the one at `open`.
fn closing(b: &[u8], open: usize, left: u8, right: u8) -> Result<usize, String> {
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' if left == b'(' => {
                i = skip_quoted(b, i)?;
                continue;
            }
            c if c == left => depth += 1,
            c if c == right => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(format!("unclosed `{}` in the query", left as char))
}

/// The index just after the string quoted at `at`.
fn skip_quoted(b: &[u8], at: usize) -> Result<usize, String> {
    let quote = b[at];
    match b[at + 1..].iter().position(|&c| c == quote) {
        Some(p) => Ok(at + 1 + p + 1),
        None => Err(format!("unclosed {} in the query", quote as char)),
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    //! Pure string rewriting: no request is sent (Datadog cannot be reached from the test
    //! machines; the request tests in tests/datadog*.rs use a local server answering with the
    //! documented Datadog API shapes).

    use super::*;

    const HITS: &str = "sum:trace.starlette.request.hits{service:my-frontend-service}.as_count()";
    const ERRORS: &str = "sum:trace.starlette.request.errors{service:my-frontend-service}.as_count()";

    #[test]
    fn a_single_term_gets_the_rollup_after_its_functions() {
        assert_eq!(with_rollup(HITS, 60).unwrap(), format!("{HITS}.rollup(sum, 60)"));
        assert_eq!(with_rollup("sum:x{*}", 300).unwrap(), "sum:x{*}.rollup(sum, 300)");
    }

    #[test]
    fn each_term_of_an_arithmetic_expression_gets_it() {
        let q = format!("({HITS} - {ERRORS})");
        assert_eq!(with_rollup(&q, 60).unwrap(), format!("({HITS}.rollup(sum, 60) - {ERRORS}.rollup(sum, 60))"));
        // The Reliably origin-story scope, with a `/` inside the tags.
        let q = "(sum:a{service:s,resource_name:get_/}.as_count() - sum:b{service:s,resource_name:get_/}.as_count())";
        assert_eq!(
            with_rollup(q, 30).unwrap(),
            "(sum:a{service:s,resource_name:get_/}.as_count().rollup(sum, 30) - \
             sum:b{service:s,resource_name:get_/}.as_count().rollup(sum, 30))"
        );
    }

    #[test]
    fn grouping_and_wrapping_functions_are_kept() {
        assert_eq!(
            with_rollup("sum:x{env:prod} by {host}.as_count()", 60).unwrap(),
            "sum:x{env:prod} by {host}.as_count().rollup(sum, 60)"
        );
        assert_eq!(with_rollup("sum:x{*}by{host,az}", 60).unwrap(), "sum:x{*}by{host,az}.rollup(sum, 60)");
        assert_eq!(
            with_rollup("timeshift(sum:x{*}.as_count(), -3600) * 2", 60).unwrap(),
            "timeshift(sum:x{*}.as_count().rollup(sum, 60), -3600) * 2"
        );
        assert_eq!(
            with_rollup("top(sum:x{*} by {host}.as_count(), 10, 'mean', 'desc')", 60).unwrap(),
            "top(sum:x{*} by {host}.as_count().rollup(sum, 60), 10, 'mean', 'desc')"
        );
    }

    #[test]
    fn an_agreeing_rollup_is_normalised_and_others_refused() {
        assert_eq!(with_rollup("sum:x{*}.as_count().rollup(sum)", 60).unwrap(), "sum:x{*}.as_count().rollup(sum, 60)");
        assert_eq!(
            with_rollup("sum:x{*}.rollup(sum,60).as_count()", 60).unwrap(),
            "sum:x{*}.rollup(sum, 60).as_count()"
        );
        let e = with_rollup("sum:x{*}.as_count().rollup(avg, 60)", 60).unwrap_err();
        assert!(e.contains("`.rollup(avg, 60)`") && e.contains(".rollup(sum, 60)"), "{e}");
        assert!(with_rollup("sum:x{*}.rollup(sum, 120)", 60).is_err());
        assert!(with_rollup("sum:x{*}.rollup(sum).rollup(sum)", 60).unwrap_err().contains("two"));
        let e = with_rollup("(sum:a{*}.as_count() - sum:b{*}.as_count()).rollup(sum, 60)", 60).unwrap_err();
        assert!(e.contains("parenthesised"), "{e}");
    }

    #[test]
    fn malformed_queries_are_refused_with_a_reason() {
        assert!(with_rollup("sum:x{*", 60).unwrap_err().contains("unclosed `{`"));
        assert!(with_rollup("(sum:x{*}", 60).unwrap_err().contains("unclosed `(`"));
        assert!(with_rollup("sum:x{*})", 60).unwrap_err().contains("unbalanced `)`"));
        assert!(with_rollup("sum:x{*}}", 60).unwrap_err().contains("unbalanced `}`"));
        assert!(with_rollup("sum:x{*}, sum:y{*}", 60).unwrap_err().contains("commas"));
        assert!(with_rollup("42", 60).unwrap_err().contains("no metric query"));
        assert!(with_rollup("top(sum:x{*}, 10, 'mean", 60).unwrap_err().contains("unclosed '"));
    }

    #[test]
    fn non_ascii_tags_pass_through() {
        assert_eq!(
            with_rollup("sum:x{city:zürich}.as_count()", 60).unwrap(),
            "sum:x{city:zürich}.as_count().rollup(sum, 60)"
        );
    }
}
