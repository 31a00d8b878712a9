//! PNG charts (`acqplan::report::charts`) drawn from generated history run
//! through the real pipeline: sizes, ink, determinism, CJK glyphs, frontier.

use std::path::Path;

use acqplan::curves::stage::{
    CurveFit, Granularity, SeriesSet, StageOptions, extract_series, fit_set,
};
use acqplan::load::{LoadOptions, load_csv_bytes};
use acqplan::plan::stage::{PlanReport, conversions, lane_histories, prepare, report};
use acqplan::plan::{Metric, PlanRequest, solve};
use acqplan::report::charts::{
    self, ChartInput, FRONTIER_SIZE, MARGINAL_COST_SIZE, SUMMARY_SIZE, allocation_channels,
    allocation_size, curves_panels, curves_size, has_glyph, printable, text_png,
};
use acqplan::screen::{ScreenOptions, ScreenResult, screen};
use acqplan::synth::{CHANNELS, GenOptions, Headers, generate};

/// Everything a plan run hands to the charts.
struct Run {
    report: PlanReport,
    fits: Vec<CurveFit>,
    set: SeriesSet,
    screened: ScreenResult,
    request: PlanRequest,
    what_if: Vec<f64>,
}

impl Run {
    fn input(&self) -> ChartInput<'_> {
        ChartInput {
            screen: Some(&self.screened),
            request: Some(&self.request),
            what_if_budgets_cny: &self.what_if,
            label: "2026-W27",
            ..ChartInput::new(&self.report, &self.fits, &self.set)
        }
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

/// Mirror of `plan_cmd`: load → screen → series → fit → plan → report, with
/// a viewer target of 110 % of the last week's viewers.
fn run_csv(bytes: &[u8]) -> Run {
    let loaded = load_csv_bytes(Path::new("synth.csv"), bytes, &LoadOptions::default()).unwrap();
    let screened = screen(&loaded.data, &ScreenOptions::default()).unwrap();
    let data = screened.curve_input(&loaded.data).unwrap();
    let by = Granularity::RoomChannel;
    let set = extract_series(&data, by).unwrap();
    let (fits, _) = fit_set(&set, &StageOptions::default());
    let horizon = 7;
    let histories = lane_histories(&set, horizon);
    let conv = conversions(&data, by).unwrap();
    let prepared = prepare(&fits, &histories, &conv);
    let last_viewers: f64 = histories.iter().map(|h| h.last_viewers).sum();
    let request = PlanRequest {
        lanes: prepared.lanes.clone(),
        horizon_days: horizon as f64,
        metric: Metric::Viewers,
        target: Some((last_viewers * 1.1).round()),
        ..PlanRequest::default()
    };
    let plan = solve(&request).unwrap();
    let spend = plan.totals.spend_cny;
    let report = report(plan, &prepared, &fits, &histories, horizon);
    Run {
        report,
        fits,
        set,
        screened,
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
        let all = charts::render_all(&input).unwrap();
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
    assert_eq!(curves_size(1), (640, 70 + 330));
}

#[test]
fn same_input_renders_identical_bytes() {
    let r = run(8);
    let a = charts::render_all(&r.input()).unwrap();
    let b = charts::render_all(&r.input()).unwrap();
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
    let input = r.input();
    let f = charts::frontier(&input);
    assert_eq!(f.points.len(), charts::FRONTIER_POINTS);
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
    assert_eq!(r.fits.len(), 24);
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
