//! The robust least-squares fit of one family: the days prepared for the
//! log-space fit, the Huber loss with its IRLS-weighted normal equations,
//! the projected Levenberg–Marquardt with box constraints on the shape
//! parameters, its starting points and the Gauss–Newton covariance.

// Small dense linear algebra on fixed 9 × 9 arrays reads best with indices.
#![allow(clippy::needless_range_loop)]

use super::family::{Family, Shape};
use super::linalg::{Mat9, NP, Vec9, invert_spd, solve_spd};

/// Positive-spend days prepared for the log-space fit.
#[derive(Clone, Debug, Default)]
pub(super) struct Prepared {
    pub(super) s: Vec<f64>,
    pub(super) lns: Vec<f64>,
    /// ln viewers (viewers floored at 0.5).
    pub(super) y: Vec<f64>,
    /// Viewers as reported (zeros kept), for the expectation correction.
    pub(super) v: Vec<f64>,
    pub(super) wd: Vec<u8>,
}

impl Prepared {
    pub(super) fn len(&self) -> usize {
        self.s.len()
    }

    pub(super) fn push(&mut self, s: f64, v: f64, wd: u8) {
        self.s.push(s);
        self.lns.push(s.ln());
        self.y.push(v.max(0.5).ln());
        self.v.push(v);
        self.wd.push(wd);
    }

    pub(super) fn ln_range(&self) -> (f64, f64) {
        let lo = self.lns.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self.lns.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    pub(super) fn mean_lns(&self) -> f64 {
        self.lns.iter().sum::<f64>() / self.len().max(1) as f64
    }
}

/// Settings of the Levenberg–Marquardt fit.
#[derive(Clone, Copy)]
pub(super) struct LmCfg {
    /// Huber threshold on log residuals (`f64::INFINITY` = least squares).
    delta: f64,
    /// Ridge weight pulling weekday intercepts toward their mean.
    tau: f64,
    max_iter: usize,
    lo: [f64; 2],
    hi: [f64; 2],
    /// Gaussian penalty on the shape parameters: (mean, precision).
    prior: Option<([f64; 2], [f64; 2])>,
}

pub(super) struct Acc {
    pub(super) loss: f64,
    pub(super) h: Mat9,
    pub(super) rhs: Vec9,
}

/// Huber loss, normal matrix (IRLS-weighted Gauss–Newton) and `−∇loss` at `th`.
fn accumulate(fam: Family, th: &Vec9, d: &Prepared, cfg: &LmCfg) -> Acc {
    let mut acc = accumulate_data(fam, th, d, 0, d.len(), cfg.delta);
    add_penalties(fam, th, cfg, &mut acc);
    acc
}

/// The data terms of [`accumulate`] over days `lo..hi` (no penalties).
pub(super) fn accumulate_data(
    fam: Family,
    th: &Vec9,
    d: &Prepared,
    lo: usize,
    hi: usize,
    delta: f64,
) -> Acc {
    // A one-shape-parameter family (exp, power) has `∂g/∂φ1 = 0`: its sums
    // over `φ1` are left at zero, which is what [`add_penalties`] (through
    // which every use of an accumulation goes) pins them to anyway; the
    // other sums are the same operations in the same order either way.
    if fam.nphi() == 2 {
        accumulate_sums::<2>(fam, th, d, lo, hi, delta)
    } else {
        accumulate_sums::<1>(fam, th, d, lo, hi, delta)
    }
}

/// [`accumulate_data`] for a family with `NPHI` shape parameters.
#[inline(always)]
fn accumulate_sums<const NPHI: usize>(
    fam: Family,
    th: &Vec9,
    d: &Prepared,
    lo: usize,
    hi: usize,
    delta: f64,
) -> Acc {
    let sh = Shape::new(fam, [th[0], th[1]]);
    let mut sw = [0.0; 7];
    let mut swr = [0.0; 7];
    let mut swg = [[0.0; 2]; 7];
    let mut sgg = [[0.0; 2]; 2];
    let mut sgr = [0.0; 2];
    let mut loss = 0.0;
    for i in lo..hi {
        let (g, dg) = sh.eval(d.s[i], d.lns[i]);
        let wd = d.wd[i] as usize;
        let r = d.y[i] - th[2 + wd] - g;
        let ar = r.abs();
        let w = if ar <= delta {
            loss += 0.5 * r * r;
            1.0
        } else {
            loss += delta * (ar - 0.5 * delta);
            delta / ar
        };
        sw[wd] += w;
        swr[wd] += w * r;
        for j in 0..NPHI {
            swg[wd][j] += w * dg[j];
            sgr[j] += w * dg[j] * r;
            for k in 0..NPHI {
                sgg[j][k] += w * dg[j] * dg[k];
            }
        }
    }
    let mut h = [[0.0; NP]; NP];
    let mut rhs = [0.0; NP];
    for j in 0..2 {
        rhs[j] = sgr[j];
        for k in 0..2 {
            h[j][k] = sgg[j][k];
        }
        for dd in 0..7 {
            h[j][2 + dd] = swg[dd][j];
            h[2 + dd][j] = swg[dd][j];
        }
    }
    for dd in 0..7 {
        h[2 + dd][2 + dd] = sw[dd];
        rhs[2 + dd] = swr[dd];
    }
    Acc { loss, h, rhs }
}

impl Acc {
    /// `self − other` (for leaving a block of days out).
    pub(super) fn minus(&self, other: &Acc) -> Acc {
        let mut out = Acc {
            loss: self.loss - other.loss,
            h: self.h,
            rhs: self.rhs,
        };
        for i in 0..NP {
            out.rhs[i] -= other.rhs[i];
            for j in 0..NP {
                out.h[i][j] -= other.h[i][j];
            }
        }
        out
    }

