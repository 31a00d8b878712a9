//! The fit stage: [`ValidatedData`] → daily series per room × channel (or
//! per channel, rooms pooled) → fitted curves, with pooled channel curves as
//! shrinkage priors.
//!
//! Series are cut out of the polars frame without per-row allocations: rows
//! are interned to (room, channel) codes in one pass, counting-sorted by
//! series, and gathered into three contiguous buffers (spend, viewers,
//! weekday) that every [`SeriesData`] borrows from.

use std::borrow::Cow;
use std::collections::BTreeMap;

use polars::prelude::*;
use rayon::prelude::*;

use super::fit::{
    FitOptions, FitOutcome, FittedCurve, PeriodSpread, Recency, SeriesData, fit_many, fit_pooled,
};
use super::period::{self, LaneDiffs, WithinPeriod};
use super::recency::{Choice, LaneDays, Setting, choose_among, lane_factor};
use crate::contract::calendar::weekday;
use crate::validate::{ONE_ROOM, ValidatedData};

/// One curve per what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    /// One curve per room × channel.
    RoomChannel,
    /// One curve per channel: spend and viewers summed over rooms per day.
    Channel,
}

/// Which room and channel a series belongs to (room is `all` when pooled
/// or when the data had no room column).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeriesKey {
    /// Live room id.
    pub room: String,
    /// Channel name.
    pub channel: String,
}

/// One whole series for [`SeriesSet::from_parts`]: key, dates, spend CNY,
/// viewers, weekday.
pub type SeriesParts = (SeriesKey, Vec<i32>, Vec<f64>, Vec<f64>, Vec<u8>);

/// Daily series, ordered by room then channel, each in date order, stored
/// contiguously.
#[derive(Clone, Debug, Default)]
pub struct SeriesSet {
    /// Key of each series, sorted by (room, channel).
    pub keys: Vec<SeriesKey>,
    /// Rooms that make up each series (1 unless pooled by channel).
    pub rooms_pooled: Vec<usize>,
    offsets: Vec<usize>,
    dates: Vec<i32>,
    spend_cny: Vec<f64>,
    viewers: Vec<f64>,
    weekday: Vec<u8>,
    /// Days one row of the source covers (0 = 1); spend and viewers are
    /// stored per day: the row's totals ÷ this.
    period_days: u32,
}

impl SeriesSet {
    /// Days one row covers: 1 for a daily history, 7 for a weekly one. The
    /// series hold per-day rates (a weekly row's totals ÷ 7), so curves are
    /// per day whatever the period.
    pub fn period_days(&self) -> u32 {
        self.period_days.max(1)
    }

    /// The last day any series covers (days since 1970-01-01): a weekly
    /// row dated Monday covers that week to Sunday. `None` without rows.
    pub fn last_covered_day(&self) -> Option<i32> {
        (0..self.len())
            .filter_map(|i| self.dates(i).last().copied())
            .max()
            .map(|d| d + self.period_days() as i32 - 1)
    }

    /// The same set, its rows read as `days` long (for tests and tools that
    /// build sets by hand with per-day rates).
    pub fn with_period_days(mut self, days: u32) -> SeriesSet {
        self.period_days = days.max(1);
        self
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no series.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.offsets[i]..self.offsets[i + 1]
    }

    /// Days (since 1970-01-01) of series `i`, ascending.
    pub fn dates(&self, i: usize) -> &[i32] {
        &self.dates[self.range(i)]
    }

    /// Spend per day of series `i`, CNY (per row, ÷ the period's days).
    pub fn spend_cny(&self, i: usize) -> &[f64] {
        &self.spend_cny[self.range(i)]
    }

    /// Viewers per day of series `i` (per row, ÷ the period's days).
    pub fn viewers(&self, i: usize) -> &[f64] {
        &self.viewers[self.range(i)]
    }

    /// Weekday (0 = Monday) per day of series `i`.
    pub fn weekday(&self, i: usize) -> &[u8] {
        &self.weekday[self.range(i)]
    }

    /// A set from whole series: key, dates (ascending), spend, viewers and
    /// weekday per day (for tests and tools; files go through
    /// [`extract_series`]).
    pub fn from_parts(parts: Vec<SeriesParts>) -> SeriesSet {
        let mut out = SeriesSet {
            offsets: vec![0],
            ..SeriesSet::default()
        };
        for (key, dates, spend, viewers, weekday) in parts {
            out.keys.push(key);
            out.rooms_pooled.push(1);
            out.dates.extend(dates);
            out.spend_cny.extend(spend);
            out.viewers.extend(viewers);
            out.weekday.extend(weekday);
            out.offsets.push(out.dates.len());
        }
        out
    }

    /// The same series cut to the days before `day` (days since
    /// 1970-01-01); series left without days are dropped.
    pub fn before(&self, day: i32) -> SeriesSet {
        self.retain_days(|_, d| d < day)
    }

    /// The same series with only the days `keep(key, day)` keeps (a day
    /// mask, e.g. the promotion calendar's); series left without days are
    /// dropped.
    pub fn retain_days(&self, mut keep: impl FnMut(&SeriesKey, i32) -> bool) -> SeriesSet {
        let mut out = SeriesSet {
            offsets: vec![0],
            period_days: self.period_days,
            ..SeriesSet::default()
        };
        for i in 0..self.len() {
            let key = &self.keys[i];
            let kept: Vec<usize> = self
                .range(i)
                .filter(|&j| keep(key, self.dates[j]))
                .collect();
            if kept.is_empty() {
                continue;
            }
            out.keys.push(key.clone());
            out.rooms_pooled.push(self.rooms_pooled[i]);
            for j in kept {
                out.dates.push(self.dates[j]);
                out.spend_cny.push(self.spend_cny[j]);
                out.viewers.push(self.viewers[j]);
                out.weekday.push(self.weekday[j]);
            }
            out.offsets.push(out.dates.len());
        }
        out
    }

