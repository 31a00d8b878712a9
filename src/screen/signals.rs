//! The signals of one room × channel lane, each a robust z-score (how many
//! robust σ a row sits on the bot side of a norm), the evidence kept for the
//! rows that end up flagged, and the lane's summary for the cross-room pass.
//!
//! The norms come from one of three places ([`Anchor`]): the lane's own
//! medians (every lane, first), the lane's clean days (the lowest cluster of
//! its cost residuals, for a lane whose days split into a normal-cost and a
//! bot cluster), or the channel's other rooms (for a lane none of whose days
//! looks like them).

use std::borrow::Cow;

use super::stats::{
    BinnedFit, CLUSTER_HALF_WINDOW, SortedWindow, Split, fast_ln, lowest_cluster, median_in_place,
    median_sigma,
};

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

/// Tuning of the per-lane maths.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    /// Rows at or above this score are flagged.
    pub threshold: f64,
}

/// Points per bin of the log-spend × log-viewers fit.
const POINTS_PER_BIN: usize = 40;
/// At most this many knots.
const MAX_BINS: usize = 16;
/// A lane needs this many paid days for the cost signal.
const MIN_PAID_ROWS: usize = 12;
/// "Recent days": this many paid days before the row.
const RECENT_DAYS: usize = 14;
/// Fewer recent days than this and the spike signal is not computed.
const MIN_RECENT_DAYS: usize = 7;
/// Fewer rows than this with a column and its signal is not computed.
const MIN_ROWS_FOR_NORM: usize = 12;
/// Floors on robust σ, in natural-log units: a lane whose values barely
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

/// The lowest-cluster split of a lane's cost residuals is looked for only
/// with this many paid days …
const MIN_SPLIT_ROWS: usize = 24;
/// … and this many viewers on a typical day (below it counting noise, not
/// bots, shapes the residuals).
const MIN_SPLIT_VIEWERS: f64 = 30.0;
/// A row this many σ of the clean cluster above its centre is outside it.
pub(crate) const SPLIT_Z: f64 = 4.0;
/// A lane with at least this share of its paid days outside its lowest
/// cluster may be mixed.
const MIXED_SHARE: f64 = 0.25;
/// The lowest cluster is looked for only in a lane with this share of its
/// paid days this many robust σ above its median (a lane with 25–50 % of
/// bought days has its median and σ in or near the clean cluster, and the
/// bought days ≥ 1.6 in natural logs above it).
const PRECHECK_SHARE: f64 = 0.15;
const PRECHECK_Z: f64 = 3.0;
/// The σ of the clean cluster is at least this (natural logs).
const SIGMA_FLOOR_SPLIT: f64 = 0.1;
/// A lane whose days spread this much around its own curve (robust σ,
/// natural logs) is looked at again against its clean days even when its
/// median curve hides the split (a lane half made of bots).
const MIXED_SIGMA: f64 = 0.5;
/// Points per bin of the curve through a mixed lane's clean days, and at
/// least this many bins (fewer days, so smaller bins, to follow saturation).
const CLEAN_POINTS_PER_BIN: usize = 10;
const CLEAN_MIN_BINS: usize = 3;
/// The first curve of a second look goes through this quantile of each
/// spend bin of this many days (large bins, so that each holds some clean
/// days even when bots are on 80 % of them).
const LOW_QUANTILE: f64 = 0.1;
const LOW_POINTS_PER_BIN: usize = 80;

/// Engagement values kept per lane for the cross-room pass, in this order.
pub(crate) const ENG_KINDS: usize = 5;
/// Index of log average watch seconds.
pub(crate) const WATCH: usize = 0;
/// Index of log orders per viewer.
pub(crate) const ORDERS: usize = 1;
/// Index of log comments per viewer.
pub(crate) const COMMENTS: usize = 2;
/// Index of log GMV per viewer (only without an orders column).
pub(crate) const GMV: usize = 3;
/// Index of log viewers per impression.
pub(crate) const IMPRESSIONS: usize = 4;

