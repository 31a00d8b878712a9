//! Empirical-Bayes pooling of the curves of one channel across its rooms
//! (issues 20 and 12: the optimiser's curse).
//!
//! A plan raises the lanes whose fitted curves promise the most viewers per
//! extra CNY. Far from a lane's usual spend that promise is the fitted
//! family's shape: on 20 generated 10-room histories (σ 0.3) the lanes
//! planned at ≥ 2× their median spend carried 18 % of the plan's viewers and
//! were over-predicted by 17 % there (−1 % at their median spend), almost all
//! of it lanes whose per-lane model selection had picked a less saturating
//! family than the truth (exp → power +51 %, exp → Hill +12 %); lanes fitted
//! with a *more* saturating family were never raised that far. The planner
//! selects the optimistic errors of a noisy per-lane choice.
//!
//! The rooms of a channel buy the same kind of traffic, so the evidence of
//! every room is pooled, while each keeps what really differs (cost level,
//! size, its own data):
//!
//! - **Family** ([`family_prior`]): the lanes' held-out log-likelihoods of
//!   each family (from their cross-validation) are the data of a two-level
//!   model: family `f` with prior probability `π_f` per channel, then the
//!   lane's days. `π` is estimated by maximum marginal likelihood (EM: the
//!   mean of the lanes' posterior family weights, iterated to a fixed point),
//!   and each lane takes its posterior mode. A lane whose own evidence is
//!   strong keeps its family; one whose data cannot tell the families apart
//!   follows its channel. With one room, `π` is the lane's own weights and
//!   nothing changes.
//! - **Shape** ([`random_effects`], [`shrink_shapes`]): within a family,
//!   each lane's shape parameters — `ln k` measured from the lane's own
//!   median spend (rooms differ 3–4× in size and cost; where a curve bends
//!   *relative to the spend it usually sees* is what rooms share), Hill's
//!   `a`, the power law's `b` — are a noisy estimate (standard error from
//!   the fit's covariance) of a true shape drawn around the channel's mean.
//!   The spread of true shapes τ² is estimated from the data by the method of
//!   moments (DerSimonian–Laird: the excess of the lanes' weighted scatter
//!   over what their standard errors explain), and each lane is refitted with
//!   a Gaussian prior N(μ, τ² + var μ̂) on its shape: the posterior mode,
//!   whose shape moves toward the channel by the weight
//!   `se² / (se² + τ²)` — strongly where a lane's data cannot pin its bend
//!   down, not at all where the rooms really differ. The level (the cost
//!   per viewer of each room) is not pooled: it is measured to 1–2 % by
//!   each lane and really differs between rooms.
//! - Lanes that borrowed from the pooled channel curve already (thin
//!   histories, `shrunk`) are left as they are.

use super::fit::{
    Family, FitOptions, FitOutcome, FittedCurve, SeriesData, ShapePrior, WarmStart, fit_series,
    fit_series_with_shape_prior_from,
};

/// Held-out log-likelihood of each family for one lane, relative to its best
/// (0 for the best, `−∞` for a family without a cross-validation score):
/// `−Δ/2` with `Δ = n · (MSE_f − MSE_best) / MSE_best`, the same weights the
/// fit's P10–P90 band gives the other families.
pub fn lane_loglik(fc: &super::FittedCurve) -> [f64; 3] {
    let mut mse = [f64::INFINITY; 3];
    for s in &fc.cv_scores {
        let m = s.cv_log_rmse_capped * s.cv_log_rmse_capped;
        if m.is_finite() {
            mse[family_index(s.model)] = m;
        }
    }
    let best = mse.iter().copied().fold(f64::INFINITY, f64::min);
    let n = fc.quality.days_used as f64;
    let mut out = [f64::NEG_INFINITY; 3];
    if !(best.is_finite() && best > 0.0) {
        return out;
    }
    for f in 0..3 {
        if mse[f].is_finite() {
            out[f] = -0.5 * n * (mse[f] - best) / best;
        }
    }
    out
}

