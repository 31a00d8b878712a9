//! `plan.xlsx`: the plan as a workbook for the people who act on it. Ops
//! teams work in Excel or WPS, where a UTF-8 CSV without a byte-order mark
//! shows every Chinese room and channel name as mojibake; a workbook has no
//! such problem. Numbers are numbers (with thousands formats), the header
//! row is frozen, columns are as wide as their text (CJK characters count
//! double), and the bytes depend only on the plan. CSV and JSON stay plain
//! UTF-8 for machines.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use unicode_width::UnicodeWidthStr;

use crate::lang::Lang as Language;
use crate::pipeline::WhatIf;
use crate::plan::stage::PlanReport;

/// How a column's numbers are shown.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    /// Whole numbers with thousands separators (CNY, viewers).
    Count,
    /// Two decimals (cost per viewer, CNY).
    Money,
}

/// One cell of a table row.
enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    fn num(x: Option<f64>) -> Cell {
        match x {
            Some(v) if v.is_finite() => Cell::Number(v),
            _ => Cell::Empty,
        }
    }
}

/// `plan.xlsx` of `r`: a sheet for the plan (one row per lane, then the
/// total) and, when the run compared several targets or budgets, one for
/// the what-if rows. `plan_start_day` (days since 1970-01-01) dates the
/// document, so the same plan gives the same bytes.
pub fn plan_xlsx(
    r: &PlanReport,
    whatif: &[WhatIf],
    language: Language,
    plan_start_day: i32,
) -> Result<Vec<u8>, XlsxError> {
    let l = language;
    let mut book = Workbook::new();
    let (y, m, d) = crate::contract::calendar::civil_from_days(plan_start_day);
    let created = ExcelDateTime::from_ymd(y as u16, m as u8, d as u8)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));

    let period = r.comparison.period();
    let per = period.days as f64;
    let (per_en, per_zh) = if period.days == 7 {
        ("spend per week (CNY)", "周花费（元）")
    } else {
        ("spend per day (CNY)", "日花费（元）")
    };
    let columns = [
        (l.pick("room", "直播间"), Kind::Text),
        (l.pick("channel", "渠道"), Kind::Text),
        (l.pick("spend (CNY)", "花费（元）"), Kind::Count),
        (l.pick(per_en, per_zh), Kind::Count),
        (l.pick("expected viewers", "预计观看人数"), Kind::Count),
        (l.pick("viewers P10", "观看人数 P10"), Kind::Count),
        (l.pick("viewers P90", "观看人数 P90"), Kind::Count),
        (
            l.pick("average cost per viewer (CNY)", "平均获客成本（元/人）"),
            Kind::Money,
        ),
        (
            l.pick("marginal cost per viewer (CNY)", "边际获客成本（元/人）"),
            Kind::Money,
        ),
        (l.pick("binding limits", "约束"), Kind::Text),
        (l.pick("beyond history", "超出历史范围"), Kind::Text),
        (l.pick("last spend (CNY)", "上期花费（元）"), Kind::Count),
        (l.pick("last viewers", "上期观看人数"), Kind::Count),
    ];
    let yes_no = |b: bool| {
        Cell::Text(
            if b {
                l.pick("yes", "是")
            } else {
                l.pick("no", "否")
            }
            .into(),
        )
    };
    let mut rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .map(|row| {
            vec![
                Cell::Text(row.room.clone()),
                Cell::Text(row.channel.clone()),
                Cell::Number(row.spend_cny),
                Cell::Number(row.spend_cny_per_day * per),
                Cell::Number(row.viewers),
                Cell::Number(row.viewers_p10),
                Cell::Number(row.viewers_p90),
                Cell::num(row.avg_cost_cny_per_viewer),
                Cell::num(row.marginal_cost_cny_per_viewer),
                Cell::Text(row.binding.join("; ")),
                yes_no(row.extrapolation),
                Cell::Number(row.last_spend_cny),
                Cell::Number(row.last_viewers),
            ]
        })
        .collect();
    let t = &r.plan.totals;
    rows.push(vec![
        Cell::Empty,
        Cell::Text(l.pick("total", "合计").into()),
        Cell::Number(t.spend_cny),
        Cell::Number(t.spend_cny / r.plan.horizon_days * per),
        Cell::Number(t.viewers),
        Cell::Number(r.viewers_p10_sum),
        Cell::Number(r.viewers_p90_sum),
        Cell::num(t.avg_cost_cny_per_viewer),
        Cell::num(r.plan.target_shadow_price_cny_per_unit),
        Cell::Text(
            r.plan
                .binding
                .iter()
                .map(|b| crate::report::plan_export::describe(&b.limit))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        yes_no(r.rows.iter().any(|x| x.extrapolation)),
        Cell::Number(r.comparison.last_spend_cny),
        Cell::Number(r.comparison.last_viewers),
    ]);
    let sheet = book.add_worksheet();
    sheet.set_name(l.pick("plan", "计划"))?;
    write_table(sheet, &columns, &rows, true)?;
    schedule_sheet(&mut book, r, l, plan_start_day)?;

    if whatif.len() > 1 {
        let varied = match whatif[0].varied.as_str() {
            "budget_cny" => l.pick("budget (CNY)", "预算（元）"),
            _ => l.pick("target", "目标"),
        };
        let columns = [
            (varied, Kind::Count),
            (l.pick("spend (CNY)", "花费（元）"), Kind::Count),
            (l.pick("expected viewers", "预计观看人数"), Kind::Count),
            (
                l.pick("average cost per viewer (CNY)", "平均获客成本（元/人）"),
                Kind::Money,
            ),
            (
                l.pick("marginal cost per unit (CNY)", "边际成本（元）"),
                Kind::Money,
            ),
            (l.pick("status", "状态"), Kind::Text),
        ];
        let rows: Vec<Vec<Cell>> = whatif
            .iter()
            .map(|w| {
                vec![
                    Cell::Number(w.value),
                    Cell::Number(w.spend_cny),
                    Cell::Number(w.viewers),
                    Cell::num(w.avg_cost_cny_per_viewer),
                    Cell::num(w.marginal_cost_cny_per_unit),
                    Cell::Text(
                        match w.status {
                            "optimal" => l.pick("optimal", "最优"),
                            _ => l.pick("infeasible", "不可达"),
                        }
                        .into(),
                    ),
                ]
            })
            .collect();
        let sheet = book.add_worksheet();
        sheet.set_name(l.pick("what-if", "假设分析"))?;
        write_table(sheet, &columns, &rows, false)?;
    }
    book.save_to_buffer()
}