/// Whose norms a row is measured against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NormBasis {
    /// The lane's own medians.
    #[default]
    Lane,
    /// The lane's clean days (the lowest cluster of its days; the others
    /// look bought).
    CleanDays,
    /// The same channel in the other rooms (no day of the lane looks like
    /// them).
    OtherRooms,
}

/// Where a lane's norms come from (see [`NormBasis`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Anchor<'a> {
    /// The lane's own medians.
    Own,
    /// The lane's clean days: the lowest cluster of its cost residuals,
    /// fitted again on those days alone.
    Clean,
    /// The channel's other rooms.
    Prior(&'a Prior),
}

/// What the channel's other rooms say a lane should look like (natural
/// logs).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prior {
    /// ln(viewers per CNY) of the channel's other rooms at the lane's
    /// median spend.
    pub channel_level: f64,
    /// The highest ln(viewers per CNY) a real lane of the channel plausibly
    /// has there; days above it are bought.
    pub max_level: f64,
    /// σ of a day's cost residual typical of the channel's lanes.
    pub cost_sigma: f64,
    /// (median, typical within-lane σ) of each engagement value in the
    /// channel's other rooms.
    pub eng: [Option<(f64, f64)>; ENG_KINDS],
}

/// Per-signal evidence for one row, in the units a person reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Evidence {
    /// What the norms below are: the lane's own, its clean days, or the
    /// channel's other rooms.
    pub norm: NormBasis,
    /// Viewers ÷ what the norm gets at this spend (signal 1).
    pub viewers_vs_norm: Option<f64>,
    /// Robust z of the above.
    pub cost_z: Option<f64>,
    /// Viewers-per-spend ÷ that of the lane's recent (clean) days (signal 2).
    pub viewers_vs_recent: Option<f64>,
    /// Robust z of the above.
    pub spike_z: Option<f64>,
    /// Average watch time of the row, seconds (signal 3).
    pub watch_seconds: Option<f64>,
    /// The norm's median watch time, seconds.
    pub watch_norm_seconds: Option<f64>,
    /// Robust z of the watch-time drop.
    pub watch_z: Option<f64>,
    /// Orders per viewer ÷ the norm (signal 4).
    pub orders_vs_norm: Option<f64>,
    /// Comments per viewer ÷ the norm (signal 4).
    pub comments_vs_norm: Option<f64>,
    /// GMV per viewer ÷ the norm (signal 4; used when orders are absent).
    pub gmv_vs_norm: Option<f64>,
    /// Robust z of the engagement collapse.
    pub engagement_z: Option<f64>,
    /// Impressions of the row (signal 5).
    pub impressions: Option<f64>,
    /// Viewers per impression ÷ the norm.
    pub viewers_per_impression_vs_norm: Option<f64>,
    /// Robust z of the above (large when viewers exceed impressions).
    pub impressions_z: Option<f64>,
    /// Whether the row had more viewers than impressions.
    pub more_viewers_than_impressions: bool,
}

/// What one lane looks like as a whole, for the cross-room pass (natural
/// logs; NaN or `None` where the lane has no such data).
#[derive(Clone, Debug, Default)]
pub(crate) struct LaneSummary {
    /// Paid days with viewers (the cost signal's points).
    pub paid: usize,
    /// ln median daily spend of those days.
    pub log_spend_median: f64,
    /// ln(viewers per CNY) of the norm's days at the median spend: the
    /// lane's level (its clean days' under [`Anchor::Clean`]).
    pub level: f64,
    /// Robust σ of a day's cost residual around the norm.
    pub cost_sigma: f64,
    /// Whether the lane's days may split into a clean and a bought cluster
    /// (its lowest cluster holds at most 75 % of its paid days, or its days
    /// spread widely): worth a second look against its clean days.
    pub mixed_candidate: bool,
    /// (median, σ) of each engagement value over the norm's rows.
    pub eng: [Option<(f64, f64)>; ENG_KINDS],
    /// Paid days flagged.
    pub flagged_paid: usize,
    /// Median ln(viewers ÷ the norm at that spend) over the flagged paid days.
    pub flagged_excess: f64,
    /// Median of each engagement value over the flagged rows.
    pub flagged_eng: [Option<f64>; ENG_KINDS],
}

