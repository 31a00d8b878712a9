//! `curves.csv` / `curves.json` and the fit table for stdout. Bytes only, no
//! IO. Output is deterministic: curves in (room, channel) order, numbers in
//! Rust's shortest round-trip form, and no NaN or infinity anywhere (a
//! missing or non-finite number is an empty CSV cell or JSON `null`).

use serde::Serialize;

use super::table::{Align, Table, thousands};
use crate::curves::fit::{Family, FitOutcome};
use crate::curves::model::Model;
use crate::curves::stage::CurveFit;

/// A finite number, else nothing.
fn fin(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Model parameters (only those of the family are set).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ParamsRecord {
    /// Saturation level, viewers/day (exp, hill).
    pub vmax: Option<f64>,
    /// Spend scale, CNY/day (exp, hill).
    pub k_cny: Option<f64>,
    /// Hill shape.
    pub a: Option<f64>,
    /// Power-law viewers/day at 1 CNY/day.
    pub c: Option<f64>,
    /// Power-law elasticity.
    pub b: Option<f64>,
}

impl ParamsRecord {
    fn of(m: &Model) -> Self {
        match *m {
            Model::Exp { vmax, k_cny } => ParamsRecord {
                vmax: fin(vmax),
                k_cny: fin(k_cny),
                ..Self::default()
            },
            Model::Hill { vmax, k_cny, a } => ParamsRecord {
                vmax: fin(vmax),
                k_cny: fin(k_cny),
                a: fin(a),
                ..Self::default()
            },
            Model::Power { c, b } => ParamsRecord {
                c: fin(c),
                b: fin(b),
                ..Self::default()
            },
        }
    }
}

/// Fit quality.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QualityRecord {
    /// R² of ln(viewers) on positive-spend days.
    pub r2_log: Option<f64>,
    /// Cross-validated holdout MAPE (0.1 = 10 %).
    pub holdout_mape: Option<f64>,
    /// Robust standard deviation of the log residuals.
    pub sigma_log: Option<f64>,
    /// Positive-spend days used.
    pub days_used: usize,
    /// Zero-spend days (left out).
    pub zero_spend_days: usize,
    /// Days with a log residual beyond 3 robust standard deviations.
    pub outlier_days: usize,
    /// Lowest positive daily spend, CNY/day.
    pub spend_min_cny: Option<f64>,
    /// Highest daily spend, CNY/day.
    pub spend_max_cny: Option<f64>,
}

/// Cross-validation scores of one family.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CvRecord {
    /// Family.
    pub model: &'static str,
    /// Day blocks.
    pub folds: usize,
    /// Mean absolute error of ln(viewers) on held-out days.
    pub cv_log_mae: Option<f64>,
    /// Held-out RMSE of ln(viewers), each day's error capped at 3 robust SDs
    /// (the selection criterion).
    pub cv_log_rmse_capped: Option<f64>,
    /// Holdout MAPE (0.1 = 10 %).
    pub cv_mape: Option<f64>,
}

/// The curve at a percentile of historical positive spend.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AtSpendRecord {
    /// Percentile (25, 50, 75).
    pub percentile: u8,
    /// Spend at that percentile, CNY/day.
    pub spend_cny: Option<f64>,
    /// Expected viewers/day (P50).
    pub viewers_per_day: Option<f64>,
    /// P10 of expected viewers/day.
    pub viewers_p10_per_day: Option<f64>,
    /// P90 of expected viewers/day.
    pub viewers_p90_per_day: Option<f64>,
    /// Spend / viewers, CNY per viewer.
    pub average_cost_per_viewer_cny: Option<f64>,
    /// Cost of the next viewer, CNY per viewer (null where capped or flat).
    pub marginal_cost_per_viewer_cny: Option<f64>,
}

/// One row of `curves.csv` / one entry of `curves.json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurveRecord {
    /// Live room (`all` when pooled or when the data had no rooms).
    pub room: String,
    /// Channel.
    pub channel: String,
    /// `fitted`, `flat` (spend explains nothing: a baseline, not planned) or
    /// `unusable`.
    pub status: &'static str,
    /// Why unusable or flat.
    pub reason: Option<String>,
    /// Family: `exp`, `hill` or `power`.
    pub model: Option<&'static str>,
    /// Parameters of the family.
    pub params: ParamsRecord,
    /// Reach cap applied, viewers/day.
    pub cap_viewers_per_day: Option<f64>,
    /// Days in the history of this curve.
    pub days_total: usize,
    /// Fit quality (null when unusable).
    pub quality: Option<QualityRecord>,
    /// Whether the fit borrowed strength from the pooled channel curve.
    pub shrunk: bool,
    /// Why.
    pub shrink_reason: Option<String>,
    /// Cross-validation scores of every family tried.
    pub cv_scores: Vec<CvRecord>,
    /// The curve at the 25th, 50th and 75th percentile of historical spend.
    pub at_spend: Vec<AtSpendRecord>,
    /// Spend beyond which the curve is an extrapolation (1.5 × the highest
    /// historical spend), CNY/day.
    pub extrapolation_limit_cny: Option<f64>,
    /// Multiplicative weekday factors, Monday first.
    pub weekday_factors: Vec<Option<f64>>,
    /// Median viewers/day on zero-spend days.
    pub organic_viewers_per_day: Option<f64>,
    /// Expected ÷ median-day viewers (the retransformation already in the
    /// curve).
    pub expectation_factor: Option<f64>,
    /// How recent weeks set the level (null: all history the same).
    pub recency: Option<RecencyRecord>,
    /// Rows of several days (weekly): the spread of the days inside a row
    /// taken and the factor κ that took the curve from the row's average
    /// day to an evenly spent day (null for daily rows).
    pub period_spread: Option<crate::curves::PeriodSpread>,
}

