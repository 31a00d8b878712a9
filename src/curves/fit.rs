//! Fitting response curves to a daily history of (spend, viewers, weekday).
//!
//! Every family is fitted in log space with multiplicative weekday effects:
//!
//! `ln viewers_i = L + w_{weekday_i} + g(spend_i; shape) + ε_i`
//!
//! where `g` is the log of the family's shape (`ln(1 − e^(−s/k))` for exp,
//! `−ln(1 + (k/s)^a)` for Hill, `b·ln s` for power), the seven weekday
//! effects `w` have mean 0 (factors with geometric mean 1, so the curve is an
//! average day) and the noise is multiplicative. The loss is Huber on the log
//! residuals (robust to outlier days), minimised by a hand-written projected
//! Levenberg–Marquardt with box constraints on the shape parameters.
//!
//! That log-scale fit describes a *median* day (`e^L · e^g`); a plan adds
//! days and lanes, so the curve must be the *expected* day. The level is
//! therefore multiplied by a retransformation factor estimated from the
//! lane's own days: the mean of viewers ÷ the log fit's prediction (Duan's
//! smearing estimate taken on the viewer scale, so zero-viewer days of a
//! small-count lane count as zero and not as the 0.5 the log fit floors them
//! at), weighted toward the middle of the spend range (so a family that
//! bends differently from the truth is still right at typical spend) and
//! without the outlier days beyond `e^(4σ)` that the Huber loss set aside.
//! The weekday factors are normalised to an arithmetic mean of 1, so the
//! curve is the average day of a week.
//!
//! Model choice is by blocked k-fold cross-validation over days; the
//! uncertainty band is the delta method on the log-scale prediction using the
//! Gauss–Newton covariance of the parameters, widened by the spread of the
//! other families' fits weighted by their held-out likelihood (so a band
//! does not pretend the family is known when the data cannot tell).
//!
//! This module is the fit driver: input checks, the choice between a free,
//! a penalised and a scale-only fit, and the assembly of the result. The
//! parts live beside it: the families and their shapes (`family`), the
//! robust Levenberg–Marquardt fit (`lm`) on small dense linear algebra
//! (`linalg`) and summary statistics (`stats`), cross-validation and model
//! choice (`cv`), the expectation correction (`expectation`) and the fitted
//! curve with its outcome types (`fitted`), all re-exported here.

// Small dense linear algebra on fixed 9 × 9 arrays reads best with indices.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::family::Family;
pub use super::fitted::CvScore;
pub use super::fitted::{
    AltFit, FitOutcome, FitQuality, FittedCurve, MARGINAL_CEILING_CNY, MARGINAL_CEILING_RATIO,
    ParamCovariance, PeriodSpread, Recency, SpendSummary, is_beyond_history,
};

use super::cv::{alternative_fits, cross_validate, flat_lane, select};
use super::expectation::{expected_day, smearing};
use super::family::{Shape, model_params};
use super::linalg::{Mat9, NP, Vec9};
use super::lm::{Ctx, Prepared, RawFit, covariance, fit_family, fit_from, fit_power, residuals};
use super::model::Curve;
use super::stats::{mad_scale, median, percentile_sorted, r2_log};

/// One room × channel daily history. All slices must have the same length;
/// rows are days in time order.
#[derive(Clone, Copy, Debug)]
pub struct SeriesData<'a> {
    /// Spend per day, CNY.
    pub spend_cny: &'a [f64],
    /// Viewers per day.
    pub viewers: &'a [f64],
    /// Day of week, 0 = Monday … 6 = Sunday.
    pub weekday: &'a [u8],
    /// Hard reach cap of the channel, viewers/day.
    pub cap_viewers_per_day: Option<f64>,
}

