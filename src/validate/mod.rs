//! Row-level validation: every defect with its line and column, the typed
//! columns of the rows that passed, and [`ValidatedData`], the only way later
//! stages receive history.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

pub mod period;

pub use period::{Period, PeriodChoice, PeriodError};

use crate::contract::calendar::{FIRST_DAY, LAST_DAY, SUPPORTED_YEARS, format_date};
use crate::contract::cell::{parse_date, parse_number};
use crate::contract::row::{TOTAL_MARKER_FIELDS, is_total_marker};
use crate::contract::{
    Cell, Declared, Field, Kind, NumberProblem, Resolved, Rule, Value, column_letters,
};

/// What kind of file the rows came from; decides how places are named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Lines counted in the file, header = line 1.
    Csv,
    /// Spreadsheet rows (header = row 1) and lettered columns.
    Xlsx {
        /// The sheet read.
        sheet: String,
    },
    /// Data rows counted from 1 (Parquet has no header line).
    Parquet,
}

/// A column a defect points at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ColumnRef {
    /// 0-based position in the file.
    pub index: usize,
    /// Header text as written in the file.
    pub header: String,
    /// The contract field the column feeds.
    pub field: Field,
}

/// What is wrong with a cell or row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// Text where a number belongs.
    NotANumber,
    /// `NaN` or infinity.
    NotFinite,
    /// Thousands separators in the wrong places.
    BadGrouping,
    /// A date that does not read as a calendar day.
    BadDate,
    /// A typed date outside the supported years (1900–2200).
    DateOutOfRange,
    /// A number below zero where the contract says ≥ 0.
    Negative,
    /// A required cell with nothing in it.
    Empty,
    /// A row with a different number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in this row.
        found: usize,
    },
    /// Same (date, room, channel) as an earlier row.
    DuplicateKey {
        /// Line (or row) of the first occurrence.
        first_line: u64,
    },
    /// Bytes that are not UTF-8.
    NotUtf8,
}

impl Problem {
    /// What to do about it.
    pub fn hint(&self, field: Option<Field>) -> String {
        match self {
            Problem::NotANumber | Problem::NotFinite => {
                "write a plain number such as 1234.5 (`¥` and thousands separators like 1,234 are accepted)".into()
            }
            Problem::BadGrouping => {
                "thousands separators go every three digits (1,234,567); use `.` for decimals".into()
            }
            Problem::BadDate => "write days as YYYY-MM-DD, e.g. 2026-11-03".into(),
            Problem::DateOutOfRange => format!(
                "acqplan reads days from {} to {}; fix the date in the export, or drop the row with --skip-bad-rows",
                format_date(FIRST_DAY),
                format_date(LAST_DAY)
            ),
            Problem::Negative if field == Some(Field::Gmv) => {
                "`gmv` is below zero: if the column is GMV net of refunds (a day's refunds can exceed its sales), say so with `gmv_is_net = true` under `[data]` in acqplan.toml or --gmv-is-net, and negative days are kept and summed; otherwise fix the export or drop the row with --skip-bad-rows".into()
            }
            Problem::Negative => format!(
                "`{}` counts money or people and cannot be below zero; fix the export or drop the row with --skip-bad-rows",
                field.map_or("this column", Field::name)
            ),
            Problem::Empty => match field {
                Some(Field::Room) => {
                    "the file has a room column, so every row needs a room; fill it in or remove the column".into()
                }
                _ => "fill in the cell; a day without spend is written as 0".into(),
            },
            Problem::FieldCount { .. } => {
                "check for an unquoted comma in a name (quote it: \"a,b\") or a cell missing from the row".into()
            }
            Problem::DuplicateKey { .. } => {
                "each date × room × channel must appear once; sum the two rows or delete one".into()
            }
            Problem::NotUtf8 => "save the file as UTF-8 (consoles often export GBK: re-save with `UTF-8` encoding)".into(),
        }
    }

