//! Parquet history, read with polars. Typed columns are taken as they are;
//! text columns go through the same cell parser as CSV.

use std::path::Path;

use polars::prelude::*;

use super::cell::Cell;
use super::columns::{Field, Kind};
use super::{LoadError, LoadOptions, Loaded, finish, resolve_headers};
use crate::validate::{Builder, SourceKind};

/// One column's values, in the form the cell reader wants.
enum Values<'a> {
    Number(Vec<Option<f64>>),
    Day(Vec<Option<i32>>),
    Text(Vec<Option<&'a str>>),
    Absent,
}

impl Values<'_> {
    fn cell(&self, row: usize) -> Cell<'_> {
        match self {
            Values::Number(v) => v[row].map_or(Cell::Empty, Cell::Number),
            Values::Day(v) => v[row].map_or(Cell::Empty, Cell::Date),
            Values::Text(v) => match v[row] {
                Some(t) if !t.trim().is_empty() => Cell::Text(t),
                _ => Cell::Empty,
            },
            Values::Absent => Cell::Empty,
        }
    }

    fn shown(&self, row: usize) -> String {
        match self {
            Values::Number(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            Values::Day(v) => v[row].map(super::cell::format_date).unwrap_or_default(),
            Values::Text(v) => v[row].unwrap_or_default().to_string(),
            Values::Absent => String::new(),
        }
    }
}

/// Cast a column to the type its field is read from: Float64 for numbers,
/// Int32 days for dates, String for everything else.
fn cast_for(path: &Path, col: &Column, field: Field) -> Result<Column, LoadError> {
    let bad_type = |_| LoadError::ColumnType {
        path: path.into(),
        column: col.name().to_string(),
        field,
        dtype: col.dtype().to_string(),
    };
    let dtype = col.dtype();
    if dtype.is_primitive_numeric() && field.kind() == Kind::Number {
        col.cast(&DataType::Float64).map_err(bad_type)
    } else if matches!(dtype, DataType::Date) {
        col.cast(&DataType::Int32).map_err(bad_type)
    } else {
        col.cast(&DataType::String).map_err(bad_type)
    }
}

fn values_of(col: &Column) -> Values<'_> {
    match col.dtype() {
        DataType::Float64 => {
            Values::Number(col.f64().map(|c| c.iter().collect()).unwrap_or_default())
        }
        DataType::Int32 => Values::Day(col.i32().map(|c| c.iter().collect()).unwrap_or_default()),
        _ => match col.str() {
            Ok(c) => Values::Text(c.iter().collect()),
            Err(_) => Values::Absent,
        },
    }
}

pub(super) fn load(path: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let file = std::fs::File::open(path).map_err(|source| LoadError::Io {
        path: path.into(),
        source,
    })?;
    if file.metadata().map(|m| m.len() == 0).unwrap_or(false) {
        return Err(LoadError::EmptyFile { path: path.into() });
    }
    let df = ParquetReader::new(file)
        .finish()
        .map_err(|e| LoadError::Unreadable {
            path: path.into(),
            format: "Parquet",
            source: Box::new(e),
        })?;
    if df.width() == 0 {
        return Err(LoadError::EmptyFile { path: path.into() });
    }
    let headers: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let resolved = resolve_headers(path, headers, opts)?;
    let mut cast = Vec::with_capacity(df.width());
    for (i, col) in df.columns().iter().enumerate() {
        let field = resolved
            .index
            .iter()
            .find(|&(_, &j)| j == i)
            .map(|(&f, _)| f);
        cast.push(match field {
            Some(f) => Some(cast_for(path, col, f)?.rechunk()),
            None => None,
        });
    }
    let columns: Vec<Values> = cast
        .iter()
        .map(|c| c.as_ref().map_or(Values::Absent, values_of))
        .collect();
    let mut builder = Builder::new(&resolved);
    let n = df.height();
    for row in 0..n {
        let raw = || {
            columns
                .iter()
                .map(|c| c.shown(row))
                .collect::<Vec<_>>()
                .join(",")
        };
        builder.push(row as u64 + 1, |i| columns[i].cell(row), raw);
    }
    finish(path, SourceKind::Parquet, builder, n, opts)
}