/// Scores of one lane, aligned with its rows, the flagged rows' evidence
/// (position in the lane, evidence), and the lane's summary.
pub(crate) struct PairOut {
    pub scores: Vec<f64>,
    pub flagged: Vec<(usize, Evidence)>,
    pub summary: LaneSummary,
}

/// A column's log-values for the lane with its norm and spread.
struct Norm {
    values: Vec<f64>,
    median: f64,
    sigma: f64,
}

/// Robust norm of `values` (NaN = not available) over the rows where `mask`
/// is true (all rows without a mask), if enough of them are finite.
fn norm_of(
    values: Vec<f64>,
    floor: f64,
    mask: Option<&[bool]>,
    scratch: &mut Vec<f64>,
    tmp: &mut Vec<f64>,
) -> Option<Norm> {
    tmp.clear();
    match mask {
        None => tmp.extend(values.iter().copied().filter(|v| v.is_finite())),
        Some(m) => tmp.extend(
            values
                .iter()
                .zip(m)
                .filter(|(v, m)| **m && v.is_finite())
                .map(|(v, _)| *v),
        ),
    }
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

/// The norm of `values` where `anchor` says: the lane's own rows (those in
/// `mask` for clean days) or the channel's (median, σ).
fn anchored_norm(
    values: Vec<f64>,
    anchor: Anchor<'_>,
    kind: usize,
    mask: &[bool],
    scratch: &mut Vec<f64>,
    tmp: &mut Vec<f64>,
) -> Option<Norm> {
    match anchor {
        Anchor::Own => norm_of(values, SIGMA_FLOOR_RATIO, None, scratch, tmp),
        Anchor::Clean => norm_of(values, SIGMA_FLOOR_RATIO, Some(mask), scratch, tmp),
        Anchor::Prior(p) => p.eng[kind].map(|(median, sigma)| Norm {
            values,
            median,
            sigma: sigma.max(SIGMA_FLOOR_RATIO),
        }),
    }
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

/// The lowest cluster of the finite values of `e`.
fn split_of(e: &[f64], tmp: &mut Vec<f64>) -> Option<Split> {
    tmp.clear();
    tmp.extend(e.iter().copied().filter(|v| v.is_finite()));
    tmp.sort_unstable_by(f64::total_cmp);
    lowest_cluster(
        tmp,
        CLUSTER_HALF_WINDOW,
        SIGMA_FLOOR_SPLIT,
        SPLIT_Z,
        MIN_PAID_ROWS,
    )
}

/// The cost signal of a lane: residuals against the norm (NaN where the
/// row has none), their σ, which rows set the norm, and the lane's level.
struct Cost {
    excess: Vec<f64>,
    sigma: f64,
    /// Rows whose values set the lane's norms (all but the bought-looking
    /// ones under [`Anchor::Clean`] and [`Anchor::Prior`]).
    basis: Vec<bool>,
    /// Added to `excess` to state a row against the norm a person reads
    /// (the channel's other rooms under [`Anchor::Prior`]).
    shown_offset: f64,
    log_spend_median: f64,
    level: f64,
    mixed_candidate: bool,
}

/// Each day's ln viewers minus `curve` at its ln spend; NaN for days
/// without spend or viewers.
fn residuals(curve: &BinnedFit, log_spend: &[f64], log_viewers: &[f64]) -> Vec<f64> {
    log_spend
        .iter()
        .zip(log_viewers)
        .map(|(&x, &y)| {
            if x.is_finite() && y.is_finite() {
                y - curve.at(x)
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// Residuals past a cut (NaN never is).
fn outside(e: &[f64], cut: f64) -> Vec<bool> {
    e.iter().map(|&v| v >= cut).collect()
}

/// A mixed lane's clean days. The median of a lane half made of bots falls
/// between its two clusters, so: the lowest cluster of the days around a
/// curve through each large spend bin's 10th percentile; a median curve
/// through those days alone (so the bought days do not bend it); the
/// lowest cluster around that curve. Returns the residuals against the
/// clean curve, its value at the median ln spend, and which days lie
/// outside the clean cluster. `None` when the lane has too few days.
fn clean_days(
    pts: &[(f64, f64)],
    log_spend: &[f64],
    log_viewers: &[f64],
    x_med: f64,
    scratch: &mut Vec<f64>,
    tmp: &mut Vec<f64>,
) -> Option<(Vec<f64>, f64, Vec<bool>)> {
    let mut all = pts.to_vec();
    let low = BinnedFit::low_quantile(
        &mut all,
        LOW_POINTS_PER_BIN,
        MAX_BINS,
        MIN_PAID_ROWS,
        LOW_QUANTILE,
        scratch,
    )?;
    let e = residuals(&low, log_spend, log_viewers);
    let first = split_of(&e, tmp)?;
    let cut = first.center + SPLIT_Z * first.sigma;
    let mut clean: Vec<(f64, f64)> = e
        .iter()
        .zip(log_spend.iter().zip(log_viewers))
        .filter(|(v, _)| **v < cut)
        .map(|(_, (&x, &y))| (x, y))
        .collect();
    let (e, at_median) = match BinnedFit::with_min_bins(
        &mut clean,
        CLEAN_POINTS_PER_BIN,
        CLEAN_MIN_BINS,
        MAX_BINS,
        MIN_PAID_ROWS,
        scratch,
    ) {
        Some(refit) => (residuals(&refit, log_spend, log_viewers), refit.at(x_med)),
        None => (e, low.at(x_med)),
    };
    let second = split_of(&e, tmp)?;
    let bought = outside(&e, second.center + SPLIT_Z * second.sigma);
    Some((e, at_median, bought))
}

fn cost_signal(
    log_spend: &[f64],
    log_viewers: &[f64],
    anchor: Anchor<'_>,
    scratch: &mut Vec<f64>,
    tmp: &mut Vec<f64>,
) -> Cost {
    let n = log_spend.len();
    let mut out = Cost {
        excess: vec![f64::NAN; n],
        sigma: f64::NAN,
        basis: vec![true; n],
        shown_offset: 0.0,
        log_spend_median: f64::NAN,
        level: f64::NAN,
        mixed_candidate: false,
    };
    let mut pts: Vec<(f64, f64)> = log_spend
        .iter()
        .zip(log_viewers)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(&x, &y)| (x, y))
        .collect();
    let Some(fit) = BinnedFit::new(&mut pts, POINTS_PER_BIN, MAX_BINS, MIN_PAID_ROWS, scratch)
    else {
        return out;
    };
    // `pts` is now sorted by log spend.
    let x_med = pts[pts.len() / 2].0;
    out.log_spend_median = x_med;
    let (mut e, curve_at_median) = match anchor {
        Anchor::Clean => match clean_days(&pts, log_spend, log_viewers, x_med, scratch, tmp) {
            Some((e, at_median, bought)) => {
                out.basis = bought.iter().map(|b| !b).collect();
                (e, at_median)
            }
            None => (residuals(&fit, log_spend, log_viewers), fit.at(x_med)),
        },
        Anchor::Own | Anchor::Prior(_) => (residuals(&fit, log_spend, log_viewers), fit.at(x_med)),
    };
    let center = match anchor {
        Anchor::Own | Anchor::Clean => {
            tmp.clear();
            tmp.extend(
                e.iter()
                    .zip(&out.basis)
                    .filter(|(v, b)| **b && v.is_finite())
                    .map(|(v, _)| *v),
            );
            let Some((med, sigma)) = median_sigma(tmp, scratch, SIGMA_FLOOR_COST) else {
                return out;
            };
            out.sigma = sigma;
            out.mixed_candidate = matches!(anchor, Anchor::Own)
                && pts.len() >= MIN_SPLIT_ROWS
                && curve_at_median + med >= MIN_SPLIT_VIEWERS.ln()
                && (sigma >= MIXED_SIGMA || {
                    // The split (a sort) only where a tail above the median
                    // makes it possible.
                    let far = med + PRECHECK_Z * sigma;
                    let tail = e.iter().filter(|&&v| v >= far).count();
                    tail as f64 >= PRECHECK_SHARE * pts.len() as f64
                        && split_of(&e, tmp).is_some_and(|s| s.upper_share >= MIXED_SHARE)
                });
            med
        }
        Anchor::Prior(p) => {
            // Days up to the channel's highest plausible level are the
            // lane's clean days; the excess is measured from that level.
            let cut = p.max_level - (curve_at_median - x_med);
            out.sigma = p.cost_sigma.max(SIGMA_FLOOR_COST);
            out.shown_offset = p.max_level - p.channel_level;
            out.basis = e.iter().map(|&v| v <= cut || v.is_nan()).collect();
            cut
        }
    };
    for v in e.iter_mut().filter(|v| v.is_finite()) {
        *v -= center;
    }
    out.level = curve_at_median + center - x_med;
    out.excess = e;
    out
}

/// The cost excess against the lane's recent basis days: the RECENT_DAYS
/// basis days before each paid day (the ones after, for the first few),
/// and its robust σ over the basis days.
fn spike_signal(cost: &Cost, scratch: &mut Vec<f64>, tmp: &mut Vec<f64>) -> (Vec<f64>, f64) {
    let n = cost.excess.len();
    let mut spike = vec![f64::NAN; n];
    if !cost.sigma.is_finite() {
        return (spike, f64::NAN);
    }
    let excess = &cost.excess;
    let basis: Vec<usize> = (0..n)
        .filter(|&k| excess[k].is_finite() && cost.basis[k])
        .collect();
    let mut window = Vec::with_capacity(RECENT_DAYS);
    let mut recent = SortedWindow::with_capacity(RECENT_DAYS + 1);
    // Basis days before the current one.
    let mut before = 0;
    for k in 0..n {
        if !excess[k].is_finite() {
            continue;
        }
        let is_basis = cost.basis[k];
        if before >= MIN_RECENT_DAYS {
            if recent.len() >= MIN_RECENT_DAYS
                && let Some(m) = recent.median()
            {
                spike[k] = excess[k] - m;
            }
        } else {
            let from = before + usize::from(is_basis);
            let after = &basis[from..(from + RECENT_DAYS).min(basis.len())];
            window.clear();
            window.extend(after.iter().map(|&j| excess[j]));
            if window.len() >= MIN_RECENT_DAYS
                && let Some(m) = median_in_place(&mut window)
            {
                spike[k] = excess[k] - m;
            }
        }
        if is_basis {
            recent.insert(excess[k]);
            if before >= RECENT_DAYS {
                recent.remove(excess[basis[before - RECENT_DAYS]]);
            }
            before += 1;
        }
    }
    tmp.clear();
    tmp.extend(
        spike
            .iter()
            .zip(&cost.basis)
            .filter(|(v, b)| **b && v.is_finite())
            .map(|(v, _)| *v),
    );
    let mut sigma = f64::NAN;
    if tmp.len() >= MIN_ROWS_FOR_NORM
        && let Some((_, s)) = median_sigma(tmp, scratch, SIGMA_FLOOR_COST)
    {
        sigma = s;
    }
    (spike, sigma)
}

/// Screen one lane against the norms `anchor` names. `rows` index into
/// `cols` and are in date order.
pub(crate) fn screen_pair(
    cols: &Columns<'_>,
    rows: &[u32],
    params: Params,
    anchor: Anchor<'_>,
) -> PairOut {
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
    let cost = cost_signal(&log_spend, &log_viewers, anchor, &mut scratch, &mut tmp);
    // (2) spike: the cost excess against the lane's recent (basis) days.
    let (spike, spike_sigma) = spike_signal(&cost, &mut scratch, &mut tmp);
    let mask = &cost.basis;

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
        anchored_norm(logs, anchor, WATCH, mask, &mut scratch, &mut tmp)
    });

    // (4) engagement per viewer collapsed.
    let orders = cols.orders.as_ref().and_then(|col| {
        let logs = log_rate(col, rows, &log_viewers, COUNT_PSEUDO);
        anchored_norm(logs, anchor, ORDERS, mask, &mut scratch, &mut tmp)
    });
    let comments = cols.comments.as_ref().and_then(|col| {
        let logs = log_rate(col, rows, &log_viewers, COUNT_PSEUDO);
        anchored_norm(logs, anchor, COMMENTS, mask, &mut scratch, &mut tmp)
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
            let logs = log_rate(g, rows, &log_viewers, pseudo);
            anchored_norm(logs, anchor, GMV, mask, &mut scratch, &mut tmp)
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
        anchored_norm(logs, anchor, IMPRESSIONS, mask, &mut scratch, &mut tmp)
    });
    let norm_basis = match anchor {
        Anchor::Own => NormBasis::Lane,
        Anchor::Clean => NormBasis::CleanDays,
        Anchor::Prior(_) => NormBasis::OtherRooms,
    };

    let mut scores = vec![0.0; n];
    let mut flagged = Vec::new();
    for (k, &r) in rows.iter().enumerate() {
        let viewers = cols.viewers[r as usize];
        if viewers <= 0.0 {
            continue;
        }
        let cost_z = cost.excess[k]
            .is_finite()
            .then(|| cost.excess[k] / cost.sigma);
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
        if matches!(anchor, Anchor::Prior(_)) && cost.excess[k] > 0.0 {
            // Cheaper than any real room of the channel: bought.
            score = score.max(params.threshold);
        }
        scores[k] = score;
        if score >= params.threshold {
            flagged.push((
                k,
                Evidence {
                    norm: norm_basis,
                    viewers_vs_norm: cost_z.map(|_| (cost.excess[k] + cost.shown_offset).exp()),
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

    // The lane as a whole.
    let norms = [&watch, &orders, &comments, &gmv, &impressions];
    let mut summary = LaneSummary {
        paid: cost.excess.iter().filter(|v| v.is_finite()).count(),
        log_spend_median: cost.log_spend_median,
        level: cost.level,
        cost_sigma: cost.sigma,
        mixed_candidate: cost.mixed_candidate,
        flagged_excess: f64::NAN,
        ..LaneSummary::default()
    };
    for (i, norm) in norms.iter().enumerate() {
        summary.eng[i] = norm.as_ref().map(|n| (n.median, n.sigma));
    }
    if !flagged.is_empty() {
        tmp.clear();
        tmp.extend(
            flagged
                .iter()
                .map(|(k, _)| cost.excess[*k])
                .filter(|v| v.is_finite()),
        );
        summary.flagged_paid = tmp.len();
        summary.flagged_excess =
            median_in_place(&mut tmp).map_or(f64::NAN, |m| m + cost.shown_offset);
        for (i, norm) in norms.iter().enumerate() {
            summary.flagged_eng[i] = norm.as_ref().and_then(|n| {
                tmp.clear();
                tmp.extend(
                    flagged
                        .iter()
                        .map(|(k, _)| n.values[*k])
                        .filter(|v| v.is_finite()),
                );
                median_in_place(&mut tmp)
            });
        }
    }
    PairOut {
        scores,
        flagged,
        summary,
    }
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
            parts.push(match self.norm {
                NormBasis::Lane => format!("viewers {m:.1}× the channel's norm at this spend"),
                NormBasis::CleanDays => {
                    format!("viewers {m:.1}× this lane's clean days at this spend")
                }
                NormBasis::OtherRooms => {
                    format!("viewers {m:.1}× the channel's other rooms at this spend")
                }
            });
        }
        if strong(self.spike_z)
            && let Some(m) = self.viewers_vs_recent
        {
            parts.push(match self.norm {
                NormBasis::Lane => format!("{m:.1}× the viewers per CNY of recent days"),
                _ => format!("{m:.1}× the viewers per CNY of recent clean days"),
            });
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
            parts.push(match self.norm {
                NormBasis::OtherRooms => {
                    "cheaper than any real room of the channel at this spend".into()
                }
                _ => "several weak signals together".into(),
            });
        }
        parts.join("; ")
    }
}
