//! Response-curve families: expected viewers per day as a function of daily
//! spend (CNY/day). Every family here is concave and non-decreasing on
//! `spend ≥ 0`, so the marginal cost of the next viewer rises with spend.

use serde::{Deserialize, Serialize};

/// A concave, saturating model of `viewers_per_day(spend_cny_per_day)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Model {
    /// Exponential saturation: `v = vmax · (1 − e^(−s/k))`.
    Exp {
        /// Saturation level, viewers/day.
        vmax: f64,
        /// Spend scale, CNY/day: at `s = k` the curve reaches 63 % of `vmax`.
        k_cny: f64,
    },
    /// Hill with shape `a ≤ 1`: `v = vmax · s^a / (s^a + k^a)`.
    Hill {
        /// Saturation level, viewers/day.
        vmax: f64,
        /// Half-saturation spend, CNY/day.
        k_cny: f64,
        /// Shape, `0 < a ≤ 1` (concave on the whole axis).
        a: f64,
    },
    /// Power law: `v = c · s^b`, `0 < b ≤ 1`.
    Power {
        /// Viewers/day at 1 CNY/day.
        c: f64,
        /// Elasticity, `0 < b ≤ 1`.
        b: f64,
    },
}

impl Model {
    /// Short family name as written in outputs: `exp`, `hill`, `power`.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Exp { .. } => "exp",
            Model::Hill { .. } => "hill",
            Model::Power { .. } => "power",
        }
    }

    /// Expected viewers/day at `spend` CNY/day (`spend < 0` is treated as 0).
    pub fn value(&self, spend: f64) -> f64 {
        let s = spend.max(0.0);
        match *self {
            Model::Exp { vmax, k_cny } => vmax * -(-s / k_cny).exp_m1(),
            Model::Hill { vmax, k_cny, a } => {
                if s == 0.0 {
                    return 0.0;
                }
                // vmax / (1 + (k/s)^a), stable for large and small s.
                vmax / (1.0 + (k_cny / s).powf(a))
            }
            Model::Power { c, b } => c * s.powf(b),
        }
    }

    /// Derivative `dv/ds` in viewers per CNY at `spend`. At `spend = 0` the
    /// Hill (a < 1) and power (b < 1) families have an infinite slope; this
    /// returns `f64::INFINITY` there, never NaN.
    pub fn derivative(&self, spend: f64) -> f64 {
        let s = spend.max(0.0);
        match *self {
            Model::Exp { vmax, k_cny } => vmax / k_cny * (-s / k_cny).exp(),
            Model::Hill { vmax, k_cny, a } => {
                if s == 0.0 {
                    return if a < 1.0 { f64::INFINITY } else { vmax / k_cny };
                }
                // d/ds vmax / (1 + r), r = (k/s)^a, dr/ds = -a r / s, so
                // dv/ds = vmax a r / (s (1 + r)^2). For r > 1 use q = 1/r
                // ((s/k)^a) and q/s = s^(a-1) / k^a in log form, so that a
                // huge r cannot give inf/inf = NaN.
                let r = (k_cny / s).powf(a);
                if r <= 1.0 {
                    vmax * a * r / (s * (1.0 + r) * (1.0 + r))
                } else {
                    let q = (s / k_cny).powf(a);
                    let q_over_s = ((a - 1.0) * s.ln() - a * k_cny.ln()).exp();
                    vmax * a * q_over_s / ((1.0 + q) * (1.0 + q))
                }
            }
            Model::Power { c, b } => {
                if s == 0.0 {
                    return if b < 1.0 { f64::INFINITY } else { c };
                }
                c * b * s.powf(b - 1.0)
            }
        }
    }

    /// The spend (CNY/day) whose expected viewers equal `viewers`, or `None`
    /// when the curve never reaches it (at or above the saturation level).
    pub fn inverse(&self, viewers: f64) -> Option<f64> {
        if viewers <= 0.0 {
            return Some(0.0);
        }
        let s = match *self {
            Model::Exp { vmax, k_cny } => {
                if viewers >= vmax {
                    return None;
                }
                -k_cny * (-viewers / vmax).ln_1p()
            }
            Model::Hill { vmax, k_cny, a } => {
                if viewers >= vmax {
                    return None;
                }
                k_cny * (viewers / (vmax - viewers)).powf(1.0 / a)
            }
            Model::Power { c, b } => (viewers / c).powf(1.0 / b),
        };
        s.is_finite().then_some(s)
    }

    /// The same curve with viewers costing `factor` times as much: the spend
    /// axis is stretched, `v'(s) = v(s / factor)`.
    pub fn scale_cost(self, factor: f64) -> Model {
        match self {
            Model::Exp { vmax, k_cny } => Model::Exp {
                vmax,
                k_cny: k_cny * factor,
            },
            Model::Hill { vmax, k_cny, a } => Model::Hill {
                vmax,
                k_cny: k_cny * factor,
                a,
            },
            Model::Power { c, b } => Model::Power {
                c: c * factor.powf(-b),
                b,
            },
        }
    }

    /// The same curve with every value multiplied by `factor`:
    /// `v'(s) = factor · v(s)`.
    pub fn scale_level(self, factor: f64) -> Model {
        match self {
            Model::Exp { vmax, k_cny } => Model::Exp {
                vmax: vmax * factor,
                k_cny,
            },
            Model::Hill { vmax, k_cny, a } => Model::Hill {
                vmax: vmax * factor,
                k_cny,
                a,
            },
            Model::Power { c, b } => Model::Power { c: c * factor, b },
        }
    }

    /// The level the curve approaches as spend grows without bound
    /// (`f64::INFINITY` for the power law).
    pub fn saturation(&self) -> f64 {
        match *self {
            Model::Exp { vmax, .. } | Model::Hill { vmax, .. } => vmax,
            Model::Power { .. } => f64::INFINITY,
        }
    }
}