/// The `schedule` sheet: one row per date × room × channel, the daily
/// budget to type into the console and the day's expected viewers.
fn schedule_sheet(
    book: &mut Workbook,
    r: &PlanReport,
    l: Language,
    plan_start_day: i32,
) -> Result<(), XlsxError> {
    use crate::plan::Metric;
    let metric = match r.plan.metric {
        Metric::Viewers => None,
        Metric::Orders => Some(l.pick("expected orders", "预计订单数")),
        Metric::GmvCny => Some(l.pick("expected GMV (CNY)", "预计成交额（元）")),
    };
    let mut columns = vec![
        (l.pick("date", "日期"), Kind::Text),
        (l.pick("room", "直播间"), Kind::Text),
        (l.pick("channel", "渠道"), Kind::Text),
        (l.pick("daily budget (CNY)", "日预算（元）"), Kind::Money),
        (l.pick("expected viewers", "预计观看人数"), Kind::Count),
    ];
    if let Some(m) = metric {
        columns.push((m, Kind::Count));
    }
    let rows: Vec<Vec<Cell>> = crate::report::schedule_export::schedule_rows(r, plan_start_day)
        .into_iter()
        .map(|row| {
            let mut cells = vec![
                Cell::Text(row.date),
                Cell::Text(row.room),
                Cell::Text(row.channel),
                Cell::Number(row.spend_cny),
                Cell::Number(row.viewers),
            ];
            if metric.is_some() {
                cells.push(Cell::num(row.metric));
            }
            cells
        })
        .collect();
    let sheet = book.add_worksheet();
    sheet.set_name(l.pick("schedule", "排期"))?;
    write_table(sheet, &columns, &rows, false)
}

