//! Parquet history, read with polars. Typed columns are taken as they are;
//! text columns go through the same cell parser as CSV.

use std::path::Path;

use polars::prelude::*;

use super::cell::Cell;
use super::columns::{Field, Kind};
use super::{LoadError, LoadOptions, Loaded, finish, resolve_headers};
use crate::validate::{Builder, SourceKind};

/// One column's values, in the form the cell reader wants.
enum Values {
    Number(Vec<Option<f64>>),
    Day(Vec<Option<i32>>),
    Text(Vec<Option<String>>),
    Absent,
}

impl Values {
    fn cell(&self, row: usize) -> Cell<'_> {
        match self {
            Values::Number(v) => v[row].map_or(Cell::Empty, Cell::Number),
            Values::Day(v) => v[row].map_or(Cell::Empty, Cell::Date),
            Values::Text(v) => match v[row].as_deref() {
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
            Values::Text(v) => v[row].clone().unwrap_or_default(),
            Values::Absent => String::new(),
        }
    }
}

fn values_of(path: &Path, col: &Column, field: Option<Field>) -> Result<Values, LoadError> {
    let bad_type = || LoadError::ColumnType {
        path: path.into(),
        column: col.name().to_string(),
        field: field.unwrap_or(Field::Channel),
        dtype: col.dtype().to_string(),
    };
    let dtype = col.dtype();
    let want = field.map(Field::kind);
    let v = if dtype.is_primitive_numeric() && want == Some(Kind::Number) {
        let c = col.cast(&DataType::Float64).map_err(|_| bad_type())?;
        Values::Number(c.f64().map_err(|_| bad_type())?.iter().collect())
    } else if matches!(dtype, DataType::Date) {
        let c = col.cast(&DataType::Int32).map_err(|_| bad_type())?;
        Values::Day(c.i32().map_err(|_| bad_type())?.iter().collect())
    } else {
        let c = col.cast(&DataType::String).map_err(|_| bad_type())?;
        let ca = c.str().map_err(|_| bad_type())?;
        Values::Text(ca.iter().map(|o| o.map(str::to_string)).collect())
    };
    Ok(v)
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
    let mut columns = Vec::with_capacity(df.width());
    for (i, col) in df.columns().iter().enumerate() {
        let field = resolved
            .index
            .iter()
            .find(|&(_, &j)| j == i)
            .map(|(&f, _)| f);
        columns.push(match field {
            Some(_) => values_of(path, col, field)?,
            None => Values::Absent,
        });
    }
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