fn family_index(f: Family) -> usize {
    match f {
        Family::Hill => 0,
        Family::Exp => 1,
        Family::Power => 2,
    }
}

const FAMILY_OF: [Family; 3] = [Family::Hill, Family::Exp, Family::Power];

/// Maximum-marginal-likelihood prior over the families from the lanes'
/// log-likelihoods (EM for the mixing weights of a finite mixture: `π_f` ←
/// the mean over lanes of `π_f L_if / Σ_g π_g L_ig`). Families no lane can
/// fit get 0. Returns uniform weights over the fittable families when there
/// are no lanes.
pub fn family_prior(loglik: &[[f64; 3]]) -> [f64; 3] {
    let fittable: Vec<bool> = (0..3)
        .map(|f| loglik.iter().any(|l| l[f].is_finite()))
        .collect();
    let k = fittable.iter().filter(|&&b| b).count().max(1) as f64;
    let mut pi = [0.0; 3];
    for f in 0..3 {
        if fittable[f] {
            pi[f] = 1.0 / k;
        }
    }
    if loglik.is_empty() {
        return pi;
    }
    for _ in 0..2000 {
        let mut next = [0.0; 3];
        for l in loglik {
            let w = posterior(&pi, l);
            for f in 0..3 {
                next[f] += w[f];
            }
        }
        let m = loglik.len() as f64;
        let mut change: f64 = 0.0;
        for f in 0..3 {
            next[f] /= m;
            change = change.max((next[f] - pi[f]).abs());
        }
        pi = next;
        if change < 1e-10 {
            break;
        }
    }
    pi
}

/// Posterior family weights of one lane under the prior `pi`.
pub fn posterior(pi: &[f64; 3], loglik: &[f64; 3]) -> [f64; 3] {
    let top = (0..3)
        .filter(|&f| pi[f] > 0.0 && loglik[f].is_finite())
        .map(|f| loglik[f] + pi[f].ln())
        .fold(f64::NEG_INFINITY, f64::max);
    let mut w = [0.0; 3];
    if !top.is_finite() {
        return w;
    }
    let mut total = 0.0;
    for f in 0..3 {
        if pi[f] > 0.0 && loglik[f].is_finite() {
            w[f] = (loglik[f] + pi[f].ln() - top).exp();
            total += w[f];
        }
    }
    for v in &mut w {
        *v /= total;
    }
    w
}

/// Pool the fits of each channel's rooms ([`pool_channel`] per channel in
/// `channels`); `series`, `channels` and `outcomes` are aligned. Returns the
/// seconds spent on the family choice and on the shape refits.
pub fn pool(
    series: &[SeriesData<'_>],
    channels: &[&str],
    outcomes: &mut [FitOutcome],
    opts: &FitOptions,
) -> (f64, f64) {
    let (mut family_s, mut shape_s) = (0.0, 0.0);
    let mut by_channel: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, &c) in channels.iter().enumerate() {
        by_channel.entry(c).or_default().push(i);
    }
    for idx in by_channel.values() {
        let free: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| outcomes[i].fitted().is_some_and(|f| !f.shrunk))
            .collect();
        let t = std::time::Instant::now();
        pool_channel(series, outcomes, &free, opts);
        family_s += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        shrink_shapes(series, outcomes, &free, opts);
        shape_s += t.elapsed().as_secs_f64();
    }
    (family_s, shape_s)
}

/// The method-of-moments random-effects estimate of a parameter measured
/// by several lanes, each `(estimate, standard error)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RandomEffects {
    /// The mean of the true values, weighted by `1 / (se² + τ²)`.
    pub mean: f64,
    /// Variance of `mean`.
    pub mean_var: f64,
    /// Between-lane variance of the true values, τ² ≥ 0.
    pub tau2: f64,
}

