//! Stage 5: fitted lanes ready to solve for any target or budget (fit
//! once, solve many: the plan, its what-ifs, the frontier).

use std::collections::BTreeMap;

use serde::Serialize;

use super::fitted::Fitted;
use super::{Message, Messages};
use crate::error::Error;
use crate::plan::schedule::{DailyLimits, DaySpec};
use crate::plan::stage::{
    LaneHistory, PlanReport, Prepared, conversions, lane_histories, prepare, report as plan_report,
};
use crate::plan::{ChannelLimits, Metric, PlanMode, PlanRequest, PlanStatus};

/// What the plans are asked under: horizon, metric, limits, what-if cost
/// scales.
#[derive(Clone, Debug, Default)]
pub struct PlanSettings {
    /// Days planned.
    pub horizon_days: usize,
    /// What a target counts.
    pub metric: Metric,
    /// Limits per channel.
    pub channels: BTreeMap<String, ChannelLimits>,
    /// Per-room viewer targets.
    pub room_targets: BTreeMap<String, f64>,
    /// What-if cost factors per channel (`--scale`).
    pub cost_scale: BTreeMap<String, f64>,
    /// A lane is planned up to this multiple of its highest day.
    pub max_extrapolation: f64,
    /// Plan for this probability of meeting the target (budget mode: of
    /// reaching the metric), `None`: the expected-value plan.
    pub confidence: Option<f64>,
    /// Per-day limits per channel (`max_daily_spend_cny`, …).
    pub daily: BTreeMap<String, DailyLimits>,
    /// Channel groups, room groups and the guardrail (issue 15 §3).
    pub groups: crate::config::groups::GroupSettings,
    /// Margins and the profit / ROI goals (issue 15 §2).
    pub value_goal: crate::plan::ValueGoal,
}

/// Fitted lanes ready to solve.
pub struct Planner<'f> {
    fitted: &'f Fitted,
    prepared: Prepared,
    histories: Vec<LaneHistory>,
    horizon_days: usize,
    metric: Metric,
    channels: BTreeMap<String, ChannelLimits>,
    room_targets: BTreeMap<String, f64>,
    cost_scale: BTreeMap<String, f64>,
    max_extrapolation: f64,
    data_notes: Vec<crate::report::i18n::DataNote>,
    confidence: Option<f64>,
    risks: Vec<crate::plan::risk::LaneRisk>,
    /// Day by day: each lane's day factors (aligned with `prepared.lanes`)
    /// and the per-day limits; `None`: every day alike.
    days: Option<DaySpec>,
    /// First day of the horizon, days since 1970-01-01.
    start_day: i32,
    /// The lanes cut once, for every request of this planner (see
    /// `plan::reuse`); filled by the first request.
    cuts: std::sync::OnceLock<crate::plan::reuse::SegmentCache>,
    /// Groups and guardrail, members checked against the lanes.
    groups: crate::config::groups::GroupSettings,
    /// Margins and the profit / ROI goals.
    value_goal: crate::plan::ValueGoal,
}

impl<'f> Planner<'f> {
    /// What the plan's estimates were made from, where the history was
    /// incomplete or net of refunds (see [`super::coverage`]); also said
    /// as warnings when the planner was made.
    pub fn data_notes(&self) -> &[crate::report::i18n::DataNote] {
        &self.data_notes
    }