    pub(super) fn plus(&self, other: &Acc) -> Acc {
        let mut out = Acc {
            loss: self.loss + other.loss,
            h: self.h,
            rhs: self.rhs,
        };
        for i in 0..NP {
            out.rhs[i] += other.rhs[i];
            for j in 0..NP {
                out.h[i][j] += other.h[i][j];
            }
        }
        out
    }
}

/// Add the weekday ridge and the shape prior, and pin unused shape slots.
pub(super) fn add_penalties(fam: Family, th: &Vec9, cfg: &LmCfg, acc: &mut Acc) {
    let Acc { loss, h, rhs } = acc;
    let cbar = th[2..].iter().sum::<f64>() / 7.0;
    for dd in 0..7 {
        rhs[2 + dd] -= cfg.tau * (th[2 + dd] - cbar);
        *loss += 0.5 * cfg.tau * (th[2 + dd] - cbar).powi(2);
        for e in 0..7 {
            h[2 + dd][2 + e] += cfg.tau * (if dd == e { 1.0 } else { 0.0 } - 1.0 / 7.0);
        }
    }
    if let Some((mu, prec)) = cfg.prior {
        for j in 0..fam.nphi() {
            let dev = th[j] - mu[j];
            *loss += 0.5 * prec[j] * dev * dev;
            h[j][j] += prec[j];
            rhs[j] -= prec[j] * dev;
        }
    }
    for j in fam.nphi()..2 {
        for k in 0..NP {
            h[j][k] = 0.0;
            h[k][j] = 0.0;
        }
        h[j][j] = 1.0;
        rhs[j] = 0.0;
    }
}

fn project(fam: Family, th: &mut Vec9, lo: &[f64; 2], hi: &[f64; 2]) {
    for j in 0..fam.nphi() {
        th[j] = th[j].clamp(lo[j], hi[j]);
    }
    for v in th.iter_mut().skip(fam.nphi()).take(2 - fam.nphi()) {
        *v = 0.0;
    }
}

/// A damped Gauss–Newton step from `th` for the normal equations in `acc`,
/// with shape parameters at a bound held fixed when the step would push them
/// out (active set), so a fit on the boundary (Hill with `a` = 1, say) still
/// moves its free parameters. `None` if the system is singular.
pub(super) fn bounded_step(
    fam: Family,
    th: &Vec9,
    acc: &Acc,
    cfg: &LmCfg,
    mu: f64,
) -> Option<Vec9> {
    let mut fixed = [false; 2];
    let mut step = [0.0; NP];
    for _pass in 0..3 {
        let mut a = acc.h;
        let mut b = acc.rhs;
        for j in 0..2 {
            if fixed[j] {
                for k in 0..NP {
                    a[j][k] = 0.0;
                    a[k][j] = 0.0;
                }
                a[j][j] = 1.0;
                b[j] = 0.0;
            }
        }
        for (i, row) in a.iter_mut().enumerate() {
            row[i] += mu * row[i] + 1e-12;
        }
        step = solve_spd(&a, &b)?;
        let mut changed = false;
        for j in 0..fam.nphi() {
            let at_lo = th[j] <= cfg.lo[j] + 1e-12 && step[j] < 0.0;
            let at_hi = th[j] >= cfg.hi[j] - 1e-12 && step[j] > 0.0;
            if !fixed[j] && (at_lo || at_hi) {
                fixed[j] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut cand = *th;
    for i in 0..NP {
        cand[i] += step[i];
    }
    project(fam, &mut cand, &cfg.lo, &cfg.hi);
    Some(cand)
}

/// Projected Levenberg–Marquardt on the Huber loss. Returns the parameters
/// and the accumulation at them.
pub(super) fn lm(fam: Family, d: &Prepared, cfg: &LmCfg, start: Vec9) -> (Vec9, Acc) {
    let mut th = start;
    project(fam, &mut th, &cfg.lo, &cfg.hi);
    let mut acc = accumulate(fam, &th, d, cfg);
    let mut mu = 1e-3;
    for _ in 0..cfg.max_iter {
        let Some(cand) = bounded_step(fam, &th, &acc, cfg, mu) else {
            return (th, acc);
        };
        let acc_new = accumulate(fam, &cand, d, cfg);
        if acc_new.loss.is_finite() && acc_new.loss <= acc.loss {
            let dec = acc.loss - acc_new.loss;
            let max_step = (0..NP).fold(0.0f64, |m, i| m.max((cand[i] - th[i]).abs()));
            th = cand;
            acc = acc_new;
            mu = (mu * 0.3).max(1e-10);
            if dec <= 1e-6 * acc.loss.max(1e-9) || max_step < 1e-6 {
                break;
            }
        } else {
            mu *= 8.0;
            if mu > 1e10 {
                break;
            }
        }
    }
    (th, acc)
}

/// Residuals `y − c_d − g` of a parameter vector on some days.
pub(super) fn residuals(fam: Family, th: &Vec9, d: &Prepared) -> Vec<f64> {
    let sh = Shape::new(fam, [th[0], th[1]]);
    (0..d.len())
        .map(|i| d.y[i] - th[2 + d.wd[i] as usize] - sh.eval(d.s[i], d.lns[i]).0)
        .collect()
}

/// Find `x > 0` with `x / (e^x − 1) = b` (elasticity of the exp curve).
fn exp_x_for_elasticity(b: f64) -> f64 {
    let b = b.clamp(0.02, 0.98);
    let (mut lo, mut hi) = (-8.0f64, 4.0f64); // ln x
    for _ in 0..50 {
        let mid = 0.5 * (lo + hi);
        let x = mid.exp();
        if x / x.exp_m1() > b {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// Starting point for `fam` from a fitted power law (`b`, intercepts `c`),
/// matching value and elasticity at the geometric-mean spend.
fn start_from_power(fam: Family, pow: &Vec9, lnsbar: f64, hill_a: f64) -> Vec9 {
    let b = pow[0];
    let mut th = *pow;
    let (phi, gbar) = match fam {
        Family::Power => return th,
        Family::Exp => {
            let x = exp_x_for_elasticity(b);
            ([lnsbar - x.ln(), 0.0], (-(-x).exp_m1()).ln())
        }
        Family::Hill => {
            let a = hill_a;
            let q = if b < 0.98 * a { a / b - 1.0 } else { 0.02 };
            ([lnsbar - q.ln() / a, a], -(1.0 / q).ln_1p())
        }
    };
    th[0] = phi[0];
    th[1] = phi[1];
    for c in th.iter_mut().skip(2) {
        *c += b * lnsbar - gbar;
    }
    th
}

/// A family fitted to one set of days.
#[derive(Clone, Copy)]
pub(super) struct RawFit {
    pub(super) fam: Family,
    pub(super) th: Vec9,
    pub(super) loss: f64,
}

pub(super) struct Ctx {
    /// Robust scale of the log residuals (from the power-law fit).
    pub(super) sigma: f64,
    pub(super) delta: f64,
    pub(super) tau: f64,
    pub(super) ln_smin: f64,
    pub(super) ln_smax: f64,
    pub(super) prior: Option<([f64; 2], [f64; 2])>,
}

impl Ctx {
    pub(super) fn cfg(&self, fam: Family, max_iter: usize) -> LmCfg {
        let (lo, hi) = fam.bounds(self.ln_smin, self.ln_smax);
        LmCfg {
            delta: self.delta,
            tau: self.tau,
            max_iter,
            lo,
            hi,
            prior: self.prior,
        }
    }
}

/// Power-law fit used for the robust scale and as a starting point.
pub(super) fn fit_power(d: &Prepared, ctx: &Ctx, max_iter: usize) -> RawFit {
    let mut th = [0.0; NP];
    th[0] = 0.5;
    let c0 = (0..d.len()).map(|i| d.y[i] - 0.5 * d.lns[i]).sum::<f64>() / d.len().max(1) as f64;
    for c in th.iter_mut().skip(2) {
        *c = c0;
    }
    fit_from(Family::Power, d, ctx, max_iter, th)
}

/// `fam` fitted by [`lm`] from `start`, at most `max_iter` iterations.
pub(super) fn fit_from(
    fam: Family,
    d: &Prepared,
    ctx: &Ctx,
    max_iter: usize,
    start: Vec9,
) -> RawFit {
    let (th, acc) = lm(fam, d, &ctx.cfg(fam, max_iter), start);
    RawFit {
        fam,
        th,
        loss: acc.loss,
    }
}

pub(super) fn fit_family(fam: Family, d: &Prepared, ctx: &Ctx, pow: &RawFit) -> RawFit {
    if fam == Family::Power {
        return *pow;
    }
    let lnsbar = d.mean_lns();
    // Hill starts: a = 1, a = 0.6, and a near-power-law start (a ≈ b, k far
    // above the data) so that Hill never fits worse than the power law.
    let b = pow.th[0];
    let starts: Vec<f64> = match fam {
        Family::Hill if b < 0.55 => vec![1.0, 0.6, (1.1 * b).clamp(0.2, 1.0)],
        Family::Hill => vec![1.0, (1.1 * b).clamp(0.2, 1.0)],
        _ => vec![0.0],
    };
    let multi = starts.len() > 1;
    // A few LM iterations from every start, then the best one to convergence.
    let mut best_start: Option<(f64, Vec9)> = None;
    for a0 in starts {
        let mut st = start_from_power(fam, &pow.th, lnsbar, a0);
        if let Some((mu, _)) = ctx.prior {
            // Penalised fit: start at the prior's shape, matching the level.
            let sh0 = Shape::new(fam, [st[0], st[1]]);
            let sh1 = Shape::new(fam, mu);
            let ls = lnsbar.exp();
            let shift = sh0.eval(ls, lnsbar).0 - sh1.eval(ls, lnsbar).0;
            st[0] = mu[0];
            st[1] = mu[1];
            for c in st.iter_mut().skip(2) {
                *c += shift;
            }
        }
        let (st_p, loss) = if multi {
            let (th, acc) = lm(fam, d, &ctx.cfg(fam, 2), st);
            (th, acc.loss)
        } else {
            (st, 0.0)
        };
        if loss.is_finite() && best_start.is_none_or(|(l, _)| loss < l) {
            best_start = Some((loss, st_p));
        }
    }
    let Some((_, st)) = best_start else {
        return *pow;
    };
    fit_from(fam, d, ctx, 60, st)
}

/// Covariance `σ² H⁻¹` from the weighted normal matrix (no penalties on
/// parameters that are unused).
pub(super) fn covariance(fam: Family, th: &Vec9, d: &Prepared, cfg: &LmCfg, sigma: f64) -> Mat9 {
    let acc = accumulate(fam, th, d, cfg);
    let mut cov = invert_spd(&acc.h).unwrap_or([[0.0; NP]; NP]);
    let s2 = sigma * sigma;
    for (i, row) in cov.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = if i < 2 && i >= fam.nphi() || j < 2 && j >= fam.nphi() || !v.is_finite() {
                0.0
            } else {
                *v * s2
            };
        }
    }
    cov
}
