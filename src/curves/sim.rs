//! Deterministic synthetic daily histories from a known curve, for the curve
//! fitting tests and benchmarks. The crate-level `synth` module makes whole
//! input files; this one makes bare series, with the same generator.

use crate::curves::model::Model;
use crate::synth::{Noise, Rng, poisson};

/// How to simulate one series.
#[derive(Clone, Debug)]
pub struct SynthSpec {
    /// The true curve: the mean day with [`Noise::Mean`], the median day
    /// with [`Noise::Median`].
    pub truth: Model,
    /// Number of days.
    pub days: usize,
    /// Median spend on paid days, CNY/day.
    pub spend_median_cny: f64,
    /// Log-sd of spend across days.
    pub spend_sigma: f64,
    /// Log-sd of multiplicative viewer noise.
    pub noise_sigma: f64,
    /// Whether the noise has mean 1 or median 1.
    pub noise: Noise,
    /// Viewers drawn as Poisson counts around the noisy value.
    pub counts: bool,
    /// Weekday effects drawn uniformly in ±this (log scale), then centred.
    pub weekday_amp: f64,
    /// Fraction of days with zero spend.
    pub zero_frac: f64,
    /// Fraction of days whose viewers are multiplied by `outlier_mult`.
    pub outlier_frac: f64,
    /// Outlier multiplier.
    pub outlier_mult: f64,
    /// Viewers/day on zero-spend days.
    pub organic_viewers: f64,
    /// Seed.
    pub seed: u64,
}

impl SynthSpec {
    /// Realistic defaults: 180 days, spend σ 0.5, noise σ 0.2 with mean 1,
    /// weekday ±15 %,
    /// 5 % zero-spend days, no outliers.
    pub fn new(truth: Model, spend_median_cny: f64, seed: u64) -> Self {
        SynthSpec {
            truth,
            days: 180,
            spend_median_cny,
            spend_sigma: 0.5,
            noise_sigma: 0.2,
            noise: Noise::Mean,
            counts: false,
            weekday_amp: 0.15,
            zero_frac: 0.05,
            outlier_frac: 0.0,
            outlier_mult: 10.0,
            organic_viewers: 0.0,
            seed,
        }
    }
}

/// A simulated series.
#[derive(Clone, Debug)]
pub struct SynthSeries {
    /// Spend per day, CNY.
    pub spend_cny: Vec<f64>,
    /// Viewers per day (rounded).
    pub viewers: Vec<f64>,
    /// Weekday, 0 = Monday.
    pub weekday: Vec<u8>,
    /// True weekday factors (geometric mean 1).
    pub weekday_factors: [f64; 7],
}

/// Simulate a series.
pub fn generate(spec: &SynthSpec) -> SynthSeries {
    let mut rng = Rng::new(spec.seed);
    let mut w = [0.0; 7];
    for v in w.iter_mut() {
        *v = spec.weekday_amp * (2.0 * rng.uniform() - 1.0);
    }
    let mean = w.iter().sum::<f64>() / 7.0;
    let factors = w.map(|v| (v - mean).exp());
    let start_wd = (rng.next_u64() % 7) as usize;
    let mut out = SynthSeries {
        spend_cny: Vec::with_capacity(spec.days),
        viewers: Vec::with_capacity(spec.days),
        weekday: Vec::with_capacity(spec.days),
        weekday_factors: factors,
    };
    for day in 0..spec.days {
        let wd = (start_wd + day) % 7;
        let zero = rng.uniform() < spec.zero_frac;
        let s = if zero {
            0.0
        } else {
            (spec.spend_median_cny * (spec.spend_sigma * rng.normal()).exp())
                .round()
                .max(1.0)
        };
        let eps = rng.normal();
        let outlier = rng.uniform() < spec.outlier_frac;
        let mut v = if zero {
            spec.organic_viewers
        } else {
            spec.truth.value(s) * factors[wd] * spec.noise.factor(spec.noise_sigma, eps)
        };
        if outlier {
            v *= spec.outlier_mult;
        }
        let v = if spec.counts {
            poisson(&mut rng, v)
        } else {
            v.round()
        };
        out.spend_cny.push(s);
        out.viewers.push(v);
        out.weekday.push(wd as u8);
    }
    out
}