/// DerSimonian–Laird: with weights `w = 1/se²`, the fixed-effect mean
/// `m = Σ w x / Σ w` and Cochran's `Q = Σ w (x − m)²`, whose expectation is
/// `(k − 1) + τ² (Σ w − Σ w² / Σ w)`, give `τ² = max(0, (Q − (k − 1)) /
/// (Σ w − Σ w² / Σ w))`. `None` with fewer than 3 usable lanes (Q needs 2
/// degrees of freedom to say anything about τ²).
pub fn random_effects(obs: &[(f64, f64)]) -> Option<RandomEffects> {
    let obs: Vec<(f64, f64)> = obs
        .iter()
        .copied()
        .filter(|(x, se)| x.is_finite() && se.is_finite() && *se > 0.0)
        .collect();
    let k = obs.len();
    if k < 3 {
        return None;
    }
    let sw: f64 = obs.iter().map(|(_, se)| 1.0 / (se * se)).sum();
    let sw2: f64 = obs.iter().map(|(_, se)| 1.0 / (se * se).powi(2)).sum();
    let m = obs.iter().map(|(x, se)| x / (se * se)).sum::<f64>() / sw;
    let q: f64 = obs.iter().map(|(x, se)| (x - m).powi(2) / (se * se)).sum();
    let denom = sw - sw2 / sw;
    let tau2 = if denom > 0.0 {
        ((q - (k as f64 - 1.0)) / denom).max(0.0)
    } else {
        0.0
    };
    let wr: Vec<f64> = obs.iter().map(|(_, se)| 1.0 / (se * se + tau2)).collect();
    let swr: f64 = wr.iter().sum();
    let mean = obs.iter().zip(&wr).map(|((x, _), w)| x * w).sum::<f64>() / swr;
    Some(RandomEffects {
        mean,
        mean_var: 1.0 / swr,
        tau2,
    })
}

/// Shape parameters, their standard errors and the offset of `ln k`.
type RelativeShape = ([f64; 2], [f64; 2], f64);

/// A lane's shape on the scale rooms share: `[ln k − ln s₅₀, a]` (exp,
/// Hill; `s₅₀` the lane's median positive spend) or `[b, ·]` (power), with
/// standard errors from the fit's covariance; and the offset that takes it
/// back to the fit's internal scale.
fn relative_shape(fc: &FittedCurve) -> Option<RelativeShape> {
    let p = &fc.uncertainty.params;
    let cov = &fc.uncertainty.cov;
    if p.len() < 2 || cov.len() < 11 {
        return None;
    }
    let nphi = if fc.family() == Family::Hill { 2 } else { 1 };
    let offset = match fc.family() {
        Family::Power => 0.0,
        _ => fc
            .spend_summaries
            .iter()
            .find(|s| s.percentile == 50)
            .map(|s| s.spend_cny.ln())
            .filter(|v| v.is_finite())?,
    };
    let mut x = [f64::NAN; 2];
    let mut se = [f64::NAN; 2];
    for j in 0..nphi {
        x[j] = p[j] - if j == 0 { offset } else { 0.0 };
        se[j] = cov[j * 9 + j].max(0.0).sqrt();
    }
    Some((x, se, offset))
}

