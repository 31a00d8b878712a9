//! Stage 6: a plan presented — the PNG charts, summary.txt, what `acqplan
//! report` needs to draw them again, and the planning email — as bytes; the
//! command writes them into the run folder.

use lettre::message::Mailbox;

use super::planner::WhatIf;
use crate::curves::stage::{CurveFit, SeriesSet};
use crate::error::Error;
use crate::plan::PlanRequest;
use crate::plan::stage::PlanReport;
use crate::report::charts::{Chart, ChartInput, Frontier, render_all_with, top_moves};
use crate::report::email;
use crate::report::run_files::{
    CHART_DATA_JSON, RunExtras, SERIES_CSV, chart_data_json, series_csv,
};
use crate::report::summary_text::{SummaryContext, summary_txt};
use crate::screen::ScreenResult;

/// What a plan's presentation is drawn from.
pub struct RunOutputs<'a> {
    /// The series the curves were fitted on (history points for charts).
    pub series: &'a SeriesSet,
    /// The fitted curves, in series order.
    pub fits: &'a [CurveFit],
    /// The main plan.
    pub plan: &'a PlanReport,
    /// Every what-if variant, the main plan first (one row when no what-if).
    pub whatif: &'a [WhatIf],
    /// What screening found.
    pub screen: &'a ScreenResult,
    /// The main plan's request (the frontier re-solves it at other budgets).
    pub request: &'a PlanRequest,
    /// The run's backtest in words (empty: not backtested).
    pub backtest: &'a [String],
    /// What the estimates were made from where the history was incomplete.
    pub data_notes: &'a [crate::report::i18n::DataNote],
    /// Last week's plan reviewed in words (empty: no earlier run).
    pub last_week: &'a [String],
    /// Last week's review as figures (`None`: no earlier run).
    pub last_week_figures: Option<&'a crate::report::i18n::LastWeekFigures>,
    /// The report language.
    pub lang: crate::lang::Lang,
}

/// The charts and summary.txt of one plan.
pub struct Rendered {
    /// The charts, in attachment order.
    pub charts: Vec<Chart>,
    /// `summary.txt`.
    pub summary: String,
    /// First day of the plan, days since 1970-01-01.
    pub plan_start_day: i32,
    /// The language of summary.txt and the charts (and the email subject).
    pub lang: crate::lang::Lang,
}

