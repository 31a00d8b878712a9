//! PNG charts (`acqplan::report::charts`) drawn from generated history run
//! through the real pipeline: sizes, ink, determinism, CJK glyphs, frontier.

use acqplan::curves::stage::Granularity;
use acqplan::lang::Lang;
use acqplan::pipeline::{self, Fitted, PlanSettings, Planner, SeriesOptions};
use acqplan::plan::stage::PlanReport;
use acqplan::plan::{Metric, PlanRequest};
use acqplan::report::charts::{
    self, ChartInput, ChartKind, FRONTIER_SIZE, MARGINAL_COST_SIZE, SUMMARY_SIZE, TextBox, TextLog,
    TextProblem, TextRecorder, allocation_channels, allocation_size, curves_panels, curves_size,
    has_glyph, printable, text_png, text_problems,
};
use acqplan::report::i18n::{self, LastWeekFigures};
use acqplan::screen::ScreenOptions;
use acqplan::synth::{CHANNELS, GenOptions, Headers, generate};

/// Everything a plan run hands to the charts.
struct Run {
    report: PlanReport,
    fitted: Fitted,
    request: PlanRequest,
    what_if: Vec<f64>,
}

impl Run {
    fn input(&self) -> ChartInput<'_> {
        ChartInput {
            screen: Some(&self.fitted.series.screened.result),
            request: Some(&self.request),
            what_if_budgets_cny: &self.what_if,
            label: "2026-W27",
            ..ChartInput::new(&self.report, &self.fitted.fits, &self.fitted.series.set)
        }
    }
    /// [`Run::input`] in `lang`, with last week's review on summary.png.
    fn input_in<'a>(&'a self, lang: Lang, last_week: &'a LastWeekFigures) -> ChartInput<'a> {
        ChartInput {
            lang,
            last_week_figures: Some(last_week),
            plan_start_day: Some(20_600),
            ..self.input()
        }
    }
    /// The frontier a plan run draws for this plan.
    fn frontier(&self) -> charts::Frontier {
        acqplan::plan::frontier::around_plan(&self.request, &self.report, &self.what_if)
    }
}

/// Generated history of two rooms × 8 channels, folded into one room with
/// `channels` channels: room_01's channels keep their ids, room_02's take
/// their Chinese names (so 12 channels = 8 ids + 4 Chinese names).
fn history_csv(channels: usize) -> Vec<u8> {
    let h = generate(&GenOptions {
        rooms: 2,
        days: 120,
        ..GenOptions::default()
    });
    let csv = h.to_csv(Headers::English);
    let mut rdr = csv::Reader::from_reader(&csv[..]);
    let headers = rdr.headers().unwrap().clone();
    let room_at = headers.iter().position(|c| c == "room").unwrap();
    let channel_at = headers.iter().position(|c| c == "channel").unwrap();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&headers).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let r = usize::from(&rec[room_at] != "room_01");
        let c = CHANNELS
            .iter()
            .position(|s| s.id == &rec[channel_at])
            .unwrap();
        if r * CHANNELS.len() + c >= channels {
            continue;
        }
        let name = if r == 0 {
            CHANNELS[c].id
        } else {
            CHANNELS[c].name_zh
        };
        let out: Vec<&str> = rec
            .iter()
            .enumerate()
            .map(|(i, cell)| match i {
                i if i == room_at => "room_01",
                i if i == channel_at => name,
                _ => cell,
            })
            .collect();
        w.write_record(&out).unwrap();
    }
    w.into_inner().unwrap()
}

/// [`run_csv`] on [`history_csv`].
fn run(channels: usize) -> Run {
    run_csv(&history_csv(channels))
}

/// The pipeline `plan` runs: load → screen → series → fit → plan, with a
/// viewer target of 110 % of the last week's viewers.
fn run_csv(bytes: &[u8]) -> Run {
    run_csv_by(bytes, Granularity::RoomChannel, Metric::Viewers)
}

