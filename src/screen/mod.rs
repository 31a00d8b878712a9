//! Fake-traffic screening: find rows whose viewers were inflated by bots
//! before they reach the curves.
//!
//! # Rows against their lane's norms
//!
//! Every room × channel lane is first judged against its own history, with
//! robust statistics only (medians, MADs, binned medians), so sporadic bots
//! cannot shift the norms they are measured against. Each signal is a
//! robust z-score (how many σ the row sits on the bot side of the norm) and
//! is used only when its columns exist:
//!
//! 1. [`Signal::CostAnomaly`]: log viewers against a binned-median fit of log
//!    viewers on log spend (follows saturation). Paid rows with viewers only.
//! 2. [`Signal::Spike`]: the same excess against the lane's recent paid days
//!    (rolling median), so slow drifts are not taken for bots.
//! 3. [`Signal::WatchTime`]: average watch time far below the norm.
//! 4. [`Signal::Engagement`]: orders (or GMV) and comments per viewer collapsed.
//! 5. [`Signal::Impressions`]: viewers per impression far above the norm, or
//!    more viewers than impressions.
//!
//! A row's score is the mean of its available z-scores (each clamped to
//! 0…30); a row is flagged when the score reaches
//! [`ScreenOptions::threshold`]. A row with more viewers than impressions is
//! flagged whatever else it shows. Rows without viewers are never flagged.
//!
//! # Lanes made mostly of bots
//!
//! A room that buys bots does it on most days, and then a lane's own median
//! is the bots. Bots only ever add viewers (×5–×30 on a bought day) and take
//! nothing from engagement, so such a lane's days form two populations in
//! log viewers-per-CNY space: its clean days at the bottom, at the cost its
//! room really pays, and the bought days well above. Three passes find
//! them:
//!
//! 1. **Within the lane** (every lane, in parallel): the lowest cluster of
//!    its cost residuals — a median shift (window ±0.5 in natural logs)
//!    started at the 10th percentile, so it climbs to the nearest mode from
//!    below, with σ from that cluster's lower half, which bots cannot reach.
//!    A lane with ≥ 25 % of its paid days ≥ 4 σ above that cluster, or whose
//!    days spread widely (robust σ ≥ 0.5), may be mixed, and is screened
//!    again against its clean days: a curve through each large spend bin's
//!    10th percentile, the lowest cluster around it, a median curve through
//!    those days alone, the lowest cluster again; every signal's norm (cost,
//!    recent days, watch time, engagement, impressions) then comes from the
//!    clean days only ([`NormBasis::CleanDays`]).
//! 2. **Across lanes** (per channel, with ≥ 6 lanes): each lane's level —
//!    ln viewers per CNY of its clean days at its median spend — against a
//!    robust line through the channel's lanes (Theil–Sen slope on ln spend,
//!    clamped to ≤ 0 so a room spending more may be dearer, never cheaper),
//!    and each lane's median watch time, orders, comments and GMV per
//!    viewer against the medians of the channel's lanes.
//! 3. **Verdicts.** A second look is kept, and the lane is judged as a whole
//!    ([`LaneVerdict`], [`LaneBasis::Mixed`]), when ≥ 25 % of its paid days
//!    are flagged and the evidence says bots rather than a real change of
//!    cost: per-viewer engagement of the flagged days at most half the clean
//!    days' (with engagement columns); else their viewers per CNY ≥ 3× the
//!    channel's other rooms' while the clean days are not 6× dearer than
//!    them; else (no columns, no other rooms) ≥ 4× the clean days'. A lane
//!    none of whose days looks like the channel's other rooms — its clean
//!    level ≥ 6× (and ≥ 3 cross-room σ) their viewers per CNY, its
//!    engagement per viewer a quarter of theirs, or watch time of 10 s or
//!    less where theirs is four times that — is screened against the
//!    other rooms ([`NormBasis::OtherRooms`]: any day above 3× their
//!    viewers per CNY is bought) and judged [`LaneBasis::NoCleanDays`].
//!
//! A 3–5× spread between well and badly run rooms is normal and is never
//! taken for bots by itself: the lowest-cluster test looks within a lane,
//! and the cross-room tests need 6×. Lanes without a verdict keep exactly
//! the flags of the first pass. Under [`FakeTraffic::Exclude`] a judged
//! lane's bought rows are left out, so the curves see its clean days only
//! (and a lane with few left borrows its shape from the channel's pooled
//! curve). The thresholds are calibrated on generated history
//! (`calibration.rs`; figures in `lane_tests.rs`).

