//! The signals of one room × channel pair, each a robust z-score (how many
//! robust σ a row sits on the bot side of the pair's own norm), and the
//! evidence kept for the rows that end up flagged.

use std::borrow::Cow;

use super::stats::{BinnedFit, SortedWindow, fast_ln, median_in_place, median_sigma};

/// The history as plain columns, rows in frame order, borrowed from the
/// frame when it holds them contiguously. Optional columns are `None` when
/// the file did not have them; a missing cell is NaN.
pub(crate) struct Columns<'a> {
    pub date: Cow<'a, [i32]>,
    pub spend: Cow<'a, [f64]>,
    pub viewers: Cow<'a, [f64]>,
    pub impressions: Option<Cow<'a, [f64]>>,
    pub orders: Option<Cow<'a, [f64]>>,
    pub gmv: Option<Cow<'a, [f64]>>,
    pub watch: Option<Cow<'a, [f64]>>,
    pub comments: Option<Cow<'a, [f64]>>,
}

/// Tuning of the per-pair maths.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    /// Rows at or above this score are flagged.
    pub threshold: f64,
}

/// Points per bin of the log-spend × log-viewers fit.
const POINTS_PER_BIN: usize = 40;
/// At most this many knots.
const MAX_BINS: usize = 16;
/// A pair needs this many paid days for the cost signal.
const MIN_PAID_ROWS: usize = 12;
/// "Recent days": this many paid days before the row.
const RECENT_DAYS: usize = 14;
/// Fewer recent days than this and the spike signal is not computed.
const MIN_RECENT_DAYS: usize = 7;
/// Fewer rows than this with a column and its signal is not computed.
const MIN_ROWS_FOR_NORM: usize = 12;
/// Floors on robust σ, in natural-log units: a pair whose values barely
/// vary must not turn rounding into anomalies.
const SIGMA_FLOOR_COST: f64 = 0.08;
const SIGMA_FLOOR_RATIO: f64 = 0.08;
/// Each z-score counts at most this much in the score.
const Z_CAP: f64 = 30.0;
/// z given to a row with more viewers than impressions.
const IMPOSSIBLE_Z: f64 = 12.0;
/// A signal is named in the reason from this z on.
pub(crate) const REASON_Z: f64 = 2.0;
/// Watch times below this (seconds) count as this in logs.
const WATCH_FLOOR_SECONDS: f64 = 0.5;
/// Pseudo-count added to orders and comments before taking logs.
const COUNT_PSEUDO: f64 = 0.5;

/// Per-signal evidence for one row, in the units a person reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence {
    /// Viewers ÷ what the pair usually gets at this spend (signal 1).
    pub viewers_vs_norm: Option<f64>,
    /// Robust z of the above.
    pub cost_z: Option<f64>,
    /// Viewers-per-spend ÷ that of the pair's recent days (signal 2).
    pub viewers_vs_recent: Option<f64>,
    /// Robust z of the above.
    pub spike_z: Option<f64>,
    /// Average watch time of the row, seconds (signal 3).
    pub watch_seconds: Option<f64>,
    /// The pair's median watch time, seconds.
    pub watch_norm_seconds: Option<f64>,
    /// Robust z of the watch-time drop.
    pub watch_z: Option<f64>,
    /// Orders per viewer ÷ the pair's norm (signal 4).
    pub orders_vs_norm: Option<f64>,
    /// Comments per viewer ÷ the pair's norm (signal 4).
    pub comments_vs_norm: Option<f64>,
    /// GMV per viewer ÷ the pair's norm (signal 4; used when orders are absent).
    pub gmv_vs_norm: Option<f64>,
    /// Robust z of the engagement collapse.
    pub engagement_z: Option<f64>,
    /// Impressions of the row (signal 5).
    pub impressions: Option<f64>,
    /// Viewers per impression ÷ the pair's norm.
    pub viewers_per_impression_vs_norm: Option<f64>,
    /// Robust z of the above (large when viewers exceed impressions).
    pub impressions_z: Option<f64>,
    /// Whether the row had more viewers than impressions.
    pub more_viewers_than_impressions: bool,
}

/// Scores of one pair, aligned with its rows, and the flagged rows'
/// evidence (position in the pair, evidence).
pub(crate) struct PairOut {
    pub scores: Vec<f64>,
    pub flagged: Vec<(usize, Evidence)>,
}

