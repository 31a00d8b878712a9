//! Stage 1: the history file read, checked, its period found and its bytes
//! hashed.

use std::path::{Path, PathBuf};

use super::{Message, Messages};
use crate::config::ConfigError;
use crate::contract::Field;
use crate::error::Error;
use crate::load::{LoadOptions, Loaded};
use crate::output::manifest::{InputInfo, RowCounts, hash_file};
use crate::validate::period::PeriodChoice;

/// A loaded history: every row that passed, what was left out, and the
/// input's identity for the manifest.
pub struct History {
    /// The file or folder read.
    pub path: PathBuf,
    /// The rows, with what the reader set aside.
    pub loaded: Loaded,
    /// Size and BLAKE3 of the input.
    pub input: InputInfo,
}

/// Read the history at `path`, detect (or take) its period and hash it.
/// Warnings about what was accepted but incomplete go to `messages`, also
/// when a later step fails.
pub fn load(
    path: &Path,
    options: &LoadOptions,
    period: PeriodChoice,
    messages: &mut Messages,
) -> Result<History, Error> {
    let mut loaded = crate::load::load(path, options)?;
    loaded_messages(path, &loaded, messages);
    let period =
        crate::validate::period::detect(&loaded.data, period).map_err(|problem| Error::Period {
            path: path.into(),
            problem,
        })?;
    loaded.data = loaded.data.with_period(period);
    if !period.is_daily() {
        messages.push(Message::Note(format!(
            "{}: rows are {period}; each row is read as the total of {} days (pass --period day if they are single days)",
            path.display(),
            period.days
        )));
    }
    let input = if path.is_dir() {
        let (bytes, blake3) = crate::load::hash_folder(path)?;
        InputInfo {
            path: path.into(),
            bytes,
            blake3,
        }
    } else {
        hash_file(path)?
    };
    if let Some(p) = &loaded.partitioned {
        messages.push(Message::Note(format!(
            "read {} rows from {} Parquet files in {}; summed to {} daily rows (date × room × channel)",
            p.raw_rows,
            p.files,
            path.display(),
            p.daily_rows
        )));
    }
    Ok(History {
        path: path.into(),
        loaded,
        input,
    })
}

/// What the reader accepted but left incomplete: total rows, hourly rows
/// summed, empty optional cells.
fn loaded_messages(path: &Path, loaded: &Loaded, messages: &mut Messages) {
    let line_word = match loaded.kind {
        crate::validate::SourceKind::Csv => "line",
        _ => "row",
    };
    let single =
        (!loaded.total_rows.is_empty()).then(|| (path.to_path_buf(), loaded.total_rows.clone()));
    for (file, rows) in single.iter().chain(&loaded.folder_total_rows) {
        let n = rows.len();
        let mut lines: Vec<String> = rows.iter().take(10).map(u64::to_string).collect();
        if n > 10 {
            lines.push(format!("and {} more", n - 10));
        }
        let s = if n == 1 { "" } else { "s" };
        messages.push(Message::Warning(format!(
            "`{}`: left out {n} total row{s} a console appended (合计 / Total), at {line_word}{s} {} (total rows are never summed in)",
            file.display(),
            lines.join(", ")
        )));
    }
    if loaded.sub_daily_merged > 0 {
        messages.push(Message::Note(format!(
            "{}: {} rows with a time of day summed into {} daily rows (date × room × channel)",
            path.display(),
            loaded.sub_daily_merged + loaded.data.len(),
            loaded.data.len()
        )));
    }
    for (file, d) in loaded.empty_cells.named(path) {
        let field = d.column.as_ref().map_or("?", |c| c.field.name());
        messages.push(Message::Warning(format!(
            "{}: empty `{field}` cell: the row is kept; what uses `{field}` leaves it out",
            d.place(file, &loaded.kind)
        )));
    }
    for (file, field, n) in &loaded.empty_cells.missing_columns {
        messages.push(Message::Warning(format!(
            "`{}` has no `{field}` column, which other files of {} have: its {n} row{} count as empty `{field}` cells",
            file.display(),
            path.display(),
            if *n == 1 { "" } else { "s" }
        )));
    }
    for (field, n) in &loaded.empty_cells.counts {
        messages.push(Message::Warning(format!(
            "`{}`: {n} empty `{field}` cell{} in all: {} estimated from the rows that have it",
            path.display(),
            if *n == 1 { "" } else { "s" },
            match field {
                Field::Orders => "orders per viewer is",
                Field::Gmv => "GMV per viewer is",
                _ => "screening's engagement signals are",
            }
        )));
    }
}

impl History {
    /// The horizon must be whole periods of the history (7 days on weekly
    /// rows, not 10).
    pub fn check_horizon(&self, horizon_days: usize) -> Result<(), Error> {
        let period = self.loaded.data.period();
        if horizon_days.is_multiple_of(period.days as usize) {
            return Ok(());
        }
        Err(ConfigError::HorizonNotWholePeriods {
            days: horizon_days,
            period: period.to_string(),
            period_days: period.days,
        }
        .into())
    }

    /// `rejected_rows.csv` when rows were skipped (`--skip-bad-rows`).
    pub fn rejected_rows_csv(&self) -> Option<Vec<u8>> {
        (!self.loaded.rejected.is_empty())
            .then(|| crate::report::rejected_rows_csv(&self.loaded.rejected))
    }

    /// The warning that goes with [`Self::rejected_rows_csv`], naming where
    /// the file is.
    pub fn rejected_warning(&self, file: &Path) -> Message {
        Message::Warning(format!(
            "skipped {} of {} rows with defects; each is in {}",
            self.loaded.rejected.len(),
            self.loaded.rows_read,
            file.display()
        ))
    }

    /// Row counts for the manifest (`flagged`, `used` filled by later
    /// stages).
    pub fn rows(&self) -> RowCounts {
        RowCounts {
            read: self.loaded.rows_read,
            rejected: self.loaded.rejected.len(),
            flagged: 0,
            used: None,
            total_rows_left_out: self.loaded.total_rows.len()
                + self
                    .loaded
                    .folder_total_rows
                    .iter()
                    .map(|(_, r)| r.len())
                    .sum::<usize>(),
            empty_cells: self
                .loaded
                .empty_cells
                .counts
                .iter()
                .map(|(f, n)| (f.name().to_string(), *n))
                .collect(),
        }
    }
}
