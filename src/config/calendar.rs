//! `[[calendar]]`: promotion days as written in the file, checked into a
//! [`Calendar`], with where each value is written so that errors name the
//! line and column.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::ConfigError;
use crate::calendar::{Calendar, Promotion};
use crate::contract::calendar::{days_from_civil, format_date, is_supported};

/// One `[[calendar]]` entry: `date = "2026-11-11"`, or `start` and `end`
/// (inclusive); `name`; optionally `channels` (default every channel).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CalendarEntry {
    /// `双11`.
    pub name: Spanned<String>,
    /// A single day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Spanned<String>>,
    /// First day of a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Spanned<String>>,
    /// Last day of a range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Spanned<String>>,
    /// The channels it applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<Spanned<String>>>,
}

/// The calendar as resolved, with where each entry's channels are written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CalendarSettings {
    /// The checked calendar.
    pub calendar: Calendar,
    /// The config file.
    pub path: PathBuf,
    /// Per entry, per channel: `(line, column)`, 1-based.
    pub channel_at: Vec<Vec<(usize, usize)>>,
}

/// `(line, column)`, 1-based, of byte `offset` of `text`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, col)
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn parse_day(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i32 = s[0..4].parse().ok()?;
    let m: u32 = s[5..7].parse().ok()?;
    let d: u32 = s[8..10].parse().ok()?;
    let day = days_from_civil(y, m, d);
    // Round trip: rejects 2026-02-30, 2026-13-01.
    (format_date(day) == s && is_supported(day)).then_some(day)
}

