//! Load campaign history (CSV, Parquet, .xlsx) into [`ValidatedData`].
//!
//! Every source presents rows of [`Cell`]s with their line numbers to the
//! validator, so the rules and messages are the same whatever the format.

pub mod cell;
mod csv;
mod csv_fast;
mod parquet;
mod partitioned;
mod xlsx;

use std::path::{Path, PathBuf};

use thiserror::Error;

pub use crate::contract::{Cell, ColumnMap, Field, HeaderProblem};
use crate::contract::{Kind, Resolved};

use crate::validate::{Builder, DefectReport, Rejected, SourceKind, ValidatedData};

/// How to load.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Headers mapped by the user, on top of the built-in aliases.
    pub columns: ColumnMap,
    /// Go on with the good rows instead of stopping at the first defect.
    pub skip_bad_rows: bool,
    /// What the user declared about the values (`gmv` net of refunds).
    pub declared: crate::contract::Declared,
    /// The channel of every row, for an export without a channel column
    /// (`--channel`, `[data] channel`).
    pub channel: Option<String>,
}

/// History that loaded, with the rows left out under `--skip-bad-rows`.
#[derive(Debug)]
pub struct Loaded {
    /// The rows that passed.
    pub data: ValidatedData,
    /// How the source names places.
    pub kind: SourceKind,
    /// Rows left out, verbatim with reasons (empty unless skipping).
    pub rejected: Vec<Rejected>,
    /// Rows read from the file, good and bad.
    pub rows_read: usize,
    /// For a folder of Parquet files: what was summed to daily rows.
    pub partitioned: Option<Partitioned>,
    /// Lines (rows) of total rows the console appended (合计 / Total),
    /// left out of the history.
    pub total_rows: Vec<u64>,
    /// For a folder of Parquet files: the total rows left out, per file
    /// (data rows counted from 1), in path order.
    pub folder_total_rows: Vec<(PathBuf, Vec<u64>)>,
    /// Empty cells of optional columns in the accepted rows.
    pub empty_cells: crate::validate::EmptyCells,
    /// Rows with a time of day (hourly exports) summed into the day's row.
    pub sub_daily_merged: usize,
}

/// A folder of Parquet files read as one history, summed to daily rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Partitioned {
    /// Parquet files read.
    pub files: usize,
    /// Raw rows in them, good and bad.
    pub raw_rows: usize,
    /// Rows after summing to one per date × room × channel.
    pub daily_rows: usize,
}

/// Why history could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    #[error("`{}` does not exist", path.display())]
    MissingFile { path: PathBuf },
    #[error("`{}` holds no .parquet files", path.display())]
    EmptyFolder { path: PathBuf },
    #[error("`{}`: a history folder holds only .parquet files", path.display())]
    ForeignFileInFolder { path: PathBuf },
    #[error("`{}` has no `{field}` column, but `{}` has one", path.display(), other.display())]
    PartitionMismatch {
        path: PathBuf,
        field: Field,
        other: PathBuf,
    },
    #[error("`{}`: folder `{key}={value}` does not give a valid `{field}`", path.display())]
    BadHiveKey {
        path: PathBuf,
        key: String,
        value: String,
        field: Field,
    },
    #[error("`{}` has an unsupported extension", path.display())]
    UnsupportedExtension { path: PathBuf },
    #[error("could not read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is empty", path.display())]
    EmptyFile { path: PathBuf },
    #[error("`{}` has a header but no data rows", path.display())]
    NoDataRows { path: PathBuf },
    #[error("`{}`: every one of its {rows} data rows has a defect", path.display())]
    AllRowsRejected { path: PathBuf, rows: usize },
    #[error("`{}`, line 1: the header is not UTF-8 text", path.display())]
    HeaderNotUtf8 { path: PathBuf },
    #[error("`{}`: {}", path.display(), describe_header_problem(problem))]
    Header {
        path: PathBuf,
        problem: HeaderProblem,
        found: Vec<String>,
    },
    #[error("`{}`: column `{column}` has type {dtype}, which cannot hold {field}", path.display())]
    ColumnType {
        path: PathBuf,
        column: String,
        field: Field,
        dtype: String,
    },
    #[error("could not read `{}` as {format}", path.display())]
    Unreadable {
        path: PathBuf,
        format: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("`{}` has {} defect{}:\n{report}", report.file.display(), report.defects.len(), if report.defects.len() == 1 { "" } else { "s" })]
    Invalid { report: DefectReport },
}

