//! `flagged_rows.csv`: every row screening flagged as bot traffic, with its
//! score and the reasons a person reads; `flagged_lanes.csv`: every room ×
//! channel lane judged as a whole to be largely bought traffic.

use crate::screen::{FlaggedRow, LaneVerdict};

/// Header of `flagged_rows.csv`.
pub const FLAGGED_HEADER: [&str; 8] = [
    "line", "date", "room", "channel", "spend", "viewers", "score", "reasons",
];

/// `flagged_rows.csv` as bytes, ordered by line whatever the input order.
pub fn flagged_rows_csv(rows: &[FlaggedRow]) -> Vec<u8> {
    let mut ordered: Vec<&FlaggedRow> = rows.iter().collect();
    ordered.sort_by_key(|r| (r.line, r.row));
    let mut w = csv::Writer::from_writer(Vec::with_capacity(64 + rows.len() * 120));
    w.write_record(FLAGGED_HEADER).expect("writing to memory");
    for r in ordered {
        w.write_record([
            r.line.to_string(),
            r.date_text(),
            r.room.clone(),
            r.channel.clone(),
            format!("{}", r.spend_cny),
            format!("{}", r.viewers),
            format!("{:.2}", r.score),
            r.reasons.clone(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Header of `flagged_lanes.csv`.
pub const FLAGGED_LANES_HEADER: [&str; 14] = [
    "room",
    "channel",
    "basis",
    "paid_days",
    "bought_days",
    "bought_share",
    "viewers_per_cny_vs_channel",
    "viewers_per_cny_vs_clean_days",
    "watch_seconds_bought",
    "watch_seconds_norm",
    "orders_per_viewer_vs_norm",
    "comments_per_viewer_vs_norm",
    "gmv_per_viewer_vs_norm",
    "reason",
];

/// `flagged_lanes.csv` as bytes, one row per lane judged as a whole, by
/// room then channel whatever the input order; a ratio the data cannot
/// give is an empty cell.
pub fn flagged_lanes_csv(lanes: &[LaneVerdict]) -> Vec<u8> {
    let mut ordered: Vec<&LaneVerdict> = lanes.iter().collect();
    ordered.sort_by(|a, b| (&a.room, &a.channel).cmp(&(&b.room, &b.channel)));
    let num =
        |v: Option<f64>, digits: usize| v.map_or_else(String::new, |x| format!("{x:.digits$}"));
    let mut w = csv::Writer::from_writer(Vec::with_capacity(256 + lanes.len() * 240));
    w.write_record(FLAGGED_LANES_HEADER)
        .expect("writing to memory");
    for l in ordered {
        w.write_record([
            l.room.clone(),
            l.channel.clone(),
            l.basis.name().to_string(),
            l.paid_days.to_string(),
            l.bought_days.to_string(),
            format!("{:.3}", l.bought_share()),
            num(l.viewers_per_cny_vs_channel, 2),
            num(l.viewers_per_cny_vs_clean_days, 2),
            num(l.watch_seconds_bought, 1),
            num(l.watch_seconds_norm, 1),
            num(l.orders_per_viewer_vs_norm, 3),
            num(l.comments_per_viewer_vs_norm, 3),
            num(l.gmv_per_viewer_vs_norm, 3),
            l.reason.clone(),
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::calendar::days_from_civil;
    use crate::screen::{Evidence, LaneBasis};

    fn row(line: u64, room: &str, reasons: &str) -> FlaggedRow {
        FlaggedRow {
            row: line as usize - 2,
            line,
            date: days_from_civil(2026, 3, 2),
            room: room.into(),
            channel: "抖音千川".into(),
            spend_cny: 1200.5,
            viewers: 30000.0,
            score: 9.876,
            evidence: Evidence::default(),
            reasons: reasons.into(),
        }
    }

    #[test]
    fn rows_come_out_by_line_with_quoted_reasons() {
        let rows = [
            row(9, "b", "watch time 2 s (usually 95 s)"),
            row(
                3,
                "a,1",
                "viewers 14.2× the channel's norm at this spend; x",
            ),
        ];
        let text = String::from_utf8(flagged_rows_csv(&rows)).unwrap();
        assert_eq!(
            text,
            "line,date,room,channel,spend,viewers,score,reasons\n\
             3,2026-03-02,\"a,1\",抖音千川,1200.5,30000,9.88,viewers 14.2× the channel's norm at this spend; x\n\
             9,2026-03-02,b,抖音千川,1200.5,30000,9.88,watch time 2 s (usually 95 s)\n"
        );
        assert_eq!(
            String::from_utf8(flagged_rows_csv(&[])).unwrap(),
            "line,date,room,channel,spend,viewers,score,reasons\n"
        );
    }

    fn lane(room: &str, channel: &str, basis: LaneBasis) -> LaneVerdict {
        LaneVerdict {
            room: room.into(),
            channel: channel.into(),
            basis,
            paid_days: 200,
            bought_days: 140,
            viewers_per_cny_vs_channel: Some(12.345),
            viewers_per_cny_vs_clean_days: None,
            watch_seconds_bought: Some(3.04),
            watch_seconds_norm: Some(70.0),
            orders_per_viewer_vs_norm: Some(0.0712),
            comments_per_viewer_vs_norm: None,
            gmv_per_viewer_vs_norm: None,
            reason: format!(
                "{room} × {channel}: 70 % of paid days look bought, viewers per CNY 12×"
            ),
        }
    }

    #[test]
    fn lanes_come_out_by_room_then_channel_with_empty_cells_for_missing_ratios() {
        let lanes = [
            lane("room_04", "douyin_douplus", LaneBasis::Mixed),
            lane("room_01", "抖音千川", LaneBasis::NoCleanDays),
        ];
        let text = String::from_utf8(flagged_lanes_csv(&lanes)).unwrap();
        assert_eq!(
            text,
            "room,channel,basis,paid_days,bought_days,bought_share,viewers_per_cny_vs_channel,\
             viewers_per_cny_vs_clean_days,watch_seconds_bought,watch_seconds_norm,\
             orders_per_viewer_vs_norm,comments_per_viewer_vs_norm,gmv_per_viewer_vs_norm,reason\n\
             room_01,抖音千川,no_clean_days,200,140,0.700,12.35,,3.0,70.0,0.071,,,\
             \"room_01 × 抖音千川: 70 % of paid days look bought, viewers per CNY 12×\"\n\
             room_04,douyin_douplus,mixed,200,140,0.700,12.35,,3.0,70.0,0.071,,,\
             \"room_04 × douyin_douplus: 70 % of paid days look bought, viewers per CNY 12×\"\n"
        );
        assert_eq!(
            String::from_utf8(flagged_lanes_csv(&[])).unwrap(),
            FLAGGED_LANES_HEADER.join(",") + "\n"
        );
    }
}