/// Check the entries of `path` (its `text`) into a calendar.
pub fn resolve(
    path: &Path,
    text: &str,
    entries: &[CalendarEntry],
) -> Result<CalendarSettings, ConfigError> {
    let err = |offset: usize, message: String| {
        let (line, column) = line_col(text, offset);
        ConfigError::BadCalendar {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let day = |v: &Spanned<String>, key: &str| {
        parse_day(v.get_ref()).ok_or_else(|| {
            err(
                v.span().start,
                format!("`{key} = \"{}\"` is not a date YYYY-MM-DD", v.get_ref()),
            )
        })
    };
    let mut out = CalendarSettings {
        path: path.to_path_buf(),
        ..CalendarSettings::default()
    };
    for e in entries {
        let name = e.name.get_ref().trim();
        if name.is_empty() {
            return Err(err(e.name.span().start, "the `name` is empty".into()));
        }
        let (first, last) = match (&e.date, &e.start, &e.end) {
            (Some(d), None, None) => {
                let x = day(d, "date")?;
                (x, x)
            }
            (None, Some(s), Some(t)) => {
                let (a, b) = (day(s, "start")?, day(t, "end")?);
                if b < a {
                    return Err(err(
                        t.span().start,
                        format!(
                            "`end = \"{}\"` is before `start = \"{}\"`",
                            t.get_ref(),
                            s.get_ref()
                        ),
                    ));
                }
                (a, b)
            }
            _ => {
                return Err(err(
                    e.name.span().start,
                    format!(
                        "entry `{name}` needs either `date` or both `start` and `end` (not both kinds)"
                    ),
                ));
            }
        };
        let channels = match &e.channels {
            None => None,
            Some(c) if c.is_empty() => {
                return Err(err(
                    e.name.span().start,
                    format!(
                        "entry `{name}` has `channels = []`; leave the key out for every channel"
                    ),
                ));
            }
            Some(c) => Some(c.iter().map(|x| x.get_ref().clone()).collect()),
        };
        out.channel_at.push(
            e.channels
                .iter()
                .flatten()
                .map(|c| line_col(text, c.span().start))
                .collect(),
        );
        out.calendar.entries.push(Promotion {
            name: name.to_string(),
            first_day: first,
            last_day: last,
            channels,
        });
    }
    if let Some((i, j)) = out.calendar.first_overlap() {
        let (a, b) = (&out.calendar.entries[i], &out.calendar.entries[j]);
        return Err(err(
            entries[j].name.span().start,
            format!(
                "entry `{}` ({} to {}) overlaps entry `{}` ({} to {}) on a channel: a day has one promotion",
                b.name,
                format_date(b.first_day),
                format_date(b.last_day),
                a.name,
                format_date(a.first_day),
                format_date(a.last_day)
            ),
        ));
    }
    Ok(out)
}

impl CalendarSettings {
    /// The first channel an entry names that `known` does not have: the
    /// error naming the file, line and column.
    pub fn unknown_channel(&self, known: &[&str]) -> Option<ConfigError> {
        for (e, at) in self.calendar.entries.iter().zip(&self.channel_at) {
            for (c, &(line, column)) in e.channels.iter().flatten().zip(at) {
                if !known.contains(&c.as_str()) {
                    return Some(ConfigError::UnknownCalendarChannel {
                        path: self.path.clone(),
                        line,
                        column,
                        entry: e.name.clone(),
                        name: c.clone(),
                        known: known.join(", "),
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<CalendarSettings, String> {
        #[derive(Deserialize)]
        struct F {
            calendar: Vec<CalendarEntry>,
        }
        let f: F = toml::from_str(text).map_err(|e| e.to_string())?;
        resolve(Path::new("acqplan.toml"), text, &f.calendar).map_err(|e| {
            let hint = e.hint().unwrap_or_default();
            format!("{e} | {hint}")
        })
    }

    #[test]
    fn dates_and_ranges_are_read() {
        let c = read(
            "[[calendar]]\nname = \"双11\"\nstart = \"2026-11-01\"\nend = \"2026-11-11\"\n\
             [[calendar]]\nname = \"618\"\ndate = \"2026-06-18\"\nchannels = [\"douyin\"]\n",
        )
        .unwrap();
        let e = &c.calendar.entries;
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].first_day, days_from_civil(2026, 11, 1));
        assert_eq!(e[0].last_day, days_from_civil(2026, 11, 11));
        assert_eq!(e[0].channels, None);
        assert_eq!(e[1].first_day, e[1].last_day);
        assert_eq!(e[1].channels, Some(vec!["douyin".to_string()]));
        assert_eq!(c.channel_at, vec![vec![], vec![(8, 13)]]);
    }

    #[test]
    fn a_bad_date_is_located() {
        let e = read("[[calendar]]\nname = \"x\"\ndate = \"2026-02-30\"\n").unwrap_err();
        assert!(
            e.starts_with("config `acqplan.toml`, line 3, column 8: `date = \"2026-02-30\"` is not a date YYYY-MM-DD"),
            "{e}"
        );
        assert!(e.contains("[[calendar]]"), "{e}");
        let e = read("[[calendar]]\nname = \"x\"\ndate = \"11/11\"\n").unwrap_err();
        assert!(e.contains("line 3, column 8"), "{e}");
    }

    #[test]
    fn an_end_before_its_start_is_located() {
        let e =
            read("[[calendar]]\nname = \"x\"\nstart = \"2026-11-11\"\n  end = \"2026-11-01\"\n")
                .unwrap_err();
        assert!(
            e.starts_with("config `acqplan.toml`, line 4, column 9: `end = \"2026-11-01\"` is before `start = \"2026-11-11\"`"),
            "{e}"
        );
    }

    #[test]
    fn overlapping_entries_and_half_ranges_are_located() {
        let e = read(
            "[[calendar]]\nname = \"a\"\nstart = \"2026-11-01\"\nend = \"2026-11-11\"\n\
             [[calendar]]\nname = \"b\"\ndate = \"2026-11-11\"\n",
        )
        .unwrap_err();
        assert!(e.contains("line 6, column 8"), "{e}");
        assert!(e.contains("overlaps entry `a`"), "{e}");
        // On other channels they may share days.
        read(
            "[[calendar]]\nname = \"a\"\ndate = \"2026-11-11\"\nchannels = [\"x\"]\n\
             [[calendar]]\nname = \"b\"\ndate = \"2026-11-11\"\nchannels = [\"y\"]\n",
        )
        .unwrap();
        let e = read("[[calendar]]\nname = \"a\"\nstart = \"2026-11-01\"\n").unwrap_err();
        assert!(
            e.contains("line 2, column 8") && e.contains("needs either"),
            "{e}"
        );
    }

    #[test]
    fn an_unknown_channel_is_located() {
        let c = read(
            "[[calendar]]\nname = \"a\"\ndate = \"2026-11-11\"\nchannels = [\"x\", \"douyn\"]\n",
        )
        .unwrap();
        let e = c.unknown_channel(&["x", "douyin"]).unwrap();
        assert_eq!(
            e.to_string(),
            "config `acqplan.toml`, line 4, column 18: `[[calendar]]` entry `a` names channel `douyn`, which the data does not have"
        );
        assert!(e.hint().unwrap().contains("x, douyin"));
        assert!(c.unknown_channel(&["x", "douyn"]).is_none());
    }
}
