//! The fitted curve of a weekly history against the true daily curve: the
//! median over lanes and seeds of fitted ÷ true expected viewers/day at each
//! lane's typical spend, for daily rows and for the same days summed to ISO
//! weeks, under several ways the daily spend varies within a week.
//!
//! ```text
//! SEEDS=10 cargo run --release --example weekly_bias
//! ```

use acqplan::curves::fit::{FitOptions, SeriesData, fit_series};
use acqplan::curves::period::{WithinPeriod, lane_diffs, lane_spread, persistence};
use acqplan::load::cell::weekday;
use acqplan::scoreboard::family::weekly_rows;
use acqplan::synth::{CHANNELS, GenOptions, Noise, generate};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// fitted ÷ true at typical spend, per lane (and corrected for the spread
/// inside a week under `Independent`).
fn ratios(opts: &GenOptions, weekly: bool) -> Vec<(f64, f64)> {
    let h = generate(opts);
    let rows = if weekly {
        weekly_rows(&h.rows)
    } else {
        h.rows.clone()
    };
    let period = if weekly { 7.0 } else { 1.0 };
    let nc = CHANNELS.len();
    let t = &h.truth;
    let mean_wd = t.weekday_factors.iter().sum::<f64>() / 7.0;
    let fit_opts = if weekly {
        FitOptions::default().for_period(7)
    } else {
        FitOptions::default()
    };
    let mut fits = Vec::new();
    for (i, tc) in t.curves.iter().enumerate() {
        let (r, c) = (i / nc, i % nc);
        let lane: Vec<_> = rows
            .iter()
            .filter(|x| x.room == r && x.channel == c)
            .collect();
        let s: Vec<f64> = lane.iter().map(|x| x.spend / period).collect();
        let v: Vec<f64> = lane.iter().map(|x| x.viewers / period).collect();
        let wd: Vec<u8> = lane.iter().map(|x| weekday(x.date)).collect();
        let dates: Vec<i32> = lane.iter().map(|x| x.date).collect();
        let data = SeriesData {
            spend_cny: &s,
            viewers: &v,
            weekday: &wd,
            cap_viewers_per_day: tc.curve.cap_viewers_per_day,
        };
        let fit = fit_series(&data, &fit_opts, None);
        let diffs = lane_diffs(&s, &dates, period as u32);
        fits.push((c, fit, diffs));
    }
    let mut out = Vec::new();
    for (i, tc) in t.curves.iter().enumerate() {
        let (c, fit, diffs) = &fits[i];
        let pooled: Vec<_> = fits
            .iter()
            .filter(|x| x.0 == *c)
            .filter_map(|x| x.2.as_ref())
            .collect();
        let phi = persistence(&pooled, period as u32);
        if let Some(f) = fit.fitted() {
            let at = tc.typical_spend_cny;
            let truth = tc.curve.value(at) * mean_wd;
            let k = lane_spread(f, diffs.as_ref(), phi, period as u32, WithinPeriod::Auto)
                .map_or(1.0, |x| x.1);
            out.push((f.value(at) / truth, f.value(at) / k / truth));
        }
    }
    out
}

fn main() {
    let seeds: u64 = env_or("SEEDS", 10);
    println!("median fitted ÷ true expected viewers/day at typical spend (mean-one noise σ 0.3)");
    println!("spend_sigma  pauses  flat weeks  persistence   daily   weekly  corrected");
    for (spend_sigma, pauses, flat_weeks, phi) in [
        (0.1, 0.0, false, 0.0),
        (0.25, 0.0, false, 0.0),
        (0.5, 0.0, false, 0.0),
        (0.5, 0.05, false, 0.0),
        (0.1, 0.05, false, 0.0),
        (0.8, 0.05, false, 0.0),
        (0.5, 0.05, false, 0.5),
        (0.5, 0.05, false, 0.9),
        (0.5, 0.05, false, 0.97),
        (0.5, 0.05, true, 0.0),
    ] {
        let (mut d, mut w, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for seed in 0..seeds {
            let opts = GenOptions {
                rooms: 10,
                days: 364,
                seed: 1000 + seed,
                fake_rate: 0.0,
                noise_sigma: 0.3,
                noise: Noise::Mean,
                spend_sigma,
                zero_spend_rate: pauses,
                flat_weeks,
                spend_persistence: phi,
                ..GenOptions::default()
            };
            d.extend(ratios(&opts, false).into_iter().map(|x| x.0));
            for (raw, corrected) in ratios(&opts, true) {
                w.push(raw);
                c.push(corrected);
            }
        }
        println!(
            "{spend_sigma:>10.2}  {pauses:>6.2}  {flat_weeks:>10}  {phi:>11.2}  {:>6.3}  {:>6.3}  {:>9.3}",
            median(d),
            median(w),
            median(c)
        );
    }
}