/// Refit each lane of `idx` with a shape prior from its channel's rooms of
/// the same family (see the module docs). Hill's two shape parameters are
/// strongly correlated (a lane's `ln k` alone has standard errors of 1–4),
/// so they are taken in turn: `a` first, then `ln k` from the fits with
/// `a`'s prior in place, whose standard errors are those of `ln k` given
/// what the rooms say about `a`.
pub fn shrink_shapes(
    series: &[SeriesData<'_>],
    outcomes: &mut [FitOutcome],
    idx: &[usize],
    opts: &FitOptions,
) {
    use rayon::prelude::*;
    for fam in Family::ALL {
        let lanes: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| {
                outcomes[i]
                    .fitted()
                    .is_some_and(|f| f.family() == fam && relative_shape(f).is_some())
            })
            .collect();
        let order: &[usize] = if fam == Family::Hill { &[1, 0] } else { &[0] };
        let mut priors = vec![
            ShapePrior {
                family: fam,
                mean: [0.0; 2],
                sd: [f64::INFINITY; 2],
            };
            lanes.len()
        ];
        let mut weights = vec![0.0f64; lanes.len()];
        let mut current: Vec<FitOutcome> = lanes.iter().map(|&i| outcomes[i].clone()).collect();
        let mut refitted = vec![false; lanes.len()];
        // Lanes whose current refit is a light one (no cross-validation: the
        // `a` step of Hill only feeds the `ln k` step), with its prior.
        let mut light: Vec<Option<ShapePrior>> = vec![None; lanes.len()];
        for (step, &j) in order.iter().enumerate() {
            let last = step + 1 == order.len();
            let shapes: Vec<Option<RelativeShape>> = current
                .iter()
                .map(|o| o.fitted().and_then(relative_shape))
                .collect();
            let obs: Vec<(f64, f64)> = shapes
                .iter()
                .map(|x| x.map_or((f64::NAN, f64::NAN), |(x, se, _)| (x[j], se[j])))
                .collect();
            let Some(re) = random_effects(&obs) else {
                break;
            };
            let v = re.tau2 + re.mean_var;
            for (k, p) in priors.iter_mut().enumerate() {
                let Some((_, se, off)) = shapes[k] else {
                    continue;
                };
                p.mean[j] = re.mean + if j == 0 { off } else { 0.0 };
                p.sd[j] = v.sqrt();
                weights[k] = weights[k].max(se[j] * se[j] / (se[j] * se[j] + v));
            }
            // Each refit starts from the lane's current fit (its own, or the
            // previous step's): the posterior mode is near it.
            let refits: Vec<Option<FitOutcome>> = lanes
                .par_iter()
                .zip(&priors)
                .zip(&current)
                .map(|((&i, prior), cur)| {
                    let warm = cur.fitted().map(|f| WarmStart {
                        params: &f.uncertainty.params,
                        light: !last,
                    });
                    let refit =
                        fit_series_with_shape_prior_from(&series[i], opts, prior, warm.as_ref());
                    refit.fitted().is_some().then_some(refit)
                })
                .collect();
            for (k, r) in refits.into_iter().enumerate() {
                if let Some(r) = r {
                    current[k] = r;
                    refitted[k] = true;
                    light[k] = (!last).then_some(priors[k]);
                }
            }
        }
        // A light refit that no later step replaced is redone in full.
        let redo: Vec<(usize, Option<FitOutcome>)> = lanes
            .par_iter()
            .enumerate()
            .filter_map(|(k, &i)| {
                let prior = light[k]?;
                let warm = current[k].fitted().map(|f| WarmStart {
                    params: &f.uncertainty.params,
                    light: false,
                });
                let refit =
                    fit_series_with_shape_prior_from(&series[i], opts, &prior, warm.as_ref());
                Some((k, refit.fitted().is_some().then_some(refit)))
            })
            .collect();
        for (k, r) in redo {
            match r {
                Some(r) => current[k] = r,
                None => {
                    current[k] = outcomes[lanes[k]].clone();
                    refitted[k] = false;
                }
            }
        }
        if !refitted.contains(&true) {
            continue;
        }
        for (k, &i) in lanes.iter().enumerate() {
            let (Some(old), FitOutcome::Fitted(r)) = (outcomes[i].fitted(), &mut current[k]) else {
                continue;
            };
            if !refitted[k] || r.family() != fam {
                refitted[k] = false;
                continue;
            }
            // The other families' evidence stays the lane's own.
            for s in &old.cv_scores {
                if s.model != fam {
                    r.cv_scores.push(s.clone());
                }
            }
            r.alternatives = old.alternatives.clone();
            r.unpooled_uncertainty = Some(
                old.unpooled_uncertainty
                    .clone()
                    .unwrap_or_else(|| old.uncertainty.clone()),
            );
            r.shrunk = true;
            let why = format!(
                "shape pulled toward the channel's rooms (prior weight up to {:.2})",
                weights[k]
            );
            r.shrink_reason = Some(match &old.shrink_reason {
                Some(w) => format!("{w}; {why}"),
                None => why,
            });
        }
        for (k, &i) in lanes.iter().enumerate() {
            if refitted[k] {
                outcomes[i] = std::mem::replace(
                    &mut current[k],
                    FitOutcome::Unusable {
                        reason: String::new(),
                    },
                );
            }
        }
    }
}

