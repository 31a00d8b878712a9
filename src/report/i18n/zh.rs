//! 简体中文。

use super::{
    Col, Label, Lang, LastWeekFigures, MoveKind, RiskGoal, Words, amount, count, money, percent,
    signed_count, signed_percent, unit,
};
use crate::plan::Metric;

/// Simplified Chinese.
pub struct Zh;

const L: Lang = Lang::Zh;

fn n(x: f64) -> String {
    count(L, x)
}
fn y(x: f64) -> String {
    money(L, x)
}
fn a(x: f64, m: Metric) -> String {
    amount(L, x, m)
}
fn p(x: f64) -> String {
    percent(L, x)
}
fn days(d: f64) -> String {
    super::days(L, d)
}
/// `= 62%`, `>99%`, `<1%`.
fn is(x: f64) -> String {
    let t = p(x);
    if t.starts_with(['<', '>']) {
        t
    } else {
        format!("= {t}")
    }
}

impl Words for Zh {
    fn value_gmv(&self, gmv: f64, p10: f64, p90: f64, roi: Option<f64>) -> String {
        let roi = roi.map_or(String::new(), |r| {
            format!("，综合ROI {r:.2}（每花1元带来的GMV）")
        });
        format!(
            "预计GMV {}（按每位观众GMV，P10–P90 {}–{}）{roi}。",
            y(gmv),
            y(p10),
            y(p90)
        )
    }
    fn value_profit(&self, profit: f64, p10: f64, p90: f64) -> String {
        format!(
            "预计利润 {}（P10–P90 {}–{}）：毛利率 × GMV − 投放花费。",
            y(profit),
            y(p10),
            y(p90)
        )
    }
    fn value_break_even(&self, break_even: f64, below: &str) -> String {
        if below.is_empty() {
            format!(
                "保本ROI {break_even:.2}（1 / 毛利率）：每条投放线的下一元都至少带来这么多GMV。"
            )
        } else {
            format!(
                "保本ROI {break_even:.2}（1 / 毛利率）；低于保本的投放线（限额或目标迫使花费）：{below}。"
            )
        }
    }
    fn value_floors(&self, min_roi: Option<f64>, min_marginal_roi: Option<f64>) -> String {
        let mut parts = Vec::new();
        if let Some(r) = min_roi {
            parts.push(format!("综合ROI不低于 {r:.2}"));
        }
        if let Some(r) = min_marginal_roi {
            parts.push(format!(
                "每条投放线只投到下一元带来的GMV不低于 {r:.2} 元为止"
            ));
        }
        format!("ROI下限：{}。", parts.join("；"))
    }
    fn value_roi_unreachable(&self, floor: f64, reachable: f64) -> String {
        format!(
            "ROI {floor:.2} 与目标无法同时满足：能达到目标的最高综合ROI为 {reachable:.2}；把 --min-roi 降到这个值，或降低目标。"
        )
    }
    fn lang(&self) -> Lang {
        L
    }

    fn summary_title(&self, d: f64, label: &str) -> String {
        format!("投放计划：{label}，{}", days(d))
    }
    fn label_from(&self, day: &str) -> String {
        format!("{day} 起")
    }
    fn target_unreachable(&self, requested: f64, reachable: f64, m: Metric) -> String {
        format!(
            "目标：{} —— 无法达成：在现有限制下最多 {}。",
            a(requested, m),
            a(reachable, m)
        )
    }
    fn target(&self, t: f64, m: Metric, d: f64) -> String {
        format!("目标：{}内 {}。", days(d), a(t, m))
    }
    fn target_rooms(&self) -> String {
        "目标：各直播间各自的目标（见 plan.json）。".into()
    }
    fn budget(&self, b: f64, d: f64) -> String {
        format!("预算：{}内 {}。", days(d), y(b))
    }
    fn plan_line(&self, spend: f64, viewers: f64, cpv: Option<f64>, p10: f64, p90: f64) -> String {
        format!(
            "计划：花费 {}，获得 {} 观看（每观看 {}；P10–P90 为 {}–{} 观看）。",
            y(spend),
            n(viewers),
            cpv.map_or("-".into(), |c| format!("{c:.2}元")),
            n(p10),
            n(p90)
        )
    }
    fn saving_line(&self, saving: f64, span: &str, cpv: f64) -> String {
        let verb = if saving >= 0.0 { "节省" } else { "多花" };
        format!(
            "{verb}：{}（与按最近{span}每观看 {cpv:.2}元 买同样的观看相比）。",
            y(saving.abs()),
        )
    }
    fn shadow_target(&self, m: Metric, price: f64) -> String {
        let what = match m {
            Metric::Viewers => "观看",
            Metric::Orders => "订单",
            Metric::GmvCny => "元成交额",
        };
        format!("每多一个{what}需花费 {price:.2}元（目标的影子价格）。")
    }
    fn shadow_budget(&self, m: Metric, per_cny: f64) -> String {
        format!(
            "每多花 1 元可多得 {per_cny:.3} {}（预算的影子价格）。",
            unit(L, m)
        )
    }
    fn backtest(&self, headline: &str) -> String {
        format!("回测：{headline}")
    }
    fn heading_last_week(&self) -> String {
        "上周回顾：".into()
    }
    fn heading_top_moves(&self) -> String {
        "主要调整：".into()
    }
    fn heading_warnings(&self) -> String {
        "注意：".into()
    }
    fn charts(&self, names: &str) -> String {
        format!("图表：{names}。")
    }
    fn details(&self) -> String {
        "明细：见运行目录中的 plan.csv 和 plan.json。".into()
    }