fn describe_header_problem(p: &HeaderProblem) -> String {
    match p {
        HeaderProblem::Missing(fields) => {
            let names: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
            format!("required column {} not found", names.join(", "))
        }
        HeaderProblem::MappedHeaderAbsent { field, header } => {
            format!("column `{field}` is mapped to header {header:?}, which the file does not have")
        }
        HeaderProblem::Ambiguous { field, headers } => format!(
            "both {:?} and {:?} could be `{field}`",
            headers[0], headers[1]
        ),
        HeaderProblem::ChannelTwice { header, given } => format!(
            "--channel {given:?} names the channel of every row, but the file has a channel column {header:?}"
        ),
    }
}

impl LoadError {
    /// What the user can do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            LoadError::MissingFile { .. } => "check the path, or set `data` in acqplan.toml".into(),
            LoadError::EmptyFolder { .. } => {
                "a history folder holds the history as .parquet files, e.g. month=2026-03/part-0.parquet (`acqplan gen --parquet-dir DIR` writes one); or pass a single .csv/.parquet/.xlsx file".into()
            }
            LoadError::ForeignFileInFolder { .. } => {
                "convert it to Parquet, move it out of the folder, or rename it to start with `_` to mark it as not part of the history".into()
            }
            LoadError::PartitionMismatch { field, .. } => format!(
                "every partition of a folder must have the same required columns; add `{field}` to this file (or put it in the path as `{field}=…/`), or map its header with --column {field}=HEADER"
            ),
            LoadError::BadHiveKey { field, .. } => match field.kind() {
                Kind::Date => "write the folder as date=YYYY-MM-DD".into(),
                _ => "rename the folder, or map the column with --column".into(),
            },
            LoadError::UnsupportedExtension { .. } => {
                "acqplan reads .csv, .tsv, .txt (comma or tab separated), .parquet and .xlsx".into()
            }
            LoadError::EmptyFile { .. } | LoadError::NoDataRows { .. } => {
                "export the campaign history again: one row per date × room × channel under a header row".into()
            }
            LoadError::AllRowsRejected { .. } => {
                "run without --skip-bad-rows to see each defect".into()
            }
            LoadError::HeaderNotUtf8 { .. } => {
                "save the file as UTF-8 (consoles often export GBK: re-save with `UTF-8` encoding)".into()
            }
            LoadError::Header { problem, found, .. } => {
                let found = found.iter().map(|h| format!("{h:?}")).collect::<Vec<_>>().join(", ");
                match problem {
                    HeaderProblem::Missing(fields) => {
                        let tried: Vec<String> = fields
                            .iter()
                            .map(|f| format!("`{f}` ← {}", f.aliases().join(" / ")))
                            .collect();
                        format!(
                            "headers found: {found}. Aliases tried: {}. Map yours with --column NAME=HEADER (e.g. --column spend=总花费) or a [columns] table in acqplan.toml",
                            tried.join("; ")
                        )
                    }
                    HeaderProblem::MappedHeaderAbsent { .. } => {
                        format!("headers found: {found}; fix the --column flag or the [columns] table")
                    }
                    HeaderProblem::Ambiguous { field, headers } => format!(
                        "say which one with --column {field}={:?}",
                        headers[0]
                    ),
                    HeaderProblem::ChannelTwice { .. } => "--channel (or `[data] channel`) is for a single console's export without a channel column; drop it for this file, whose rows name their channels (acqplan does not relabel them: two channels would be fitted as one)".into(),
                }
            }
            LoadError::ColumnType { field, .. } => match field.kind() {
                Kind::Number => format!(
                    "store `{field}` as a number column (integer or float); in a folder of Parquet files every partition must, even where one file alone could be text"
                ),
                Kind::Date => format!(
                    "store `{field}` as a Parquet date or timestamp column"
                ),
                Kind::Text => "store it as a text or number column".into(),
            },
            LoadError::Unreadable { .. } => "check that the file is not truncated and opens in its own program".into(),
            LoadError::Invalid { .. } => {
                "fix the rows above, or pass --skip-bad-rows to go on without them (they are written to rejected_rows.csv)".into()
            }
            LoadError::Io { .. } => return None,
        })
    }
}