    /// Prepare the lanes of `fitted` under `settings`. A cost scale or limit
    /// for a channel without a usable curve is a warning (the limit is
    /// dropped: the planner would reject it as unknown).
    pub fn new(
        fitted: &'f Fitted,
        settings: PlanSettings,
        messages: &mut Messages,
    ) -> Result<Self, Error> {
        let PlanSettings {
            horizon_days,
            metric,
            mut channels,
            room_targets,
            cost_scale,
            max_extrapolation,
            confidence,
            mut daily,
            groups,
            value_goal,
        } = settings;
        let series = &fitted.series;
        let histories = lane_histories(&series.set, horizon_days);
        let conv = conversions(&series.data, series.by)?;
        let mut prepared = prepare(&fitted.fits, &histories, &conv);
        let gmv_se = crate::plan::stage::gmv_standard_errors(&series.data, series.by)?;
        for l in &mut prepared.lanes {
            let key = crate::curves::stage::SeriesKey {
                room: l.room.clone(),
                channel: l.channel.clone(),
            };
            l.gmv_se_cny_per_viewer = gmv_se.get(&key).copied();
        }
        let mut data_notes = super::coverage::floor_net_gmv(&mut prepared);
        data_notes.extend(super::coverage::estimate_notes(
            &series.data,
            series.by,
            &prepared,
            metric,
        )?);
        let en = crate::lang::Lang::En;
        messages.extend(data_notes.iter().map(|n| Message::Warning(n.words(en))));
        // The loader warned of the empty cells already: a note here.
        let screening = if series.screened.result.policy == crate::screen::FakeTraffic::Off {
            Vec::new()
        } else {
            super::coverage::screening_notes(&series.screened.history.loaded.data)
        };
        messages.extend(screening.iter().map(|n| Message::Note(n.words(en))));
        data_notes.extend(screening);
        crate::plan::beyond::attach_conservative(
            &mut prepared.lanes,
            &prepared.source,
            &fitted.fits,
            max_extrapolation,
        );
        for (channel, factor) in &cost_scale {
            let mut found = false;
            for lane in prepared.lanes.iter_mut().filter(|l| &l.channel == channel) {
                found = true;
                lane.curve.model = lane.curve.model.scale_cost(*factor);
                lane.history_max_spend_cny_per_day =
                    lane.history_max_spend_cny_per_day.map(|x| x * factor);
                if let Some(b) = &mut lane.beyond {
                    b.scale_cost(*factor);
                }
            }
            if !found {
                messages.push(Message::Warning(format!(
                    "--scale given for channel `{channel}`, which has no usable curve"
                )));
            }
        }
        channels.retain(|name, _| {
            let known = prepared.lanes.iter().any(|l| &l.channel == name);
            if !known {
                messages.push(Message::Warning(format!(
                    "settings for channel `{name}`, which has no usable curve, are ignored"
                )));
            }
            known
        });
        let risks = super::risk::lane_risks(&prepared, &fitted.fits, &cost_scale);
        daily.retain(|name, _| {
            let known = prepared.lanes.iter().any(|l| &l.channel == name);
            if !known {
                messages.push(Message::Warning(format!(
                    "per-day limits for channel `{name}`, which has no usable curve, are ignored"
                )));
            }
            known
        });
        let groups = super::groups::check_groups(groups, &series.set, &prepared, messages)?;
        let last_promo_day = series.promo.as_ref().and_then(|p| p.set.last_covered_day());
        let start_day = series
            .set
            .last_covered_day()
            .max(last_promo_day)
            .map_or(0, |d| d + 1);
        let mut days = crate::plan::schedule::day_spec(
            &prepared,
            &fitted.fits,
            series.set.period_days(),
            start_day,
            horizon_days,
            daily,
        );
        if let (Some(spec), Some(p), Some(promo)) = (&mut days, &fitted.promotion, &series.promo) {
            let lanes: Vec<&str> = prepared.lanes.iter().map(|l| l.channel.as_str()).collect();
            let unknown = crate::calendar::apply_lifts(
                &mut spec.factors,
                &lanes,
                &promo.calendar,
                p,
                start_day,
            );
            for (name, channel) in unknown {
                messages.push(Message::Warning(format!(
                    "promotion `{name}` in the horizon: channel `{channel}` has no promotion days in the history, so it is planned as an everyday"
                )));
            }
        }
        Ok(Planner {
            fitted,
            prepared,
            histories,
            horizon_days,
            metric,
            channels,
            room_targets,
            cost_scale,
            max_extrapolation,
            data_notes,
            confidence,
            risks,
            days,
            start_day,
            cuts: std::sync::OnceLock::new(),
            groups,
            value_goal,
        })
    }

    /// Viewers the planned lanes brought over the last horizon of history
    /// (business as usual as a target).
    pub fn last_horizon_viewers(&self) -> f64 {
        self.prepared
            .source
            .iter()
            .map(|&i| self.histories[i].last_viewers)
            .sum()
    }

    /// Spend of the planned lanes over the last horizon of history, CNY.
    pub fn last_horizon_spend_cny(&self) -> f64 {
        self.prepared
            .source
            .iter()
            .map(|&i| self.histories[i].last_spend_cny)
            .sum()
    }

    /// The planning request for one target and/or budget, carrying the
    /// lanes' cuts (made once, by the first request: every request of a
    /// planner cuts the same curves).
    pub fn request(&self, target: Option<f64>, budget_cny: Option<f64>) -> PlanRequest {
        let mut req = self.bare_request(target, budget_cny);
        req.segment_cache = self
            .cuts
            .get_or_init(|| {
                // A request that cannot be cut fails in its solve, with
                // its error; the planner then goes on without a cache.
                let mut r = req.clone();
                r.cache_segments()
                    .map(|()| r.segment_cache)
                    .unwrap_or_default()
            })
            .clone();
        req
    }

