//! The message catalogue: every word acqplan writes for people in the
//! report language (`--lang`, `[report] lang`): summary.txt (the email's
//! text body), the email subject, summary.png (headline, top moves, the
//! schedule heat-table, last week's review).
//!
//! A typed catalogue: [`Words`] has one method per message, its format
//! arguments typed (amounts as `f64`, metrics as [`Metric`]); [`En`] and
//! [`Zh`] each implement every method, so a message missing in one language
//! does not compile. To add a message: add a method to [`Words`] and write
//! it in `en.rs` and `zh.rs`; call it through [`words`]`(lang)`.
//!
//! Numbers are formatted for the language ([`count`], [`money`], …):
//! English keeps thousands separators (`429,822 CNY`), Chinese uses 万/亿
//! from 10,000 up (`43.0万元`, `50.0万`). File formats (CSV headers, JSON
//! keys) never go through here.

mod data_note;
mod en;
mod zh;

pub use data_note::DataNote;

pub use en::En;
pub use zh::Zh;

pub use crate::lang::Lang;
use crate::plan::Metric;
use crate::report::table::thousands;

/// The catalogue of `lang`.
pub fn words(lang: Lang) -> &'static dyn Words {
    match lang {
        Lang::En => &En,
        Lang::Zh => &Zh,
    }
}

/// A count for people: `500,000` (en), `50.0万` (zh; `9,800` below 1万).
pub fn count(lang: Lang, x: f64) -> String {
    match lang {
        Lang::En => thousands(x, 0),
        Lang::Zh => wan(x),
    }
}

/// An amount of money: `429,822 CNY` (en), `43.0万元` (zh).
pub fn money(lang: Lang, x: f64) -> String {
    match lang {
        Lang::En => format!("{} CNY", thousands(x, 0)),
        Lang::Zh => format!("{}元", wan(x)),
    }
}

/// A price with two decimals: `0.86 CNY` (en), `0.86元` (zh).
pub fn price(lang: Lang, x: f64) -> String {
    match lang {
        Lang::En => format!("{x:.2} CNY"),
        Lang::Zh => format!("{x:.2}元"),
    }
}

/// A short amount for a table cell: `12.3k`, `1.2M` (en), `1.23万` (zh).
pub fn short(lang: Lang, x: f64) -> String {
    let a = x.abs();
    match lang {
        Lang::En if a >= 1e6 => format!("{:.1}M", x / 1e6),
        Lang::En if a >= 1e4 => format!("{:.0}k", x / 1e3),
        Lang::En if a >= 1e3 => format!("{:.1}k", x / 1e3),
        Lang::Zh if a >= 1e8 => format!("{:.2}亿", x / 1e8),
        Lang::Zh if a >= 1e5 => format!("{:.1}万", x / 1e4),
        Lang::Zh if a >= 1e4 => format!("{:.2}万", x / 1e4),
        _ => format!("{x:.0}"),
    }
}

/// [`short`] for a cell of a table whose largest cell is `biggest`: in
/// Chinese, once the table shows 万, cells under 1万 show 万 too
/// (`0.98万` beside `1.05万`, not `9800`); zero stays `0`. English as
/// [`short`].
pub fn short_scaled(lang: Lang, x: f64, biggest: f64) -> String {
    match lang {
        Lang::Zh if biggest.abs() >= 1e4 && x.abs() < 1e4 && x.round() != 0.0 => {
            format!("{:.2}万", x / 1e4)
        }
        _ => short(lang, x),
    }
}

/// 万 / 亿 from 10,000 up: two decimals below 10万 and for 亿, one decimal
/// otherwise; plain with separators below 1万.
fn wan(x: f64) -> String {
    let a = x.abs();
    if a >= 1e8 {
        format!("{:.2}亿", x / 1e8)
    } else if a >= 1e5 {
        format!("{:.1}万", x / 1e4)
    } else if a >= 1e4 {
        format!("{:.2}万", x / 1e4)
    } else {
        thousands(x, 0)
    }
}

/// A probability: whole percent, `> 99 %` / `< 1 %` at the ends (en);
/// `46%`, `>99%`, `<1%` (zh).
pub fn percent(lang: Lang, p: f64) -> String {
    let t = crate::report::risk_text::percent(p);
    match lang {
        Lang::En => t,
        Lang::Zh => t.replace(' ', ""),
    }
}

