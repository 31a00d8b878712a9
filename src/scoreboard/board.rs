//! The figures per family and method, and the files: `scoreboard.md`
//! (bytes, no IO) and `scoreboard.csv`.

use super::{Method, ScoreRow};

/// Figures of one method on one family, over its seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Family id.
    pub family: &'static str,
    /// Method.
    pub method: Method,
    /// Seeds run.
    pub seeds: usize,
    /// Seeds where the method failed (no plan).
    pub failed: usize,
    /// Median regret.
    pub median_regret: f64,
    /// 90th percentile of regret.
    pub p90_regret: f64,
    /// Median completed regret.
    pub median_completed_regret: f64,
    /// 90th percentile of completed regret.
    pub p90_completed_regret: f64,
    /// Median shortfall.
    pub median_shortfall: f64,
    /// Median efficiency regret.
    pub median_efficiency_regret: f64,
    /// Share of seeds meeting the target (failed runs count as not met).
    pub met_share: f64,
    /// Median overpromise (predicted ÷ true − 1).
    pub median_overpromise: f64,
    /// Median share of spend on extrapolated lanes (acqplan; NaN otherwise).
    pub median_extrapolated_share: f64,
    /// Seeds whose plan broke a limit.
    pub over_limits: usize,
    /// Seeds acqplan called infeasible.
    pub infeasible: usize,
}

/// Linear-interpolation quantile (`q` in [0, 1]) of the finite values; NaN
/// when there are none.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let pos = q * (v.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    if i + 1 < v.len() {
        v[i] + frac * (v[i + 1] - v[i])
    } else {
        v[i]
    }
}

