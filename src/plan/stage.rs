//! From fitted curves and the history to a planning request, and from a
//! solved [`Plan`] to the rows a reader sees: expected viewers with a P10–P90
//! range, extrapolation marks, and the comparison with the last horizon of
//! history.

use std::collections::BTreeMap;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::input::Lane;
use super::output::{LaneBound, Plan};
use crate::curves::FittedCurve;
use crate::curves::stage::{CurveFit, Granularity, SeriesKey, SeriesSet};
use crate::validate::ValidatedData;

/// What the history says about one series beyond its curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LaneHistory {
    /// Highest daily spend seen, CNY/day.
    pub max_spend_cny_per_day: f64,
    /// Spend over the last `horizon_days` days of the history, CNY.
    pub last_spend_cny: f64,
    /// Viewers over the same days.
    pub last_viewers: f64,
}

/// Per series (aligned with `set.keys`): highest daily spend and the totals
/// of the last `horizon_days` days of the whole history (the last day is the
/// last day covered by any series: a weekly row dated Monday covers that
/// week to Sunday; the window is whole rows).
pub fn lane_histories(set: &SeriesSet, horizon_days: usize) -> Vec<LaneHistory> {
    let last_day = set.last_covered_day().unwrap_or(0);
    let first_in_window = last_day - horizon_days as i32 + 1;
    let days = set.period_days() as f64;
    (0..set.len())
        .map(|i| {
            let mut h = LaneHistory::default();
            for ((&d, &s), &v) in set
                .dates(i)
                .iter()
                .zip(set.spend_cny(i))
                .zip(set.viewers(i))
            {
                h.max_spend_cny_per_day = h.max_spend_cny_per_day.max(s);
                if d >= first_in_window {
                    h.last_spend_cny += s * days;
                    h.last_viewers += v * days;
                }
            }
            h
        })
        .collect()
}

/// Orders and GMV per viewer (`None` where unknown) of each series key.
pub type Conversions = BTreeMap<SeriesKey, (Option<f64>, Option<f64>)>;