#[cfg(test)]
mod calibration;
#[cfg(test)]
mod lane_tests;
mod lanes;
mod signals;
pub(crate) mod stats;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use lanes::{ChannelNorms, LANE_SHARE, confirms_mixed, prior_for, prior_for_whole};

pub use lanes::{LaneBasis, LaneVerdict};
use signals::{Anchor, Columns, LaneSummary, PairOut, Params, Prior, screen_pair};
pub use signals::{Evidence, NormBasis};

use crate::contract::Field;
use crate::contract::calendar::format_date;
use crate::validate::ValidatedData;

/// What to do with rows that look like bought bot traffic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FakeTraffic {
    /// Flag them and leave them out of the curves (the default).
    #[default]
    Exclude,
    /// Flag them but keep them in the curves.
    Flag,
    /// Do not screen.
    Off,
}

impl FakeTraffic {
    /// The name used on the command line and in config files.
    pub fn name(self) -> &'static str {
        match self {
            FakeTraffic::Exclude => "exclude",
            FakeTraffic::Flag => "flag",
            FakeTraffic::Off => "off",
        }
    }
}

impl fmt::Display for FakeTraffic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FakeTraffic {
    type Err = ScreenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "exclude" => Ok(FakeTraffic::Exclude),
            "flag" => Ok(FakeTraffic::Flag),
            "off" => Ok(FakeTraffic::Off),
            _ => Err(ScreenError::UnknownPolicy { given: s.into() }),
        }
    }
}

/// How to screen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ScreenOptions {
    /// What happens to flagged rows.
    pub policy: FakeTraffic,
    /// Score (mean robust z of the available signals) from which a row is
    /// flagged. Lower finds more bots and flags more real rows.
    pub threshold: f64,
}

impl ScreenOptions {
    /// The default threshold, tuned on generated history (see the tests).
    pub const DEFAULT_THRESHOLD: f64 = 4.0;
}

impl Default for ScreenOptions {
    fn default() -> Self {
        ScreenOptions {
            policy: FakeTraffic::default(),
            threshold: Self::DEFAULT_THRESHOLD,
        }
    }
}

/// Why screening failed.
#[derive(Debug, Error)]
pub enum ScreenError {
    /// A column of the validated frame could not be read as expected.
    #[error(
        "could not read column `{column}` of the validated history; this is a bug, please report it"
    )]
    Column {
        /// The column.
        column: &'static str,
        /// The polars error.
        #[source]
        source: PolarsError,
    },
    /// Building the history without the excluded rows failed.
    #[error("could not set the flagged rows aside; this is a bug, please report it")]
    Filter {
        /// The polars error.
        #[source]
        source: PolarsError,
    },
    /// A policy name that is not `exclude`, `flag` or `off`.
    #[error("`{given}` is not a fake-traffic policy; use `exclude`, `flag` or `off`")]
    UnknownPolicy {
        /// What was given.
        given: String,
    },
}

/// One of the screening signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Viewers per CNY far above the pair's norm at that spend.
    CostAnomaly,
    /// Viewers per CNY far above the pair's recent days.
    Spike,
    /// Average watch time near zero for the pair.
    WatchTime,
    /// Orders, GMV or comments per viewer collapsed.
    Engagement,
    /// Viewers per impression far above the norm, or above impressions.
    Impressions,
}

