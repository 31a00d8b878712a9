//! Recent weeks count more: the level of each curve follows the recent
//! history while its shape keeps the information of the whole history.
//!
//! Costs drift (CPM inflation, audience fatigue, a new host), so a level
//! that weighs a day from two years ago like yesterday plans for a market
//! that is gone; but a shape fitted on the last few weeks alone is too noisy
//! to plan with. The design here:
//!
//! 1. The shape, weekday effects and whole-history expected level are
//!    fitted on all days ([`super::fit`]).
//! 2. Each positive-spend day gives a ratio `q = viewers ÷ curve(spend) ×
//!    weekday factor` (outlier days beyond the expectation correction's
//!    cut count as 1), whose mean
//!    over all days is 1. The level for the coming week is a weighted mean
//!    of `q` with weights halving every `half_life_days` back from the end
//!    of the history, or a weighted local linear trend of `q` carried to the
//!    middle of the horizon.
//! 3. Which setting (all history, half-lives 365 … 21 days, with or without
//!    trend) is chosen **per channel by rolling-origin validation on the
//!    data itself**: for each of the last `K` weeks, the level is estimated
//!    from the days before that week and used to predict the week's viewers
//!    of every lane of the channel at the spend actually spent; the score is
//!    the WAPE of those weekly lane totals. Another setting replaces all
//!    history only when it is better by 2 standard errors of the paired
//!    lane-week differences (and by 1 %), so stationary data keeps its full
//!    sample.
//!
//! The shape used in validation is the one fitted on all days (the level is
//! what drifts; refitting the shape for every origin would cost `K` full
//! fits). `acqplan backtest`-style full refits are the honest check.

use serde::{Deserialize, Serialize};

/// One recency setting.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Half-life of the weights, days (`None`: all days weigh the same).
    pub half_life_days: Option<f64>,
    /// Carry a weighted linear trend of the level to the horizon.
    pub trend: bool,
}

impl Setting {
    /// All history, equal weights, no trend.
    pub const ALL_HISTORY: Setting = Setting {
        half_life_days: None,
        trend: false,
    };

    /// Short text for tables: `all`, `90d`, `180d+trend`.
    pub fn label(&self) -> String {
        let h = match self.half_life_days {
            None => "all".to_string(),
            Some(h) => format!("{h:.0}d"),
        };
        if self.trend { format!("{h}+trend") } else { h }
    }
}

/// Candidate settings, in preference order (ties go to the earlier one).
pub const CANDIDATES: [Setting; 9] = [
    Setting::ALL_HISTORY,
    level(365.0),
    level(180.0),
    level(90.0),
    level(45.0),
    level(21.0),
    Setting {
        half_life_days: None,
        trend: true,
    },
    trended(365.0),
    trended(180.0),
];

const fn level(h: f64) -> Setting {
    Setting {
        half_life_days: Some(h),
        trend: false,
    }
}

const fn trended(h: f64) -> Setting {
    Setting {
        half_life_days: Some(h),
        trend: true,
    }
}

/// A setting other than all history must beat it by this many standard
/// errors of the paired weekly differences (and by 1 %): with a few lanes
/// and eight weeks the scores are noisy, and on stationary data a short
/// half-life wins by chance otherwise.
const MIN_Z: f64 = 2.0;
const MIN_GAIN: f64 = 0.01;
/// Fewer training days than this before an origin: the week is not scored
/// (the same for every setting, so all are scored on the same weeks).
const MIN_TRAIN_DAYS: usize = 56;
/// A trend needs this many training days.
const MIN_TREND_DAYS: usize = 56;
/// A trended level stays within this factor of the weighted mean level.
const TREND_CLAMP: f64 = 1.5;

/// The positive-spend days of one lane, as the recency step sees them.
#[derive(Clone, Debug, Default)]
pub struct LaneDays {
    /// Days before the last day of the whole history (0 = that day).
    pub age_days: Vec<f64>,
    /// The curve's expected viewers that day (spend and weekday).
    pub expected: Vec<f64>,
    /// Viewers that day.
    pub viewers: Vec<f64>,
    /// Ratios `viewers ÷ expected` above this are outlier days and count
    /// as 1 (a day like the curve).
    pub cap_ratio: f64,
}

impl LaneDays {
    fn ratio(&self, i: usize) -> f64 {
        let e = self.expected[i];
        let q = self.viewers[i] / e;
        if e > 0.0 && q <= self.cap_ratio {
            q
        } else {
            1.0
        }
    }
}

/// The level factor of a setting estimated from the days at least `origin`
/// days old, as a function of age (for a trend), with its weights' Kish
/// effective size and the variance of the factor. `None` with too few days.
struct LevelFit {
    mean: f64,
    slope: f64,
    x_bar: f64,
    effective_days: f64,
    var: f64,
}

