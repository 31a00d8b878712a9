//! A folder of Parquet files as one history: `--data DIR`, where DIR holds
//! `*.parquet` files, possibly hive-partitioned (`month=2026-03/part-0.parquet`).
//!
//! Built for histories larger than memory. Every file is scanned lazily
//! (each with its own header resolution and casts, so partitions may differ
//! in column order, integer widths or optional columns), the scans are
//! concatenated, and one query checks every row and sums rows finer than a
//! day (several live streams a day) to one row per date × room × channel.
//! That query runs on polars' streaming engine: raw rows flow through in
//! morsels and only the daily partial sums are held. A second streaming
//! query over the offending files names each bad row when there is one.
//!
//! What the folder contract adds to the single-file one:
//! - several rows of one date × room × channel are summed (spend, viewers,
//!   impressions, orders, gmv, comments); `avg_watch_seconds` becomes the
//!   viewer-weighted mean; an optional cell missing on any of the day's rows
//!   makes the day's value missing (never a partial sum); `campaign` is kept
//!   when all the day's rows agree, else left empty;
//! - `line` of a daily row is the data row (1-based) of its first raw row in
//!   its partition file;
//! - hive keys (`room=r1/…`) stand for a column the file lacks; keys that are
//!   not contract columns (`month=…`) are ignored;
//! - numbers must be stored as numbers and dates as Parquet dates or
//!   timestamps (a text column is a [`LoadError::ColumnType`] naming the file,
//!   or the rows that do not read as numbers).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::{Format, LoadError, LoadOptions, Loaded, Partitioned, format_of, resolve_headers};
use crate::contract::calendar::{day_of_stamp_expr, format_date};
use crate::contract::cell::{parse_date, parse_number};
use crate::contract::row::total_row_in;
use crate::contract::{Cell, Declared, Field, Kind, Resolved, Rule, Value};
use crate::validate::{
    Builder, ColumnRef, Defect, DefectReport, EmptyCells, ONE_ROOM, Problem, Rejected, SourceKind,
    ValidatedData,
};

const ROW: &str = "__acqplan_row";
const FILE: &str = "__acqplan_file";
const BAD: &str = "__acqplan_bad";
const TOTAL: &str = "__acqplan_total";

/// Where one field of one partition file comes from.
#[derive(Clone, Debug)]
enum Source {
    /// A column of the file, with its Parquet type.
    Column { name: String, dtype: DataType },
    /// A hive key of the path (`room=r1`); `None` for the default partition.
    Hive { key: String, value: Option<String> },
    /// Not in this file.
    Absent,
}

/// One Parquet file of the folder.
struct Part {
    path: PathBuf,
    resolved: Resolved,
    sources: Vec<(Field, Source)>,
}

impl Part {
    fn source(&self, f: Field) -> &Source {
        self.sources
            .iter()
            .find(|(g, _)| *g == f)
            .map_or(&Source::Absent, |(_, s)| s)
    }
}

/// Which columns the history has: a field is in the output when any
/// partition has it.
struct Shape {
    has_room: bool,
    campaign: bool,
    optional: Vec<Field>,
    /// What the user declared about the values.
    declared: Declared,
}

/// Whether a path names a folder acqplan reads as a partitioned history.
pub(super) fn is_partitioned(path: &Path) -> bool {
    path.is_dir()
}

/// Every `.parquet` file under `dir`, sorted by path. Names starting with
/// `.` or `_` (`_SUCCESS`, `_truth.json`) are metadata and skipped; another
/// table format in the folder is an error rather than silently ignored.
pub(super) fn discover(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            match format_of(&p) {
                Some(Format::Parquet) => files.push(p),
                Some(_) => return Err(LoadError::ForeignFileInFolder { path: p }),
                None => {}
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `key=value` folders between `dir` and the file.
fn hive_keys(dir: &Path, file: &Path) -> Vec<(String, Option<String>)> {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    let mut keys = Vec::new();
    if let Some(parent) = rel.parent() {
        for c in parent.components() {
            let c = c.as_os_str().to_string_lossy();
            if let Some((k, v)) = c.split_once('=') {
                let v = (v != "__HIVE_DEFAULT_PARTITION__").then(|| v.to_string());
                keys.push((k.to_string(), v));
            }
        }
    }
    keys
}

fn scan(path: &Path) -> Result<LazyFrame, LoadError> {
    let unreadable = |source: Box<dyn std::error::Error + Send + Sync>| LoadError::Unreadable {
        path: path.into(),
        format: "Parquet",
        source,
    };
    let text = path
        .to_str()
        .ok_or_else(|| unreadable("the path is not UTF-8".into()))?;
    let args = ScanArgsParquet {
        glob: false,
        hive_options: HiveOptions::new_disabled(),
        ..Default::default()
    };
    LazyFrame::scan_parquet(PlRefPath::new(text), args).map_err(|e| unreadable(Box::new(e)))
}

/// Read a file's schema (metadata only) and resolve its headers, hive keys
/// included.
fn inspect(dir: &Path, path: &Path, opts: &LoadOptions) -> Result<Part, LoadError> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return Err(LoadError::EmptyFile { path: path.into() });
    }
    let schema = scan(path)?
        .collect_schema()
        .map_err(|e| LoadError::Unreadable {
            path: path.into(),
            format: "Parquet",
            source: Box::new(e),
        })?;
    let mut headers: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let n_columns = headers.len();
    let keys = hive_keys(dir, path);
    for (k, _) in &keys {
        if !headers.contains(k) {
            headers.push(k.clone());
        }
    }
    let resolved = resolve_headers(path, headers, opts)?;
    let mut sources = Vec::new();
    for (&field, &i) in &resolved.index {
        let name = resolved.headers[i].clone();
        let source = if i < n_columns {
            let dtype = schema.get(name.as_str()).cloned().unwrap_or(DataType::Null);
            Source::Column { name, dtype }
        } else {
            let value = keys
                .iter()
                .find(|(k, _)| *k == name)
                .and_then(|(_, v)| v.clone());
            Source::Hive { key: name, value }
        };
        sources.push((field, source));
    }
    Ok(Part {
        path: path.into(),
        resolved,
        sources,
    })
}

