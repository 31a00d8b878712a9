//! Calendar days: proleptic Gregorian dates as days since 1970-01-01, the
//! years the contract supports, and the day of a timestamp.
//!
//! The arithmetic runs in `i64`, so every `i32` day count converts (a typed
//! Parquet date can hold any of them) and nothing overflows.

use std::ops::RangeInclusive;

use polars::prelude::{Column, DataType, Expr, Int32Chunked, IntoColumn, IntoSeries, TimeUnit};

/// The years a history's dates may fall in.
pub const SUPPORTED_YEARS: RangeInclusive<i32> = 1900..=2200;

/// The first supported day, 1900-01-01, in days since 1970-01-01.
pub const FIRST_DAY: i32 = days_from_civil(*SUPPORTED_YEARS.start(), 1, 1);

/// The last supported day, 2200-12-31, in days since 1970-01-01.
pub const LAST_DAY: i32 = days_from_civil(*SUPPORTED_YEARS.end(), 12, 31);

/// Whether a day count falls in [`SUPPORTED_YEARS`].
pub fn is_supported(day: i32) -> bool {
    (FIRST_DAY..=LAST_DAY).contains(&day)
}

/// An `i64` day count as `i32`, saturating at the ends.
const fn saturate(days: i64) -> i32 {
    if days < i32::MIN as i64 {
        i32::MIN
    } else if days > i32::MAX as i64 {
        i32::MAX
    } else {
        days as i32
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), saturating at the ends of `i32`.
pub const fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = y as i64 - (m <= 2) as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    saturate(era * 146_097 + doe - 719_468)
}

/// The (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z as i64 + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    // |year| < 6 million for any i32 day count: it fits.
    ((if m <= 2 { y + 1 } else { y }) as i32, m as u32, d as u32)
}

/// `YYYY-MM-DD` of a count of days since 1970-01-01.
pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Weekday of a day count, 0 = Monday … 6 = Sunday.
pub fn weekday(days: i32) -> u8 {
    // 1970-01-01 was a Thursday (3).
    ((days as i64 + 3).rem_euclid(7)) as u8
}

/// Days in month `m` of year `y`.
pub(crate) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Units of a timestamp in one day.
fn units_per_day(unit: TimeUnit) -> i64 {
    match unit {
        TimeUnit::Nanoseconds => 86_400_000_000_000,
        TimeUnit::Microseconds => 86_400_000_000,
        TimeUnit::Milliseconds => 86_400_000,
    }
}

/// The day of a timestamp (`value` units since 1970-01-01 00:00), as
/// polars casts a Datetime to a Date, but saturating at the ends of `i32`
/// where polars would give null.
pub fn day_of_stamp(value: i64, unit: TimeUnit) -> i32 {
    saturate(value.div_euclid(units_per_day(unit)))
}

/// [`day_of_stamp`] as an expression: a Datetime column of `unit` to Date.
pub fn day_of_stamp_expr(stamp: Expr, unit: TimeUnit) -> Expr {
    stamp.cast(DataType::Int64).map(
        move |c: Column| {
            let days: Int32Chunked = c
                .i64()?
                .iter()
                .map(|v| v.map(|v| day_of_stamp(v, unit)))
                .collect();
            Ok(days
                .with_name(c.name().clone())
                .into_date()
                .into_series()
                .into_column())
        },
        |_, f| Ok(f.clone().with_dtype(DataType::Date)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        for z in [-1000, 0, 59, 20_000, 25_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        // 2026-11-23 is a Monday.
        assert_eq!(weekday(days_from_civil(2026, 11, 23)), 0);
        assert_eq!(weekday(days_from_civil(2026, 11, 29)), 6);
    }

    #[test]
    fn supported_years_and_extreme_days() {
        assert_eq!(format_date(FIRST_DAY), "1900-01-01");
        assert_eq!(format_date(LAST_DAY), "2200-12-31");
        assert!(is_supported(FIRST_DAY) && is_supported(LAST_DAY));
        assert!(!is_supported(FIRST_DAY - 1) && !is_supported(LAST_DAY + 1));
        // Every i32 day converts without overflow, and back.
        for z in [i32::MIN, i32::MIN + 1, -719_469, i32::MAX - 1, i32::MAX] {
            let (y, m, d) = civil_from_days(z);
            assert!((1..=12).contains(&m) && (1..=31).contains(&d), "{z}");
            assert_eq!(days_from_civil(y, m, d), z, "{z}");
        }
        assert_eq!(format_date(i32::MAX), "5881580-07-11");
        assert_eq!(format_date(i32::MIN), "-5877641-06-23");
        assert_eq!(days_from_civil(i32::MAX, 12, 31), i32::MAX);
        assert_eq!(days_from_civil(i32::MIN, 1, 1), i32::MIN);
    }

    #[test]
    fn stamps_to_days() {
        let ms = TimeUnit::Milliseconds;
        assert_eq!(day_of_stamp(0, ms), 0);
        assert_eq!(day_of_stamp(-1, ms), -1);
        assert_eq!(day_of_stamp(86_400_000 * 20_000 + 5, ms), 20_000);
        assert_eq!(day_of_stamp(i64::MAX, ms), i32::MAX);
        assert_eq!(day_of_stamp(i64::MIN, ms), i32::MIN);
        assert_eq!(
            day_of_stamp(i64::MAX, TimeUnit::Nanoseconds),
            (i64::MAX / 86_400_000_000_000) as i32
        );
    }

    /// The expression form gives the row form's days, and polars' own cast
    /// for every stamp that cast can hold.
    #[test]
    fn stamp_expression_matches_the_row_form_and_polars() {
        use polars::prelude::{DataFrame, Int64Chunked, IntoLazy, col};
        let ms = TimeUnit::Milliseconds;
        let stamps = [
            Some(0),
            Some(-1),
            Some(1_700_000_000_123),
            None,
            Some(i64::MAX),
            Some(i64::MIN),
        ];
        let c = Int64Chunked::from_iter(stamps.iter().copied())
            .with_name("t".into())
            .into_datetime(ms, None)
            .into_series()
            .into_column();
        let df = DataFrame::new(stamps.len(), vec![c]).unwrap();
        let out = df
            .lazy()
            .select([
                day_of_stamp_expr(col("t"), ms).alias("mine"),
                col("t").cast(DataType::Date).alias("polars"),
            ])
            .collect()
            .unwrap();
        let days = |name: &str| -> Vec<Option<i32>> {
            let c = out.column(name).unwrap();
            assert_eq!(c.dtype(), &DataType::Date);
            c.cast(&DataType::Int32)
                .unwrap()
                .i32()
                .unwrap()
                .iter()
                .collect()
        };
        let want: Vec<Option<i32>> = stamps
            .iter()
            .map(|v| v.map(|v| day_of_stamp(v, ms)))
            .collect();
        assert_eq!(days("mine"), want);
        // polars gives null where the day does not fit i32; elsewhere the same.
        assert_eq!(days("polars")[..4], want[..4]);
        assert_eq!(days("polars")[4..], [None, None]);
    }
}