impl Signal {
    /// Every signal, in the order they are described.
    pub const ALL: [Signal; 5] = [
        Signal::CostAnomaly,
        Signal::Spike,
        Signal::WatchTime,
        Signal::Engagement,
        Signal::Impressions,
    ];

    /// Short name for tables and files.
    pub fn name(self) -> &'static str {
        match self {
            Signal::CostAnomaly => "cost_anomaly",
            Signal::Spike => "spike",
            Signal::WatchTime => "watch_time",
            Signal::Engagement => "engagement",
            Signal::Impressions => "impressions",
        }
    }

    /// The columns it needs (any one of them for engagement).
    pub fn columns(self) -> &'static [Field] {
        match self {
            Signal::CostAnomaly | Signal::Spike => &[Field::Spend, Field::Viewers],
            Signal::WatchTime => &[Field::AvgWatchSeconds],
            Signal::Engagement => &[Field::Orders, Field::Gmv, Field::Comments],
            Signal::Impressions => &[Field::Impressions],
        }
    }

    fn available(self, data: &ValidatedData) -> bool {
        match self {
            Signal::CostAnomaly | Signal::Spike => true,
            _ => self.columns().iter().any(|&f| data.has(f)),
        }
    }
}

/// A row judged to carry bot viewers.
#[derive(Clone, Debug, PartialEq)]
pub struct FlaggedRow {
    /// Row index in [`ValidatedData::frame`].
    pub row: usize,
    /// Line (or row) in the source file.
    pub line: u64,
    /// Day, days since 1970-01-01.
    pub date: i32,
    /// Room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// CNY.
    pub spend_cny: f64,
    /// Viewers as reported.
    pub viewers: f64,
    /// Score (mean robust z of the available signals).
    pub score: f64,
    /// What each signal saw.
    pub evidence: Evidence,
    /// The reason a person reads, e.g. "viewers 14.2× the channel's norm at
    /// this spend; watch time 3 s (usually 95 s)".
    pub reasons: String,
}

impl FlaggedRow {
    /// The day as `YYYY-MM-DD`.
    pub fn date_text(&self) -> String {
        format_date(self.date)
    }
}

/// What screening did to one channel's cost per viewer (all rooms).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelImpact {
    /// Channel.
    pub channel: String,
    /// Rows of the channel.
    pub rows: usize,
    /// Rows flagged.
    pub rows_flagged: usize,
    /// Viewers in flagged rows.
    pub viewers_flagged: f64,
    /// `Σ spend / Σ viewers` over every row, CNY per viewer (`None` without viewers).
    pub cost_per_viewer_before_cny: Option<f64>,
    /// The same without the flagged rows.
    pub cost_per_viewer_after_cny: Option<f64>,
}

impl ChannelImpact {
    /// Relative change of the cost per viewer, e.g. `0.25` for +25 %.
    pub fn change(&self) -> Option<f64> {
        match (
            self.cost_per_viewer_before_cny,
            self.cost_per_viewer_after_cny,
        ) {
            (Some(b), Some(a)) if b > 0.0 => Some(a / b - 1.0),
            _ => None,
        }
    }

    /// One line for the report: `douyin_qianchuan: 3 rows flagged, cost per
    /// viewer 0.48 → 0.52 CNY (+8.3 %)`.
    pub fn line(&self) -> String {
        let cost = |c: Option<f64>| c.map_or_else(|| "–".to_string(), |c| format!("{c:.2}"));
        let change = self
            .change()
            .map_or_else(String::new, |c| format!(" ({:+.1} %)", 100.0 * c));
        format!(
            "{}: {} of {} rows flagged, cost per viewer {} → {} CNY{change}",
            self.channel,
            self.rows_flagged,
            self.rows,
            cost(self.cost_per_viewer_before_cny),
            cost(self.cost_per_viewer_after_cny),
        )
    }
}