    /// Series `i` as fitting input, with a reach cap in viewers/day.
    pub fn series(&self, i: usize, cap_viewers_per_day: Option<f64>) -> SeriesData<'_> {
        SeriesData {
            spend_cny: self.spend_cny(i),
            viewers: self.viewers(i),
            weekday: self.weekday(i),
            cap_viewers_per_day,
        }
    }
}

/// Interns strings of a column to dense codes (first-seen order).
struct Codes<'a> {
    names: Vec<&'a str>,
    map: PlHashMap<&'a str, u32>,
}

impl<'a> Codes<'a> {
    fn new() -> Self {
        Codes {
            names: Vec::new(),
            map: PlHashMap::default(),
        }
    }

    fn code(&mut self, s: &'a str) -> u32 {
        if let Some(&c) = self.map.get(s) {
            return c;
        }
        let c = self.names.len() as u32;
        self.names.push(s);
        self.map.insert(s, c);
        c
    }

    /// Rank of each code when names are sorted.
    fn ranks(&self) -> (Vec<u32>, Vec<&'a str>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.names[a as usize].cmp(self.names[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, &c) in order.iter().enumerate() {
            rank[c as usize] = r as u32;
        }
        let sorted = order.iter().map(|&c| self.names[c as usize]).collect();
        (rank, sorted)
    }
}

/// Codes of a string column, one per row (with a last-value cache: history
/// files usually repeat a room over consecutive rows).
fn column_codes<'a>(ca: &'a StringChunked, codes: &mut Codes<'a>, out: &mut Vec<u32>) {
    let mut last: Option<(&'a str, u32)> = None;
    for arr in ca.downcast_iter() {
        for v in arr.iter() {
            let s = v.unwrap_or("");
            let c = match last {
                Some((ls, lc)) if ls == s => lc,
                _ => {
                    let c = codes.code(s);
                    last = Some((s, c));
                    c
                }
            };
            out.push(c);
        }
    }
}

fn f64_values<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Cow<'a, [f64]>> {
    let ca = df.column(name)?.f64()?;
    Ok(match ca.cont_slice() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(ca.iter().map(|v| v.unwrap_or(0.0)).collect()),
    })
}

/// Cut validated history into daily series.
pub fn extract_series(data: &ValidatedData, by: Granularity) -> PolarsResult<SeriesSet> {
    let mut set = extract_frame(data.frame(), by)?;
    let days = data.period().days.max(1);
    if days > 1 {
        let k = 1.0 / days as f64;
        set.spend_cny.iter_mut().for_each(|v| *v *= k);
        set.viewers.iter_mut().for_each(|v| *v *= k);
    }
    set.period_days = days;
    Ok(set)
}

