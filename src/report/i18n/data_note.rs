//! What the plan's estimates were made from where the history was
//! incomplete or net of refunds (`pipeline::coverage` finds them), as
//! values worded in the report language: summary.txt's and the email's
//! `Data:` / `数据：` lines, and stderr (English). chart_data.json keeps
//! the English words (`data_notes`) and these values
//! (`data_note_values`), so `acqplan report` words a run's notes again in
//! its language.

use serde::{Deserialize, Serialize};

use super::Lang;
use crate::contract::Field;
use crate::plan::Metric;

/// One note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataNote {
    /// A lane's orders (GMV) per viewer from fewer rows than it has.
    FewerRows {
        /// Orders or GMV.
        metric: Metric,
        /// The lane as the plan names it (`r1 × douyin`, or the channel).
        lane: String,
        /// Rows with the cell, of `rows`.
        with: usize,
        /// The lane's rows.
        rows: usize,
        /// The column.
        field: Field,
        /// Days a row covers.
        period_days: u32,
    },
    /// A lane's orders (GMV) per viewer unknown: the cell empty on every row.
    Unknown {
        /// Orders or GMV.
        metric: Metric,
        /// The lane.
        lane: String,
        /// The lane's rows.
        rows: usize,
        /// The column.
        field: Field,
        /// Days a row covers.
        period_days: u32,
    },
    /// More lanes than are named one by one.
    MoreLanes {
        /// Orders or GMV.
        metric: Metric,
        /// Lanes not named.
        more: usize,
        /// The column.
        field: Field,
    },
    /// Screening does not read net GMV.
    NetGmvNotScreened,
    /// Screening judged some rows without a signal.
    ScreenedWithout {
        /// Rows without the cell.
        empty: usize,
        /// Screened rows.
        rows: usize,
        /// The column.
        field: Field,
        /// Days a row covers.
        period_days: u32,
    },
    /// A lane's net GMV per viewer below zero, counted as 0.
    NetGmvBelowZero {
        /// The lane.
        lane: String,
        /// Its net GMV per viewer, CNY.
        gmv_cny_per_viewer: f64,
    },
    /// Words only (read back from a run folder written before the values).
    Written(String),
}

/// `n days` / `n weeks` / `n rows` (en), `n 天` / `n 周` / `n 行` (zh).
fn rows_word(lang: Lang, period_days: u32, n: usize) -> String {
    match lang {
        Lang::En => {
            let unit = match period_days {
                1 => "day",
                7 => "week",
                _ => "row",
            };
            format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
        }
        Lang::Zh => {
            let unit = match period_days {
                1 => "天",
                7 => "周",
                _ => "行",
            };
            format!("{n} {unit}")
        }
    }
}

/// The column's name in Chinese: the console's header (English words use
/// the data contract's name, `Field`'s `Display`).
fn zh_field_name(f: Field) -> &'static str {
    match f {
        Field::Orders => "订单数",
        Field::Gmv => "成交金额",
        Field::Impressions => "曝光量",
        Field::AvgWatchSeconds => "平均观看时长",
        Field::Comments => "评论数",
        _ => f.name(),
    }
}

fn per_viewer(lang: Lang, m: Metric) -> &'static str {
    match (lang, m) {
        (Lang::En, Metric::GmvCny) => "GMV per viewer",
        (Lang::En, _) => "orders per viewer",
        (Lang::Zh, Metric::GmvCny) => "每观看成交金额",
        (Lang::Zh, _) => "每观看订单数",
    }
}

