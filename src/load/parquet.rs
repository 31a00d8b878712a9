//! Parquet history, read with polars. Typed columns are taken as they are;
//! text columns go through the same cell parser as CSV.

use std::path::Path;

use polars::prelude::*;

use super::{LoadError, LoadOptions, Loaded, finish, resolve_headers};
use crate::contract::calendar::{day_of_stamp, format_date, is_supported};
use crate::contract::row::{rewritten_in, total_row_in};
use crate::contract::{Cell, Declared, Field, Kind, Resolved};
use crate::validate::{
    Builder, ColumnRef, Defect, EmptyCells, ONE_ROOM, Problem, SourceKind, ValidatedData,
};

/// One column's values, in the form the cell reader wants.
enum Values<'a> {
    Number(Vec<Option<f64>>),
    Day(Vec<Option<i32>>),
    Text(Vec<Option<&'a str>>),
    /// A Datetime column read as text, but for the stamps outside the
    /// supported years: their days (see [`stamps_outside`]).
    Stamp {
        text: Vec<Option<&'a str>>,
        outside: Vec<Option<i32>>,
    },
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
            Values::Stamp { text, outside } => match (outside[row], text[row]) {
                (Some(d), _) => Cell::Date(d),
                (None, Some(t)) if !t.trim().is_empty() => Cell::Text(t),
                _ => Cell::Empty,
            },
            Values::Absent => Cell::Empty,
        }
    }

    fn shown(&self, row: usize) -> String {
        match self {
            Values::Number(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            Values::Day(v) => v[row].map(format_date).unwrap_or_default(),
            Values::Text(v) => v[row].unwrap_or_default().to_string(),
            Values::Stamp { text, outside } => match outside[row] {
                Some(d) => format_date(d),
                None => text[row].unwrap_or_default().to_string(),
            },
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
    } else if let (DataType::Datetime(unit, tz), Some(outside)) = (dtype, stamps_outside(col)) {
        // Stamps outside the supported years are left out of the text (polars
        // cannot format the most extreme ones) and read as days instead.
        let kept: Int64Chunked = col
            .cast(&DataType::Int64)
            .map_err(bad_type)?
            .i64()
            .map_err(bad_type)?
            .iter()
            .zip(&outside)
            .map(|(v, o)| v.filter(|_| o.is_none()))
            .collect();
        kept.with_name(col.name().clone())
            .into_datetime(*unit, tz.clone())
            .into_series()
            .into_column()
            .cast(&DataType::String)
            .map_err(bad_type)
    } else {
        col.cast(&DataType::String).map_err(bad_type)
    }
}

/// The days of a Datetime column's stamps that fall outside the supported
/// years (`None` for the others); `None` for another type, or when every
/// stamp is in range.
fn stamps_outside(col: &Column) -> Option<Vec<Option<i32>>> {
    let DataType::Datetime(unit, _) = col.dtype() else {
        return None;
    };
    let physical = col.cast(&DataType::Int64).ok()?;
    let days: Vec<Option<i32>> = physical
        .i64()
        .ok()?
        .iter()
        .map(|v| {
            v.map(|v| day_of_stamp(v, *unit))
                .filter(|&d| !is_supported(d))
        })
        .collect();
    days.iter().any(Option::is_some).then_some(days)
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

/// Null cells of the optional number columns, as the row reader reports
/// them (rows counted from 1, in file order).
fn empty_optional_cells(resolved: &Resolved, cast: &[Option<Column>]) -> EmptyCells {
    let mut out = EmptyCells::default();
    let cols: Vec<(Field, usize, &Float64Chunked)> = Field::OPTIONAL_NUMBERS
        .into_iter()
        .filter_map(|f| {
            let i = resolved.get(f)?;
            let c = cast[i].as_ref()?;
            (c.null_count() > 0).then_some(())?;
            Some((f, i, c.f64().ok()?))
        })
        .collect();
    let Some(n) = cols.first().map(|c| c.2.len()) else {
        return out;
    };
    for row in 0..n {
        if out.first.len() >= EmptyCells::SHOWN {
            break;
        }
        for &(f, i, c) in &cols {
            if c.get(row).is_none() && out.first.len() < EmptyCells::SHOWN {
                out.first.push(Defect {
                    line: row as u64 + 1,
                    column: Some(ColumnRef {
                        index: i,
                        header: resolved.headers[i].clone(),
                        field: f,
                    }),
                    value: None,
                    problem: Problem::Empty,
                });
            }
        }
    }
    for &(f, _, c) in &cols {
        out.counts.insert(f, c.null_count());
    }
    out
}

/// Take a typed Parquet file as it stands when every cell provably passes
/// validation: dates typed as Date, numbers typed numeric, every value
/// keeping the contract's rules ([`crate::contract::row`]: required cells
/// present, numbers finite and ≥ 0, dates in the supported years, names not
/// blank), nothing the row reader would rewrite, (date, room, channel) unique.
/// Returns `None` whenever it cannot prove that; the caller then runs the
/// row-by-row reader, which names each defect. So the two paths never
/// disagree on what is accepted.
pub(super) fn clean_frame(
    df: &DataFrame,
    resolved: &Resolved,
    cast: &[Option<Column>],
    declared: Declared,
) -> PolarsResult<Option<DataFrame>> {
    let n = df.height();
    let original = |f: Field| resolved.get(f).map(|i| &df.columns()[i]);
    let casted = |f: Field| resolved.get(f).and_then(|i| cast[i].as_ref());
    if n == 0
        || !matches!(
            original(Field::Date).map(Column::dtype),
            Some(DataType::Date)
        )
    {
        return Ok(None);
    }
    // Types the values can be taken from as they stand: numbers stored as
    // numbers, names as text.
    for f in Field::ALL {
        let (Some(orig), Some(c)) = (original(f), casted(f)) else {
            continue;
        };
        let typed = match f.kind() {
            Kind::Date => true,
            Kind::Number => orig.dtype().is_primitive_numeric(),
            Kind::Text => matches!(c.dtype(), DataType::String),
        };
        if !typed {
            return Ok(None);
        }
    }
    // Every value keeps the contract's rules, and none would be rewritten
    // (trimmed, -0.0) or is a console's total row.
    let mut values = Vec::new();
    let mut refused = Vec::new();
    let mut present = Vec::new();
    for f in Field::ALL {
        let Some(c) = casted(f) else { continue };
        values.push(c.clone().with_name(f.name().into()));
        present.push(f);
        let v = col(f.name());
        refused.push(f.broken_in(v.clone(), f.rules_under(declared).iter().copied()));
        refused.push(rewritten_in(v.clone(), f.kind()));
    }
    refused.push(total_row_in(present));
    let refused = refused.into_iter().reduce(Expr::or).unwrap_or(lit(false));
    let any_refused = DataFrame::new(n, values)?
        .lazy()
        .select([refused.alias("refused")])
        .collect()?;
    if any_refused.column("refused")?.bool()?.any() {
        return Ok(None);
    }
    let date = casted(Field::Date).expect("date is required");
    let room = match casted(Field::Room) {
        Some(c) => c.clone(),
        None => StringChunked::full("room".into(), ONE_ROOM, n)
            .into_series()
            .into_column(),
    };
    let channel = match &resolved.fixed_channel {
        Some(name) => StringChunked::full("channel".into(), name, n)
            .into_series()
            .into_column(),
        None => casted(Field::Channel).expect("channel is required").clone(),
    };
    let keys = DataFrame::new(
        n,
        vec![
            date.clone().with_name("date".into()),
            room.clone().with_name("room".into()),
            channel.clone().with_name("channel".into()),
        ],
    )?;
    let most = keys
        .lazy()
        .group_by([col("date"), col("room"), col("channel")])
        .agg([len().alias("n")])
        .select([col("n").max()])
        .collect()?;
    if most.column("n")?.get(0)?.extract::<u64>().unwrap_or(0) > 1 {
        return Ok(None);
    }
    let mut cols = vec![
        Column::new("line".into(), (1..=n as u64).collect::<Vec<u64>>()),
        date.i32()?
            .clone()
            .into_date()
            .into_series()
            .into_column()
            .with_name("date".into()),
        room.with_name("room".into()),
        channel.with_name("channel".into()),
    ];
    for f in [Field::Spend, Field::Viewers, Field::Campaign]
        .into_iter()
        .chain(Field::OPTIONAL_NUMBERS)
    {
        if let Some(c) = casted(f) {
            cols.push(c.clone().with_name(f.name().into()));
        }
    }
    Ok(Some(DataFrame::new(n, cols)?))
}

/// Every mapped column cast for reading (`None` for unmapped ones).
fn cast_all(
    path: &Path,
    df: &DataFrame,
    resolved: &Resolved,
) -> Result<Vec<Option<Column>>, LoadError> {
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
    Ok(cast)
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
    let cast = cast_all(path, &df, &resolved)?;
    // Not provably clean (or the check itself failed): read row by row below.
    if let Ok(Some(frame)) = clean_frame(&df, &resolved, &cast, opts.declared) {
        let empty_cells = empty_optional_cells(&resolved, &cast);
        return Ok(Loaded {
            data: ValidatedData::new(frame, path.into(), resolved.get(Field::Room).is_some()),
            kind: SourceKind::Parquet,
            rejected: Vec::new(),
            rows_read: df.height(),
            partitioned: None,
            total_rows: Vec::new(),
            folder_total_rows: Vec::new(),
            empty_cells,
            sub_daily_merged: 0,
        });
    }
    let columns: Vec<Values> = cast
        .iter()
        .zip(df.columns())
        .map(
            |(c, orig)| match (c, c.as_ref().and_then(|_| stamps_outside(orig))) {
                (Some(c), Some(outside)) => Values::Stamp {
                    text: c.str().map(|c| c.iter().collect()).unwrap_or_default(),
                    outside,
                },
                (Some(c), None) => values_of(c),
                (None, _) => Values::Absent,
            },
        )
        .collect();
    let mut builder = Builder::new(&resolved, opts.declared);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{LoadError, load};
    use crate::validate::Problem;

    fn write(df: &mut DataFrame) -> tempfile::TempPath {
        let file = tempfile::Builder::new()
            .suffix(".parquet")
            .tempfile()
            .unwrap();
        ParquetWriter::new(file.as_file()).finish(df).unwrap();
        file.into_temp_path()
    }

    fn frame(spend: Vec<f64>, rooms: Vec<&str>) -> DataFrame {
        let n = spend.len();
        let days: Vec<i32> = (0..n as i32).map(|i| 20_000 + i / 2).collect();
        DataFrame::new(
            n,
            vec![
                Int32Chunked::from_vec("日期".into(), days)
                    .into_date()
                    .into_series()
                    .into_column(),
                Column::new("直播间".into(), rooms),
                Column::new(
                    "channel".into(),
                    (0..n)
                        .map(|i| if i % 2 == 0 { "a" } else { "b" })
                        .collect::<Vec<_>>(),
                ),
                Column::new("spend".into(), spend),
                Column::new(
                    "viewers".into(),
                    (0..n as i64).map(|i| 10 * i).collect::<Vec<i64>>(),
                ),
            ],
        )
        .unwrap()
    }

    #[test]
    fn clean_typed_file_takes_the_fast_path_and_matches_the_row_path() {
        let mut df = frame(vec![1.0, 2.5, 3.0, 0.0], vec!["r1"; 4]);
        let path = write(&mut df);
        let takes_fast_path = |df: &DataFrame| {
            let headers: Vec<String> = df
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .collect();
            let resolved = crate::contract::resolve(&headers, &Default::default()).unwrap();
            let cast = cast_all(Path::new("x"), df, &resolved).unwrap();
            clean_frame(df, &resolved, &cast, Declared::default())
                .unwrap()
                .is_some()
        };
        let fast = load(&path, &LoadOptions::default()).unwrap();
        // The same rows through the row reader (a text room makes the fast
        // path refuse: a leading space must be trimmed).
        let mut df2 = frame(vec![1.0, 2.5, 3.0, 0.0], vec![" r1"; 4]);
        let path2 = write(&mut df2);
        assert!(takes_fast_path(&df));
        assert!(!takes_fast_path(&df2));
        let slow = load(&path2, &LoadOptions::default()).unwrap();
        assert!(
            fast.data.frame().equals_missing(slow.data.frame()),
            "{}\n{}",
            fast.data.frame(),
            slow.data.frame()
        );
        let lines: Vec<u64> = fast
            .data
            .frame()
            .column("line")
            .unwrap()
            .u64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(lines, vec![1, 2, 3, 4]);
    }

    #[test]
    fn defects_in_typed_files_are_named_by_row() {
        let mut df = frame(vec![1.0, -2.0, f64::NAN, 4.0], vec!["r1"; 4]);
        let path = write(&mut df);
        let Err(LoadError::Invalid { report }) = load(&path, &LoadOptions::default()) else {
            panic!("expected defects")
        };
        let got: Vec<(u64, &Problem)> = report
            .defects
            .iter()
            .map(|d| (d.line, &d.problem))
            .collect();
        assert_eq!(got, vec![(2, &Problem::Negative), (3, &Problem::NotFinite)]);
        assert_eq!(report.defects[0].column.as_ref().unwrap().header, "spend");
    }

    #[test]
    fn duplicate_keys_in_typed_files_are_found() {
        let mut df = frame(vec![1.0, 2.0, 3.0, 4.0], vec!["r1"; 4]);
        // Rows 3 and 4 on the same day as rows 1 and 2 with the same channels.
        let days =
            Int32Chunked::from_vec("日期".into(), vec![20_000, 20_000, 20_000, 20_001]).into_date();
        df.replace("日期", days.into_series().into_column())
            .unwrap();
        let path = write(&mut df);
        let Err(LoadError::Invalid { report }) = load(&path, &LoadOptions::default()) else {
            panic!("expected a duplicate")
        };
        assert_eq!(report.defects.len(), 1);
        assert_eq!(report.defects[0].line, 3);
        assert_eq!(
            report.defects[0].problem,
            Problem::DuplicateKey { first_line: 1 }
        );
    }

    /// The defects of a load, as (row, problem, value).
    fn defects(path: &Path, opts: &LoadOptions) -> (Vec<(u64, Problem, String)>, String) {
        let Err(LoadError::Invalid { report }) = load(path, opts) else {
            panic!("expected defects")
        };
        let got = report
            .defects
            .iter()
            .map(|d| {
                (
                    d.line,
                    d.problem.clone(),
                    d.value.clone().unwrap_or_default(),
                )
            })
            .collect();
        (got, report.to_string())
    }

    /// Typed dates outside the supported years are defects naming the row
    /// and column, as text dates are: not taken by the fast path, and no
    /// overflow or panic at the ends of the types (Date days and Datetime
    /// stamps at i32/i64 MIN and MAX).
    #[test]
    fn typed_dates_outside_the_supported_years_are_defects() {
        use crate::contract::calendar::{FIRST_DAY, LAST_DAY, days_from_civil};
        let out = Problem::DateOutOfRange;
        let mut df = frame(vec![1.0, 2.0, 3.0, 4.0], vec!["r1"; 4]);
        let days = Int32Chunked::from_vec(
            "日期".into(),
            vec![20_000, i32::MAX, FIRST_DAY - 1, i32::MIN],
        );
        df.replace("日期", days.into_date().into_series().into_column())
            .unwrap();
        let path = write(&mut df);
        let (got, text) = defects(&path, &LoadOptions::default());
        assert_eq!(
            got,
            vec![
                (2, out.clone(), "5881580-07-11".into()),
                (3, out.clone(), "1899-12-31".into()),
                (4, out.clone(), "-5877641-06-23".into()),
            ]
        );
        assert!(
            text.contains(
                "row 2, column 1 `日期`: 5881580-07-11 is outside the supported years 1900–2200\n  hint: acqplan reads days from 1900-01-01 to 2200-12-31"
            ),
            "{text}"
        );
        // The first and last supported days load, on the fast path.
        let days = Int32Chunked::from_vec(
            "日期".into(),
            vec![FIRST_DAY, FIRST_DAY, LAST_DAY, LAST_DAY],
        );
        df.replace("日期", days.into_date().into_series().into_column())
            .unwrap();
        let edges = write(&mut df);
        assert_eq!(load(&edges, &LoadOptions::default()).unwrap().data.len(), 4);
        // Under --skip-bad-rows the good row stays.
        let skip = LoadOptions {
            skip_bad_rows: true,
            ..LoadOptions::default()
        };
        let l = load(&path, &skip).unwrap();
        assert_eq!((l.data.len(), l.rejected.len()), (1, 3));

        // Datetime stamps (read through their text, hours and all).
        let day_ms = 86_400_000i64;
        for unit in [TimeUnit::Milliseconds, TimeUnit::Nanoseconds] {
            let per_ms = if unit == TimeUnit::Nanoseconds {
                1_000_000
            } else {
                1
            };
            let stamps = vec![
                (20_000 * day_ms + 13 * 3_600_000) * per_ms,
                i64::MAX,
                i64::MIN,
                days_from_civil(2201, 1, 1) as i64 * day_ms * per_ms,
            ];
            let stamps = Int64Chunked::from_vec("日期".into(), stamps).into_datetime(unit, None);
            df.replace("日期", stamps.into_series().into_column())
                .unwrap();
            let path = write(&mut df);
            let (got, _) = defects(&path, &LoadOptions::default());
            let (max, min) = if unit == TimeUnit::Nanoseconds {
                ("2262-04-11", "1677-09-21")
            } else {
                ("5881580-07-11", "-5877641-06-23")
            };
            assert_eq!(
                got,
                vec![
                    (2, out.clone(), max.into()),
                    (3, out.clone(), min.into()),
                    (4, out.clone(), "2201-01-01".into()),
                ],
                "{unit:?}"
            );
            let l = load(&path, &skip).unwrap();
            assert_eq!(l.data.len(), 1);
        }
    }
}
