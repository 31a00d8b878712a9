//! Why a store could not be read or changed (its own file, so that the
//! crate's error type can name it without importing the store).

use std::path::PathBuf;

use thiserror::Error;

/// Why a store could not be read or changed.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("another ingest is writing `{}`{}{}", path.display(), pid.map_or(String::new(), |p| format!(" (process {p})")), if waited.is_zero() { String::new() } else { format!("; waited {} s", waited.as_secs_f64()) })]
    Busy {
        path: PathBuf,
        pid: Option<u32>,
        waited: std::time::Duration,
    },
    #[error("`{}` is not a store: {problem}", path.display())]
    NotAStore { path: PathBuf, problem: String },
    #[error("`{}` does not match the store's manifest: {problem}", path.display())]
    Damaged { path: PathBuf, problem: String },
    #[error("`{}` has {period} rows, but the store holds rows of {store_days} day(s)", export.display())]
    Period {
        export: PathBuf,
        period: String,
        store_days: u32,
    },
    #[error("`{}` revises {revised} rows the store holds (first: {first}); --on-conflict error leaves the store unchanged", export.display())]
    Conflict {
        export: PathBuf,
        revised: usize,
        first: String,
    },
    #[error("could not read the store's rows of {month}")]
    Partition {
        month: String,
        #[source]
        source: polars::prelude::PolarsError,
    },
    #[error("could not change `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            StoreError::Busy { .. } => "wait for the other ingest to finish, then run this one again, or pass `--wait SECONDS` to wait for it".into(),
            StoreError::NotAStore { .. } => "give an empty or new folder to start a store, or the folder an earlier `acqplan ingest --into` made".into(),
            StoreError::Period { .. } => "a store holds one period; ingest weekly exports into a store of their own, or pass --period day if the rows are single days".into(),
            StoreError::Conflict { .. } => "pass --on-conflict newer to take the export's values (each revision goes to the ledger) or keep to leave the store's".into(),
            StoreError::Damaged { .. } => "the file was changed outside acqplan; restore it from a backup, or re-ingest the exports into a new store (`acqplan ingest EXPORT... --into NEW_STORE`)".into(),
            StoreError::Partition { .. } | StoreError::Io { .. } => return None,
        })
    }
}
