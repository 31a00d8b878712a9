//! Stages 3 and 4: the screened rows cut into one series per lane, and a
//! curve fitted to each.

use std::collections::BTreeMap;

use super::screened::Screened;
use super::{Message, Messages};
use crate::curves::stage::{
    CurveFit, Granularity, RecencyChoice, SeriesSet, StageOptions, extract_series,
    fit_comparison_reusing, fit_set, fit_set_with_comparison,
};
use crate::error::Error;
use crate::output::manifest::RowCounts;
use crate::report::curves_export::CurvesFile;
use crate::report::table::csv_num;
use crate::screen::{FakeTraffic, ScreenResult};
use crate::validate::ValidatedData;

/// How the series are cut and fitted.
#[derive(Clone, Debug, Default)]
pub struct SeriesOptions {
    /// One curve per room × channel or per channel; `None`: per room ×
    /// channel when the data has rooms.
    pub by: Option<Granularity>,
    /// Reach cap per channel, viewers/day per room.
    pub caps_viewers_per_day: BTreeMap<String, f64>,
    /// How the level follows recent weeks.
    pub recency: RecencyChoice,
    /// Weekly rows: how unevenly the days inside a row spent.
    pub within_period: crate::curves::period::WithinPeriod,
    /// Days of the horizon planned after the history.
    pub horizon_days: usize,
    /// Promotion days: left out of the curves, their lift per channel
    /// estimated (see [`crate::calendar`]).
    pub calendar: crate::config::calendar::CalendarSettings,
}

/// Screened rows cut into series, with the fit options that go with them
/// (what `fit`, `plan` and `backtest` share before fitting).
pub struct Series {
    /// The history and what screening found.
    pub screened: Screened,
    /// The rows the curves use (flagged rows set aside under `exclude`).
    pub data: ValidatedData,
    /// One series per lane.
    pub set: SeriesSet,
    /// Per room × channel or per channel.
    pub by: Granularity,
    /// Settings of every fit of these series.
    pub options: StageOptions,
    /// The promotion days the calendar took out of `set`, if a calendar
    /// is set (a daily history).
    pub promo: Option<crate::calendar::PromoDays>,
}

/// Cut the screened rows into series. A cap for a channel the data does not
/// have is a warning.
pub fn series(
    screened: Screened,
    options: SeriesOptions,
    messages: &mut Messages,
) -> Result<Series, Error> {
    let data = screened.curve_input()?;
    let by = match options.by {
        Some(by) => by,
        None if data.has_room() => Granularity::RoomChannel,
        None => Granularity::Channel,
    };
    let set = extract_series(&data, by)?;
    let (set, promo) = split_promotions(set, &options.calendar, messages)?;
    for channel in options.caps_viewers_per_day.keys() {
        if !set.keys.iter().any(|k| &k.channel == channel) {
            messages.push(Message::Warning(format!(
                "reach cap given for channel `{channel}`, which is not in the data"
            )));
        }
    }
    let options = StageOptions {
        caps_viewers_per_day: options.caps_viewers_per_day,
        shrink: by == Granularity::RoomChannel,
        recency: options.recency,
        horizon_days: options.horizon_days,
        within_period: options.within_period,
        ..StageOptions::default()
    };
    Ok(Series {
        screened,
        data,
        set,
        by,
        options,
        promo,
    })
}

/// The calendar's days out of `set`: the everyday series and the promotion
/// days. A weekly history cannot tell promotion days apart: its calendar
/// is ignored, with a warning.
fn split_promotions(
    set: SeriesSet,
    calendar: &crate::config::calendar::CalendarSettings,
    messages: &mut Messages,
) -> Result<(SeriesSet, Option<crate::calendar::PromoDays>), Error> {
    if calendar.calendar.is_empty() {
        return Ok((set, None));
    }
    let mut known: Vec<&str> = set.keys.iter().map(|k| k.channel.as_str()).collect();
    known.sort_unstable();
    known.dedup();
    if let Some(e) = calendar.unknown_channel(&known) {
        return Err(e.into());
    }
    if set.period_days() != 1 {
        messages.push(Message::Warning(
            "the promotion calendar is ignored: the history is weekly, so its promotion days cannot be told apart".into(),
        ));
        return Ok((set, None));
    }
    let (everyday, days) = calendar.calendar.split(&set);
    Ok((
        everyday,
        Some(crate::calendar::PromoDays {
            calendar: calendar.calendar.clone(),
            set: days,
        }),
    ))
}

