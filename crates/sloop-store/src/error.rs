//! What can go wrong in a store.

use std::path::PathBuf;

use sloop_core::model::Labels;

/// A store's failure, naming the file or series it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open the store {path}: {message}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// The database is read-only (file permissions, a read-only mount).
    /// Nothing of the batch was written.
    #[error("the store {path} is read-only; nothing was written (check the file's and its directory's permissions)")]
    ReadOnly {
        /// The database file.
        path: PathBuf,
    },
    /// The disk or the database's size limit is full. Nothing of the batch
    /// was written.
    #[error("the store {path} is full; nothing was written (free disk space or raise the limit)")]
    Full {
        /// The database file.
        path: PathBuf,
    },
    /// An interval overlaps a stored one without being the same interval.
    #[error(
        "interval ({from}, {to}] of series {} overlaps the stored ({existing_from}, {existing_to}]; \
         write the same intervals again, or intervals that do not overlap",
        format_labels(labels)
    )]
    Overlap {
        /// The series.
        labels: Labels,
        /// The new interval's start.
        from: i64,
        /// The new interval's end.
        to: i64,
        /// The stored interval's start.
        existing_from: i64,
        /// The stored interval's end.
        existing_to: i64,
    },
    /// A measurement is impossible (bad counts, empty interval).
    #[error("measurement {index} of the batch (series {}): {message}", format_labels(labels))]
    Invalid {
        /// Its position in the batch.
        index: usize,
        /// Its series.
        labels: Labels,
        /// What is wrong.
        message: String,
    },
    /// A record with the same key already exists (a token's id or hash).
    #[error("{message}")]
    Conflict {
        /// What clashed.
        message: String,
    },
    /// Any other database error.
    #[error("store {path}: {message}")]
    Database {
        /// The database file (or URL).
        path: PathBuf,
        /// The database's message.
        message: String,
    },
}

/// `{a="b", c="d"}`.
pub fn format_labels(labels: &Labels) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}
