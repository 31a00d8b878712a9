//! Tests of curve fitting on synthetic data with known truth.

use crate::curves::fit::{
    FitOptions, FitOutcome, FittedCurve, SeriesData, fit_many, fit_pooled, fit_series,
};
use crate::curves::model::Model;
use crate::curves::sim::{SynthSeries, SynthSpec, generate};
use crate::curves::stats::median;
use crate::curves::{Family, is_beyond_history};

fn series(s: &SynthSeries, cap: Option<f64>) -> SeriesData<'_> {
    SeriesData {
        spend_cny: &s.spend_cny,
        viewers: &s.viewers,
        weekday: &s.weekday,
        cap_viewers_per_day: cap,
    }
}

fn median_positive_spend(s: &SynthSeries) -> f64 {
    let mut v: Vec<f64> = s.spend_cny.iter().copied().filter(|x| *x > 0.0).collect();
    median(&mut v)
}

/// Eight channels: exp and Hill truths, vmax 2k–20k, typical spend near k.
fn channels() -> Vec<(Model, f64)> {
    vec![
        (
            Model::Exp {
                vmax: 2_000.0,
                k_cny: 800.0,
            },
            800.0,
        ),
        (
            Model::Exp {
                vmax: 6_000.0,
                k_cny: 3_000.0,
            },
            2_500.0,
        ),
        (
            Model::Exp {
                vmax: 12_000.0,
                k_cny: 10_000.0,
            },
            12_000.0,
        ),
        (
            Model::Exp {
                vmax: 20_000.0,
                k_cny: 25_000.0,
            },
            20_000.0,
        ),
        (
            Model::Hill {
                vmax: 3_000.0,
                k_cny: 1_500.0,
                a: 1.0,
            },
            1_500.0,
        ),
        (
            Model::Hill {
                vmax: 8_000.0,
                k_cny: 4_000.0,
                a: 0.8,
            },
            4_000.0,
        ),
        (
            Model::Hill {
                vmax: 15_000.0,
                k_cny: 9_000.0,
                a: 0.6,
            },
            7_000.0,
        ),
        (
            Model::Hill {
                vmax: 20_000.0,
                k_cny: 20_000.0,
                a: 0.9,
            },
            25_000.0,
        ),
    ]
}

