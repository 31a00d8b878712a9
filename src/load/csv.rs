//! CSV (and tab-separated) history, with or without a UTF-8 BOM.

use std::path::Path;

use super::{LoadError, LoadOptions, Loaded, finish, resolve_headers};
use crate::contract::Cell;
use crate::validate::{Builder, SourceKind};

/// Pick `,`, `\t` or `;` by which appears most in the header line.
pub(super) fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(bytes);
    let count = |d: u8| first.iter().filter(|&&b| b == d).count();
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .unwrap_or(b',')
}

/// Counts lines as an editor shows them: `\n`, `\r\n` and a lone `\r` each
/// end a line. (The csv crate ends records at a lone `\r` but counts only
/// `\n`, and its record positions include skipped blank lines.)
struct LineCounter {
    pos: usize,
    line: u64,
}

impl LineCounter {
    /// The line on which byte `offset` stands (offsets must not decrease).
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> u64 {
        let offset = offset.min(bytes.len()).max(self.pos);
        for i in memchr::memchr2_iter(b'\r', b'\n', &bytes[self.pos..offset]) {
            let j = self.pos + i;
            if bytes[j] == b'\r' || j == 0 || bytes[j - 1] != b'\r' {
                self.line += 1;
            }
        }
        self.pos = offset;
        self.line
    }
}

fn trim_line_end(raw: &[u8]) -> &[u8] {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    &raw[..end]
}

pub(super) fn load(path: &Path, bytes: &[u8], opts: &LoadOptions) -> Result<Loaded, LoadError> {
    load_with(path, bytes, opts, true)
}

/// [`load`] without the fast path: every row through the row reader.
#[cfg(test)]
pub(super) fn load_rows(
    path: &Path,
    bytes: &[u8],
    opts: &LoadOptions,
) -> Result<Loaded, LoadError> {
    load_with(path, bytes, opts, false)
}

