//! Model choice: blocked cross-validation of every family, the choice
//! between them, the other families' weights in the band's model
//! uncertainty, and the flat verdict (a spend curve no better than a
//! constant).

use super::expectation::{expected_day, smearing};
use super::family::{Family, Shape};
use super::fitted::{AltFit, CvScore, FitOutcome};
use super::lm::{Acc, Ctx, Prepared, RawFit, accumulate_data, add_penalties, bounded_step};
use super::stats::{median, r2_log};

pub(super) fn cross_validate(
    fam: Family,
    d: &Prepared,
    ctx: &Ctx,
    full: &RawFit,
    folds: usize,
    cv_steps: usize,
) -> Option<(CvScore, Vec<f64>)> {
    let n = d.len();
    if folds < 2 || n < 2 * folds {
        return None;
    }
    // Approximate refits: one damped Gauss–Newton step from the full-data
    // optimum using the normal equations with the held-out block subtracted
    // (one pass over the data for all folds, one more for the predictions).
    let cfg = ctx.cfg(fam, 0);
    let bounds: Vec<(usize, usize)> = (0..folds)
        .map(|f| (f * n / folds, (f + 1) * n / folds))
        .collect();
    let blocks: Vec<Acc> = bounds
        .iter()
        .map(|&(lo, hi)| accumulate_data(fam, &full.th, d, lo, hi, ctx.delta))
        .collect();
    let mut total = blocks[0].plus(&blocks[1]);
    for b in &blocks[2..] {
        total = total.plus(b);
    }
    let mut errs = Vec::with_capacity(n);
    let mut capped = Vec::with_capacity(n);
    let cap = 3.0 * ctx.sigma;
    let mut ape = 0.0;
    for (f, &(lo, hi)) in bounds.iter().enumerate() {
        // Damped Gauss–Newton steps on the training days from the full fit.
        // The first uses the block sums (no pass over the data); each step
        // but the last is verified by re-accumulating the training days.
        // Parameters on a bound stay there (`bounded_step`): projecting an
        // unconstrained step instead spoils the whole step, and a refit that
        // never moves scores the family on its own training days.
        let mut th = full.th;
        let mut train = total.minus(&blocks[f]);
        add_penalties(fam, &th, &cfg, &mut train);
        let mut mu = 1e-3;
        for it in 0..cv_steps.max(1) {
            let cand = bounded_step(fam, &th, &train, &cfg, mu)?;
            if it + 1 >= cv_steps {
                th = cand;
                break;
            }
            let mut acc = accumulate_data(fam, &cand, d, 0, lo, ctx.delta)
                .plus(&accumulate_data(fam, &cand, d, hi, n, ctx.delta));
            add_penalties(fam, &cand, &cfg, &mut acc);
            if acc.loss.is_finite() && acc.loss <= train.loss {
                th = cand;
                train = acc;
                mu = (mu * 0.3).max(1e-10);
            } else {
                mu *= 8.0;
            }
        }
        let sh = Shape::new(fam, [th[0], th[1]]);
        for i in lo..hi {
            let r = d.y[i] - th[2 + d.wd[i] as usize] - sh.eval(d.s[i], d.lns[i]).0;
            errs.push(r.abs());
            capped.push(r.abs().min(cap).powi(2));
            // r = ln v − ln pred: |pred − v| / v = |e^(−r) − 1|
            ape += (-r).exp_m1().abs().min(1e6);
        }
    }
    let count = errs.len().max(1) as f64;
    let score = CvScore {
        model: fam,
        folds,
        cv_log_mae: errs.iter().sum::<f64>() / count,
        cv_log_rmse_capped: (capped.iter().sum::<f64>() / count).sqrt(),
        cv_mape: ape / count,
    };
    (score.cv_log_mae.is_finite() && score.cv_mape.is_finite()).then_some((score, capped))
}