/// [`run_csv`] with curves per `by`, and a target in `metric`: 110 % of
/// last week's viewers, or for orders and GMV 90 % of what last week's
/// spend buys at most.
fn run_csv_by(bytes: &[u8], by: Granularity, metric: Metric) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synth.csv");
    std::fs::write(&path, bytes).unwrap();
    let m = &mut Vec::new();
    let history = pipeline::load(&path, &Default::default(), Default::default(), m).unwrap();
    let screened = pipeline::screen(history, &ScreenOptions::default(), m).unwrap();
    let horizon = 7;
    let options = SeriesOptions {
        by: Some(by),
        horizon_days: horizon,
        ..SeriesOptions::default()
    };
    let fitted = pipeline::fit(pipeline::series(screened, options, m).unwrap(), m).unwrap();
    let settings = PlanSettings {
        horizon_days: horizon,
        metric,
        max_extrapolation: acqplan::plan::SegmentOptions::default().history_multiple,
        ..PlanSettings::default()
    };
    let planner = Planner::new(&fitted, settings, m).unwrap();
    let mut target = (planner.last_horizon_viewers() * 1.1).round();
    if metric != Metric::Viewers {
        let best = planner
            .solve(None, Some(planner.last_horizon_spend_cny()))
            .unwrap();
        target = (best.plan.totals.metric_value * 0.9).round();
    }
    let report = planner.solve(Some(target), None).unwrap();
    let request = planner.request(Some(target), None);
    let spend = report.plan.totals.spend_cny;
    drop(planner);
    Run {
        report,
        fitted,
        request,
        what_if: vec![(spend * 0.8).round(), (spend * 1.5).round()],
    }
}

/// Decoded RGB(A) pixels and size.
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>, usize) {
    let decoder = png::Decoder::new(png_bytes);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let channels = info.color_type.samples();
    (info.width, info.height, buf, channels)
}

/// Variance of the per-pixel luminance, and the share of non-white pixels.
fn ink_stats(png_bytes: &[u8]) -> (f64, f64) {
    let (_, _, buf, ch) = decode(png_bytes);
    let lum: Vec<f64> = buf
        .chunks(ch)
        .map(|p| (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0)
        .collect();
    let n = lum.len() as f64;
    let mean = lum.iter().sum::<f64>() / n;
    let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n;
    let inked = lum.iter().filter(|&&l| l < 250.0).count() as f64 / n;
    (var, inked)
}

/// Sum of (255 − luminance) over the image: how much was drawn.
fn ink(png_bytes: &[u8]) -> f64 {
    let (_, _, buf, ch) = decode(png_bytes);
    buf.chunks(ch)
        .map(|p| 255.0 - (p[0] as f64 + p[1] as f64 + p[2] as f64) / 3.0)
        .sum()
}

#[test]
fn every_chart_has_its_size_and_ink_for_1_and_12_channels() {
    for channels in [1usize, 12] {
        let r = run(channels);
        let input = r.input();
        assert_eq!(r.report.rows.len(), channels, "lanes planned");
        assert_eq!(curves_panels(&input), channels);
        assert_eq!(allocation_channels(&input), channels);
        let all = charts::render_all_with(&input, &r.frontier()).unwrap();
        let names: Vec<&str> = all.iter().map(|c| c.file_name).collect();
        assert_eq!(
            names,
            [
                "curves.png",
                "marginal_cost.png",
                "allocation.png",
                "frontier.png",
                "summary.png"
            ]
        );
        let expected = [
            curves_size(channels),
            MARGINAL_COST_SIZE,
            allocation_size(channels),
            FRONTIER_SIZE,
            SUMMARY_SIZE,
        ];
        for (chart, size) in all.iter().zip(expected) {
            let (w, h, _, _) = decode(&chart.png);
            assert_eq!((w, h), size, "{} with {channels} channels", chart.file_name);
            let (var, inked) = ink_stats(&chart.png);
            assert!(
                var > 300.0 && inked > 0.01,
                "{} with {channels} channels looks blank: variance {var:.0}, inked {inked:.4}",
                chart.file_name
            );
        }
        assert!(SUMMARY_SIZE.0 <= 1600);
    }
    // 12 panels in 4 columns: 3 rows.
    assert_eq!(curves_size(12), (1600, 70 + 3 * 330));
    // One column is too narrow for one title line and one legend row.
    assert_eq!(curves_size(1), (640, 112 + 330));
}

#[test]
fn same_input_renders_identical_bytes() {
    let r = run(8);
    let a = charts::render_all_with(&r.input(), &r.frontier()).unwrap();
    let b = charts::render_all_with(&r.input(), &r.frontier()).unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!(x.png == y.png, "{} differs between renders", x.file_name);
    }
    // A different input gives different bytes.
    let r1 = run(7);
    let c = charts::allocation_png(&r1.input()).unwrap();
    assert_ne!(c, a[2].png);
}