/// Fitting settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Families considered by model selection.
    pub families: Vec<Family>,
    /// Contiguous day blocks for cross-validation.
    pub cv_folds: usize,
    /// Gauss–Newton steps per fold refit, warm-started from the full fit
    /// (large = exact refit; 3 is within ~0.5 % of exact CV scores).
    pub cv_steps: usize,
    /// Huber threshold in robust standard deviations of the log residuals.
    pub huber_k: f64,
    /// Fewer positive-spend days than this: no free fit.
    pub min_positive_days: usize,
    /// Fewer distinct positive spend levels than this: no free fit.
    pub min_distinct_spends: usize,
    /// With a prior, series with fewer positive-spend days than this get a
    /// shape penalised toward the prior's shape.
    pub shrink_below_days: usize,
    /// With a prior, series with at least this many positive-spend days but
    /// too little data for a free fit get the prior's shape, scale refitted.
    pub min_days_with_prior: usize,
    /// A spend beyond this multiple of the highest historical spend is an
    /// extrapolation.
    pub extrapolation_factor: f64,
    /// Prior standard deviation of the weekday effects (log scale).
    pub weekday_prior_sd: f64,
    /// Model selection: a family earlier in `families` is kept unless a later
    /// one beats its CV error by more than this many standard errors.
    pub selection_se: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            families: Family::ALL.to_vec(),
            cv_folds: 5,
            cv_steps: 3,
            huber_k: 1.345,
            min_positive_days: 14,
            min_distinct_spends: 5,
            shrink_below_days: 60,
            min_days_with_prior: 3,
            extrapolation_factor: 1.5,
            weekday_prior_sd: 0.3,
            selection_se: 0.0,
        }
    }
}

impl FitOptions {
    /// The same options for rows that each cover `days` days (a weekly
    /// history): the thresholds counted in days become rows covering as
    /// many days, but a free fit still needs [`MIN_FREE_FIT_ROWS`] rows.
    pub fn for_period(&self, days: u32) -> FitOptions {
        let d = days.max(1) as usize;
        let rows = |n: usize| n.div_ceil(d);
        let min_positive_days =
            rows(self.min_positive_days).max(MIN_FREE_FIT_ROWS.min(self.min_positive_days));
        FitOptions {
            min_positive_days,
            shrink_below_days: rows(self.shrink_below_days).max(min_positive_days),
            families: self.families.clone(),
            ..*self
        }
    }
}

/// Fewest rows of any period behind a free fit of a curve's shape.
pub const MIN_FREE_FIT_ROWS: usize = 8;

/// Input checks and the split into positive-spend (log fit) and zero-spend days.
struct Checked {
    pos: Prepared,
    days_total: usize,
    zero_days: usize,
    organic: Option<f64>,
    distinct: usize,
    spend_sorted: Vec<f64>,
}

fn check(d: &SeriesData<'_>) -> Result<Checked, String> {
    let n = d.spend_cny.len();
    if d.viewers.len() != n || d.weekday.len() != n {
        return Err(format!(
            "mismatched input lengths: {} spend, {} viewers, {} weekday rows",
            n,
            d.viewers.len(),
            d.weekday.len()
        ));
    }
    if n == 0 {
        return Err("no days of history".into());
    }
    for i in 0..n {
        let (s, v) = (d.spend_cny[i], d.viewers[i]);
        if !s.is_finite() || !v.is_finite() {
            return Err(format!("non-finite spend or viewers on day {i}"));
        }
        if s < 0.0 || v < 0.0 {
            return Err(format!("negative spend or viewers on day {i}"));
        }
        if d.weekday[i] > 6 {
            return Err(format!(
                "weekday {} out of range 0..=6 on day {i}",
                d.weekday[i]
            ));
        }
    }
    if let Some(c) = d.cap_viewers_per_day
        && !(c.is_finite() && c > 0.0)
    {
        return Err(format!("invalid reach cap {c}"));
    }
    let mut pos = Prepared::default();
    let mut zero_viewers = Vec::new();
    for i in 0..n {
        let s = d.spend_cny[i];
        if s > 0.0 {
            pos.push(s, d.viewers[i], d.weekday[i]);
        } else {
            zero_viewers.push(d.viewers[i]);
        }
    }
    let zero_days = zero_viewers.len();
    let organic = (!zero_viewers.is_empty()).then(|| median(&mut zero_viewers));
    let (spend_sorted, distinct) = spend_levels(&pos);
    Ok(Checked {
        pos,
        days_total: n,
        zero_days,
        organic,
        distinct,
        spend_sorted,
    })
}

