//! Lanes made mostly of bots, rooms genuinely apart in cost, and sporadic
//! bots, each over many fresh generated histories.
//!
//! Bounds come from `calibrate_every_case` in `calibration.rs` (40 seeds,
//! 1000–1039, of each case with and without engagement columns; the seeds
//! here are others). Its figures, 2026-12-01:
//!
//! | case | precision (worst history) | recall of bot-lane / sporadic bots (worst) | real rows flagged (worst history) | lane verdicts |
//! |---|---|---|---|---|
//! | 50 rooms × 240 d, 6 bot lanes, required columns | 0.998 (0.996) | 0.9998 (0.998) / 1.000 | 0.006 % | 240 of 240 bot lanes, 0 others |
//! | the same with engagement | 1.000 (1.000) | 1.000 (1.000) / 1.000 | 0 | 240 / 240, 0 |
//! | 30 rooms × 180 d 4× apart, 6 bot lanes, required | 0.998 (0.996) | 0.999 (0.979) / 1.000 | 0.005 % | 240 / 240, 0 |
//! | 30 × 365 d, drifting costs, 6 bot lanes, required | 0.999 (0.998) | 0.9999 (0.999) / 1.000 | 0.003 % | 240 / 240, 0 |
//! | no bots: 30 × 240, 4× apart (10 %, 30 % cheap), drift | – | – | ≤ 0.017 % | 0 |
//! | sporadic 2 %, 8 × 240, required | 0.998 (0.990) | – / 1.000 (1.000) | 0.004 % | 0 |
//! | sporadic 15 %, 8 × 240, required | 1.000 (0.9996) | – / 0.9991 (0.998) | 0 | 0 |
//! | 30 × 180, 3 lanes all bots, required | 0.999 (0.996) | 0.954 (0.64) / 1.000 | 0.004 % | 116 / 120, 0 |
//! | the same with engagement | 1.000 | 1.000 (1.000) / 1.000 | 0 | 120 / 120, 0 |
//!
//! Before issue 12 (the same seeds): bot-lane recall 0.000 with required
//! columns and 0.196 (worst 0.168) with engagement; the sporadic and no-bot
//! rows were as above (lanes without a verdict are screened exactly as
//! before).

use super::calibration::{Counts, all_bot_lanes, history, load, number_before, rooms_apart};
use super::*;
use crate::synth::{CHANNELS, History};

/// (rooms, days, bot lanes) of the i-th history of a test: 30–50 rooms,
/// 180–240 days, 5–6 bot lanes.
fn shape(i: u64) -> (usize, usize, usize) {
    (
        30 + 10 * (i % 3) as usize,
        180 + 60 * (i % 2) as usize,
        5 + (i % 2) as usize,
    )
}

fn screened(h: &History) -> ScreenResult {
    screen(&load(h), &ScreenOptions::default()).unwrap()
}

fn is_bot_lane(h: &History, room: &str, channel: &str) -> bool {
    h.truth
        .bot_lanes
        .iter()
        .any(|(r, c, _)| r == room && c == channel)
}