/// The outcome of screening.
#[derive(Clone, Debug)]
pub struct ScreenResult {
    /// The policy screened under.
    pub policy: FakeTraffic,
    /// Threshold used.
    pub threshold: f64,
    /// Signals whose columns were present (empty when the policy is off).
    pub signals: Vec<Signal>,
    /// Score per row, in frame order (0 when no signal applies).
    pub scores: Vec<f64>,
    /// Whether each row, in frame order, was flagged.
    pub flagged: Vec<bool>,
    /// The flagged rows, by line.
    pub flagged_rows: Vec<FlaggedRow>,
    /// Per channel, by name: cost per viewer with and without flagged rows.
    pub channels: Vec<ChannelImpact>,
    /// Lanes judged as a whole to be largely bought traffic, by room then
    /// channel (their bought rows are in `flagged_rows`).
    pub lanes: Vec<LaneVerdict>,
}

impl ScreenResult {
    /// Number of flagged rows.
    pub fn flagged_count(&self) -> usize {
        self.flagged_rows.len()
    }

    /// The signals that were available, `, `-joined (for the report).
    pub fn signals_text(&self) -> String {
        if self.signals.is_empty() {
            return "none (screening off)".into();
        }
        self.signals
            .iter()
            .map(|s| s.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The history the curves should see: without the flagged rows under
    /// [`FakeTraffic::Exclude`], unchanged otherwise. Crate-private: outside
    /// the crate the curves' rows come from `pipeline::series`, which pairs
    /// the result with the data it was computed on.
    pub(crate) fn curve_input(&self, data: &ValidatedData) -> Result<ValidatedData, ScreenError> {
        if self.policy != FakeTraffic::Exclude || self.flagged_rows.is_empty() {
            return Ok(data.clone());
        }
        without_rows(data, &self.flagged)
    }
}

/// `data` without the rows where `drop` is true.
pub fn without_rows(data: &ValidatedData, drop: &[bool]) -> Result<ValidatedData, ScreenError> {
    let keep = BooleanChunked::from_iter_values("keep".into(), drop.iter().map(|d| !d));
    let frame = data
        .frame()
        .filter(&keep)
        .map_err(|source| ScreenError::Filter { source })?;
    Ok(data.with_rows(frame))
}

fn column_error(column: &'static str) -> impl FnOnce(PolarsError) -> ScreenError {
    move |source| ScreenError::Column { column, source }
}

fn f64_column<'a>(df: &'a DataFrame, name: &'static str) -> Result<Cow<'a, [f64]>, ScreenError> {
    let c = df.column(name).map_err(column_error(name))?;
    let ca = c.f64().map_err(column_error(name))?;
    if ca.null_count() == 0
        && let Ok(slice) = ca.cont_slice()
    {
        return Ok(Cow::Borrowed(slice));
    }
    Ok(Cow::Owned(
        ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect(),
    ))
}

fn optional_column<'a>(
    data: &'a ValidatedData,
    field: Field,
) -> Result<Option<Cow<'a, [f64]>>, ScreenError> {
    if !data.has(field) {
        return Ok(None);
    }
    f64_column(data.frame(), field.name()).map(Some)
}

/// Rows grouped by room × channel: names, and row indices per pair (each
/// pair's rows in date order).
struct Pairs<'a> {
    names: Vec<(&'a str, &'a str)>,
    offsets: Vec<usize>,
    rows: Vec<u32>,
}