/// The positive spends sorted, and how many distinct levels they take
/// (relative gaps above 1e-9).
fn spend_levels(pos: &Prepared) -> (Vec<f64>, usize) {
    let mut spend_sorted = pos.s.clone();
    spend_sorted.sort_by(|a, b| a.total_cmp(b));
    let distinct = if spend_sorted.is_empty() {
        0
    } else {
        1 + spend_sorted
            .windows(2)
            .filter(|w| w[1] > w[0] * (1.0 + 1e-9))
            .count()
    };
    (spend_sorted, distinct)
}

/// Why the data cannot support a free fit, if it cannot.
fn insufficiency(c: &Checked, opts: &FitOptions) -> Option<String> {
    let npos = c.pos.len();
    if npos == 0 {
        return Some(format!(
            "all {} days have zero spend: no paid history to fit",
            c.days_total
        ));
    }
    if c.pos.y.iter().all(|&y| y <= 0.5f64.ln()) {
        return Some(format!(
            "no viewers on any of the {npos} positive-spend days: nothing to fit"
        ));
    }
    if c.distinct == 1 {
        return Some(format!(
            "spend is constant at {:.2} CNY/day on all {npos} paid days: the curve's shape cannot be identified",
            c.spend_sorted[0]
        ));
    }
    if npos < opts.min_positive_days {
        return Some(format!(
            "only {npos} positive-spend days (need at least {})",
            opts.min_positive_days
        ));
    }
    if c.distinct < opts.min_distinct_spends {
        return Some(format!(
            "only {} distinct positive spend levels (need at least {})",
            c.distinct, opts.min_distinct_spends
        ));
    }
    None
}

struct Assembled<'a> {
    fam: Family,
    th: Vec9,
    cov: Mat9,
    sigma: f64,
    resid: Vec<f64>,
    cv_scores: Vec<CvScore>,
    holdout_mape: Option<f64>,
    shrink_reason: Option<String>,
    alternatives: Vec<AltFit>,
    checked: &'a Checked,
}

fn assemble(a: Assembled<'_>, d: &SeriesData<'_>, opts: &FitOptions) -> FitOutcome {
    let c = a.checked;
    let smear = smearing(a.fam, &a.th, &c.pos, a.sigma);
    let (factors, level) = expected_day(&a.th, smear);
    let model = a.fam.to_model([a.th[0], a.th[1]], level);
    let curve = Curve {
        model,
        cap_viewers_per_day: d.cap_viewers_per_day,
    };
    let spend_min = c.spend_sorted.first().copied().unwrap_or(0.0);
    let spend_max = c.spend_sorted.last().copied().unwrap_or(0.0);
    let outliers = a.resid.iter().filter(|r| r.abs() > 3.0 * a.sigma).count();
    let mut cov = Vec::with_capacity(NP * NP);
    for row in &a.cov {
        cov.extend_from_slice(row);
    }
    let mut fitted = FittedCurve {
        curve,
        weekday_factors: factors,
        organic_viewers_per_day: c.organic,
        quality: FitQuality {
            r2_log: r2_log(&a.resid, &c.pos.y),
            holdout_mape: a.holdout_mape,
            sigma_log: a.sigma,
            days_used: c.pos.len(),
            days_total: c.days_total,
            zero_spend_days: c.zero_days,
            outlier_days: outliers,
            spend_min_cny: spend_min,
            spend_max_cny: spend_max,
        },
        cv_scores: a.cv_scores,
        shrunk: a.shrink_reason.is_some(),
        shrink_reason: a.shrink_reason,
        extrapolation_limit_cny: opts.extrapolation_factor * spend_max,
        spend_summaries: Vec::new(),
        uncertainty: ParamCovariance {
            params: a.th.to_vec(),
            cov,
        },
        alternatives: a.alternatives,
        expectation_factor: smear,
        recency: None,
        unpooled_uncertainty: None,
        period_spread: None,
    };
    fitted.spend_summaries = [25u8, 50, 75]
        .iter()
        .map(|&p| {
            let s = percentile_sorted(&c.spend_sorted, p as f64 / 100.0);
            fitted.summary_at(p, s)
        })
        .collect();
    if fitted.all_finite() {
        FitOutcome::Fitted(Box::new(fitted))
    } else {
        FitOutcome::unusable("numerical failure: the fit produced non-finite values")
    }
}

