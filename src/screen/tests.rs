//! Screening on generated history whose bot rows are known.

use super::calibration::{load, number_before};
use super::*;
use crate::synth::History;

/// (rooms, days, seed): 3–10 rooms × 8 channels × 180–365 days.
const CASES: [(usize, usize, u64); 4] = [(3, 180, 1), (5, 240, 7), (10, 365, 11), (4, 300, 23)];

/// A generated history without bot-dominated lanes.
fn history(rooms: usize, days: usize, seed: u64, engagement: bool, fake_rate: f64) -> History {
    super::calibration::history(rooms, days, seed, engagement, fake_rate, 0)
}

/// The generator's row behind a flagged row (CSV line = row index + 2).
fn truth_row(h: &History, line: u64) -> &crate::synth::Row {
    &h.rows[line as usize - 2]
}

/// (precision, recall, flagged, bots).
fn precision_recall(h: &History, res: &ScreenResult) -> (f64, f64, usize, usize) {
    let bots = h.rows.iter().filter(|r| r.fake).count();
    let hits = res
        .flagged_rows
        .iter()
        .filter(|f| truth_row(h, f.line).fake)
        .count();
    let flagged = res.flagged_rows.len();
    let precision = if flagged == 0 {
        1.0
    } else {
        hits as f64 / flagged as f64
    };
    (precision, hits as f64 / bots as f64, flagged, bots)
}

/// Recall of the naive rule "viewers above 8× the pair's median viewers".
fn naive_recall(h: &History) -> f64 {
    let pairs = h.rooms.len() * crate::synth::CHANNELS.len();
    let mut medians = Vec::with_capacity(pairs);
    for p in 0..pairs {
        let mut v: Vec<f64> = h
            .rows
            .iter()
            .filter(|r| r.room * 8 + r.channel == p)
            .map(|r| r.viewers)
            .collect();
        medians.push(stats::median_in_place(&mut v).unwrap_or(0.0));
    }
    let bots = h.rows.iter().filter(|r| r.fake).count();
    let caught = h
        .rows
        .iter()
        .filter(|r| r.fake && r.viewers > 8.0 * medians[r.room * 8 + r.channel])
        .count();
    caught as f64 / bots as f64
}

#[test]
fn with_engagement_columns_precision_and_recall_reach_98_percent() {
    for (rooms, days, seed) in CASES {
        let h = history(rooms, days, seed, true, 0.02);
        let data = load(&h);
        let res = screen(&data, &ScreenOptions::default()).unwrap();
        let (p, r, flagged, bots) = precision_recall(&h, &res);
        eprintln!(
            "engagement {rooms}×8×{days} seed {seed}: precision {p:.4} recall {r:.4} ({flagged} flagged, {bots} bots)"
        );
        assert_eq!(res.signals, Signal::ALL.to_vec());
        assert!(bots > 50, "{bots}");
        assert!(p >= 0.98, "precision {p} (seed {seed})");
        assert!(r >= 0.98, "recall {r} (seed {seed})");
    }
}

#[test]
fn with_required_columns_only_precision_and_recall_reach_95_percent_and_beat_naive_rule() {
    for (rooms, days, seed) in CASES {
        let h = history(rooms, days, seed, false, 0.02);
        let data = load(&h);
        assert!(!data.has(Field::AvgWatchSeconds));
        let res = screen(&data, &ScreenOptions::default()).unwrap();
        let (p, r, flagged, bots) = precision_recall(&h, &res);
        let naive = naive_recall(&h);
        eprintln!(
            "required only {rooms}×8×{days} seed {seed}: precision {p:.4} recall {r:.4} ({flagged} flagged, {bots} bots); naive 8× median recall {naive:.4}"
        );
        assert_eq!(res.signals, vec![Signal::CostAnomaly, Signal::Spike]);
        assert!(p >= 0.95, "precision {p} (seed {seed})");
        assert!(r >= 0.95, "recall {r} (seed {seed})");
        assert!(
            r > naive + 0.05,
            "recall {r} vs naive {naive} (seed {seed})"
        );
    }
}