/// The recency setting of a curve's level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecencyRecord {
    /// `all`, `90d`, `180d+trend`, …
    pub setting: String,
    /// Half-life of past days, days (null: all days weigh the same).
    pub half_life_days: Option<f64>,
    /// Whether a linear trend of the level was carried to the horizon.
    pub trend: bool,
    /// Factor on the whole-history level.
    pub factor: Option<f64>,
    /// Effective days behind the level.
    pub effective_days: Option<f64>,
    /// The channel's rolling-origin WAPE of weekly lane totals with this
    /// setting (0.1 = 10 %).
    pub validation_wape: Option<f64>,
    /// The same with all history weighed the same.
    pub validation_wape_all_history: Option<f64>,
}

impl CurveRecord {
    /// The record of one fit.
    pub fn of(f: &CurveFit) -> Self {
        let mut r = CurveRecord {
            room: f.key.room.clone(),
            channel: f.key.channel.clone(),
            status: "unusable",
            reason: None,
            model: None,
            params: ParamsRecord::default(),
            cap_viewers_per_day: f.cap_viewers_per_day.and_then(fin),
            days_total: f.days_total,
            quality: None,
            shrunk: false,
            shrink_reason: None,
            cv_scores: Vec::new(),
            at_spend: Vec::new(),
            extrapolation_limit_cny: None,
            weekday_factors: Vec::new(),
            organic_viewers_per_day: None,
            expectation_factor: None,
            recency: None,
            period_spread: None,
        };
        match &f.outcome {
            FitOutcome::Unusable { reason } => r.reason = Some(reason.clone()),
            FitOutcome::Flat {
                viewers_per_day,
                reason,
            } => {
                r.status = "flat";
                r.reason = Some(reason.clone());
                r.organic_viewers_per_day = fin(*viewers_per_day);
            }
            FitOutcome::Fitted(c) => {
                let q = &c.quality;
                r.status = "fitted";
                r.model = Some(c.curve.model.name());
                r.params = ParamsRecord::of(&c.curve.model);
                r.cap_viewers_per_day = c.curve.cap_viewers_per_day.and_then(fin);
                r.quality = Some(QualityRecord {
                    r2_log: fin(q.r2_log),
                    holdout_mape: q.holdout_mape.and_then(fin),
                    sigma_log: fin(q.sigma_log),
                    days_used: q.days_used,
                    zero_spend_days: q.zero_spend_days,
                    outlier_days: q.outlier_days,
                    spend_min_cny: fin(q.spend_min_cny),
                    spend_max_cny: fin(q.spend_max_cny),
                });
                r.shrunk = c.shrunk;
                r.shrink_reason = c.shrink_reason.clone();
                r.cv_scores = c
                    .cv_scores
                    .iter()
                    .map(|s| CvRecord {
                        model: s.model.name(),
                        folds: s.folds,
                        cv_log_mae: fin(s.cv_log_mae),
                        cv_log_rmse_capped: fin(s.cv_log_rmse_capped),
                        cv_mape: fin(s.cv_mape),
                    })
                    .collect();
                r.at_spend = c
                    .spend_summaries
                    .iter()
                    .map(|s| AtSpendRecord {
                        percentile: s.percentile,
                        spend_cny: fin(s.spend_cny),
                        viewers_per_day: fin(s.viewers_per_day),
                        viewers_p10_per_day: fin(s.viewers_p10_per_day),
                        viewers_p90_per_day: fin(s.viewers_p90_per_day),
                        average_cost_per_viewer_cny: s.average_cost_per_viewer_cny.and_then(fin),
                        marginal_cost_per_viewer_cny: s.marginal_cost_per_viewer_cny.and_then(fin),
                    })
                    .collect();
                r.extrapolation_limit_cny = fin(c.extrapolation_limit_cny);
                r.weekday_factors = c.weekday_factors.iter().map(|&w| fin(w)).collect();
                r.organic_viewers_per_day = c.organic_viewers_per_day.and_then(fin);
                r.expectation_factor = fin(c.expectation_factor);
                r.period_spread = c.period_spread.clone();
                r.recency = c.recency.as_ref().map(|x| RecencyRecord {
                    setting: crate::curves::recency::Setting {
                        half_life_days: x.half_life_days,
                        trend: x.trend,
                    }
                    .label(),
                    half_life_days: x.half_life_days.and_then(fin),
                    trend: x.trend,
                    factor: fin(x.factor),
                    effective_days: fin(x.effective_days),
                    validation_wape: x.validation_wape.and_then(fin),
                    validation_wape_all_history: x.validation_wape_all_history.and_then(fin),
                });
            }
        }
        r
    }