/// A signed percentage with one decimal: `+1.7 %` / `−1.7 %` (en), `+1.7%`
/// (zh).
pub fn signed_percent(lang: Lang, x: f64) -> String {
    let text = match lang {
        Lang::En => format!("{:.1} %", x * 100.0),
        Lang::Zh => format!("{:.1}%", x * 100.0),
    };
    if x > 0.0 {
        format!("+{text}")
    } else {
        text.replace('-', "−")
    }
}

/// A signed count: `+4,700`, `−2,000`, `0` (en); `+4,700`, `−1.23万` (zh).
pub fn signed_count(lang: Lang, v: f64) -> String {
    let text = count(lang, v);
    if text
        .trim_start_matches(['-', '+'])
        .chars()
        .all(|c| c == '0' || c == '.' || c == ',')
        || text.trim_start_matches(['-', '+']).is_empty()
    {
        "0".into()
    } else if v > 0.0 && !text.starts_with('+') {
        format!("+{text}")
    } else {
        text.replace('-', "−")
    }
}

/// `7 days`, `1 day` (en), `7天` (zh).
pub fn days(lang: Lang, n: f64) -> String {
    let n = crate::report::table::fmt_num(n);
    match lang {
        Lang::En if n == "1" => "1 day".into(),
        Lang::En => format!("{n} days"),
        Lang::Zh => format!("{n}天"),
    }
}

/// `days` days in periods of `period_days`: `7 days`, `1 week`, `2 × 14
/// days` (en); `7天`, `1周` (zh).
pub fn span(lang: Lang, days: usize, period_days: u32) -> String {
    let n = days / period_days.max(1) as usize;
    match (lang, period_days) {
        (Lang::En, _) => crate::validate::Period::of_days(period_days).count(days),
        (Lang::Zh, 1) => format!("{n}天"),
        (Lang::Zh, 7) => format!("{n}周"),
        (Lang::Zh, d) => format!("{n}×{d}天"),
    }
}

/// What a metric counts: `viewers`, `orders`, `CNY GMV` (en); `观看`,
/// `订单`, `元成交额` (zh).
pub fn unit(lang: Lang, m: Metric) -> &'static str {
    match (lang, m) {
        (Lang::En, m) => m.unit(),
        (Lang::Zh, Metric::Viewers) => "观看",
        (Lang::Zh, Metric::Orders) => "单",
        (Lang::Zh, Metric::GmvCny) => "元成交额",
    }
}

/// An amount of a metric: `500,000 viewers` (en), `50.0万观看` (zh).
pub fn amount(lang: Lang, x: f64, m: Metric) -> String {
    match lang {
        Lang::En => format!("{} {}", count(lang, x), m.unit()),
        Lang::Zh => format!("{}{}", count(lang, x), unit(lang, m)),
    }
}

/// A weekday and date for a column head: `Mon 11-30` (en), `周一 11-30`
/// (zh); `day` counts days since 1970-01-01.
pub fn weekday_date(lang: Lang, day: i32) -> String {
    // 1970-01-01 was a Thursday (Monday = 0).
    let wd = (day + 3).rem_euclid(7) as usize;
    let date = crate::contract::calendar::format_date(day);
    let md = date.get(5..).unwrap_or(&date);
    let name = match lang {
        Lang::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][wd],
        Lang::Zh => ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][wd],
    };
    format!("{name} {md}")
}

/// How a top move changes a channel's spend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveKind {
    /// No spend last period.
    Start,
    /// No spend in the plan.
    Stop,
    /// More.
    Raise,
    /// Less.
    Cut,
}

/// The risk's target, as the sentences name it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RiskGoal {
    /// One total target.
    Total(f64),
    /// Every room its own target.
    Rooms,
}