/// The formats acqplan reads, chosen by extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Csv,
    Parquet,
    Xlsx,
}

fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Some(Format::Csv),
        "parquet" | "pq" => Some(Format::Parquet),
        "xlsx" | "xlsm" => Some(Format::Xlsx),
        _ => None,
    }
}

/// Load and validate history from `path`: a file, or a folder of Parquet
/// files (hive-partitioned or not) read with polars' streaming engine and
/// summed to daily rows (see [`Partitioned`]).
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    if !path.exists() {
        return Err(LoadError::MissingFile { path: path.into() });
    }
    let mut loaded = if partitioned::is_partitioned(path) {
        partitioned::load(path, opts)?
    } else {
        load_file(path, opts)?
    };
    loaded.data = loaded.data.with_declared(opts.declared);
    Ok(loaded)
}

fn load_file(path: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let format =
        format_of(path).ok_or_else(|| LoadError::UnsupportedExtension { path: path.into() })?;
    match format {
        Format::Csv => {
            let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
                path: path.into(),
                source,
            })?;
            load_csv_bytes(path, &bytes, opts)
        }
        Format::Parquet => parquet::load(path, opts),
        Format::Xlsx => xlsx::load(path, opts),
    }
}

/// Size in bytes and BLAKE3 (hex) of a folder's Parquet files, for the
/// run manifest: the hash covers each file's relative path and bytes, in
/// path order.
pub fn hash_folder(dir: &Path) -> Result<(u64, String), LoadError> {
    partitioned::hash(dir)
}

/// The `.parquet` files a history folder holds, in the order they are read.
pub fn parquet_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    partitioned::discover(dir)
}

/// Load CSV from bytes already in memory; `path` names them in messages.
pub fn load_csv_bytes(path: &Path, bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let mut loaded = csv::load(path, bytes, opts)?;
    loaded.data = loaded.data.with_declared(opts.declared);
    Ok(loaded)
}

/// Resolve headers, mapping a problem to [`LoadError::Header`].
fn resolve_headers(
    path: &Path,
    headers: Vec<String>,
    opts: &LoadOptions,
) -> Result<Resolved, LoadError> {
    crate::contract::aliases::resolve_with_channel(&headers, &opts.columns, opts.channel.as_deref())
        .map_err(|problem| LoadError::Header {
            path: path.into(),
            problem,
            found: headers,
        })
}

/// Turn a filled builder into the result, applying the skip policy.
fn finish(
    path: &Path,
    kind: SourceKind,
    mut builder: Builder<'_>,
    rows_read: usize,
    opts: &LoadOptions,
) -> Result<Loaded, LoadError> {
    if rows_read == 0 {
        return Err(LoadError::NoDataRows { path: path.into() });
    }
    let has_room = builder.has_room_column();
    let total_rows = std::mem::take(&mut builder.total_rows);
    let empty_cells = std::mem::take(&mut builder.empty_cells);
    let sub_daily_merged = builder.sub_daily_merged;
    if !builder.defects.is_empty() && !opts.skip_bad_rows {
        return Err(LoadError::Invalid {
            report: DefectReport {
                file: path.into(),
                kind,
                defects: builder.defects,
            },
        });
    }
    if builder.len() == 0 {
        return Err(LoadError::AllRowsRejected {
            path: path.into(),
            rows: rows_read,
        });
    }
    let (frame, _defects, rejected) = builder.finish().map_err(|e| LoadError::Unreadable {
        path: path.into(),
        format: "a table",
        source: Box::new(e),
    })?;
    Ok(Loaded {
        data: ValidatedData::new(frame, path.into(), has_room),
        kind,
        rejected,
        rows_read,
        partitioned: None,
        total_rows,
        folder_total_rows: Vec::new(),
        empty_cells,
        sub_daily_merged,
    })
}

#[cfg(test)]
mod fuzz_tests;