fn fitted(out: &FitOutcome) -> &FittedCurve {
    match out {
        FitOutcome::Fitted(f) => f,
        FitOutcome::Unusable { reason } => panic!("unexpected Unusable: {reason}"),
        FitOutcome::Flat { reason, .. } => panic!("unexpected Flat: {reason}"),
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

/// How well one channel's truth is recovered over many fresh series.
#[derive(Debug)]
struct Recovery {
    /// Mean of ln(fitted / true) viewers at the median positive spend.
    bias_value: f64,
    /// Mean of ln(fitted / true) marginal cost there.
    bias_marginal: f64,
    /// Series whose viewers there are within 5 % of the truth.
    within_value: usize,
    /// Series whose marginal cost there is within 15 % of the truth.
    within_marginal: usize,
    /// Series with both.
    within_both: usize,
    /// Series fitted.
    draws: usize,
}

/// Fit `draws` fresh series (180 days, noise σ 0.2, the given spend log-sd)
/// of every test channel; seeds `seed_base + 1000·channel + draw`.
fn recovery(spend_sigma: f64, draws: u64, seed_base: u64) -> Vec<Recovery> {
    let opts = FitOptions::default();
    channels()
        .into_iter()
        .enumerate()
        .map(|(i, (truth, spend))| {
            let mut r = Recovery {
                bias_value: 0.0,
                bias_marginal: 0.0,
                within_value: 0,
                within_marginal: 0,
                within_both: 0,
                draws: draws as usize,
            };
            for d in 0..draws {
                let mut spec = SynthSpec::new(truth, spend, seed_base + 1000 * i as u64 + d);
                spec.spend_sigma = spend_sigma;
                let s = generate(&spec);
                let out = fit_series(&series(&s, None), &opts, None);
                let f = fitted(&out);
                let m = median_positive_spend(&s);
                let value = f.value(m) / truth.value(m);
                let marginal = f.curve.marginal_cost(m) * truth.derivative(m);
                r.bias_value += value.ln() / draws as f64;
                r.bias_marginal += marginal.ln() / draws as f64;
                let (ok_v, ok_m) = ((value - 1.0).abs() < 0.05, (marginal - 1.0).abs() < 0.15);
                r.within_value += usize::from(ok_v);
                r.within_marginal += usize::from(ok_m);
                r.within_both += usize::from(ok_v && ok_m);
            }
            r
        })
        .collect()
}

/// The bound — viewers at the median historical spend within 5 % of
/// the truth, marginal cost within 15 %, for every channel (exp and Hill
/// truths, noise σ 0.2, 180 days) — checked over 100 fresh series per
/// channel instead of one, because one series cannot show it: with σ 0.2
/// the value's standard error is ~2 % and the marginal cost's 4-6 % even
/// for a fit told the true family, so "within" is a 2.5-3 SE event and any
/// 8-channel single draw fails now and then whatever the estimator. Here
/// the daily spend varies with log-sd 1.0 (a week of 5× pushes and pauses
/// over the half year); `accuracy_with_narrow_spend_range` has log-sd 0.5.
///
/// Bounds, from 40 disjoint seed sets before these seeds were run: worst
/// channel |bias| 0.8 % (value) and 1.9 % (marginal cost), at most 8 of 100
/// series outside 5 % and 5 outside 15 %, ≥ 96.75 % within both. Before the
/// cross-validation fix (Hill's boundary refits never moved, so Hill was
/// scored on its own training days and chosen for exp truths) exp channels
/// had value bias −3.7 % and a marginal-cost bias of +10 %, with up to 45 of
/// 100 series outside the bounds: each assertion below fails on that.
#[test]
fn recovers_value_and_marginal_cost_at_median_spend() {
    let rec = recovery(1.0, 100, 0);
    let (mut both, mut all) = (0, 0);
    for (i, r) in rec.iter().enumerate() {
        assert!(r.bias_value.abs() < 0.015, "channel {i}: {r:?}");
        assert!(r.bias_marginal.abs() < 0.04, "channel {i}: {r:?}");
        assert!(r.within_value >= 88, "channel {i}: {r:?}");
        assert!(r.within_marginal >= 90, "channel {i}: {r:?}");
        both += r.within_both;
        all += r.draws;
    }
    assert!(
        both as f64 >= 0.95 * all as f64,
        "{both} of {all} within both"
    );
}

/// The same with the spend varying only with log-sd 0.5: the value is as
/// accurate, but the curvature is seen over a narrower range, so the
/// marginal cost's standard error is 5-11 % (a Hill truth with a = 0.6: 11 %
/// even for a fit told the family). Bounds from 40 disjoint seed sets:
/// worst |bias| 0.8 % / 3.8 %, ≤ 6 of 100 outside 5 %, ≤ 23 of 100 outside
/// 15 %, ≥ 90.5 % within both.
#[test]
fn accuracy_with_narrow_spend_range() {
    let rec = recovery(0.5, 100, 5_000_000);
    let (mut both, mut all) = (0, 0);
    for (i, r) in rec.iter().enumerate() {
        assert!(r.bias_value.abs() < 0.015, "channel {i}: {r:?}");
        assert!(r.bias_marginal.abs() < 0.05, "channel {i}: {r:?}");
        assert!(r.within_value >= 90, "channel {i}: {r:?}");
        assert!(r.within_marginal >= 70, "channel {i}: {r:?}");
        both += r.within_both;
        all += r.draws;
    }
    assert!(
        both as f64 >= 0.88 * all as f64,
        "{both} of {all} within both"
    );
}

#[test]
fn fit_quality_fields_describe_the_data() {
    let opts = FitOptions::default();
    let (mut wd_sq, mut wd_n) = (0.0, 0.0);
    for (i, (truth, spend)) in channels().into_iter().enumerate() {
        let s = generate(&SynthSpec::new(truth, spend, 100 + i as u64));
        let out = fit_series(&series(&s, None), &opts, None);
        let f = fitted(&out);
        let q = &f.quality;
        assert_eq!(q.days_total, 180);
        let zero = s.spend_cny.iter().filter(|x| **x == 0.0).count();
        assert_eq!(q.zero_spend_days, zero);
        assert_eq!(q.days_used + q.zero_spend_days, 180);
        assert!(zero > 0, "synthetic data has ~5 % zero-spend days");
        assert!(
            q.sigma_log > 0.15 && q.sigma_log < 0.25,
            "channel {i}: sigma {} for a true 0.2",
            q.sigma_log
        );
        assert!(q.r2_log > 0.3 && q.r2_log < 1.0, "r2 {}", q.r2_log);
        // Held-out MAPE of lognormal σ 0.2 noise is ~16 %.
        let mape = q.holdout_mape.expect("cross-validated");
        assert!(
            mape > 0.12 && mape < 0.22,
            "channel {i}: holdout mape {mape}"
        );
        assert_eq!(f.cv_scores.len(), 3);
        // The chosen family has the best cross-validated score.
        let chosen = f.cv_scores.iter().find(|c| c.model == f.family()).unwrap();
        let best = f
            .cv_scores
            .iter()
            .map(|c| c.cv_log_rmse_capped)
            .fold(f64::INFINITY, f64::min);
        assert_eq!(chosen.cv_log_rmse_capped, best, "{:?}", f.cv_scores);
        assert!(!f.shrunk);
        assert!(f.all_finite());
        // Weekday factors: arithmetic mean 1 (the curve is the average day),
        // close to the truth's (each has a standard error of ~4 %: ~25 days
        // per weekday at σ 0.2).
        let am: f64 = f.weekday_factors.iter().sum::<f64>() / 7.0;
        assert!((am - 1.0).abs() < 1e-9, "{am}");
        let true_am = s.weekday_factors.iter().sum::<f64>() / 7.0;
        for d in 0..7 {
            wd_sq += (f.weekday_factors[d] / s.weekday_factors[d] * true_am)
                .ln()
                .powi(2);
            wd_n += 1.0;
        }
    }
    let wd_rms = (wd_sq / wd_n).sqrt();
    assert!(wd_rms < 0.06, "weekday factors rms error {wd_rms}");
}

#[test]
fn outliers_do_not_move_the_fit() {
    // Inflate 2 % of the days (every 50th, 3-4 of 180) 10×. The full
    // pipeline must stay within 10 % of the truth; and each family's fit,
    // compared with its own clean-data fit, must move < 3 % (least squares
    // moves it by about 2 % × ln 10 ≈ 4.6 %).
    let opts = FitOptions::default();
    for (i, (truth, spend)) in channels().into_iter().enumerate() {
        let clean = generate(&SynthSpec::new(truth, spend, 2_000 + i as u64));
        let mut dirty = clean.clone();
        let mut injected = 0;
        for d in (7..dirty.viewers.len()).step_by(50) {
            if dirty.spend_cny[d] > 0.0 {
                dirty.viewers[d] *= 10.0;
                injected += 1;
            }
        }
        assert!(injected >= 3);
        let m = median_positive_spend(&dirty);
        let fd = fit_series(&series(&dirty, None), &opts, None);
        let fd = fitted(&fd);
        let (fv, tv) = (fd.value(m), truth.value(m));
        assert!(rel(fv, tv) < 0.10, "channel {i}: {fv} vs {tv}");
        assert!(
            fd.quality.outlier_days >= injected,
            "channel {i}: flagged {} of {injected}",
            fd.quality.outlier_days
        );
        for fam in Family::ALL {
            let one = FitOptions {
                families: vec![fam],
                ..FitOptions::default()
            };
            let c = fit_series(&series(&clean, None), &one, None);
            let d = fit_series(&series(&dirty, None), &one, None);
            let moved = rel(fitted(&d).value(m), fitted(&c).value(m));
            // Measured: Huber 0.5-1.3 % (one Hill 2.2 %); least squares 3.9-6.2 %.
            assert!(moved < 0.03, "channel {i} {fam:?}: moved {moved}");
        }
    }
}

/// The P10–P90 band is an 80 % interval for the expected viewers: over 400
/// series (8 channels × 50) it must contain the truth 72–88 % of the time
/// (±4 standard errors of a true 80 %) at the median spend, below the data
/// (¼ of it) and above it (2×). Measured 77–81 %; the delta method alone,
/// without the other families' spread, covered only 67–75 % with the spend
/// log-sd 0.5 used here.
#[test]
fn band_is_ordered_and_covers_truth_at_calibrated_rate() {
    let opts = FitOptions::default();
    let mults = [0.25, 1.0, 2.0];
    let mut covered = [0usize; 3];
    let mut total = 0usize;
    for (i, (truth, spend)) in channels().into_iter().enumerate() {
        for d in 0..50u64 {
            let s = generate(&SynthSpec::new(
                truth,
                spend,
                3_000_000 + 1000 * i as u64 + d,
            ));
            let out = fit_series(&series(&s, None), &opts, None);
            let f = fitted(&out);
            let m = median_positive_spend(&s);
            let (p10, p50, p90) = f.band(m);
            assert!(p10 < p50 && p50 < p90, "{p10} {p50} {p90}");
            assert!(p90 / p10 < 1.5, "band too wide: {p10}..{p90}");
            assert_eq!(p50, f.value(m));
            // Band widens away from the data.
            let (l2, _, h2) = f.band(m * 6.0);
            assert!(h2 / l2 > p90 / p10, "band should widen in extrapolation");
            assert_eq!(f.band(0.0), (0.0, 0.0, 0.0));
            for (k, mult) in mults.iter().enumerate() {
                let (lo, _, hi) = f.band(m * mult);
                let t = truth.value(m * mult);
                covered[k] += usize::from(lo <= t && t <= hi);
            }
            total += 1;
        }
    }
    for (k, mult) in mults.iter().enumerate() {
        let rate = covered[k] as f64 / total as f64;
        assert!(
            (0.72..=0.88).contains(&rate),
            "coverage {rate} at {mult} × median spend"
        );
    }
}

#[test]
fn degenerate_inputs_are_unusable_with_reason() {
    let opts = FitOptions::default();
    let wd: Vec<u8> = (0..30).map(|i| (i % 7) as u8).collect();
    let views: Vec<f64> = (0..30).map(|i| 100.0 + i as f64).collect();
    let constant = vec![500.0; 30];
    let zeros = vec![0.0; 30];
    let mut nan_spend: Vec<f64> = (0..30).map(|i| 100.0 + 10.0 * i as f64).collect();
    nan_spend[7] = f64::NAN;
    let mut inf_views = views.clone();
    inf_views[3] = f64::INFINITY;
    let ramp: Vec<f64> = (0..30).map(|i| 100.0 + 10.0 * i as f64).collect();
    let neg: Vec<f64> = ramp.iter().map(|v| -v).collect();
    let bad_wd = vec![9u8; 30];
    let cases: Vec<(&str, SeriesData<'_>, &str)> = vec![
        (
            "constant",
            SeriesData {
                spend_cny: &constant,
                viewers: &views,
                weekday: &wd,
                cap_viewers_per_day: None,
            },
            "constant",
        ),
        (
            "all zero",
            SeriesData {
                spend_cny: &zeros,
                viewers: &views,
                weekday: &wd,
                cap_viewers_per_day: None,
            },
            "zero spend",
        ),
        (
            "3 days",
            SeriesData {
                spend_cny: &ramp[..3],
                viewers: &views[..3],
                weekday: &wd[..3],
                cap_viewers_per_day: None,
            },
            "positive-spend days",
        ),
        (
            "empty",
            SeriesData {
                spend_cny: &[],
                viewers: &[],
                weekday: &[],
                cap_viewers_per_day: None,
            },
            "no days",
        ),
        (
            "nan spend",
            SeriesData {
                spend_cny: &nan_spend,
                viewers: &views,
                weekday: &wd,
                cap_viewers_per_day: None,
            },
            "non-finite",
        ),
        (
            "inf viewers",
            SeriesData {
                spend_cny: &ramp,
                viewers: &inf_views,
                weekday: &wd,
                cap_viewers_per_day: None,
            },
            "non-finite",
        ),
        (
            "mismatched",
            SeriesData {
                spend_cny: &ramp,
                viewers: &views[..20],
                weekday: &wd,
                cap_viewers_per_day: None,
            },
            "mismatched",
        ),
        (
            "negative",
            SeriesData {
                spend_cny: &neg,
                viewers: &views,
                weekday: &wd,
                cap_viewers_per_day: None,
            },
            "negative",
        ),
        (
            "weekday",
            SeriesData {
                spend_cny: &ramp,
                viewers: &views,
                weekday: &bad_wd,
                cap_viewers_per_day: None,
            },
            "weekday",
        ),
        (
            "nan cap",
            SeriesData {
                spend_cny: &ramp,
                viewers: &views,
                weekday: &wd,
                cap_viewers_per_day: Some(f64::NAN),
            },
            "cap",
        ),
    ];
    for (name, d, needle) in cases {
        match fit_series(&d, &opts, None) {
            FitOutcome::Unusable { reason } => {
                assert!(
                    reason.contains(needle),
                    "{name}: reason {reason:?} lacks {needle:?}"
                )
            }
            other => panic!("{name}: expected Unusable, got {other:?}"),
        }
    }
    // Few distinct levels.
    let two: Vec<f64> = (0..30)
        .map(|i| if i % 2 == 0 { 100.0 } else { 200.0 })
        .collect();
    let d = SeriesData {
        spend_cny: &two,
        viewers: &views,
        weekday: &wd,
        cap_viewers_per_day: None,
    };
    match fit_series(&d, &opts, None) {
        FitOutcome::Unusable { reason } => assert!(reason.contains("distinct"), "{reason}"),
        other => panic!("two spend levels must be unusable: {other:?}"),
    }
    // The reason serialises as JSON with a status tag.
    let js = serde_json::to_string(&fit_series(&d, &opts, None)).unwrap();
    assert!(js.contains("\"status\":\"unusable\""), "{js}");
}

#[test]
fn odd_but_valid_inputs_never_give_nan() {
    // Zero viewers on paid days, huge and tiny spends, all-equal viewers.
    let opts = FitOptions::default();
    let n = 40;
    let wd: Vec<u8> = (0..n).map(|i| (i % 7) as u8).collect();
    let spend: Vec<f64> = (0..n)
        .map(|i| 10f64.powf(-3.0 + 12.0 * i as f64 / n as f64))
        .collect();
    let zero_v = vec![0.0; n];
    let d = SeriesData {
        spend_cny: &spend,
        viewers: &zero_v,
        weekday: &wd,
        cap_viewers_per_day: None,
    };
    match fit_series(&d, &opts, None) {
        FitOutcome::Unusable { reason } => assert!(reason.contains("no viewers"), "{reason}"),
        other => panic!("zero viewers on every paid day must be unusable: {other:?}"),
    }
    let few_v: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
    let flat_v = vec![1_000.0; n];
    let wild_v: Vec<f64> = (0..n)
        .map(|i| if i % 3 == 0 { 1e12 } else { 1.0 })
        .collect();
    for v in [&few_v, &flat_v, &wild_v] {
        let d = SeriesData {
            spend_cny: &spend,
            viewers: v,
            weekday: &wd,
            cap_viewers_per_day: Some(1e6),
        };
        let out = fit_series(&d, &opts, None);
        // Viewers that do not follow spend are a baseline (all-equal ones
        // must be).
        if let FitOutcome::Flat {
            viewers_per_day, ..
        } = out
        {
            assert!(viewers_per_day.is_finite());
            continue;
        }
        assert!(!std::ptr::eq(v, &flat_v), "all-equal viewers must be flat");
        let f = fitted(&out);
        assert!(f.all_finite());
        for s in [0.0, 1e-3, 1.0, 1e9, 1e12] {
            let (a, b, c) = f.band(s);
            assert!(a.is_finite() && b.is_finite() && c.is_finite());
            assert!(a <= b && b <= c);
            assert!(f.value(s) <= 1e6);
        }
        assert!(
            (-10.0..=1.0).contains(&f.quality.r2_log),
            "r2 {}",
            f.quality.r2_log
        );
        // serde_json writes non-finite floats as null; a finite fit parses back.
        let js = serde_json::to_string(&out).unwrap();
        let back: FitOutcome = serde_json::from_str(&js).unwrap();
        assert!(rel(back.fitted().unwrap().value(1e3), f.value(1e3)) < 1e-12);
    }
}

#[test]
fn silly_options_are_clamped_not_nan() {
    let (truth, spend) = channels()[0];
    let s = generate(&SynthSpec::new(truth, spend, 21));
    let opts = FitOptions {
        families: vec![],
        cv_folds: 0,
        cv_steps: 0,
        huber_k: f64::NAN,
        weekday_prior_sd: 0.0,
        ..FitOptions::default()
    };
    let out = fit_series(&series(&s, None), &opts, None);
    let f = fitted(&out);
    assert!(f.all_finite());
    assert!(f.cv_scores.is_empty() && f.quality.holdout_mape.is_none());
    let m = median_positive_spend(&s);
    assert!(rel(f.value(m), truth.value(m)) < 0.06);
}

#[test]
fn capped_channel_never_exceeds_cap() {
    let opts = FitOptions::default();
    let truth = Model::Exp {
        vmax: 10_000.0,
        k_cny: 3_000.0,
    };
    let cap = 5_000.0;
    let s = generate(&SynthSpec::new(truth, 3_000.0, 77));
    let out = fit_series(&series(&s, Some(cap)), &opts, None);
    let f = fitted(&out);
    assert_eq!(f.curve.cap_viewers_per_day, Some(cap));
    let mut reached = false;
    for i in 0..200 {
        let sp = 50.0 * 1.05f64.powi(i);
        let v = f.value(sp);
        let (p10, p50, p90) = f.band(sp);
        assert!(
            v <= cap && p10 <= cap && p50 <= cap && p90 <= cap,
            "at {sp}: {v} {p90}"
        );
        reached |= v == cap;
    }
    assert!(reached, "the cap should bind at high spend");
    assert_eq!(f.curve.max_viewers(), cap);
}

#[test]
fn zero_spend_days_give_organic_baseline() {
    let opts = FitOptions::default();
    let truth = Model::Exp {
        vmax: 5_000.0,
        k_cny: 2_000.0,
    };
    let mut spec = SynthSpec::new(truth, 2_000.0, 11);
    spec.zero_frac = 0.2;
    spec.organic_viewers = 37.0;
    let s = generate(&spec);
    let out = fit_series(&series(&s, None), &opts, None);
    let f = fitted(&out);
    let zeros = s.spend_cny.iter().filter(|x| **x == 0.0).count();
    assert_eq!(f.quality.zero_spend_days, zeros);
    assert!(zeros > 20);
    assert_eq!(f.organic_viewers_per_day, Some(37.0));
    // Without zero-spend days there is no baseline.
    let mut spec = SynthSpec::new(truth, 2_000.0, 12);
    spec.zero_frac = 0.0;
    let s = generate(&spec);
    let out = fit_series(&series(&s, None), &opts, None);
    assert_eq!(fitted(&out).organic_viewers_per_day, None);
}

#[test]
fn summaries_and_extrapolation() {
    let opts = FitOptions::default();
    let (truth, spend) = channels()[1];
    let s = generate(&SynthSpec::new(truth, spend, 5));
    let out = fit_series(&series(&s, None), &opts, None);
    let f = fitted(&out);
    let sm = &f.spend_summaries;
    assert_eq!(
        sm.iter().map(|x| x.percentile).collect::<Vec<_>>(),
        vec![25, 50, 75]
    );
    assert!(sm[0].spend_cny < sm[1].spend_cny && sm[1].spend_cny < sm[2].spend_cny);
    assert!((sm[1].spend_cny - median_positive_spend(&s)).abs() < 1e-9);
    for x in sm {
        let avg = x.average_cost_per_viewer_cny.unwrap();
        let mc = x.marginal_cost_per_viewer_cny.unwrap();
        // Concave curve through the origin: marginal cost above average cost.
        assert!(mc > avg, "{mc} vs {avg}");
        let t_avg = x.spend_cny / truth.value(x.spend_cny);
        assert!(rel(avg, t_avg) < 0.05, "avg cost {avg} vs {t_avg}");
        assert!(
            x.viewers_p10_per_day < x.viewers_per_day && x.viewers_per_day < x.viewers_p90_per_day
        );
    }
    // Marginal cost rises with spend.
    assert!(sm[0].marginal_cost_per_viewer_cny < sm[2].marginal_cost_per_viewer_cny);
    let max = f.quality.spend_max_cny;
    assert_eq!(max, s.spend_cny.iter().copied().fold(0.0, f64::max));
    assert!(f.is_extrapolation(1.51 * max));
    assert!(!f.is_extrapolation(1.49 * max));
    assert!(is_beyond_history(151.0, 100.0, 1.5));
    assert!(!is_beyond_history(150.0, 100.0, 1.5));
    // Unit-bearing field names in the JSON.
    let js = serde_json::to_string(&out).unwrap();
    for key in [
        "spend_cny",
        "viewers_per_day",
        "average_cost_per_viewer_cny",
        "marginal_cost_per_viewer_cny",
        "spend_max_cny",
    ] {
        assert!(js.contains(key), "missing {key}");
    }
    let back: FitOutcome = serde_json::from_str(&js).unwrap();
    let b = back.fitted().unwrap();
    // JSON round trip keeps the curve and band to float-print precision.
    assert!(rel(b.value(spend), f.value(spend)) < 1e-12);
    assert!(rel(b.band(spend).2, f.band(spend).2) < 1e-9);
}

/// Model choice over many series: each family's truth, with a year of
/// widely varied spend, is recognised as itself nearly always (a power
/// truth may come back as the Hill curve that equals it).
#[test]
fn model_selection_recognises_each_family() {
    let opts = FitOptions::default();
    let truths = [
        (
            Model::Exp {
                vmax: 10_000.0,
                k_cny: 2_000.0,
            },
            3_000.0,
        ),
        (
            Model::Hill {
                vmax: 10_000.0,
                k_cny: 4_000.0,
                a: 0.6,
            },
            3_000.0,
        ),
        (Model::Power { c: 40.0, b: 0.55 }, 3_000.0),
    ];
    for (t, (truth, spend)) in truths.into_iter().enumerate() {
        let mut right = 0;
        for d in 0..40u64 {
            let mut spec = SynthSpec::new(truth, spend, 9_000 + 100 * t as u64 + d);
            spec.spend_sigma = 1.0;
            spec.days = 365;
            let s = generate(&spec);
            let out = fit_series(&series(&s, None), &opts, None);
            let f = fitted(&out);
            // A Hill curve with K far above the spend is a power law
            // (V·s^a/K^a), so for a power truth Hill is as right as Power
            // when it bends no more than the truth over the data.
            let m = median_positive_spend(&s);
            let same_curve = rel(f.curve.marginal_cost(m), 1.0 / truth.derivative(m)) < 0.15
                && rel(f.value(m), truth.value(m)) < 0.05;
            right += usize::from(match Family::of(&truth) {
                Family::Power => f.family() != Family::Exp && same_curve,
                fam => f.family() == fam,
            });
            if t == 0 {
                // Power cannot bend: clearly worse held out on saturating data.
                let score = |fam: Family| {
                    f.cv_scores
                        .iter()
                        .find(|c| c.model == fam)
                        .unwrap()
                        .cv_log_rmse_capped
                };
                assert!(score(Family::Power) > 1.1 * score(Family::Exp));
            }
        }
        assert!(right >= 36, "{truth:?}: recognised in {right} of 40");
    }
}

#[test]
fn fit_many_is_ordered_and_thread_count_independent() {
    let opts = FitOptions::default();
    let data: Vec<SynthSeries> = (0..24u64)
        .map(|i| {
            let (t, s) = channels()[(i % 8) as usize];
            generate(&SynthSpec::new(t, s, 500 + i))
        })
        .collect();
    let mut ser: Vec<SeriesData<'_>> = data.iter().map(|s| series(s, None)).collect();
    let empty = SeriesData {
        spend_cny: &[],
        viewers: &[],
        weekday: &[],
        cap_viewers_per_day: None,
    };
    ser.insert(5, empty);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| fit_many(&ser, &opts, &[]))
    };
    let one = run(1);
    let two = run(2);
    let four = run(4);
    assert_eq!(one.len(), 25);
    assert_eq!(one, two);
    assert_eq!(one, four);
    assert!(matches!(one[5], FitOutcome::Unusable { .. }));
    for (i, d) in ser.iter().enumerate() {
        assert_eq!(one[i], fit_series(d, &opts, None), "series {i}");
    }
}

