//! `schedule.csv`: the plan day by day, one row per date × room × channel of
//! the horizon, with the daily budget to type into the console and the
//! day's expected viewers (and orders or GMV when the target counts them);
//! and the schedule's saving against the even spread, in words.

use crate::contract::calendar::format_date;
use crate::plan::Metric;
use crate::plan::stage::PlanReport;

/// One row of the schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct ScheduleRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Room.
    pub room: String,
    /// Channel.
    pub channel: String,
    /// The day's budget, CNY.
    pub spend_cny: f64,
    /// The day's expected viewers.
    pub viewers: f64,
    /// The day's expected orders or GMV (CNY) when the target counts them.
    pub metric: Option<f64>,
}

/// The schedule of `r` from `start_day` (days since 1970-01-01): dates,
/// then lanes in plan order. A lane planned with every day alike (a weekly
/// history) is spread evenly over the horizon's days.
pub fn schedule_rows(r: &PlanReport, start_day: i32) -> Vec<ScheduleRow> {
    let p = &r.plan;
    let days = p.horizon_days.round().max(1.0) as usize;
    let mut out = Vec::with_capacity(days * p.lanes.len());
    for d in 0..days {
        let date = format_date(start_day + d as i32);
        for l in &p.lanes {
            let (spend, viewers) = if l.daily_spend_cny.len() == days {
                (l.daily_spend_cny[d], l.daily_viewers[d])
            } else {
                (l.spend_cny / days as f64, l.viewers / days as f64)
            };
            let per_viewer = if l.viewers > 0.0 {
                l.metric_value / l.viewers
            } else {
                0.0
            };
            out.push(ScheduleRow {
                date: date.clone(),
                room: l.room.clone(),
                channel: l.channel.clone(),
                spend_cny: spend,
                viewers,
                metric: (p.metric != Metric::Viewers).then_some(viewers * per_viewer),
            });
        }
    }
    out
}

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `schedule.csv`: `date,room,channel,spend_cny,viewers` (then `orders` or
/// `gmv_cny` for such a target); spend to the fen, viewers to one decimal.
pub fn schedule_csv(r: &PlanReport, start_day: i32) -> Vec<u8> {
    let metric = match r.plan.metric {
        Metric::Viewers => None,
        Metric::Orders => Some("orders"),
        Metric::GmvCny => Some("gmv_cny"),
    };
    let mut s = String::from("date,room,channel,spend_cny,viewers");
    if let Some(m) = metric {
        s.push(',');
        s.push_str(m);
    }
    // With promotion days in the horizon: which day of which channel is one.
    let promos = r.schedule.as_ref().map_or(&[][..], |s| &s.promotions[..]);
    if !promos.is_empty() {
        s.push_str(",promotion");
    }
    s.push('\n');
    for row in schedule_rows(r, start_day) {
        s.push_str(&format!(
            "{},{},{},{:.2},{:.1}",
            row.date,
            field(&row.room),
            field(&row.channel),
            row.spend_cny,
            row.viewers
        ));
        if let Some(m) = row.metric {
            s.push_str(&format!(",{m:.2}"));
        }
        if !promos.is_empty() {
            let name = promos
                .iter()
                .find(|p| p.date == row.date && p.channels.contains(&row.channel))
                .map_or(String::new(), |p| field(&p.name));
            s.push(',');
            s.push_str(&name);
        }
        s.push('\n');
    }
    s.into_bytes()
}

/// The schedule against the even spread in one sentence (`None` when the
/// plan is not day by day).
pub fn schedule_line(r: &PlanReport) -> Option<String> {
    schedule_line_in(r, crate::lang::Lang::En)
}

/// [`schedule_line`] in `lang`.
pub fn schedule_line_in(r: &PlanReport, lang: crate::lang::Lang) -> Option<String> {
    let s = r.schedule.as_ref()?;
    let w = crate::report::i18n::words(lang);
    let span = crate::report::i18n::days(lang, s.days as f64);
    let mut line = match (s.saving_cny, s.saving_fraction, s.extra_metric_value) {
        (Some(saving), frac, _) => w.schedule_saving(
            &span,
            &s.start_date,
            saving,
            r.plan.metric,
            s.even_spend_cny,
            frac,
        ),
        (None, _, Some(extra)) => w.schedule_extra(
            &span,
            &s.start_date,
            extra,
            r.plan.metric,
            s.even_metric_value,
        ),
        _ => w.schedule_even(
            &span,
            &s.start_date,
            s.even_spend_cny,
            s.even_viewers,
            s.even_status == crate::plan::PlanStatus::Optimal,
        ),
    };
    if s.daily_min_excess_cny > 0.0 {
        line.push_str(&w.schedule_min_excess(s.daily_min_excess_cny));
    }
    for p in &s.promotions {
        let lifts: Vec<(&str, f64)> = p.lifts.iter().map(|(c, l)| (c.as_str(), *l)).collect();
        line.push_str(&w.schedule_promotion(&p.date, &p.name, &lifts, p.channels.len()));
    }
    Some(line)
}