fn group_pairs<'a>(room: &'a StringChunked, channel: &'a StringChunked, date: &[i32]) -> Pairs<'a> {
    let n = date.len();
    let mut codes: PlHashMap<(&'a str, &'a str), u32> = PlHashMap::default();
    let mut names = Vec::new();
    let mut pair_of = Vec::with_capacity(n);
    for (r, c) in room.iter().zip(channel.iter()) {
        let key = (r.unwrap_or(""), c.unwrap_or(""));
        let next = names.len() as u32;
        let code = *codes.entry(key).or_insert_with(|| {
            names.push(key);
            next
        });
        pair_of.push(code);
    }
    // Counting sort: stable, so rows stay in frame order within a pair.
    let mut offsets = vec![0usize; names.len() + 1];
    for &p in &pair_of {
        offsets[p as usize + 1] += 1;
    }
    for i in 0..names.len() {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut rows = vec![0u32; n];
    for (i, &p) in pair_of.iter().enumerate() {
        rows[fill[p as usize]] = i as u32;
        fill[p as usize] += 1;
    }
    for w in offsets.windows(2) {
        let slice = &mut rows[w[0]..w[1]];
        if !slice.is_sorted_by_key(|&i| date[i as usize]) {
            slice.sort_unstable_by_key(|&i| date[i as usize]);
        }
    }
    Pairs {
        names,
        offsets,
        rows,
    }
}

/// Screen `data` for bot traffic.
pub fn screen(data: &ValidatedData, opts: &ScreenOptions) -> Result<ScreenResult, ScreenError> {
    let df = data.frame();
    let n = df.height();
    let spend = f64_column(df, "spend")?;
    let viewers = f64_column(df, "viewers")?;
    let room_col = df.column("room").map_err(column_error("room"))?;
    let room = room_col.str().map_err(column_error("room"))?;
    let channel_col = df.column("channel").map_err(column_error("channel"))?;
    let channel = channel_col.str().map_err(column_error("channel"))?;

    if opts.policy == FakeTraffic::Off {
        return Ok(ScreenResult {
            policy: opts.policy,
            threshold: opts.threshold,
            signals: Vec::new(),
            scores: vec![0.0; n],
            flagged: vec![false; n],
            flagged_rows: Vec::new(),
            channels: channel_impact(channel, &spend, &viewers, &vec![false; n]),
            lanes: Vec::new(),
        });
    }

    let date_col = df
        .column("date")
        .and_then(|c| c.cast(&DataType::Int32))
        .map_err(column_error("date"))?;
    let date_ca = date_col.i32().map_err(column_error("date"))?;
    let date: Cow<'_, [i32]> = match date_ca.cont_slice() {
        Ok(slice) if date_ca.null_count() == 0 => Cow::Borrowed(slice),
        _ => Cow::Owned(date_ca.iter().map(|d| d.unwrap_or(i32::MIN)).collect()),
    };
    let line_col = df.column("line").map_err(column_error("line"))?;
    let line = line_col.u64().map_err(column_error("line"))?;

    let cols = Columns {
        date,
        spend,
        viewers,
        impressions: optional_column(data, Field::Impressions)?,
        orders: optional_column(data, Field::Orders)?,
        // GMV net of refunds moves with refunds of earlier days' orders, not
        // with the day's traffic: not an engagement signal.
        gmv: match data.declared().gmv_is_net {
            true => None,
            false => optional_column(data, Field::Gmv)?,
        },
        watch: optional_column(data, Field::AvgWatchSeconds)?,
        comments: optional_column(data, Field::Comments)?,
    };
    let pairs = group_pairs(room, channel, &cols.date);
    let params = Params {
        threshold: opts.threshold,
    };
    let lane_rows = |p: usize| &pairs.rows[pairs.offsets[p]..pairs.offsets[p + 1]];
    let lanes = pairs.names.len();

    // 1. Every lane against its own medians.
    let mut outs: Vec<PairOut> = (0..lanes)
        .into_par_iter()
        .map(|p| screen_pair(&cols, lane_rows(p), params, Anchor::Own))
        .collect();

    // 2. Lanes whose days split into two populations: again, against the
    //    lowest cluster (their clean days).
    let mixed: Vec<(usize, PairOut)> = (0..lanes)
        .filter(|&p| outs[p].summary.mixed_candidate)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|p| (p, screen_pair(&cols, lane_rows(p), params, Anchor::Clean)))
        .collect();

    // 3. Each channel across rooms, from every lane's clean days.
    let mut by_channel: PlHashMap<&str, Vec<usize>> = PlHashMap::default();
    for (p, (_, ch)) in pairs.names.iter().enumerate() {
        by_channel.entry(ch).or_default().push(p);
    }
    let mut clean_summary: Vec<&LaneSummary> = outs.iter().map(|o| &o.summary).collect();
    for (p, out) in &mixed {
        clean_summary[*p] = &out.summary;
    }
    let norms: PlHashMap<&str, ChannelNorms> = by_channel
        .iter()
        .filter_map(|(ch, ps)| {
            let lanes: Vec<&LaneSummary> = ps.iter().map(|&p| clean_summary[p]).collect();
            ChannelNorms::from_lanes(&lanes).map(|n| (*ch, n))
        })
        .collect();

    // 4. Whole-lane verdicts: mixed lanes that the evidence confirms …
    let mut basis: Vec<Option<LaneBasis>> = vec![None; lanes];
    // A lane's first look (against its own medians) as a whole: a lane
    // mostly made of bots looks like that as a whole even when its "clean"
    // cluster still holds bought days.
    let mut as_a_whole: Vec<Option<LaneSummary>> = vec![None; lanes];
    for (p, out) in mixed {
        if confirms_mixed(&out.summary, norms.get(pairs.names[p].1)) {
            as_a_whole[p] = Some(std::mem::replace(&mut outs[p], out).summary);
            basis[p] = Some(LaneBasis::Mixed);
        }
    }
    // … and lanes none of whose days looks like the channel's other rooms
    // (judged on their clean days, or for a mixed lane also as a whole on
    // engagement evidence: the channel's norm replaces the lane's clean
    // days when the days it adds are themselves bot-like, i.e. when the
    // lane's "clean" cluster still held bought days).
    let priors: Vec<(usize, Prior)> = (0..lanes)
        .filter_map(|p| {
            let c = norms.get(pairs.names[p].1)?;
            prior_for(&outs[p].summary, c)
                .or_else(|| as_a_whole[p].as_ref().and_then(|s| prior_for_whole(s, c)))
                .map(|prior| (p, prior))
        })
        .collect();
    let prior_outs: Vec<(usize, PairOut)> = priors
        .into_par_iter()
        .map(|(p, prior)| {
            let out = screen_pair(&cols, lane_rows(p), params, Anchor::Prior(&prior));
            (p, out)
        })
        .collect();
    for (p, out) in prior_outs {
        let s = &out.summary;
        if s.paid == 0 || (s.flagged_paid as f64) < LANE_SHARE * s.paid as f64 {
            continue;
        }
        // A mixed lane keeps its own clean days unless the days only the
        // channel's norm calls bought are themselves bot-like.
        if basis[p].is_some() && !disputed_days_are_bots(&outs[p], &out) {
            continue;
        }
        outs[p] = out;
        basis[p] = Some(LaneBasis::NoCleanDays);
    }
    let mut verdicts: Vec<LaneVerdict> = (0..lanes)
        .filter_map(|p| {
            let (room, ch) = pairs.names[p];
            basis[p].map(|b| LaneVerdict::new(room, ch, b, &outs[p].summary, norms.get(ch)))
        })
        .collect();
    verdicts.sort_by(|a, b| (&a.room, &a.channel).cmp(&(&b.room, &b.channel)));

    // The flagged rows with their reasons, lane by lane in parallel.
    let per_lane: Vec<(Vec<f64>, Vec<FlaggedRow>)> = outs
        .into_par_iter()
        .enumerate()
        .map(|(p, out)| {
            let rows = lane_rows(p);
            let (room, channel) = pairs.names[p];
            let flagged = out
                .flagged
                .into_iter()
                .map(|(k, evidence)| {
                    let row = rows[k] as usize;
                    FlaggedRow {
                        row,
                        line: line.get(row).unwrap_or(0),
                        date: cols.date[row],
                        room: room.to_string(),
                        channel: channel.to_string(),
                        spend_cny: cols.spend[row],
                        viewers: cols.viewers[row],
                        score: out.scores[k],
                        reasons: evidence.reason(),
                        evidence,
                    }
                })
                .collect();
            (out.scores, flagged)
        })
        .collect();
    let mut scores = vec![0.0; n];
    let mut flagged = vec![false; n];
    let mut flagged_rows = Vec::new();
    for (p, (lane_scores, lane_flagged)) in per_lane.into_iter().enumerate() {
        for (&r, s) in lane_rows(p).iter().zip(lane_scores) {
            scores[r as usize] = s;
        }
        for f in &lane_flagged {
            flagged[f.row] = true;
        }
        flagged_rows.extend(lane_flagged);
    }
    flagged_rows.sort_unstable_by_key(|f| (f.line, f.row));
    let channels = channel_impact(channel, &cols.spend, &cols.viewers, &flagged);
    Ok(ScreenResult {
        policy: opts.policy,
        threshold: opts.threshold,
        signals: Signal::ALL
            .into_iter()
            .filter(|s| s.available(data))
            .collect(),
        scores,
        flagged,
        flagged_rows,
        channels,
        lanes: verdicts,
    })
}

