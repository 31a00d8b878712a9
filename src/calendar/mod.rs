//! The promotion calendar (`[[calendar]]`): promotion days such as 618 or
//! 双11, per channel.
//!
//! Design: the days of the history the calendar tags are **left out of the
//! base curve's fit** (each lane's series loses those days before anything
//! is fitted, so the families, recency, pooling and shrinkage see only
//! everyday days and the base curve stays the everyday curve), and a
//! **per-channel lift** is estimated from them: a factor on viewers at a
//! given spend,
//!
//! ```text
//! lift = Σ actual viewers / Σ base-curve expectation
//! ```
//!
//! over the promotion days of the channel's lanes (rooms pooled; the
//! expectation is the lane's fitted average-day curve times its weekday
//! factor at the day's spend). Its standard error is that of a ratio
//! estimator clustered by date (a promotion lifts every room on the same
//! day alike), never below what the lanes' everyday noise alone gives
//! (`σ / √n` on the log scale); the value is then shrunk toward 1 on the
//! log scale with a normal prior of sd [`PRIOR_LOG_SD`], so a lift resting
//! on one or two days moves less than one resting on many. Horizon days the
//! calendar tags are planned with it: the lane's day factor times the lift.
//!
//! Why left out rather than a day-level factor inside the model: a factor
//! inside the fit would have to go through every family, the recency
//! weighting, the cross-validation and the shrinkage priors, and the
//! promotion days would still pull the shape (promotion days are often the
//! highest-spend days, exactly where the curve bends); left out, the fit is
//! the everyday fit unchanged, and the lift is one ratio per channel whose
//! error is easy to state.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::contract::calendar::{format_date, weekday};
use crate::curves::stage::{CurveFit, SeriesKey, SeriesSet};

/// Prior sd of a channel's log lift: lifts rarely reach e^±1 (×0.37–×2.7).
pub const PRIOR_LOG_SD: f64 = 0.5;

/// One entry of the calendar: a named day or inclusive range of days.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Promotion {
    /// `双11`.
    pub name: String,
    /// First day, days since 1970-01-01.
    #[serde(serialize_with = "as_date")]
    pub first_day: i32,
    /// Last day (inclusive).
    #[serde(serialize_with = "as_date")]
    pub last_day: i32,
    /// The channels it applies to; `None`: every channel.
    pub channels: Option<Vec<String>>,
}

fn as_date<S: serde::Serializer>(d: &i32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_date(*d))
}

impl Promotion {
    /// Whether it covers `day` for `channel`.
    pub fn covers(&self, day: i32, channel: &str) -> bool {
        (self.first_day..=self.last_day).contains(&day)
            && self
                .channels
                .as_ref()
                .is_none_or(|c| c.iter().any(|x| x == channel))
    }
}

/// The calendar: entries that never overlap on a channel's day (checked
/// when the config is read).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Calendar {
    /// Entries in file order.
    pub entries: Vec<Promotion>,
}

impl Calendar {
    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The promotion on `day` for `channel`, if any.
    pub fn on(&self, day: i32, channel: &str) -> Option<&Promotion> {
        self.entries.iter().find(|p| p.covers(day, channel))
    }

    /// Two entries that share a day of a channel: `(earlier, later)` index.
    pub fn first_overlap(&self) -> Option<(usize, usize)> {
        let shares_channel = |a: &Promotion, b: &Promotion| match (&a.channels, &b.channels) {
            (Some(x), Some(y)) => x.iter().any(|c| y.contains(c)),
            _ => true,
        };
        for (j, b) in self.entries.iter().enumerate() {
            for (i, a) in self.entries[..j].iter().enumerate() {
                if a.first_day <= b.last_day && b.first_day <= a.last_day && shares_channel(a, b) {
                    return Some((i, j));
                }
            }
        }
        None
    }

    /// The series split into everyday days (the base curves' fit) and
    /// promotion days (the lifts' estimate).
    pub fn split(&self, set: &SeriesSet) -> (SeriesSet, SeriesSet) {
        let everyday = set.retain_days(|k, d| self.on(d, &k.channel).is_none());
        let promo = set.retain_days(|k, d| self.on(d, &k.channel).is_some());
        (everyday, promo)
    }
}

/// The promotion days left out of a lane set's fit.
#[derive(Clone, Debug, Default)]
pub struct PromoDays {
    /// The calendar.
    pub calendar: Calendar,
    /// The tagged days of every lane (per-day rates, as the fitted set).
    pub set: SeriesSet,
}

/// One channel's promotion lift.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelLift {
    /// Channel.
    pub channel: String,
    /// The lift the plan uses: `raw` shrunk toward 1.
    pub lift: f64,
    /// Σ actual / Σ base-curve expectation over the promotion days.
    pub raw: f64,
    /// Standard error of `raw`.
    pub se: f64,
    /// Distinct promotion dates it rests on.
    pub days: usize,
    /// Lane-days (rows) it rests on.
    pub lane_days: usize,
}

