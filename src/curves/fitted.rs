//! A fitted curve with its diagnostics and uncertainty band, and the outcome
//! of fitting one series.

use serde::{Deserialize, Serialize};

use super::family::{Family, Shape};
use super::linalg::NP;
use super::model::{Curve, Model};

/// Cross-validated scores of one family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvScore {
    /// Family scored.
    pub model: Family,
    /// Number of contiguous day blocks used.
    pub folds: usize,
    /// Mean absolute error of ln(viewers) on held-out days.
    pub cv_log_mae: f64,
    /// Root mean squared error of ln(viewers) on held-out days, each day's
    /// error capped at 3 robust standard deviations of the residuals so a few
    /// outlier days cannot decide the model. This is the selection criterion:
    /// squared log errors are the held-out Gaussian log-likelihood, which
    /// tells near-identical families apart about twice as sharply as
    /// absolute errors.
    pub cv_log_rmse_capped: f64,
    /// Mean absolute percentage error of viewers on held-out days (0.1 = 10 %).
    pub cv_mape: f64,
}

/// z-score of the 90th percentile of a standard normal.
const Z90: f64 = 1.281_551_565_545;

/// The band's log-scale standard deviation (delta method plus the other
/// families' spread) is multiplied by this. Measured over fresh generated
/// 10-room histories fitted as `plan` fits them (pooling across rooms and
/// the recency choice on; `cargo run --release --example band_coverage`):
/// without it the P10–P90 band held the true expected viewers at the
/// 25/50/75th percentile of each lane's spend 70–75 % of the time, with the
/// misses split evenly above and below, at mean-one σ 0.15, 0.3 and 0.5,
/// median-one σ 0.3 and Poisson lanes alike: the stated standard error is
/// about 1/1.2 of the real one (the covariance of the Huber fit ignores
/// that the weekday effects, the expectation factor, the pooled shape and
/// the recency level are estimated from the same days).
pub const BAND_SD_CALIBRATION: f64 = 1.2;

/// Fit-quality statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitQuality {
    /// R² of ln(viewers) on the positive-spend days (weekday effects included).
    pub r2_log: f64,
    /// Holdout MAPE of the chosen model from cross-validation (0.1 = 10 %),
    /// `None` when there were too few days to cross-validate.
    pub holdout_mape: Option<f64>,
    /// Robust standard deviation of the log residuals.
    pub sigma_log: f64,
    /// Positive-spend days used in the fit.
    pub days_used: usize,
    /// All days in the input.
    pub days_total: usize,
    /// Zero-spend days (left out of the log fit).
    pub zero_spend_days: usize,
    /// Days whose log residual exceeds 3 robust standard deviations.
    pub outlier_days: usize,
    /// Lowest positive daily spend seen, CNY/day.
    pub spend_min_cny: f64,
    /// Highest daily spend seen, CNY/day.
    pub spend_max_cny: f64,
}

/// Curve summary at one percentile of historical positive spend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpendSummary {
    /// Percentile of historical positive spend (25, 50, 75).
    pub percentile: u8,
    /// Spend at that percentile, CNY/day.
    pub spend_cny: f64,
    /// Fitted viewers/day (P50).
    pub viewers_per_day: f64,
    /// P10 of expected viewers/day.
    pub viewers_p10_per_day: f64,
    /// P90 of expected viewers/day.
    pub viewers_p90_per_day: f64,
    /// Spend / viewers, CNY per viewer (`None` at zero viewers).
    pub average_cost_per_viewer_cny: Option<f64>,
    /// Cost of the next viewer, CNY per viewer (`None` where flat or capped).
    pub marginal_cost_per_viewer_cny: Option<f64>,
}

/// Parameter covariance on the internal scale, for the uncertainty band.
/// `params` = `[shape0, shape1, c_mon … c_sun]` with shape = `ln k` (exp),
/// `ln k, a` (Hill) or `b` (power) and `c_d` the weekday log intercepts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParamCovariance {
    /// Parameter vector (9 entries).
    pub params: Vec<f64>,
    /// Row-major 9 × 9 covariance.
    pub cov: Vec<f64>,
}

/// Another family fitted to the same days, with its weight in the band's
/// model uncertainty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AltFit {
    /// The family's fitted model (expected viewers, average day).
    pub model: Model,
    /// Its share of the held-out likelihood, `exp(−Δ/2)` normalised over
    /// all families, with `Δ = n · (MSE − MSE_best) / MSE_best` from the
    /// cross-validation's capped squared log errors.
    pub weight: f64,
}

