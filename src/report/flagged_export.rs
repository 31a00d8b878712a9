//! `flagged_rows.csv`: every row screening flagged as bot traffic, with its
//! score and the reasons a person reads.

use crate::screen::FlaggedRow;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::cell::days_from_civil;
    use crate::screen::Evidence;

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
}