impl DataNote {
    /// The note in `lang` (no final full stop: `Words::warn_data` frames it).
    pub fn words(&self, lang: Lang) -> String {
        let rw = |p, n| rows_word(lang, p, n);
        let en = lang == Lang::En;
        match self {
            DataNote::Written(w) => w.clone(),
            DataNote::FewerRows {
                metric,
                lane,
                with,
                rows,
                field,
                period_days: p,
            } => {
                let (what, all, missing) = (per_viewer(lang, *metric), rw(*p, *rows), rw(*p, rows - with));
                if en {
                    format!("{what} of {lane} from {with} of {all}: {missing} had no {field} cell")
                } else {
                    let field = zh_field_name(*field);
                    format!("{lane} 的{what}按 {all} 中的 {with} 估计：{missing} 没有{field}")
                }
            }
            DataNote::Unknown {
                metric,
                lane,
                rows,
                field,
                period_days: p,
            } => {
                let (what, all) = (per_viewer(lang, *metric), rw(*p, *rows));
                if en {
                    format!("{what} of {lane} is unknown: the {field} cell is empty on all its {all}")
                } else {
                    let field = zh_field_name(*field);
                    format!("{lane} 的{what}未知：全部 {all} 的{field}都为空")
                }
            }
            DataNote::MoreLanes {
                metric,
                more,
                field,
            } => {
                let what = per_viewer(lang, *metric);
                if en {
                    let s = if *more == 1 { "" } else { "s" };
                    format!(
                        "{what} of {more} more lane{s} from fewer rows than the lane has (empty {field} cells)"
                    )
                } else {
                    let field = zh_field_name(*field);
                    format!("另有 {more} 个渠道线的{what}按少于其全部行的数据估计（{field}为空）")
                }
            }
            DataNote::NetGmvNotScreened if en => {
                "screening does not read gmv: it is net of refunds (`gmv_is_net`), which move with earlier days' orders, not with the day's traffic".into()
            }
            DataNote::NetGmvNotScreened => {
                "筛查不读取成交金额：它已扣除退款（`gmv_is_net`），退款随此前的订单变动，与当天流量无关".into()
            }
            DataNote::ScreenedWithout {
                empty,
                rows,
                field,
                period_days: p,
            } => {
                let all = rw(*p, *rows);
                if en {
                    format!("screening judged {empty} of {all} without {field} (empty cells)")
                } else {
                    let field = zh_field_name(*field);
                    format!("筛查时 {all} 中有 {empty} 行没有{field}（单元格为空）")
                }
            }
            DataNote::NetGmvBelowZero {
                lane,
                gmv_cny_per_viewer: g,
            } => {
                if en {
                    format!(
                        "net GMV of {lane} over the history is below zero ({g:.2} CNY per viewer: refunds exceed sales); the plan counts 0 GMV per viewer there"
                    )
                } else {
                    format!(
                        "{lane} 历史上的净成交金额为负（每观看 {g:.2}元：退款超过销售）；计划按每观看 0 成交金额计算"
                    )
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<DataNote> {
        vec![
            DataNote::FewerRows {
                metric: Metric::Orders,
                lane: "r1 × a".into(),
                with: 2,
                rows: 3,
                field: Field::Orders,
                period_days: 1,
            },
            DataNote::Unknown {
                metric: Metric::GmvCny,
                lane: "b".into(),
                rows: 1,
                field: Field::Gmv,
                period_days: 7,
            },
            DataNote::MoreLanes {
                metric: Metric::Orders,
                more: 3,
                field: Field::Orders,
            },
            DataNote::NetGmvNotScreened,
            DataNote::ScreenedWithout {
                empty: 3,
                rows: 5,
                field: Field::Comments,
                period_days: 1,
            },
            DataNote::NetGmvBelowZero {
                lane: "r2 × c".into(),
                gmv_cny_per_viewer: -0.25,
            },
        ]
    }

    #[test]
    fn notes_in_english_and_chinese() {
        let en: Vec<String> = all().iter().map(|n| n.words(Lang::En)).collect();
        assert_eq!(
            en,
            [
                "orders per viewer of r1 × a from 2 of 3 days: 1 day had no orders cell",
                "GMV per viewer of b is unknown: the gmv cell is empty on all its 1 week",
                "orders per viewer of 3 more lanes from fewer rows than the lane has (empty orders cells)",
                "screening does not read gmv: it is net of refunds (`gmv_is_net`), which move with earlier days' orders, not with the day's traffic",
                "screening judged 3 of 5 days without comments (empty cells)",
                "net GMV of r2 × c over the history is below zero (-0.25 CNY per viewer: refunds exceed sales); the plan counts 0 GMV per viewer there",
            ]
        );
        let zh: Vec<String> = all().iter().map(|n| n.words(Lang::Zh)).collect();
        assert_eq!(
            zh,
            [
                "r1 × a 的每观看订单数按 3 天 中的 2 估计：1 天 没有订单数",
                "b 的每观看成交金额未知：全部 1 周 的成交金额都为空",
                "另有 3 个渠道线的每观看订单数按少于其全部行的数据估计（订单数为空）",
                "筛查不读取成交金额：它已扣除退款（`gmv_is_net`），退款随此前的订单变动，与当天流量无关",
                "筛查时 5 天 中有 3 行没有评论数（单元格为空）",
                "r2 × c 历史上的净成交金额为负（每观看 -0.25元：退款超过销售）；计划按每观看 0 成交金额计算",
            ]
        );
        // The values round-trip through JSON; words read back stay words.
        for n in all() {
            let back: DataNote = serde_json::from_str(&serde_json::to_string(&n).unwrap()).unwrap();
            assert_eq!(back, n);
        }
    }
}