/// A usable fitted response curve with diagnostics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedCurve {
    /// The chosen model (expected viewers on the average day of a week) and
    /// cap.
    pub curve: Curve,
    /// Multiplicative weekday factors, Monday first, arithmetic mean 1 (the
    /// curve is the average day of a week).
    pub weekday_factors: [f64; 7],
    /// Median viewers/day on zero-spend days (`None` if there were none).
    pub organic_viewers_per_day: Option<f64>,
    /// Fit quality.
    pub quality: FitQuality,
    /// Cross-validation scores of every family tried.
    pub cv_scores: Vec<CvScore>,
    /// Whether the fit borrowed strength from a pooled channel curve.
    pub shrunk: bool,
    /// Why it was shrunk.
    pub shrink_reason: Option<String>,
    /// Spend above which the curve is an extrapolation, CNY/day.
    pub extrapolation_limit_cny: f64,
    /// Summaries at the 25th, 50th and 75th percentile of positive spend.
    pub spend_summaries: Vec<SpendSummary>,
    /// Parameter covariance for `band`.
    pub uncertainty: ParamCovariance,
    /// The other families' fits and weights: where the data cannot tell the
    /// families apart, `band` widens by their spread around the chosen one.
    #[serde(default)]
    pub alternatives: Vec<AltFit>,
    /// Expected ÷ median-day viewers: the retransformation from the robust
    /// log-scale fit to the mean (kernel-weighted mean over the fit days of
    /// viewers ÷ the log fit's prediction, outlier days beyond `e^(4σ)` left
    /// out), already in `curve`.
    #[serde(default = "one")]
    pub expectation_factor: f64,
    /// How recent weeks moved the level (`None`: all history weighs the
    /// same), already in `curve`.
    #[serde(default)]
    pub recency: Option<Recency>,
    /// For a lane whose shape was pulled toward its channel's rooms: the
    /// covariance of its own fit. Past the lane's highest day the band adds
    /// the growth of this covariance's uncertainty (the other rooms were
    /// seen at the same relative spend: pooling says little about the shape
    /// beyond the data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpooled_uncertainty: Option<ParamCovariance>,
    /// Rows that cover several days (weekly): how uneven the days inside a
    /// row were taken to be and the factor that took the curve from the
    /// row's average day to an evenly spent day, already in `curve`
    /// ([`super::period`]). `None` for daily rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_spread: Option<PeriodSpread>,
}

/// See [`FittedCurve::period_spread`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeriodSpread {
    /// Coefficient of variation of a day's spend around its row's mean day.
    pub within_cv: f64,
    /// Day-to-day persistence of spend found for the lane's channel (AR(1)
    /// coefficient; 0 = independent days).
    pub persistence: f64,
    /// κ: the row's average day ÷ an evenly spent day at the lane's median
    /// row (≤ 1 for a concave curve); the level was divided by it, and a
    /// row of the history is predicted as κ × the curve.
    pub factor: f64,
}

/// Variance of the log prediction at `spend` from the parameter covariance
/// `u` of a `fam` curve (shape gradient from `u`'s own parameters, the
/// weekday intercepts averaged).
fn param_var(fam: Family, u: &ParamCovariance, spend: f64) -> f64 {
    if u.params.len() != NP || u.cov.len() != NP * NP {
        return 0.0;
    }
    let p = &u.params;
    let sh = Shape::new(fam, [p[0], p[1]]);
    let (_, dg) = sh.eval(spend, spend.ln());
    let mut grad = [0.0; NP];
    grad[0] = dg[0];
    grad[1] = dg[1];
    for g in grad.iter_mut().skip(2) {
        *g = 1.0 / 7.0;
    }
    let mut var = 0.0;
    for i in 0..NP {
        for j in 0..NP {
            var += grad[i] * u.cov[i * NP + j] * grad[j];
        }
    }
    var
}

fn one() -> f64 {
    1.0
}

/// The recency adjustment of a curve's level: the shape is fitted on the
/// whole history; the level follows recent weeks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recency {
    /// Half-life of the weights on past days, days (`None`: all days weigh
    /// the same).
    pub half_life_days: Option<f64>,
    /// Whether a local linear trend of the level was carried to the middle
    /// of the horizon.
    pub trend: bool,
    /// Factor applied to the whole-history expected level (1 = unchanged).
    pub factor: f64,
    /// Effective number of days behind the level (Kish).
    pub effective_days: f64,
    /// Rolling-origin WAPE of the channel's weekly lane totals with this
    /// setting (0.1 = 10 %), `None` when the history was too short to
    /// validate.
    pub validation_wape: Option<f64>,
    /// The same with all history weighted equally.
    pub validation_wape_all_history: Option<f64>,
}