#[test]
fn cjk_label_is_drawn_with_real_glyphs() {
    for c in "抖音千川私域社群淘客红包ABCabc0123,.".chars() {
        assert!(has_glyph(c), "font lacks {c:?}");
    }
    // A private-use codepoint the font has no glyph for.
    let missing = '\u{E000}';
    assert!(!has_glyph(missing));
    assert_eq!(printable("抖音千川\u{E000}"), "抖音千川?");

    let size = (300, 60);
    let cjk = ink(&text_png("抖音千川", 32.0, size).unwrap());
    let boxes = ink(&text_png(&missing.to_string().repeat(4), 32.0, size).unwrap());
    let blank = ink(&text_png("", 32.0, size).unwrap());
    assert_eq!(blank, 0.0);
    assert!(cjk > 20_000.0, "CJK ink {cjk}");
    // Measured: ~173k for the Han glyphs against ~81k for four .notdef boxes.
    assert!(boxes > 0.0, "the missing-glyph box is drawn");
    assert!(
        cjk > 1.5 * boxes,
        "CJK ink {cjk} not clearly above missing-glyph ink {boxes}"
    );
    // Each Han character draws something other than the missing-glyph box.
    let notdef = text_png(&missing.to_string(), 32.0, size).unwrap();
    for c in "抖音千川".chars() {
        assert_ne!(text_png(&c.to_string(), 32.0, size).unwrap(), notdef, "{c}");
    }
    // Different characters draw differently (not one fallback box each).
    let other = text_png("私域社群", 32.0, size).unwrap();
    assert_ne!(other, text_png("抖音千川", 32.0, size).unwrap());
}

#[test]
fn frontier_rises_with_budget_and_passes_through_the_plan() {
    let r = run(8);
    let f = r.frontier();
    assert_eq!(f.points.len(), acqplan::plan::frontier::FRONTIER_POINTS);
    let spend = r.report.plan.totals.spend_cny;
    let first = f.points.first().unwrap().budget_cny;
    let last = f.points.last().unwrap().budget_cny;
    assert!((first / spend - 0.3).abs() < 1e-9, "first budget {first}");
    assert!((last / spend - 2.0).abs() < 1e-9, "last budget {last}");
    for w in f.points.windows(2) {
        assert!(w[1].budget_cny > w[0].budget_cny);
        assert!(w[1].viewers >= w[0].viewers - 1e-6, "{w:?}");
        assert!(w[0].spend_cny <= w[0].budget_cny * (1.0 + 1e-9));
    }
    // The min-cost plan is on the frontier: at its own spend, the most
    // viewers a budget buys equals its viewers (within the LP linearisation).
    let i = f.points.iter().position(|p| p.budget_cny > spend).unwrap();
    let (a, b) = (f.points[i - 1], f.points[i]);
    let t = (spend - a.budget_cny) / (b.budget_cny - a.budget_cny);
    let interpolated = a.viewers + t * (b.viewers - a.viewers);
    let plan_viewers = r.report.plan.totals.viewers;
    // Concave frontier: the chord lies below it, so the plan is at or above.
    assert!(
        plan_viewers >= interpolated * 0.995,
        "plan {plan_viewers} below the frontier chord {interpolated}"
    );
    assert!(
        plan_viewers <= b.viewers,
        "plan above a bigger budget's best"
    );
    assert_eq!(f.what_if.len(), 2);
    assert!(f.what_if[0].viewers < plan_viewers && f.what_if[1].viewers > plan_viewers);
}

#[test]
fn each_channel_keeps_its_colour_across_charts() {
    let r = run(12);
    let input = r.input();
    let colours = charts::channel_colours(&input);
    assert_eq!(colours.len(), 12);
    let mut distinct: Vec<_> = colours.iter().map(|c| c.1).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 12, "colours repeat: {colours:?}");
    // Channel-name order: the same names give the same colours in another run.
    let r8 = run(8);
    let c8 = charts::channel_colours(&r8.input());
    let first_eight: Vec<_> = c8.iter().map(|c| c.1).collect();
    assert_eq!(c8.len(), 8);
    assert_eq!(first_eight[0], (31, 119, 180));
    let pixels = |png_bytes: &[u8]| {
        let (_, _, buf, ch) = decode(png_bytes);
        buf.chunks(ch)
            .map(|p| (p[0], p[1], p[2]))
            .collect::<std::collections::BTreeSet<_>>()
    };
    for png_bytes in [
        charts::curves_png(&input).unwrap(),
        charts::marginal_cost_png(&input).unwrap(),
        charts::allocation_png(&input).unwrap(),
    ] {
        let seen = pixels(&png_bytes);
        for (name, rgb) in &colours {
            assert!(seen.contains(rgb), "colour of {name} {rgb:?} not drawn");
        }
    }
}