/// A column type the streaming reader cannot take for `field`.
fn type_error(part: &Part, field: Field, name: &str, dtype: &DataType) -> LoadError {
    LoadError::ColumnType {
        path: part.path.clone(),
        column: name.into(),
        field,
        dtype: dtype.to_string(),
    }
}

fn bad_hive(part: &Part, key: &str, value: &str, field: Field) -> LoadError {
    LoadError::BadHiveKey {
        path: part.path.clone(),
        key: key.into(),
        value: value.into(),
        field,
    }
}

/// The expression giving `field` of one partition in its output type:
/// Date, String or Float64.
fn field_expr(part: &Part, field: Field) -> Result<Expr, LoadError> {
    let out = match field.kind() {
        Kind::Date => DataType::Date,
        Kind::Text => DataType::String,
        Kind::Number => DataType::Float64,
    };
    let e = match part.source(field) {
        Source::Absent if field == Field::Channel && part.resolved.fixed_channel.is_some() => {
            lit(part.resolved.fixed_channel.clone().unwrap_or_default())
        }
        Source::Absent | Source::Hive { value: None, .. } => lit(NULL).cast(out),
        Source::Hive {
            key,
            value: Some(v),
        } => match field.kind() {
            Kind::Date => {
                let day = parse_date(v).ok_or_else(|| bad_hive(part, key, v, field))?;
                lit(day).cast(DataType::Date)
            }
            Kind::Text => lit(v.trim().to_string()),
            Kind::Number => match parse_number(v) {
                Ok(x) => lit(x),
                Err(_) => return Err(bad_hive(part, key, v, field)),
            },
        },
        Source::Column { name, dtype } => {
            let c = col(name.as_str());
            match (field.kind(), dtype) {
                (_, DataType::Null) => lit(NULL).cast(out),
                (Kind::Date, DataType::Date) => c,
                (Kind::Date, DataType::Datetime(unit, _)) => day_of_stamp_expr(c, *unit),
                (Kind::Number, d) if d.is_primitive_numeric() => c.cast(DataType::Float64),
                (Kind::Text, DataType::String) => c,
                (Kind::Text, d)
                    if d.is_primitive_numeric()
                        || matches!(d, DataType::Date | DataType::Boolean) =>
                {
                    c.cast(DataType::String)
                }
                (_, d) => return Err(type_error(part, field, name, d)),
            }
        }
    };
    Ok(e.alias(field.name()))
}

/// Whether a row breaks a rule of the contract ([`crate::contract::row`]),
/// so the row reader would report it. Blank names are found on the day
/// groups instead, after aggregation (see [`trim_names`]): a group's key is
/// its rows' name, and there are far fewer groups than rows. A console's
/// total row is not a defect (it is left out before the rules, as the row
/// reader does).
fn bad_row(shape: &Shape) -> Expr {
    let mut fields = vec![Field::Date, Field::Channel];
    if shape.has_room {
        fields.push(Field::Room);
    }
    fields.extend([Field::Spend, Field::Viewers]);
    fields.extend(&shape.optional);
    fields
        .into_iter()
        .map(|f| {
            let rules = f
                .rules_under(shape.declared)
                .iter()
                .copied()
                .filter(|&r| r != Rule::NotBlank);
            f.broken_in(col(f.name()), rules)
        })
        .reduce(Expr::or)
        .expect("date is checked")
        .fill_null(lit(false))
        .and(col(TOTAL).not())
}