/// [`extract_series`] on a frame with columns `date` (Date), `room`,
/// `channel` (String), `spend`, `viewers` (f64).
pub fn extract_frame(df: &DataFrame, by: Granularity) -> PolarsResult<SeriesSet> {
    let n = df.height();
    let dates_col = df.column("date")?.cast(&DataType::Int32)?;
    let dates_ca = dates_col.i32()?;
    let dates: Cow<'_, [i32]> = match dates_ca.cont_slice() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(dates_ca.iter().map(|v| v.unwrap_or(0)).collect()),
    };
    let spend = f64_values(df, "spend")?;
    let viewers = f64_values(df, "viewers")?;

    let mut room_codes = Codes::new();
    let mut row_room = Vec::with_capacity(n);
    column_codes(df.column("room")?.str()?, &mut room_codes, &mut row_room);
    let mut ch_codes = Codes::new();
    let mut row_ch = Vec::with_capacity(n);
    column_codes(df.column("channel")?.str()?, &mut ch_codes, &mut row_ch);
    let (room_rank, mut room_names) = room_codes.ranks();
    if by == Granularity::Channel {
        room_names = vec![ONE_ROOM];
    }
    let (ch_rank, ch_names) = ch_codes.ranks();
    let nch = ch_names.len() as u64;

    // Dense series ids for the (room, channel) pairs present.
    let mut pair_ids: PlHashMap<u64, u32> = PlHashMap::default();
    let mut pairs: Vec<u64> = Vec::new();
    let mut row_pair = Vec::with_capacity(n);
    let mut last: Option<(u64, u32)> = None;
    for i in 0..n {
        let room = match by {
            Granularity::RoomChannel => room_rank[row_room[i] as usize] as u64,
            Granularity::Channel => 0,
        };
        let key = room * nch + ch_rank[row_ch[i] as usize] as u64;
        let id = match last {
            Some((k, id)) if k == key => id,
            _ => {
                let id = *pair_ids.entry(key).or_insert_with(|| {
                    pairs.push(key);
                    (pairs.len() - 1) as u32
                });
                last = Some((key, id));
                id
            }
        };
        row_pair.push(id);
    }
    drop(pair_ids);
    // Order series by (room, channel) name.
    let mut order: Vec<u32> = (0..pairs.len() as u32).collect();
    order.sort_by_key(|&p| pairs[p as usize]);
    let mut pos_of = vec![0u32; pairs.len()];
    for (pos, &p) in order.iter().enumerate() {
        pos_of[p as usize] = pos as u32;
    }
    // Counting sort of rows by series (stable: file order within a series).
    let mut start = vec![0usize; pairs.len() + 1];
    for &p in &row_pair {
        start[pos_of[p as usize] as usize + 1] += 1;
    }
    for i in 0..pairs.len() {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut rows = vec![0u32; n];
    for (i, &p) in row_pair.iter().enumerate() {
        let s = pos_of[p as usize] as usize;
        rows[next[s]] = i as u32;
        next[s] += 1;
    }
    drop(row_pair);

    let mut set = SeriesSet {
        keys: Vec::with_capacity(pairs.len()),
        rooms_pooled: Vec::with_capacity(pairs.len()),
        offsets: Vec::with_capacity(pairs.len() + 1),
        dates: Vec::with_capacity(n),
        spend_cny: Vec::with_capacity(n),
        viewers: Vec::with_capacity(n),
        weekday: Vec::with_capacity(n),
        period_days: 1,
    };
    set.offsets.push(0);
    // Distinct rooms per series, by stamping each room with the series.
    let mut stamp = vec![u32::MAX; room_codes.names.len()];
    for (s, &p) in order.iter().enumerate() {
        let key = pairs[p as usize];
        let seg = &mut rows[start[s]..start[s + 1]];
        if !seg
            .windows(2)
            .all(|w| dates[w[0] as usize] <= dates[w[1] as usize])
        {
            // Stable, so pooled rows of one date keep file order.
            seg.sort_by_key(|&r| dates[r as usize]);
        }
        let mut last_date: Option<i32> = None;
        for &r in seg.iter() {
            let r = r as usize;
            let d = dates[r];
            if last_date == Some(d) {
                // Same date again: only when pooling rooms.
                *set.spend_cny.last_mut().expect("a day was pushed") += spend[r];
                *set.viewers.last_mut().expect("a day was pushed") += viewers[r];
                continue;
            }
            last_date = Some(d);
            set.dates.push(d);
            set.spend_cny.push(spend[r]);
            set.viewers.push(viewers[r]);
            set.weekday.push(weekday(d));
        }
        let mut pooled = 0;
        for &r in seg.iter() {
            let room = row_room[r as usize] as usize;
            if stamp[room] != s as u32 {
                stamp[room] = s as u32;
                pooled += 1;
            }
        }
        set.rooms_pooled.push(pooled);
        set.keys.push(SeriesKey {
            room: room_names[(key / nch.max(1)) as usize].to_string(),
            channel: ch_names[(key % nch.max(1)) as usize].to_string(),
        });
        set.offsets.push(set.dates.len());
    }
    Ok(set)
}

/// Settings of the fit stage.
#[derive(Clone, Debug)]
pub struct StageOptions {
    /// Settings of each fit.
    pub fit: FitOptions,
    /// Reach cap per channel, viewers/day per room (for a series pooled over
    /// rooms, multiplied by the number of rooms in it).
    pub caps_viewers_per_day: BTreeMap<String, f64>,
    /// Shrink room × channel fits toward a pooled channel curve (used only
    /// when a channel has at least two rooms).
    pub shrink: bool,
    /// With `shrink`, also pool the family and the shape of each channel's
    /// rooms ([`super::shrink::pool`], empirical Bayes). Off, only rooms
    /// thin enough to borrow from the pooled channel curve are shrunk.
    pub pool_rooms: bool,
    /// At most this many rooms feed a pooled channel curve: those with the
    /// most days (ties: room order). The pooled fit costs as much as all its
    /// rooms' own fits; a few dozen rooms pin its shape down.
    pub max_pooled_rooms: usize,
    /// How the level follows recent weeks.
    pub recency: RecencyChoice,
    /// Days of the horizon planned after the history (the level is carried
    /// to its middle).
    pub horizon_days: usize,
    /// Weeks of rolling-origin validation behind [`RecencyChoice::Auto`].
    pub validation_weeks: usize,
    /// Rows that cover several days: how uneven their days were
    /// ([`super::period`]).
    pub within_period: WithinPeriod,
}

/// How the level of the curves follows recent weeks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum RecencyChoice {
    /// Per channel, the setting that predicted the last weeks best
    /// (rolling-origin validation).
    #[default]
    Auto,
    /// One setting for every channel (`half_life_days: None` = all history
    /// weighs the same, which leaves the curves as fitted).
    Fixed(Setting),
}

impl StageOptions {
    /// The same settings for a fit that is only compared with another (the
    /// screening-impact refit with the flagged rows kept): each lane on its
    /// own (no pooling across rooms; thin rooms still borrow from the pooled
    /// channel curve) with its whole-history level (no recency choice).
    /// About half the cost of the full fit; [`fit_set_with_comparison`]
    /// gives the same fits of the main set at no extra cost.
    pub fn for_comparison(&self) -> StageOptions {
        StageOptions {
            pool_rooms: false,
            recency: RecencyChoice::Fixed(Setting::ALL_HISTORY),
            ..self.clone()
        }
    }
}

impl Default for StageOptions {
    fn default() -> Self {
        StageOptions {
            fit: FitOptions::default(),
            caps_viewers_per_day: BTreeMap::new(),
            shrink: false,
            pool_rooms: true,
            max_pooled_rooms: 64,
            recency: RecencyChoice::Auto,
            horizon_days: 7,
            validation_weeks: 8,
            within_period: WithinPeriod::Auto,
        }
    }
}