/// Last week's review as figures, for the words of summary.txt and the
/// block on summary.png (kept in chart_data.json as `last_week_figures`).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LastWeekFigures {
    /// The run folder reviewed (its name).
    pub run: String,
    /// First day of its horizon, `YYYY-MM-DD`.
    pub first_day: String,
    /// Last day, `YYYY-MM-DD`.
    pub last_day: String,
    /// Days it planned.
    pub horizon_days: u32,
    /// Days of them the history covers.
    pub days_covered: u32,
    /// Planned spend (pro-rated to the days covered), CNY.
    pub planned_spend_cny: f64,
    /// Planned viewers (pro-rated).
    pub planned_viewers: f64,
    /// Actual spend, CNY.
    pub actual_spend_cny: f64,
    /// Actual viewers.
    pub actual_viewers: f64,
    /// The curves at the spend actually spent.
    pub predicted_viewers: Option<f64>,
    /// Miss due to spending differently from the plan, viewers.
    pub execution_viewers: f64,
    /// Miss of the curves at the actual spend, viewers.
    pub prediction_viewers: f64,
    /// Miss from flagged fake traffic, viewers.
    pub fake_traffic_viewers: f64,
    /// Spend on flagged rows, CNY.
    pub flagged_spend_cny: f64,
    /// Flagged rows.
    pub flagged_rows: usize,
    /// Miss of lanes without a curve, viewers.
    pub unsplit_viewers: f64,
    /// Lanes without a curve.
    pub lanes_without_curve: usize,
}

impl LastWeekFigures {
    /// The total miss, viewers (actual − planned).
    pub fn miss_viewers(&self) -> f64 {
        self.actual_viewers - self.planned_viewers
    }

    /// The review's two lines in `lang`: headline, then the split.
    pub fn lines(&self, lang: Lang) -> Vec<String> {
        let w = words(lang);
        vec![w.last_week_headline(self), w.last_week_split(self)]
    }
}

/// One method per message; see the module's doc for how to add one.
pub trait Words: Sync {
    /// Which language.
    fn lang(&self) -> Lang;

    // --- summary.txt ---
    /// `Traffic plan, 7 days from 2026-11-30`.
    fn summary_title(&self, days: f64, label: &str) -> String;
    /// The label of a plan starting on `day`: `from 2026-11-30`.
    fn label_from(&self, day: &str) -> String;
    /// `Target: 500,000 viewers — NOT REACHABLE: at most 480,000 under the limits.`
    fn target_unreachable(&self, requested: f64, reachable: f64, m: Metric) -> String;
    /// `Target: 500,000 viewers in 7 days.`
    fn target(&self, target: f64, m: Metric, days: f64) -> String;
    /// Room targets.
    fn target_rooms(&self) -> String;
    /// `Budget: 450,000 CNY for 7 days.`
    fn budget(&self, budget: f64, days: f64) -> String;
    /// The plan's totals.
    fn plan_line(&self, spend: f64, viewers: f64, cpv: Option<f64>, p10: f64, p90: f64) -> String;
    /// Against the last period's cost per viewer (`saving` < 0: extra cost).
    fn saving_line(&self, saving: f64, span: &str, cpv: f64) -> String;
    /// The target's shadow price.
    fn shadow_target(&self, m: Metric, price: f64) -> String;
    /// The budget's shadow price.
    fn shadow_budget(&self, m: Metric, per_cny: f64) -> String;
    /// `Backtest: …` (the backtest's own words follow).
    fn backtest(&self, headline: &str) -> String;
    /// Section headings: `Last week:`, `Top moves:`, `Warnings:`.
    fn heading_last_week(&self) -> String;
    /// See [`Words::heading_last_week`].
    fn heading_top_moves(&self) -> String;
    /// See [`Words::heading_last_week`].
    fn heading_warnings(&self) -> String;
    /// `Charts: a.png, b.png.`
    fn charts(&self, names: &str) -> String;
    /// The last line.
    fn details(&self) -> String;

    // --- the schedule against the even spread ---
    /// Cheaper or dearer than the even spread.
    fn schedule_saving(
        &self,
        span: &str,
        start: &str,
        saving: f64,
        m: Metric,
        even_spend: f64,
        fraction: Option<f64>,
    ) -> String;
    /// More or fewer of the metric than the even spread.
    fn schedule_extra(&self, span: &str, start: &str, extra: f64, m: Metric, even: f64) -> String;
    /// No comparable figure.
    fn schedule_even(
        &self,
        span: &str,
        start: &str,
        even_spend: f64,
        even_viewers: f64,
        optimal: bool,
    ) -> String;
    /// Daily minimums beyond the plan.
    fn schedule_min_excess(&self, excess: f64) -> String;
    /// A promotion day of the horizon and the lifts it was planned with
    /// (`channels`: how many channels it covers; those without a lift are
    /// planned as everyday days).
    fn schedule_promotion(
        &self,
        date: &str,
        name: &str,
        lifts: &[(&str, f64)],
        channels: usize,
    ) -> String;