/// The canonical columns of one partition (row index and file index first),
/// with the defect flag.
fn part_frame(i: usize, part: &Part, shape: &Shape) -> Result<LazyFrame, LoadError> {
    let mut exprs = vec![lit(i as u32).alias(FILE), col(ROW)];
    exprs.push(field_expr(part, Field::Date)?);
    exprs.push(if shape.has_room {
        field_expr(part, Field::Room)?
    } else {
        lit(ONE_ROOM).alias("room")
    });
    for f in [Field::Channel, Field::Spend, Field::Viewers] {
        exprs.push(field_expr(part, f)?);
    }
    if shape.campaign {
        exprs.push(field_expr(part, Field::Campaign)?);
    }
    for &f in &shape.optional {
        exprs.push(field_expr(part, f)?);
    }
    // The contract's one total-row rule, over the name columns as read.
    let mut names = vec![Field::Channel];
    if shape.has_room {
        names.push(Field::Room);
    }
    Ok(scan(&part.path)?
        .with_row_index(ROW, Some(1))
        .select(exprs)
        .with_column(total_row_in(names).alias(TOTAL))
        .with_column(bad_row(shape).alias(BAD)))
}

fn nulls_name(f: Field) -> String {
    format!("__nulls_{}", f.name())
}

/// Streaming query over one partition: per date × room × channel, the sums
/// of good rows and the counts of raw and bad rows, in the order the days
/// first appear in the file.
fn partial_sums(all: LazyFrame, shape: &Shape) -> PolarsResult<DataFrame> {
    let good = col(BAD).not().and(col(TOTAL).not());
    let masked = |e: Expr| when(good.clone()).then(e).otherwise(lit(NULL));
    let mut pre = vec![
        good.clone().cast(DataType::UInt32).alias("__n"),
        col(BAD).cast(DataType::UInt32).alias("__n_bad"),
        col(TOTAL).cast(DataType::UInt32).alias("__n_total"),
        masked(col(ROW)).alias("__first"),
        masked(col("spend")).alias("spend"),
        masked(col("viewers")).alias("viewers"),
    ];
    let mut aggs = vec![
        len().alias("__raw"),
        col("__n").sum(),
        col("__n_bad").sum(),
        col("__n_total").sum(),
        col("__first").min(),
        col("spend").sum(),
        col("viewers").sum(),
    ];
    if shape.campaign {
        pre.push(masked(col("campaign")).alias("campaign"));
        aggs.push(col("campaign").min().alias("__c_min"));
        aggs.push(col("campaign").max().alias("__c_max"));
    }
    for &f in &shape.optional {
        let n = f.name();
        pre.push(
            col(n)
                .is_null()
                .and(good.clone())
                .cast(DataType::UInt32)
                .alias(nulls_name(f)),
        );
        pre.push(masked(col(n)).alias(n));
        aggs.push(col(n).sum());
        aggs.push(col(nulls_name(f)).sum());
        if f == Field::AvgWatchSeconds {
            pre.push(masked(col(n) * col("viewers")).alias("__wv"));
            aggs.push(col("__wv").sum());
            aggs.push(col(n).max().alias("__a_max"));
        }
    }
    all.with_columns(pre)
        .group_by([col(FILE), col("date"), col("room"), col("channel")])
        .agg(aggs)
        .sort(["__first"], SortMultipleOptions::default())
        .collect_with_engine(engine())
        .map(|r| r.unwrap_single())
}

/// The engine of the aggregation: streaming, one query per partition file.
/// `ACQPLAN_ENGINE=in-memory` instead runs one query over all files on
/// polars' in-memory engine, which holds every raw row: the naive way, kept
/// only to measure what streaming saves (scripts/bench_hive.sh).
fn engine() -> Engine {
    match std::env::var("ACQPLAN_ENGINE").as_deref() {
        Ok("in-memory") => Engine::InMemory,
        _ => Engine::Streaming,
    }
}

/// Trim room, channel and campaign names as the row reader does. Returns the
/// raw names that trim to nothing.
fn trim_names(df: &mut DataFrame, shape: &Shape) -> PolarsResult<(Vec<(Field, String)>, bool)> {
    let mut empty = Vec::new();
    let mut changed = false;
    let mut fields = vec![Field::Channel];
    if shape.has_room {
        fields.push(Field::Room);
    }
    for f in fields {
        let ca = df.column(f.name())?.str()?.clone();
        for raw in ca.iter().flatten() {
            if Rule::NotBlank.broken_by(Value::Text(raw)) && !empty.contains(&(f, raw.to_string()))
            {
                empty.push((f, raw.to_string()));
            }
        }
        if ca.iter().flatten().any(|t| t.trim() != t) {
            changed = true;
            let trimmed: StringChunked = ca.iter().map(|o| o.map(str::trim)).collect();
            df.replace(
                f.name(),
                trimmed
                    .with_name(f.name().into())
                    .into_series()
                    .into_column(),
            )?;
        }
    }
    if shape.campaign {
        for name in ["__c_min", "__c_max"] {
            let ca = df.column(name)?.str()?.clone();
            let trimmed: StringChunked = ca
                .iter()
                .map(|o| o.map(str::trim).filter(|t| !t.is_empty()))
                .collect();
            df.replace(
                name,
                trimmed.with_name(name.into()).into_series().into_column(),
            )?;
        }
    }
    Ok((empty, changed))
}