/// The index of the chosen family among `fits` (in preference order) given
/// their cross-validation `scores`; by training loss when none could be
/// cross-validated.
// Indices pair each family's fit with its scores.
#[allow(clippy::needless_range_loop)]
pub(super) fn select(
    fits: &[RawFit],
    scores: &[Option<(CvScore, Vec<f64>)>],
    selection_se: f64,
) -> usize {
    let mut chosen = 0usize;
    let best_score = |i: usize| {
        scores[i]
            .as_ref()
            .map_or(f64::INFINITY, |s| s.0.cv_log_rmse_capped)
    };
    if scores.iter().any(Option::is_some) {
        // The best CV score wins, unless an earlier family in the preference
        // order is within `selection_se` standard errors of it (paired over
        // held-out squared errors; 0 by default = plain best score).
        let best = (0..fits.len())
            .min_by(|&a, &b| best_score(a).total_cmp(&best_score(b)))
            .unwrap_or(0);
        chosen = best;
        if let Some((_, eb)) = &scores[best] {
            for i in 0..best {
                if let Some((_, ei)) = &scores[i] {
                    let n = eb.len().min(ei.len());
                    let diffs: Vec<f64> = (0..n).map(|j| ei[j] - eb[j]).collect();
                    let mean = diffs.iter().sum::<f64>() / n as f64;
                    let var = diffs.iter().map(|x| (x - mean).powi(2)).sum::<f64>()
                        / (n as f64 - 1.0).max(1.0);
                    let se = (var / n as f64).sqrt();
                    if mean <= selection_se * se {
                        chosen = i;
                        break;
                    }
                }
            }
        }
    } else {
        for i in 1..fits.len() {
            if fits[i].loss < fits[chosen].loss {
                chosen = i;
            }
        }
    }
    chosen
}

/// The families not chosen, weighted by their held-out likelihood relative
/// to the best (a pseudo-Bayesian model average over the CV days); families
/// without CV scores or with negligible weight are left out.
pub(super) fn alternative_fits(
    fits: &[RawFit],
    scores: &[Option<(CvScore, Vec<f64>)>],
    chosen: usize,
    data: &Prepared,
    sigma: f64,
) -> Vec<AltFit> {
    let mse = |i: usize| {
        scores[i]
            .as_ref()
            .map(|(_, e)| (e.iter().sum::<f64>() / e.len().max(1) as f64, e.len()))
    };
    let Some((best, n)) = (0..fits.len())
        .filter_map(mse)
        .min_by(|a, b| a.0.total_cmp(&b.0))
    else {
        return Vec::new();
    };
    if !(best.is_finite() && best > 0.0) {
        return Vec::new();
    }
    let delta = |i: usize| mse(i).map(|(m, _)| n as f64 * (m - best) / best);
    let raw: Vec<f64> = (0..fits.len())
        .map(|i| delta(i).map_or(0.0, |d| (-0.5 * d).exp()))
        .collect();
    let total: f64 = raw.iter().sum();
    if !(total.is_finite() && total > 0.0) {
        return Vec::new();
    }
    (0..fits.len())
        .filter(|&i| {
            i != chosen && raw[i] / total > 1e-4 && fits[i].th.iter().all(|v| v.is_finite())
        })
        .map(|i| {
            let f = &fits[i];
            let smear = smearing(f.fam, &f.th, data, sigma);
            let (_, level) = expected_day(&f.th, smear);
            AltFit {
                model: f.fam.to_model([f.th[0], f.th[1]], level),
                weight: raw[i] / total,
            }
        })
        .filter(|a| a.weight.is_finite())
        .collect()
}

/// A spend curve's held-out RMSE must be this much below a constant's.
const FLAT_CV_GAIN: f64 = 0.005;

/// A spend curve must explain at least this share of the log variance the
/// weekday levels leave (pure noise gives ≈ 1/days).
const FLAT_PARTIAL_R2: f64 = 0.01;