    fn message(&self, value: Option<&str>) -> String {
        let v = value.unwrap_or("");
        match self {
            Problem::NotANumber => format!("{v:?} is not a number"),
            Problem::NotFinite => format!("{v:?} is not a finite number"),
            Problem::BadGrouping => format!("{v:?} has misplaced thousands separators"),
            Problem::BadDate => format!("{v:?} is not a date"),
            Problem::DateOutOfRange => format!(
                "{v} is outside the supported years {}–{}",
                SUPPORTED_YEARS.start(),
                SUPPORTED_YEARS.end()
            ),
            Problem::Negative => format!("{v} is negative"),
            Problem::Empty => "required cell is empty".into(),
            Problem::FieldCount { expected, found } => {
                format!("row has {found} fields, the header has {expected}")
            }
            Problem::DuplicateKey { first_line } => {
                format!("duplicate date × room × channel {v}, first seen on line {first_line}")
            }
            Problem::NotUtf8 => "cell is not valid UTF-8 text".into(),
        }
    }
}

/// One defect: where, what value, what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Defect {
    /// Line in the file (header = 1); for Parquet, the 1-based data row.
    pub line: u64,
    /// The column, when the defect is in one cell.
    pub column: Option<ColumnRef>,
    /// The offending value as read.
    pub value: Option<String>,
    /// What is wrong.
    pub problem: Problem,
}

impl Defect {
    /// The message without the place: `"abc" is not a number`.
    pub fn message(&self) -> String {
        self.problem.message(self.value.as_deref())
    }

    /// The hint for this defect.
    pub fn hint(&self) -> String {
        self.problem.hint(self.column.as_ref().map(|c| c.field))
    }

    /// The place in `file`: `data/x.csv, line 7, column 3 `spend``.
    pub fn place(&self, file: &Path, kind: &SourceKind) -> String {
        let line_word = match kind {
            SourceKind::Csv => "line",
            _ => "row",
        };
        let mut s = format!("{}, {line_word} {}", file.display(), self.line);
        if let SourceKind::Xlsx { sheet } = kind {
            s = format!("{} (sheet {sheet:?}), row {}", file.display(), self.line);
        }
        if let Some(c) = &self.column {
            let pos = match kind {
                SourceKind::Xlsx { .. } => column_letters(c.index),
                _ => (c.index + 1).to_string(),
            };
            s.push_str(&format!(", column {pos} `{}`", c.header));
        }
        s
    }
}

/// A row left out under `--skip-bad-rows`, kept verbatim with its reasons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Line (or row) in the source.
    pub line: u64,
    /// Every defect of the row, `; `-joined.
    pub reason: String,
    /// The row as it stood in the file.
    pub raw: String,
}

/// Defects of a whole file, for printing.
#[derive(Clone, Debug)]
pub struct DefectReport {
    /// The file read.
    pub file: PathBuf,
    /// How places in it are named.
    pub kind: SourceKind,
    /// Every defect, in file order.
    pub defects: Vec<Defect>,
}

impl DefectReport {
    /// How many defects are listed in full before the rest are counted.
    pub const SHOWN: usize = 50;
}

impl fmt::Display for DefectReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in self.defects.iter().take(Self::SHOWN) {
            writeln!(f, "{}: {}", d.place(&self.file, &self.kind), d.message())?;
            writeln!(f, "  hint: {}", d.hint())?;
        }
        if self.defects.len() > Self::SHOWN {
            writeln!(f, "… and {} more defects", self.defects.len() - Self::SHOWN)?;
        }
        Ok(())
    }
}

/// Assigns small integer codes to repeated strings (rooms, channels).
#[derive(Default, Debug)]
struct Interner {
    codes: PlHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// The last string coded: rows repeat rooms (and often channels).
    last: Option<u32>,
}

impl Interner {
    fn code(&mut self, s: &str) -> u32 {
        if let Some(c) = self.last
            && *self.names[c as usize] == *s
        {
            return c;
        }
        let c = match self.codes.get(s) {
            Some(&c) => c,
            None => {
                let c = self.names.len() as u32;
                self.names.push(s.into());
                self.codes.insert(s.into(), c);
                c
            }
        };
        self.last = Some(c);
        c
    }

    fn column(&self, name: &str, codes: &[u32]) -> Column {
        let ca = StringChunked::from_iter_values(
            name.into(),
            codes.iter().map(|&c| &*self.names[c as usize]),
        );
        ca.into_series().into_column()
    }
}