#[test]
fn bot_dominated_lanes_are_flagged_row_by_row_and_judged_as_a_whole() {
    for engagement in [false, true] {
        let mut total = Counts::default();
        for i in 0..12u64 {
            let seed = 7_000 + i;
            let (rooms, days, lanes) = shape(i);
            let h = history(rooms, days, seed, engagement, 0.02, lanes);
            let res = screened(&h);
            let c = Counts::of(&h, &res);
            eprintln!(
                "bot lanes, engagement {engagement}, {rooms}×8×{days} seed {seed}: bot-lane recall {:.4}, precision {:.4}, {} lane verdicts",
                c.lane_recall(),
                c.precision(),
                res.lanes.len()
            );
            assert_eq!(h.truth.bot_lanes.len(), lanes);
            // Calibrated worst 0.979 over 240 histories; the issue asks 0.90.
            assert!(c.lane_recall() >= 0.90, "{c:?} (seed {seed})");
            // Calibrated worst 0.996.
            assert!(c.precision() >= 0.99, "{c:?} (seed {seed})");
            assert!(c.sporadic_recall() >= 0.99, "{c:?} (seed {seed})");
            // Every bot lane judged as a whole, and no other lane.
            assert_eq!(res.lanes.len(), lanes, "{:#?}", res.lanes);
            for v in &res.lanes {
                assert!(is_bot_lane(&h, &v.room, &v.channel), "{v:#?}");
                assert_eq!(v.basis, LaneBasis::Mixed, "{v:#?}");
                let share = h
                    .truth
                    .bot_lanes
                    .iter()
                    .find(|(r, ch, _)| *r == v.room && *ch == v.channel)
                    .unwrap()
                    .2;
                // The bought share is the lane's bot share (give or take
                // the binomial draw of 180–240 days).
                assert!(
                    (v.bought_share() - share).abs() < 0.12,
                    "{} vs {share}",
                    v.reason
                );
                // ×5–×30 bots: their days' viewers per CNY are far above
                // the channel's other rooms and the lane's clean days.
                assert!(v.viewers_per_cny_vs_channel.unwrap() > 3.0, "{v:#?}");
                assert!(v.viewers_per_cny_vs_clean_days.unwrap() > 4.0, "{v:#?}");
                if engagement {
                    let (w, norm) = (
                        v.watch_seconds_bought.unwrap(),
                        v.watch_seconds_norm.unwrap(),
                    );
                    assert!(w < norm / 3.0, "{v:#?}");
                    assert!(v.orders_per_viewer_vs_norm.unwrap() < 0.3, "{v:#?}");
                }
            }
            total.add(c);
        }
        // Calibrated 0.9998 (required columns) and 1.0000 (engagement).
        assert!(total.lane_recall() >= 0.98, "{total:?}");
    }
}

#[test]
fn lane_and_row_reasons_say_what_was_compared() {
    let h = history(40, 240, 7_100, true, 0.02, 6);
    let res = screened(&h);
    assert_eq!(res.lanes.len(), 6);
    for v in &res.lanes {
        eprintln!("{}", v.reason);
        // "room_04 × douyin_douplus: 70 % of paid days look bought: viewers
        // per CNY 12× the channel's other rooms (15× its own clean days),
        // watch time 3 s vs 70 s, per viewer orders 0.07×, … the norm"
        let head = format!("{} × {}: ", v.room, v.channel);
        assert!(v.reason.starts_with(&head), "{}", v.reason);
        let share = number_before(&v.reason, " % of paid days look bought");
        assert!(
            (share - 100.0 * v.bought_share()).abs() <= 0.5,
            "{}",
            v.reason
        );
        let ch = number_before(&v.reason, "× the channel's other rooms");
        let ratio = v.viewers_per_cny_vs_channel.unwrap();
        assert!((ch / ratio).ln().abs() < 0.05, "{ch} vs {ratio}");
        let own = number_before(&v.reason, "× its own clean days");
        assert!(own > 4.0, "{}", v.reason);
        let w = number_before(&v.reason, " s vs ");
        let norm = number_before(&v.reason[v.reason.find(" s vs ").unwrap() + 6..], " s");
        let spec = CHANNELS.iter().find(|c| c.id == v.channel).unwrap();
        assert!(w < 0.3 * norm, "{}", v.reason);
        // The norm is the channel's real viewers' watch time (±15 %).
        assert!(
            (norm / spec.watch_seconds).ln().abs() < 0.15,
            "{} vs {}",
            v.reason,
            spec.watch_seconds
        );
        assert!(v.reason.contains("per viewer orders 0."), "{}", v.reason);
    }
    // A bot row of a bot lane is stated against the lane's clean days, with
    // the multiple of its inflation give or take the row's own noise (σ 0.2
    // in logs, weekday effects besides).
    let mut off = Vec::new();
    for f in &res.flagged_rows {
        let row = &h.rows[f.line as usize - 2];
        if !row.fake || !is_bot_lane(&h, &f.room, &f.channel) {
            continue;
        }
        let truth = h
            .truth
            .fake_rows
            .iter()
            .find(|t| t.date == f.date_text() && t.room == f.room && t.channel == f.channel)
            .unwrap();
        assert_eq!(f.evidence.norm, NormBasis::CleanDays);
        let m = number_before(&f.reasons, "× this lane's clean days at this spend");
        off.push((m / truth.inflation).ln().abs());
    }
    let checked = off.len();
    off.sort_by(f64::total_cmp);
    let (median, p99) = (off[checked / 2], off[checked * 99 / 100]);
    eprintln!(
        "|ln(multiple ÷ inflation)| over {checked} bot rows: median {median:.3}, 99th percentile {p99:.3}"
    );
    assert!(median < 0.25 && p99 < 0.8, "{median} {p99}");
    assert!(checked > 300, "{checked}");
}