#[test]
fn room_channel_panels_show_every_channel_first() {
    // 3 rooms × 8 channels = 24 lanes, 12 panels.
    let h = generate(&GenOptions {
        rooms: 3,
        days: 90,
        ..GenOptions::default()
    });
    let r = run_csv(&h.to_csv(Headers::English));
    assert_eq!(r.fitted.fits.len(), 24);
    let input = r.input();
    let panels = charts::curves_panel_lanes(&input);
    assert_eq!(panels.len(), 12);
    let channels: std::collections::BTreeSet<&str> =
        panels.iter().map(|(_, c)| c.as_str()).collect();
    assert_eq!(channels.len(), 8, "{panels:?}");
    let rooms: std::collections::BTreeSet<&str> = panels.iter().map(|(r, _)| r.as_str()).collect();
    assert!(rooms.len() > 1, "{panels:?}");
    let mut sorted = panels.clone();
    sorted.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(panels, sorted, "panels in channel, room order");
    let (w, h, _, _) = decode(&charts::curves_png(&input).unwrap());
    assert_eq!((w, h), curves_size(12));
}

#[test]
fn top_moves_name_the_biggest_changes() {
    let r = run(8);
    let moves = charts::top_moves(&r.input());
    assert_eq!(moves.len(), 3, "{moves:?}");
    // The biggest absolute change per channel, computed here from the rows.
    let mut delta: std::collections::BTreeMap<&str, f64> = Default::default();
    for row in &r.report.rows {
        *delta.entry(&row.channel).or_default() += row.spend_cny - row.last_spend_cny;
    }
    let (name, d) = delta
        .iter()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .unwrap();
    let verb = if *d > 0.0 { "Raise" } else { "Cut" };
    assert!(
        moves[0].starts_with(&format!("{verb} {name} by ")),
        "{moves:?} vs {name} {d}"
    );
}

/// A review with large, uneven figures and every part of the split, so
/// the block on summary.png has its longest text.
fn big_last_week() -> LastWeekFigures {
    LastWeekFigures {
        run: "2026-W26".into(),
        first_day: "2026-06-22".into(),
        last_day: "2026-06-28".into(),
        horizon_days: 7,
        days_covered: 5,
        planned_spend_cny: 4_330_680.0,
        planned_viewers: 5_000_000.0,
        actual_spend_cny: 4_412_100.0,
        actual_viewers: 4_871_120.0,
        predicted_viewers: Some(4_953_000.0),
        execution_viewers: -47_000.0,
        prediction_viewers: -61_880.0,
        fake_traffic_viewers: -20_000.0,
        flagged_spend_cny: 123_456.0,
        flagged_rows: 1234,
        unsplit_viewers: -1_234.0,
        lanes_without_curve: 3,
    }
}

/// Every chart of `r` drawn through the text recorder; fails listing every
/// text that overlaps another or leaves the image.
fn assert_text_fits(r: &Run, case: &str) -> Vec<charts::CheckedChart> {
    assert_text_fits_in(r, case, r.input())
}

/// [`assert_text_fits`] for `input`.
fn assert_text_fits_in(r: &Run, case: &str, input: ChartInput<'_>) -> Vec<charts::CheckedChart> {
    let f = r.frontier();
    let checked = charts::render_all_checked(&input, &f).unwrap();
    let problems: Vec<String> = checked
        .iter()
        .flat_map(|c| {
            c.problems
                .iter()
                .map(move |p| format!("{}: {p}", c.chart.file_name))
        })
        .collect();
    assert!(
        problems.is_empty(),
        "{case}: {} text problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    checked
}

/// The recorded text equal to `text`.
fn text<'a>(c: &'a charts::CheckedChart, text: &str) -> &'a TextBox {
    c.texts.iter().find(|t| t.text == text).unwrap_or_else(|| {
        panic!(
            "{}: no text `{text}` among {:?}",
            c.chart.file_name, c.texts
        )
    })
}