    fn at(&self, percentile: u8) -> Option<&AtSpendRecord> {
        self.at_spend.iter().find(|a| a.percentile == percentile)
    }

    fn cv(&self, fam: Family) -> Option<&CvRecord> {
        self.cv_scores.iter().find(|c| c.model == fam.name())
    }

    /// What the table's note column says.
    fn note(&self, lang: crate::lang::Lang) -> String {
        let w = crate::report::i18n::words(lang);
        match (&self.reason, &self.shrink_reason) {
            (Some(r), _) if self.status == "flat" => r.clone(),
            (Some(r), _) => w.fit_unusable(r),
            (None, Some(s)) => w.fit_shrunk(s),
            _ => String::new(),
        }
    }
}

/// `curves.json`: how the curves were cut and every curve.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CurvesFile {
    /// `room_channel` or `channel`.
    pub granularity: &'static str,
    /// Curves fitted.
    pub fitted: usize,
    /// Flat lanes (spend explains nothing: baselines, not planned).
    pub flat: usize,
    /// Curves without a usable fit.
    pub unusable: usize,
    /// Days one row of the history covers (7: weekly rows). Curves are per
    /// day whatever the period: a weekly row's spend and viewers ÷ 7, so
    /// `days_total` counts rows (weeks). Left out when 1.
    #[serde(skip_serializing_if = "crate::validate::period::period_days::is_daily")]
    pub period_days: u32,
    /// Every curve, by room then channel.
    pub curves: Vec<CurveRecord>,
    /// With a promotion calendar: its entries, the lane-days left out of
    /// the curves and each channel's lift (what the plan multiplies a
    /// promotion day's viewers by). Left out without a calendar.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub promotions: Option<crate::calendar::PromotionFit>,
}

impl CurvesFile {
    /// Records of `fits` (sorted by room, then channel).
    pub fn new(granularity: &'static str, fits: &[CurveFit]) -> Self {
        let mut curves: Vec<CurveRecord> = fits.iter().map(CurveRecord::of).collect();
        curves.sort_by(|a, b| (&a.room, &a.channel).cmp(&(&b.room, &b.channel)));
        let fitted = curves.iter().filter(|c| c.status == "fitted").count();
        let flat = curves.iter().filter(|c| c.status == "flat").count();
        CurvesFile {
            granularity,
            fitted,
            flat,
            unusable: curves.len() - fitted - flat,
            period_days: 1,
            curves,
            promotions: None,
        }
    }

