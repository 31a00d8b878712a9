//! plan.csv, plan.json and the plan table for stdout (bytes and text, no IO).

use super::table::{Align, Table, csv_num as num, thousands};
use crate::plan::stage::PlanReport;
use crate::plan::{PlanMode, PlanStatus};

/// `plan.json`: the whole report, pretty-printed.
pub fn plan_json(r: &PlanReport) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(r).expect("plan serialises");
    v.push(b'\n');
    v
}

/// `plan.csv`: one row per room × channel, then a `total` row.
pub fn plan_csv(r: &PlanReport) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let period = r.comparison.period();
    let per = period.days as f64;
    let per_period = format!("spend_cny_per_{}", period.suffix());
    w.write_record([
        "room",
        "channel",
        "spend_cny",
        per_period.as_str(),
        "viewers",
        "viewers_p10",
        "viewers_p90",
        "avg_cost_cny_per_viewer",
        "marginal_cost_cny_per_viewer",
        "binding",
        "extrapolation",
        "last_spend_cny",
        "last_viewers",
    ])
    .expect("writing to memory");
    for row in &r.rows {
        w.write_record([
            row.room.as_str(),
            row.channel.as_str(),
            &num(Some(row.spend_cny), 2),
            &num(Some(row.spend_cny_per_day * per), 2),
            &num(Some(row.viewers), 1),
            &num(Some(row.viewers_p10), 1),
            &num(Some(row.viewers_p90), 1),
            &num(row.avg_cost_cny_per_viewer, 4),
            &num(row.marginal_cost_cny_per_viewer, 4),
            &row.binding.join(";"),
            if row.extrapolation { "true" } else { "false" },
            &num(Some(row.last_spend_cny), 2),
            &num(Some(row.last_viewers), 1),
        ])
        .expect("writing to memory");
    }
    let t = &r.plan.totals;
    w.write_record([
        "",
        "total",
        &num(Some(t.spend_cny), 2),
        &num(Some(t.spend_cny / r.plan.horizon_days * per), 2),
        &num(Some(t.viewers), 1),
        &num(Some(r.viewers_p10_sum), 1),
        &num(Some(r.viewers_p90_sum), 1),
        &num(t.avg_cost_cny_per_viewer, 4),
        &num(r.plan.target_shadow_price_cny_per_unit, 4),
        &r.plan
            .binding
            .iter()
            .map(|b| b.description.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        if r.rows.iter().any(|x| x.extrapolation) {
            "true"
        } else {
            "false"
        },
        &num(Some(r.comparison.last_spend_cny), 2),
        &num(Some(r.comparison.last_viewers), 1),
    ])
    .expect("writing to memory");
    w.into_inner().expect("writing to memory")
}

fn opt(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "-".into(), |x| thousands(x, decimals))
}

/// The plan as text for stdout.
pub fn plan_table(r: &PlanReport) -> String {
    let p = &r.plan;
    let mode = match p.mode {
        PlanMode::MinSpend => "cheapest plan reaching the target",
        PlanMode::MaxMetric => "most viewers within the budget",
    };
    let status = match p.status {
        PlanStatus::Optimal => "optimal",
        PlanStatus::Infeasible => "INFEASIBLE",
    };
    let period = r.comparison.period();
    let per = period.days as f64;
    let over = if period.is_daily() {
        format!("{} days", p.horizon_days)
    } else {
        format!(
            "{} days ({})",
            p.horizon_days,
            period.count(p.horizon_days as usize)
        )
    };
    let mut s = format!("plan: {mode} over {over} — {status}\n\n");
    let per_period = format!("cny_per_{}", period.suffix());
    let mut t = Table::new(&[
        ("room", Align::Left),
        ("channel", Align::Left),
        ("spend_cny", Align::Right),
        (per_period.as_str(), Align::Right),
        ("viewers", Align::Right),
        ("p10..p90", Align::Right),
        ("avg_cpv", Align::Right),
        ("marginal_cpv", Align::Right),
        ("note", Align::Left),
    ]);
    for row in &r.rows {
        let mut note = row.binding.join(",");
        if row.extrapolation {
            if !note.is_empty() {
                note.push(',');
            }
            note.push_str("extrapolation");
        }
        t.row(vec![
            row.room.clone(),
            row.channel.clone(),
            thousands(row.spend_cny, 0),
            thousands(row.spend_cny_per_day * per, 0),
            thousands(row.viewers, 0),
            format!(
                "{}..{}",
                thousands(row.viewers_p10, 0),
                thousands(row.viewers_p90, 0)
            ),
            opt(row.avg_cost_cny_per_viewer, 2),
            match row.marginal_cost_cny_per_viewer {
                None if row.spend_cny > 0.0 => "saturated".into(),
                m => opt(m, 2),
            },
            note,
        ]);
    }
    let tot = &p.totals;
    t.row(vec![
        String::new(),
        "total".into(),
        thousands(tot.spend_cny, 0),
        thousands(tot.spend_cny / p.horizon_days * per, 0),
        thousands(tot.viewers, 0),
        format!(
            "{}..{}",
            thousands(r.viewers_p10_sum, 0),
            thousands(r.viewers_p90_sum, 0)
        ),
        opt(tot.avg_cost_cny_per_viewer, 2),
        String::new(),
        String::new(),
    ]);
    s.push_str(&t.render());
    s.push('\n');
    if let Some(sp) = p.target_shadow_price_cny_per_unit {
        s.push_str(&format!(
            "shadow price of the target: {} CNY for one more {}\n",
            thousands(sp, 2),
            p.metric.unit().trim_end_matches('s')
        ));
    }
    if let Some(sp) = p.budget_shadow_price_units_per_cny {
        s.push_str(&format!(
            "shadow price of the budget: {} {} per extra CNY\n",
            thousands(sp, 3),
            p.metric.unit()
        ));
    }
    for room in p.rooms.iter().filter(|r| r.target.is_some()) {
        s.push_str(&format!(
            "room {}: target {}, reached {} for {} CNY{}\n",
            room.room,
            opt(room.target, 0),
            thousands(room.reached, 0),
            thousands(room.spend_cny, 0),
            room.shadow_price_cny_per_unit
                .map_or(String::new(), |sp| format!(
                    " (next {} costs {} CNY)",
                    p.metric.unit().trim_end_matches('s'),
                    thousands(sp, 2)
                ))
        ));
    }
    for b in &p.binding {
        s.push_str(&format!("binding: {}\n", b.description));
    }
    if let Some(inf) = &p.infeasibility {
        s.push_str(&format!(
            "infeasible: {} {} requested, at most {} reachable under the limits\n",
            thousands(inf.requested, 0),
            p.metric.unit(),
            thousands(inf.max_reachable, 0)
        ));
        for l in &inf.limiting {
            s.push_str(&format!("  limited by: {l}\n"));
        }
    }
    let c = &r.comparison;
    if let (Some(cpv), Some(at), Some(saving)) = (
        c.last_cost_per_viewer_cny,
        c.plan_viewers_at_last_cost_cny,
        c.saving_cny,
    ) {
        s.push_str(&format!(
            "last {} of history: {} CNY for {} viewers ({:.2} CNY per viewer); the plan's viewers would have cost {} CNY then: saving {} CNY\n",
            c.span(),
            thousands(c.last_spend_cny, 0),
            thousands(c.last_viewers, 0),
            cpv,
            thousands(at, 0),
            thousands(saving, 0)
        ));
    }
    for (room, channel, reason) in &r.unusable {
        s.push_str(&format!("not planned: {room} × {channel}: {reason}\n"));
    }
    s
}