/// The fitted (or unusable) curve of one series.
#[derive(Clone, Debug)]
pub struct CurveFit {
    /// Room and channel.
    pub key: SeriesKey,
    /// Days in the series (rows, after pooling).
    pub days_total: usize,
    /// Reach cap applied, viewers/day.
    pub cap_viewers_per_day: Option<f64>,
    /// The fit.
    pub outcome: FitOutcome,
}

/// Fitting timings, seconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimings {
    /// Pooled channel fits (the priors).
    pub pooled_s: f64,
    /// Per-series fits (everything after the pooled channel fits: the
    /// free fits, pooling across rooms and the recency choice).
    pub fit_s: f64,
    /// Of `fit_s`: the free per-series fits.
    pub base_s: f64,
    /// Of `fit_s`: the family choice pooled across rooms (EM and refits).
    pub family_s: f64,
    /// Of `fit_s`: the shape refits toward the channel's rooms.
    pub shape_s: f64,
    /// Of `fit_s`: the recency choice and level moves.
    pub recency_s: f64,
}

/// Reach cap of series `i`, viewers/day.
fn cap_of(set: &SeriesSet, i: usize, opts: &StageOptions) -> Option<f64> {
    opts.caps_viewers_per_day
        .get(&set.keys[i].channel)
        .map(|c| c * set.rooms_pooled[i].max(1) as f64)
}

/// Whether [`fit_series`](super::fit::fit_series) could use a prior for this
/// series: too few positive-spend days for an unpenalised shape, too few
/// distinct spend levels, or no viewers. Conservative (spend levels within
/// 1e-6 of each other count as one), so a prior is never wrongly withheld.
fn may_use_prior(s: &SeriesData<'_>, opts: &FitOptions) -> bool {
    let mut npos = 0usize;
    let mut any_viewers = false;
    let mut levels: Vec<f64> = Vec::with_capacity(opts.min_distinct_spends);
    for (&sp, &v) in s.spend_cny.iter().zip(s.viewers) {
        if sp > 0.0 {
            npos += 1;
            any_viewers |= v > 0.5;
            if levels.len() < opts.min_distinct_spends
                && !levels.iter().any(|&l| (l - sp).abs() <= 1e-6 * l.max(sp))
            {
                levels.push(sp);
            }
        }
    }
    npos < opts.shrink_below_days.max(opts.min_positive_days)
        || levels.len() < opts.min_distinct_spends.max(2)
        || !any_viewers
}

/// Fit every series of `set` (rayon), in the set's order. With
/// `opts.shrink`, each channel that has two or more rooms, one of which is
/// thin enough to borrow strength ([`may_use_prior`]), first gets a pooled
/// curve ([`fit_pooled`]) that serves as the prior of its rooms' fits.
pub fn fit_set(set: &SeriesSet, opts: &StageOptions) -> (Vec<CurveFit>, StageTimings) {
    let (fits, _, t) = fit_set_inner(set, opts, false, &[]);
    (fits, t)
}

/// [`fit_set`], and the fits `fit_set(set, &opts.for_comparison())` gives
/// (bit for bit; they are the fits before pooling and recency, kept).
pub fn fit_set_with_comparison(
    set: &SeriesSet,
    opts: &StageOptions,
) -> (Vec<CurveFit>, Vec<CurveFit>, StageTimings) {
    let (fits, comparison, t) = fit_set_inner(set, opts, true, &[]);
    (fits, comparison.unwrap_or_default(), t)
}

/// `fit_set(set, &opts.for_comparison())` (bit for bit), taking the fit of
/// a series from `known` instead of refitting it when `known_set` has the
/// same lane with the same days (the same dates, spend, viewers and cap,
/// bit for bit) and the fit could not have used a pooled prior
/// ([`may_use_prior`]): `known` must be the comparison fits of `known_set`
/// under the same options ([`fit_set_with_comparison`]). The
/// screening-impact refit of the history with its flagged rows kept refits
/// only the lanes that had flagged rows this way.
pub fn fit_comparison_reusing(
    set: &SeriesSet,
    opts: &StageOptions,
    known_set: &SeriesSet,
    known: &[CurveFit],
) -> Vec<CurveFit> {
    let index: BTreeMap<(&str, &str), usize> = (0..known_set.len().min(known.len()))
        .map(|j| {
            let k = &known_set.keys[j];
            ((k.room.as_str(), k.channel.as_str()), j)
        })
        .collect();
    let same_bits = |a: &[f64], b: &[f64]| {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    };
    let reuse: Vec<Option<&FitOutcome>> = (0..set.len())
        .map(|i| {
            let k = &set.keys[i];
            let &j = index.get(&(k.room.as_str(), k.channel.as_str()))?;
            let f = &known[j];
            let same = set.period_days() == known_set.period_days()
                && f.key == *k
                && f.cap_viewers_per_day.map(f64::to_bits)
                    == cap_of(set, i, opts).map(f64::to_bits)
                && set.dates(i) == known_set.dates(j)
                && set.weekday(i) == known_set.weekday(j)
                && same_bits(set.spend_cny(i), known_set.spend_cny(j))
                && same_bits(set.viewers(i), known_set.viewers(j));
            same.then_some(&f.outcome)
        })
        .collect();
    let (fits, _, _) = fit_set_inner(set, &opts.for_comparison(), false, &reuse);
    fits
}