#[test]
fn without_bots_at_most_half_a_percent_of_rows_is_flagged() {
    for engagement in [true, false] {
        for (rooms, days, seed) in CASES {
            let h = history(rooms, days, seed, engagement, 0.0);
            assert!(h.truth.fake_rows.is_empty());
            let res = screen(&load(&h), &ScreenOptions::default()).unwrap();
            let share = res.flagged_count() as f64 / h.rows.len() as f64;
            eprintln!(
                "no bots, engagement {engagement}, {rooms}×8×{days} seed {seed}: {} of {} rows flagged ({:.3} %)",
                res.flagged_count(),
                h.rows.len(),
                100.0 * share
            );
            assert!(
                share <= 0.005,
                "{share} (seed {seed}, engagement {engagement})"
            );
        }
    }
}

#[test]
fn reason_names_the_viewer_multiple_and_the_watch_time() {
    let h = history(3, 240, 42, true, 0.02);
    let res = screen(&load(&h), &ScreenOptions::default()).unwrap();
    let mut checked = 0;
    for f in &res.flagged_rows {
        let row = truth_row(&h, f.line);
        if !row.fake {
            continue;
        }
        let truth = h
            .truth
            .fake_rows
            .iter()
            .find(|t| t.date == f.date_text() && t.room == f.room && t.channel == f.channel)
            .expect("a bot row in the truth");
        // "viewers 14.2× the channel's norm at this spend": the multiple is
        // the inflation give or take the row's own noise (σ 0.2 in logs).
        let multiple = number_before(&f.reasons, "× the channel's norm at this spend");
        assert!(
            (multiple / truth.inflation).ln().abs() < 0.75,
            "{multiple} vs inflation {} in {:?}",
            truth.inflation,
            f.reasons
        );
        // "watch time 3 s": the row's own watch time, rounded.
        let watch = number_before(&f.reasons, " s (usually");
        assert!(
            (watch - row.avg_watch_seconds).abs() <= 0.5,
            "{watch} vs {} in {:?}",
            row.avg_watch_seconds,
            f.reasons
        );
        let usual = number_before(&f.reasons, " s)");
        assert!(watch < 0.5 * usual, "{:?}", f.reasons);
        assert!(f.reasons.starts_with("viewers "), "{:?}", f.reasons);
        checked += 1;
    }
    assert!(checked > 50, "{checked}");
}

#[test]
fn excluding_bots_raises_cost_per_viewer_towards_the_truth() {
    let h = history(5, 240, 7, true, 0.02);
    let data = load(&h);
    let res = screen(&data, &ScreenOptions::default()).unwrap();
    let mut moved = 0;
    for (ci, ch) in crate::synth::CHANNELS.iter().enumerate() {
        let impact = res.channels.iter().find(|c| c.channel == ch.id).unwrap();
        let real: f64 = h
            .rows
            .iter()
            .filter(|r| r.channel == ci)
            .map(|r| {
                let fake = r.fake.then(|| {
                    h.truth
                        .fake_rows
                        .iter()
                        .find(|t| {
                            t.date == crate::contract::calendar::format_date(r.date)
                                && t.room == h.rooms[r.room]
                                && t.channel == ch.id
                        })
                        .unwrap()
                        .true_viewers
                });
                fake.unwrap_or(r.viewers)
            })
            .sum();
        let spend: f64 = h
            .rows
            .iter()
            .filter(|r| r.channel == ci)
            .map(|r| r.spend)
            .sum();
        let true_cpv = spend / real;
        let before = impact.cost_per_viewer_before_cny.unwrap();
        let after = impact.cost_per_viewer_after_cny.unwrap();
        eprintln!("{}; real cost per viewer {true_cpv:.3}", impact.line());
        assert!(impact.rows_flagged > 0, "{}", impact.line());
        assert!(after > before * 1.05, "{}", impact.line());
        assert!(
            (after / true_cpv).ln().abs() < (before / true_cpv).ln().abs() / 3.0,
            "{} vs real {true_cpv}",
            impact.line()
        );
        moved += 1;
    }
    assert_eq!(moved, 8);
}