    fn schedule_saving(
        &self,
        span: &str,
        start: &str,
        saving: f64,
        m: Metric,
        even_spend: f64,
        fraction: Option<f64>,
    ) -> String {
        if saving.abs() < 0.5 {
            return format!(
                "按天排期（{start} 起 {span}）：与同样{}平均分配到每天相比没有节省（平均分配需 {}）。",
                unit(L, m),
                y(even_spend),
            );
        }
        format!(
            "按天排期（{start} 起 {span}）：比同样{}平均分配到每天{} {}（平均分配需 {}{}）。",
            unit(L, m),
            if saving >= 0.0 { "少花" } else { "多花" },
            y(saving.abs()),
            y(even_spend),
            fraction.map_or(String::new(), |f| format!("，{:.2}%", f.abs() * 100.0)),
        )
    }
    fn schedule_extra(&self, span: &str, start: &str, extra: f64, m: Metric, even: f64) -> String {
        if extra.abs() < 0.5 {
            return format!(
                "按天排期（{start} 起 {span}）：与同样预算平均分配到每天相比没有多得{}（平均分配为 {}）。",
                unit(L, m),
                a(even, m),
            );
        }
        format!(
            "按天排期（{start} 起 {span}）：比同样预算平均分配到每天{} {}（平均分配为 {}）。",
            if extra >= 0.0 { "多得" } else { "少得" },
            a(extra.abs(), m),
            a(even, m),
        )
    }
    fn schedule_even(
        &self,
        span: &str,
        start: &str,
        even_spend: f64,
        even_viewers: f64,
        optimal: bool,
    ) -> String {
        format!(
            "按天排期（{start} 起 {span}）；同一需求平均分配：花费 {}，获得 {} 观看（{}）。",
            y(even_spend),
            n(even_viewers),
            if optimal { "最优" } else { "不可行" }
        )
    }
    fn schedule_promotion(
        &self,
        date: &str,
        name: &str,
        lifts: &[(&str, f64)],
        channels: usize,
    ) -> String {
        if lifts.is_empty() {
            return format!("{date} 是{name}：历史中没有渠道有大促提升，按平日排期。");
        }
        let list: Vec<String> = lifts.iter().map(|(c, l)| format!("{c} ×{l:.2}")).collect();
        let everyday = channels.saturating_sub(lifts.len());
        let mut s = format!("{date} 是{name}：按大促提升排期（{}）", list.join("，"));
        if everyday > 0 {
            s.push_str(&format!(
                "；另有 {everyday} 个渠道历史中没有大促日，按平日排期"
            ));
        }
        s.push('。');
        s
    }
    fn schedule_min_excess(&self, excess: f64) -> String {
        format!(
            "每日最低消耗使排期比计划多花 {}（总花费低于单日最低消耗的渠道）。",
            y(excess)
        )
    }