/// Sum the per-file partials to one row per date × room × channel, in the
/// order the rows first appear (file, then row). With `regroup` false (no
/// day can be in two files, no name changed by trimming) the partials are
/// the daily rows already and are only finished.
fn daily(partials: DataFrame, shape: &Shape, regroup: bool) -> PolarsResult<DataFrame> {
    let mut aggs = vec![
        col("__first").first().alias("line"),
        col("__n").sum(),
        col("spend").sum(),
        col("viewers").sum(),
    ];
    if shape.campaign {
        aggs.push(col("__c_min").min());
        aggs.push(col("__c_max").max());
    }
    for &f in &shape.optional {
        aggs.push(col(f.name()).sum());
        aggs.push(col(nulls_name(f)).sum());
        if f == Field::AvgWatchSeconds {
            aggs.push(col("__wv").sum());
            aggs.push(col("__a_max").max());
        }
    }
    let kept = partials.lazy().filter(col("__n").gt(lit(0u32)));
    let grouped = if regroup {
        kept.sort([FILE, "__first"], SortMultipleOptions::default())
            .group_by_stable([col("date"), col("room"), col("channel")])
            .agg(aggs)
    } else {
        kept.with_column(col("__first").alias("line"))
    };
    let mut out = vec![
        col("line").cast(DataType::UInt64),
        col("date"),
        col("room"),
        col("channel"),
        col("spend"),
        col("viewers"),
    ];
    if shape.campaign {
        out.push(
            when(col("__c_min").eq(col("__c_max")))
                .then(col("__c_min"))
                .otherwise(lit(NULL).cast(DataType::String))
                .alias("campaign"),
        );
    }
    for &f in &shape.optional {
        let n = f.name();
        let value = if f == Field::AvgWatchSeconds {
            // One raw row: its value as it stands; else weighted by viewers.
            when(col("__n").eq(lit(1u32)))
                .then(col("__a_max"))
                .when(col("viewers").gt(lit(0.0)))
                .then(col("__wv") / col("viewers"))
                .otherwise(col(n) / col("__n").cast(DataType::Float64))
        } else {
            col(n)
        };
        out.push(
            when(col(nulls_name(f)).gt(lit(0u32)))
                .then(lit(NULL).cast(DataType::Float64))
                .otherwise(value)
                .alias(n),
        );
    }
    grouped.select(out).collect()
}

/// The shape of the whole history from its parts.
fn shape_of(parts: &[Part], declared: Declared) -> Result<Shape, LoadError> {
    let has = |f: Field| parts.iter().position(|p| p.resolved.get(f).is_some());
    let has_room = match has(Field::Room) {
        Some(with) => {
            if let Some(without) = parts.iter().find(|p| p.resolved.get(Field::Room).is_none()) {
                return Err(LoadError::PartitionMismatch {
                    path: without.path.clone(),
                    field: Field::Room,
                    other: parts[with].path.clone(),
                });
            }
            true
        }
        None => false,
    };
    Ok(Shape {
        declared,
        has_room,
        campaign: has(Field::Campaign).is_some(),
        optional: Field::OPTIONAL_NUMBERS
            .into_iter()
            .filter(|&f| has(f).is_some())
            .collect(),
    })
}

/// A partition with a number column stored as text: read it alone with the
/// row reader so the rows that are not numbers are named; if every cell
/// reads, say the column must be numeric.
fn text_numbers(part: &Part, opts: &LoadOptions, err: LoadError) -> LoadError {
    match super::parquet::load(&part.path, opts) {
        Err(LoadError::Invalid { mut report }) => {
            report
                .defects
                .retain(|d| !matches!(d.problem, Problem::DuplicateKey { .. }));
            if report.defects.is_empty() {
                err
            } else {
                LoadError::Invalid { report }
            }
        }
        _ => err,
    }
}