#[test]
fn thin_room_borrows_strength_from_pooled_channel_curve() {
    let opts = FitOptions::default();
    // Six rooms of one channel: same shape (k, a), different scales.
    let shape_k = 4_000.0;
    let rooms: Vec<(Model, SynthSeries)> = (0..6u64)
        .map(|i| {
            let vmax = 3_000.0 * (1.0 + i as f64);
            let truth = Model::Hill {
                vmax,
                k_cny: shape_k,
                a: 0.8,
            };
            let spend = 2_000.0 + 800.0 * i as f64;
            (truth, generate(&SynthSpec::new(truth, spend, 40 + i)))
        })
        .collect();
    let ser: Vec<SeriesData<'_>> = rooms.iter().map(|(_, s)| series(s, None)).collect();
    let pooled = fit_pooled(&ser, &opts);
    let pooled = fitted(&pooled);
    // Pooled shape: the value ratio between two spends matches the truth.
    let ratio = |f: &dyn Fn(f64) -> f64| f(6_000.0) / f(2_000.0);
    let truth0 = rooms[0].0;
    assert!(rel(ratio(&|s| pooled.value(s)), ratio(&|s| truth0.value(s))) < 0.05);

    // A thin room: 8 paid days at 2 spend levels -> no free fit.
    let truth = Model::Hill {
        vmax: 9_000.0,
        k_cny: shape_k,
        a: 0.8,
    };
    let full = generate(&SynthSpec::new(truth, 3_000.0, 999));
    let idx: Vec<usize> = (0..full.spend_cny.len())
        .filter(|&i| full.spend_cny[i] > 0.0)
        .take(8)
        .collect();
    let spend: Vec<f64> = idx
        .iter()
        .enumerate()
        .map(|(j, _)| if j % 2 == 0 { 2_500.0 } else { 3_500.0 })
        .collect();
    let wd: Vec<u8> = idx.iter().map(|&i| full.weekday[i]).collect();
    let viewers: Vec<f64> = idx
        .iter()
        .zip(&spend)
        .map(|(&i, &s)| full.viewers[i] / truth.value(full.spend_cny[i]) * truth.value(s))
        .collect();
    let thin = SeriesData {
        spend_cny: &spend,
        viewers: &viewers,
        weekday: &wd,
        cap_viewers_per_day: None,
    };
    assert!(matches!(
        fit_series(&thin, &opts, None),
        FitOutcome::Unusable { .. }
    ));
    let out = fit_series(&thin, &opts, Some(pooled));
    let f = fitted(&out);
    assert!(f.shrunk);
    assert!(f.shrink_reason.as_deref().unwrap().contains("pooled"));
    assert_eq!(f.family(), pooled.family());
    assert!(
        rel(f.value(3_000.0), truth.value(3_000.0)) < 0.15,
        "{} vs {}",
        f.value(3_000.0),
        truth.value(3_000.0)
    );
    let (p10, p50, p90) = f.band(3_000.0);
    assert!(p10 < p50 && p50 < p90);

    // A short room (30 days): penalised toward the pooled shape.
    let mut spec = SynthSpec::new(truth, 3_000.0, 1234);
    spec.days = 30;
    let short = generate(&spec);
    let out = fit_series(&series(&short, None), &opts, Some(pooled));
    let f = fitted(&out);
    assert!(f.shrunk);
    assert_eq!(f.family(), pooled.family());
    let m = median_positive_spend(&short);
    assert!(rel(f.value(m), truth.value(m)) < 0.10);
    // A long room with a prior is fitted freely.
    let out = fit_series(&ser[2], &opts, Some(pooled));
    assert!(!fitted(&out).shrunk);
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_input_never_panics_or_gives_nan(
            spend in proptest::collection::vec(prop_oneof![Just(0.0), 1.0f64..1e5], 0..60),
            scale in 1.0f64..1e4,
        ) {
            let n = spend.len();
            let viewers: Vec<f64> = spend.iter().enumerate().map(|(i, s)| (s.sqrt() * scale) * (1.0 + 0.1 * ((i * 7919) % 13) as f64)).collect();
            let wd: Vec<u8> = (0..n).map(|i| (i % 7) as u8).collect();
            let d = SeriesData { spend_cny: &spend, viewers: &viewers, weekday: &wd, cap_viewers_per_day: None };
            match fit_series(&d, &FitOptions::default(), None) {
                FitOutcome::Fitted(f) => {
                    prop_assert!(f.all_finite());
                    let (a, b, c) = f.band(spend.iter().copied().fold(0.0, f64::max));
                    prop_assert!(a.is_finite() && b.is_finite() && c.is_finite());
                }
                FitOutcome::Unusable { reason } | FitOutcome::Flat { reason, .. } => {
                    prop_assert!(!reason.is_empty())
                }
            }
        }
    }
}