    // --- profit and ROI (issue 15 §2) ---
    /// `Expected GMV 1,549,879 CNY (P10–P90 …), blended ROI 6.84.`
    fn value_gmv(&self, gmv: f64, p10: f64, p90: f64, roi: Option<f64>) -> String;
    /// `Expected profit 238,226 CNY (P10–P90 …): margin × GMV − spend.`
    fn value_profit(&self, profit: f64, p10: f64, p90: f64) -> String;
    /// The break-even ROI (1 / margin) and the lanes planned below it
    /// (`below` empty: none).
    fn value_break_even(&self, break_even: f64, below: &str) -> String;
    /// The ROI floors the plan holds.
    fn value_floors(&self, min_roi: Option<f64>, min_marginal_roi: Option<f64>) -> String;
    /// An ROI floor the target cannot meet: the highest ROI that reaches it.
    fn value_roi_unreachable(&self, floor: f64, reachable: f64) -> String;

    // --- risk ---
    /// `P(reach 500,000 viewers) = 46 %: the chance …`.
    fn risk_p(&self, goal: RiskGoal, m: Metric, days: &str, p: f64, p_expected: f64) -> String;
    /// Budget mode: the realised quantiles.
    fn risk_realised(&self, m: Metric, days: &str, p10: f64, p50: f64, p90: f64) -> String;
    /// Confidence plan cheaper than the expected-value plan.
    fn confidence_less(
        &self,
        asked: f64,
        saved: f64,
        share: &str,
        ev_spend: f64,
        ev_p: f64,
    ) -> String;
    /// Confidence plan dearer: the cost of certainty.
    fn confidence_more(
        &self,
        asked: f64,
        extra: f64,
        share: &str,
        ev_spend: f64,
        ev_p: f64,
    ) -> String;
    /// Budget mode at a confidence.
    fn confidence_quantile(&self, m: Metric, asked: f64, q: f64, ev_q: f64) -> String;
    /// The confidence cannot be reached.
    fn confidence_unreachable(&self, asked: f64, p: f64) -> String;
    /// The short line: `P(reach 500,000) = 46 %`.
    fn risk_headline_target(&self, target: f64, p: f64) -> String;
    /// Room targets.
    fn risk_headline_rooms(&self, p: f64) -> String;
    /// Budget mode.
    fn risk_headline_realised(&self, m: Metric, p10: f64, p90: f64) -> String;

    // --- warnings of summary.txt ---
    /// The target cannot be met (the limits in the report language,
    /// joined by [`Words::list_sep`]).
    fn warn_infeasible(&self, limiting: &str) -> String;
    /// Between the items of a list in one sentence: `; ` (en), `；` (zh).
    fn list_sep(&self) -> &'static str;
    /// Rows set aside as fake traffic.
    fn warn_fake_rows(&self, rows: usize) -> String;
    /// Planned beyond 1.5× the highest day.
    fn warn_extrapolation(&self, room: &str, channel: &str, per_day: f64) -> String;
    /// Held at the support limit.
    fn warn_support_limit(&self, room: &str, channel: &str, per_day: f64, multiple: f64) -> String;
    /// Planned on the conservative curve beyond the history.
    fn warn_beyond_history(
        &self,
        room: &str,
        channel: &str,
        per_day: f64,
        times: Option<f64>,
        viewers: f64,
        fitted: Option<f64>,
    ) -> String;
    /// Too good to be true.
    #[allow(clippy::too_many_arguments)]
    fn warn_too_good(
        &self,
        room: &str,
        channel: &str,
        cpv: f64,
        times: f64,
        median: f64,
        spend: f64,
    ) -> String;
    /// The naive rule did better on a channel.
    fn warn_backtest_lost(&self, what: &str) -> String;
    /// An excluded channel.
    fn warn_excluded(&self, channel: &str) -> String;
    /// A lane not planned (the reason in English).
    fn warn_not_planned(&self, room: &str, channel: &str, reason: &str) -> String;
    /// A data note (in English, from the coverage stage).
    fn warn_data(&self, note: &str) -> String;