    /// `curves.json` bytes (pretty, with a final newline).
    pub fn json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).expect("curves serialise");
        v.push(b'\n');
        v
    }

    /// `curves.csv` bytes: one row per curve.
    pub fn csv(&self) -> Vec<u8> {
        let num = |x: Option<f64>| {
            x.filter(|v| v.is_finite())
                .map_or(String::new(), |v| v.to_string())
        };
        let mut header: Vec<String> = [
            "room",
            "channel",
            "status",
            "reason",
            "model",
            "vmax",
            "k_cny",
            "a",
            "c",
            "b",
            "cap_viewers_per_day",
            "days_total",
            "days_used",
            "r2_log",
            "holdout_mape",
            "sigma_log",
            "spend_min_cny",
            "spend_max_cny",
            "shrunk",
            "shrink_reason",
            "extrapolation_limit_cny",
            "expectation_factor",
            "recency",
            "recency_factor",
            "recency_validation_wape",
            "all_history_validation_wape",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for fam in Family::ALL {
            for m in ["cv_log_mae", "cv_mape"] {
                header.push(format!("{}_{m}", fam.name()));
            }
        }
        for p in [25, 50, 75] {
            for m in [
                "spend_cny",
                "viewers_per_day",
                "viewers_p10_per_day",
                "viewers_p90_per_day",
                "avg_cost_per_viewer_cny",
                "marginal_cost_per_viewer_cny",
            ] {
                header.push(format!("p{p}_{m}"));
            }
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).expect("writing to memory");
        for c in &self.curves {
            let q = c.quality.as_ref();
            let mut row = vec![
                c.room.clone(),
                c.channel.clone(),
                c.status.to_string(),
                c.reason.clone().unwrap_or_default(),
                c.model.unwrap_or_default().to_string(),
                num(c.params.vmax),
                num(c.params.k_cny),
                num(c.params.a),
                num(c.params.c),
                num(c.params.b),
                num(c.cap_viewers_per_day),
                c.days_total.to_string(),
                q.map_or(String::new(), |q| q.days_used.to_string()),
                num(q.and_then(|q| q.r2_log)),
                num(q.and_then(|q| q.holdout_mape)),
                num(q.and_then(|q| q.sigma_log)),
                num(q.and_then(|q| q.spend_min_cny)),
                num(q.and_then(|q| q.spend_max_cny)),
                c.shrunk.to_string(),
                c.shrink_reason.clone().unwrap_or_default(),
                num(c.extrapolation_limit_cny),
                num(c.expectation_factor),
                c.recency
                    .as_ref()
                    .map_or(String::new(), |r| r.setting.clone()),
                num(c.recency.as_ref().and_then(|r| r.factor)),
                num(c.recency.as_ref().and_then(|r| r.validation_wape)),
                num(c
                    .recency
                    .as_ref()
                    .and_then(|r| r.validation_wape_all_history)),
            ];
            for fam in Family::ALL {
                let s = c.cv(fam);
                row.push(num(s.and_then(|s| s.cv_log_mae)));
                row.push(num(s.and_then(|s| s.cv_mape)));
            }
            for p in [25, 50, 75] {
                let a = c.at(p);
                row.push(num(a.and_then(|a| a.spend_cny)));
                row.push(num(a.and_then(|a| a.viewers_per_day)));
                row.push(num(a.and_then(|a| a.viewers_p10_per_day)));
                row.push(num(a.and_then(|a| a.viewers_p90_per_day)));
                row.push(num(a.and_then(|a| a.average_cost_per_viewer_cny)));
                row.push(num(a.and_then(|a| a.marginal_cost_per_viewer_cny)));
            }
            w.write_record(&row).expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }

    /// The same file for a history whose rows each cover `days` days.
    pub fn with_period_days(mut self, days: u32) -> Self {
        self.period_days = days.max(1);
        self
    }

    /// The same file with the promotion calendar's fit.
    pub fn with_promotions(mut self, p: Option<crate::calendar::PromotionFit>) -> Self {
        self.promotions = p;
        self
    }

    /// The table for stdout.
    pub fn table(&self, lang: crate::lang::Lang) -> String {
        use crate::report::i18n::{Col, words};
        let w = words(lang);
        let rows = w.col_rows_used(self.period_days);
        let mut t = Table::new(&[
            (w.col(Col::Room), Align::Left),
            (w.col(Col::Channel), Align::Left),
            (w.col(Col::Model), Align::Left),
            (rows.as_str(), Align::Right),
            (w.col(Col::R2Log), Align::Right),
            (w.col(Col::HoldoutMape), Align::Right),
            (w.col(Col::CpvP50), Align::Right),
            (w.col(Col::MarginalP50), Align::Right),
            (w.col(Col::Recency), Align::Left),
            (w.col(Col::Note), Align::Left),
        ]);
        let opt = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map_or("-".to_string(), f);
        for c in &self.curves {
            let q = c.quality.as_ref();
            let p50 = c.at(50);
            t.row(vec![
                c.room.clone(),
                c.channel.clone(),
                c.model.unwrap_or("-").to_string(),
                q.map_or(c.days_total, |q| q.days_used).to_string(),
                opt(q.and_then(|q| q.r2_log), &|v| format!("{v:.2}")),
                opt(q.and_then(|q| q.holdout_mape), &|v| {
                    format!("{:.1} %", 100.0 * v)
                }),
                opt(p50.and_then(|a| a.average_cost_per_viewer_cny), &|v| {
                    thousands(v, 2)
                }),
                match p50 {
                    Some(a)
                        if a.marginal_cost_per_viewer_cny.is_none()
                            && a.average_cost_per_viewer_cny.is_some()
                            && c.cap_viewers_per_day.is_none() =>
                    {
                        w.col(Col::Saturated).to_string()
                    }
                    _ => opt(p50.and_then(|a| a.marginal_cost_per_viewer_cny), &|v| {
                        thousands(v, 2)
                    }),
                },
                c.recency
                    .as_ref()
                    .map_or("-".to_string(), |r| r.setting.clone()),
                c.note(lang),
            ]);
        }
        let mut s = t.render();
        s.push_str(&w.fit_footer(self.curves.len(), self.fitted, self.flat, self.unusable));
        s.push('\n');
        s
    }
}