fn load_with(
    path: &Path,
    bytes: &[u8],
    opts: &LoadOptions,
    fast: bool,
) -> Result<Loaded, LoadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(LoadError::EmptyFile { path: path.into() });
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(bytes))
        .from_reader(bytes);
    let mut record = ::csv::ByteRecord::new();
    let unreadable = |e: ::csv::Error| LoadError::Unreadable {
        path: path.into(),
        format: "CSV",
        source: Box::new(e),
    };
    if !reader.read_byte_record(&mut record).map_err(unreadable)? {
        return Err(LoadError::EmptyFile { path: path.into() });
    }
    let headers = record
        .iter()
        .map(|h| std::str::from_utf8(h).map(str::to_string))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| LoadError::HeaderNotUtf8 { path: path.into() })?;
    let resolved = resolve_headers(path, headers, opts)?;
    // A provably clean file is read by polars (the same frame; see csv_fast).
    if fast
        && let Some(loaded) = super::csv_fast::load_clean(
            path,
            bytes,
            sniff_delimiter(bytes),
            &resolved,
            opts.declared,
        )
    {
        return Ok(loaded);
    }
    let width = resolved.headers.len();
    let mut builder = Builder::new(&resolved, opts.declared);
    let mut rows_read = 0usize;
    // The csv crate's own line numbers are right only for `\n` line ends
    // without blank lines (with `\r\n` they lag by one, a lone `\r` is not
    // counted, and skipped blank lines shift them); count lines ourselves
    // otherwise.
    let mut lines = (memchr::memchr(b'\r', bytes).is_some()
        || memchr::memmem::find(bytes, b"\n\n").is_some())
    .then_some(LineCounter { pos: 0, line: 1 });
    loop {
        let more = reader.read_byte_record(&mut record).map_err(unreadable)?;
        if !more {
            break;
        }
        let end = reader.position().byte() as usize;
        // Where the record starts, after any blank lines the reader skipped.
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while start < end && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        let raw = || {
            String::from_utf8_lossy(trim_line_end(&bytes[start..end.min(bytes.len())])).into_owned()
        };
        let line = match &mut lines {
            Some(counter) => counter.line_at(bytes, start),
            None => record.position().map_or(0, |p| p.line()),
        };
        // A line holding only spaces carries no data.
        if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        rows_read += 1;
        if record.len() != width {
            builder.reject_field_count(line, record.len(), raw);
            continue;
        }
        // Check UTF-8 once for the whole record (the buffer is reused).
        match ::csv::StringRecord::from_byte_record(std::mem::take(&mut record)) {
            Ok(text) => {
                let cell = |i: usize| match &text[i] {
                    t if t.trim().is_empty() => Cell::Empty,
                    t => Cell::Text(t),
                };
                builder.push(line, cell, raw);
                record = text.into_byte_record();
            }
            Err(e) => {
                builder.reject_not_utf8(line, e.utf8_error().field(), raw);
                record = e.into_byte_record();
            }
        }
    }
    finish(path, SourceKind::Csv, builder, rows_read, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_as_editors_count_them() {
        let text = b"a\rb\r\nc\nd\r\re";
        let mut c = LineCounter { pos: 0, line: 1 };
        let at = |c: &mut LineCounter, ch: u8| {
            let i = text.iter().position(|&b| b == ch).unwrap();
            c.line_at(text, i)
        };
        assert_eq!(at(&mut c, b'b'), 2);
        assert_eq!(at(&mut c, b'c'), 3);
        assert_eq!(at(&mut c, b'd'), 4);
        assert_eq!(at(&mut c, b'e'), 6);
    }

    /// An optional cell empty in one hour leaves the day's value empty,
    /// never a partial sum (the Parquet-folder rule); the cell is still
    /// named and counted.
    #[test]
    fn an_hour_without_a_cell_leaves_the_days_value_empty() {
        use crate::load::{LoadOptions, load_csv_bytes};
        use std::path::Path;
        let csv = "date,channel,spend,viewers,orders\n\
                   2026-11-01 10:00,douyin,100,200,2\n\
                   2026-11-01 11:00,douyin,50,100,\n\
                   2026-11-01 12:00,douyin,10,10,1\n\
                   2026-11-02 10:00,douyin,70,80,1\n";
        let l =
            load_csv_bytes(Path::new("h.csv"), csv.as_bytes(), &LoadOptions::default()).unwrap();
        let orders: Vec<Option<f64>> = l
            .data
            .frame()
            .column("orders")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(orders, [None, Some(1.0)]);
        assert_eq!(l.empty_cells.counts[&crate::contract::Field::Orders], 1);
        assert_eq!(l.empty_cells.first[0].line, 3);
    }

    /// Hourly rows (a time of day in the date cell) are summed to one row
    /// per day: numbers added, watch time weighted by viewers; two rows of
    /// one hour, or two bare dates, stay duplicates.
    #[test]
    fn hourly_rows_are_summed_to_days() {
        use crate::load::{LoadError, LoadOptions, load_csv_bytes};
        use std::path::Path;
        let csv = "date,channel,spend,viewers,orders,avg_watch_seconds\n\
                   2026-11-01 10:00,douyin,100,200,2,60\n\
                   2026-11-01 11:00,douyin,50,100,3,30\n\
                   2026-11-01T12:00:00,douyin,10,0,0,0\n\
                   2026-11-02 10:00,douyin,70,80,1,40\n";
        let l =
            load_csv_bytes(Path::new("h.csv"), csv.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(l.sub_daily_merged, 2);
        let df = l.data.frame();
        let col = |c: &str| -> Vec<f64> {
            df.column(c)
                .unwrap()
                .f64()
                .unwrap()
                .into_no_null_iter()
                .collect()
        };
        assert_eq!(col("spend"), [160.0, 70.0]);
        assert_eq!(col("viewers"), [300.0, 80.0]);
        assert_eq!(col("orders"), [5.0, 1.0]);
        assert_eq!(
            col("avg_watch_seconds"),
            [(60.0 * 200.0 + 30.0 * 100.0) / 300.0, 40.0]
        );
        let lines: Vec<u64> = df
            .column("line")
            .unwrap()
            .u64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(lines, [2, 5]);
        for dup in [
            "date,channel,spend,viewers\n2026-11-01 10:00,d,1,1\n2026-11-01 10:00,d,1,1\n",
            "date,channel,spend,viewers\n2026-11-01,d,1,1\n2026-11-01,d,1,1\n",
            "date,channel,spend,viewers\n2026-11-01,d,1,1\n2026-11-01 10:00,d,1,1\n",
        ] {
            match load_csv_bytes(Path::new("h.csv"), dup.as_bytes(), &LoadOptions::default()) {
                Err(LoadError::Invalid { report }) => {
                    assert!(
                        matches!(
                            report.defects[0].problem,
                            crate::validate::Problem::DuplicateKey { first_line: 2 }
                        ),
                        "{dup}"
                    );
                }
                other => panic!("{dup}: {:?}", other.map(|l| l.data.len())),
            }
        }
    }
}