impl LevelFit {
    /// Factor at `age` days before the end (negative = the future).
    fn at(&self, origin: f64, age: f64) -> f64 {
        let x = origin - age;
        let f = self.mean + self.slope * (x - self.x_bar);
        f.clamp(self.mean / TREND_CLAMP, self.mean * TREND_CLAMP)
    }
}

fn fit_level(d: &LaneDays, s: Setting, origin: f64) -> Option<LevelFit> {
    let decay = s
        .half_life_days
        .map(|h| std::f64::consts::LN_2 / h.max(1.0));
    let (mut sw, mut sw2, mut swq, mut swx) = (0.0, 0.0, 0.0, 0.0);
    let mut n = 0usize;
    for i in 0..d.age_days.len() {
        let age = d.age_days[i];
        if age < origin {
            continue;
        }
        let w = decay.map_or(1.0, |k| (-(age - origin) * k).exp());
        let q = d.ratio(i);
        sw += w;
        sw2 += w * w;
        swq += w * q;
        swx += w * (origin - age);
        n += 1;
    }
    if n < MIN_TRAIN_DAYS || sw <= 0.0 || sw.is_nan() {
        return None;
    }
    let mean = swq / sw;
    let x_bar = swx / sw;
    let (mut sxx, mut sxq, mut sr2) = (0.0, 0.0, 0.0);
    for i in 0..d.age_days.len() {
        let age = d.age_days[i];
        if age < origin {
            continue;
        }
        let w = decay.map_or(1.0, |k| (-(age - origin) * k).exp());
        let x = origin - age - x_bar;
        let r = d.ratio(i) - mean;
        sxx += w * x * x;
        sxq += w * x * r;
        sr2 += w * w * r * r;
    }
    let slope = if s.trend && n >= MIN_TREND_DAYS && sxx > 0.0 {
        sxq / sxx
    } else if s.trend {
        return None;
    } else {
        0.0
    };
    let effective_days = sw * sw / sw2;
    Some(LevelFit {
        mean,
        slope,
        x_bar,
        effective_days,
        var: sr2 / (sw * sw),
    })
}

/// Rolling-origin score of a setting over a channel's lanes: Σ |predicted −
/// actual| / Σ actual over the weekly totals of the last `weeks` weeks
/// (weeks whose lane has too little history before them are skipped).
/// `None` when no week could be scored.
pub fn validation_wape(lanes: &[LaneDays], s: Setting, weeks: usize) -> Option<f64> {
    let w = weekly_errors(lanes, s, weeks);
    let total: f64 = w.iter().map(|x| x.1).sum();
    (total > 0.0).then(|| w.iter().map(|x| x.0).sum::<f64>() / total)
}

/// `(|predicted − actual|, actual)` of every scored lane-week, in order.
fn weekly_errors(lanes: &[LaneDays], s: Setting, weeks: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for d in lanes {
        for k in 1..=weeks {
            let origin = 7.0 * k as f64;
            let held = |age: f64| age < origin && age >= origin - 7.0;
            if !d.age_days.iter().any(|&a| held(a)) {
                continue;
            }
            let Some(fit) = fit_level(d, s, origin) else {
                continue;
            };
            let (mut pred, mut actual) = (0.0, 0.0);
            for i in 0..d.age_days.len() {
                if held(d.age_days[i]) {
                    pred += d.expected[i] * fit.at(origin, d.age_days[i]);
                    actual += d.viewers[i];
                }
            }
            out.push(((pred - actual).abs(), actual));
        }
    }
    out
}

/// The chosen setting of a channel with its score and the all-history score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice {
    /// The setting.
    pub setting: Setting,
    /// Its rolling-origin WAPE.
    pub wape: Option<f64>,
    /// The all-history WAPE.
    pub wape_all_history: Option<f64>,
}

/// Choose a channel's setting among [`CANDIDATES`] by rolling-origin
/// validation over its lanes (all history when nothing can be scored).
pub fn choose(lanes: &[LaneDays], weeks: usize) -> Choice {
    let errors: Vec<Vec<(f64, f64)>> = CANDIDATES
        .iter()
        .map(|&s| weekly_errors(lanes, s, weeks))
        .collect();
    let wape = |e: &[(f64, f64)]| {
        let total: f64 = e.iter().map(|x| x.1).sum();
        (total > 0.0).then(|| e.iter().map(|x| x.0).sum::<f64>() / total)
    };
    let scores: Vec<Option<f64>> = errors.iter().map(|e| wape(e)).collect();
    let all = scores[0];
    let base = &errors[0];
    let mut pick = 0;
    if let Some(all_score) = all {
        for i in 1..CANDIDATES.len() {
            let (Some(score), true) = (scores[i], errors[i].len() == base.len()) else {
                continue;
            };
            // Paired per lane-week differences of absolute error.
            let n = base.len() as f64;
            let diffs: Vec<f64> = base
                .iter()
                .zip(&errors[i])
                .map(|(a, b)| a.0 - b.0)
                .collect();
            let mean = diffs.iter().sum::<f64>() / n;
            let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            let z = mean / (var / n).sqrt().max(1e-12);
            let better_than_pick = scores[pick].is_none_or(|p| score < p);
            if z >= MIN_Z && score <= all_score * (1.0 - MIN_GAIN) && better_than_pick {
                pick = i;
            }
        }
    }
    Choice {
        setting: CANDIDATES[pick],
        wape: scores[pick],
        wape_all_history: all,
    }
}