/// Header row (bold, frozen), then `rows`; with `last_is_total` the last
/// row is bold. Each column as wide as its widest cell.
fn write_table(
    sheet: &mut Worksheet,
    columns: &[(&str, Kind)],
    rows: &[Vec<Cell>],
    last_is_total: bool,
) -> Result<(), XlsxError> {
    let header = Format::new().set_bold().set_text_wrap();
    let count = Format::new().set_num_format("#,##0");
    let money = Format::new().set_num_format("#,##0.00");
    let bold = |f: &Format| f.clone().set_bold();
    let mut widths: Vec<usize> = columns.iter().map(|(h, _)| h.width()).collect();
    for (c, (h, _)) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &header)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        let total = last_is_total && i + 1 == rows.len();
        for (c, (cell, (_, kind))) in row.iter().zip(columns).enumerate() {
            let format = match kind {
                Kind::Text => Format::new(),
                Kind::Count => count.clone(),
                Kind::Money => money.clone(),
            };
            let format = if total { bold(&format) } else { format };
            let col = c as u16;
            let shown = match cell {
                Cell::Text(s) => {
                    let s: &str = &fit_cell(s);
                    sheet.write_string_with_format(r, col, s, &format)?;
                    s.width()
                }
                Cell::Number(x) => {
                    sheet.write_number_with_format(r, col, *x, &format)?;
                    shown_width(*x, *kind)
                }
                Cell::Empty => {
                    sheet.write_blank(r, col, &format)?;
                    0
                }
            };
            widths[c] = widths[c].max(shown);
        }
    }
    for (c, w) in widths.iter().enumerate() {
        // Excel's width unit is about one Latin character; CJK characters
        // already count two in `width()`. A little room for the filter
        // arrow and padding; very long text wraps at 60.
        sheet.set_column_width(c as u16, (*w as f64 + 2.0).min(60.0))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Characters a number takes in its format (`1,234,567` or `12.34`).
fn shown_width(x: f64, kind: Kind) -> usize {
    let digits = format!("{:.0}", x.abs().trunc()).len();
    let grouped = digits + (digits.saturating_sub(1)) / 3 + usize::from(x < 0.0);
    match kind {
        Kind::Money => grouped + 3,
        _ => grouped,
    }
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::pipeline::{self, PlanSettings, Planner, SeriesOptions};
    use crate::screen::ScreenOptions;
    use crate::synth::{GenOptions, Headers, generate};

    /// A plan of a generated 3-room history, solved through the pipeline,
    /// with a what-if over two budgets.
    fn plan() -> (PlanReport, Vec<WhatIf>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.csv");
        let h = generate(&GenOptions {
            rooms: 3,
            days: 120,
            ..GenOptions::default()
        });
        std::fs::write(&path, h.to_csv(Headers::Chinese)).unwrap();
        let m = &mut Vec::new();
        let history = pipeline::load(&path, &Default::default(), Default::default(), m).unwrap();
        let screened = pipeline::screen(history, &ScreenOptions::default(), m).unwrap();
        let options = SeriesOptions {
            horizon_days: 7,
            ..SeriesOptions::default()
        };
        let fitted = pipeline::fit(pipeline::series(screened, options, m).unwrap(), m).unwrap();
        let settings = PlanSettings {
            horizon_days: 7,
            max_extrapolation: 1.5,
            ..PlanSettings::default()
        };
        let planner = Planner::new(&fitted, settings, m).unwrap();
        let whatif: Vec<WhatIf> = [40_000.0, 80_000.0]
            .iter()
            .map(|&b| {
                WhatIf::new(
                    "budget_cny".into(),
                    b,
                    &planner.solve(None, Some(b)).unwrap(),
                )
            })
            .collect();
        (planner.solve(None, Some(40_000.0)).unwrap(), whatif)
    }

    fn read(bytes: &[u8]) -> Xlsx<std::io::Cursor<Vec<u8>>> {
        Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap()
    }

    #[test]
    fn cells_read_back_as_the_plans_numbers_and_names() {
        let (r, whatif) = plan();
        let bytes = plan_xlsx(&r, &whatif, Language::Zh, 20_400).unwrap();
        let mut book = read(&bytes);
        assert_eq!(book.sheet_names(), vec!["计划", "排期", "假设分析"]);
        // The schedule: a row per date × lane, the day's budget a number;
        // each lane's days sum to its plan row.
        let days = r.plan.horizon_days as usize;
        let sched = book.worksheet_range("排期").unwrap();
        assert_eq!(sched.height(), days * r.rows.len() + 1);
        assert_eq!(
            sched.get((0, 3)),
            Some(&Data::String("日预算（元）".into()))
        );
        for (i, row) in r.rows.iter().enumerate() {
            let sum: f64 = (0..days)
                .map(|d| match sched.get((1 + d * r.rows.len() + i, 3)) {
                    Some(Data::Float(x)) => *x,
                    other => panic!("not a number: {other:?}"),
                })
                .sum();
            assert!((sum - row.spend_cny).abs() <= 1e-6 * row.spend_cny.max(1.0));
        }
        let sheet = book.worksheet_range("计划").unwrap();
        assert_eq!(sheet.height(), r.rows.len() + 2, "header, lanes, total");
        assert_eq!(sheet.get((0, 0)), Some(&Data::String("直播间".into())));
        assert_eq!(sheet.get((0, 2)), Some(&Data::String("花费（元）".into())));
        for (i, row) in r.rows.iter().enumerate() {
            assert_eq!(sheet.get((i + 1, 0)), Some(&Data::String(row.room.clone())));
            assert_eq!(
                sheet.get((i + 1, 1)),
                Some(&Data::String(row.channel.clone()))
            );
            // Numbers are stored as numbers, at full precision.
            assert_eq!(sheet.get((i + 1, 2)), Some(&Data::Float(row.spend_cny)));
            assert_eq!(sheet.get((i + 1, 4)), Some(&Data::Float(row.viewers)));
        }
        let last = r.rows.len() + 1;
        assert_eq!(sheet.get((last, 1)), Some(&Data::String("合计".into())));
        assert_eq!(
            sheet.get((last, 2)),
            Some(&Data::Float(r.plan.totals.spend_cny))
        );
        let w = book.worksheet_range("假设分析").unwrap();
        assert_eq!(w.height(), 3);
        assert_eq!(w.get((0, 0)), Some(&Data::String("预算（元）".into())));
        assert_eq!(w.get((2, 0)), Some(&Data::Float(80_000.0)));
        assert_eq!(w.get((2, 1)), Some(&Data::Float(whatif[1].spend_cny)));
    }

    #[test]
    fn english_headers_and_no_whatif_sheet_for_one_plan() {
        let (r, whatif) = plan();
        let bytes = plan_xlsx(&r, &whatif[..1], Language::En, 20_400).unwrap();
        let mut book = read(&bytes);
        assert_eq!(book.sheet_names(), vec!["plan", "schedule"]);
        let sheet = book.worksheet_range("plan").unwrap();
        assert_eq!(
            sheet.get((0, 4)),
            Some(&Data::String("expected viewers".into()))
        );
    }

    #[test]
    fn same_plan_gives_the_same_bytes_whatever_the_clock() {
        let (r, whatif) = plan();
        let a = plan_xlsx(&r, &whatif, Language::Zh, 20_400).unwrap();
        // Past a second boundary: nothing in the file may follow the clock.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = plan_xlsx(&r, &whatif, Language::Zh, 20_400).unwrap();
        assert!(a == b, "workbook bytes changed between two runs");
        let c = plan_xlsx(&r, &whatif, Language::Zh, 20_401).unwrap();
        assert!(a != c, "the document date follows the plan's first day");
    }

    #[test]
    fn widths_count_cjk_characters_double() {
        assert_eq!("直播间".width(), 6);
        assert_eq!(shown_width(1_234_567.0, Kind::Count), 9);
        assert_eq!(shown_width(12.345, Kind::Money), 5);
        assert_eq!(shown_width(-1_000.0, Kind::Count), 6);
    }
}

/// Excel's limit on the characters of one cell.
const CELL_MAX_CHARS: usize = 32_767;

/// `s`, cut to what one Excel cell holds, saying where the rest is (a big
/// plan's list of binding limits can run past the limit).
fn fit_cell(s: &str) -> std::borrow::Cow<'_, str> {
    const TAIL: &str = " … (cut: the full list is in plan.json)";
    if s.chars().count() <= CELL_MAX_CHARS {
        return std::borrow::Cow::Borrowed(s);
    }
    let keep = CELL_MAX_CHARS - TAIL.chars().count();
    let mut cut: String = s.chars().take(keep).collect();
    cut.push_str(TAIL);
    std::borrow::Cow::Owned(cut)
}

#[cfg(test)]
mod cell_tests {
    use super::*;

    #[test]
    fn a_cell_past_excels_limit_is_cut_to_it_and_says_so() {
        let short = "douyin cap; 快手 share";
        assert_eq!(fit_cell(short), short);
        let long = "限".repeat(40_000);
        let cut = fit_cell(&long);
        assert_eq!(cut.chars().count(), CELL_MAX_CHARS);
        assert!(cut.ends_with("plan.json)"));
        assert!(cut.starts_with("限限限"));
    }
}