    // --- top moves ---
    /// `Raise 抖音千川 by 16,273 CNY (42,898 → 59,171 CNY), 77,113 → 104,313 viewers`.
    #[allow(clippy::too_many_arguments)]
    fn top_move(
        &self,
        kind: MoveKind,
        channel: &str,
        delta: f64,
        last: f64,
        plan: f64,
        last_viewers: f64,
        plan_viewers: f64,
    ) -> String;

    // --- last week ---
    /// The review's headline.
    fn last_week_headline(&self, f: &LastWeekFigures) -> String;
    /// The miss split.
    fn last_week_split(&self, f: &LastWeekFigures) -> String;

    // --- the email subject ---
    /// `acqplan 2026-W49 plan from 2026-11-30 (7 days)`.
    fn subject_head(&self, year: i32, week: u32, start: &str, days: f64) -> String;
    /// `: target … NOT REACHABLE, at most … for … CNY`.
    fn subject_unreachable(&self, requested: f64, got: f64, m: Metric, cost: f64) -> String;
    /// `: target 500,000 viewers for 429,822 CNY`.
    fn subject_target(&self, target: f64, m: Metric, cost: f64) -> String;
    /// `: room targets, … for … CNY`.
    fn subject_rooms(&self, got: f64, m: Metric, cost: f64) -> String;
    /// `: budget …, … for … CNY`.
    fn subject_budget(&self, budget: Option<f64>, got: f64, m: Metric, cost: f64) -> String;

    // --- summary.png ---
    /// Chart title: `Traffic plan — from 2026-11-30 (7 days)`.
    fn png_title(&self, when: &str, days: f64) -> String;
    /// `Target: 500,000 viewers in 7 days`.
    fn png_target(&self, target: f64, m: Metric, days: f64) -> String;
    /// `Budget: 450,000 CNY for 7 days`.
    fn png_budget(&self, budget: f64, days: f64) -> String;
    /// `Goal: viewers`.
    fn png_goal(&self, m: Metric) -> String;
    /// `Plan cost: …`.
    fn png_cost(&self, spend: f64, viewers: f64, cpv: Option<f64>) -> String;
    /// Saving against the last period.
    fn png_saving(&self, saving: f64, span: &str, cpv: f64) -> String;
    /// No spend to compare with.
    fn png_no_comparison(&self, span: &str) -> String;
    /// Viewer shadow price.
    fn png_shadow_viewer(&self, price: f64) -> String;
    /// Other metric's shadow price.
    fn png_shadow(&self, m: Metric, price: f64) -> String;
    /// No shadow price.
    fn png_no_shadow(&self) -> String;
    /// Not reachable.
    fn png_unreachable(&self, reachable: f64, m: Metric) -> String;
    /// `Top moves`.
    fn png_top_moves(&self) -> String;
    /// No move.
    fn png_keep_split(&self) -> String;
    /// Lanes extrapolated.
    fn png_warn_extrapolated(&self, lanes: usize) -> String;
    /// Fake rows.
    fn png_warn_fake(&self, rows: usize) -> String;
    /// Series without a curve.
    fn png_warn_unusable(&self, series: usize) -> String;
    /// The heat-table's title.
    fn heat_title(&self, shown_days: usize, days: usize) -> String;
    /// The row of channels beyond the heaviest.
    fn heat_others(&self, channels: usize) -> String;
    /// The column of each channel's total.
    fn heat_total(&self) -> String;
    /// The review block's title.
    fn review_title(&self, first: &str, last: &str) -> String;
    /// Bar labels: planned, predicted at actual spend, actual.
    fn review_bars(&self) -> [String; 3];
    /// The spend line under the bars.
    fn review_spend(&self, planned: f64, actual: f64) -> String;
    /// Days covered so far.
    fn review_partial(&self, covered: u32, horizon: u32) -> String;