#[test]
fn no_chart_text_overlaps_or_leaves_the_image_for_1_and_12_channels() {
    for channels in [1usize, 12] {
        let r = run(channels);
        let checked = assert_text_fits(&r, &format!("{channels} channel(s)"));
        let names: Vec<&str> = checked.iter().map(|c| c.chart.file_name).collect();
        assert_eq!(
            names,
            ChartKind::ALL.map(ChartKind::file_name),
            "{channels} channel(s)"
        );
        for c in &checked {
            // The checker saw the chart's texts: titles, ticks, labels.
            assert!(
                c.texts.len() >= 10,
                "{} with {channels} channel(s): only {} texts recorded",
                c.chart.file_name,
                c.texts.len()
            );
            assert_eq!(text_problems(&c.texts, c.size), c.problems);
        }
        // Tick labels, rotated axis titles and drawn-by-hand labels are all
        // caught: the y-axis title of a curves panel stands upright.
        let y_title = text(&checked[0], "viewers/day");
        assert!(y_title.rotated);
        assert!(
            y_title.bottom - y_title.top > 3 * (y_title.right - y_title.left),
            "{y_title:?}"
        );
        for (name, _) in charts::channel_colours(&r.input()) {
            text(&checked[2], &printable(&name));
        }
        let frontier = &checked[3];
        assert!(
            frontier.texts.iter().any(|t| t.text.starts_with("target ")),
            "no target label on frontier.png"
        );
    }
}

#[test]
fn recording_text_leaves_the_png_bytes_unchanged() {
    for channels in [1usize, 8] {
        let r = run(channels);
        let input = r.input();
        let f = r.frontier();
        let plain = charts::render_all_with(&input, &f).unwrap();
        let checked = charts::render_all_checked(&input, &f).unwrap();
        assert_eq!(plain.len(), checked.len());
        for (p, c) in plain.iter().zip(&checked) {
            assert_eq!(p.file_name, c.chart.file_name);
            assert!(
                p.png == c.chart.png,
                "{} differs when drawn through the recorder ({channels} channels)",
                p.file_name
            );
            let (w, h, _, _) = decode(&p.png);
            assert_eq!((w, h), c.size);
        }
        // And the one-chart functions draw the same bytes.
        assert_eq!(charts::curves_png(&input).unwrap(), plain[0].png);
        assert_eq!(charts::summary_png(&input, &f).unwrap(), plain[4].png);
    }
}

/// Text, size px, anchor, clockwise turn in degrees (0, 90 or 270) and
/// position of a label.
type Label<'a> = (
    &'a str,
    f64,
    plotters::style::text_anchor::Pos,
    u16,
    (i32, i32),
);

/// `texts` drawn through a [`TextRecorder`] on a `w` × `h` bitmap: the
/// recorded boxes and the RGB pixels.
fn record((w, h): (u32, u32), texts: &[Label<'_>]) -> (Vec<TextBox>, Vec<u8>) {
    use plotters::prelude::*;
    use plotters::style::FontTransform;
    charts::ensure_font().unwrap();
    let log = TextLog::new();
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = TextRecorder::new(BitMapBackend::with_buffer(&mut buf, (w, h)), &log)
            .into_drawing_area();
        for &(t, size, pos, turn, at) in texts {
            let rotation = match turn {
                0 => FontTransform::None,
                90 => FontTransform::Rotate90,
                270 => FontTransform::Rotate270,
                _ => panic!("turn {turn}"),
            };
            let style = (charts::FONT_FAMILY, size)
                .into_font()
                .color(&BLACK)
                .pos(pos)
                .transform(rotation);
            root.draw_text(t, &style, at).unwrap();
        }
        root.present().unwrap();
    }
    (log.take(), buf)
}