/// The level factor of one lane for the horizon whose middle is
/// `horizon_mid_age` days before the end (negative: after it), its Kish
/// effective days and the variance of the factor. A trend is not carried
/// for a lane whose last day is more than four weeks old. `None` when the
/// lane has too few days (the whole-history level stands).
pub fn lane_factor(d: &LaneDays, s: Setting, horizon_mid_age: f64) -> Option<(f64, f64, f64)> {
    let recent = d.age_days.iter().copied().fold(f64::INFINITY, f64::min);
    let s = if s.trend && recent > 28.0 {
        Setting { trend: false, ..s }
    } else {
        s
    };
    let fit = fit_level(d, s, 0.0).or_else(|| {
        // Too few days for a trend: the weighted level alone.
        s.trend
            .then(|| fit_level(d, Setting { trend: false, ..s }, 0.0))
            .flatten()
    })?;
    let f = fit.at(0.0, horizon_mid_age);
    (f.is_finite() && f > 0.0).then_some((f, fit.effective_days, fit.var))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::Rng;

    /// A lane of `days` days whose level moves by `drift_per_year` (log) with
    /// log-normal noise σ around it; `expected` is the whole-history curve.
    fn lane(rng: &mut Rng, days: usize, drift_per_year: f64, sigma: f64) -> LaneDays {
        let mut d = LaneDays {
            cap_ratio: 1e9,
            ..LaneDays::default()
        };
        let mid = days as f64 / 2.0;
        for t in 0..days {
            let age = (days - 1 - t) as f64;
            let level = (drift_per_year * (t as f64 - mid) / 365.0).exp();
            let e = 1000.0;
            let noise = (sigma * rng.normal() - 0.5 * sigma * sigma).exp();
            d.age_days.push(age);
            d.expected.push(e);
            d.viewers.push(e * level * noise);
        }
        d
    }

    #[test]
    fn stationary_channels_keep_all_history_and_drifting_ones_follow_it() {
        // Over 40 fresh channels of 6 lanes each: stationary ones choose all
        // history (or a long half-life) nearly always; a level falling 40 %
        // a year is followed, and the horizon factor lands near the truth.
        let mut rng = Rng::new(20261201);
        let mut long = 0;
        let mut drift_err = Vec::new();
        for _ in 0..40 {
            let flat: Vec<LaneDays> = (0..6).map(|_| lane(&mut rng, 365, 0.0, 0.3)).collect();
            let c = choose(&flat, 8);
            if c.setting.half_life_days.is_none_or(|h| h >= 180.0) && !c.setting.trend {
                long += 1;
            }
            let rate = (0.6f64).ln();
            let moving: Vec<LaneDays> = (0..6).map(|_| lane(&mut rng, 365, rate, 0.3)).collect();
            let c = choose(&moving, 8);
            assert_ne!(c.setting, Setting::ALL_HISTORY, "{c:?}");
            // Truth in the horizon's middle (age −4): level at t = 365 + 3.
            let truth = (rate * (365.0 + 3.0 - 182.5) / 365.0).exp();
            for d in &moving {
                let (f, _, _) = lane_factor(d, c.setting, -4.0).unwrap();
                drift_err.push(f / truth - 1.0);
            }
        }
        assert!(
            long >= 30,
            "{long} of 40 stationary channels kept a long window"
        );
        let mean = drift_err.iter().sum::<f64>() / drift_err.len() as f64;
        // All history would be off by ≈ +30 % here.
        assert!(mean.abs() < 0.04, "mean error of the drifting level {mean}");
    }

    #[test]
    fn a_trend_is_carried_and_clamped() {
        let d = LaneDays {
            age_days: (0..100).rev().map(|a| a as f64).collect(),
            expected: vec![100.0; 100],
            // Ratio rises linearly from 0.5 to 1.49 (age 99 → 0).
            viewers: (0..100).map(|t| 50.0 + t as f64).collect(),
            cap_ratio: 1e9,
        };
        let s = Setting {
            half_life_days: None,
            trend: true,
        };
        let (f, eff, _) = lane_factor(&d, s, -4.0).unwrap();
        // Exact line: q(age) = 1.49 − 0.01 age, so q(−4) = 1.53, within the
        // 1.5 × mean clamp (mean 0.995 → at most 1.4925).
        assert!((f - 0.995 * 1.5).abs() < 1e-9, "{f}");
        assert!((eff - 100.0).abs() < 1e-9);
        let (f, _, _) = lane_factor(&d, Setting::ALL_HISTORY, -4.0).unwrap();
        assert!((f - 0.995).abs() < 1e-12, "{f}");
    }
}