/// Shape-parameter prior (mean, precision in loss units) from a fitted curve.
fn shape_prior(prior: &FittedCurve, sigma: f64) -> ([f64; 2], [f64; 2]) {
    let (mu, _) = model_params(&prior.curve.model);
    let fam = prior.family();
    // Room-to-room shape variation assumed: sd of ln k 0.3, a 0.1, b 0.08.
    let floor = match fam {
        Family::Exp => [0.3, 1.0],
        Family::Hill => [0.3, 0.1],
        Family::Power => [0.08, 1.0],
    };
    let mut prec = [0.0; 2];
    for j in 0..fam.nphi() {
        let v = prior
            .uncertainty
            .cov
            .get(j * NP + j)
            .copied()
            .unwrap_or(0.0)
            .max(0.0);
        let sd2 = 4.0 * v + floor[j] * floor[j];
        prec[j] = sigma * sigma / sd2;
    }
    (mu, prec)
}

/// A Gaussian prior on one family's shape parameters, on the internal scale
/// of [`ParamCovariance`] (`ln k`; `ln k, a`; `b`): what the rooms of a
/// channel say about a lane's shape ([`super::shrink`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShapePrior {
    /// The family fitted.
    pub family: Family,
    /// Prior mean of the shape parameters.
    pub mean: [f64; 2],
    /// Prior standard deviations (`f64::INFINITY`: no prior on that one).
    pub sd: [f64; 2],
}

/// Fit one series in `prior.family` with its shape penalised toward the
/// prior (the posterior mode; the covariance is the posterior's). No flat
/// verdict: the caller decided the lane responds to spend.
pub fn fit_series_with_shape_prior(
    data: &SeriesData<'_>,
    opts: &FitOptions,
    prior: &ShapePrior,
) -> FitOutcome {
    fit_series_with_shape_prior_from(data, opts, prior, None)
}

/// Where a refit of [`fit_series_with_shape_prior_from`] starts, and how
/// much of it the caller needs.
#[derive(Clone, Copy, Debug)]
pub struct WarmStart<'a> {
    /// Parameters to start from: [`ParamCovariance::params`] of a fit of the
    /// same series in the prior's family (its posterior mode is near).
    pub params: &'a [f64],
    /// Only the parameters and their covariance are wanted: no
    /// cross-validation (the outcome has no CV scores and no holdout MAPE).
    pub light: bool,
}

/// [`fit_series_with_shape_prior`], optionally started from a fit of the
/// same series (`warm`; `None` = start at the prior's shape). A warm start
/// skips the multi-start search and the robust power-law fit that only
/// serves as a starting point; the robust scale is the same.
pub fn fit_series_with_shape_prior_from(
    data: &SeriesData<'_>,
    opts: &FitOptions,
    prior: &ShapePrior,
    warm: Option<&WarmStart<'_>>,
) -> FitOutcome {
    match check(data) {
        Ok(c) => fit_checked_with(&c, data, opts, None, Some(prior), warm),
        Err(reason) => FitOutcome::unusable(reason),
    }
}

fn fit_checked(
    c: &Checked,
    d: &SeriesData<'_>,
    opts: &FitOptions,
    prior: Option<&FittedCurve>,
) -> FitOutcome {
    fit_checked_with(c, d, opts, prior, None, None)
}