impl Series {
    /// `fitting 400 curves (per room × channel) on 94171 rows…`.
    pub fn note(&self, doing: &str) -> Message {
        Message::Note(format!(
            "{doing} {} curves ({}) on {} rows…",
            self.set.len(),
            match self.by {
                Granularity::RoomChannel => "per room × channel",
                Granularity::Channel => "per channel, rooms pooled",
            },
            self.data.len()
        ))
    }

    /// Row counts for the manifest.
    pub fn rows(&self) -> RowCounts {
        RowCounts {
            used: Some(self.data.len()),
            ..self.screened.rows()
        }
    }

    /// `room_channel` or `channel`, as the curve files name the granularity.
    pub fn granularity_name(&self) -> &'static str {
        match self.by {
            Granularity::RoomChannel => "room_channel",
            Granularity::Channel => "channel",
        }
    }

    /// The curves checked on the last `weeks` weeks, each fitted the way
    /// the plan's curves are.
    pub fn backtest(&self, weeks: usize) -> crate::backtest::Backtest {
        let mut b = crate::backtest::backtest(&self.set, &self.options, weeks);
        // The columns were validated; a frame error here would be a bug,
        // and the viewers' backtest stands without the conversions.
        b.conversions =
            crate::backtest_outcomes::conversions(&b, &self.data, self.by, self.set.period_days())
                .unwrap_or(None);
        b
    }
}

/// Series with a curve fitted to each.
pub struct Fitted {
    /// What was fitted.
    pub series: Series,
    /// One fit per series, in series order.
    pub fits: Vec<CurveFit>,
    /// How setting the flagged rows aside moved each channel's cost per
    /// viewer (`None` unless the `exclude` policy flagged rows).
    pub impact: Option<Vec<ScreeningImpact>>,
    /// The promotion days left out and each channel's lift (`None`
    /// without a calendar).
    pub promotion: Option<crate::calendar::PromotionFit>,
}

/// Fit every series. Under the `exclude` policy with flagged rows, also
/// refit with them kept and say what screening changed, one note per
/// channel.
pub fn fit(series: Series, messages: &mut Messages) -> Result<Fitted, Error> {
    let screen = &series.screened.result;
    let impact_wanted = screen.policy == FakeTraffic::Exclude && screen.flagged_count() > 0;
    if !impact_wanted {
        let fits = fit_set(&series.set, &series.options).0;
        let promotion = promotion(&series, &fits, messages);
        return Ok(Fitted {
            series,
            fits,
            impact: None,
            promotion,
        });
    }
    let (fits, screened_fits, _) = fit_set_with_comparison(&series.set, &series.options);
    // How much setting the flagged rows aside moved each channel's fitted
    // cost per viewer: refit with them left in and compare, both sides
    // fitted lane by lane on their whole history (no pooling across rooms,
    // no recency: half the cost of the plan's fit, and the difference is
    // the screening's alone).
    let unscreened = extract_series(&series.screened.history.loaded.data, series.by)?;
    let unscreened = match &series.promo {
        Some(p) => p.calendar.split(&unscreened).0,
        None => unscreened,
    };
    // Lanes without flagged rows have the same days on both sides: their
    // screened fit is their fit with the flagged rows kept.
    let with_flagged =
        fit_comparison_reusing(&unscreened, &series.options, &series.set, &screened_fits);
    let impact = screening_impact(screen, &with_flagged, &screened_fits);
    messages.extend(impact.iter().map(|i| Message::Note(i.line())));
    let promotion = promotion(&series, &fits, messages);
    Ok(Fitted {
        series,
        fits,
        impact: Some(impact),
        promotion,
    })
}

/// The lifts of the promotion days over the everyday fits, one note per
/// channel.
fn promotion(
    series: &Series,
    fits: &[CurveFit],
    messages: &mut Messages,
) -> Option<crate::calendar::PromotionFit> {
    let p = crate::calendar::estimate(series.promo.as_ref()?, fits);
    let left: usize = p.left_out_lane_days.values().sum();
    messages.push(Message::Note(format!(
        "promotion calendar: {left} lane-days left out of the curves"
    )));
    for l in &p.lifts {
        messages.push(Message::Note(format!(
            "promotion lift of {}: ×{:.2} (raw ×{:.2} ± {:.2}, {} days)",
            l.channel, l.lift, l.raw, l.se, l.days
        )));
    }
    Some(p)
}