/// One summary per family (in `families` order) × method.
pub fn summarise(rows: &[ScoreRow], families: &[&'static str]) -> Vec<Summary> {
    let mut out = Vec::new();
    for &family in families {
        for method in Method::ALL {
            let rs: Vec<&ScoreRow> = rows
                .iter()
                .filter(|r| r.family == family && r.method == method)
                .collect();
            if rs.is_empty() {
                continue;
            }
            let col = |f: &dyn Fn(&ScoreRow) -> f64| rs.iter().map(|r| f(r)).collect::<Vec<f64>>();
            let regret = col(&|r| r.score.regret);
            out.push(Summary {
                family,
                method,
                seeds: rs.len(),
                failed: rs.iter().filter(|r| r.status.starts_with("error")).count(),
                median_regret: quantile(&regret, 0.5),
                p90_regret: quantile(&regret, 0.9),
                median_completed_regret: quantile(&col(&|r| r.score.completed_regret), 0.5),
                p90_completed_regret: quantile(&col(&|r| r.score.completed_regret), 0.9),
                median_shortfall: quantile(&col(&|r| r.score.shortfall), 0.5),
                median_efficiency_regret: quantile(&col(&|r| r.score.efficiency_regret), 0.5),
                met_share: rs.iter().filter(|r| r.score.met).count() as f64 / rs.len() as f64,
                median_overpromise: quantile(&col(&|r| r.overpromise()), 0.5),
                median_extrapolated_share: quantile(&col(&|r| r.extrapolated_share), 0.5),
                over_limits: rs
                    .iter()
                    .filter(|r| r.status.contains("over limits"))
                    .count(),
                infeasible: rs
                    .iter()
                    .filter(|r| r.status.starts_with("infeasible"))
                    .count(),
            });
        }
    }
    out
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1} %", 100.0 * x)
    } else {
        "–".into()
    }
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// `scoreboard.csv`: one row per family × seed × method, every figure.
pub fn scores_csv(rows: &[ScoreRow]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "family",
        "seed",
        "method",
        "rooms",
        "lanes",
        "days",
        "period_days",
        "goal",
        "ask",
        "bau_metric",
        "oracle_cost_cny",
        "oracle_metric",
        "spend_cny",
        "true_metric",
        "predicted_metric",
        "regret",
        "completed_regret",
        "shortfall",
        "efficiency_regret",
        "met",
        "overpromise",
        "extrapolated_share",
        "status",
        "seconds",
    ])
    .expect("writing to memory");
    for r in rows {
        let s = &r.score;
        w.write_record([
            r.family.to_string(),
            r.seed.to_string(),
            r.method.name().to_string(),
            r.rooms.to_string(),
            r.lanes.to_string(),
            r.days.to_string(),
            r.period_days.to_string(),
            r.goal.name().to_string(),
            num(r.ask),
            num(r.bau_metric),
            num(r.oracle_cost_cny),
            num(r.oracle_metric),
            num(s.spend_cny),
            num(s.metric),
            num(r.predicted_metric),
            num(s.regret),
            num(s.completed_regret),
            num(s.shortfall),
            num(s.efficiency_regret),
            s.met.to_string(),
            num(r.overpromise()),
            num(r.extrapolated_share),
            r.status.clone(),
            format!("{:.3}", r.seconds),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// What `scoreboard.md` says about the run itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunInfo {
    /// The exact command.
    pub command: String,
    /// `git rev-parse --short HEAD` (and whether the tree had edits).
    pub commit: String,
    /// `uname -m` and core count.
    pub machine: String,
    /// Date and time (UTC).
    pub date: String,
    /// Seeds per family, and any family run with fewer.
    pub seeds: String,
    /// History sizes.
    pub sizes: String,
    /// Wall time of the whole grid.
    pub wall: String,
}

/// `scoreboard.md`: the run, the table per family and method, and notes.
pub fn scoreboard_md(
    info: &RunInfo,
    summaries: &[Summary],
    about: &dyn Fn(&str) -> String,
) -> Vec<u8> {
    let mut s = String::new();
    s.push_str("# acqplan scoreboard: regret against the exact optimum\n\n");
    s.push_str(&format!(
        "- command: `{}`\n- commit: {}\n- machine: {}\n- date: {}\n- seeds: {}\n- sizes: {}\n- wall time: {}\n\n",
        info.command, info.commit, info.machine, info.date, info.seeds, info.sizes, info.wall
    ));
    s.push_str(
        "Every figure is on the true curves of the generator, against the exact optimum for the \
         same request and limits (bisection on the Lagrange multiplier, independent of the \
         planner). **Regret** = spend ÷ the optimum's cost for the target − 1 (budget mode: 1 − \
         true viewers ÷ the optimum's viewers for the budget); a plan that falls short can have a \
         negative regret, so read it with the **shortfall** = max(0, 1 − true ÷ target). \
         **Completed regret** = the plan topped up at the least extra cost until it truly reaches \
         the target, ÷ the optimum's cost − 1 (= regret for plans that meet the target, and in \
         budget mode): it counts the money a plan misallocates, not what it leaves undone (a plan \
         that spends nothing scores 0), so it too is read with the shortfall. **Efficiency regret** = spend ÷ the optimum's cost of what the plan truly \
         delivered − 1. **Met** = true ≥ 99.5 % of the target (room targets: every room; budget: \
         spend ≤ 100.5 % of it). **Overpromise** = the method's own prediction ÷ the truth − 1. \
         Medians and P90 over seeds. The families, the truth, the targets and the baselines are \
         defined in the docs of `src/scoreboard/` (`mod.rs`, `family.rs`, `baseline.rs`).\n\n",
    );
    let mut families: Vec<&str> = Vec::new();
    for x in summaries {
        if !families.contains(&x.family) {
            families.push(x.family);
        }
    }
    let find = |f: &str, m: Method| summaries.iter().find(|x| x.family == f && x.method == m);
    s.push_str(
        "## At a glance: median regret (median shortfall) · median completed regret\n\n\
         | family | acqplan | business as usual | naive rule |\n|---|---:|---:|---:|\n",
    );
    for f in &families {
        let cell = |m: Method| {
            find(f, m).map_or("–".into(), |x| {
                format!(
                    "{} ({}) · {}",
                    pct(x.median_regret),
                    pct(x.median_shortfall),
                    pct(x.median_completed_regret)
                )
            })
        };
        s.push_str(&format!(
            "| {f} | {} | {} | {} |\n",
            cell(Method::Acqplan),
            cell(Method::BusinessAsUsual),
            cell(Method::Naive)
        ));
    }
    s.push_str(
        "\n## Every figure\n\n| family | method | seeds | median regret | P90 regret | median shortfall | median completed regret | P90 completed regret | median efficiency regret | met | median overpromise | notes |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for x in summaries {
        let mut notes = Vec::new();
        if x.failed > 0 {
            notes.push(format!("{} failed", x.failed));
        }
        if x.infeasible > 0 {
            notes.push(format!("{} called infeasible", x.infeasible));
        }
        if x.over_limits > 0 {
            notes.push(format!("{} over limits", x.over_limits));
        }
        if x.median_extrapolated_share > 0.0005 {
            notes.push(format!(
                "{} of spend on extrapolated lanes",
                pct(x.median_extrapolated_share)
            ));
        }
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0} % | {} | {} |\n",
            x.family,
            x.method.name(),
            x.seeds,
            pct(x.median_regret),
            pct(x.p90_regret),
            pct(x.median_shortfall),
            pct(x.median_completed_regret),
            pct(x.p90_completed_regret),
            pct(x.median_efficiency_regret),
            100.0 * x.met_share,
            pct(x.median_overpromise),
            notes.join(", ")
        ));
    }
    s.push_str("\n## Families\n\n| id | what it varies |\n|---|---|\n");
    for f in &families {
        s.push_str(&format!("| {f} | {} |\n", about(f)));
    }
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_and_skip_nan() {
        let v = [3.0, 1.0, f64::NAN, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert!((quantile(&v, 0.9) - 3.7).abs() < 1e-12);
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert!(quantile(&[f64::NAN], 0.5).is_nan());
    }
}
