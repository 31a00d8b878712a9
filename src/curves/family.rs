//! The fittable curve families and their shapes in log space, `g(s; shape)`
//! with its derivatives, as the fit evaluates them.

use serde::{Deserialize, Serialize};

use super::model::Model;

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

    pub(super) fn nphi(self) -> usize {
        match self {
            Family::Hill => 2,
            Family::Exp | Family::Power => 1,
        }
    }

    /// Box bounds of the shape parameters given the positive spend range.
    pub(super) fn bounds(self, ln_smin: f64, ln_smax: f64) -> ([f64; 2], [f64; 2]) {
        match self {
            Family::Exp => ([ln_smin - 3.0, 0.0], [ln_smax + 3.0, 0.0]),
            Family::Hill => ([ln_smin - 3.0, 0.2], [ln_smax + 3.0, 1.0]),
            Family::Power => ([0.02, 0.0], [1.0, 0.0]),
        }
    }

    /// Build the model from shape parameters and the log level `L`.
    pub(super) fn to_model(self, phi: [f64; 2], level: f64) -> Model {
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
pub(super) fn model_params(m: &Model) -> ([f64; 2], f64) {
    match *m {
        Model::Exp { vmax, k_cny } => ([k_cny.ln(), 0.0], vmax.ln()),
        Model::Hill { vmax, k_cny, a } => ([k_cny.ln(), a], vmax.ln()),
        Model::Power { c, b } => ([b, 0.0], c.ln()),
    }
}

/// A family with its shape parameters, ready to evaluate `g` and `∂g/∂shape`.
#[derive(Clone, Copy)]
pub(super) struct Shape {
    fam: Family,
    phi: [f64; 2],
    inv_k: f64,
}

impl Shape {
    pub(super) fn new(fam: Family, phi: [f64; 2]) -> Self {
        let inv_k = match fam {
            Family::Exp => (-phi[0]).exp(),
            _ => 0.0,
        };
        Shape { fam, phi, inv_k }
    }

    /// `(g, [∂g/∂φ0, ∂g/∂φ1])` at spend `s > 0` with `lns = ln s`.
    #[inline]
    pub(super) fn eval(&self, s: f64, lns: f64) -> (f64, [f64; 2]) {
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