/// Orders and GMV per viewer of each series key, from the whole history
/// (`None` where the column is absent, empty on every row of the lane, or
/// there were no viewers). A row whose orders (gmv) cell is empty counts in
/// neither the numerator nor the denominator of that ratio.
pub fn conversions(data: &ValidatedData, by: Granularity) -> PolarsResult<Conversions> {
    let df = data.frame();
    let has = |c: &str| df.column(c).is_ok();
    let aggs = |c: &str| -> [Expr; 2] {
        if has(c) {
            [
                // Null when no row of the lane has the cell.
                when(col(c).count().gt(lit(0u32)))
                    .then(col(c).sum())
                    .otherwise(lit(NULL).cast(DataType::Float64))
                    .alias(c),
                col("viewers")
                    .filter(col(c).is_not_null())
                    .sum()
                    .alias(format!("viewers_{c}")),
            ]
        } else {
            [
                lit(NULL).cast(DataType::Float64).alias(c),
                lit(NULL)
                    .cast(DataType::Float64)
                    .alias(format!("viewers_{c}")),
            ]
        }
    };
    let keys = match by {
        Granularity::RoomChannel => vec![col("room"), col("channel")],
        Granularity::Channel => vec![col("channel")],
    };
    let agg = df
        .clone()
        .lazy()
        .group_by(keys)
        .agg(
            aggs("orders")
                .into_iter()
                .chain(aggs("gmv"))
                .collect::<Vec<_>>(),
        )
        .collect()?;
    let channel = agg.column("channel")?.str()?.clone();
    let room = match by {
        Granularity::RoomChannel => Some(agg.column("room")?.str()?.clone()),
        Granularity::Channel => None,
    };
    let f = |name: &str| -> PolarsResult<Float64Chunked> {
        Ok(agg.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
    };
    let (orders, viewers_orders) = (f("orders")?, f("viewers_orders")?);
    let (gmv, viewers_gmv) = (f("gmv")?, f("viewers_gmv")?);
    let mut out = BTreeMap::new();
    for i in 0..agg.height() {
        let key = SeriesKey {
            room: room
                .as_ref()
                .and_then(|r| r.get(i))
                .unwrap_or(crate::validate::ONE_ROOM)
                .to_string(),
            channel: channel.get(i).unwrap_or_default().to_string(),
        };
        let per = |x: Option<f64>, v: Option<f64>| match (x, v) {
            (Some(x), Some(v)) if v > 0.0 => Some(x / v),
            _ => None,
        };
        out.insert(
            key,
            (
                per(orders.get(i), viewers_orders.get(i)),
                per(gmv.get(i), viewers_gmv.get(i)),
            ),
        );
    }
    Ok(out)
}

/// Standard error of each series' GMV per viewer, CNY: the ratio
/// estimator's (`value::ratio_standard_error`) over the rows whose gmv
/// cell is filled. Series without a gmv column, or with fewer than two
/// such rows, are absent.
pub fn gmv_standard_errors(
    data: &ValidatedData,
    by: Granularity,
) -> PolarsResult<BTreeMap<SeriesKey, f64>> {
    let df = data.frame();
    let mut out = BTreeMap::new();
    if df.column("gmv").is_err() {
        return Ok(out);
    }
    let keep = col("gmv").is_not_null();
    let g = col("gmv").cast(DataType::Float64);
    let v = col("viewers").cast(DataType::Float64);
    let sum = |e: Expr, name: &str| e.filter(keep.clone()).sum().alias(name);
    let keys = match by {
        Granularity::RoomChannel => vec![col("room"), col("channel")],
        Granularity::Channel => vec![col("channel")],
    };
    let agg = df
        .clone()
        .lazy()
        .group_by(keys)
        .agg([
            g.clone()
                .filter(keep.clone())
                .count()
                .cast(DataType::Float64)
                .alias("n"),
            sum(g.clone(), "sg"),
            sum(v.clone(), "sv"),
            sum(g.clone() * g.clone(), "sgg"),
            sum(g * v.clone(), "sgv"),
            sum(v.clone() * v, "svv"),
        ])
        .collect()?;
    let channel = agg.column("channel")?.str()?.clone();
    let room = match by {
        Granularity::RoomChannel => Some(agg.column("room")?.str()?.clone()),
        Granularity::Channel => None,
    };
    let f = |name: &str| -> PolarsResult<Float64Chunked> {
        Ok(agg.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
    };
    let cols = [f("n")?, f("sg")?, f("sv")?, f("sgg")?, f("sgv")?, f("svv")?];
    for i in 0..agg.height() {
        let x: Vec<f64> = cols.iter().map(|c| c.get(i).unwrap_or(0.0)).collect();
        let Some(se) = super::value::ratio_standard_error(x[0], x[1], x[2], x[3], x[4], x[5])
        else {
            continue;
        };
        let key = SeriesKey {
            room: room
                .as_ref()
                .and_then(|r| r.get(i))
                .unwrap_or(crate::validate::ONE_ROOM)
                .to_string(),
            channel: channel.get(i).unwrap_or_default().to_string(),
        };
        out.insert(key, se);
    }
    Ok(out)
}

/// Lanes for the planner, with what each came from.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    /// Usable curves as planner lanes.
    pub lanes: Vec<Lane>,
    /// For each lane, its index in the fits (and histories).
    pub source: Vec<usize>,
    /// Series left out of the plan, with the reason.
    pub unusable: Vec<(SeriesKey, String)>,
}

/// Turn usable fits into lanes; unusable ones are listed with their reason.
pub fn prepare(fits: &[CurveFit], histories: &[LaneHistory], conv: &Conversions) -> Prepared {
    let mut p = Prepared::default();
    for (i, f) in fits.iter().enumerate() {
        match f.outcome.fitted() {
            Some(fc) => {
                let (orders, gmv) = conv.get(&f.key).copied().unwrap_or((None, None));
                p.lanes.push(Lane {
                    room: f.key.room.clone(),
                    channel: f.key.channel.clone(),
                    curve: fc.curve,
                    orders_per_viewer: orders,
                    gmv_cny_per_viewer: gmv,
                    gmv_se_cny_per_viewer: None,
                    history_max_spend_cny_per_day: histories
                        .get(i)
                        .map(|h| h.max_spend_cny_per_day),
                    beyond: None,
                });
                p.source.push(i);
            }
            None => p
                .unusable
                .push((f.key.clone(), unusable_reason(&f.outcome))),
        }
    }
    p
}

fn unusable_reason(o: &crate::curves::FitOutcome) -> String {
    o.reason().unwrap_or_default().to_string()
}

/// One lane of the plan as a reader sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanRow {
    /// Live room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// Spend over the horizon, CNY.
    pub spend_cny: f64,
    /// Spend per day, CNY/day.
    pub spend_cny_per_day: f64,
    /// Expected viewers over the horizon.
    pub viewers: f64,
    /// P10 of viewers over the horizon (curve uncertainty).
    pub viewers_p10: f64,
    /// P90 of viewers over the horizon.
    pub viewers_p90: f64,
    /// Predictive band: P10 of the viewers the horizon will actually
    /// deliver at the planned spend (the band above plus each day's noise;
    /// [`crate::plan::risk::week_bands`]). `None` for plans dressed without
    /// the risk simulation, and for lanes with no spend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewers_week_p10: Option<f64>,
    /// Predictive band: P90 of the realised viewers over the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewers_week_p90: Option<f64>,
    /// Average cost per viewer at the planned spend, CNY.
    pub avg_cost_cny_per_viewer: Option<f64>,
    /// Cost of the next viewer at the planned spend, CNY.
    pub marginal_cost_cny_per_viewer: Option<f64>,
    /// Bounds of this lane that bind (`max`, `min`, `cap`, `locked`, …).
    pub binding: Vec<String>,
    /// Daily spend beyond 1.5× the highest daily spend in the history.
    pub extrapolation: bool,
    /// Daily spend past the highest day in the history: `viewers` are from
    /// the conservative curve there ([`crate::curves::extrapolation`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub beyond_history: bool,
    /// For those rows: what the fitted curve alone promises over the
    /// horizon at the same spend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewers_fitted_curve: Option<f64>,
    /// For those rows: the planned daily spend over the highest day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times_highest_day: Option<f64>,
    /// Spend over the last horizon of history, CNY.
    pub last_spend_cny: f64,
    /// Viewers over the last horizon of history.
    pub last_viewers: f64,
}