/// Pool the family choice of the lanes `idx` (one channel's rooms) of
/// `outcomes`: each free-fitted lane whose posterior mode under the
/// channel's family prior differs from its own choice is refitted with that
/// family (the other families stay in its band as alternatives).
pub fn pool_channel(
    series: &[SeriesData<'_>],
    outcomes: &mut [FitOutcome],
    idx: &[usize],
    opts: &FitOptions,
) {
    let free: Vec<usize> = idx
        .iter()
        .copied()
        .filter(|&i| {
            outcomes[i]
                .fitted()
                .is_some_and(|f| !f.shrunk && f.cv_scores.len() > 1)
        })
        .collect();
    if free.len() < 2 {
        return;
    }
    let logliks: Vec<[f64; 3]> = free
        .iter()
        .map(|&i| lane_loglik(outcomes[i].fitted().expect("free lanes are fitted")))
        .collect();
    let pi = family_prior(&logliks);
    let refits: Vec<(usize, FitOutcome)> = {
        use rayon::prelude::*;
        free.par_iter()
            .zip(&logliks)
            .filter_map(|(&i, l)| {
                let fc = outcomes[i].fitted()?;
                let w = posterior(&pi, l);
                let mode = (0..3).max_by(|&a, &b| w[a].total_cmp(&w[b]))?;
                let fam = FAMILY_OF[mode];
                if fam == fc.family() || !opts.families.contains(&fam) {
                    return None;
                }
                let mut families = vec![fam];
                families.extend(opts.families.iter().copied().filter(|&f| f != fam));
                let o = FitOptions {
                    families,
                    // The first family is kept whatever the lane's own
                    // cross-validation says.
                    selection_se: f64::MAX,
                    ..opts.clone()
                };
                let mut refit = fit_series(&series[i], &o, None);
                let FitOutcome::Fitted(r) = &mut refit else {
                    return None;
                };
                if r.family() != fam {
                    return None;
                }
                r.shrunk = true;
                r.shrink_reason = Some(format!(
                    "family {} of the channel's rooms (posterior {:.2}; this room alone: {})",
                    fam.name(),
                    w[mode],
                    fc.family().name()
                ));
                Some((i, refit))
            })
            .collect()
    };
    for (i, o) in refits {
        outcomes[i] = o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curves::fit::fit_series_with_shape_prior;

    #[test]
    fn prior_is_the_mixing_weight_that_maximises_the_marginal_likelihood() {
        // Two families, lanes with likelihood ratios r_i = L_i1 / L_i0: the
        // marginal likelihood Π (π0 + π1 r_i)·L_i0 is maximised where
        // Σ (r_i − 1) / (π0 + π1 r_i) = 0; with r = (4, 4, 1/4):
        let ln4 = 4f64.ln();
        let lanes = [
            [0.0, ln4, f64::NEG_INFINITY],
            [0.0, ln4, f64::NEG_INFINITY],
            [0.0, -ln4, f64::NEG_INFINITY],
        ];
        let pi = family_prior(&lanes);
        // Score: 2·3/(1 + 3p) − (3/4)/(1 − 3p/4) = 0 with p = π1
        // → 6(1 − 3p/4) = (3/4)(1 + 3p) → 6 − 4.5p = 0.75 + 2.25p → p = 7/9.
        assert!((pi[1] - 7.0 / 9.0).abs() < 1e-6, "{pi:?}");
        assert!((pi[0] - 2.0 / 9.0).abs() < 1e-6);
        assert_eq!(pi[2], 0.0);
        // Lanes that all lean the same way put (almost) all the mass there.
        let pi = family_prior(&[[0.0, 1.0, -1.0]; 8]);
        assert!(pi[1] > 0.999, "{pi:?}");
        // No lanes: uniform over the fittable families (none: all zero).
        assert_eq!(family_prior(&[]), [0.0, 0.0, 0.0]);
    }

    #[test]
    fn between_lane_variance_is_the_method_of_moments_estimate() {
        // Equal standard errors s: τ² = sample variance − s² (closed form of
        // DerSimonian–Laird), the mean is the plain mean.
        let xs = [0.1, 0.5, -0.2, 0.3, 0.05];
        let s = 0.1;
        let obs: Vec<(f64, f64)> = xs.iter().map(|&x| (x, s)).collect();
        let re = random_effects(&obs).unwrap();
        let m = xs.iter().sum::<f64>() / 5.0;
        let var = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / 4.0;
        assert!((re.tau2 - (var - s * s)).abs() < 1e-12, "{re:?}");
        assert!((re.mean - m).abs() < 1e-12);
        assert!((re.mean_var - (var) / 5.0).abs() < 1e-12);
        // Scatter smaller than the standard errors explain: τ² = 0 (pool
        // completely), and the mean is the precision-weighted one.
        let re = random_effects(&[(0.0, 1.0), (0.1, 1.0), (0.4, 2.0)]).unwrap();
        assert_eq!(re.tau2, 0.0);
        assert!((re.mean - (0.0 + 0.1 + 0.4 / 4.0) / 2.25).abs() < 1e-12);
        // Fewer than three lanes: no estimate.
        assert!(random_effects(&[(0.0, 1.0), (1.0, 1.0)]).is_none());
    }

    #[test]
    fn shape_prior_fit_is_the_precision_weighted_posterior() {
        // Power truth: the log fit is linear in b, so the penalised fit's b
        // is the precision-weighted mean of the free fit's b (standard error
        // from its covariance) and the prior mean, to first order (the Huber
        // weights and the robust scale move it by up to ~15 % of the shift).
        use crate::curves::Model;
        use crate::curves::sim::{SynthSpec, generate};
        let g = generate(&SynthSpec {
            days: 200,
            noise_sigma: 0.3,
            ..SynthSpec::new(Model::Power { c: 3.0, b: 0.6 }, 2000.0, 11)
        });
        let data = SeriesData {
            spend_cny: &g.spend_cny,
            viewers: &g.viewers,
            weekday: &g.weekday,
            cap_viewers_per_day: None,
        };
        let opts = FitOptions {
            families: vec![Family::Power],
            ..FitOptions::default()
        };
        let free = fit_series(&data, &opts, None);
        let free = free.fitted().expect("fits");
        let b_hat = free.uncertainty.params[0];
        let se2 = free.uncertainty.cov[0];
        for (mu, sd) in [(0.4, 0.05), (0.8, 0.02), (0.5, 1.0)] {
            let prior = ShapePrior {
                family: Family::Power,
                mean: [mu, 0.0],
                sd: [sd, f64::INFINITY],
            };
            let post = fit_series_with_shape_prior(&data, &opts, &prior);
            let b = post.fitted().unwrap().uncertainty.params[0];
            let want = (b_hat / se2 + mu / (sd * sd)) / (1.0 / se2 + 1.0 / (sd * sd));
            assert!(
                (b - want).abs() < 0.2 * (b_hat - want).abs().max(0.002),
                "prior {mu}±{sd}: b {b}, closed form {want}, free {b_hat}"
            );
        }
    }

    #[test]
    fn posterior_is_bayes_rule() {
        let w = posterior(&[0.5, 0.25, 0.25], &[0.0, 2f64.ln(), f64::NEG_INFINITY]);
        // 0.5·1 : 0.25·2 : 0 = 1 : 1 : 0.
        assert!((w[0] - 0.5).abs() < 1e-12 && (w[1] - 0.5).abs() < 1e-12 && w[2] == 0.0);
    }
}