/// Expected viewers of the average day of a week at `spend` for a sim
/// series: the truth times the mean weekday factor, times `e^(σ²/2)` when
/// the noise has median 1.
fn expected_truth(truth: &Model, spec: &SynthSpec, s: &SynthSeries, spend: f64) -> f64 {
    let am = s.weekday_factors.iter().sum::<f64>() / 7.0;
    let noise_mean = match spec.noise {
        crate::synth::Noise::Mean => 1.0,
        crate::synth::Noise::Median => (0.5 * spec.noise_sigma * spec.noise_sigma).exp(),
    };
    truth.value(spend) * am * noise_mean
}

/// Mean of fitted ÷ expected viewers at the median positive spend over
/// `draws` fresh series of each truth.
fn expectation_bias(
    truths: &[(Model, f64)],
    configure: &dyn Fn(&mut SynthSpec),
    draws: u64,
    seed_base: u64,
) -> (f64, f64) {
    let opts = FitOptions::default();
    let mut ratios = Vec::new();
    for (i, (truth, spend)) in truths.iter().enumerate() {
        for d in 0..draws {
            let mut spec = SynthSpec::new(*truth, *spend, seed_base + 100_000 * i as u64 + d);
            configure(&mut spec);
            let s = generate(&spec);
            let out = fit_series(&series(&s, None), &opts, None);
            let f = fitted(&out);
            let m = median_positive_spend(&s);
            ratios.push(f.value(m) / expected_truth(truth, &spec, &s, m));
        }
    }
    let n = ratios.len() as f64;
    let mean = ratios.iter().sum::<f64>() / n;
    let var = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean - 1.0, (var / n).sqrt())
}