/// Whether the days `prior` flags and `mixed` does not look bought by
/// engagement: their median watch time 10 s or less and a quarter of the
/// channel's or less, or their orders (comments) per viewer a quarter of the
/// channel's or less. A legitimately cheap room's clean days keep their
/// engagement, so they stay clean.
fn disputed_days_are_bots(mixed: &PairOut, prior: &PairOut) -> bool {
    let known: std::collections::HashSet<usize> = mixed.flagged.iter().map(|(k, _)| *k).collect();
    let disputed: Vec<&signals::Evidence> = prior
        .flagged
        .iter()
        .filter(|(k, _)| !known.contains(k))
        .map(|(_, e)| e)
        .collect();
    if disputed.is_empty() {
        return false;
    }
    let median = |mut v: Vec<f64>| stats::median_in_place(&mut v);
    let watch = median(disputed.iter().filter_map(|e| e.watch_seconds).collect());
    let norm = median(
        disputed
            .iter()
            .filter_map(|e| e.watch_norm_seconds)
            .collect(),
    );
    if let (Some(w), Some(n)) = (watch, norm) {
        return w <= lanes::ABS_WATCH_SECONDS && w <= lanes::WATCH_SHARE * n;
    }
    let per_viewer = median(
        disputed
            .iter()
            .filter_map(|e| e.orders_vs_norm.or(e.comments_vs_norm))
            .collect(),
    );
    per_viewer.is_some_and(|r| r <= lanes::ENGAGEMENT_PRIOR)
}