/// A column's log-values for the pair with its norm and spread.
struct Norm {
    values: Vec<f64>,
    median: f64,
    sigma: f64,
}

/// Robust norm of `values` (NaN = not available) if enough are finite.
fn norm_of(
    values: Vec<f64>,
    floor: f64,
    scratch: &mut Vec<f64>,
    tmp: &mut Vec<f64>,
) -> Option<Norm> {
    tmp.clear();
    tmp.extend(values.iter().copied().filter(|v| v.is_finite()));
    if tmp.len() < MIN_ROWS_FOR_NORM {
        return None;
    }
    let (median, sigma) = median_sigma(tmp, scratch, floor)?;
    Some(Norm {
        values,
        median,
        sigma,
    })
}

impl Norm {
    /// z of a drop below the norm at `k` (positive = lower than usual).
    fn drop_z(&self, k: usize) -> Option<f64> {
        let v = self.values[k];
        v.is_finite().then(|| (self.median - v) / self.sigma)
    }

    /// z of a rise above the norm at `k`.
    fn rise_z(&self, k: usize) -> Option<f64> {
        self.drop_z(k).map(|z| -z)
    }

    /// Value at `k` ÷ the norm (back from logs).
    fn ratio(&self, k: usize) -> Option<f64> {
        let v = self.values[k];
        v.is_finite().then(|| (v - self.median).exp())
    }
}

fn get(col: &Option<Cow<'_, [f64]>>, row: u32) -> f64 {
    col.as_ref().map_or(f64::NAN, |c| c[row as usize])
}