impl Rendered {
    /// (file name, bytes): the charts, then summary.txt.
    pub fn files(&self) -> Vec<(&'static str, &[u8])> {
        let mut files: Vec<(&'static str, &[u8])> = self
            .charts
            .iter()
            .map(|c| (c.file_name, c.png.as_slice()))
            .collect();
        files.push(("summary.txt", self.summary.as_bytes()));
        files
    }
}

/// Everything the report stage of `plan` and `run` adds to the run folder.
pub struct RunArtifacts {
    /// Charts and summary.txt.
    pub rendered: Rendered,
    /// `chart_data.json`: the chart inputs `acqplan report` reads back.
    pub chart_data: Vec<u8>,
    /// `series.csv`: the history points of the charts.
    pub series: Vec<u8>,
}

impl RunArtifacts {
    /// (file name, bytes), in the order the run's note lists them.
    pub fn files(&self) -> Vec<(&'static str, &[u8])> {
        let mut files = self.rendered.files();
        files.push((CHART_DATA_JSON, self.chart_data.as_slice()));
        files.push((SERIES_CSV, self.series.as_slice()));
        files
    }
}

/// The report stage of `plan` and `run`: the PNG charts (curves, marginal
/// cost, allocation, frontier, summary), summary.txt, chart_data.json and
/// series.csv.
pub fn render_run(outputs: &RunOutputs<'_>) -> Result<RunArtifacts, Error> {
    let what_if_budgets: Vec<f64> = outputs
        .whatif
        .iter()
        .skip(1)
        .filter(|w| w.varied == "budget_cny")
        .map(|w| w.value)
        .collect();
    // The plan covers the days after the history ends; taking the date from
    // the data (not the clock) keeps the same input rendering the same bytes.
    let next_day = outputs.series.last_covered_day().map_or(0, |d| d + 1);
    let label = crate::report::i18n::words(outputs.lang)
        .label_from(&crate::contract::calendar::format_date(next_day));
    let input = ChartInput {
        screen: Some(outputs.screen),
        request: Some(outputs.request),
        what_if_budgets_cny: &what_if_budgets,
        label: &label,
        backtest: outputs.backtest,
        data_notes: outputs.data_notes,
        last_week: outputs.last_week,
        last_week_figures: outputs.last_week_figures,
        lang: outputs.lang,
        plan_start_day: Some(next_day),
        ..ChartInput::new(outputs.plan, outputs.fits, outputs.series)
    };
    let frontier =
        crate::plan::frontier::around_plan(outputs.request, outputs.plan, &what_if_budgets);
    // The charts, and beside them the files `report` reads back.
    let (rendered, (chart_data, series)) = rayon::join(
        || render(&input, &frontier, next_day),
        || {
            let chart_data = chart_data_json(
                &input,
                &RunExtras {
                    plan_start_day: next_day,
                    frontier: &frontier,
                },
            );
            (chart_data, series_csv(&input))
        },
    );
    let rendered = rendered?;
    Ok(RunArtifacts {
        rendered,
        chart_data,
        series,
    })
}

/// The charts and summary.txt of `input` (a fresh plan, or a run folder
/// read back by `acqplan report`).
pub fn render(
    input: &ChartInput<'_>,
    frontier: &Frontier,
    plan_start_day: i32,
) -> Result<Rendered, Error> {
    let charts = render_all_with(input, frontier)?;
    let names: Vec<&str> = charts.iter().map(|c| c.file_name).collect();
    let moves = top_moves(input);
    let summary = summary_txt(
        input.report,
        &SummaryContext {
            label: input.label,
            moves: &moves,
            fake_rows: input.screen.map_or(0, |s| s.flagged_rows.len()),
            request: input.request,
            charts: &names,
            backtest: input.backtest,
            data_notes: input.data_notes,
            last_week: input.last_week,
            last_week_figures: input.last_week_figures,
            lang: input.lang,
        },
    );
    Ok(Rendered {
        charts,
        summary,
        plan_start_day,
        lang: input.lang,
    })
}

/// The chart shown inside the HTML body of `plan.eml` (not attached again).
pub const INLINE_CHART: &str = "summary.png";

/// `plan.eml`: summary.txt as the text body, the same as HTML with
/// summary.png inline, the other charts attached (see
/// [`crate::report::email`]).
pub fn plan_eml(
    rendered: &Rendered,
    report: &PlanReport,
    request: Option<&PlanRequest>,
    from: &Mailbox,
    to: &[Mailbox],
) -> Result<Vec<u8>, Error> {
    use crate::report::email_html::{InlineImage, html_body, png_size};
    let subject = email::subject_in(report, request, rendered.plan_start_day, rendered.lang);
    let inline = rendered
        .charts
        .iter()
        .find(|c| c.file_name == INLINE_CHART)
        .map(|c| (c.file_name, c.png.as_slice()));
    let attachments: Vec<(&str, &[u8])> = rendered
        .charts
        .iter()
        .filter(|c| c.file_name != INLINE_CHART)
        .map(|c| (c.file_name, c.png.as_slice()))
        .collect();
    let cid = inline.map(|(name, _)| email::content_id(name));
    let names: Vec<&str> = attachments.iter().map(|(n, _)| *n).collect();
    let html = html_body(
        &rendered.summary,
        inline
            .zip(cid.as_deref())
            .map(|((_, png), content_id)| InlineImage {
                content_id,
                size: png_size(png),
            }),
        &names,
        rendered.lang,
    );
    Ok(email::plan_eml(&email::Email {
        from,
        to,
        subject: &subject,
        date_day: rendered.plan_start_day,
        body: &rendered.summary,
        html: Some(&html),
        inline,
        attachments: &attachments,
    })?)
}
