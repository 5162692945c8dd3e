//! PostgreSQL's errors as the store's, and URLs safe to show.
//!
//! The operator reads these messages in a server's log or a CLI's output,
//! so each one names the database (its URL, password hidden) and, for the
//! usual mistakes (server down, wrong password, missing database), what to
//! check.

use std::error::Error as _;
use std::io;
use std::path::Path;

use postgres::error::SqlState;

use super::pool::PoolError;
use crate::StoreError;

/// `url` with its password replaced by `***`, in either of the forms
/// PostgreSQL's clients take: a URL (`postgres://user:secret@host/db`, or
/// `?password=secret` in its query) or `key=value` pairs (`password=secret`).
pub fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (before_query, query) = match rest.split_once('?') {
                Some((b, q)) => (b, Some(q)),
                None => (rest, None),
            };
            // The user information ends at the last `@` before the query: a
            // password may hold an unescaped `@` or `/`, a host never does.
            let mut out = format!("{scheme}://");
            match before_query.rfind('@') {
                Some(at) => {
                    let (userinfo, host) = before_query.split_at(at);
                    match userinfo.split_once(':') {
                        Some((user, _)) => out.push_str(&format!("{user}:***")),
                        None => out.push_str(userinfo),
                    }
                    out.push_str(host);
                }
                None => out.push_str(before_query),
            }
            if let Some(query) = query {
                let params: Vec<String> = query
                    .split('&')
                    .map(|p| match p.split_once('=') {
                        Some(("password", _)) => "password=***".to_string(),
                        _ => p.to_string(),
                    })
                    .collect();
                out.push('?');
                out.push_str(&params.join("&"));
            }
            out
        }
        None => redact_key_values(url),
    }
}

/// Hides the value of `password` in libpq's `key = value` form, where a
/// value is a word or a single-quoted string with `\'` and `\\` escapes.
fn redact_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("password") {
        let preceded_by_word = rest[..pos].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        let after = &rest[pos + "password".len()..];
        let trimmed = after.trim_start();
        let Some(value) = trimmed.strip_prefix('=').filter(|_| !preceded_by_word) else {
            out.push_str(&rest[..pos + "password".len()]);
            rest = after;
            continue;
        };
        out.push_str(&rest[..pos]);
        out.push_str("password=***");
        let value = value.trim_start();
        rest = if let Some(quoted) = value.strip_prefix('\'') {
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '\'' => {
                        end = i + 1;
                        break;
                    }
                    _ => {}
                }
            }
            &quoted[end..]
        } else {
            let end = value.find(char::is_whitespace).unwrap_or(value.len());
            &value[end..]
        };
    }
    out.push_str(rest);
    out
}

/// The whole of an error, on one line: PostgreSQL's own message with its
/// detail, hint and code, or the client's message with its causes.
pub(super) fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str(&format!("; {detail}"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// Whether the error, or one of its causes, is an I/O error of `kind`.
fn is_io(e: &postgres::Error, kind: io::ErrorKind) -> bool {
    let mut source = e.source();
    while let Some(cause) = source {
        if cause.downcast_ref::<io::Error>().is_some_and(|io| io.kind() == kind) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// A database error during normal work. A standby (read-only) server and a
/// full disk get their own variants, so callers can tell the operator what
/// to fix.
pub(super) fn db_error(shown: &Path, e: &postgres::Error) -> StoreError {
    match e.code() {
        Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => StoreError::ReadOnly { path: shown.to_path_buf() },
        Some(c) if *c == SqlState::DISK_FULL => StoreError::Full { path: shown.to_path_buf() },
        _ => StoreError::Database { path: shown.to_path_buf(), message: describe(e) },
    }
}

/// An error while connecting or creating the schema: [`StoreError::Open`],
/// with a hint for the usual causes.
pub(super) fn open_error(shown: &Path, e: &postgres::Error) -> StoreError {
    let text = describe(e);
    let hint = match e.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            Some("check the user and password in the URL, and the server's pg_hba.conf")
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
            Some("create the database first (createdb NAME), or name an existing one in the URL")
        }
        Some(c) if *c == SqlState::INSUFFICIENT_PRIVILEGE => Some(
            "the user may not create sloop's tables: grant it CREATE on the schema, or open the store once as the database's owner",
        ),
        Some(c) if *c == SqlState::TOO_MANY_CONNECTIONS => {
            Some("the server has no connection to spare: lower pool_size, or raise the server's max_connections")
        }
        Some(_) => None,
        None if is_io(e, io::ErrorKind::ConnectionRefused) => {
            Some("is PostgreSQL running, and listening on that host and port?")
        }
        None if text.starts_with("timeout") => {
            Some("no answer within connect_timeout: check the host, the port and any firewall between")
        }
        None if text.starts_with("authentication error") => Some("check the user and password in the URL"),
        None if text.starts_with("error performing TLS handshake") => Some(
            "sloop connects without TLS: drop sslmode=require from the URL and keep the database on a private network",
        ),
        None => None,
    };
    let message = match hint {
        Some(hint) => format!("{text} ({hint})"),
        None => text,
    };
    StoreError::Open { path: shown.to_path_buf(), message }
}

/// A connection could not be had from the pool.
pub(super) fn pool_error(shown: &Path, e: &PoolError) -> StoreError {
    match e {
        PoolError::Connect(e) => open_error(shown, e),
        PoolError::Busy { size, waited } => StoreError::Database {
            path: shown.to_path_buf(),
            message: format!(
                "all {size} pooled connections stayed in use for {waited:?}; \
                 raise pool_size (or connect_timeout) if the database keeps up"
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn urls_lose_their_passwords() {
        let cases = [
            ("postgres://sloop:s3cret@db:5432/sloop", "postgres://sloop:***@db:5432/sloop"),
            (
                "postgresql://sloop:p@ss/w:rd@db/sloop?sslmode=disable",
                "postgresql://sloop:***@db/sloop?sslmode=disable",
            ),
            ("postgres://sloop@db/sloop", "postgres://sloop@db/sloop"),
            ("postgres://db/sloop", "postgres://db/sloop"),
            ("postgres:///sloop?user=a&password=x&host=/run", "postgres:///sloop?user=a&password=***&host=/run"),
            ("host=db user=sloop password=s3cret dbname=x", "host=db user=sloop password=*** dbname=x"),
            ("host=db password = 'a b\\' c' dbname=x", "host=db password=*** dbname=x"),
            ("password=last", "password=***"),
            ("host=db dbname=nopassword_here", "host=db dbname=nopassword_here"),
            ("host=db user=sloop", "host=db user=sloop"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown, "redacting {url:?}");
        }
    }
}