    // --- the other charts ---
    /// A fixed label of a chart.
    fn label(&self, l: Label) -> &'static str;
    /// The horizon in a chart's words: `7 days` (en keeps `1 days`), `7天`.
    fn chart_days(&self, days: f64) -> String;
    /// allocation.png's title.
    fn alloc_title(&self, days: &str, when: &str, full: bool) -> String;
    /// allocation.png's x axis.
    fn alloc_axis(&self, days: &str) -> String;
    /// Label of a last-period bar.
    fn alloc_last(&self, spend: f64, viewers: f64) -> String;
    /// Label of a plan bar.
    fn alloc_plan(&self, spend: f64, viewers: f64) -> String;
    /// marginal_cost.png's full title.
    fn mc_title(&self, when: &str) -> String;
    /// The shadow price's label.
    fn mc_shadow(&self, price: f64) -> String;
    /// frontier.png's title.
    fn fr_title(&self, days: &str, when: &str, full: bool) -> String;
    /// frontier.png's x axis.
    fn fr_axis_x(&self, days: &str) -> String;
    /// frontier.png's y axis.
    fn fr_axis_y(&self, days: &str) -> String;
    /// The target line's label (`metric` `None`: viewers).
    fn fr_target(&self, target: f64, metric: Option<Metric>, reachable: bool) -> String;
    /// An orders/GMV target's label, with the plan's viewers.
    fn fr_target_viewers(&self, short: &str, viewers: f64) -> String;
    /// The plan's label.
    fn fr_plan(&self, spend: f64, viewers: f64) -> String;
    /// A metric plan below the viewers frontier.
    fn fr_not_viewers(&self, m: Metric) -> String;
    /// A what-if's label.
    fn fr_what_if(&self, budget: f64, viewers: f64) -> String;
    /// curves.png: what the curves are, by the history's period.
    fn curves_what(&self, period_days: u32) -> String;
    /// curves.png's title.
    fn curves_title(&self, when: &str, what: Option<&str>) -> String;
    /// A panel's note: fake rows above the scale.
    fn curves_fake_above(&self, n: usize) -> String;

    // --- the plan table (stdout) ---
    /// `plan: cheapest plan reaching the target over 7 days — optimal`.
    fn plan_table_head(&self, min_spend: bool, over: &str, optimal: bool) -> String;
    /// The column heads (`per_period`: `cny_per_day` / `cny_per_week`).
    fn plan_table_columns(&self, per_period: &str) -> [String; 9];
    /// The total row's name.
    fn table_total(&self) -> &'static str;
    /// A lane bought to saturation.
    fn table_saturated(&self) -> &'static str;
    /// Prefix of each risk sentence in the table.
    fn table_risk(&self) -> &'static str;
    /// After the first limits of a long list in the table: `n` more, all
    /// in plan.json under `key`.
    fn table_more_limits(&self, n: usize, key: &str) -> String;
    /// The target's shadow price line.
    fn table_shadow_target(&self, m: Metric, price: f64) -> String;
    /// The budget's shadow price line.
    fn table_shadow_budget(&self, m: Metric, per_cny: f64) -> String;
    /// The last period of history against the plan.
    #[allow(clippy::too_many_arguments)]
    fn table_last(
        &self,
        span: &str,
        spend: f64,
        viewers: f64,
        cpv: f64,
        at_last: f64,
        saving: f64,
    ) -> String;