/// Accumulates typed columns row by row and records defects.
pub(crate) struct Builder<'r> {
    resolved: &'r Resolved,
    /// What the user declared about the values.
    declared: Declared,
    lines: Vec<u64>,
    dates: Vec<i32>,
    rooms: Vec<u32>,
    channels: Vec<u32>,
    spend: Vec<f64>,
    viewers: Vec<f64>,
    campaigns: Option<Vec<Option<u32>>>,
    optional: Vec<(Field, usize, Vec<Option<f64>>)>,
    room_names: Interner,
    channel_names: Interner,
    campaign_names: Interner,
    /// Per (date, room, channel): the first line, its row, and the hash of
    /// the time of day its date cell carried (hourly exports).
    keys: PlHashMap<DayKey, (u64, u32, Option<u64>)>,
    /// Lines of each (date, room, channel, time of day) seen, only for date
    /// cells with a time: two rows of one hour are a duplicate.
    times: PlHashMap<(i32, u32, u32, u64), u64>,
    /// Rows with a time of day summed into an earlier row of the same day.
    pub sub_daily_merged: usize,
    /// Several rows of one date × room × channel are allowed (a folder of
    /// Parquet files sums them to daily rows).
    repeats_allowed: bool,
    /// Every defect found, in file order.
    pub defects: Vec<Defect>,
    /// Every row that had a defect.
    pub rejected: Vec<Rejected>,
    /// Lines of total rows a console appended (合计 / Total in the date,
    /// room or channel cell), left out.
    pub total_rows: Vec<u64>,
    /// Empty cells of optional columns in accepted rows.
    pub empty_cells: EmptyCells,
}

/// Empty cells of optional columns (orders, gmv, impressions, watch time,
/// comments) in rows that were accepted: not errors, but the stages that
/// use those columns see fewer rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmptyCells {
    /// The first [`EmptyCells::SHOWN`], in file order.
    pub first: Vec<Defect>,
    /// Per column, how many.
    pub counts: std::collections::BTreeMap<Field, usize>,
    /// For a folder of files: the file of each of `first` (empty when
    /// they are all in the one file read).
    pub first_files: Vec<PathBuf>,
    /// For a folder of files: files without a column the others have, and
    /// how many of their rows that leaves empty (counted in `counts`).
    pub missing_columns: Vec<(PathBuf, Field, usize)>,
}

impl EmptyCells {
    /// Empty cells named one by one; the rest are counted per column.
    pub const SHOWN: usize = 50;

    /// Record one.
    pub fn push(&mut self, d: Defect) {
        if let Some(c) = &d.column {
            *self.counts.entry(c.field).or_default() += 1;
        }
        if self.first.len() < Self::SHOWN {
            self.first.push(d);
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The named ones with their file (`default`: the file read, for a
    /// single file).
    pub fn named<'a>(&'a self, default: &'a Path) -> impl Iterator<Item = (&'a Path, &'a Defect)> {
        self.first.iter().enumerate().map(move |(i, d)| {
            let file = self.first_files.get(i).map_or(default, PathBuf::as_path);
            (file, d)
        })
    }
}

/// (date, room code, channel code).
type DayKey = (i32, u32, u32);

/// The time of day a date cell carries after its date (`2026-11-01 13:00`,
/// `2026-11-01T13:00:00`), as a hash; `None` for a bare date.
fn time_of_day(text: &str) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let (_, rest) = text.trim().split_once([' ', 'T'])?;
    let rest = rest.trim();
    if rest.is_empty() {
        return None;
    }
    let mut h = std::hash::DefaultHasher::new();
    rest.hash(&mut h);
    Some(h.finish())
}

/// Room name used when the file has no room column.
pub const ONE_ROOM: &str = "all";

impl<'r> Builder<'r> {
    pub(crate) fn new(resolved: &'r Resolved, declared: Declared) -> Self {
        let optional = Field::OPTIONAL_NUMBERS
            .into_iter()
            .filter_map(|f| resolved.get(f).map(|i| (f, i, Vec::new())))
            .collect();
        let mut room_names = Interner::default();
        if resolved.get(Field::Room).is_none() {
            room_names.code(ONE_ROOM);
        }
        Builder {
            resolved,
            declared,
            lines: Vec::new(),
            dates: Vec::new(),
            rooms: Vec::new(),
            channels: Vec::new(),
            spend: Vec::new(),
            viewers: Vec::new(),
            campaigns: resolved.get(Field::Campaign).map(|_| Vec::new()),
            optional,
            room_names,
            channel_names: Interner::default(),
            campaign_names: Interner::default(),
            keys: Default::default(),
            times: Default::default(),
            sub_daily_merged: 0,
            repeats_allowed: false,
            defects: Vec::new(),
            rejected: Vec::new(),
            total_rows: Vec::new(),
            empty_cells: EmptyCells::default(),
        }
    }

