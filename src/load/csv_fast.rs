//! The fast path of CSV history (issue 16): a file that is provably clean
//! is read by polars' multi-threaded CSV reader instead of row by row.
//!
//! Clean means the row reader would take every row exactly as it stands,
//! so the two paths give the same frame bit for bit (the same values, the
//! same line numbers) and the row reader is run only to name defects:
//!
//! - no `"` (quoting can hide delimiters and line ends), no `\r` and no blank
//!   line (line numbers are then the record's index + 2);
//! - every cell present (no short, empty or whitespace-only line);
//! - dates written as days only (no time of day: hourly rows are summed by
//!   the row reader), read by the contract's [`parse_date`];
//! - numbers read by the contract's [`parse_number`] — the same function
//!   as the row reader, so the same `f64`;
//! - and then the checks of the typed Parquet fast path
//!   ([`super::parquet::clean_frame`]: every rule kept, nothing the row
//!   reader would rewrite, no total row, (date, room, channel) unique).
//!
//! Anything else returns `None`, and the caller reads the file row by row.

use std::io::Cursor;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::{
    Column, CsvReadOptions, DataFrame, DataType, Float64Chunked, Int32Chunked, IntoColumn,
    IntoSeries, Schema, SerReader, StringChunked,
};
use rayon::prelude::*;

use super::Loaded;
use crate::contract::cell::{parse_date, parse_number};
use crate::contract::{Field, Kind, Resolved};
use crate::validate::{EmptyCells, SourceKind, ValidatedData};

/// Whether the bytes can take the fast path at all (before parsing): no
/// quotes, no carriage returns, no blank lines.
fn plain(bytes: &[u8]) -> bool {
    memchr::memchr2(b'"', b'\r', bytes).is_none() && memchr::memmem::find(bytes, b"\n\n").is_none()
}

/// One column parsed for its field: the frame's column (dates as Date) and
/// the column the checks read (dates as Int32 days). `None`: not clean.
fn typed(ca: &StringChunked, field: Option<Field>) -> Option<(Column, Option<Column>)> {
    let name = ca.name().clone();
    let Some(field) = field else {
        return Some((ca.clone().into_series().into_column(), None));
    };
    match field.kind() {
        Kind::Text => {
            let c = ca.clone().into_series().into_column();
            Some((c.clone(), Some(c)))
        }
        Kind::Date => {
            let mut days = Vec::with_capacity(ca.len());
            for arr in ca.downcast_iter() {
                for t in arr.values_iter() {
                    // A time of day (or any space) goes to the row reader.
                    if t.bytes()
                        .any(|b| b == b' ' || b == b'T' || b.is_ascii_whitespace())
                    {
                        return None;
                    }
                    days.push(parse_date(t)?);
                }
            }
            let day = Int32Chunked::from_vec(name, days);
            Some((
                day.clone().into_date().into_series().into_column(),
                Some(day.into_series().into_column()),
            ))
        }
        Kind::Number => {
            let mut values = Vec::with_capacity(ca.len());
            for arr in ca.downcast_iter() {
                for t in arr.values_iter() {
                    values.push(parse_number(t).ok()?);
                }
            }
            let c = Float64Chunked::from_vec(name, values)
                .into_series()
                .into_column();
            Some((c.clone(), Some(c)))
        }
    }
}