fn fit_checked_with(
    c: &Checked,
    d: &SeriesData<'_>,
    opts: &FitOptions,
    prior: Option<&FittedCurve>,
    shape_prior_given: Option<&ShapePrior>,
    warm: Option<&WarmStart<'_>>,
) -> FitOutcome {
    let npos = c.pos.len();
    let insufficient = insufficiency(c, opts);
    if let Some(reason) = insufficient {
        return match prior {
            Some(p) if npos >= opts.min_days_with_prior => scale_only(c, d, opts, p, &reason),
            _ => FitOutcome::unusable(reason),
        };
    }
    let data = &c.pos;
    let (ln_smin, ln_smax) = data.ln_range();
    // Out-of-range options are clamped rather than allowed to produce NaN.
    let huber_k = if opts.huber_k.is_finite() {
        opts.huber_k.max(0.1)
    } else {
        1.345
    };
    let wd_sd = if opts.weekday_prior_sd.is_finite() {
        opts.weekday_prior_sd.max(0.01)
    } else {
        0.3
    };
    let mut ctx = Ctx {
        sigma: 1.0,
        delta: f64::INFINITY,
        tau: 0.0025 / wd_sd.powi(2),
        ln_smin,
        ln_smax,
        prior: None,
    };
    // 1. Least-squares power law -> robust scale -> Huber threshold.
    let ls = fit_power(data, &ctx, 30);
    let sigma0 = mad_scale(&residuals(Family::Power, &ls.th, data)).max(0.02);
    ctx.sigma = sigma0;
    ctx.delta = huber_k * sigma0;
    ctx.tau = sigma0 * sigma0 / wd_sd.powi(2);
    // A warm start of the prior's family needs no starting point.
    let warm_th: Option<Vec9> = match (shape_prior_given, warm) {
        (Some(_), Some(w)) if w.params.len() == NP && w.params.iter().all(|v| v.is_finite()) => {
            let mut th = [0.0; NP];
            th.copy_from_slice(w.params);
            Some(th)
        }
        _ => None,
    };
    let light = warm_th.is_some() && warm.is_some_and(|w| w.light);
    let pow = if warm_th.is_some() {
        ls
    } else {
        fit_from(Family::Power, data, &ctx, 30, ls.th)
    };
    // 2. Candidate families (a prior with few days fixes the family).
    let mut shrink_reason = None;
    if let Some(sp) = shape_prior_given {
        let mut prec = [0.0; 2];
        for j in 0..sp.family.nphi() {
            if sp.sd[j].is_finite() && sp.sd[j] > 0.0 {
                prec[j] = (sigma0 / sp.sd[j]).powi(2);
            }
        }
        ctx.prior = Some((sp.mean, prec));
    }
    let families: Vec<Family> = match prior {
        _ if ctx.prior.is_some() => vec![shape_prior_given.map_or(Family::Hill, |sp| sp.family)],
        Some(p) if npos < opts.shrink_below_days => {
            ctx.prior = Some(shape_prior(p, sigma0));
            shrink_reason = Some(format!(
                "{npos} positive-spend days (< {}): shape penalised toward the pooled channel curve",
                opts.shrink_below_days
            ));
            vec![p.family()]
        }
        _ => {
            let mut f = opts.families.clone();
            f.dedup();
            if f.is_empty() {
                f = Family::ALL.to_vec();
            }
            f
        }
    };
    let fits: Vec<RawFit> = families
        .iter()
        .map(|&fam| {
            if let Some(start) = warm_th {
                let max_iter = if fam == Family::Power { 30 } else { 60 };
                fit_from(fam, data, &ctx, max_iter, start)
            } else if ctx.prior.is_some() && fam == Family::Power {
                fit_from(fam, data, &ctx, 30, pow.th)
            } else {
                fit_family(fam, data, &ctx, &pow)
            }
        })
        .collect();
    // 3. Blocked cross-validation.
    let scores: Vec<Option<(CvScore, Vec<f64>)>> = fits
        .iter()
        .map(|f| {
            if light {
                return None;
            }
            cross_validate(f.fam, data, &ctx, f, opts.cv_folds, opts.cv_steps)
        })
        .collect();
    let chosen = select(&fits, &scores, opts.selection_se);
    let best = fits[chosen];
    let resid = residuals(best.fam, &best.th, data);
    let sigma = mad_scale(&resid).max(1e-6);
    if prior.is_none()
        && shape_prior_given.is_none()
        && let Some(flat) = flat_lane(data, &ctx, opts.cv_folds, &scores[chosen], &resid)
    {
        return flat;
    }
    let alternatives = alternative_fits(&fits, &scores, chosen, data, sigma);
    let cov = covariance(best.fam, &best.th, data, &ctx.cfg(best.fam, 0), sigma);
    assemble(
        Assembled {
            fam: best.fam,
            th: best.th,
            cov,
            sigma,
            resid,
            holdout_mape: scores[chosen].as_ref().map(|s| s.0.cv_mape),
            cv_scores: scores.into_iter().flatten().map(|s| s.0).collect(),
            shrink_reason,
            alternatives,
            checked: c,
        },
        d,
        opts,
    )
}