/// The result of fitting one series.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FitOutcome {
    /// A usable curve.
    Fitted(Box<FittedCurve>),
    /// No usable curve, with a human-readable reason.
    Unusable {
        /// Why.
        reason: String,
    },
    /// Spend explains nothing: the lane's viewers do not follow its spend
    /// (no better than a constant in cross-validation). A baseline, not a
    /// cheap channel: it is not planned.
    Flat {
        /// Mean viewers/day on its paid days.
        viewers_per_day: f64,
        /// What the data showed.
        reason: String,
    },
}

impl FitOutcome {
    /// The fitted curve, if usable.
    pub fn fitted(&self) -> Option<&FittedCurve> {
        match self {
            FitOutcome::Fitted(f) => Some(f),
            FitOutcome::Unusable { .. } | FitOutcome::Flat { .. } => None,
        }
    }

    /// Why there is no curve to plan with (`None` for a fitted curve).
    pub fn reason(&self) -> Option<&str> {
        match self {
            FitOutcome::Fitted(_) => None,
            FitOutcome::Unusable { reason } | FitOutcome::Flat { reason, .. } => Some(reason),
        }
    }

    pub(super) fn unusable(reason: impl Into<String>) -> Self {
        FitOutcome::Unusable {
            reason: reason.into(),
        }
    }
}

/// A marginal cost above both this (CNY per viewer) and
/// [`MARGINAL_CEILING_RATIO`] × the average cost is "saturated": no viewer
/// worth buying, and no 77-digit number in a table.
pub const MARGINAL_CEILING_CNY: f64 = 10_000.0;
/// See [`MARGINAL_CEILING_CNY`].
pub const MARGINAL_CEILING_RATIO: f64 = 100.0;

/// Whether `spend_cny` lies beyond `factor` × the highest historical spend.
pub fn is_beyond_history(spend_cny: f64, spend_max_cny: f64, factor: f64) -> bool {
    spend_cny > factor * spend_max_cny
}

impl FittedCurve {
    /// The fitted family.
    pub fn family(&self) -> Family {
        Family::of(&self.curve.model)
    }

    /// Fitted viewers/day at `spend_cny` (average day, capped).
    pub fn value(&self, spend_cny: f64) -> f64 {
        self.curve.value(spend_cny)
    }

    /// What a row of the history at per-day spend `s` is predicted to
    /// hold per day: the curve for daily rows, κ × the curve for rows of
    /// several days whose days spent unevenly ([`PeriodSpread`]).
    pub fn row_value(&self, spend_cny: f64) -> f64 {
        self.curve.value(spend_cny) * self.period_spread.as_ref().map_or(1.0, |p| p.factor)
    }

    /// Whether `spend_cny` is beyond the extrapolation limit
    /// (1.5 × the highest historical spend by default).
    pub fn is_extrapolation(&self, spend_cny: f64) -> bool {
        // A lane held at its support limit (the same 1.5 × bound) is not
        // past it: the plan's spend is that bound up to rounding.
        spend_cny > self.extrapolation_limit_cny * (1.0 + 1e-9)
    }

    /// `(P10, P50, P90)` of expected viewers/day at `spend_cny` from parameter
    /// uncertainty (delta method on the log scale), capped. All finite;
    /// `(0, 0, 0)` at zero spend.
    pub fn band(&self, spend_cny: f64) -> (f64, f64, f64) {
        let p50 = self.curve.value(spend_cny);
        if spend_cny.is_nan()
            || spend_cny <= 0.0
            || p50.is_nan()
            || p50 <= 0.0
            || self.uncertainty.params.len() != NP
        {
            return (p50, p50, p50);
        }
        let fam = self.family();
        let mut var = param_var(fam, &self.uncertainty, spend_cny);
        let edge = self.quality.spend_max_cny;
        if let Some(own) = &self.unpooled_uncertainty
            && spend_cny > edge
            && edge > 0.0
        {
            let grow = param_var(fam, own, spend_cny) - param_var(fam, own, edge);
            if grow.is_finite() && grow > 0.0 {
                var += grow;
            }
        }
        // Model uncertainty: the weighted spread of the other families'
        // log predictions around this one (law of total variance).
        let ln_here = self.curve.model.value(spend_cny).ln();
        for alt in &self.alternatives {
            let d = alt.model.value(spend_cny).ln() - ln_here;
            if d.is_finite() && alt.weight.is_finite() {
                var += alt.weight * d * d;
            }
        }
        let sd = if var.is_finite() && var > 0.0 {
            (BAND_SD_CALIBRATION * var.sqrt()).min(5.0)
        } else {
            0.0
        };
        let raw = self.curve.model.value(spend_cny);
        let cap = |v: f64| match self.curve.cap_viewers_per_day {
            Some(c) => v.min(c),
            None => v,
        };
        let lo = cap(raw * (-Z90 * sd).exp());
        let hi = cap(raw * (Z90 * sd).exp());
        let fin = |v: f64| if v.is_finite() { v } else { p50 };
        (fin(lo), p50, fin(hi))
    }