/// The plan against the last horizon of history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Days compared (the plan's horizon).
    pub days: usize,
    /// Days one row of the history covers (1 = daily, 7 = weekly): the
    /// unit the plan is labelled in. Left out of plan.json when 1.
    #[serde(
        skip_serializing_if = "crate::validate::period::period_days::is_daily",
        default = "crate::validate::period::period_days::daily"
    )]
    pub period_days: u32,
    /// Spend over the last `days` days of history, CNY.
    pub last_spend_cny: f64,
    /// Viewers over the same days.
    pub last_viewers: f64,
    /// Their average cost per viewer, CNY.
    pub last_cost_per_viewer_cny: Option<f64>,
    /// What the plan's expected viewers would have cost at that average, CNY.
    pub plan_viewers_at_last_cost_cny: Option<f64>,
    /// That minus the plan's spend, CNY (positive: the plan is cheaper).
    pub saving_cny: Option<f64>,
}

impl Comparison {
    /// The history's period.
    pub fn period(&self) -> crate::validate::Period {
        crate::validate::Period::of_days(self.period_days)
    }

    /// The compared span in the history's unit: `7 days`, `1 week`.
    pub fn span(&self) -> String {
        self.period().count(self.days)
    }

    /// The same, possessive: `7 days'`, `1 week's`.
    pub fn span_of(&self) -> String {
        let s = self.span();
        if s.ends_with('s') {
            format!("{s}'")
        } else {
            format!("{s}'s")
        }
    }
}

/// A plan with everything the outputs show (`plan.json`:
/// `report::plan_export::plan_json`, read back by `report::run_files`).
#[derive(Clone, Debug, Deserialize)]
pub struct PlanReport {
    /// The solver's answer.
    pub plan: Plan,
    /// One row per lane, in lane order.
    pub rows: Vec<PlanRow>,
    /// Sum of the lanes' P10 viewers (a conservative total: the lanes' errors
    /// are not perfectly correlated).
    pub viewers_p10_sum: f64,
    /// Sum of the lanes' P90 viewers.
    pub viewers_p90_sum: f64,
    /// Predictive band of the total: P10 and P90 of the viewers the
    /// horizon will actually deliver (the lanes' errors combined, not
    /// added up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewers_week_p10_total: Option<f64>,
    /// …its P90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub viewers_week_p90_total: Option<f64>,
    /// Against the last horizon of history.
    pub comparison: Comparison,
    /// Series not planned, with the reason.
    pub unusable: Vec<(String, String, String)>,
    /// The probability of meeting the target and the spread of what the
    /// plan delivers (`None` for plans dressed without it).
    #[serde(default)]
    pub risk: Option<super::risk::RiskSummary>,
    /// Planned day by day: the even-spread plan of the same request and
    /// what the schedule saves against it (`None`: every day alike).
    #[serde(default)]
    pub schedule: Option<super::schedule::ScheduleSummary>,
}

