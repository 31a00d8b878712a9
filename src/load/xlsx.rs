//! .xlsx history as ad consoles export it: the first sheet, header in its
//! first row.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use super::{LoadError, LoadOptions, Loaded, finish, resolve_headers};
use crate::contract::calendar::days_from_civil;
use crate::contract::{Cell, Field};
use crate::validate::{Builder, SourceKind};

fn unreadable(path: &Path, e: calamine::Error) -> LoadError {
    LoadError::Unreadable {
        path: path.into(),
        format: "an .xlsx workbook",
        source: Box::new(e),
    }
}

fn text_of(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::Error(e) => e.to_string(),
    }
}

/// A typed date-time with a time of day as the row reader reads a date
/// cell with a time (`2026-11-01 13:00:00`), so an hourly sheet is summed
/// to days by the same rule as hourly text; `None` for other cells.
fn stamp_text(d: &Data) -> Option<String> {
    match d {
        Data::DateTime(dt) if dt.is_datetime() => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
        _ => None,
    }
}

/// Whether a cell is a typed date-time off midnight (a time of day).
fn has_time_of_day(d: &Data) -> bool {
    matches!(d, Data::DateTime(dt) if dt.is_datetime() && dt.as_f64().fract() != 0.0)
}

fn cell_of<'a>(d: &'a Data, scratch: &'a [Option<String>], i: usize) -> Cell<'a> {
    if let Some(Some(text)) = scratch.get(i)
        && matches!(d, Data::DateTime(_))
    {
        return Cell::Text(text);
    }
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            if s.trim().is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s)
            }
        }
        Data::Int(v) => Cell::Number(*v as f64),
        Data::Float(v) => Cell::Number(*v),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if dt.is_datetime() => {
                use chrono::Datelike;
                Cell::Date(days_from_civil(t.year(), t.month(), t.day()))
            }
            _ => Cell::Number(dt.as_f64()),
        },
        Data::Bool(_) | Data::Error(_) => Cell::Text(scratch[i].as_deref().unwrap_or("")),
    }
}

pub(super) fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let mut book = open_workbook_auto(path).map_err(|e| unreadable(path, e))?;
    let sheet = book.sheet_names().first().cloned().unwrap_or_default();
    let range = match book.worksheet_range_at(0) {
        Some(r) => r.map_err(|e| unreadable(path, e))?,
        None => return Err(LoadError::EmptyFile { path: path.into() }),
    };
    let Some((first_row, first_col)) = range.start() else {
        return Err(LoadError::EmptyFile { path: path.into() });
    };
    let mut rows = range.rows();
    let Some(header_row) = rows.next() else {
        return Err(LoadError::EmptyFile { path: path.into() });
    };
    // Headers keyed by the sheet's own column positions (A = 0), so that
    // messages name the column a user sees.
    let offset = first_col as usize;
    let mut headers = vec![String::new(); offset];
    headers.extend(header_row.iter().map(|d| text_of(d).trim().to_string()));
    if headers.iter().all(|h| h.is_empty()) {
        return Err(LoadError::EmptyFile { path: path.into() });
    }
    let resolved = resolve_headers(path, headers, opts)?;
    let mut builder = Builder::new(&resolved, opts.declared);
    let mut rows_read = 0;
    // Typed date-times: when any date cell carries a time of day, the
    // sheet is hourly and every date-time (midnight included) is read with
    // its time, as hourly text dates are; otherwise as days.
    let date_col = resolved
        .get(Field::Date)
        .and_then(|i| i.checked_sub(offset));
    let timed = date_col.is_some_and(|j| {
        range
            .rows()
            .skip(1)
            .any(|row| row.get(j).is_some_and(has_time_of_day))
    });
    for (k, row) in rows.enumerate() {
        if row
            .iter()
            .all(|d| matches!(d, Data::Empty) || text_of(d).trim().is_empty())
        {
            continue;
        }
        rows_read += 1;
        let line = first_row as u64 + k as u64 + 2;
        let scratch: Vec<Option<String>> = row
            .iter()
            .enumerate()
            .map(|(j, d)| match d {
                Data::Bool(_) | Data::Error(_) => Some(text_of(d)),
                Data::DateTime(_) if timed && Some(j) == date_col => stamp_text(d),
                _ => None,
            })
            .collect();
        let raw = || {
            row.iter()
                .map(|d| {
                    let t = text_of(d);
                    if t.contains([',', '"', '\n']) {
                        format!("\"{}\"", t.replace('"', "\"\""))
                    } else {
                        t
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let cell = |i: usize| match i.checked_sub(offset).and_then(|j| row.get(j)) {
            Some(d) => cell_of(d, &scratch, i - offset),
            None => Cell::Empty,
        };
        builder.push(line, cell, raw);
    }
    finish(path, SourceKind::Xlsx { sheet }, builder, rows_read, opts)
}