/// A lane whose spend explains nothing: the chosen family's held-out errors
/// are not [`FLAT_CV_GAIN`] better than a constant model's (weekday levels
/// only), or the
/// curve explains less than [`FLAT_PARTIAL_R2`] of the log variance the
/// weekday levels leave.
pub(super) fn flat_lane(
    d: &Prepared,
    ctx: &Ctx,
    folds: usize,
    chosen: &Option<(CvScore, Vec<f64>)>,
    resid: &[f64],
) -> Option<FitOutcome> {
    let r2 = r2_log(resid, &d.y);
    let n = d.len();
    let constant = (folds >= 2 && n >= 2 * folds).then(|| {
        let cap = 3.0 * ctx.sigma;
        let mut sq = Vec::with_capacity(n);
        for f in 0..folds {
            let (lo, hi) = (f * n / folds, (f + 1) * n / folds);
            let (mut sum, mut cnt) = ([0.0; 7], [0.0; 7]);
            for i in (0..lo).chain(hi..n) {
                sum[d.wd[i] as usize] += d.y[i];
                cnt[d.wd[i] as usize] += 1.0;
            }
            let mean = sum.iter().sum::<f64>() / cnt.iter().sum::<f64>().max(1.0);
            for i in lo..hi {
                let w = d.wd[i] as usize;
                let c = (sum[w] + ctx.tau * mean) / (cnt[w] + ctx.tau).max(1e-12);
                sq.push((d.y[i] - c).abs().min(cap).powi(2));
            }
        }
        sq
    });
    // No better than the constant on held-out days (the same days, in the
    // same order): the curve's RMSE must be ≥ 0.5 % below the constant's.
    let rmse = |e: &[f64]| (e.iter().sum::<f64>() / e.len().max(1) as f64).sqrt();
    let same_days = matches!((&constant, chosen), (Some(c), Some((_, b))) if c.len() == b.len() && !c.is_empty());
    let constant = constant.as_deref().map(rmse);
    let best = chosen.as_ref().map(|(s, _)| s.cv_log_rmse_capped);
    let no_better = same_days
        && matches!((constant, best), (Some(c), Some(b)) if b >= (1.0 - FLAT_CV_GAIN) * c);
    // ... or explaining almost none of what the weekdays leave.
    // Sums of squares with each day capped at 3 robust σ, so outlier (bot)
    // days cannot make a responsive lane look flat. The weekday levels are
    // medians for the same reason.
    let cap = 3.0 * ctx.sigma;
    let mut by_day: [Vec<f64>; 7] = Default::default();
    for i in 0..n {
        by_day[d.wd[i] as usize].push(d.y[i]);
    }
    let level: Vec<f64> = by_day.iter_mut().map(|v| median(v)).collect();
    let ss_weekdays: f64 = (0..n)
        .map(|i| (d.y[i] - level[d.wd[i] as usize]).abs().min(cap).powi(2))
        .sum();
    let ss_curve: f64 = resid.iter().map(|r| r.abs().min(cap).powi(2)).sum();
    let partial_r2 = if ss_weekdays > 1e-12 * n as f64 {
        1.0 - ss_curve / ss_weekdays
    } else {
        0.0
    };
    if !(no_better || partial_r2 < FLAT_PARTIAL_R2) {
        return None;
    }
    let mean = d.v.iter().sum::<f64>() / n.max(1) as f64;
    let cv = match (constant, best) {
        (Some(c), Some(b)) => {
            format!("; held-out log error {b:.3} with the spend curve vs {c:.3} for a constant")
        }
        _ => String::new(),
    };
    Some(FitOutcome::Flat {
        viewers_per_day: mean,
        reason: format!(
            "flat: spend explains nothing (R²(log) {r2:.2}, {:.1} % beyond the weekdays{cv}); a baseline of {mean:.1} viewers/day, not planned",
            100.0 * partial_r2
        ),
    })
}