    /// Multiply the curve's level (and its alternatives') by `factor`, add
    /// `extra_var_ln` to the variance of its log level, and recompute the
    /// spend summaries.
    pub fn rescale_level(&mut self, factor: f64, extra_var_ln: f64) {
        if !(factor.is_finite() && factor > 0.0) {
            return;
        }
        self.curve.model = self.curve.model.scale_level(factor);
        for alt in &mut self.alternatives {
            alt.model = alt.model.scale_level(factor);
        }
        if extra_var_ln.is_finite() && extra_var_ln > 0.0 && self.uncertainty.cov.len() == NP * NP {
            for i in 2..NP {
                for j in 2..NP {
                    self.uncertainty.cov[i * NP + j] += extra_var_ln;
                }
            }
        }
        self.spend_summaries = self
            .spend_summaries
            .iter()
            .map(|s| self.summary_at(s.percentile, s.spend_cny))
            .collect();
    }

    pub(super) fn summary_at(&self, percentile: u8, spend: f64) -> SpendSummary {
        let (p10, p50, p90) = self.band(spend);
        let mc = self.curve.marginal_cost(spend);
        // Past a sane ceiling the curve is saturated there: no number.
        let avg = self.curve.average_cost(spend).unwrap_or(0.0);
        let mc = if mc > MARGINAL_CEILING_CNY.max(MARGINAL_CEILING_RATIO * avg) {
            f64::INFINITY
        } else {
            mc
        };
        SpendSummary {
            percentile,
            spend_cny: spend,
            viewers_per_day: p50,
            viewers_p10_per_day: p10,
            viewers_p90_per_day: p90,
            average_cost_per_viewer_cny: self.curve.average_cost(spend).filter(|v| v.is_finite()),
            marginal_cost_per_viewer_cny: mc.is_finite().then_some(mc),
        }
    }

    /// Whether every number in the fit is finite.
    pub fn all_finite(&self) -> bool {
        let m = match self.curve.model {
            Model::Exp { vmax, k_cny } => {
                vmax.is_finite() && k_cny.is_finite() && vmax > 0.0 && k_cny > 0.0
            }
            Model::Hill { vmax, k_cny, a } => {
                vmax.is_finite() && k_cny.is_finite() && a.is_finite() && vmax > 0.0 && k_cny > 0.0
            }
            Model::Power { c, b } => c.is_finite() && b.is_finite() && c > 0.0,
        };
        let q = &self.quality;
        let opt = |o: Option<f64>| o.is_none_or(f64::is_finite);
        m && self.weekday_factors.iter().all(|v| v.is_finite())
            && opt(self.organic_viewers_per_day)
            && opt(self.curve.cap_viewers_per_day)
            && q.r2_log.is_finite()
            && opt(q.holdout_mape)
            && q.sigma_log.is_finite()
            && q.spend_min_cny.is_finite()
            && q.spend_max_cny.is_finite()
            && self.extrapolation_limit_cny.is_finite()
            && self.cv_scores.iter().all(|c| {
                c.cv_log_mae.is_finite()
                    && c.cv_log_rmse_capped.is_finite()
                    && c.cv_mape.is_finite()
            })
            && self.spend_summaries.iter().all(|s| {
                s.spend_cny.is_finite()
                    && s.viewers_per_day.is_finite()
                    && s.viewers_p10_per_day.is_finite()
                    && s.viewers_p90_per_day.is_finite()
                    && opt(s.average_cost_per_viewer_cny)
                    && opt(s.marginal_cost_per_viewer_cny)
            })
            && self.uncertainty.params.iter().all(|v| v.is_finite())
            && self.uncertainty.cov.iter().all(|v| v.is_finite())
    }
}