    // --- the command tables: validate, screen, fit, backtest, review,
    // store, ingest, what-if / frontier, config (issue 19, i19tr) ---
    /// A column head or fixed cell of a command table.
    fn col(&self, c: Col) -> &'static str;
    /// A solver status in a table cell (`optimal`, `infeasible`, …).
    fn status(&self, status: &str) -> String;
    /// The varied column of a what-if / frontier table (`budget_cny`, …).
    fn whatif_varied(&self, varied: &str) -> String;
    /// fit's column of rows used: `days`, `weeks`.
    fn col_rows_used(&self, period_days: u32) -> String;
    /// validate's column: `days_with_spend`, `weeks_with_spend`.
    fn col_with_spend(&self, period_days: u32) -> String;
    /// How long a row is: `daily`, `weekly (rows dated Mondays)`.
    fn period_name(&self, period_days: u32, weekday: Option<usize>) -> String;
    /// validate's first line.
    #[allow(clippy::too_many_arguments)]
    fn validate_head(
        &self,
        rows: f64,
        first: &str,
        last: &str,
        rooms: usize,
        channels: usize,
        period: &str,
    ) -> String;
    /// screen's first line (`signals`: the signals' names, or `None` when
    /// screening is off).
    fn screen_head(&self, flagged: usize, rows: usize, signals: Option<&str>) -> String;
    /// screen's line per channel.
    fn screen_channel(
        &self,
        channel: &str,
        flagged: usize,
        rows: usize,
        before: Option<f64>,
        after: Option<f64>,
    ) -> String;
    /// fit's note of an unusable curve (the reason in English, from the fit).
    fn fit_unusable(&self, reason: &str) -> String;
    /// fit's note of a shrunk curve (the reason in English, from the fit).
    fn fit_shrunk(&self, reason: &str) -> String;
    /// fit's last line.
    fn fit_footer(&self, curves: usize, fitted: usize, flat: usize, unusable: usize) -> String;
    /// backtest's first line.
    fn backtest_head(&self, weeks: usize, scored: usize) -> String;
    /// The backtest's sentence (summary.txt, the email, the table).
    fn backtest_headline(&self, weeks: usize, wape: [f64; 3], bias: f64) -> String;
    /// No week could be backtested.
    fn backtest_nothing(&self) -> String;
    /// A channel where the naive rule predicted better.
    fn backtest_lost(&self, channel: &str, ours: f64, naive: f64) -> String;
    /// Lane-weeks without a usable curve.
    fn backtest_without_curve(&self, lane_weeks: usize) -> String;
    /// The heading of the orders / GMV backtest table (`gmv`: GMV).
    fn backtest_conversions(&self, gmv: bool) -> String;
    /// review's first line.
    fn review_head(&self, first: &str, last: &str, covered: u32, horizon: u32) -> String;
    /// review.png's title.
    fn review_png_title(&self, first: &str, last: &str, covered: u32, horizon: u32) -> String;
    /// review.png's legend: planned, predicted at the spend spent, actual.
    fn review_png_bars(&self) -> [&'static str; 3];
    /// review.png's x axis.
    fn review_png_axis(&self) -> &'static str;
    /// backtest.png's title.
    fn backtest_png_title(&self, weeks: usize) -> String;
    /// backtest.png's axes: x, y.
    fn backtest_png_axes(&self) -> [&'static str; 2];
    /// backtest.png's legend: actual, acqplan, naive, log-log.
    fn backtest_png_series(&self) -> [&'static str; 4];
    /// store's first line.
    #[allow(clippy::too_many_arguments)]
    fn store_head(
        &self,
        rows: f64,
        rooms: usize,
        channels: usize,
        first: &str,
        last: &str,
        weekly: bool,
        files: usize,
        generation: u64,
    ) -> String;
    /// No lane misses a row.
    fn store_no_gaps(&self, weekly: bool) -> String;
    /// Lanes that miss rows.
    fn store_gaps(&self, lanes: usize, weekly: bool) -> String;
    /// The heading of the last ingests.
    fn store_last_ingest(&self) -> String;
    /// config: where a setting came from.
    fn setting_source(&self, source: &crate::config::Source) -> String;
}

/// Column heads and fixed cells of the command tables (validate, screen,
/// fit, backtest, review, store, ingest, what-if, frontier, config).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    /// `room`.
    Room,
    /// `channel`.
    Channel,
    /// The total row.
    Total,
    /// `note`.
    Note,
    /// `spend_cny`.
    SpendCny,
    /// `viewers`.
    Viewers,
    /// `cost_per_viewer_cny`.
    CostPerViewer,
    /// fit: `model`.
    Model,
    /// fit: `R²(log)`.
    R2Log,
    /// fit: `holdout MAPE`.
    HoldoutMape,
    /// fit: `CNY/viewer @p50`.
    CpvP50,
    /// fit: `marginal @p50`.
    MarginalP50,
    /// fit: `recency`.
    Recency,
    /// A saturated curve's marginal cost.
    Saturated,
    /// backtest: `lane-weeks`.
    LaneWeeks,
    /// backtest: `WAPE acqplan`.
    WapeAcqplan,
    /// backtest: `naive 28d`.
    Naive28d,
    /// backtest: `log-log`.
    LogLog,
    /// backtest: `bias acqplan`.
    BiasAcqplan,
    /// backtest: `daily WAPE`.
    DailyWape,
    /// review: `planned_cny`.
    PlannedCny,
    /// review: `actual_cny`.
    ActualCny,
    /// review: `planned_viewers`.
    PlannedViewers,
    /// review: `predicted_at_actual`.
    PredictedAtActual,
    /// review: `actual_viewers`.
    ActualViewers,
    /// review: `execution`.
    Execution,
    /// review: `prediction`.
    Prediction,
    /// ingest: `export`.
    Export,
    /// `rows`.
    Rows,
    /// `added`.
    Added,
    /// `unchanged`.
    Unchanged,
    /// `revised`.
    Revised,
    /// `rejected`.
    Rejected,
    /// ingest: an export read before.
    AlreadyIngested,
    /// store: `rooms`.
    Rooms,
    /// store: `first`.
    First,
    /// store: `last`.
    Last,
    /// store: `missing`.
    Missing,
    /// store: `first missing`.
    FirstMissing,
    /// store: `source`.
    Source,
    /// store: `ingested at (UTC)`.
    IngestedAt,
    /// what-if: `avg_cpv`.
    AvgCpv,
    /// what-if: `marginal`.
    Marginal,
    /// what-if: `status`.
    Status,
    /// config: `setting`.
    Setting,
    /// config: `value`.
    Value,
    /// config: `(none)`.
    Nothing,
    /// config: no channel setting.
    ChannelFromFile,
    /// config: `by` not set.
    ByAuto,
    /// config: no recipients.
    NoEmail,
    /// config: no SMTP server.
    NotSent,
}

impl Col {
    /// Every column head, for the tests that check both languages.
    pub const ALL: [Col; 51] = [
        Col::Room,
        Col::Channel,
        Col::Total,
        Col::Note,
        Col::SpendCny,
        Col::Viewers,
        Col::CostPerViewer,
        Col::Model,
        Col::R2Log,
        Col::HoldoutMape,
        Col::CpvP50,
        Col::MarginalP50,
        Col::Recency,
        Col::Saturated,
        Col::LaneWeeks,
        Col::WapeAcqplan,
        Col::Naive28d,
        Col::LogLog,
        Col::BiasAcqplan,
        Col::DailyWape,
        Col::PlannedCny,
        Col::ActualCny,
        Col::PlannedViewers,
        Col::PredictedAtActual,
        Col::ActualViewers,
        Col::Execution,
        Col::Prediction,
        Col::Export,
        Col::Rows,
        Col::Added,
        Col::Unchanged,
        Col::Revised,
        Col::Rejected,
        Col::AlreadyIngested,
        Col::Rooms,
        Col::First,
        Col::Last,
        Col::Missing,
        Col::FirstMissing,
        Col::Source,
        Col::IngestedAt,
        Col::AvgCpv,
        Col::Marginal,
        Col::Status,
        Col::Setting,
        Col::Value,
        Col::Nothing,
        Col::ChannelFromFile,
        Col::ByAuto,
        Col::NoEmail,
        Col::NotSent,
    ];
}

/// The fixed labels of the charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Label {
    /// marginal_cost.png's short title.
    McShort,
    /// x axis: spend per day.
    AxisSpendPerDay,
    /// y axis: marginal cost.
    AxisMarginalCost,
    /// y axis: viewers per day.
    AxisViewersPerDay,
    /// Legend: the plan.
    LegendPlan,
    /// Legend: the frontier.
    LegendFrontier,
    /// Legend: what-if budgets.
    LegendWhatIf,
    /// No frontier.
    NoFrontier,
    /// No curves.
    NoCurves,
    /// Legend: daily history.
    DailyHistory,
    /// Legend: a day with fake rows (pooled rooms).
    FakeDay,
    /// Legend: a fake row.
    FakeRow,
    /// Legend: the fitted band.
    FittedBand,
    /// Legend: last period.
    LastPeriod,
    /// Legend: the plan's spend.
    PlanPerDay,
    /// Panel note.
    NoUsableCurve,
    /// Panel note.
    PlanBeyondHistory,
}