#[test]
fn rooms_genuinely_apart_without_bots_are_left_alone() {
    let mut rows = 0;
    let mut flagged = 0;
    for i in 0..12u64 {
        let seed = 7_200 + i;
        let engagement = i % 2 == 0;
        let (rooms, days, _) = shape(i);
        let mut h = history(rooms, days, seed, engagement, 0.0, 0);
        // Rooms exactly 4× apart, 10–50 % of them the cheap ones; every
        // third history keeps the generator's own 0.4–2.0 CNY spread.
        if i % 3 != 2 {
            rooms_apart(&mut h, 4.0, 0.1 + 0.1 * (i % 5) as f64, seed);
        }
        let res = screened(&h);
        let share = res.flagged_count() as f64 / h.rows.len() as f64;
        eprintln!(
            "no bots, engagement {engagement}, {rooms}×8×{days} seed {seed}: {} of {} rows flagged, {} lanes",
            res.flagged_count(),
            h.rows.len(),
            res.lanes.len()
        );
        // Calibrated worst 0.017 %; the issue asks at most 0.5 %.
        assert!(share <= 0.005, "{share} (seed {seed})");
        assert!(res.lanes.is_empty(), "{:#?}", res.lanes);
        rows += h.rows.len();
        flagged += res.flagged_count();
    }
    // Calibrated 0.006 % over 80 histories.
    assert!(
        (flagged as f64) < 0.0005 * rows as f64,
        "{flagged} of {rows}"
    );
}

#[test]
fn sporadic_bots_keep_their_precision_and_recall() {
    // (share of paid rows with bots, bound on each history's precision and
    // recall): calibrated worst 0.990 / 1.000 at 2 %, 0.9996 / 0.998 at 15 %
    // with required columns only; 1.000 / 1.000 with engagement.
    for (rate, min_precision, min_recall) in [(0.02, 0.98, 0.99), (0.15, 0.995, 0.99)] {
        for i in 0..10u64 {
            let seed = 7_300 + i;
            let engagement = i % 2 == 0;
            let h = history(8, 240, seed, engagement, rate, 0);
            let res = screened(&h);
            let c = Counts::of(&h, &res);
            eprintln!(
                "sporadic {rate}, engagement {engagement}, seed {seed}: precision {:.4} recall {:.4} ({} flagged, {} bots)",
                c.precision(),
                c.recall(),
                c.flagged,
                c.bots
            );
            assert!(c.precision() >= min_precision, "{c:?} (seed {seed})");
            assert!(c.recall() >= min_recall, "{c:?} (seed {seed})");
            assert!(res.lanes.is_empty(), "{:#?}", res.lanes);
        }
    }
}