/// The rows of one file that have a defect, run through the row reader's
/// checks for their messages.
fn locate(
    part: &Part,
    i: usize,
    shape: &Shape,
    empty_names: &[(Field, String)],
) -> Result<(Vec<Defect>, Vec<Rejected>), LoadError> {
    let mut filter = col(BAD);
    for (f, name) in empty_names {
        filter = filter.or(col(f.name()).eq(lit(name.clone())));
    }
    let rows = part_frame(i, part, shape)?
        .filter(filter)
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
        .map_err(|e| LoadError::Unreadable {
            path: part.path.clone(),
            format: "Parquet",
            source: Box::new(e),
        })?;
    let get = |f: Field| rows.column(f.name()).ok();
    let lines: Vec<u64> = rows
        .column(ROW)
        .and_then(|c| c.cast(&DataType::UInt64))
        .ok()
        .and_then(|c| {
            c.u64()
                .ok()
                .map(|c| c.iter().map(|v| v.unwrap_or(0)).collect())
        })
        .unwrap_or_default();
    let dates: Option<Vec<Option<i32>>> = get(Field::Date)
        .and_then(|c| c.cast(&DataType::Int32).ok())
        .and_then(|c| c.i32().ok().map(|c| c.iter().collect()));
    let text = |f: Field| -> Option<Vec<Option<String>>> {
        get(f).and_then(|c| {
            c.str()
                .ok()
                .map(|c| c.iter().map(|v| v.map(String::from)).collect())
        })
    };
    let number = |f: Field| -> Option<Vec<Option<f64>>> {
        get(f).and_then(|c| c.f64().ok().map(|c| c.iter().collect()))
    };
    let texts: Vec<(Field, Vec<Option<String>>)> = [Field::Channel, Field::Room, Field::Campaign]
        .into_iter()
        .filter(|f| part.resolved.get(*f).is_some())
        .filter_map(|f| text(f).map(|v| (f, v)))
        .collect();
    let numbers: Vec<(Field, Vec<Option<f64>>)> = [Field::Spend, Field::Viewers]
        .into_iter()
        .chain(Field::OPTIONAL_NUMBERS)
        .filter(|f| part.resolved.get(*f).is_some())
        .filter_map(|f| number(f).map(|v| (f, v)))
        .collect();
    let field_at = |pos: usize| {
        part.resolved
            .index
            .iter()
            .find(|&(_, &j)| j == pos)
            .map(|(&f, _)| f)
    };
    let mut builder = Builder::new(&part.resolved, shape.declared);
    builder.allow_repeated_keys();
    for (r, &line) in lines.iter().enumerate() {
        let cell = |pos: usize| {
            let Some(f) = field_at(pos) else {
                return Cell::Empty;
            };
            if f == Field::Date {
                return dates
                    .as_ref()
                    .and_then(|d| d[r])
                    .map_or(Cell::Empty, Cell::Date);
            }
            if let Some((_, v)) = texts.iter().find(|(g, _)| *g == f) {
                return match v[r].as_deref() {
                    Some(t) if !t.trim().is_empty() => Cell::Text(t),
                    _ => Cell::Empty,
                };
            }
            if let Some((_, v)) = numbers.iter().find(|(g, _)| *g == f) {
                return v[r].map_or(Cell::Empty, Cell::Number);
            }
            Cell::Empty
        };
        let raw = || {
            (0..part.resolved.headers.len())
                .map(|pos| match cell(pos) {
                    Cell::Empty => String::new(),
                    Cell::Text(t) => t.to_string(),
                    Cell::Number(x) => x.to_string(),
                    Cell::Date(d) => format_date(d),
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        builder.push(line, cell, raw);
    }
    Ok((
        std::mem::take(&mut builder.defects),
        std::mem::take(&mut builder.rejected),
    ))
}

/// Per file index, the sum of a count column of the partials.
fn per_file(partials: &DataFrame, name: &str) -> std::collections::BTreeMap<usize, u64> {
    let mut out = std::collections::BTreeMap::new();
    if let (Some(file), Some(n)) = (counts(partials, FILE), counts(partials, name)) {
        for (f, n) in file.iter().zip(n.iter()) {
            if let (Some(f), Some(n)) = (f, n)
                && n > 0
            {
                *out.entry(f as usize).or_default() += n;
            }
        }
    }
    out
}

/// The rows of one partition that `filter` keeps, with `columns`, read by
/// a streaming query (only for files the partials say have such rows).
fn rows_where(
    part: &Part,
    i: usize,
    shape: &Shape,
    filter: Expr,
    columns: Vec<Expr>,
) -> Result<DataFrame, LoadError> {
    part_frame(i, part, shape)?
        .filter(filter)
        .select(columns)
        .collect_with_engine(Engine::Streaming)
        .map(|r| r.unwrap_single())
        .map_err(|e| LoadError::Unreadable {
            path: part.path.clone(),
            format: "Parquet",
            source: Box::new(e),
        })
}

/// A row-number column as u64s.
fn row_numbers(df: &DataFrame) -> Vec<u64> {
    df.column(ROW)
        .and_then(|c| c.cast(&DataType::UInt64))
        .ok()
        .and_then(|c| c.u64().ok().map(|c| c.iter().flatten().collect()))
        .unwrap_or_default()
}

/// The console total rows (合计 / Total) each file held, left out of the
/// sums: (file, data rows), in path order.
fn total_rows(
    parts: &[Part],
    shape: &Shape,
    partials: &DataFrame,
) -> Result<Vec<(PathBuf, Vec<u64>)>, LoadError> {
    let mut out = Vec::new();
    for (i, _) in per_file(partials, "__n_total") {
        let part = &parts[i];
        let rows = rows_where(part, i, shape, col(TOTAL), vec![col(ROW)])?;
        out.push((part.path.clone(), row_numbers(&rows)));
    }
    Ok(out)
}

/// Empty cells of the optional columns in the accepted rows, as the row
/// reader reports them: the first [`EmptyCells::SHOWN`] named by file, row
/// and column (path order, then row order), a count per column. A file
/// without a column the others have counts each of its rows as an empty
/// cell of it (named once, by file).
fn empty_cells(
    parts: &[Part],
    shape: &Shape,
    partials: &DataFrame,
) -> Result<EmptyCells, LoadError> {
    let mut out = EmptyCells::default();
    let mut per_field: Vec<(Field, std::collections::BTreeMap<usize, u64>)> = Vec::new();
    for &f in &shape.optional {
        let by_file = per_file(partials, &nulls_name(f));
        for (&i, &n) in &by_file {
            *out.counts.entry(f).or_default() += n as usize;
            if parts[i].resolved.get(f).is_none() {
                out.missing_columns
                    .push((parts[i].path.clone(), f, n as usize));
            }
        }
        per_field.push((f, by_file));
    }
    let mut files: Vec<usize> = per_field
        .iter()
        .flat_map(|(_, m)| m.keys().copied())
        .collect();
    files.sort_unstable();
    files.dedup();
    for i in files {
        if out.first.len() >= EmptyCells::SHOWN {
            break;
        }
        let part = &parts[i];
        // The optional columns this file has, with an empty cell in it.
        let fields: Vec<(Field, usize)> = per_field
            .iter()
            .filter(|(_, m)| m.contains_key(&i))
            .filter_map(|(f, _)| Some((*f, part.resolved.get(*f)?)))
            .collect();
        if fields.is_empty() {
            continue;
        }
        let any_null = fields
            .iter()
            .map(|(f, _)| col(f.name()).is_null())
            .reduce(Expr::or)
            .expect("at least one field");
        let good = col(BAD).not().and(col(TOTAL).not());
        let mut columns = vec![col(ROW)];
        columns.extend(fields.iter().map(|(f, _)| col(f.name()).is_null()));
        let remaining = (EmptyCells::SHOWN - out.first.len()) as u32;
        let rows = rows_where(part, i, shape, good.and(any_null), columns)?;
        let rows = rows.head(Some(remaining as usize));
        let lines = row_numbers(&rows);
        let nulls: Vec<Vec<bool>> = fields
            .iter()
            .map(|(f, _)| {
                rows.column(f.name())
                    .ok()
                    .and_then(|c| {
                        c.bool()
                            .ok()
                            .map(|b| b.iter().map(|v| v == Some(true)).collect())
                    })
                    .unwrap_or_default()
            })
            .collect();
        for (r, &line) in lines.iter().enumerate() {
            for (k, &(f, index)) in fields.iter().enumerate() {
                if nulls[k].get(r) == Some(&true) && out.first.len() < EmptyCells::SHOWN {
                    out.first.push(Defect {
                        line,
                        column: Some(ColumnRef {
                            index,
                            header: part.resolved.headers[index].clone(),
                            field: f,
                        }),
                        value: None,
                        problem: Problem::Empty,
                    });
                    out.first_files.push(part.path.clone());
                }
            }
        }
    }
    Ok(out)
}

/// First and last day of a partition's rows.
fn date_range(df: &DataFrame) -> Option<(i32, i32)> {
    let d = df.column("date").ok()?.cast(&DataType::Int32).ok()?;
    let d = d.i32().ok()?;
    Some((d.min()?, d.max()?))
}

/// A count column as u64 (polars may widen counts when summing).
fn counts(df: &DataFrame, name: &str) -> Option<UInt64Chunked> {
    let c = df.column(name).ok()?.cast(&DataType::UInt64).ok()?;
    c.u64().ok().cloned()
}

/// The sum of a count column.
fn count_sum(df: &DataFrame, name: &str) -> usize {
    counts(df, name).map_or(0, |c| c.iter().flatten().sum::<u64>() as usize)
}

/// Load a folder of Parquet files (see the module docs).
pub(super) fn load(dir: &Path, opts: &LoadOptions) -> Result<Loaded, LoadError> {
    let files = discover(dir)?;
    if files.is_empty() {
        return Err(LoadError::EmptyFolder { path: dir.into() });
    }
    let parts = files
        .iter()
        .map(|f| inspect(dir, f, opts))
        .collect::<Result<Vec<_>, _>>()?;
    let shape = shape_of(&parts, opts.declared)?;
    let to_unreadable = |e: PolarsError| LoadError::Unreadable {
        path: dir.into(),
        format: "a Parquet folder",
        source: Box::new(e),
    };
    let mut frames = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        match part_frame(i, part, &shape) {
            Ok(lf) => frames.push(lf),
            Err(err @ LoadError::ColumnType { field, .. }) if field.kind() == Kind::Number => {
                return Err(text_numbers(part, opts, err));
            }
            Err(e) => return Err(e),
        }
    }
    // One streaming query per partition, in path order: only one file's
    // morsels and the daily partial sums are in memory at a time.
    let mut partials: Option<DataFrame> = None;
    let mut ranges = Vec::with_capacity(parts.len());
    let queries: Vec<(LazyFrame, &Path)> = if engine() == Engine::InMemory {
        let all = concat(frames, UnionArgs::default()).map_err(to_unreadable)?;
        vec![(all, dir)]
    } else {
        frames
            .into_iter()
            .zip(parts.iter().map(|p| p.path.as_path()))
            .collect()
    };
    for (lf, path) in queries {
        let df = partial_sums(lf, &shape).map_err(|e| LoadError::Unreadable {
            path: path.into(),
            format: "Parquet",
            source: Box::new(e),
        })?;
        if let Some(r) = date_range(&df) {
            ranges.push(r);
        }
        match &mut partials {
            None => partials = Some(df),
            Some(all) => {
                all.vstack_mut_owned(df).map_err(to_unreadable)?;
            }
        }
    }
    let mut partials = partials.expect("at least one file");
    let (empty_names, renamed) = trim_names(&mut partials, &shape).map_err(to_unreadable)?;
    let raw_rows = count_sum(&partials, "__raw");
    if raw_rows == 0 {
        return Err(LoadError::NoDataRows { path: dir.into() });
    }
    // Groups whose (trimmed) room or channel is empty are defective rows.
    let mut empty_mask = BooleanChunked::full("e".into(), false, partials.height());
    for (f, _) in &empty_names {
        let ca = partials.column(f.name()).and_then(|c| c.str().cloned());
        if let Ok(ca) = ca {
            let m: BooleanChunked = ca
                .iter()
                .map(|o| Some(o.is_some_and(|t| Rule::NotBlank.broken_by(Value::Text(t)))))
                .collect();
            empty_mask = &empty_mask | &m;
        }
    }
    // A group of total rows alone is left out, whatever its names.
    if let (Some(n), Some(n_bad)) = (counts(&partials, "__n"), counts(&partials, "__n_bad")) {
        let rows: BooleanChunked = n
            .iter()
            .zip(n_bad.iter())
            .map(|(a, b)| Some(a.unwrap_or(0) + b.unwrap_or(0) > 0))
            .collect();
        empty_mask = &empty_mask & &rows;
    }
    let bad_files: Vec<usize> = {
        let file = counts(&partials, FILE);
        let n_bad = counts(&partials, "__n_bad");
        let mut v = Vec::new();
        if let (Some(file), Some(n_bad)) = (file, n_bad) {
            for ((f, b), e) in file.iter().zip(n_bad.iter()).zip(empty_mask.iter()) {
                if (b.unwrap_or(0) > 0 || e == Some(true))
                    && let Some(f) = f
                {
                    v.push(f as usize);
                }
            }
        }
        v.sort_unstable();
        v.dedup();
        v
    };
    let mut rejected = Vec::new();
    for &i in &bad_files {
        let (defects, rows) = locate(&parts[i], i, &shape, &empty_names)?;
        if !opts.skip_bad_rows {
            return Err(LoadError::Invalid {
                report: DefectReport {
                    file: parts[i].path.clone(),
                    kind: SourceKind::Parquet,
                    defects,
                },
            });
        }
        rejected.extend(rows.into_iter().map(|mut r| {
            r.reason = format!("{}: {}", parts[i].path.display(), r.reason);
            r
        }));
    }
    if !empty_names.is_empty() {
        partials = partials.filter(&!&empty_mask).map_err(to_unreadable)?;
    }
    let good_rows = count_sum(&partials, "__n");
    if good_rows == 0 {
        return Err(LoadError::AllRowsRejected {
            path: dir.into(),
            rows: raw_rows,
        });
    }
    ranges.sort_unstable();
    let overlap = ranges.windows(2).any(|w| w[1].0 <= w[0].1);
    let regroup = overlap || renamed || engine() == Engine::InMemory;
    let folder_total_rows = total_rows(&parts, &shape, &partials)?;
    let empty_cells = empty_cells(&parts, &shape, &partials)?;
    let frame = daily(partials, &shape, regroup).map_err(to_unreadable)?;
    let daily_rows = frame.height();
    Ok(Loaded {
        data: ValidatedData::new(frame, dir.into(), shape.has_room),
        kind: SourceKind::Parquet,
        rejected,
        rows_read: raw_rows,
        partitioned: Some(Partitioned {
            files: parts.len(),
            raw_rows,
            daily_rows,
        }),
        total_rows: Vec::new(),
        folder_total_rows,
        empty_cells,
        sub_daily_merged: 0,
    })
}

/// Hash a folder's Parquet files (sorted relative paths and bytes) for the
/// manifest: BLAKE3 over `path\0bytes` of each file.
pub(super) fn hash(dir: &Path) -> Result<(u64, String), LoadError> {
    let mut hasher = blake3::Hasher::new();
    let mut total = 0u64;
    for f in discover(dir)? {
        let rel = f.strip_prefix(dir).unwrap_or(&f);
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update(&[0]);
        let file = std::fs::File::open(&f).map_err(|source| LoadError::Io {
            path: f.clone(),
            source,
        })?;
        total += file.metadata().map(|m| m.len()).unwrap_or(0);
        hasher.update_reader(file).map_err(|source| LoadError::Io {
            path: f.clone(),
            source,
        })?;
    }
    Ok((total, hasher.finalize().to_hex().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hive_keys_come_from_folders_only() {
        let dir = Path::new("/d");
        assert_eq!(
            hive_keys(dir, Path::new("/d/month=2026-03/room=r1/part-0.parquet")),
            vec![
                ("month".to_string(), Some("2026-03".to_string())),
                ("room".to_string(), Some("r1".to_string()))
            ]
        );
        assert_eq!(
            hive_keys(
                dir,
                Path::new("/d/room=__HIVE_DEFAULT_PARTITION__/a.parquet")
            ),
            vec![("room".to_string(), None)]
        );
        assert!(hive_keys(dir, Path::new("/d/a=1.parquet")).is_empty());
    }

    /// A folder whose files hold typed dates outside the supported years:
    /// the rows are defects naming the file, row and column (Date days at
    /// the ends of i32 and Datetime stamps at the ends of i64 included),
    /// and are left out under --skip-bad-rows.
    #[test]
    fn typed_dates_outside_the_supported_years_are_defects() {
        use crate::contract::calendar::FIRST_DAY;
        let tmp = tempfile::tempdir().unwrap();
        let write = |name: &str, date: Column| {
            let mut df = DataFrame::new(
                4,
                vec![
                    date,
                    Column::new("channel".into(), ["a", "a", "b", "b"]),
                    Column::new("spend".into(), [1.0, 2.0, 3.0, 4.0]),
                    Column::new("viewers".into(), [10i64, 20, 30, 40]),
                ],
            )
            .unwrap();
            let f = std::fs::File::create(tmp.path().join(name)).unwrap();
            ParquetWriter::new(f).finish(&mut df).unwrap();
        };
        let days =
            Int32Chunked::from_vec("date".into(), vec![20_000, i32::MAX, 20_001, FIRST_DAY - 1]);
        write("a.parquet", days.into_date().into_series().into_column());
        let day_ms = 86_400_000i64;
        let stamps = Int64Chunked::from_vec(
            "date".into(),
            vec![20_010 * day_ms, i64::MIN, 20_011 * day_ms + 5, i64::MAX],
        )
        .into_datetime(TimeUnit::Milliseconds, None);
        write("b.parquet", stamps.into_series().into_column());
        let Err(LoadError::Invalid { report }) = load(tmp.path(), &LoadOptions::default()) else {
            panic!("expected defects")
        };
        assert!(report.file.ends_with("a.parquet"));
        let got: Vec<(u64, Problem, Option<String>)> = report
            .defects
            .iter()
            .map(|d| (d.line, d.problem.clone(), d.value.clone()))
            .collect();
        let out = Problem::DateOutOfRange;
        assert_eq!(
            got,
            vec![
                (2, out.clone(), Some("5881580-07-11".into())),
                (4, out.clone(), Some("1899-12-31".into())),
            ]
        );
        assert!(
            report
                .to_string()
                .contains("a.parquet, row 2, column 1 `date`: 5881580-07-11 is outside the supported years 1900–2200"),
            "{report}"
        );
        let skip = LoadOptions {
            skip_bad_rows: true,
            ..LoadOptions::default()
        };
        let l = load(tmp.path(), &skip).unwrap();
        assert_eq!(l.data.len(), 4);
        let reasons: Vec<&str> = l.rejected.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons.len(), 4);
        assert!(
            reasons[2].contains("b.parquet: column `date`: -5877641-06-23 is outside"),
            "{reasons:?}"
        );
        assert!(
            reasons[3].contains("b.parquet: column `date`: 5881580-07-11 is outside"),
            "{reasons:?}"
        );
    }
}