/// What the calendar did to the fit: the days left out and the lifts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PromotionFit {
    /// The calendar's entries.
    pub calendar: Vec<Promotion>,
    /// Lane-days left out of the base curves, per entry name.
    pub left_out_lane_days: BTreeMap<String, usize>,
    /// Per channel with promotion days in the history.
    pub lifts: Vec<ChannelLift>,
}

impl PromotionFit {
    /// The lift of `channel`, if the history had its promotion days.
    pub fn lift(&self, channel: &str) -> Option<&ChannelLift> {
        self.lifts.iter().find(|l| l.channel == channel)
    }
}

/// Per date of a channel: (Σ actual, Σ expected, rows).
type DateSums = BTreeMap<i32, (f64, f64, usize)>;

/// The lifts of the promotion days `promo` over the everyday fits `fits`
/// (keyed as the fitted set; lanes without a usable fit add nothing).
pub fn estimate(promo: &PromoDays, fits: &[CurveFit]) -> PromotionFit {
    // Per channel, per date: (Σ actual, Σ expected, rows); and σ's of the
    // lanes that contributed, for the noise floor of the SE.
    let mut by: BTreeMap<&str, (DateSums, Vec<f64>)> = BTreeMap::new();
    let mut left_out: BTreeMap<String, usize> = BTreeMap::new();
    let set = &promo.set;
    for i in 0..set.len() {
        let key = &set.keys[i];
        for &d in set.dates(i) {
            if let Some(p) = promo.calendar.on(d, &key.channel) {
                *left_out.entry(p.name.clone()).or_default() += 1;
            }
        }
        let Some(f) = find_fit(fits, key).and_then(|f| f.outcome.fitted()) else {
            continue;
        };
        let entry = by.entry(key.channel.as_str()).or_default();
        entry.1.push(f.quality.sigma_log);
        for ((&d, &s), &v) in set
            .dates(i)
            .iter()
            .zip(set.spend_cny(i))
            .zip(set.viewers(i))
        {
            let mut x = f.weekday_factors[weekday(d) as usize] * f.curve.model.value(s);
            if let Some(cap) = f.curve.cap_viewers_per_day {
                x = x.min(cap);
            }
            if !(x.is_finite() && x > 0.0 && v.is_finite()) {
                continue;
            }
            let c = entry.0.entry(d).or_default();
            c.0 += v;
            c.1 += x;
            c.2 += 1;
        }
    }
    let lifts = by
        .into_iter()
        .filter_map(|(channel, (days, sigmas))| {
            lift_of(&days, &sigmas).map(|(lift, raw, se, n, rows)| ChannelLift {
                channel: channel.to_string(),
                lift,
                raw,
                se,
                days: n,
                lane_days: rows,
            })
        })
        .collect();
    PromotionFit {
        calendar: promo.calendar.entries.clone(),
        left_out_lane_days: left_out,
        lifts,
    }
}

fn find_fit<'a>(fits: &'a [CurveFit], key: &SeriesKey) -> Option<&'a CurveFit> {
    fits.binary_search_by(|f| f.key.cmp(key))
        .ok()
        .map(|i| &fits[i])
        .or_else(|| fits.iter().find(|f| &f.key == key))
}

/// `(lift, raw, se, days, rows)` from per-date sums; `None` without days.
fn lift_of(
    days: &BTreeMap<i32, (f64, f64, usize)>,
    sigmas: &[f64],
) -> Option<(f64, f64, f64, usize, usize)> {
    let n = days.len();
    let rows: usize = days.values().map(|c| c.2).sum();
    let sy: f64 = days.values().map(|c| c.0).sum();
    let sx: f64 = days.values().map(|c| c.1).sum();
    if n == 0 || sx <= 0.0 {
        return None;
    }
    let raw = sy / sx;
    let sigma = {
        let ok: Vec<f64> = sigmas.iter().copied().filter(|s| s.is_finite()).collect();
        if ok.is_empty() {
            0.0
        } else {
            ok.iter().sum::<f64>() / ok.len() as f64
        }
    };
    let floor = raw * sigma / (rows as f64).sqrt();
    let clustered = (n >= 2).then(|| {
        let mean_x = sx / n as f64;
        let ss: f64 = days.values().map(|c| (c.0 - raw * c.1).powi(2)).sum();
        (ss / (n as f64 * (n as f64 - 1.0))).sqrt() / mean_x
    });
    let se = clustered.map_or(floor, |c| c.max(floor));
    let lift = if raw > 0.0 {
        let s = se / raw;
        let w = PRIOR_LOG_SD.powi(2) / (PRIOR_LOG_SD.powi(2) + s * s);
        (w * raw.ln()).exp()
    } else {
        raw
    };
    Some((lift, raw, se, n, rows))
}