#[test]
fn checker_catches_two_labels_drawn_on_the_same_spot() {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let top_left = Pos::new(HPos::Left, VPos::Top);
    let image = (400, 200);
    let (boxes, _) = record(
        image,
        &[
            ("plan 184,998 CNY", 14.0, top_left, 0, (40, 40)),
            ("last 191,387 CNY", 14.0, top_left, 0, (40, 40)),
            ("far away", 14.0, top_left, 0, (250, 150)),
            ("off the edge", 14.0, top_left, 0, (360, 100)),
        ],
    );
    assert_eq!(boxes.len(), 4);
    let problems = text_problems(&boxes, image);
    assert_eq!(
        problems,
        [
            TextProblem::Overlap {
                first: boxes[0].clone(),
                second: boxes[1].clone(),
            },
            TextProblem::Outside {
                text: boxes[3].clone(),
                image,
            },
        ],
        "{problems:#?}"
    );
    assert!(problems[0].to_string().contains("overlaps"));
    // Side by side with a gap: no problem.
    let (apart, _) = record(
        image,
        &[
            ("left", 14.0, top_left, 0, (10, 10)),
            ("right", 14.0, top_left, 0, (80, 10)),
            ("below", 14.0, top_left, 0, (10, 40)),
        ],
    );
    assert!(text_problems(&apart, image).is_empty(), "{apart:?}");
    // Blank text draws nothing and is not recorded.
    let (blank, _) = record(image, &[(" ", 14.0, top_left, 0, (10, 10))]);
    assert!(blank.is_empty());
}