/// A model with an optional hard reach cap (e.g. private-domain contacts):
/// `value(s) = min(model(s), cap)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    /// The fitted family and its parameters.
    pub model: Model,
    /// Hard cap on viewers/day, if the channel has one.
    pub cap_viewers_per_day: Option<f64>,
}

impl Curve {
    /// A curve without a reach cap.
    pub fn uncapped(model: Model) -> Self {
        Curve {
            model,
            cap_viewers_per_day: None,
        }
    }

    /// Spend (CNY/day) at which the cap is reached, `None` if never.
    pub fn cap_spend(&self) -> Option<f64> {
        self.cap_viewers_per_day
            .and_then(|cap| self.model.inverse(cap))
    }

    /// Expected viewers/day at `spend` CNY/day, never above the cap.
    pub fn value(&self, spend: f64) -> f64 {
        let v = self.model.value(spend);
        match self.cap_viewers_per_day {
            Some(cap) => v.min(cap),
            None => v,
        }
    }

    /// `dv/ds` (viewers per CNY); 0 beyond the cap.
    pub fn derivative(&self, spend: f64) -> f64 {
        match self.cap_spend() {
            Some(cs) if spend >= cs => 0.0,
            _ => self.model.derivative(spend),
        }
    }

    /// Marginal cost of the next viewer at `spend`, CNY per viewer
    /// (`1 / derivative`; `f64::INFINITY` where the curve is flat or capped).
    pub fn marginal_cost(&self, spend: f64) -> f64 {
        let d = self.derivative(spend);
        if d > 0.0 { 1.0 / d } else { f64::INFINITY }
    }

    /// Average cost per viewer at `spend`, CNY per viewer (`None` at 0 viewers).
    pub fn average_cost(&self, spend: f64) -> Option<f64> {
        let v = self.value(spend);
        (v > 0.0).then(|| spend / v)
    }

    /// Spend (CNY/day) needed for `viewers`/day, `None` if unreachable.
    pub fn inverse(&self, viewers: f64) -> Option<f64> {
        match self.cap_viewers_per_day {
            Some(cap) if viewers > cap => None,
            _ => self.model.inverse(viewers),
        }
    }