impl Fitted {
    /// curves.csv / curves.json.
    pub fn curves_file(&self) -> CurvesFile {
        CurvesFile::new(self.series.granularity_name(), &self.fits)
            .with_period_days(self.series.set.period_days())
            .with_promotions(self.promotion.clone())
    }

    /// The warning when some curves have no usable fit.
    pub fn unusable_warning(file: &CurvesFile) -> Option<Message> {
        (file.unusable > 0).then(|| {
            Message::Warning(format!(
                "{} of {} curves have no usable fit; see the reason column",
                file.unusable,
                file.curves.len()
            ))
        })
    }

    /// Row counts for the manifest.
    pub fn rows(&self) -> RowCounts {
        self.series.rows()
    }
}

/// One channel's fitted cost per viewer with and without the flagged rows.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScreeningImpact {
    /// Channel.
    pub channel: String,
    /// Rows of the channel flagged as fake traffic.
    pub flagged_rows: usize,
    /// Fitted cost per viewer at the lanes' median spend, flagged rows kept, CNY.
    pub fitted_cost_per_viewer_with_flagged_cny: Option<f64>,
    /// The same with the flagged rows set aside (what the plan uses), CNY.
    pub fitted_cost_per_viewer_screened_cny: Option<f64>,
}

impl ScreeningImpact {
    /// Relative change from screening, e.g. `0.36` for +36 %.
    pub fn change(&self) -> Option<f64> {
        match (
            self.fitted_cost_per_viewer_with_flagged_cny,
            self.fitted_cost_per_viewer_screened_cny,
        ) {
            (Some(a), Some(b)) if a > 0.0 => Some(b / a - 1.0),
            _ => None,
        }
    }

    /// `douyin_qianchuan: 12 rows set aside; fitted cost per viewer 0.64 → 0.87 CNY (+36 %)`.
    pub fn line(&self) -> String {
        let c = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"));
        format!(
            "{}: {} rows set aside; fitted cost per viewer {} → {} CNY{}",
            self.channel,
            self.flagged_rows,
            c(self.fitted_cost_per_viewer_with_flagged_cny),
            c(self.fitted_cost_per_viewer_screened_cny),
            self.change()
                .map_or(String::new(), |x| format!(" ({:+.1} %)", 100.0 * x))
        )
    }

    /// `screening_impact.csv`.
    pub fn csv(rows: &[ScreeningImpact]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let num = |v| csv_num(v, 4);
        w.write_record([
            "channel",
            "flagged_rows",
            "fitted_cost_per_viewer_with_flagged_cny",
            "fitted_cost_per_viewer_screened_cny",
            "change",
        ])
        .expect("writing to memory");
        for r in rows {
            w.write_record([
                r.channel.clone(),
                r.flagged_rows.to_string(),
                num(r.fitted_cost_per_viewer_with_flagged_cny),
                num(r.fitted_cost_per_viewer_screened_cny),
                num(r.change()),
            ])
            .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }
}

/// Per channel: Σ median spend / Σ fitted viewers at it, over the fitted lanes.
fn fitted_cost_per_channel(fits: &[CurveFit]) -> BTreeMap<&str, f64> {
    let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for f in fits {
        let Some(fc) = f.outcome.fitted() else {
            continue;
        };
        if let Some(p50) = fc.spend_summaries.iter().find(|x| x.percentile == 50) {
            let e = sums.entry(f.key.channel.as_str()).or_default();
            e.0 += p50.spend_cny;
            e.1 += p50.viewers_per_day;
        }
    }
    sums.into_iter()
        .filter(|(_, (_, v))| *v > 0.0)
        .map(|(c, (s, v))| (c, s / v))
        .collect()
}

/// Compare the fits with and without the flagged rows, channel by channel
/// (only channels with flagged rows).
fn screening_impact(
    screened: &ScreenResult,
    with_flagged: &[CurveFit],
    screened_fits: &[CurveFit],
) -> Vec<ScreeningImpact> {
    let mut flagged: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &screened.flagged_rows {
        *flagged.entry(r.channel.as_str()).or_default() += 1;
    }
    let before = fitted_cost_per_channel(with_flagged);
    let after = fitted_cost_per_channel(screened_fits);
    flagged
        .into_iter()
        .map(|(channel, n)| ScreeningImpact {
            channel: channel.to_string(),
            flagged_rows: n,
            fitted_cost_per_viewer_with_flagged_cny: before.get(channel).copied(),
            fitted_cost_per_viewer_screened_cny: after.get(channel).copied(),
        })
        .collect()
}
