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

// Small dense linear algebra on fixed 9 × 9 arrays reads best with indices.
#![allow(clippy::needless_range_loop)]

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::curves::model::{Curve, Model};

/// Parameter vector layout: `[shape0, shape1, c_mon, …, c_sun]` where
/// `c_d = L + w_d` are per-weekday log intercepts.
const NP: usize = 9;
type Vec9 = [f64; NP];
type Mat9 = [[f64; NP]; NP];
/// z-score of the 90th percentile of a standard normal.
const Z90: f64 = 1.281_551_565_545;

/// A model family that can be fitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `vmax · (1 − e^(−s/k))`.
    Exp,
    /// `vmax · s^a / (s^a + k^a)`, `0.2 ≤ a ≤ 1`.
    Hill,
    /// `c · s^b`, `0.02 ≤ b ≤ 1`.
    Power,
}

impl Family {
    /// All fittable families, in model-selection preference order: Hill
    /// (the most flexible; it approaches the power law as `k` grows) unless
    /// exp or power is significantly better in cross-validation. On synthetic
    /// exp/Hill truths this order gave the smallest errors at median spend.
    pub const ALL: [Family; 3] = [Family::Hill, Family::Exp, Family::Power];

    /// Family name as written in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exp => "exp",
            Family::Hill => "hill",
            Family::Power => "power",
        }
    }

    /// The family of a fitted model.
    pub fn of(model: &Model) -> Family {
        match model {
            Model::Exp { .. } => Family::Exp,
            Model::Hill { .. } => Family::Hill,
            Model::Power { .. } => Family::Power,
        }
    }

    fn nphi(self) -> usize {
        match self {
            Family::Hill => 2,
            Family::Exp | Family::Power => 1,
        }
    }

    /// Box bounds of the shape parameters given the positive spend range.
    fn bounds(self, ln_smin: f64, ln_smax: f64) -> ([f64; 2], [f64; 2]) {
        match self {
            Family::Exp => ([ln_smin - 3.0, 0.0], [ln_smax + 3.0, 0.0]),
            Family::Hill => ([ln_smin - 3.0, 0.2], [ln_smax + 3.0, 1.0]),
            Family::Power => ([0.02, 0.0], [1.0, 0.0]),
        }
    }

    /// Build the model from shape parameters and the log level `L`.
    fn to_model(self, phi: [f64; 2], level: f64) -> Model {
        let scale = level.exp();
        match self {
            Family::Exp => Model::Exp {
                vmax: scale,
                k_cny: phi[0].exp(),
            },
            Family::Hill => Model::Hill {
                vmax: scale,
                k_cny: phi[0].exp(),
                a: phi[1],
            },
            Family::Power => Model::Power {
                c: scale,
                b: phi[0],
            },
        }
    }
}

/// Shape parameters and `L` of a model (inverse of `Family::to_model`).
fn model_params(m: &Model) -> ([f64; 2], f64) {
    match *m {
        Model::Exp { vmax, k_cny } => ([k_cny.ln(), 0.0], vmax.ln()),
        Model::Hill { vmax, k_cny, a } => ([k_cny.ln(), a], vmax.ln()),
        Model::Power { c, b } => ([b, 0.0], c.ln()),
    }
}

/// A family with its shape parameters, ready to evaluate `g` and `∂g/∂shape`.
#[derive(Clone, Copy)]
struct Shape {
    fam: Family,
    phi: [f64; 2],
    inv_k: f64,
}

impl Shape {
    fn new(fam: Family, phi: [f64; 2]) -> Self {
        let inv_k = match fam {
            Family::Exp => (-phi[0]).exp(),
            _ => 0.0,
        };
        Shape { fam, phi, inv_k }
    }

    /// `(g, [∂g/∂φ0, ∂g/∂φ1])` at spend `s > 0` with `lns = ln s`.
    #[inline]
    fn eval(&self, s: f64, lns: f64) -> (f64, [f64; 2]) {
        match self.fam {
            Family::Exp => {
                let x = s * self.inv_k;
                let m = -(-x).exp_m1(); // 1 − e^(−x), in (0, 1]
                let g = m.ln();
                // ∂g/∂ln k = −x e^(−x) / (1 − e^(−x))
                (g, [-x * (1.0 - m) / m, 0.0])
            }
            Family::Hill => {
                let a = self.phi[1];
                let u = self.phi[0] - lns;
                let t = a * u;
                let e = (-t.abs()).exp();
                let softplus = t.max(0.0) + e.ln_1p();
                let sig = if t >= 0.0 {
                    1.0 / (1.0 + e)
                } else {
                    e / (1.0 + e)
                };
                (-softplus, [-sig * a, -sig * u])
            }
            Family::Power => (self.phi[0] * lns, [lns, 0.0]),
        }
    }
}