/// Per-viewer log-rate of a count column, NaN where unavailable.
/// `log_viewers` is NaN where there are no viewers.
fn log_rate(col: &[f64], rows: &[u32], log_viewers: &[f64], pseudo: f64) -> Vec<f64> {
    rows.iter()
        .zip(log_viewers)
        .map(|(&r, &lv)| {
            let x = col[r as usize];
            if lv.is_finite() && x.is_finite() {
                fast_ln(x + pseudo) - lv
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Screen one pair. `rows` index into `cols` and are in date order.
pub(crate) fn screen_pair(cols: &Columns<'_>, rows: &[u32], params: Params) -> PairOut {
    let n = rows.len();
    let mut scratch = Vec::new();
    let mut tmp = Vec::new();

    // Logs once: viewers (NaN without viewers) and spend (NaN unpaid).
    let log_viewers: Vec<f64> = rows
        .iter()
        .map(|&r| {
            let v = cols.viewers[r as usize];
            if v > 0.0 { fast_ln(v) } else { f64::NAN }
        })
        .collect();
    let log_spend: Vec<f64> = rows
        .iter()
        .map(|&r| {
            let s = cols.spend[r as usize];
            if s > 0.0 { fast_ln(s) } else { f64::NAN }
        })
        .collect();

    // (1) cost anomaly: log viewers against a binned-median fit on log spend.
    let mut cost_excess = vec![f64::NAN; n];
    let mut cost_sigma = f64::NAN;
    let mut pts: Vec<(f64, f64)> = log_spend
        .iter()
        .zip(&log_viewers)
        .filter(|(s, v)| s.is_finite() && v.is_finite())
        .map(|(&s, &v)| (s, v))
        .collect();
    if let Some(fit) = BinnedFit::new(
        &mut pts,
        POINTS_PER_BIN,
        MAX_BINS,
        MIN_PAID_ROWS,
        &mut scratch,
    ) {
        tmp.clear();
        for k in 0..n {
            if log_spend[k].is_finite() && log_viewers[k].is_finite() {
                let e = log_viewers[k] - fit.at(log_spend[k]);
                cost_excess[k] = e;
                tmp.push(e);
            }
        }
        if let Some((med, sigma)) = median_sigma(&mut tmp, &mut scratch, SIGMA_FLOOR_COST) {
            cost_sigma = sigma;
            for e in cost_excess.iter_mut().filter(|e| e.is_finite()) {
                *e -= med;
            }
        }
    }

    // (2) spike: the cost excess against the pair's recent paid days (the
    // RECENT_DAYS paid days before; the ones after for the first few).
    let mut spike = vec![f64::NAN; n];
    let mut spike_sigma = f64::NAN;
    if cost_sigma.is_finite() {
        let paid: Vec<usize> = (0..n).filter(|&k| cost_excess[k].is_finite()).collect();
        let mut window = Vec::with_capacity(RECENT_DAYS);
        for (p, &k) in paid.iter().enumerate().take(MIN_RECENT_DAYS) {
            window.clear();
            let after = &paid[p + 1..(p + 1 + RECENT_DAYS).min(paid.len())];
            window.extend(after.iter().map(|&j| cost_excess[j]));
            if window.len() >= MIN_RECENT_DAYS
                && let Some(m) = median_in_place(&mut window)
            {
                spike[k] = cost_excess[k] - m;
            }
        }
        let mut recent = SortedWindow::with_capacity(RECENT_DAYS + 1);
        for (p, &k) in paid.iter().enumerate() {
            if p >= MIN_RECENT_DAYS
                && recent.len() >= MIN_RECENT_DAYS
                && let Some(m) = recent.median()
            {
                spike[k] = cost_excess[k] - m;
            }
            recent.insert(cost_excess[k]);
            if p >= RECENT_DAYS {
                recent.remove(cost_excess[paid[p - RECENT_DAYS]]);
            }
        }
        tmp.clear();
        tmp.extend(spike.iter().copied().filter(|v| v.is_finite()));
        if tmp.len() >= MIN_ROWS_FOR_NORM
            && let Some((_, sigma)) = median_sigma(&mut tmp, &mut scratch, SIGMA_FLOOR_COST)
        {
            spike_sigma = sigma;
        }
    }

    // (3) watch time near zero.
    let watch = cols.watch.as_ref().and_then(|col| {
        let logs = rows
            .iter()
            .zip(&log_viewers)
            .map(|(&r, lv)| {
                let w = col[r as usize];
                if lv.is_finite() && w.is_finite() {
                    fast_ln(w.max(WATCH_FLOOR_SECONDS))
                } else {
                    f64::NAN
                }
            })
            .collect();
        norm_of(logs, SIGMA_FLOOR_RATIO, &mut scratch, &mut tmp)
    });

    // (4) engagement per viewer collapsed.
    let orders = cols.orders.as_ref().and_then(|col| {
        norm_of(
            log_rate(col, rows, &log_viewers, COUNT_PSEUDO),
            SIGMA_FLOOR_RATIO,
            &mut scratch,
            &mut tmp,
        )
    });
    let comments = cols.comments.as_ref().and_then(|col| {
        norm_of(
            log_rate(col, rows, &log_viewers, COUNT_PSEUDO),
            SIGMA_FLOOR_RATIO,
            &mut scratch,
            &mut tmp,
        )
    });
    let gmv = match (&cols.orders, &cols.gmv) {
        (None, Some(g)) => {
            // Pseudo-count of about half a typical order's value.
            tmp.clear();
            tmp.extend(
                rows.iter()
                    .map(|&r| g[r as usize])
                    .filter(|x| x.is_finite() && *x > 0.0),
            );
            let typical = median_in_place(&mut tmp).unwrap_or(1.0);
            let pseudo = (0.01 * typical).max(1e-9);
            norm_of(
                log_rate(g, rows, &log_viewers, pseudo),
                SIGMA_FLOOR_RATIO,
                &mut scratch,
                &mut tmp,
            )
        }
        _ => None,
    };

    // (5) viewers per impression.
    let impressions = cols.impressions.as_ref().and_then(|col| {
        let logs = rows
            .iter()
            .zip(&log_viewers)
            .map(|(&r, &lv)| {
                let i = col[r as usize];
                if lv.is_finite() && i > 0.0 && i.is_finite() {
                    lv - fast_ln(i)
                } else {
                    f64::NAN
                }
            })
            .collect();
        norm_of(logs, SIGMA_FLOOR_RATIO, &mut scratch, &mut tmp)
    });

    let mut scores = vec![0.0; n];
    let mut flagged = Vec::new();
    for (k, &r) in rows.iter().enumerate() {
        let viewers = cols.viewers[r as usize];
        if viewers <= 0.0 {
            continue;
        }
        let cost_z = cost_excess[k]
            .is_finite()
            .then(|| cost_excess[k] / cost_sigma);
        let spike_z =
            (spike[k].is_finite() && spike_sigma.is_finite()).then(|| spike[k] / spike_sigma);
        let watch_z = watch.as_ref().and_then(|w| w.drop_z(k));
        let engagement_z = {
            let parts: [Option<f64>; 3] = [
                orders.as_ref().and_then(|o| o.drop_z(k)),
                comments.as_ref().and_then(|c| c.drop_z(k)),
                gmv.as_ref().and_then(|g| g.drop_z(k)),
            ];
            let (sum, count) = parts
                .iter()
                .flatten()
                .fold((0.0, 0usize), |(s, c), z| (s + z.clamp(0.0, Z_CAP), c + 1));
            (count > 0).then(|| sum / count as f64)
        };
        let imp_raw = get(&cols.impressions, r);
        let impossible = imp_raw.is_finite() && viewers > imp_raw;
        let impressions_z = match impressions.as_ref().and_then(|i| i.rise_z(k)) {
            Some(z) if impossible => Some(z.max(IMPOSSIBLE_Z)),
            Some(z) => Some(z),
            None if impossible && cols.impressions.is_some() => Some(IMPOSSIBLE_Z),
            None => None,
        };
        let zs = [cost_z, spike_z, watch_z, engagement_z, impressions_z];
        let (sum, count) = zs
            .iter()
            .flatten()
            .fold((0.0, 0usize), |(s, c), z| (s + z.clamp(0.0, Z_CAP), c + 1));
        if count == 0 {
            continue;
        }
        let mut score = sum / count as f64;
        if impossible {
            // More viewers than impressions cannot happen: flag whatever
            // the other signals say.
            score = score.max(IMPOSSIBLE_Z);
        }
        scores[k] = score;
        if score >= params.threshold {
            flagged.push((
                k,
                Evidence {
                    viewers_vs_norm: cost_z.map(|_| cost_excess[k].exp()),
                    cost_z,
                    viewers_vs_recent: spike_z.map(|_| spike[k].exp()),
                    spike_z,
                    watch_seconds: watch_z.map(|_| get(&cols.watch, r)),
                    watch_norm_seconds: watch_z.and(watch.as_ref()).map(|w| w.median.exp()),
                    watch_z,
                    orders_vs_norm: orders.as_ref().and_then(|o| o.ratio(k)),
                    comments_vs_norm: comments.as_ref().and_then(|c| c.ratio(k)),
                    gmv_vs_norm: gmv.as_ref().and_then(|g| g.ratio(k)),
                    engagement_z,
                    impressions: impressions_z.map(|_| imp_raw),
                    viewers_per_impression_vs_norm: impressions.as_ref().and_then(|i| i.ratio(k)),
                    impressions_z,
                    more_viewers_than_impressions: impossible,
                },
            ));
        }
    }
    PairOut { scores, flagged }
}

impl Evidence {
    /// The reason a person reads: every signal with a robust z of at least
    /// 2, in signal order, `; `-joined.
    pub fn reason(&self) -> String {
        let strong = |z: Option<f64>| z.is_some_and(|z| z >= REASON_Z);
        let mut parts = Vec::new();
        if strong(self.cost_z)
            && let Some(m) = self.viewers_vs_norm
        {
            parts.push(format!("viewers {m:.1}× the channel's norm at this spend"));
        }
        if strong(self.spike_z)
            && let Some(m) = self.viewers_vs_recent
        {
            parts.push(format!("{m:.1}× the viewers per CNY of recent days"));
        }
        if strong(self.watch_z)
            && let (Some(w), Some(norm)) = (self.watch_seconds, self.watch_norm_seconds)
        {
            parts.push(format!("watch time {w:.0} s (usually {norm:.0} s)"));
        }
        if strong(self.engagement_z) {
            let mut e = Vec::new();
            if let Some(x) = self.orders_vs_norm {
                e.push(format!("orders {x:.2}×"));
            }
            if let Some(x) = self.gmv_vs_norm {
                e.push(format!("GMV {x:.2}×"));
            }
            if let Some(x) = self.comments_vs_norm {
                e.push(format!("comments {x:.2}×"));
            }
            parts.push(format!("per viewer: {} the norm", e.join(", ")));
        }
        if strong(self.impressions_z) {
            match (self.impressions, self.viewers_per_impression_vs_norm) {
                (Some(i), _) if self.more_viewers_than_impressions => {
                    parts.push(format!("more viewers than impressions ({i:.0})"));
                }
                (_, Some(m)) => parts.push(format!("viewers per impression {m:.1}× the norm")),
                _ => {}
            }
        }
        if parts.is_empty() {
            parts.push("several weak signals together".into());
        }
        parts.join("; ")
    }
}