#[test]
fn policy_decides_what_the_curves_see() {
    let h = history(3, 180, 5, true, 0.02);
    let data = load(&h);
    let exclude = screen(&data, &ScreenOptions::default()).unwrap();
    assert!(exclude.flagged_count() > 20);
    let kept = exclude.curve_input(&data).unwrap();
    assert_eq!(kept.len(), data.len() - exclude.flagged_count());
    // No flagged line survives.
    let lines = kept.frame().column("line").unwrap().u64().unwrap().clone();
    let flagged: std::collections::HashSet<u64> =
        exclude.flagged_rows.iter().map(|f| f.line).collect();
    assert_eq!(
        lines
            .into_no_null_iter()
            .filter(|l| flagged.contains(l))
            .count(),
        0
    );
    assert_eq!(
        exclude.flagged.iter().filter(|&&f| f).count(),
        exclude.flagged_count()
    );

    let flag = screen(
        &data,
        &ScreenOptions {
            policy: FakeTraffic::Flag,
            ..ScreenOptions::default()
        },
    )
    .unwrap();
    assert_eq!(flag.flagged_count(), exclude.flagged_count());
    assert_eq!(flag.curve_input(&data).unwrap().len(), data.len());

    let off = screen(
        &data,
        &ScreenOptions {
            policy: FakeTraffic::Off,
            ..ScreenOptions::default()
        },
    )
    .unwrap();
    assert_eq!(off.flagged_count(), 0);
    assert!(off.signals.is_empty());
    assert_eq!(off.curve_input(&data).unwrap().len(), data.len());
    assert_eq!(off.channels.len(), 8);

    assert_eq!("Flag".parse::<FakeTraffic>().unwrap(), FakeTraffic::Flag);
    assert_eq!(FakeTraffic::default(), FakeTraffic::Exclude);
    let err = "drop".parse::<FakeTraffic>().unwrap_err().to_string();
    assert!(err.contains("`drop`") && err.contains("`exclude`"), "{err}");
}

#[test]
fn zero_spend_and_zero_viewer_rows_are_never_flagged_and_impossible_ratios_are() {
    let mut h = history(3, 200, 9, true, 0.0);
    // Organic viewers on a paused day, a day without viewers, and a day
    // with more viewers than impressions (engagement otherwise normal).
    let paused = h.rows.iter().position(|r| r.spend == 0.0).unwrap();
    h.rows[paused].viewers = 50_000.0;
    let empty = h
        .rows
        .iter()
        .position(|r| r.spend > 0.0 && r.channel == 0)
        .unwrap();
    h.rows[empty].viewers = 0.0;
    let odd = h
        .rows
        .iter()
        .rposition(|r| r.spend > 0.0 && r.channel == 2)
        .unwrap();
    h.rows[odd].impressions = (h.rows[odd].viewers * 0.5).round();
    let res = screen(&load(&h), &ScreenOptions::default()).unwrap();
    let is_flagged = |i: usize| res.flagged[i];
    assert!(!is_flagged(empty));
    assert_eq!(res.scores[empty], 0.0);
    let paused_row = res.flagged_rows.iter().find(|f| f.row == paused);
    if let Some(f) = paused_row {
        // Only engagement signals may speak for a paused day.
        assert!(
            f.evidence.cost_z.is_none() && f.evidence.spike_z.is_none(),
            "{f:?}"
        );
    }
    assert!(is_flagged(odd), "{}", res.scores[odd]);
    let f = res.flagged_rows.iter().find(|f| f.row == odd).unwrap();
    assert!(f.evidence.more_viewers_than_impressions);
    assert!(
        f.reasons.contains("more viewers than impressions"),
        "{}",
        f.reasons
    );
}

#[test]
fn flagged_rows_export_is_ordered_by_line() {
    let h = history(3, 180, 3, true, 0.02);
    let res = screen(&load(&h), &ScreenOptions::default()).unwrap();
    let csv = String::from_utf8(crate::report::flagged_export::flagged_rows_csv(
        &res.flagged_rows,
    ))
    .unwrap();
    let lines: Vec<u64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(lines.len(), res.flagged_count());
    assert!(lines.windows(2).all(|w| w[0] < w[1]));
    assert!(csv.starts_with("line,date,room,channel,spend,viewers,score,reasons\n"));
}