    fn risk_p(&self, goal: RiskGoal, m: Metric, d: &str, pr: f64, p_expected: f64) -> String {
        let what = match goal {
            RiskGoal::Total(t) => format!("P(达到 {})", a(t, m)),
            RiskGoal::Rooms => "P(每个直播间都达到目标)".to_string(),
        };
        format!(
            "{what} {}：{d}内实际{}达到目标的概率（计入曲线参数、模型形式和逐日波动）；计划的期望值达到目标的概率为 {}。",
            is(pr),
            unit(L, m),
            p(p_expected)
        )
    }
    fn risk_realised(&self, m: Metric, d: &str, p10: f64, p50: f64, p90: f64) -> String {
        format!(
            "{d}内实际{}：P10 {}，中位数 {}，P90 {}（计入曲线参数、模型形式和逐日波动）。",
            unit(L, m),
            n(p10),
            n(p50),
            n(p90)
        )
    }
    fn confidence_less(
        &self,
        asked: f64,
        saved: f64,
        share: &str,
        ev_spend: f64,
        ev_p: f64,
    ) -> String {
        format!(
            "按 P ≥ {} 规划：比期望值计划（{}，P = {}）少花 {}（{}），期望值计划已比要求更稳。",
            p(asked),
            y(ev_spend),
            p(ev_p),
            y(saved),
            share.trim_start_matches('+').replace(' ', ""),
        )
    }
    fn confidence_more(
        &self,
        asked: f64,
        extra: f64,
        share: &str,
        ev_spend: f64,
        ev_p: f64,
    ) -> String {
        format!(
            "按 P ≥ {} 规划：比期望值计划（{}，P = {}）多花 {}（{}）：这是确定性的代价。",
            p(asked),
            y(ev_spend),
            p(ev_p),
            y(extra),
            share.replace(' ', ""),
        )
    }
    fn confidence_quantile(&self, m: Metric, asked: f64, q: f64, ev_q: f64) -> String {
        format!(
            "按 {} 的概率能达到的{}规划：{}（期望值计划以该概率达到 {}）。",
            p(asked),
            unit(L, m),
            n(q),
            n(ev_q)
        )
    }
    fn confidence_unreachable(&self, asked: f64, pr: f64) -> String {
        format!(
            "在现有限制下无法达到 P ≥ {}：找到的最稳计划 P = {}。",
            p(asked),
            p(pr)
        )
    }
    fn risk_headline_target(&self, target: f64, pr: f64) -> String {
        format!("P(达到 {}) {}", n(target), is(pr))
    }
    fn risk_headline_rooms(&self, pr: f64) -> String {
        format!("P(每个直播间都达标) {}", is(pr))
    }
    fn risk_headline_realised(&self, m: Metric, p10: f64, p90: f64) -> String {
        format!("实际：P10–P90 {}–{}", a(p10, m), a(p90, m))
    }