#[test]
fn excluding_leaves_a_bot_lane_its_clean_days() {
    let h = history(30, 240, 7_400, false, 0.02, 6);
    let data = load(&h);
    let res = screen(&data, &ScreenOptions::default()).unwrap();
    let kept = res.curve_input(&data).unwrap();
    let lines: std::collections::HashSet<u64> = kept
        .frame()
        .column("line")
        .unwrap()
        .u64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    for (room, channel, _) in &h.truth.bot_lanes {
        let ri = h.rooms.iter().position(|r| r == room).unwrap();
        let ci = CHANNELS.iter().position(|c| c.id == channel).unwrap();
        let tc = h
            .truth
            .curves
            .iter()
            .find(|c| c.room == *room && c.channel == *channel)
            .unwrap();
        let mut log_ratio = Vec::new();
        let mut bots_kept = 0;
        for (i, r) in h.rows.iter().enumerate() {
            if r.room != ri || r.channel != ci || r.spend <= 0.0 || !lines.contains(&(i as u64 + 2))
            {
                continue;
            }
            bots_kept += usize::from(r.fake);
            let wd =
                crate::synth::WEEKDAY_FACTORS[crate::contract::calendar::weekday(r.date) as usize];
            log_ratio.push((r.viewers / (tc.curve.value(r.spend) * wd)).ln());
        }
        let kept_days = log_ratio.len();
        let median = stats::median_in_place(&mut log_ratio).unwrap();
        eprintln!(
            "{room} × {channel}: {kept_days} paid days kept, {bots_kept} of them bots, median viewers ÷ truth {:.3}",
            median.exp()
        );
        // Its clean days (20–50 % of 230) are what the curves see, at the
        // true curve's level (noise σ 0.2 with mean 1: median −2 %).
        assert!(kept_days >= 30, "{kept_days}");
        assert!(bots_kept * 50 <= kept_days, "{bots_kept} of {kept_days}");
        assert!(median.abs() < 0.08, "{median}");
    }
}

#[test]
fn a_lane_made_only_of_bots_is_judged_against_the_other_rooms() {
    let mut judged = 0;
    let mut lanes = 0;
    for i in 0..8u64 {
        let seed = 7_500 + i;
        let engagement = i % 2 == 0;
        let mut h = history(30, 180, seed, engagement, 0.02, 0);
        all_bot_lanes(&mut h, 2, seed);
        let res = screened(&h);
        let c = Counts::of(&h, &res);
        eprintln!(
            "all-bot lanes, engagement {engagement}, seed {seed}: bot-lane recall {:.4}, precision {:.4}, {} verdicts",
            c.lane_recall(),
            c.precision(),
            res.lanes.len()
        );
        for v in &res.lanes {
            assert!(is_bot_lane(&h, &v.room, &v.channel), "{v:#?}");
            assert_eq!(v.basis, LaneBasis::NoCleanDays, "{v:#?}");
            assert!(
                v.reason
                    .contains("no day looks like the channel's other rooms"),
                "{}",
                v.reason
            );
        }
        assert!(c.precision() >= 0.99, "{c:?}");
        if engagement {
            // With engagement columns every such lane is found (calibrated
            // 120 of 120, recall 1.000): its viewers watch 2–20 s where the
            // channel's watch 45–180 s.
            assert_eq!(res.lanes.len(), 2, "{:#?}", res.lanes);
            assert!(c.lane_recall() >= 0.95, "{c:?}");
        }
        judged += res.lanes.len();
        lanes += 2;
    }
    // Required columns only, cost alone: an expensive room's ×5 bots look
    // like a well-run room, so some are missed (calibrated 116 of 120).
    assert!(judged * 10 >= lanes * 8, "{judged} of {lanes}");
}

#[test]
fn flagged_lanes_export_lists_the_verdicts() {
    let h = history(30, 180, 7_600, true, 0.02, 5);
    let res = screened(&h);
    let csv =
        String::from_utf8(crate::report::flagged_export::flagged_lanes_csv(&res.lanes)).unwrap();
    let mut reader = ::csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, crate::report::flagged_export::FLAGGED_LANES_HEADER);
    let records: Vec<::csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), res.lanes.len());
    assert_eq!(records.len(), 5);
    for (rec, v) in records.iter().zip(&res.lanes) {
        assert_eq!(
            (&rec[0], &rec[1], &rec[2]),
            (v.room.as_str(), v.channel.as_str(), "mixed")
        );
        assert_eq!(rec[4].parse::<usize>().unwrap(), v.bought_days);
        assert!(rec[6].parse::<f64>().unwrap() > 3.0);
        assert_eq!(&rec[13], v.reason.as_str());
    }
}