/// Too little data for a free fit: take the prior's family, shape and weekday
/// factors, and fit only the level (Huber location of the log residuals).
fn scale_only(
    c: &Checked,
    d: &SeriesData<'_>,
    opts: &FitOptions,
    prior: &FittedCurve,
    why: &str,
) -> FitOutcome {
    let fam = prior.family();
    let (phi, _) = model_params(&prior.curve.model);
    let sh = Shape::new(fam, phi);
    let data = &c.pos;
    let wlog: Vec<f64> = prior
        .weekday_factors
        .iter()
        .map(|f| f.max(1e-12).ln())
        .collect();
    let base: Vec<f64> = (0..data.len())
        .map(|i| data.y[i] - wlog[data.wd[i] as usize] - sh.eval(data.s[i], data.lns[i]).0)
        .collect();
    let mut tmp = base.clone();
    let mut level = median(&mut tmp);
    let sigma_p = prior.quality.sigma_log.max(0.02);
    let huber_k = if opts.huber_k.is_finite() {
        opts.huber_k.clamp(0.1, 100.0)
    } else {
        1.345
    };
    let delta = huber_k * sigma_p;
    for _ in 0..20 {
        let (mut sw, mut swr) = (0.0, 0.0);
        for b in &base {
            let r = b - level;
            let w = if r.abs() <= delta {
                1.0
            } else {
                delta / r.abs()
            };
            sw += w;
            swr += w * r;
        }
        level += swr / sw;
    }
    let mut th = [0.0; NP];
    th[0] = phi[0];
    th[1] = phi[1];
    for dd in 0..7 {
        th[2 + dd] = level + wlog[dd] - wlog.iter().sum::<f64>() / 7.0;
    }
    let resid: Vec<f64> = base.iter().map(|b| b - level).collect();
    // Uncertainty: prior's shape covariance inflated (room-to-room variation),
    // plus the level's sampling variance.
    let mut cov = [[0.0; NP]; NP];
    let var_level = sigma_p * sigma_p / data.len().max(1) as f64;
    let pc = &prior.uncertainty.cov;
    let floor = match fam {
        Family::Exp | Family::Hill => [0.3, 0.1],
        Family::Power => [0.08, 0.0],
    };
    for i in 0..fam.nphi() {
        for j in 0..fam.nphi() {
            cov[i][j] = 4.0 * pc.get(i * NP + j).copied().unwrap_or(0.0);
        }
        cov[i][i] += floor[i] * floor[i];
    }
    for i in 2..NP {
        for j in 2..NP {
            cov[i][j] = var_level;
        }
    }
    assemble(
        Assembled {
            fam,
            th,
            cov,
            sigma: sigma_p,
            resid,
            cv_scores: Vec::new(),
            holdout_mape: None,
            shrink_reason: Some(format!(
                "{why}; shape and weekday factors taken from the pooled channel curve, level refitted"
            )),
            alternatives: Vec::new(),
            checked: c,
        },
        d,
        opts,
    )
}