    /// Accept several rows of one date × room × channel.
    pub(crate) fn allow_repeated_keys(&mut self) {
        self.repeats_allowed = true;
    }

    /// Whether the file has a room column.
    pub(crate) fn has_room_column(&self) -> bool {
        self.resolved.get(Field::Room).is_some()
    }

    /// Number of accepted rows so far.
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    fn column_ref(&self, field: Field) -> Option<ColumnRef> {
        self.resolved.get(field).map(|index| ColumnRef {
            index,
            header: self.resolved.headers[index].clone(),
            field,
        })
    }

    fn defect(
        &self,
        line: u64,
        field: Option<Field>,
        value: Option<String>,
        problem: Problem,
    ) -> Defect {
        Defect {
            line,
            column: field.and_then(|f| self.column_ref(f)),
            value,
            problem,
        }
    }

    /// A row whose field count differs from the header's.
    pub(crate) fn reject_field_count(
        &mut self,
        line: u64,
        found: usize,
        raw: impl FnOnce() -> String,
    ) {
        let d = self.defect(
            line,
            None,
            None,
            Problem::FieldCount {
                expected: self.resolved.headers.len(),
                found,
            },
        );
        self.reject(line, vec![d], raw);
    }

    /// A row with a cell that is not UTF-8.
    pub(crate) fn reject_not_utf8(
        &mut self,
        line: u64,
        index: usize,
        raw: impl FnOnce() -> String,
    ) {
        let field = self
            .resolved
            .index
            .iter()
            .find(|&(_, &i)| i == index)
            .map(|(&f, _)| f);
        let column = Some(ColumnRef {
            index,
            header: self
                .resolved
                .headers
                .get(index)
                .cloned()
                .unwrap_or_default(),
            field: field.unwrap_or(Field::Channel),
        });
        let d = Defect {
            line,
            column,
            value: None,
            problem: Problem::NotUtf8,
        };
        self.reject(line, vec![d], raw);
    }