/// Multiply the day factors of the horizon from `start_day` (per lane, of
/// channel `channels[lane]`) by the channel's lift on the calendar's days.
/// Returns the `(promotion, channel)` pairs of the horizon whose channel
/// has no lift (no promotion days in the history: planned as everyday).
pub fn apply_lifts(
    factors: &mut [Vec<f64>],
    channels: &[&str],
    calendar: &Calendar,
    fit: &PromotionFit,
    start_day: i32,
) -> Vec<(String, String)> {
    let mut unknown = Vec::new();
    for (f, &channel) in factors.iter_mut().zip(channels) {
        for (d, w) in f.iter_mut().enumerate() {
            let Some(p) = calendar.on(start_day + d as i32, channel) else {
                continue;
            };
            match fit.lift(channel) {
                Some(l) if l.lift.is_finite() && l.lift > 0.0 => *w *= l.lift,
                _ => {
                    let pair = (p.name.clone(), channel.to_string());
                    if !unknown.contains(&pair) {
                        unknown.push(pair);
                    }
                }
            }
        }
    }
    unknown
}

/// One promotion day of a horizon: the date, its name and the lifts of
/// the channels it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct HorizonDay {
    /// Days since 1970-01-01.
    pub day: i32,
    /// The promotion's name.
    pub name: String,
    /// The channels of `channels` it covers, in their order.
    pub channels: Vec<String>,
    /// The lifts planned with, per channel (channels without a lift left
    /// out).
    pub lifts: Vec<ChannelLift>,
}

/// The promotion days among `days` days from `start_day`, for `channels`.
pub fn horizon_days(
    calendar: &Calendar,
    fit: &PromotionFit,
    channels: &[&str],
    start_day: i32,
    days: usize,
) -> Vec<HorizonDay> {
    (0..days as i32)
        .map(|d| start_day + d)
        .filter_map(|day| {
            let name = calendar
                .entries
                .iter()
                .find(|p| channels.iter().any(|c| p.covers(day, c)))?;
            let covered: Vec<String> = channels
                .iter()
                .filter(|c| name.covers(day, c))
                .map(|c| c.to_string())
                .collect();
            let lifts = covered
                .iter()
                .filter_map(|c| fit.lift(c).cloned())
                .collect();
            Some(HorizonDay {
                day,
                name: name.name.clone(),
                channels: covered,
                lifts,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit {
    use super::*;

    fn promo(name: &str, a: i32, b: i32, ch: Option<&[&str]>) -> Promotion {
        Promotion {
            name: name.into(),
            first_day: a,
            last_day: b,
            channels: ch.map(|c| c.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn entries_cover_their_days_and_channels() {
        let c = Calendar {
            entries: vec![promo("a", 10, 12, None), promo("b", 20, 20, Some(&["x"]))],
        };
        assert_eq!(c.on(9, "x"), None);
        assert_eq!(c.on(10, "y").unwrap().name, "a");
        assert_eq!(c.on(12, "y").unwrap().name, "a");
        assert_eq!(c.on(20, "x").unwrap().name, "b");
        assert_eq!(c.on(20, "y"), None);
        assert_eq!(c.first_overlap(), None);
        let o = Calendar {
            entries: vec![
                promo("a", 10, 12, Some(&["x"])),
                promo("b", 12, 14, Some(&["y"])),
                promo("c", 14, 15, None),
            ],
        };
        assert_eq!(o.first_overlap(), Some((1, 2)));
    }

    #[test]
    fn ratio_lift_and_its_clustered_error_match_the_formulas() {
        // Three dates: actual 150/300/240 over expected 100/200/160: every
        // day exactly ×1.5, so the clustered SE is 0 and the noise floor
        // (σ 0.2 over 6 rows) is the SE.
        let days: BTreeMap<i32, (f64, f64, usize)> = [
            (1, (150.0, 100.0, 2)),
            (2, (300.0, 200.0, 2)),
            (3, (240.0, 160.0, 2)),
        ]
        .into();
        let (lift, raw, se, n, rows) = lift_of(&days, &[0.2, 0.2]).unwrap();
        assert!((raw - 1.5).abs() < 1e-12);
        assert!((se - 1.5 * 0.2 / 6f64.sqrt()).abs() < 1e-12);
        let s = se / raw;
        let w = 0.25 / (0.25 + s * s);
        assert!((lift - (w * 1.5f64.ln()).exp()).abs() < 1e-12);
        assert!(lift < raw && lift > 1.45);
        assert_eq!((n, rows), (3, 6));
        // Days that disagree: the clustered SE by hand.
        let days: BTreeMap<i32, (f64, f64, usize)> =
            [(1, (100.0, 100.0, 1)), (2, (300.0, 100.0, 1))].into();
        let (_, raw, se, ..) = lift_of(&days, &[0.0]).unwrap();
        assert!((raw - 2.0).abs() < 1e-12);
        // residuals −100, +100: sqrt(20000 / 2) / 100 = 1.
        assert!((se - 1.0).abs() < 1e-12);
    }
}