/// Fit one series. With `prior` (a pooled channel curve from [`fit_pooled`]),
/// a series too thin for a free fit borrows the prior's shape (scale-only
/// fit), and one with fewer than `shrink_below_days` positive-spend days gets
/// its shape penalised toward the prior's; both are marked `shrunk`.
/// Never panics; returns `Unusable` with a reason on bad or thin input.
pub fn fit_series(
    data: &SeriesData<'_>,
    opts: &FitOptions,
    prior: Option<&FittedCurve>,
) -> FitOutcome {
    match check(data) {
        Ok(c) => fit_checked(&c, data, opts, prior),
        Err(reason) => FitOutcome::unusable(reason),
    }
}

/// Fit many series in parallel (rayon). Output order matches input order and
/// values do not depend on the number of threads. `priors` is either empty
/// (no shrinkage) or has one entry per series.
pub fn fit_many(
    series: &[SeriesData<'_>],
    opts: &FitOptions,
    priors: &[Option<&FittedCurve>],
) -> Vec<FitOutcome> {
    series
        .par_iter()
        .enumerate()
        .map(|(i, s)| fit_series(s, opts, priors.get(i).copied().flatten()))
        .collect()
}

/// Fit a pooled channel curve over several rooms' series of one channel.
/// Each room keeps its own level (scale); shape and weekday effects are
/// shared. The result's level is that of the median room and it has no reach
/// cap (caps are per room; each room's own fit applies its cap). Rooms with
/// fewer than 3 positive-spend days or invalid input are left out.
pub fn fit_pooled(rooms: &[SeriesData<'_>], opts: &FitOptions) -> FitOutcome {
    let checked: Vec<Checked> = rooms
        .iter()
        .filter_map(|r| check(r).ok())
        .filter(|c| c.pos.len() >= 3)
        .collect();
    if checked.is_empty() {
        return FitOutcome::unusable("no room has at least 3 positive-spend days");
    }
    let mut offsets = vec![0.0; checked.len()];
    let mut prev: Option<FittedCurve> = None;
    for _round in 0..4 {
        let mut all = Checked {
            pos: Prepared::default(),
            days_total: 0,
            zero_days: 0,
            organic: None,
            distinct: 0,
            spend_sorted: Vec::new(),
        };
        let mut zero_viewers = Vec::new();
        for (c, off) in checked.iter().zip(&offsets) {
            let scale = f64::exp(-*off);
            for i in 0..c.pos.len() {
                all.pos.push(c.pos.s[i], c.pos.v[i] * scale, c.pos.wd[i]);
            }
            all.days_total += c.days_total;
            all.zero_days += c.zero_days;
            if let Some(o) = c.organic {
                zero_viewers.push(o);
            }
        }
        all.organic = (!zero_viewers.is_empty()).then(|| median(&mut zero_viewers));
        (all.spend_sorted, all.distinct) = spend_levels(&all.pos);
        let dummy = SeriesData {
            spend_cny: &[],
            viewers: &[],
            weekday: &[],
            cap_viewers_per_day: None,
        };
        let out = fit_checked(&all, &dummy, opts, None);
        let Some(fit) = out.fitted() else {
            return out;
        };
        // Update room offsets: median log residual against the pooled curve.
        let (phi, level) = model_params(&fit.curve.model);
        let sh = Shape::new(fit.family(), phi);
        let wlog: Vec<f64> = fit.weekday_factors.iter().map(|f| f.ln()).collect();
        for (c, off) in checked.iter().zip(offsets.iter_mut()) {
            let mut r: Vec<f64> = (0..c.pos.len())
                .map(|i| {
                    c.pos.y[i]
                        - level
                        - wlog[c.pos.wd[i] as usize]
                        - sh.eval(c.pos.s[i], c.pos.lns[i]).0
                })
                .collect();
            *off = median(&mut r);
        }
        let mut sorted = offsets.clone();
        let mid = median(&mut sorted);
        for o in offsets.iter_mut() {
            *o -= mid;
        }
        prev = Some(fit.clone());
    }
    match prev {
        Some(f) => FitOutcome::Fitted(Box::new(f)),
        None => FitOutcome::unusable("pooled fit failed"),
    }
}