    fn reject(&mut self, line: u64, defects: Vec<Defect>, raw: impl FnOnce() -> String) {
        let reason = defects
            .iter()
            .map(|d| match &d.column {
                Some(c) => format!("column `{}`: {}", c.header, d.message()),
                None => d.message(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        self.rejected.push(Rejected {
            line,
            reason,
            raw: raw(),
        });
        self.defects.extend(defects);
    }

    /// Validate one row and keep it if it has no defect. `cell(i)` gives the
    /// cell at file position `i`. Returns whether the row was accepted.
    pub(crate) fn push<'c>(
        &mut self,
        line: u64,
        cell: impl Fn(usize) -> Cell<'c>,
        raw: impl FnOnce() -> String,
    ) -> bool {
        let mut defects = Vec::new();
        let get = |f: Field| self.resolved.get(f).map(&cell);
        // A total row appended by the console: never summed in.
        if TOTAL_MARKER_FIELDS
            .into_iter()
            .any(|f| matches!(get(f), Some(Cell::Text(t)) if is_total_marker(t)))
        {
            self.total_rows.push(line);
            return false;
        }

        let date = self.read_date(line, get(Field::Date), &mut defects);
        let channel = match &self.resolved.fixed_channel {
            Some(c) => Some(Cow::Owned(c.clone())),
            None => self.read_text(line, Field::Channel, get(Field::Channel), &mut defects),
        };
        let room = match self.resolved.get(Field::Room) {
            Some(_) => self.read_text(line, Field::Room, get(Field::Room), &mut defects),
            None => Some(Cow::Borrowed(ONE_ROOM)),
        };
        let spend = self.read_number(line, Field::Spend, get(Field::Spend), &mut defects);
        let viewers = self.read_number(line, Field::Viewers, get(Field::Viewers), &mut defects);
        let campaign = match get(Field::Campaign) {
            Some(Cell::Text(t)) if !t.trim().is_empty() => Some(Cow::Borrowed(t.trim())),
            Some(Cell::Number(n)) => Some(Cow::Owned(n.to_string())),
            _ => None,
        };
        let mut opt_values = Vec::with_capacity(self.optional.len());
        for k in 0..self.optional.len() {
            let (f, i, _) = self.optional[k];
            opt_values.push(self.read_number(line, f, Some(cell(i)), &mut defects));
        }

        if !defects.is_empty() {
            self.reject(line, defects, raw);
            return false;
        }
        let empty: Vec<Field> = self
            .optional
            .iter()
            .zip(&opt_values)
            .filter(|(_, v)| matches!(v, Some(None)))
            .map(|((f, _, _), _)| *f)
            .collect();
        for f in empty {
            let d = self.defect(line, Some(f), None, Problem::Empty);
            self.empty_cells.push(d);
        }
        let (Some(date), Some(channel), Some(room), Some(Some(spend)), Some(Some(viewers))) =
            (date, channel, room, spend, viewers)
        else {
            unreachable!("a required value is missing only with a defect");
        };
        let room_code = self.room_names.code(&room);
        let channel_code = self.channel_names.code(&channel);
        let key = (date, room_code, channel_code);
        let time = match get(Field::Date) {
            Some(Cell::Text(t)) => time_of_day(t),
            _ => None,
        };
        if let Some(t) = time
            && let Some(&first_line) = self.times.get(&(date, room_code, channel_code, t))
        {
            let key = format!("({}, {room}, {channel})", format_date(date));
            let d = self.defect(line, None, Some(key), Problem::DuplicateKey { first_line });
            self.reject(line, vec![d], raw);
            return false;
        }
        if !self.repeats_allowed
            && let Some(&(first_line, row, first_time)) = self.keys.get(&key)
        {
            if let (Some(t), Some(_)) = (time, first_time) {
                // Another hour of a day already read: summed into it, as
                // the Parquet-folder path sums its rows to days.
                self.times.insert((date, room_code, channel_code, t), line);
                let campaign = campaign.map(|name| self.campaign_names.code(&name));
                self.merge(row as usize, spend, viewers, campaign, &opt_values);
                self.sub_daily_merged += 1;
                return true;
            }
            let key = format!("({}, {room}, {channel})", format_date(date));
            let d = self.defect(line, None, Some(key), Problem::DuplicateKey { first_line });
            self.reject(line, vec![d], raw);
            return false;
        }
        if let Some(t) = time {
            self.times.insert((date, room_code, channel_code, t), line);
        }
        self.keys.insert(key, (line, self.lines.len() as u32, time));
        self.lines.push(line);
        self.dates.push(date);
        self.rooms.push(room_code);
        self.channels.push(channel_code);
        self.spend.push(spend);
        self.viewers.push(viewers);
        if let Some(c) = &mut self.campaigns {
            c.push(campaign.map(|name| self.campaign_names.code(&name)));
        }
        for ((_, _, col), v) in self.optional.iter_mut().zip(opt_values) {
            col.push(v.flatten());
        }
        true
    }

    /// Add a sub-daily row into row `row` of the same day: numbers summed,
    /// watch time weighted by viewers, a campaign kept only if the same; an
    /// optional cell empty on any of the day's rows leaves the day's value
    /// empty (never a partial sum), as the Parquet-folder path sums.
    fn merge(
        &mut self,
        row: usize,
        spend: f64,
        viewers: f64,
        campaign: Option<u32>,
        opt: &[Option<Option<f64>>],
    ) {
        let v_old = self.viewers[row];
        self.spend[row] += spend;
        self.viewers[row] += viewers;
        if let Some(c) = &mut self.campaigns
            && c[row] != campaign
        {
            c[row] = None;
        }
        for ((f, _, col), v) in self.optional.iter_mut().zip(opt) {
            let new = v.flatten();
            col[row] = match (col[row], new) {
                (Some(a), Some(b)) if *f == Field::AvgWatchSeconds => {
                    let w = v_old + viewers;
                    Some(if w > 0.0 {
                        (a * v_old + b * viewers) / w
                    } else {
                        a.max(b)
                    })
                }
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
        }
    }

    /// The defect for a value that breaks `rule` of `field` (`shown` is the
    /// value as the message quotes it).
    fn broken(
        &self,
        line: u64,
        field: Field,
        rule: Rule,
        shown: impl FnOnce() -> String,
    ) -> Defect {
        let (problem, value) = match rule {
            Rule::Present | Rule::NotBlank => (Problem::Empty, None),
            Rule::Finite => (Problem::NotFinite, Some(shown())),
            Rule::NonNegative => (Problem::Negative, Some(shown())),
            Rule::SupportedYears => (Problem::DateOutOfRange, Some(shown())),
        };
        self.defect(line, Some(field), value, problem)
    }

    fn read_date(&self, line: u64, cell: Option<Cell>, out: &mut Vec<Defect>) -> Option<i32> {
        let value = match cell? {
            Cell::Date(d) => Value::Day(d),
            Cell::Empty => Value::Missing,
            Cell::Text(t) => match parse_date(t) {
                Some(d) => Value::Day(d),
                None => {
                    out.push(self.defect(
                        line,
                        Some(Field::Date),
                        Some(t.to_string()),
                        Problem::BadDate,
                    ));
                    return None;
                }
            },
            Cell::Number(n) => {
                out.push(self.defect(
                    line,
                    Some(Field::Date),
                    Some(n.to_string()),
                    Problem::BadDate,
                ));
                return None;
            }
        };
        if let Some(rule) = Field::Date.first_broken(value) {
            let shown = || match value {
                Value::Day(d) => format_date(d),
                _ => String::new(),
            };
            out.push(self.broken(line, Field::Date, rule, shown));
            return None;
        }
        match value {
            Value::Day(d) => Some(d),
            _ => unreachable!("a missing date breaks `Present`"),
        }
    }

    fn read_text<'c>(
        &self,
        line: u64,
        field: Field,
        cell: Option<Cell<'c>>,
        out: &mut Vec<Defect>,
    ) -> Option<Cow<'c, str>> {
        let text: Cow<'c, str> = match cell? {
            Cell::Text(t) => Cow::Borrowed(t.trim()),
            Cell::Number(n) => Cow::Owned(n.to_string()),
            Cell::Date(d) => Cow::Owned(format_date(d)),
            Cell::Empty => {
                if let Some(rule) = field.first_broken(Value::Missing) {
                    out.push(self.broken(line, field, rule, String::new));
                }
                return None;
            }
        };
        if let Some(rule) = field.first_broken(Value::Text(&text)) {
            out.push(self.broken(line, field, rule, || text.to_string()));
            return None;
        }
        Some(text)
    }