#[test]
fn recorded_boxes_hold_the_ink_of_each_text_at_every_anchor_and_rotation() {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let image = (400, 300);
    for (size, pos, rotation) in [
        (11.0, Pos::new(HPos::Left, VPos::Top), 0),
        (22.0, Pos::new(HPos::Right, VPos::Center), 0),
        (34.0, Pos::new(HPos::Center, VPos::Bottom), 0),
        (14.0, Pos::new(HPos::Center, VPos::Top), 270),
        (14.0, Pos::new(HPos::Center, VPos::Top), 90),
    ] {
        let (boxes, buf) = record(
            image,
            &[("Hgjy 抖音千川 0.62", size, pos, rotation, (200, 150))],
        );
        let b = &boxes[0];
        let (mut x0, mut y0, mut x1, mut y1) = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        for (i, px) in buf.chunks(3).enumerate() {
            if px[0] < 250 {
                let (x, y) = ((i % image.0 as usize) as i32, (i / image.0 as usize) as i32);
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
        let case =
            format!("size {size} turned {rotation}°: box {b}, ink x {x0}..{x1} y {y0}..{y1}");
        assert!(x0 < x1, "{case}: nothing inked");
        assert!(
            b.left <= x0 && b.top <= y0 && b.right >= x1 && b.bottom >= y1,
            "{case}: ink outside the box"
        );
        // …and the box is not much bigger than the ink.
        assert!(
            (b.right - b.left) - (x1 - x0) <= 4 && (b.bottom - b.top) - (y1 - y0) <= 8,
            "{case}: box too loose"
        );
        let turned = rotation != 0;
        assert_eq!(b.rotated, turned, "{case}");
        assert_eq!(b.bottom - b.top > b.right - b.left, turned, "{case}");
    }
}

#[test]
fn frontier_shows_an_orders_or_gmv_target_in_its_own_unit() {
    let bytes = history_csv(8);
    for (metric, unit) in [(Metric::Orders, "orders"), (Metric::GmvCny, "CNY GMV")] {
        let r = run_csv_by(&bytes, Granularity::RoomChannel, metric);
        let target = r.request.target.unwrap();
        let checked = assert_text_fits(&r, unit);
        let frontier = &checked[3];
        let label = frontier
            .texts
            .iter()
            .find(|t| t.text.starts_with("target "))
            .unwrap_or_else(|| panic!("{unit}: no target label among {:?}", frontier.texts));
        assert!(
            label.text.contains(&format!(
                "{} {unit}",
                acqplan::report::table::fmt_num(target)
            )),
            "{unit}: {}",
            label.text
        );
        // The line is drawn at the viewers the plan buys, as the label says.
        let viewers = acqplan::report::table::fmt_num(r.report.plan.totals.viewers);
        assert!(label.text.contains(&viewers), "{}", label.text);
    }
}

#[test]
fn pooled_panels_mark_fake_days_at_the_days_summed_point() {
    let h = generate(&GenOptions {
        rooms: 3,
        days: 90,
        ..GenOptions::default()
    });
    let r = run_csv_by(
        &h.to_csv(Headers::English),
        Granularity::Channel,
        Metric::Viewers,
    );
    let input = r.input();
    assert_text_fits(&r, "pooled");
    let lanes = charts::curves_panel_lanes(&input);
    let marks = charts::curves_fake_marks(&input);
    assert_eq!(lanes.len(), 8);
    let mut marked = 0;
    for ((room, channel), marks) in lanes.iter().zip(&marks) {
        let i = r
            .fitted
            .series
            .set
            .keys
            .iter()
            .position(|k| &k.room == room && &k.channel == channel)
            .unwrap();
        let days: std::collections::BTreeSet<i32> = r
            .fitted
            .series
            .screened
            .result
            .flagged_rows
            .iter()
            .filter(|f| &f.channel == channel)
            .map(|f| f.date)
            .collect();
        // One mark per day with flagged rows, not one per flagged row.
        assert_eq!(marks.len(), days.len(), "{channel}");
        let set = &r.fitted.series.set;
        let dates = set.dates(i);
        for (d, m) in days.iter().zip(marks) {
            if let Ok(j) = dates.binary_search(d) {
                // The day's summed point, as the panel draws it.
                assert_eq!(*m, (set.spend_cny(i)[j], set.viewers(i)[j]), "{channel}");
                marked += 1;
            }
        }
    }
    assert!(marked > 5, "only {marked} marks on summed points");
}

#[test]
fn long_channel_names_and_label_still_fit() {
    let long = "douyin_qianchuan_brand_search_campaign_double_eleven_2026_抖音千川品牌";
    let csv = String::from_utf8(history_csv(12)).unwrap();
    let r = run_csv(csv.replace("douyin_qianchuan", long).as_bytes());
    let input = ChartInput {
        label: "2026-11-30 – 12-06, re-run after the Double 11 data fix of the affiliate feed",
        ..r.input()
    };
    let f = r.frontier();
    let checked = charts::render_all_checked(&input, &f).unwrap();
    for c in &checked {
        assert!(
            c.problems.is_empty(),
            "{}: {:#?}",
            c.chart.file_name,
            c.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>()
        );
    }
    // The long name is still there, shortened, in the allocation chart.
    assert!(
        checked[2]
            .texts
            .iter()
            .any(|t| t.text.starts_with("douyin_qianchuan_")),
        "{:?}",
        checked[2].texts
    );
}

#[test]
fn no_chart_text_overlaps_or_leaves_the_image_in_either_language() {
    let lw = big_last_week();
    for channels in [1usize, 12] {
        let r = run(channels);
        for lang in [Lang::En, Lang::Zh] {
            let case = format!("{channels} channel(s), {lang:?}");
            let checked = assert_text_fits_in(&r, &case, r.input_in(lang, &lw));
            let summary = &checked[4];
            // The title, the heat-table and the review block are there, in
            // the language asked for.
            let (title, heat, review) = match lang {
                Lang::En => (
                    "Traffic plan",
                    "Schedule: CNY per day",
                    "Last week: 2026-06-22",
                ),
                Lang::Zh => ("投放计划", "排期：各渠道每天花费", "上周回顾：2026-06-22"),
            };
            for want in [title, heat, review] {
                assert!(
                    summary.texts.iter().any(|t| t.text.starts_with(want)),
                    "{case}: no `{want}…` on summary.png"
                );
            }
            if lang == Lang::Zh {
                // Every chart's title is Chinese.
                for c in &checked {
                    let first = &c.texts[0].text;
                    assert!(
                        first
                            .chars()
                            .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
                        "{case}: {} starts with `{first}`",
                        c.chart.file_name
                    );
                }
            }
        }
    }
}

/// The heat-table's cells, read back from the recorded texts: per channel,
/// the plan's spend on each day (summed over rooms from schedule.csv's
/// rows), heaviest channels first, the channels beyond the ninth summed.
#[test]
fn summary_heat_table_shows_each_channels_daily_spend() {
    let r = run(12);
    let lw = big_last_week();
    for lang in [Lang::En, Lang::Zh] {
        let input = r.input_in(lang, &lw);
        let c = charts::render_checked(ChartKind::Summary, &input, &r.frontier()).unwrap();
        // The answer another way: schedule.csv's rows summed per channel.
        let rows = acqplan::report::schedule_export::schedule_rows(&r.report, 20_600);
        let mut by: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
        for row in &rows {
            let days = by.entry(&row.channel).or_insert_with(|| vec![0.0; 7]);
            let d = (acqplan::contract::cell::parse_date(&row.date).unwrap() - 20_600) as usize;
            days[d] += row.spend_cny;
        }
        let mut ranked: Vec<(&str, Vec<f64>)> = by.into_iter().collect();
        ranked.sort_by(|a, b| {
            let (ta, tb) = (a.1.iter().sum::<f64>(), b.1.iter().sum::<f64>());
            tb.total_cmp(&ta).then_with(|| a.0.cmp(b.0))
        });
        assert_eq!(ranked.len(), 12);
        let mut others = vec![0.0; 7];
        for (_, d) in &ranked[9..] {
            for (o, x) in others.iter_mut().zip(d) {
                *o += x;
            }
        }
        let others_name = i18n::words(lang).heat_others(3);
        let mut want: Vec<(String, Vec<f64>)> = ranked[..9]
            .iter()
            .map(|(n, d)| (printable(n), d.clone()))
            .collect();
        want.push((others_name, others));
        // In zh the day cells are all in 万 once one of them is, and so are
        // the totals (one unit per column kind).
        let max_day = want
            .iter()
            .flat_map(|(_, d)| d.iter().copied())
            .fold(0.0, f64::max);
        let max_total = want
            .iter()
            .map(|(_, d)| d.iter().sum::<f64>())
            .fold(0.0, f64::max);
        // Each row: its name, then its 7 cells and total, left to right on
        // the name's line.
        let heat_top = SUMMARY_SIZE.1 as i32 - 330;
        for (name, days) in &want {
            let label = c
                .texts
                .iter()
                .find(|t| t.text == *name && t.top > heat_top)
                .unwrap_or_else(|| panic!("{lang:?}: no row `{name}`"));
            let mid = (label.top + label.bottom) / 2;
            let mut cells: Vec<&TextBox> = c
                .texts
                .iter()
                .filter(|t| {
                    t.left > label.right && t.left < 1000 && t.top <= mid && t.bottom >= mid
                })
                .collect();
            cells.sort_by_key(|t| t.left);
            let got: Vec<&str> = cells.iter().map(|t| t.text.as_str()).collect();
            let mut expect: Vec<String> = days
                .iter()
                .map(|&x| i18n::short_scaled(lang, x, max_day))
                .collect();
            expect.push(i18n::short_scaled(lang, days.iter().sum(), max_total));
            assert_eq!(got, expect, "{lang:?}: row `{name}`");
        }
        // The column heads are the plan's days, from day 20,600: 2026-05-27,
        // a Wednesday, to Tuesday 2026-06-02.
        let heads: Vec<&str> = match lang {
            Lang::En => vec!["Wed 05-27", "Thu 05-28", "Tue 06-02"],
            Lang::Zh => vec!["周三 05-27", "周四 05-28", "周二 06-02"],
        };
        let at: Vec<i32> = heads.iter().map(|h| text(&c, h).left).collect();
        assert!(at[0] < at[1] && at[1] < at[2], "{lang:?}: heads at {at:?}");
    }
}

/// The review block draws last week's three totals (and the miss against
/// the prediction) from the figures.
#[test]
fn summary_review_block_draws_last_weeks_figures() {
    let r = run(1);
    let lw = big_last_week();
    for lang in [Lang::En, Lang::Zh] {
        let input = r.input_in(lang, &lw);
        let c = charts::render_checked(ChartKind::Summary, &input, &r.frontier()).unwrap();
        let v = |x: f64| i18n::amount(lang, x, Metric::Viewers);
        let actual = format!(
            "{} ({})",
            v(lw.actual_viewers),
            i18n::signed_percent(lang, lw.actual_viewers / 4_953_000.0 - 1.0)
        );
        for want in [v(lw.planned_viewers), v(4_953_000.0), actual] {
            text(&c, &want);
        }
        let (spend, partial) = match lang {
            Lang::En => (
                "spend: planned 4,330,680 CNY, actual 4,412,100 CNY",
                "history covers 5 of 7 days so far",
            ),
            Lang::Zh => (
                "花费：计划 433.1万元，实际 441.2万元",
                "历史数据目前覆盖 7 天中的 5 天",
            ),
        };
        text(&c, spend);
        text(&c, partial);
        // Without figures there is no block.
        let none = charts::render_checked(ChartKind::Summary, &r.input(), &r.frontier()).unwrap();
        assert!(!none.texts.iter().any(|t| t.text.starts_with("Last week")));
    }
}
