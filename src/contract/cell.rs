//! Reading one cell: numbers as consoles write them, and calendar days
//! written as text.

use super::calendar::{SUPPORTED_YEARS, days_from_civil, days_in_month};

/// A cell as a source presents it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// Nothing in the cell (or only spaces).
    Empty,
    /// Text to be parsed.
    Text(&'a str),
    /// A typed number (spreadsheet or Parquet).
    Number(f64),
    /// A typed day, days since 1970-01-01.
    Date(i32),
}

/// Why a number cell did not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberProblem {
    /// Not a number at all.
    NotANumber,
    /// `NaN` or infinity.
    NotFinite,
    /// Thousands separators in the wrong places (`12,34`).
    BadGrouping,
}

/// Parse a number as ad consoles write it: `1234.5`, `1,234.5`, `¥1,234`,
/// `￥12`, `12元`, `CNY 30`. Rejects NaN/infinity and misplaced separators.
pub fn parse_number(raw: &str) -> Result<f64, NumberProblem> {
    let s = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}');
    if let Ok(v) = s.parse::<f64>() {
        return if v.is_finite() {
            Ok(v)
        } else {
            Err(NumberProblem::NotFinite)
        };
    }
    let mut t = s;
    let mut negative = false;
    if let Some(rest) = t.strip_prefix('-') {
        negative = true;
        t = rest.trim_start();
    }
    for prefix in ["¥", "￥", "CNY", "RMB", "cny", "rmb"] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim_start();
            break;
        }
    }
    for suffix in ["元", "CNY", "RMB"] {
        if let Some(rest) = t.strip_suffix(suffix) {
            t = rest.trim_end();
            break;
        }
    }
    if let Some(rest) = t.strip_prefix('-') {
        negative = !negative;
        t = rest.trim_start();
    }
    if t.is_empty() {
        return Err(NumberProblem::NotANumber);
    }
    let (int_part, frac_part) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    let grouped = int_part.contains([',', '，']);
    let mut digits = String::with_capacity(t.len());
    if grouped {
        let groups: Vec<&str> = int_part.split([',', '，']).collect();
        let ok = groups.iter().enumerate().all(|(k, g)| {
            g.bytes().all(|b| b.is_ascii_digit())
                && if k == 0 {
                    (1..=3).contains(&g.len())
                } else {
                    g.len() == 3
                }
        });
        if !ok {
            return Err(NumberProblem::BadGrouping);
        }
        groups.iter().for_each(|g| digits.push_str(g));
    } else {
        digits.push_str(int_part);
    }
    if let Some(f) = frac_part {
        digits.push('.');
        digits.push_str(f);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') || digits == "." {
        return Err(NumberProblem::NotANumber);
    }
    let v: f64 = digits.parse().map_err(|_| NumberProblem::NotANumber)?;
    Ok(if negative { -v } else { v })
}

/// Parse a day: `2026-11-03`, `2026/11/3`, `2026.11.03`, `20261103`,
/// `2026年11月3日`; a trailing time (`2026-11-03 00:00:00`) is ignored.
/// Years in [`SUPPORTED_YEARS`] only (1900–2200).
pub fn parse_date(raw: &str) -> Option<i32> {
    let s = raw.trim();
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    let (y, m, d) = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        (
            s[0..4].parse().ok()?,
            s[4..6].parse().ok()?,
            s[6..8].parse().ok()?,
        )
    } else {
        let s = s.strip_suffix('日').unwrap_or(s);
        let mut parts = s.split(['-', '/', '.', '年', '月']);
        let y: i32 = digits(parts.next()?, 4, 4)?.parse().ok()?;
        let m: u32 = digits(parts.next()?, 1, 2)?.parse().ok()?;
        let d: u32 = digits(parts.next()?, 1, 2)?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        (y, m, d)
    };
    if !SUPPORTED_YEARS.contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m)
    {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn digits(s: &str, min: usize, max: usize) -> Option<&str> {
    ((min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar::format_date;

    #[test]
    fn numbers_as_consoles_write_them() {
        assert_eq!(parse_number("1234.5"), Ok(1234.5));
        assert_eq!(parse_number(" 1,234.5 "), Ok(1234.5));
        assert_eq!(parse_number("¥1,234,567"), Ok(1_234_567.0));
        assert_eq!(parse_number("￥12.30"), Ok(12.3));
        assert_eq!(parse_number("12元"), Ok(12.0));
        assert_eq!(parse_number("-¥5"), Ok(-5.0));
        assert_eq!(parse_number("1e3"), Ok(1000.0));
        assert_eq!(parse_number("12,34"), Err(NumberProblem::BadGrouping));
        assert_eq!(parse_number("1,2345"), Err(NumberProblem::BadGrouping));
        assert_eq!(parse_number("abc"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_number("¥"), Err(NumberProblem::NotANumber));
        assert_eq!(parse_number("NaN"), Err(NumberProblem::NotFinite));
        assert_eq!(parse_number("inf"), Err(NumberProblem::NotFinite));
        assert_eq!(parse_number("1.2.3"), Err(NumberProblem::NotANumber));
    }

    #[test]
    fn dates_round_trip_and_validate() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2026-11-25"),
            Some(days_from_civil(2026, 11, 25))
        );
        assert_eq!(parse_date("2026/11/5"), parse_date("2026-11-05"));
        assert_eq!(parse_date("20261105"), parse_date("2026-11-05"));
        assert_eq!(parse_date("2026年11月5日"), parse_date("2026-11-05"));
        assert_eq!(parse_date("2026-11-05 00:00:00"), parse_date("2026-11-05"));
        assert_eq!(
            parse_date("2024-02-29").map(format_date).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("11/05/2026"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(
            parse_date("1900-01-01"),
            Some(super::super::calendar::FIRST_DAY)
        );
        assert_eq!(
            parse_date("2200-12-31"),
            Some(super::super::calendar::LAST_DAY)
        );
        assert_eq!(parse_date("1899-12-31"), None);
        assert_eq!(parse_date("2201-01-01"), None);
    }
}