    /// `Some(Some(v))` a good value, `Some(None)` an allowed empty optional
    /// cell, `None` a defect (pushed to `out`).
    fn read_number(
        &self,
        line: u64,
        field: Field,
        cell: Option<Cell>,
        out: &mut Vec<Defect>,
    ) -> Option<Option<f64>> {
        debug_assert_eq!(field.kind(), Kind::Number);
        let (value, text) = match cell? {
            Cell::Empty => (Value::Missing, None),
            Cell::Number(n) => (Value::Number(n), None),
            Cell::Date(d) => {
                out.push(self.defect(line, Some(field), Some(format_date(d)), Problem::NotANumber));
                return None;
            }
            Cell::Text(t) => match parse_number(t) {
                Ok(v) => (Value::Number(v), Some(t)),
                Err(p) => {
                    let problem = match p {
                        NumberProblem::NotANumber => Problem::NotANumber,
                        NumberProblem::NotFinite => Problem::NotFinite,
                        NumberProblem::BadGrouping => Problem::BadGrouping,
                    };
                    out.push(self.defect(line, Some(field), Some(t.trim().to_string()), problem));
                    return None;
                }
            },
        };
        if let Some(rule) = field.first_broken_under(value, self.declared) {
            let shown = || match (text, value) {
                (Some(t), _) => t.trim().to_string(),
                (None, Value::Number(x)) => x.to_string(),
                _ => String::new(),
            };
            out.push(self.broken(line, field, rule, shown));
            return None;
        }
        match value {
            // -0.0 reads as 0.
            Value::Number(x) => Some(Some(x + 0.0)),
            _ => Some(None),
        }
    }