fn fit_set_inner(
    set: &SeriesSet,
    opts: &StageOptions,
    keep_comparison: bool,
    reuse: &[Option<&FitOutcome>],
) -> (Vec<CurveFit>, Option<Vec<CurveFit>>, StageTimings) {
    // Thresholds counted in days become counts of rows of the set's period.
    let per_period;
    let opts = if set.period_days() > 1 {
        per_period = StageOptions {
            fit: opts.fit.for_period(set.period_days()),
            ..opts.clone()
        };
        &per_period
    } else {
        opts
    };
    let series: Vec<SeriesData<'_>> = (0..set.len())
        .map(|i| set.series(i, cap_of(set, i, opts)))
        .collect();
    let t0 = std::time::Instant::now();
    // Series indices per channel (BTreeMap: deterministic order).
    let mut by_channel: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, k) in set.keys.iter().enumerate() {
        by_channel.entry(k.channel.as_str()).or_default().push(i);
    }
    // A pooled fit costs as much as all its rooms' fits together: only
    // channels where some room could use it get one.
    let groups: Vec<(&str, Vec<usize>)> = by_channel
        .into_iter()
        .filter(|(_, idx)| {
            opts.shrink
                && idx.len() >= 2
                && idx.iter().any(|&i| may_use_prior(&series[i], &opts.fit))
        })
        .collect();
    let pooled: Vec<(&str, FitOutcome)> = groups
        .par_iter()
        .map(|(ch, idx)| {
            let mut chosen = idx.clone();
            if chosen.len() > opts.max_pooled_rooms.max(2) {
                // Stable: equal lengths keep room order.
                chosen.sort_by_key(|&i| std::cmp::Reverse(series[i].spend_cny.len()));
                chosen.truncate(opts.max_pooled_rooms.max(2));
                chosen.sort_unstable();
            }
            let rooms: Vec<SeriesData<'_>> = chosen.iter().map(|&i| series[i]).collect();
            (*ch, fit_pooled(&rooms, &opts.fit))
        })
        .collect();
    let prior_of: BTreeMap<&str, &FittedCurve> = pooled
        .iter()
        .filter_map(|(ch, o)| o.fitted().map(|f| (*ch, f)))
        .collect();
    let priors: Vec<Option<&FittedCurve>> = set
        .keys
        .iter()
        .map(|k| prior_of.get(k.channel.as_str()).copied())
        .collect();
    let pooled_s = t0.elapsed().as_secs_f64();
    let t1 = std::time::Instant::now();
    let mut outcomes = if reuse.is_empty() {
        fit_many(&series, &opts.fit, &priors)
    } else {
        // A series that cannot use a prior fits the same whatever the
        // prior: its known fit stands.
        series
            .par_iter()
            .enumerate()
            .map(|(i, s)| match reuse.get(i).copied().flatten() {
                Some(known) if !may_use_prior(s, &opts.fit) => known.clone(),
                _ => super::fit::fit_series(s, &opts.fit, priors.get(i).copied().flatten()),
            })
            .collect()
    };
    let base_s = t1.elapsed().as_secs_f64();
    let curve_fits = |outcomes: Vec<FitOutcome>| -> Vec<CurveFit> {
        outcomes
            .into_iter()
            .enumerate()
            .map(|(i, outcome)| CurveFit {
                key: set.keys[i].clone(),
                days_total: set.spend_cny(i).len(),
                cap_viewers_per_day: series[i].cap_viewers_per_day,
                outcome,
            })
            .collect()
    };
    let comparison = keep_comparison.then(|| curve_fits(outcomes.clone()));
    let (family_s, shape_s) = if opts.shrink && opts.pool_rooms {
        let channels: Vec<&str> = set.keys.iter().map(|k| k.channel.as_str()).collect();
        super::shrink::pool(&series, &channels, &mut outcomes, &opts.fit)
    } else {
        (0.0, 0.0)
    };
    let mut fits = curve_fits(outcomes);
    let t2 = std::time::Instant::now();
    apply_recency(set, &mut fits, opts);
    apply_period_spread(set, &mut fits, opts.within_period);
    let mut comparison = comparison;
    if let Some(c) = comparison.as_mut() {
        apply_period_spread(set, c, opts.within_period);
    }
    let recency_s = t2.elapsed().as_secs_f64();
    let fit_s = t1.elapsed().as_secs_f64();
    let t = StageTimings {
        pooled_s,
        fit_s,
        base_s,
        family_s,
        shape_s,
        recency_s,
    };
    (fits, comparison, t)
}

