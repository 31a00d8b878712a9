//! The what-if comparison and the frontier as files and a table (bytes and
//! text, no IO).

use crate::pipeline::WhatIf;
use crate::report::table::{Align, Table, csv_num, thousands};

/// whatif.csv / frontier.csv.
pub fn whatif_csv(rows: &[WhatIf]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "varied",
        "value",
        "spend_cny",
        "viewers",
        "metric_value",
        "avg_cost_cny_per_viewer",
        "marginal_cost_cny_per_unit",
        "status",
    ])
    .expect("writing to memory");
    for r in rows {
        w.write_record([
            r.varied.as_str(),
            &csv_num(Some(r.value), 2),
            &csv_num(Some(r.spend_cny), 2),
            &csv_num(Some(r.viewers), 1),
            &csv_num(Some(r.metric_value), 2),
            &csv_num(r.avg_cost_cny_per_viewer, 4),
            &csv_num(r.marginal_cost_cny_per_unit, 4),
            r.status,
        ])
        .expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// The comparison table on stdout.
pub fn whatif_table(rows: &[WhatIf], lang: crate::lang::Lang) -> String {
    use crate::report::i18n::{Col, words};
    let w = words(lang);
    let varied = w.whatif_varied(rows.first().map_or("value", |r| r.varied.as_str()));
    let mut t = Table::new(&[
        (varied.as_str(), Align::Right),
        (w.col(Col::SpendCny), Align::Right),
        (w.col(Col::Viewers), Align::Right),
        (w.col(Col::AvgCpv), Align::Right),
        (w.col(Col::Marginal), Align::Right),
        (w.col(Col::Status), Align::Left),
    ]);
    for r in rows {
        t.row(vec![
            thousands(r.value, 0),
            thousands(r.spend_cny, 0),
            thousands(r.viewers, 0),
            r.avg_cost_cny_per_viewer
                .map_or("-".into(), |x| format!("{x:.2}")),
            r.marginal_cost_cny_per_unit
                .map_or("-".into(), |x| format!("{x:.2}")),
            w.status(r.status),
        ]);
    }
    t.render()
}