    fn bare_request(&self, target: Option<f64>, budget_cny: Option<f64>) -> PlanRequest {
        // A profit or ROI goal without a target counts GMV (the most GMV
        // at that ROI; profit's totals in CNY of GMV).
        let by_gmv =
            self.value_goal.plans_alone() && target.is_none() && self.room_targets.is_empty();
        PlanRequest {
            lanes: self.prepared.lanes.clone(),
            horizon_days: self.horizon_days as f64,
            metric: if by_gmv { Metric::GmvCny } else { self.metric },
            value: self.value_goal.clone(),
            target,
            room_targets: self.room_targets.clone(),
            budget_cny,
            channels: self.channels.clone(),
            segments: crate::plan::SegmentOptions {
                history_multiple: self.max_extrapolation,
                ..crate::plan::SegmentOptions::default()
            },
            days: self.days.clone(),
            groups: self.groups.groups.clone(),
            room_groups: self.groups.room_groups.clone(),
            guardrail: self
                .groups
                .guardrail
                .as_ref()
                .map(|g| crate::plan::Guardrail {
                    max_change: g.max_change,
                    scope: g.scope,
                    channels: g.channels.clone(),
                    last_spend_cny: self
                        .prepared
                        .source
                        .iter()
                        .map(|&i| self.histories[i].last_spend_cny)
                        .collect(),
                }),
            ..PlanRequest::default()
        }
    }

    /// First day of the horizon, days since 1970-01-01.
    pub fn start_day(&self) -> i32 {
        self.start_day
    }

    /// The plan for one target and/or budget (at the settings' confidence),
    /// with its probability of meeting the target (`risk`); planned day by
    /// day, with the even-spread plan of the same request beside it (for
    /// the expected-value plan).
    pub fn solve(&self, target: Option<f64>, budget_cny: Option<f64>) -> Result<PlanReport, Error> {
        let req = self.request(target, budget_cny);
        let set = &self.fitted.series.set;
        let opts = super::risk::risk_options(set.last_covered_day(), set.period_days());
        // The even-spread plan is solved beside the schedule (the LP itself
        // is single-threaded).
        let (solved, even) = rayon::join(
            || super::risk::solve_with_risk(&req, &self.risks, &opts, self.confidence),
            || {
                if self.confidence.is_some() {
                    return None;
                }
                crate::plan::schedule::even_request(&req).map(|e| crate::plan::solve(&e))
            },
        );
        let (mut plan, risk) = solved?;
        // What the guardrail costs: the same request without it (for the
        // expected-value plan; at a confidence level the plan's curves differ).
        if self.confidence.is_none() {
            plan.guardrail = crate::plan::guardrail_cost(&req, &plan)?;
        }
        let mut r = self.dress(plan);
        r.risk = Some(risk);
        attach_week_bands(&mut r, &req, &self.risks, &opts);
        if let Some(Ok(e)) = even {
            let mut s = crate::plan::schedule::compare(&r.plan, &e, self.start_day);
            s.promotions = self.promotion_days();
            r.schedule = Some(s);
        }
        Ok(r)
    }

    /// The calendar's days in the horizon, with the channels they cover
    /// and their lifts (empty without a calendar).
    fn promotion_days(&self) -> Vec<crate::plan::schedule::PromotionDay> {
        let (Some(fit), Some(promo)) = (&self.fitted.promotion, &self.fitted.series.promo) else {
            return Vec::new();
        };
        let mut channels: Vec<&str> = Vec::new();
        for l in &self.prepared.lanes {
            if !channels.contains(&l.channel.as_str()) {
                channels.push(l.channel.as_str());
            }
        }
        crate::calendar::horizon_days(
            &promo.calendar,
            fit,
            &channels,
            self.start_day,
            self.horizon_days,
        )
        .into_iter()
        .map(|d| crate::plan::schedule::PromotionDay {
            date: crate::contract::calendar::format_date(d.day),
            name: d.name,
            channels: d.channels,
            lifts: d.lifts.into_iter().map(|l| (l.channel, l.lift)).collect(),
        })
        .collect()
    }

    /// A solved plan of these lanes, dressed for the reader (per-lane rows,
    /// bands, the comparison with the last horizon).
    pub fn dress(&self, plan: crate::plan::Plan) -> PlanReport {
        let mut r = plan_report(
            plan,
            &self.prepared,
            &self.fitted.fits,
            &self.histories,
            self.horizon_days,
            self.fitted.series.set.period_days(),
        );
        self.rescale_bands(&mut r);
        r
    }