/// Cost per viewer per channel with and without the flagged rows.
fn channel_impact(
    channel: &StringChunked,
    spend: &[f64],
    viewers: &[f64],
    flagged: &[bool],
) -> Vec<ChannelImpact> {
    #[derive(Default)]
    struct Acc {
        rows: usize,
        flagged: usize,
        spend: f64,
        viewers: f64,
        spend_kept: f64,
        viewers_kept: f64,
    }
    let mut acc: PlHashMap<&str, Acc> = PlHashMap::default();
    for (i, c) in channel.iter().enumerate() {
        let a = acc.entry(c.unwrap_or("")).or_default();
        a.rows += 1;
        a.spend += spend[i];
        a.viewers += viewers[i];
        if flagged[i] {
            a.flagged += 1;
        } else {
            a.spend_kept += spend[i];
            a.viewers_kept += viewers[i];
        }
    }
    let cpv = |s: f64, v: f64| (v > 0.0).then(|| s / v);
    let mut out: Vec<ChannelImpact> = acc
        .into_iter()
        .map(|(name, a)| ChannelImpact {
            channel: name.to_string(),
            rows: a.rows,
            rows_flagged: a.flagged,
            viewers_flagged: a.viewers - a.viewers_kept,
            cost_per_viewer_before_cny: cpv(a.spend, a.viewers),
            cost_per_viewer_after_cny: cpv(a.spend_kept, a.viewers_kept),
        })
        .collect();
    out.sort_by(|a, b| a.channel.cmp(&b.channel));
    out
}