    fn list_sep(&self) -> &'static str {
        "；"
    }
    fn warn_infeasible(&self, limiting: &str) -> String {
        format!("目标无法达成；受限于：{limiting}。")
    }
    fn warn_fake_rows(&self, rows: usize) -> String {
        format!(
            "{} 行疑似虚假流量已剔除（见 flagged_rows.csv）。",
            crate::report::table::thousands(rows as f64, 0)
        )
    }
    fn warn_extrapolation(&self, room: &str, channel: &str, per_day: f64) -> String {
        format!(
            "外推：{room} × {channel} 计划每天 {}，超过历史最高单日的 1.5 倍。",
            y(per_day)
        )
    }
    fn warn_support_limit(&self, room: &str, channel: &str, per_day: f64, multiple: f64) -> String {
        format!(
            "支撑上限：{room} × {channel} 限定在每天 {}，即历史最高单日的 {multiple} 倍（超出部分曲线不可信；`[plan] max_extrapolation` 可放宽）。",
            y(per_day)
        )
    }
    fn warn_beyond_history(
        &self,
        room: &str,
        channel: &str,
        per_day: f64,
        times: Option<f64>,
        viewers: f64,
        fitted: Option<f64>,
    ) -> String {
        format!(
            "超出历史：{room} × {channel} 计划每天 {}（历史最高单日的 {} 倍），按保守曲线计 {} 观看，拟合曲线为 {}（超过历史最高单日的观看按曲线增长的 P10 计）。",
            y(per_day),
            times.map_or("?".into(), |t| format!("{t:.2}")),
            n(viewers),
            fitted.map_or("?".into(), n),
        )
    }
    fn warn_too_good(
        &self,
        room: &str,
        channel: &str,
        cpv: f64,
        times: f64,
        median: f64,
        spend: f64,
    ) -> String {
        format!(
            "好得不真实：{room} × {channel} 计划每观看 {cpv:.2}元，比该渠道中位数（{median:.2}元）便宜 {times:.0} 倍；投入 {} 前请检查是否有买量。",
            y(spend)
        )
    }
    fn warn_backtest_lost(&self, what: &str) -> String {
        format!("回测：在 {what} 上，简单的 28 天规则比曲线预测得更准。")
    }
    fn warn_excluded(&self, channel: &str) -> String {
        format!("渠道 {channel} 已排除在计划之外。")
    }
    fn warn_not_planned(&self, room: &str, channel: &str, reason: &str) -> String {
        format!("未规划：{room} × {channel}：{reason}。")
    }
    fn warn_data(&self, note: &str) -> String {
        format!("数据：{note}。")
    }

    fn top_move(
        &self,
        kind: MoveKind,
        channel: &str,
        delta: f64,
        last: f64,
        plan: f64,
        last_viewers: f64,
        plan_viewers: f64,
    ) -> String {
        let verb = match kind {
            MoveKind::Start => "启动",
            MoveKind::Stop => "停投",
            MoveKind::Raise => "加投",
            MoveKind::Cut => "减投",
        };
        format!(
            "{verb} {channel} {}（{} → {}），观看 {} → {}",
            y(delta),
            y(last),
            y(plan),
            n(last_viewers),
            n(plan_viewers),
        )
    }

    fn last_week_headline(&self, f: &LastWeekFigures) -> String {
        let run = if f.run.is_empty() {
            String::new()
        } else {
            format!("（运行 {}）", f.run)
        };
        let mut s = format!(
            "{} 至 {} 的计划{run}：计划花费 {} 获得 {} 观看；实际花费 {}，获得 {} 观看",
            f.first_day,
            f.last_day,
            y(f.planned_spend_cny),
            n(f.planned_viewers),
            y(f.actual_spend_cny),
            n(f.actual_viewers),
        );
        if let Some(pv) = f.predicted_viewers {
            s.push_str(&format!("；按实际花费，曲线预测 {}", n(pv)));
            if pv > 0.0 {
                s.push_str(&format!(
                    "（{}）",
                    signed_percent(L, f.actual_viewers / pv - 1.0)
                ));
            }
        }
        if f.days_covered < f.horizon_days {
            s.push_str(&format!(
                " —— 历史数据目前只覆盖计划 {} 天中的 {} 天，计划按这些天折算",
                f.horizon_days, f.days_covered
            ));
        }
        s
    }
    fn last_week_split(&self, f: &LastWeekFigures) -> String {
        let c = |v: f64| signed_count(L, v);
        let mut s = format!(
            "差额 {} 观看：执行（花费与计划不同）{}，预测（曲线在实际花费处的误差）{}",
            c(f.miss_viewers()),
            c(f.execution_viewers),
            c(f.prediction_viewers)
        );
        if f.fake_traffic_viewers != 0.0 {
            s.push_str(&format!(
                "，虚假流量（{} 行被标记，花费 {}）{}",
                f.flagged_rows,
                y(f.flagged_spend_cny),
                c(f.fake_traffic_viewers)
            ));
        }
        if f.unsplit_viewers != 0.0 {
            s.push_str(&format!(
                "，无曲线的渠道（{} 个）{}",
                f.lanes_without_curve,
                c(f.unsplit_viewers)
            ));
        }
        s
    }

    fn subject_head(&self, year: i32, week: u32, start: &str, d: f64) -> String {
        format!(
            "acqplan {year}-W{week:02} 投放计划（{start} 起，{}）",
            days(d)
        )
    }
    fn subject_unreachable(&self, requested: f64, got: f64, m: Metric, cost: f64) -> String {
        format!(
            "：目标 {} 无法达成，最多 {}，花费 {}",
            a(requested, m),
            a(got, m),
            y(cost)
        )
    }
    fn subject_target(&self, target: f64, m: Metric, cost: f64) -> String {
        format!("：目标 {}，花费 {}", a(target, m), y(cost))
    }
    fn subject_rooms(&self, got: f64, m: Metric, cost: f64) -> String {
        format!("：各直播间目标，{}，花费 {}", a(got, m), y(cost))
    }
    fn subject_budget(&self, budget: Option<f64>, got: f64, m: Metric, cost: f64) -> String {
        match budget {
            Some(b) => format!("：预算 {}，{}，花费 {}", y(b), a(got, m), y(cost)),
            None => format!("：{}，花费 {}", a(got, m), y(cost)),
        }
    }

    fn png_title(&self, when: &str, d: f64) -> String {
        format!("投放计划{when}（{}）", days(d))
    }
    fn png_target(&self, t: f64, m: Metric, d: f64) -> String {
        format!("目标：{}内 {}", days(d), a(t, m))
    }
    fn png_budget(&self, b: f64, d: f64) -> String {
        format!("预算：{}内 {}", days(d), y(b))
    }
    fn png_goal(&self, m: Metric) -> String {
        format!("目标：{}", unit(L, m))
    }
    fn png_cost(&self, spend: f64, viewers: f64, cpv: Option<f64>) -> String {
        format!(
            "计划花费：{}，获得 {} 观看{}",
            y(spend),
            n(viewers),
            cpv.map(|c| format!("（每观看 {c:.2}元）"))
                .unwrap_or_default()
        )
    }
    fn png_saving(&self, saving: f64, span: &str, cpv: f64) -> String {
        if saving >= 0.0 {
            format!(
                "比最近{span}节省：{}（按最近每观看 {cpv:.2}元 买同样的观看）",
                y(saving)
            )
        } else {
            format!("比最近{span}的单价（每观看 {cpv:.2}元）多花 {}", y(-saving))
        }
    }
    fn png_no_comparison(&self, span: &str) -> String {
        format!("最近{span}没有花费，无法比较")
    }
    fn png_shadow_viewer(&self, price: f64) -> String {
        format!("下一个观看的成本 {price:.2}元（影子价格：每个渠道都买到这个边际成本为止）")
    }
    fn png_shadow(&self, m: Metric, price: f64) -> String {
        format!("下一{}的成本 {price:.2}元（影子价格）", unit(L, m))
    }
    fn png_no_shadow(&self) -> String {
        "影子价格：本计划无".into()
    }
    fn png_unreachable(&self, reachable: f64, m: Metric) -> String {
        format!("目标无法达成：在现有限制下最多 {}", a(reachable, m))
    }
    fn png_top_moves(&self) -> String {
        "主要调整".into()
    }
    fn png_keep_split(&self) -> String {
        "• 保持上期的分配".into()
    }
    fn png_warn_extrapolated(&self, lanes: usize) -> String {
        format!("{lanes} 个渠道的计划超过历史最高单日花费的 1.5 倍")
    }
    fn png_warn_fake(&self, rows: usize) -> String {
        format!(
            "{} 行疑似虚假流量已剔除",
            crate::report::table::thousands(rows as f64, 0)
        )
    }
    fn png_warn_unusable(&self, series: usize) -> String {
        format!("{series} 个序列没有可用曲线，未规划")
    }
    fn heat_title(&self, shown: usize, d: usize) -> String {
        if shown < d {
            format!("排期：各渠道每天花费（元；前 {shown} 天，共 {d} 天）")
        } else {
            "排期：各渠道每天花费（元）".into()
        }
    }
    fn heat_others(&self, channels: usize) -> String {
        format!("其他 {channels} 个渠道")
    }
    fn heat_total(&self) -> String {
        "合计".into()
    }
    fn review_title(&self, first: &str, last: &str) -> String {
        format!("上周回顾：{first} 至 {last}")
    }
    fn review_bars(&self) -> [String; 3] {
        ["计划".into(), "按实际花费预测".into(), "实际".into()]
    }
    fn review_spend(&self, planned: f64, actual: f64) -> String {
        format!("花费：计划 {}，实际 {}", y(planned), y(actual))
    }
    fn review_partial(&self, covered: u32, horizon: u32) -> String {
        format!("历史数据目前覆盖 {horizon} 天中的 {covered} 天")
    }
    fn label(&self, l: Label) -> &'static str {
        match l {
            Label::McShort => "每观看边际成本",
            Label::AxisSpendPerDay => "每天花费（元）",
            Label::AxisMarginalCost => "边际成本（元/观看）",
            Label::AxisViewersPerDay => "每天观看",
            Label::LegendPlan => "计划",
            Label::LegendFrontier => "各预算的最多观看",
            Label::LegendWhatIf => "假设预算",
            Label::NoFrontier => "未计算前沿（没有计划需求）",
            Label::NoCurves => "没有可显示的曲线",
            Label::DailyHistory => "每日历史",
            Label::FakeDay => "含疑似虚假流量的日子（▲ 超出刻度）",
            Label::FakeRow => "疑似虚假流量（▲ 超出刻度）",
            Label::FittedBand => "拟合曲线及 P10–P90 区间",
            Label::LastPeriod => "上期日均花费",
            Label::PlanPerDay => "计划日花费",
            Label::NoUsableCurve => "无可用曲线",
            Label::PlanBeyondHistory => "计划超出历史",
        }
    }
    fn chart_days(&self, d: f64) -> String {
        days(d)
    }
    fn alloc_title(&self, d: &str, when: &str, full: bool) -> String {
        if full {
            format!("各渠道{d}花费{when}：上期（灰）与计划（彩色），附观看")
        } else {
            format!("各渠道{d}花费：上期（灰）与计划")
        }
    }
    fn alloc_axis(&self, d: &str) -> String {
        format!("{d}花费（元）")
    }
    fn alloc_last(&self, spend: f64, viewers: f64) -> String {
        format!("上期 {} · {} 观看", y(spend), n(viewers))
    }
    fn alloc_plan(&self, spend: f64, viewers: f64) -> String {
        format!("计划 {} → {} 观看", y(spend), n(viewers))
    }
    fn mc_title(&self, when: &str) -> String {
        format!("各渠道下一个观看的边际成本{when}：计划把每个渠道买到影子价格为止")
    }
    fn mc_shadow(&self, price: f64) -> String {
        format!("影子价格 每观看 {price:.2}元")
    }
    fn fr_title(&self, d: &str, when: &str, full: bool) -> String {
        if full {
            format!("预算前沿{when}：{d}内各预算能买到的最多观看")
        } else {
            format!("各预算的观看，{d}")
        }
    }
    fn fr_axis_x(&self, d: &str) -> String {
        format!("{d}预算（元）")
    }
    fn fr_axis_y(&self, d: &str) -> String {
        format!("{d}期望观看")
    }
    fn fr_target(&self, target: f64, metric: Option<Metric>, reachable: bool) -> String {
        let reach = if reachable { "" } else { "（无法达成）" };
        format!(
            "目标 {}{reach}",
            a(target, metric.unwrap_or(Metric::Viewers))
        )
    }
    fn fr_target_viewers(&self, short: &str, viewers: f64) -> String {
        format!("{short}：计划的 {} 观看", n(viewers))
    }
    fn fr_plan(&self, spend: f64, viewers: f64) -> String {
        format!("计划 {} → {} 观看", y(spend), n(viewers))
    }
    fn fr_not_viewers(&self, m: Metric) -> String {
        format!(
            "计划是达到{}目标的最省方案，而非观看最多：可能位于观看前沿之下。",
            unit(L, m)
        )
    }
    fn fr_what_if(&self, budget: f64, viewers: f64) -> String {
        format!("假设 {} → {}", y(budget), n(viewers))
    }
    fn curves_what(&self, period_days: u32) -> String {
        match period_days {
            1 => "每天观看与每天花费，按每日历史拟合".to_string(),
            7 => "每天观看与每天花费，按周数据 ÷ 7 拟合".to_string(),
            d => format!("每天观看与每天花费，按 {d} 天数据 ÷ {d} 拟合"),
        }
    }
    fn curves_title(&self, when: &str, what: Option<&str>) -> String {
        match what {
            Some(what) => format!("响应曲线{when}：{what}"),
            None => format!("响应曲线{when}"),
        }
    }
    fn curves_fake_above(&self, k: usize) -> String {
        format!("{k} 个虚假点超出刻度")
    }

    fn plan_table_head(&self, min_spend: bool, over: &str, optimal: bool) -> String {
        format!(
            "计划：{over}内{} —— {}",
            if min_spend {
                "达到目标的最省方案"
            } else {
                "预算内观看最多的方案"
            },
            if optimal { "最优" } else { "不可行" }
        )
    }
    fn plan_table_columns(&self, per_period: &str) -> [String; 9] {
        let per = if per_period.ends_with("week") {
            "每周（元）"
        } else {
            "每天（元）"
        };
        [
            "直播间",
            "渠道",
            "花费（元）",
            per,
            "观看",
            "P10..P90",
            "平均单价",
            "边际单价",
            "备注",
        ]
        .map(String::from)
    }
    fn table_total(&self) -> &'static str {
        "合计"
    }
    fn table_saturated(&self) -> &'static str {
        "已饱和"
    }
    fn table_risk(&self) -> &'static str {
        "风险："
    }
    fn table_more_limits(&self, n: usize, key: &str) -> String {
        format!("……另有 {n} 项（见 plan.json 的 `{key}`）")
    }
    fn table_shadow_target(&self, m: Metric, price: f64) -> String {
        format!("目标的影子价格：每多一{} {price:.2}元", unit(L, m))
    }
    fn table_shadow_budget(&self, m: Metric, per_cny: f64) -> String {
        format!("预算的影子价格：每多 1 元得 {per_cny:.3} {}", unit(L, m))
    }
    fn table_last(
        &self,
        span: &str,
        spend: f64,
        viewers: f64,
        cpv: f64,
        at_last: f64,
        saving: f64,
    ) -> String {
        format!(
            "历史最近{span}：花费 {}，获得 {} 观看（每观看 {cpv:.2}元）；按当时单价买计划的观看需 {}：节省 {}",
            super::money(L, spend),
            super::count(L, viewers),
            super::money(L, at_last),
            super::money(L, saving)
        )
    }

    // --- the command tables (i19tr) ---
    fn col(&self, c: Col) -> &'static str {
        match c {
            Col::Room => "直播间",
            Col::Channel => "渠道",
            Col::Total => "合计",
            Col::Note => "备注",
            Col::SpendCny => "花费（元）",
            Col::Viewers => "观看",
            Col::CostPerViewer => "每观看成本（元）",
            Col::Model => "模型",
            Col::R2Log => "R²（对数）",
            Col::HoldoutMape => "留出 MAPE",
            Col::CpvP50 => "P50 每观看成本",
            Col::MarginalP50 => "P50 边际成本",
            Col::Recency => "近期加权",
            Col::Saturated => "已饱和",
            Col::LaneWeeks => "组合周数",
            Col::WapeAcqplan => "WAPE acqplan",
            Col::Naive28d => "28天朴素法",
            Col::LogLog => "双对数",
            Col::BiasAcqplan => "偏差 acqplan",
            Col::DailyWape => "逐日 WAPE",
            Col::PlannedCny => "计划花费",
            Col::ActualCny => "实际花费",
            Col::PlannedViewers => "计划观看",
            Col::PredictedAtActual => "按实际花费预测",
            Col::ActualViewers => "实际观看",
            Col::Execution => "执行",
            Col::Prediction => "预测",
            Col::Export => "导出文件",
            Col::Rows => "行数",
            Col::Added => "新增",
            Col::Unchanged => "未变",
            Col::Revised => "修订",
            Col::Rejected => "拒收",
            Col::AlreadyIngested => "已导入过",
            Col::Rooms => "直播间数",
            Col::First => "首日",
            Col::Last => "末日",
            Col::Missing => "缺失",
            Col::FirstMissing => "首个缺失",
            Col::Source => "来源",
            Col::IngestedAt => "导入时间（UTC）",
            Col::AvgCpv => "平均每观看成本",
            Col::Marginal => "边际成本",
            Col::Status => "状态",
            Col::Setting => "设置",
            Col::Value => "值",
            Col::Nothing => "（无）",
            Col::ChannelFromFile => "（取自文件的渠道列）",
            Col::ByAuto => "自动（数据有直播间列时按 room,channel）",
            Col::NoEmail => "（无：不写 plan.eml）",
            Col::NotSent => "（无：不发送）",
        }
    }
    fn status(&self, status: &str) -> String {
        match status {
            "optimal" => "最优".into(),
            "infeasible" => "不可行".into(),
            "unbounded" => "无界".into(),
            "error" => "出错".into(),
            other => other.to_string(),
        }
    }
    fn whatif_varied(&self, varied: &str) -> String {
        match varied {
            "budget_cny" => "预算（元）".into(),
            "target_viewers" => "目标观看".into(),
            "target_orders" => "目标订单".into(),
            "target_gmv_cny" | "target_CNY GMV" => "目标成交额（元）".into(),
            "value" => "值".into(),
            other => other.to_string(),
        }
    }
    fn col_rows_used(&self, period_days: u32) -> String {
        match period_days {
            1 => "天数".into(),
            7 => "周数".into(),
            _ => "期数".into(),
        }
    }
    fn col_with_spend(&self, period_days: u32) -> String {
        format!("有花费{}", self.col_rows_used(period_days))
    }
    fn period_name(&self, period_days: u32, weekday: Option<usize>) -> String {
        const DAYS: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
        match (period_days, weekday) {
            (1, _) => "按日".into(),
            (7, Some(w)) => format!("按周（每行日期为{}）", DAYS[w % 7]),
            (7, None) => "按周".into(),
            (d, _) => format!("每{d}天"),
        }
    }
    fn validate_head(
        &self,
        rows: f64,
        first: &str,
        last: &str,
        rooms: usize,
        channels: usize,
        period: &str,
    ) -> String {
        format!(
            "行数：{}   日期：{first} 至 {last}   直播间：{rooms}   渠道：{channels}   周期：{period}",
            crate::report::table::thousands(rows, 0)
        )
    }
    fn screen_head(&self, flagged: usize, rows: usize, signals: Option<&str>) -> String {
        match signals {
            Some(s) => format!("{rows} 行中有 {flagged} 行被标记为虚假流量（信号：{s}）"),
            None => format!("{rows} 行中有 {flagged} 行被标记为虚假流量（未筛查）"),
        }
    }
    fn screen_channel(
        &self,
        channel: &str,
        flagged: usize,
        rows: usize,
        before: Option<f64>,
        after: Option<f64>,
    ) -> String {
        let cost = |c: Option<f64>| c.map_or_else(|| "–".to_string(), |c| format!("{c:.2}"));
        let change = match (before, after) {
            (Some(b), Some(a)) if b > 0.0 => format!("（{}）", signed_percent(L, a / b - 1.0)),
            _ => String::new(),
        };
        format!(
            "{channel}：{rows} 行中 {flagged} 行被标记，每观看成本 {} → {} 元{change}",
            cost(before),
            cost(after),
        )
    }
    fn fit_unusable(&self, reason: &str) -> String {
        format!("不可用：{reason}")
    }
    fn fit_shrunk(&self, reason: &str) -> String {
        format!("已收缩：{reason}")
    }
    fn fit_footer(&self, curves: usize, fitted: usize, flat: usize, unusable: usize) -> String {
        let flat = if flat > 0 {
            format!("，{flat} 条平坦（基线，不参与计划）")
        } else {
            String::new()
        };
        format!("共 {curves} 条曲线：{fitted} 条已拟合{flat}，{unusable} 条不可用")
    }
    fn backtest_head(&self, weeks: usize, scored: usize) -> String {
        format!("回测最近 {weeks} 周（{scored} 周计分）：每周都只用它之前的数据预测")
    }
    fn backtest_headline(&self, weeks: usize, wape: [f64; 3], bias: f64) -> String {
        format!(
            "曲线对最近 {weeks} 周各组合周合计的预测误差为 {:.1}%（WAPE；28天朴素法 {:.1}%，双对数 {:.1}%），偏差 {:+.1}%。",
            100.0 * wape[0],
            100.0 * wape[1],
            100.0 * wape[2],
            100.0 * bias
        )
    }
    fn backtest_nothing(&self) -> String {
        "回测没有找到之前有足够历史数据的周。".into()
    }
    fn backtest_lost(&self, channel: &str, ours: f64, naive: f64) -> String {
        format!(
            "{channel}：acqplan {:.1}%，28天朴素法 {:.1}%",
            100.0 * ours,
            100.0 * naive
        )
    }
    fn backtest_without_curve(&self, lane_weeks: usize) -> String {
        format!("{lane_weeks} 个组合周没有可用曲线，所有方法都不计入")
    }
    fn backtest_conversions(&self, gmv: bool) -> String {
        format!(
            "{}（每组合每周合计；观看 × 该周之前的每观看{}）：",
            if gmv { "成交额" } else { "订单" },
            if gmv { "成交额" } else { "订单" }
        )
    }
    fn review_head(&self, first: &str, last: &str, covered: u32, horizon: u32) -> String {
        format!("{first} 至 {last} 计划复盘（已覆盖 {horizon} 天中的 {covered} 天）")
    }
    fn review_png_title(&self, first: &str, last: &str, covered: u32, horizon: u32) -> String {
        format!(
            "{first} – {last} 计划复盘：各渠道观看（历史数据覆盖 {horizon} 天中的 {covered} 天）"
        )
    }
    fn review_png_bars(&self) -> [&'static str; 3] {
        ["计划", "按实际花费预测", "实际"]
    }
    fn review_png_axis(&self) -> &'static str {
        "已覆盖天数内的观看"
    }
    fn backtest_png_title(&self, weeks: usize) -> String {
        format!("回测：每周观看，每周都只用它之前的数据预测（{weeks} 周）")
    }
    fn backtest_png_axes(&self) -> [&'static str; 2] {
        ["周起始日", "观看（所有组合，有花费的天）"]
    }
    fn backtest_png_series(&self) -> [&'static str; 4] {
        [
            "实际",
            "acqplan",
            "朴素法：最近28天每元观看",
            "逐组合双对数回归",
        ]
    }
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
    ) -> String {
        format!(
            "{} 行，{rooms} 个直播间，{channels} 个渠道，{first} 至 {last}（{}），{files} 个月份文件，第 {generation} 代",
            crate::report::table::thousands(rows, 0),
            if weekly {
                "每行一周"
            } else {
                "每行一天"
            },
        )
    }
    fn store_no_gaps(&self, weekly: bool) -> String {
        format!(
            "没有缺口：每个组合从首次到最后一次花费之间每{}都有一行",
            if weekly { "周" } else { "天" }
        )
    }
    fn store_gaps(&self, lanes: usize, weekly: bool) -> String {
        format!(
            "{lanes} 个组合在首次与最后一次花费之间缺少若干{}：",
            if weekly { "周" } else { "天" }
        )
    }
    fn store_last_ingest(&self) -> String {
        "各来源最近一次导入：".into()
    }
    fn setting_source(&self, source: &crate::config::Source) -> String {
        use crate::config::Source;
        match source {
            Source::Default => "默认".into(),
            Source::File(p) => format!("文件 {}", p.display()),
            Source::Flag(flag) => format!("参数 {flag}"),
        }
    }
}