    /// The accepted rows as a frame (see [`ValidatedData`] for its schema).
    pub(crate) fn finish(self) -> PolarsResult<(DataFrame, Vec<Defect>, Vec<Rejected>)> {
        let n = self.lines.len();
        let mut cols = vec![
            Column::new("line".into(), self.lines),
            Int32Chunked::from_vec("date".into(), self.dates)
                .into_date()
                .into_series()
                .into_column(),
            self.room_names.column("room", &self.rooms),
            self.channel_names.column("channel", &self.channels),
            Column::new("spend".into(), self.spend),
            Column::new("viewers".into(), self.viewers),
        ];
        if let Some(codes) = &self.campaigns {
            let ca: StringChunked = codes
                .iter()
                .map(|c| c.map(|c| &*self.campaign_names.names[c as usize]))
                .collect();
            cols.push(ca.with_name("campaign".into()).into_series().into_column());
        }
        for (f, _, values) in self.optional {
            cols.push(Column::new(f.name().into(), values));
        }
        Ok((DataFrame::new(n, cols)?, self.defects, self.rejected))
    }
}

/// History that passed validation. Columns: `line` (u64, where the row stood
/// in the source), `date` (Date), `room`, `channel` (String), `spend` (CNY),
/// `viewers` (f64, people), then whichever of `campaign`, `impressions`,
/// `orders`, `gmv`, `avg_watch_seconds`, `comments` the file had (nullable).
/// Every number is finite and ≥ 0 (but `gmv` declared net of refunds, see
/// [`ValidatedData::declared`]); (date, room, channel) is unique.
#[derive(Clone, Debug)]
pub struct ValidatedData {
    frame: DataFrame,
    source: PathBuf,
    has_room: bool,
    period: Period,
    declared: Declared,
}

impl ValidatedData {
    pub(crate) fn new(frame: DataFrame, source: PathBuf, has_room: bool) -> Self {
        ValidatedData {
            frame,
            source,
            has_room,
            period: Period::DAY,
            declared: Declared::default(),
        }
    }

    /// What the user declared about the values (`gmv` net of refunds: it
    /// may be below zero).
    pub fn declared(&self) -> Declared {
        self.declared
    }

    /// The same rows, read under `declared`.
    pub fn with_declared(mut self, declared: Declared) -> Self {
        self.declared = declared;
        self
    }

    /// Other rows of the same history (a subset of these): source, rooms,
    /// period and declarations kept.
    pub fn with_rows(&self, frame: DataFrame) -> ValidatedData {
        ValidatedData {
            frame,
            source: self.source.clone(),
            has_room: self.has_room,
            period: self.period,
            declared: self.declared,
        }
    }

    /// How many days one row covers (daily unless [`period::detect`] said
    /// otherwise and [`ValidatedData::with_period`] recorded it).
    pub fn period(&self) -> Period {
        self.period
    }

    /// The same rows, read as rows of `period`.
    pub fn with_period(mut self, period: Period) -> Self {
        self.period = period;
        self
    }

    /// The rows, as a polars frame.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// The file (or folder) they came from.
    pub fn source(&self) -> &Path {
        &self.source
    }

    /// Whether the input had a room column (else every row is room `all`).
    pub fn has_room(&self) -> bool {
        self.has_room
    }

    /// Whether an optional numeric column was present.
    pub fn has(&self, field: Field) -> bool {
        self.frame.column(field.name()).is_ok()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.frame.height()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }
}