/// Rows that cover several days: divide each fitted curve's level by κ,
/// the row's average day ÷ an evenly spent day ([`super::period`]), with
/// the persistence of spend pooled over each channel's lanes. Curves that
/// carry a spread already (a reused fit) keep it. Nothing for daily rows.
fn apply_period_spread(set: &SeriesSet, fits: &mut [CurveFit], within: WithinPeriod) {
    let p = set.period_days();
    if p <= 1 || within == WithinPeriod::Flat {
        return;
    }
    let diffs: Vec<Option<LaneDiffs>> = (0..fits.len())
        .map(|i| period::lane_diffs(set.spend_cny(i), set.dates(i), p))
        .collect();
    let mut by_channel: BTreeMap<&str, Vec<&LaneDiffs>> = BTreeMap::new();
    for (f, d) in fits.iter().zip(&diffs) {
        if let Some(d) = d {
            by_channel
                .entry(f.key.channel.as_str())
                .or_default()
                .push(d);
        }
    }
    let phi: BTreeMap<String, f64> = by_channel
        .iter()
        .map(|(ch, lanes)| (ch.to_string(), period::persistence(lanes, p)))
        .collect();
    for (f, d) in fits.iter_mut().zip(&diffs) {
        let persistence = phi.get(&f.key.channel).copied().unwrap_or(0.0);
        let FitOutcome::Fitted(fc) = &mut f.outcome else {
            continue;
        };
        if fc.period_spread.is_some() {
            continue;
        }
        if let Some((within_cv, factor)) =
            period::lane_spread(fc, d.as_ref(), persistence, p, within)
        {
            fc.rescale_level(1.0 / factor, 0.0);
            fc.period_spread = Some(PeriodSpread {
                within_cv,
                persistence,
                factor,
            });
        }
    }
}

/// The positive-spend days of series `i` against its fitted curve.
fn lane_days(set: &SeriesSet, i: usize, fc: &FittedCurve, last_day: i32) -> LaneDays {
    let cap = fc.curve.cap_viewers_per_day.unwrap_or(f64::INFINITY);
    let sigma = fc.quality.sigma_log.max(0.05);
    let mut d = LaneDays {
        cap_ratio: (super::expectation::SMEAR_CAP_SIGMAS * sigma).exp()
            / fc.expectation_factor.max(1e-9),
        ..LaneDays::default()
    };
    let (dates, spend, viewers, wd) = (
        set.dates(i),
        set.spend_cny(i),
        set.viewers(i),
        set.weekday(i),
    );
    for j in 0..dates.len() {
        if spend[j] > 0.0 {
            let e = (fc.curve.model.value(spend[j]) * fc.weekday_factors[wd[j] as usize]).min(cap);
            d.age_days.push((last_day - dates[j]) as f64);
            d.expected.push(e);
            d.viewers.push(viewers[j]);
        }
    }
    d
}