fn bound_name(b: &LaneBound) -> String {
    serde_json::to_value(b)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{b:?}").to_lowercase())
}

/// Dress a solved plan for the reader.
pub fn report(
    plan: Plan,
    prepared: &Prepared,
    fits: &[CurveFit],
    histories: &[LaneHistory],
    horizon_days: usize,
    histories_period: u32,
) -> PlanReport {
    let index: BTreeMap<(&str, &str), usize> = prepared
        .lanes
        .iter()
        .zip(&prepared.source)
        .map(|(l, &i)| ((l.room.as_str(), l.channel.as_str()), i))
        .collect();
    let lanes: BTreeMap<(&str, &str), &Lane> = prepared
        .lanes
        .iter()
        .map(|l| ((l.room.as_str(), l.channel.as_str()), l))
        .collect();
    let days = plan.horizon_days;
    let mut rows = Vec::with_capacity(plan.lanes.len());
    for lp in &plan.lanes {
        let i = index.get(&(lp.room.as_str(), lp.channel.as_str())).copied();
        let fitted: Option<&FittedCurve> = i.and_then(|i| fits[i].outcome.fitted());
        let hist = i
            .and_then(|i| histories.get(i))
            .cloned()
            .unwrap_or_default();
        let lane = lanes.get(&(lp.room.as_str(), lp.channel.as_str()));
        let beyond = lane.is_some_and(|l| l.is_beyond_history(lp.spend_cny_per_day));
        let (fitted_viewers, times_highest) = match lane {
            Some(l) if beyond => (
                Some(l.curve.value(lp.spend_cny_per_day) * days),
                l.history_max_spend_cny_per_day
                    .filter(|h| *h > 0.0)
                    .map(|h| lp.spend_cny_per_day / h),
            ),
            _ => (None, None),
        };
        let (p10, p90) = fitted.map_or((lp.viewers, lp.viewers), |f| {
            let (lo, _, hi) = f.band(lp.spend_cny_per_day);
            (lo * days, hi * days)
        });
        rows.push(PlanRow {
            room: lp.room.clone(),
            channel: lp.channel.clone(),
            spend_cny: lp.spend_cny,
            spend_cny_per_day: lp.spend_cny_per_day,
            viewers: lp.viewers,
            viewers_p10: p10.min(lp.viewers),
            viewers_p90: p90.max(lp.viewers),
            viewers_week_p10: None,
            viewers_week_p90: None,
            avg_cost_cny_per_viewer: lp.avg_cost_cny_per_viewer,
            marginal_cost_cny_per_viewer: lp.marginal_cost_cny_per_viewer,
            binding: lp.bounds_binding.iter().map(bound_name).collect(),
            extrapolation: fitted.is_some_and(|f| f.is_extrapolation(lp.spend_cny_per_day)),
            beyond_history: beyond,
            viewers_fitted_curve: fitted_viewers,
            times_highest_day: times_highest,
            last_spend_cny: hist.last_spend_cny,
            last_viewers: hist.last_viewers,
        });
    }
    let last_spend: f64 = histories.iter().map(|h| h.last_spend_cny).sum();
    let last_viewers: f64 = histories.iter().map(|h| h.last_viewers).sum();
    let last_cpv = (last_viewers > 0.0).then(|| last_spend / last_viewers);
    let at_last = last_cpv.map(|c| c * plan.totals.viewers);
    let comparison = Comparison {
        days: horizon_days,
        period_days: histories_period,
        last_spend_cny: last_spend,
        last_viewers,
        last_cost_per_viewer_cny: last_cpv,
        plan_viewers_at_last_cost_cny: at_last,
        saving_cny: at_last.map(|c| c - plan.totals.spend_cny),
    };
    PlanReport {
        viewers_p10_sum: rows.iter().map(|r| r.viewers_p10).sum(),
        viewers_p90_sum: rows.iter().map(|r| r.viewers_p90).sum(),
        viewers_week_p10_total: None,
        viewers_week_p90_total: None,
        plan,
        rows,
        comparison,
        unusable: prepared
            .unusable
            .iter()
            .map(|(k, r)| (k.room.clone(), k.channel.clone(), r.clone()))
            .collect(),
        risk: None,
        schedule: None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::curves::stage::extract_series;
    use crate::load::{LoadOptions, load_csv_bytes};

    fn data() -> ValidatedData {
        let csv = "date,room,channel,spend,viewers,orders,gmv\n\
                   2026-11-01,r1,a,100,200,2,200\n\
                   2026-11-02,r1,a,300,500,5,600\n\
                   2026-11-03,r1,a,200,400,4,400\n\
                   2026-11-02,r2,a,50,100,0,0\n\
                   2026-11-03,r1,b,10,30,3,90\n";
        load_csv_bytes(Path::new("t.csv"), csv.as_bytes(), &LoadOptions::default())
            .unwrap()
            .data
    }

    #[test]
    fn last_horizon_and_max_spend_per_series() {
        let set = extract_series(&data(), Granularity::RoomChannel).unwrap();
        let keys: Vec<(&str, &str)> = set
            .keys
            .iter()
            .map(|k| (k.room.as_str(), k.channel.as_str()))
            .collect();
        assert_eq!(keys, vec![("r1", "a"), ("r1", "b"), ("r2", "a")]);
        let h = lane_histories(&set, 2);
        // The last two days of the history are 11-02 and 11-03.
        assert_eq!(
            h[0],
            LaneHistory {
                max_spend_cny_per_day: 300.0,
                last_spend_cny: 500.0,
                last_viewers: 900.0
            }
        );
        assert_eq!(
            h[1],
            LaneHistory {
                max_spend_cny_per_day: 10.0,
                last_spend_cny: 10.0,
                last_viewers: 30.0
            }
        );
        assert_eq!(
            h[2],
            LaneHistory {
                max_spend_cny_per_day: 50.0,
                last_spend_cny: 50.0,
                last_viewers: 100.0
            }
        );
    }

    #[test]
    fn conversion_per_viewer_by_room_and_pooled() {
        let d = data();
        let c = conversions(&d, Granularity::RoomChannel).unwrap();
        let k = |r: &str, ch: &str| SeriesKey {
            room: r.into(),
            channel: ch.into(),
        };
        assert_eq!(
            c[&k("r1", "a")],
            (Some(11.0 / 1100.0), Some(1200.0 / 1100.0))
        );
        assert_eq!(c[&k("r1", "b")], (Some(0.1), Some(3.0)));
        let pooled = conversions(&d, Granularity::Channel).unwrap();
        assert_eq!(pooled[&k("all", "a")], (Some(11.0 / 1200.0), Some(1.0)));
    }

    /// A row with an empty orders (gmv) cell counts in neither side of that
    /// ratio; a lane with none has no ratio, not zero.
    #[test]
    fn empty_conversion_cells_leave_their_rows_out_of_the_ratio() {
        let csv = "date,room,channel,spend,viewers,orders,gmv\n\
                   2026-11-01,r1,a,100,1000,10,\n\
                   2026-11-02,r1,a,100,3000,,900\n\
                   2026-11-03,r1,a,100,1000,30,100\n\
                   2026-11-01,r2,a,100,500,,\n";
        let d =
            load_csv_bytes(Path::new("t.csv"), csv.as_bytes(), &LoadOptions::default()).unwrap();
        assert_eq!(d.empty_cells.counts.values().sum::<usize>(), 4);
        assert_eq!(d.empty_cells.first[0].line, 2);
        let c = conversions(&d.data, Granularity::RoomChannel).unwrap();
        let k = |r: &str| SeriesKey {
            room: r.into(),
            channel: "a".into(),
        };
        assert_eq!(c[&k("r1")], (Some(40.0 / 2000.0), Some(1000.0 / 4000.0)));
        assert_eq!(c[&k("r2")], (None, None));
    }
}