/// The history of a clean CSV file (see the module docs), or `None` when
/// the file is not provably clean (or polars cannot read it): the caller
/// then runs the row reader. `bytes` without the BOM; `delimiter` and the
/// resolved header as the row reader found them.
pub(super) fn load_clean(
    path: &Path,
    bytes: &[u8],
    delimiter: u8,
    resolved: &Resolved,
    declared: crate::contract::row::Declared,
) -> Option<Loaded> {
    if !plain(bytes) {
        return None;
    }
    let body_start = memchr::memchr(b'\n', bytes)? + 1;
    let body = &bytes[body_start..];
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let width = resolved.headers.len();
    let schema: Schema = (0..width)
        .map(|i| polars::prelude::Field::new(format!("c{i}").into(), DataType::String))
        .collect();
    let df = CsvReadOptions::default()
        .with_has_header(false)
        .with_schema(Some(Arc::new(schema)))
        .with_rechunk(true)
        .map_parse_options(|p| {
            p.with_separator(delimiter)
                .with_quote_char(None)
                .with_missing_is_null(true)
                .with_truncate_ragged_lines(false)
        })
        .into_reader_with_file_handle(Cursor::new(body))
        .finish()
        .ok()?;
    let n = df.height();
    if n == 0 || df.width() != width {
        return None;
    }
    let field_of = |i: usize| {
        resolved
            .index
            .iter()
            .find(|&(_, &j)| j == i)
            .map(|(&f, _)| f)
    };
    let strings: Vec<&StringChunked> = df
        .columns()
        .iter()
        .map(|c| c.str().ok().filter(|ca| ca.null_count() == 0))
        .collect::<Option<_>>()?;
    let parsed: Vec<(Column, Option<Column>)> = strings
        .par_iter()
        .enumerate()
        .map(|(i, ca)| typed(ca, field_of(i)))
        .collect::<Vec<_>>()
        .into_iter()
        .collect::<Option<_>>()?;
    let (columns, cast): (Vec<Column>, Vec<Option<Column>>) = parsed.into_iter().unzip();
    let frame = DataFrame::new(n, columns).ok()?;
    let clean = super::parquet::clean_frame(&frame, resolved, &cast, declared).ok()??;
    // The row reader numbers a record by its line: the header is line 1.
    let mut clean = clean;
    clean
        .with_column(Column::new(
            "line".into(),
            (2..n as u64 + 2).collect::<Vec<u64>>(),
        ))
        .ok()?;
    Some(Loaded {
        data: ValidatedData::new(clean, path.into(), resolved.get(Field::Room).is_some()),
        kind: SourceKind::Csv,
        rejected: Vec::new(),
        rows_read: n,
        partitioned: None,
        total_rows: Vec::new(),
        folder_total_rows: Vec::new(),
        empty_cells: EmptyCells::default(),
        sub_daily_merged: 0,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::load::{LoadError, LoadOptions, Loaded, load_csv_bytes};

    /// Both paths on the same bytes: the row reader alone, and the fast
    /// path if it takes the file.
    fn both(bytes: &[u8]) -> (Result<Loaded, LoadError>, Option<Loaded>) {
        let path = Path::new("h.csv");
        let opts = LoadOptions::default();
        let slow = super::super::csv::load_rows(path, bytes, &opts);
        let delimiter = super::super::csv::sniff_delimiter(bytes);
        let header = std::str::from_utf8(bytes.split(|&b| b == b'\n').next().unwrap()).unwrap();
        let headers = header
            .split(delimiter as char)
            .map(str::to_string)
            .collect();
        let fast = super::super::resolve_headers(path, headers, &opts)
            .ok()
            .and_then(|r| super::load_clean(path, bytes, delimiter, &r, opts.declared));
        (slow, fast)
    }

    fn same(a: &Loaded, b: &Loaded) {
        let (fa, fb) = (a.data.frame(), b.data.frame());
        assert_eq!(fa.get_column_names(), fb.get_column_names());
        assert_eq!(fa.dtypes(), fb.dtypes());
        assert!(fa.equals_missing(fb), "{fa:?}\n{fb:?}");
        assert_eq!(a.data.has_room(), b.data.has_room());
        assert_eq!(a.data.period(), b.data.period());
        assert_eq!(a.kind, b.kind);
        assert_eq!(a.rows_read, b.rows_read);
        assert_eq!(a.rejected.len(), b.rejected.len());
        assert_eq!(a.total_rows, b.total_rows);
        assert_eq!(a.empty_cells, b.empty_cells);
        assert_eq!(a.sub_daily_merged, b.sub_daily_merged);
    }

    #[test]
    fn clean_generated_histories_take_the_fast_path_and_match_the_row_reader() {
        use crate::synth::{GenOptions, Headers, generate};
        for (rooms, days, seed, engagement) in [(3, 60, 1, true), (7, 40, 2, false)] {
            let opts = GenOptions {
                rooms,
                days,
                seed,
                engagement,
                ..GenOptions::default()
            };
            let bytes = generate(&opts).to_csv(Headers::English);
            let (slow, fast) = both(&bytes);
            let slow = slow.expect("generated history is valid");
            let fast = fast.expect("generated history is clean");
            same(&slow, &fast);
            assert_eq!(fast.data.len(), rooms * 8 * days);
        }
        let bytes = std::fs::read("data/history.csv").unwrap();
        let (slow, fast) = both(&bytes);
        same(&slow.unwrap(), &fast.expect("the sample is clean"));
        // Chinese money is quoted (`"¥1,234"`): the row reader's.
        let bytes = std::fs::read("data/history_zh.csv").unwrap();
        assert!(both(&bytes).1.is_none());
    }

    #[test]
    fn anything_the_row_reader_would_rewrite_or_reject_leaves_the_fast_path() {
        let head = "date,room,channel,spend,viewers\n";
        let ok = "2026-11-02,r1,dou,100,20\n2026-11-03,r1,dou,120,25\n";
        let (slow, fast) = both(format!("{head}{ok}").as_bytes());
        same(&slow.unwrap(), &fast.expect("clean"));
        // Read alike by both (the contract's own parsers): taken.
        for alike in [
            "2026-11-04,r1,dou,¥100,30\n",
            "2026/11/4,r1,dou,1e2,30.5\n",
            "20261104,r1,dou,100.0,30\n",
        ] {
            let bytes = format!("{head}{ok}{alike}");
            let (slow, fast) = both(bytes.as_bytes());
            same(&slow.unwrap(), &fast.expect(alike));
        }
        for bad in [
            "2026-11-04,r1,dou,¥1,000,30\n",    // a field too many
            "2026-11-04,r1,dou,\"1,000\",30\n", // quoted
            "2026-11-04,r1,dou,100\n",          // a field short
            "2026-11-04,r1,dou,,30\n",          // an empty cell
            "2026-11-04, r1,dou,100,30\n",      // text the reader trims
            "2026-11-04 10:00,r1,dou,100,30\n", // hourly
            "2026-11-03,r1,dou,100,30\n",       // a duplicate key
            "2026-11-04,r1,dou,-5,30\n",        // negative
            "2026-11-04,r1,dou,NaN,30\n",       // not finite
            "合计,,,220,45\n",                  // a console's total row
            "2026-02-30,r1,dou,100,30\n",       // no such day
            "\n2026-11-04,r1,dou,100,30\n",     // a blank line
            "2026-11-04,r1,dou,100,30\r\n",     // CRLF
            "2026-11-04,r1,dou,-0,30\n",        // -0 is read as 0
            "   \n",                            // a line of spaces
        ] {
            let bytes = format!("{head}{ok}{bad}");
            assert!(both(bytes.as_bytes()).1.is_none(), "fast path took {bad:?}");
        }
        // Whatever the path, loading the bytes gives the row reader's answer.
        let bytes = format!("{head}{ok}2026-11-04,r1,dou,-5,30\n");
        let err = load_csv_bytes(
            Path::new("h.csv"),
            bytes.as_bytes(),
            &LoadOptions::default(),
        );
        assert!(matches!(err, Err(LoadError::Invalid { .. })));
    }
}