    /// Most viewers/day this curve can ever deliver.
    pub fn max_viewers(&self) -> f64 {
        let sat = self.model.saturation();
        match self.cap_viewers_per_day {
            Some(cap) => sat.min(cap),
            None => sat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models() -> [Model; 4] {
        [
            Model::Exp {
                vmax: 10_000.0,
                k_cny: 4_000.0,
            },
            Model::Hill {
                vmax: 8_000.0,
                k_cny: 3_000.0,
                a: 0.8,
            },
            Model::Hill {
                vmax: 8_000.0,
                k_cny: 3_000.0,
                a: 1.0,
            },
            Model::Power { c: 12.0, b: 0.7 },
        ]
    }

    #[test]
    fn derivative_matches_central_difference() {
        for m in models() {
            for s in [10.0, 500.0, 3_000.0, 20_000.0] {
                let h = s * 1e-6;
                let fd = (m.value(s + h) - m.value(s - h)) / (2.0 * h);
                let d = m.derivative(s);
                assert!(
                    (fd - d).abs() <= 1e-5 * d.abs(),
                    "{m:?} at {s}: {fd} vs {d}"
                );
            }
        }
    }

    #[test]
    fn inverse_round_trips() {
        for m in models() {
            for s in [1.0, 250.0, 3_000.0, 15_000.0] {
                let back = m.inverse(m.value(s)).unwrap();
                assert!((back - s).abs() <= 1e-7 * s, "{m:?}: {s} -> {back}");
            }
        }
    }

    #[test]
    fn known_values() {
        let e = Model::Exp {
            vmax: 1_000.0,
            k_cny: 100.0,
        };
        assert!((e.value(100.0) - 1_000.0 * (1.0 - (-1.0f64).exp())).abs() < 1e-9);
        let h = Model::Hill {
            vmax: 1_000.0,
            k_cny: 100.0,
            a: 0.5,
        };
        assert!((h.value(100.0) - 500.0).abs() < 1e-9);
        let p = Model::Power { c: 2.0, b: 0.5 };
        assert!((p.value(400.0) - 40.0).abs() < 1e-9);
        assert_eq!(e.inverse(1_000.0), None);
    }

    #[test]
    fn cap_clamps_value_derivative_and_inverse() {
        let c = Curve {
            model: Model::Exp {
                vmax: 10_000.0,
                k_cny: 2_000.0,
            },
            cap_viewers_per_day: Some(5_000.0),
        };
        let cs = c.cap_spend().unwrap();
        assert!((cs - 2_000.0 * 2f64.ln()).abs() < 1e-6);
        assert_eq!(c.value(cs * 3.0), 5_000.0);
        assert_eq!(c.derivative(cs * 1.01), 0.0);
        assert_eq!(c.marginal_cost(cs * 1.01), f64::INFINITY);
        assert_eq!(c.inverse(5_000.1), None);
        assert_eq!(c.max_viewers(), 5_000.0);
    }

    #[test]
    fn curve_helpers_are_consistent() {
        let c = Curve::uncapped(Model::Hill {
            vmax: 1_000.0,
            k_cny: 100.0,
            a: 0.7,
        });
        let s = 250.0;
        let v = c.value(s);
        assert!((c.inverse(v).unwrap() - s).abs() < 1e-6);
        assert!((c.average_cost(s).unwrap() - s / v).abs() < 1e-12);
        assert!((c.marginal_cost(s) * c.derivative(s) - 1.0).abs() < 1e-12);
        // Extreme small spend on Hill: no NaN in the derivative.
        for s in [1e-320, 1e-300, 1e-100, 1e-10] {
            let d = Model::Hill {
                vmax: 1e4,
                k_cny: 1e3,
                a: 1.0,
            }
            .derivative(s);
            assert!(!d.is_nan(), "{s}");
            assert!((d - 10.0).abs() < 1e-6, "{s}: {d}");
            let d = Model::Hill {
                vmax: 1e4,
                k_cny: 1e3,
                a: 0.5,
            }
            .derivative(s);
            assert!(!d.is_nan() && d > 0.0);
        }
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn check_family(m: Model, s: f64) {
            let h = s * 1e-5;
            let fd = (m.value(s + h) - m.value(s - h)) / (2.0 * h);
            let d = m.derivative(s);
            let tol = 1e-5 * d.abs() + 1e-9 * m.value(s) / s + 1e-300;
            assert!((fd - d).abs() <= tol, "{m:?} at {s}: fd {fd} vs {d}");
            let v = m.value(s);
            let back = m.inverse(v).expect("reachable");
            assert!((back - s).abs() <= 1e-7 * s, "{m:?}: {s} -> {v} -> {back}");
        }

        proptest! {
            #[test]
            fn exp_derivative_and_inverse(vmax in 100.0f64..1e5, k in 10.0f64..1e5, x in 1e-3f64..5.0) {
                check_family(Model::Exp { vmax, k_cny: k }, x * k);
            }

            #[test]
            fn hill_derivative_and_inverse(vmax in 100.0f64..1e5, k in 10.0f64..1e5, a in 0.1f64..=1.0, lx in -3.0f64..3.0) {
                check_family(Model::Hill { vmax, k_cny: k, a }, k * 10f64.powf(lx));
            }

            #[test]
            fn power_derivative_and_inverse(c in 0.01f64..100.0, b in 0.01f64..=1.0, s in 1.0f64..1e6) {
                check_family(Model::Power { c, b }, s);
            }
        }
    }
}