/// Move each fitted curve's level to the recent weeks (see
/// [`super::recency`]): the setting is chosen per channel by rolling-origin
/// validation, or fixed by `opts.recency`.
fn apply_recency(set: &SeriesSet, fits: &mut [CurveFit], opts: &StageOptions) {
    if opts.recency == RecencyChoice::Fixed(Setting::ALL_HISTORY) {
        return;
    }
    let Some(last_day) = (0..set.len()).filter_map(|i| set.dates(i).last()).max() else {
        return;
    };
    let days: Vec<Option<LaneDays>> = fits
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            f.outcome
                .fitted()
                .map(|fc| lane_days(set, i, fc, *last_day))
        })
        .collect();
    let mut by_channel: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in fits.iter().enumerate() {
        if days[i].is_some() {
            by_channel
                .entry(f.key.channel.as_str())
                .or_default()
                .push(i);
        }
    }
    let choices: BTreeMap<String, Choice> = by_channel
        .par_iter()
        .map(|(ch, idx)| {
            let lanes: Vec<&LaneDays> = idx.iter().filter_map(|&i| days[i].as_ref()).collect();
            let choice = match opts.recency {
                RecencyChoice::Auto => choose_among(&lanes, opts.validation_weeks),
                RecencyChoice::Fixed(setting) => Choice {
                    setting,
                    wape: None,
                    wape_all_history: None,
                },
            };
            (ch.to_string(), choice)
        })
        .collect();
    let mid_age = -(opts.horizon_days.max(1) as f64 + 1.0) / 2.0;
    for (i, f) in fits.iter_mut().enumerate() {
        let (Some(d), Some(choice)) = (&days[i], choices.get(&f.key.channel)) else {
            continue;
        };
        let FitOutcome::Fitted(fc) = &mut f.outcome else {
            continue;
        };
        let applied = if choice.setting == Setting::ALL_HISTORY {
            None
        } else {
            lane_factor(d, choice.setting, mid_age)
        };
        let (factor, effective_days, var) = match applied {
            Some(x) => x,
            None => (1.0, d.age_days.len() as f64, 0.0),
        };
        if applied.is_some() {
            // The whole-history level's own sampling error is in the
            // covariance already; add what fewer effective days cost.
            let n = d.age_days.len().max(1) as f64;
            let extra = var / (factor * factor) * (1.0 - effective_days / n).max(0.0);
            fc.rescale_level(factor, extra);
        }
        fc.recency = Some(Recency {
            half_life_days: choice.setting.half_life_days,
            trend: choice.setting.trend,
            factor,
            effective_days,
            validation_wape: choice.wape,
            validation_wape_all_history: choice.wape_all_history,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar::days_from_civil;

    fn frame(rows: &[(&str, &str, &str, f64, f64)]) -> DataFrame {
        let dates: Vec<i32> = rows
            .iter()
            .map(|r| {
                let (y, m, d) = (&r.0[0..4], &r.0[5..7], &r.0[8..10]);
                days_from_civil(y.parse().unwrap(), m.parse().unwrap(), d.parse().unwrap())
            })
            .collect();
        let n = rows.len();
        DataFrame::new(
            n,
            vec![
                Column::new("line".into(), (2..2 + n as u64).collect::<Vec<u64>>()),
                Int32Chunked::from_vec("date".into(), dates)
                    .into_date()
                    .into_series()
                    .into_column(),
                Column::new("room".into(), rows.iter().map(|r| r.1).collect::<Vec<_>>()),
                Column::new(
                    "channel".into(),
                    rows.iter().map(|r| r.2).collect::<Vec<_>>(),
                ),
                Column::new("spend".into(), rows.iter().map(|r| r.3).collect::<Vec<_>>()),
                Column::new(
                    "viewers".into(),
                    rows.iter().map(|r| r.4).collect::<Vec<_>>(),
                ),
            ],
        )
        .unwrap()
    }

    // 2026-11-23 is a Monday.
    const ROWS: &[(&str, &str, &str, f64, f64)] = &[
        ("2026-11-25", "r2", "dou", 30.0, 3.0),
        ("2026-11-23", "r2", "dou", 10.0, 1.0),
        ("2026-11-24", "r1", "私域", 5.0, 50.0),
        ("2026-11-23", "r1", "dou", 100.0, 10.0),
        ("2026-11-24", "r2", "dou", 20.0, 2.0),
        ("2026-11-29", "r1", "dou", 200.0, 20.0),
        ("2026-11-24", "r1", "dou", 1.5, 0.25),
    ];

    #[test]
    fn series_by_room_and_channel_are_sorted_by_key_then_date() {
        let set = extract_frame(&frame(ROWS), Granularity::RoomChannel).unwrap();
        let keys: Vec<(&str, &str)> = set
            .keys
            .iter()
            .map(|k| (k.room.as_str(), k.channel.as_str()))
            .collect();
        assert_eq!(keys, [("r1", "dou"), ("r1", "私域"), ("r2", "dou")]);
        let monday = days_from_civil(2026, 11, 23);
        assert_eq!(set.dates(0), [monday, monday + 1, monday + 6]);
        assert_eq!(set.spend_cny(0), [100.0, 1.5, 200.0]);
        assert_eq!(set.viewers(0), [10.0, 0.25, 20.0]);
        assert_eq!(set.weekday(0), [0, 1, 6]);
        assert_eq!(set.spend_cny(1), [5.0]);
        assert_eq!(set.weekday(1), [1]);
        assert_eq!(set.spend_cny(2), [10.0, 20.0, 30.0]);
        assert_eq!(set.viewers(2), [1.0, 2.0, 3.0]);
        assert_eq!(set.weekday(2), [0, 1, 2]);
        assert_eq!(set.rooms_pooled, [1, 1, 1]);
        let s = set.series(2, Some(7.0));
        assert_eq!(s.cap_viewers_per_day, Some(7.0));
        assert_eq!(s.viewers, [1.0, 2.0, 3.0]);
    }

    #[test]
    fn pooling_by_channel_sums_rooms_per_date() {
        let set = extract_frame(&frame(ROWS), Granularity::Channel).unwrap();
        let keys: Vec<(&str, &str)> = set
            .keys
            .iter()
            .map(|k| (k.room.as_str(), k.channel.as_str()))
            .collect();
        assert_eq!(keys, [(ONE_ROOM, "dou"), (ONE_ROOM, "私域")]);
        let monday = days_from_civil(2026, 11, 23);
        assert_eq!(set.dates(0), [monday, monday + 1, monday + 2, monday + 6]);
        assert_eq!(set.spend_cny(0), [110.0, 21.5, 30.0, 200.0]);
        assert_eq!(set.viewers(0), [11.0, 2.25, 3.0, 20.0]);
        assert_eq!(set.weekday(0), [0, 1, 2, 6]);
        assert_eq!(set.rooms_pooled, [2, 1]);
        let opts = StageOptions {
            caps_viewers_per_day: [("dou".to_string(), 100.0)].into(),
            ..StageOptions::default()
        };
        assert_eq!(cap_of(&set, 0, &opts), Some(200.0));
        assert_eq!(cap_of(&set, 1, &opts), None);
    }

    /// A set from simulated series (days numbered from a Monday).
    fn sim_set(specs: &[(&str, &str, usize, u64)]) -> SeriesSet {
        use crate::curves::model::Model;
        use crate::curves::sim::{SynthSpec, generate};
        let mut set = SeriesSet::default();
        set.offsets.push(0);
        for &(room, channel, days, seed) in specs {
            let truth = Model::Exp {
                vmax: 5000.0,
                k_cny: 2000.0,
            };
            let spec = SynthSpec {
                days,
                ..SynthSpec::new(truth, 1500.0, seed)
            };
            let g = generate(&spec);
            set.keys.push(SeriesKey {
                room: room.into(),
                channel: channel.into(),
            });
            set.rooms_pooled.push(1);
            set.dates.extend(0..g.spend_cny.len() as i32);
            set.spend_cny.extend(&g.spend_cny);
            set.viewers.extend(&g.viewers);
            set.weekday.extend(&g.weekday);
            set.offsets.push(set.dates.len());
        }
        set
    }

    #[test]
    fn thin_rooms_borrow_from_the_pooled_channel_curve_and_rich_ones_need_not() {
        let set = sim_set(&[
            ("r1", "a", 300, 1),
            ("r2", "a", 30, 2),
            ("r1", "b", 300, 3),
            ("r2", "b", 300, 4),
        ]);
        let opts = StageOptions {
            shrink: true,
            ..StageOptions::default()
        };
        let (fits, _) = fit_set(&set, &opts);
        let shrunk: Vec<bool> = fits
            .iter()
            .map(|f| f.outcome.fitted().expect("all fit").shrunk)
            .collect();
        assert_eq!(shrunk, [false, true, false, false]);
        assert!(
            fits[1]
                .outcome
                .fitted()
                .unwrap()
                .shrink_reason
                .as_deref()
                .unwrap()
                .contains("pooled channel curve")
        );
        // Skipping the pooled fit of channel b changed nothing: the rich
        // rooms give the same answer with the prior passed in.
        assert!(!may_use_prior(&set.series(2, None), &opts.fit));
        let rooms = [set.series(2, None), set.series(3, None)];
        let pooled = fit_pooled(&rooms, &opts.fit);
        let prior = pooled.fitted().expect("pooled fit");
        for (i, s) in rooms.iter().enumerate() {
            let mut with = crate::curves::fit::fit_series(s, &opts.fit, Some(prior));
            // The stage adds the recency verdict (here: all history, the
            // level unchanged on stationary data).
            if let FitOutcome::Fitted(w) = &mut with {
                let staged = fits[2 + i].outcome.fitted().unwrap();
                let r = staged.recency.clone().expect("stage sets recency");
                assert_eq!((r.half_life_days, r.trend, r.factor), (None, false, 1.0));
                w.recency = Some(r);
            }
            assert_eq!(with, fits[2 + i].outcome);
        }
        // Without shrinkage the thin room fits on its own.
        let (alone, _) = fit_set(&set, &StageOptions::default());
        assert!(!alone[1].outcome.fitted().unwrap().shrunk);
    }

    #[test]
    fn comparison_fits_are_those_of_the_comparison_options() {
        let set = sim_set(&[
            ("r1", "a", 300, 1),
            ("r2", "a", 30, 2),
            ("r3", "a", 200, 5),
            ("r4", "a", 250, 6),
        ]);
        let opts = StageOptions {
            shrink: true,
            ..StageOptions::default()
        };
        let (fits, comparison, _) = fit_set_with_comparison(&set, &opts);
        let (plain, _) = fit_set(&set, &opts);
        let (alone, _) = fit_set(&set, &opts.for_comparison());
        let outcomes = |f: &[CurveFit]| f.iter().map(|c| c.outcome.clone()).collect::<Vec<_>>();
        assert_eq!(outcomes(&fits), outcomes(&plain));
        assert_eq!(outcomes(&comparison), outcomes(&alone));
        // The thin room still borrows from the pooled channel curve.
        assert!(comparison[1].outcome.fitted().unwrap().shrunk);
        assert!(comparison[0].outcome.fitted().unwrap().recency.is_none());
    }

    #[test]
    fn the_impact_refit_takes_unchanged_lanes_from_the_screened_fits_bit_for_bit() {
        // The screened side; the side with flagged rows kept has one bot day
        // back in r1/a (which moves channel a's pooled curve, the prior of
        // the thin room r2/a: that one is refitted though its days are the
        // same) and a lane the screened side lost entirely.
        let screened = sim_set(&[
            ("r1", "a", 300, 1),
            ("r2", "a", 30, 2),
            ("r3", "a", 200, 5),
            ("r1", "b", 300, 3),
            ("r2", "b", 250, 4),
        ]);
        let mut kept = sim_set(&[
            ("r1", "a", 300, 1),
            ("r2", "a", 30, 2),
            ("r3", "a", 200, 5),
            ("r1", "b", 300, 3),
            ("r2", "b", 250, 4),
            ("r3", "b", 120, 9),
        ]);
        let day = kept.offsets[0] + 100;
        kept.viewers[day] *= 6.0;
        let opts = StageOptions {
            shrink: true,
            ..StageOptions::default()
        };
        let (_, screened_fits, _) = fit_set_with_comparison(&screened, &opts);
        let reused = fit_comparison_reusing(&kept, &opts, &screened, &screened_fits);
        let (direct, _) = fit_set(&kept, &opts.for_comparison());
        let outcomes = |f: &[CurveFit]| f.iter().map(|c| c.outcome.clone()).collect::<Vec<_>>();
        assert_eq!(outcomes(&reused), outcomes(&direct));
        assert_eq!(
            reused.iter().map(|c| c.key.clone()).collect::<Vec<_>>(),
            direct.iter().map(|c| c.key.clone()).collect::<Vec<_>>()
        );
        // The bot day moved r1/a, and the unchanged lanes are the screened ones.
        assert_ne!(reused[0].outcome, screened_fits[0].outcome);
        assert_eq!(reused[3].outcome, screened_fits[3].outcome);
        assert!(reused[1].outcome.fitted().unwrap().shrunk);
    }

    #[test]
    fn constant_spend_may_use_a_prior() {
        let opts = FitOptions::default();
        let spend = vec![100.0; 200];
        let viewers = vec![50.0; 200];
        let wd: Vec<u8> = (0..200).map(|i| (i % 7) as u8).collect();
        let s = SeriesData {
            spend_cny: &spend,
            viewers: &viewers,
            weekday: &wd,
            cap_viewers_per_day: None,
        };
        assert!(may_use_prior(&s, &opts));
        let zero = vec![0.0; 200];
        let s = SeriesData {
            viewers: &zero,
            ..s
        };
        assert!(may_use_prior(&s, &opts));
    }

    #[test]
    fn empty_frame_has_no_series() {
        let set = extract_frame(&frame(&[]), Granularity::RoomChannel).unwrap();
        assert!(set.is_empty());
        let (fits, _) = fit_set(&set, &StageOptions::default());
        assert!(fits.is_empty());
    }
}