fn family_truths(fam: Family) -> Vec<(Model, f64)> {
    match fam {
        Family::Exp => vec![
            (
                Model::Exp {
                    vmax: 6_000.0,
                    k_cny: 3_000.0,
                },
                2_500.0,
            ),
            (
                Model::Exp {
                    vmax: 12_000.0,
                    k_cny: 10_000.0,
                },
                12_000.0,
            ),
        ],
        Family::Hill => vec![
            (
                Model::Hill {
                    vmax: 8_000.0,
                    k_cny: 4_000.0,
                    a: 0.8,
                },
                4_000.0,
            ),
            (
                Model::Hill {
                    vmax: 15_000.0,
                    k_cny: 9_000.0,
                    a: 0.6,
                },
                7_000.0,
            ),
        ],
        Family::Power => vec![
            (Model::Power { c: 20.0, b: 0.6 }, 3_000.0),
            (Model::Power { c: 90.0, b: 0.4 }, 8_000.0),
        ],
    }
}

/// The curve is the expected day, not the median day: at noise σ 0.15,
/// 0.3 and 0.5 (mean-one noise, 365 days), for exp, Hill and power truths,
/// the mean of fitted ÷ true expected viewers at the median spend is within
/// ±0.5 %. The number of series grows with σ² so the standard error of the
/// mean stays ≈ 0.1 % (the bound is ≥ 4 SE; the test asserts it too).
/// Before the correction the bias was −e^(σ²/2)+1: −1.1 %, −4.4 %, −11.8 %.
#[test]
fn curve_is_the_expected_day_at_every_noise_level() {
    let mut failures = Vec::new();
    for fam in Family::ALL {
        for sigma in [0.15, 0.3, 0.5] {
            let draws = ((2000.0 * sigma * sigma) as u64).max(60);
            let (bias, se) = expectation_bias(
                &family_truths(fam),
                &|s| {
                    s.noise_sigma = sigma;
                    s.days = 365;
                },
                draws,
                7_000_000 + (sigma * 1000.0) as u64,
            );
            eprintln!(
                "{fam:?} σ {sigma}: bias {:+.3} % (se {:.3} %)",
                100.0 * bias,
                100.0 * se
            );
            if se >= 0.00125 || bias.abs() >= 0.005 {
                failures.push(format!("{fam:?} σ {sigma}: bias {bias:+.4} (se {se:.4})"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// In a world whose noise has median 1 the curve must still be the
/// expectation (e^(σ²/2) above the median day).
#[test]
fn curve_is_the_expected_day_when_noise_has_median_one() {
    for sigma in [0.3, 0.5] {
        let (bias, se) = expectation_bias(
            &family_truths(Family::Exp),
            &|s| {
                s.noise_sigma = sigma;
                s.noise = crate::synth::Noise::Median;
                s.days = 365;
            },
            ((1200.0 * sigma * sigma) as u64).max(60),
            8_000_000,
        );
        eprintln!(
            "median-one σ {sigma}: bias {:+.3} % (se {:.3} %)",
            100.0 * bias,
            100.0 * se
        );
        assert!(bias.abs() < 0.005, "σ {sigma}: bias {bias} (se {se})");
    }
}

/// Small counts: Poisson-only lanes of about 2 and 20 expected viewers a
/// day (zero-viewer days included) are fitted to their expectation within
/// ±2 % (before: −7.8 % at 2/day, −3 % at 20/day).
#[test]
fn small_count_lanes_are_fitted_to_their_expectation() {
    for per_day in [2.0, 20.0] {
        // vmax · (1 − e^(−1)) ≈ 0.632 vmax at the median spend (= k).
        let truth = Model::Exp {
            vmax: per_day / 0.632,
            k_cny: 100.0,
        };
        let (bias, se) = expectation_bias(
            &[(truth, 100.0)],
            &|s| {
                s.noise_sigma = 0.0;
                s.counts = true;
                s.days = 365;
            },
            200,
            9_000_000 + per_day as u64,
        );
        eprintln!(
            "Poisson {per_day}/day: bias {:+.3} % (se {:.3} %)",
            100.0 * bias,
            100.0 * se
        );
        assert!(bias.abs() < 0.02, "{per_day}/day: bias {bias} (se {se})");
    }
}

/// A lane whose viewers do not follow its spend is a baseline (`Flat`),
/// with its mean viewers/day; one saturated over most of its days keeps a
/// curve but prints no astronomic marginal cost.
#[test]
fn flat_lanes_are_baselines_and_saturated_ones_print_no_huge_marginal_cost() {
    let opts = FitOptions::default();
    let mut flats = 0;
    for seed in 0..20u64 {
        let mut rng = crate::synth::Rng::new(60_000 + seed);
        let n = 200;
        let spend: Vec<f64> = (0..n)
            .map(|_| (2000.0 * (0.5 * rng.normal()).exp()).round())
            .collect();
        let viewers: Vec<f64> = (0..n)
            .map(|_| (500.0 * (0.3 * rng.normal() - 0.045).exp()).round())
            .collect();
        let wd: Vec<u8> = (0..n).map(|i| (i % 7) as u8).collect();
        let d = SeriesData {
            spend_cny: &spend,
            viewers: &viewers,
            weekday: &wd,
            cap_viewers_per_day: None,
        };
        match fit_series(&d, &opts, None) {
            FitOutcome::Flat {
                viewers_per_day,
                reason,
            } => {
                flats += 1;
                assert!(
                    (viewers_per_day / 500.0 - 1.0).abs() < 0.06,
                    "{viewers_per_day}"
                );
                assert!(
                    reason.starts_with("flat: spend explains nothing"),
                    "{reason}"
                );
            }
            FitOutcome::Fitted(f) => {
                // A flat lane fitted anyway must at least be nearly flat.
                assert!(
                    f.quality.r2_log < 0.1,
                    "seed {seed}: r2 {}",
                    f.quality.r2_log
                );
            }
            FitOutcome::Unusable { reason } => panic!("{reason}"),
        }
    }
    eprintln!("{flats} of 20 flat lanes recognised");
    assert!(flats >= 18, "{flats} of 20 flat lanes recognised");

    // Saturated: 4 of 5 days far past k, one in five at low spend.
    let mut rng = crate::synth::Rng::new(61_000);
    let truth = Model::Exp {
        vmax: 2000.0,
        k_cny: 100.0,
    };
    let n = 200;
    let spend: Vec<f64> = (0..n)
        .map(|i| {
            if i % 5 == 0 {
                rng.range(20.0, 150.0).round()
            } else {
                rng.range(4000.0, 6000.0).round()
            }
        })
        .collect();
    let viewers: Vec<f64> = spend
        .iter()
        .map(|&s| (truth.value(s) * (0.1 * rng.normal()).exp()).round())
        .collect();
    let wd: Vec<u8> = (0..n).map(|i| (i % 7) as u8).collect();
    let d = SeriesData {
        spend_cny: &spend,
        viewers: &viewers,
        weekday: &wd,
        cap_viewers_per_day: None,
    };
    let out = fit_series(&d, &opts, None);
    let f = fitted(&out);
    let p50 = f
        .spend_summaries
        .iter()
        .find(|s| s.percentile == 50)
        .unwrap();
    assert!(p50.average_cost_per_viewer_cny.is_some());
    assert_eq!(p50.marginal_cost_per_viewer_cny, None, "{p50:?}");
    let p25 = &f.spend_summaries[0];
    assert!(p25.spend_cny < 200.0 || p25.marginal_cost_per_viewer_cny.is_none());
}