/// Positive-spend days prepared for the log-space fit.
#[derive(Clone, Debug, Default)]
struct Prepared {
    s: Vec<f64>,
    lns: Vec<f64>,
    /// ln viewers (viewers floored at 0.5).
    y: Vec<f64>,
    /// Viewers as reported (zeros kept), for the expectation correction.
    v: Vec<f64>,
    wd: Vec<u8>,
}

impl Prepared {
    fn len(&self) -> usize {
        self.s.len()
    }

    fn push(&mut self, s: f64, v: f64, wd: u8) {
        self.s.push(s);
        self.lns.push(s.ln());
        self.y.push(v.max(0.5).ln());
        self.v.push(v);
        self.wd.push(wd);
    }

    fn ln_range(&self) -> (f64, f64) {
        let lo = self.lns.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = self.lns.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo, hi)
    }

    fn mean_lns(&self) -> f64 {
        self.lns.iter().sum::<f64>() / self.len().max(1) as f64
    }
}

/// Settings of the Levenberg–Marquardt fit.
#[derive(Clone, Copy)]
struct LmCfg {
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

struct Acc {
    loss: f64,
    h: Mat9,
    rhs: Vec9,
}

/// Huber loss, normal matrix (IRLS-weighted Gauss–Newton) and `−∇loss` at `th`.
/// Huber loss, normal matrix (IRLS-weighted Gauss–Newton) and `−∇loss` at `th`.
fn accumulate(fam: Family, th: &Vec9, d: &Prepared, cfg: &LmCfg) -> Acc {
    let mut acc = accumulate_data(fam, th, d, 0, d.len(), cfg.delta);
    add_penalties(fam, th, cfg, &mut acc);
    acc
}

/// The data terms of [`accumulate`] over days `lo..hi` (no penalties).
fn accumulate_data(fam: Family, th: &Vec9, d: &Prepared, lo: usize, hi: usize, delta: f64) -> Acc {
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
        for j in 0..2 {
            swg[wd][j] += w * dg[j];
            sgr[j] += w * dg[j] * r;
            for k in 0..2 {
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
    fn minus(&self, other: &Acc) -> Acc {
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

    fn plus(&self, other: &Acc) -> Acc {
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
fn add_penalties(fam: Family, th: &Vec9, cfg: &LmCfg, acc: &mut Acc) {
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

/// Cholesky factorisation in place (lower triangle); `None` if not SPD.
fn cholesky(a: &Mat9) -> Option<Mat9> {
    let mut l = [[0.0; NP]; NP];
    for i in 0..NP {
        for j in 0..=i {
            let mut sum = a[i][j];
            for k in 0..j {
                sum -= l[i][k] * l[j][k];
            }
            if i == j {
                if sum.is_nan() || sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[i][i] = sum.sqrt();
            } else {
                l[i][j] = sum / l[j][j];
            }
        }
    }
    Some(l)
}

fn chol_solve(l: &Mat9, b: &Vec9) -> Vec9 {
    let mut y = [0.0; NP];
    for i in 0..NP {
        let mut sum = b[i];
        for k in 0..i {
            sum -= l[i][k] * y[k];
        }
        y[i] = sum / l[i][i];
    }
    let mut x = [0.0; NP];
    for i in (0..NP).rev() {
        let mut sum = y[i];
        for k in i + 1..NP {
            sum -= l[k][i] * x[k];
        }
        x[i] = sum / l[i][i];
    }
    x
}

/// Solve the SPD system `a x = b`, adding diagonal jitter if needed.
fn solve_spd(a: &Mat9, b: &Vec9) -> Option<Vec9> {
    let scale = (0..NP)
        .map(|i| a[i][i].abs())
        .fold(0.0, f64::max)
        .max(1e-300);
    let mut jitter = 0.0;
    for _ in 0..6 {
        let mut m = *a;
        for (i, row) in m.iter_mut().enumerate() {
            row[i] += jitter;
        }
        if let Some(l) = cholesky(&m) {
            let x = chol_solve(&l, b);
            if x.iter().all(|v| v.is_finite()) {
                return Some(x);
            }
        }
        jitter = if jitter == 0.0 {
            scale * 1e-12
        } else {
            jitter * 100.0
        };
    }
    None
}

fn invert_spd(a: &Mat9) -> Option<Mat9> {
    let mut inv = [[0.0; NP]; NP];
    for j in 0..NP {
        let mut e = [0.0; NP];
        e[j] = 1.0;
        let col = solve_spd(a, &e)?;
        for i in 0..NP {
            inv[i][j] = col[i];
        }
    }
    Some(inv)
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
fn bounded_step(fam: Family, th: &Vec9, acc: &Acc, cfg: &LmCfg, mu: f64) -> Option<Vec9> {
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
fn lm(fam: Family, d: &Prepared, cfg: &LmCfg, start: Vec9) -> (Vec9, Acc) {
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
fn residuals(fam: Family, th: &Vec9, d: &Prepared) -> Vec<f64> {
    let sh = Shape::new(fam, [th[0], th[1]]);
    (0..d.len())
        .map(|i| d.y[i] - th[2 + d.wd[i] as usize] - sh.eval(d.s[i], d.lns[i]).0)
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Robust scale: 1.4826 × median absolute deviation from 0.
fn mad_scale(r: &[f64]) -> f64 {
    let mut a: Vec<f64> = r.iter().map(|x| x.abs()).collect();
    1.4826 * median(&mut a)
}

/// Linear-interpolated percentile (`q` in 0..=1) of sorted data.
fn percentile_sorted(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let pos = q * (v.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(v.len() - 1);
    let f = pos - i as f64;
    v[i] * (1.0 - f) + v[j] * f
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
struct RawFit {
    fam: Family,
    th: Vec9,
    loss: f64,
}

struct Ctx {
    /// Robust scale of the log residuals (from the power-law fit).
    sigma: f64,
    delta: f64,
    tau: f64,
    ln_smin: f64,
    ln_smax: f64,
    prior: Option<([f64; 2], [f64; 2])>,
}

impl Ctx {
    fn cfg(&self, fam: Family, max_iter: usize) -> LmCfg {
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
fn fit_power(d: &Prepared, ctx: &Ctx, max_iter: usize) -> RawFit {
    let mut th = [0.0; NP];
    th[0] = 0.5;
    let c0 = (0..d.len()).map(|i| d.y[i] - 0.5 * d.lns[i]).sum::<f64>() / d.len().max(1) as f64;
    for c in th.iter_mut().skip(2) {
        *c = c0;
    }
    let cfg = ctx.cfg(Family::Power, max_iter);
    let (th, acc) = lm(Family::Power, d, &cfg, th);
    RawFit {
        fam: Family::Power,
        th,
        loss: acc.loss,
    }
}

fn fit_family(fam: Family, d: &Prepared, ctx: &Ctx, pow: &RawFit) -> RawFit {
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
    let (th, acc) = lm(fam, d, &ctx.cfg(fam, 60), st);
    RawFit {
        fam,
        th,
        loss: acc.loss,
    }
}

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

fn cross_validate(
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

    fn unusable(reason: impl Into<String>) -> Self {
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

    /// Whether `spend_cny` is beyond the extrapolation limit
    /// (1.5 × the highest historical spend by default).
    pub fn is_extrapolation(&self, spend_cny: f64) -> bool {
        spend_cny > self.extrapolation_limit_cny
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
        let p = &self.uncertainty.params;
        let sh = Shape::new(fam, [p[0], p[1]]);
        let (_, dg) = sh.eval(spend_cny, spend_cny.ln());
        let mut grad = [0.0; NP];
        grad[0] = dg[0];
        grad[1] = dg[1];
        for g in grad.iter_mut().skip(2) {
            *g = 1.0 / 7.0;
        }
        let cov = &self.uncertainty.cov;
        let mut var = 0.0;
        for i in 0..NP {
            for j in 0..NP {
                var += grad[i] * cov[i * NP + j] * grad[j];
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
            var.sqrt().min(5.0)
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

    fn summary_at(&self, percentile: u8, spend: f64) -> SpendSummary {
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
    Ok(Checked {
        pos,
        days_total: n,
        zero_days,
        organic,
        distinct,
        spend_sorted,
    })
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

/// Viewers ÷ prediction ratios above `e^(4σ)` (σ the robust sd of the log
/// residuals) are outlier days and are left out of the expectation
/// correction, as the Huber loss sets them aside in the fit: for log-normal
/// noise this cut loses < 0.05 % of the mean up to σ = 0.6, and a 10×
/// bot day cannot inflate the level.
pub(crate) const SMEAR_CAP_SIGMAS: f64 = 4.0;

/// The retransformation from the log-scale fit (a median day) to expected
/// viewers: the mean over the fit days of viewers ÷ the fit's prediction
/// (Duan's smearing estimate on the viewer scale, so zero-viewer days count
/// as zero), outlier days beyond `e^(4σ)` left out; 1 when it cannot be
/// computed. Its sampling error is that of the level, which the intercepts'
/// covariance already carries (the two are one estimate).
fn smearing(fam: Family, th: &Vec9, d: &Prepared, sigma: f64) -> f64 {
    let n = d.len();
    if n == 0 {
        return 1.0;
    }
    let sh = Shape::new(fam, [th[0], th[1]]);
    let cap = (SMEAR_CAP_SIGMAS * sigma.max(0.05)).exp();
    // Kernel weights around the middle of the spend range (Gaussian in log
    // spend, bandwidth 0.7 × its sd): where the family is not the true one
    // its curve bends differently, and a plain mean over all days would
    // carry that misfit into the level at typical spend (−0.6 % at σ 0.5,
    // −2 % on small-count lanes when the selection picked another family);
    // the kernel keeps ≈ 75 % of the days' weight.
    let mean_lns = d.mean_lns();
    let sd_lns = (d.lns.iter().map(|l| (l - mean_lns).powi(2)).sum::<f64>() / n as f64).sqrt();
    let h = SMEAR_BANDWIDTH * sd_lns;
    let q: Vec<f64> = (0..n)
        .map(|i| {
            let pred = (th[2 + d.wd[i] as usize] + sh.eval(d.s[i], d.lns[i]).0).exp();
            d.v[i] / pred
        })
        .collect();
    let w: Vec<f64> = (0..n)
        .map(|i| {
            if q[i].is_nan() || q[i] > cap {
                0.0
            } else if h > 1e-9 {
                (-0.5 * ((d.lns[i] - mean_lns) / h).powi(2)).exp()
            } else {
                1.0
            }
        })
        .collect();
    let sw: f64 = w.iter().sum();
    let mean = (0..n).map(|i| w[i] * q[i]).sum::<f64>() / sw;
    if sw > 0.0 && mean.is_finite() && mean > 0.0 {
        mean
    } else {
        1.0
    }
}

/// Bandwidth of the expectation correction's kernel, in sd of log spend.
const SMEAR_BANDWIDTH: f64 = 0.7;

/// Weekday factors normalised to arithmetic mean 1 (so the curve is the
/// average day of a week) and the log level of the expected average day,
/// given the smearing factor.
fn expected_day(th: &Vec9, smear: f64) -> ([f64; 7], f64) {
    let (gm, level) = weekday_factors(th);
    let am = gm.iter().sum::<f64>() / 7.0;
    (gm.map(|f| f / am), level + am.ln() + smear.ln())
}

fn weekday_factors(th: &Vec9) -> ([f64; 7], f64) {
    let level = th[2..].iter().sum::<f64>() / 7.0;
    let mut f = [1.0; 7];
    for (d, v) in f.iter_mut().enumerate() {
        *v = (th[2 + d] - level).exp();
    }
    (f, level)
}

fn r2_log(resid: &[f64], y: &[f64]) -> f64 {
    let n = y.len().max(1) as f64;
    let mean = y.iter().sum::<f64>() / n;
    let ss_tot: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let ss_res: f64 = resid.iter().map(|r| r * r).sum();
    if ss_tot > 1e-12 * n {
        1.0 - ss_res / ss_tot
    } else {
        0.0
    }
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

/// Covariance `σ² H⁻¹` from the weighted normal matrix (no penalties on
/// parameters that are unused).
fn covariance(fam: Family, th: &Vec9, d: &Prepared, cfg: &LmCfg, sigma: f64) -> Mat9 {
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

/// The families not chosen, weighted by their held-out likelihood relative
/// to the best (a pseudo-Bayesian model average over the CV days); families
/// without CV scores or with negligible weight are left out.
fn alternative_fits(
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
        let cfg = ctx.cfg(Family::Power, 30);
        let (th, acc) = lm(Family::Power, data, &cfg, ls.th);
        RawFit {
            fam: Family::Power,
            th,
            loss: acc.loss,
        }
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
                let (th, acc) = lm(fam, data, &ctx.cfg(fam, max_iter), start);
                RawFit {
                    fam,
                    th,
                    loss: acc.loss,
                }
            } else if ctx.prior.is_some() && fam == Family::Power {
                let (th, acc) = lm(fam, data, &ctx.cfg(fam, 30), pow.th);
                RawFit {
                    fam,
                    th,
                    loss: acc.loss,
                }
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
                    if mean <= opts.selection_se * se {
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
fn flat_lane(
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
        all.spend_sorted = all.pos.s.clone();
        all.spend_sorted.sort_by(|a, b| a.total_cmp(b));
        all.distinct = 1 + all
            .spend_sorted
            .windows(2)
            .filter(|w| w[1] > w[0] * (1.0 + 1e-9))
            .count();
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