    /// Uncertainty bands and extrapolation flags of scaled channels, read
    /// from the fitted curve at the unscaled spend.
    fn rescale_bands(&self, r: &mut PlanReport) {
        if self.cost_scale.is_empty() {
            return;
        }
        let days = self.horizon_days as f64;
        for row in &mut r.rows {
            let Some(&factor) = self.cost_scale.get(&row.channel) else {
                continue;
            };
            let fitted = self
                .prepared
                .lanes
                .iter()
                .zip(&self.prepared.source)
                .find(|(l, _)| l.room == row.room && l.channel == row.channel)
                .and_then(|(_, &i)| self.fitted.fits[i].outcome.fitted());
            if let Some(fc) = fitted {
                let spend = row.spend_cny_per_day / factor;
                let (lo, _, hi) = fc.band(spend);
                row.viewers_p10 = (lo * days).min(row.viewers);
                row.viewers_p90 = (hi * days).max(row.viewers);
                row.extrapolation = fc.is_extrapolation(spend);
            }
        }
        r.viewers_p10_sum = r.rows.iter().map(|x| x.viewers_p10).sum();
        r.viewers_p90_sum = r.rows.iter().map(|x| x.viewers_p90).sum();
    }
}

/// The predictive band (one horizon's realised viewers) of each row and of
/// the total, from the risk simulation's layers 1 and 2.
fn attach_week_bands(
    r: &mut PlanReport,
    req: &crate::plan::PlanRequest,
    risks: &[crate::plan::risk::LaneRisk],
    opts: &crate::plan::risk::RiskOptions,
) {
    let index: BTreeMap<(&str, &str), usize> = req
        .lanes
        .iter()
        .enumerate()
        .map(|(i, l)| ((l.room.as_str(), l.channel.as_str()), i))
        .collect();
    let mut spend = vec![0.0; req.lanes.len()];
    for p in &r.plan.lanes {
        if let Some(&i) = index.get(&(p.room.as_str(), p.channel.as_str())) {
            spend[i] = p.spend_cny_per_day;
        }
    }
    let bands = crate::plan::risk::week_bands(req, &spend, risks, opts);
    for row in &mut r.rows {
        let band = index
            .get(&(row.room.as_str(), row.channel.as_str()))
            .and_then(|&i| bands.lanes[i]);
        row.viewers_week_p10 = band.map(|b| b.0);
        row.viewers_week_p90 = band.map(|b| b.1);
    }
    r.viewers_week_p10_total = Some(bands.total.0);
    r.viewers_week_p90_total = Some(bands.total.1);
}

/// The solves a request asks for, as (target, budget) pairs: one per
/// compared target or budget (several targets, or several budgets), else
/// the one plan.
pub fn variants(targets: &[f64], budgets_cny: &[f64]) -> Vec<(Option<f64>, Option<f64>)> {
    if targets.len() > 1 {
        targets
            .iter()
            .map(|&t| (Some(t), budgets_cny.first().copied()))
            .collect()
    } else if budgets_cny.len() > 1 {
        budgets_cny
            .iter()
            .map(|&b| (targets.first().copied(), Some(b)))
            .collect()
    } else {
        vec![(targets.first().copied(), budgets_cny.first().copied())]
    }
}

/// One row of a what-if comparison or of the frontier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WhatIf {
    /// What varies: `budget_cny` or `target_<unit>`.
    pub varied: String,
    /// Its value in this row.
    pub value: f64,
    /// Planned spend over the horizon, CNY.
    pub spend_cny: f64,
    /// Expected viewers over the horizon.
    pub viewers: f64,
    /// Expected value of the target metric (viewers, orders or GMV CNY).
    pub metric_value: f64,
    /// Average cost per viewer, CNY.
    pub avg_cost_cny_per_viewer: Option<f64>,
    /// Cost of one more unit of the metric at the optimum, CNY: the target's
    /// shadow price, or 1 / the budget's shadow price.
    pub marginal_cost_cny_per_unit: Option<f64>,
    /// `optimal` or `infeasible`.
    pub status: &'static str,
}

impl WhatIf {
    /// The row of plan `r`, solved with `varied` at `value`.
    pub fn new(varied: String, value: f64, r: &PlanReport) -> Self {
        let p = &r.plan;
        let marginal = match p.mode {
            PlanMode::MinSpend => p.target_shadow_price_cny_per_unit,
            PlanMode::MaxMetric => p
                .budget_shadow_price_units_per_cny
                .filter(|x| *x > 1e-12)
                .map(|x| 1.0 / x),
        };
        WhatIf {
            varied,
            value,
            spend_cny: p.totals.spend_cny,
            viewers: p.totals.viewers,
            metric_value: p.totals.metric_value,
            avg_cost_cny_per_viewer: p.totals.avg_cost_cny_per_viewer,
            marginal_cost_cny_per_unit: marginal.filter(|x| x.is_finite()),
            status: match p.status {
                PlanStatus::Optimal => "optimal",
                PlanStatus::Infeasible => "infeasible",
            },
        }
    }
}
