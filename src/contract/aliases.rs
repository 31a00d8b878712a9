//! Header aliases recognised out of the box, and resolution of a file's
//! headers to the contract's fields.

use std::collections::BTreeMap;

use super::fields::Field;

impl Field {
    /// Header spellings recognised without configuration. Matching ignores
    /// case, spaces, `_`/`-`, and a trailing unit in brackets (`消耗(元)`).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Field::Date => &[
                "date",
                "day",
                "日期",
                "时间",
                "统计日期",
                "数据日期",
                "投放日期",
                "直播日期",
                "开播日期",
                "reporting starts",
                "reporting start",
                "reporting date",
            ],
            Field::Channel => &[
                "channel",
                "source",
                "traffic source",
                "渠道",
                "渠道名称",
                "投放渠道",
                "流量来源",
                "流量渠道",
                "来源",
            ],
            Field::Spend => &[
                "spend",
                "cost",
                "消耗",
                "花费",
                "消费",
                "总消耗",
                "总花费",
                "投放金额",
                "投放消耗",
                "广告消耗",
                "成本",
                "整体消耗",
                "消耗金额",
                "消耗额",
                "广告花费",
                "amount spent",
                "amount spent cny",
                "spent",
            ],
            Field::Viewers => &[
                "viewers",
                "visitors",
                "views",
                "进房人数",
                "观看人数",
                "进入直播间人数",
                "直播间进房人数",
                "观众数",
                "场观",
                "进房人次",
                "观看人次",
                "直播间观看人数",
                "直播间观看人次",
                "直播间进入人数",
                "直播间进入人次",
                "进入直播间人次",
                "观看次数",
                "clicks",
                "link clicks",
            ],
            Field::Room => &[
                "room",
                "room id",
                "live room",
                "account",
                "直播间",
                "直播间id",
                "直播间名称",
                "直播账号",
                "账号",
                "账户",
                "账户名称",
                "账号名称",
                "account name",
            ],
            Field::Campaign => &[
                "campaign",
                "campaign id",
                "计划",
                "计划id",
                "推广计划",
                "广告计划",
                "计划名称",
                "campaign name",
            ],
            Field::Impressions => &[
                "impressions",
                "曝光",
                "曝光量",
                "曝光次数",
                "展现",
                "展现量",
                "展示次数",
            ],
            Field::Orders => &[
                "orders",
                "订单数",
                "订单",
                "成交订单数",
                "成交单数",
                "下单数",
                "支付订单数",
                "直播间成交订单数",
                "purchases",
            ],
            Field::Gmv => &[
                "gmv",
                "revenue",
                "成交金额",
                "成交额",
                "销售额",
                "支付金额",
                "直播gmv",
                "直播间成交金额",
                "整体成交金额",
                "成交gmv",
                "purchase conversion value",
                "purchases conversion value",
            ],
            Field::AvgWatchSeconds => &[
                "avg watch seconds",
                "average watch seconds",
                "平均观看时长",
                "人均观看时长",
                "平均停留时长",
                "人均停留时长",
            ],
            Field::Comments => &["comments", "评论数", "评论", "评论次数", "弹幕数"],
        }
    }
}

/// Normalise a header for alias matching: lower case, no BOM, no spaces,
/// `_`/`-` as nothing, and a trailing bracketed unit removed.
pub fn normalise_header(header: &str) -> String {
    let mut h = header.trim_start_matches('\u{feff}').trim();
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if h.ends_with(close)
            && let Some(i) = h.rfind(open)
            && i > 0
        {
            h = h[..i].trim_end();
        }
    }
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '\u{3000}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// User-given header names per field (`--column spend=总花费`, or the
/// `[columns]` table of the config file). Exact header text, not aliases.
pub type ColumnMap = BTreeMap<Field, String>;

/// Which field each of a file's columns feeds, by position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The file's headers, in order.
    pub headers: Vec<String>,
    /// Position of each field's column in the file, if present.
    pub index: BTreeMap<Field, usize>,
    /// The channel of every row, when the file has no channel column and
    /// the user named it (`--channel`, `[data] channel`).
    pub fixed_channel: Option<String>,
}

impl Resolved {
    /// Position of a field's column.
    pub fn get(&self, f: Field) -> Option<usize> {
        self.index.get(&f).copied()
    }

    /// Header text of a field's column as written in the file.
    pub fn header(&self, f: Field) -> Option<&str> {
        self.get(f).map(|i| self.headers[i].as_str())
    }
}

/// Why a file's headers do not satisfy the contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    /// Required fields with no matching header.
    Missing(Vec<Field>),
    /// A `--column`/config mapping names a header the file does not have.
    MappedHeaderAbsent { field: Field, header: String },
    /// Two headers match one field.
    Ambiguous { field: Field, headers: [String; 2] },
    /// `--channel` names the channel of every row, but the file has a
    /// channel column of its own.
    ChannelTwice { header: String, given: String },
}

/// Match a file's headers against the contract: explicit mappings first,
/// then exact canonical names, then aliases.
pub fn resolve(headers: &[String], map: &ColumnMap) -> Result<Resolved, HeaderProblem> {
    resolve_with_channel(headers, map, None)
}

/// [`resolve`], with the channel of every row given (`--channel`) for a
/// file without a channel column: the channel column is then not required,
/// and a file that has one is a [`HeaderProblem::ChannelTwice`].
pub fn resolve_with_channel(
    headers: &[String],
    map: &ColumnMap,
    channel: Option<&str>,
) -> Result<Resolved, HeaderProblem> {
    let normalised: Vec<String> = headers.iter().map(|h| normalise_header(h)).collect();
    let mut index = BTreeMap::new();
    let mut taken = vec![false; headers.len()];
    for (&field, wanted) in map {
        let wanted_n = normalise_header(wanted);
        let pos = headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == wanted.trim())
            .or_else(|| normalised.iter().position(|h| *h == wanted_n));
        match pos {
            Some(i) => {
                index.insert(field, i);
                taken[i] = true;
            }
            None => {
                return Err(HeaderProblem::MappedHeaderAbsent {
                    field,
                    header: wanted.clone(),
                });
            }
        }
    }
    for field in Field::ALL {
        if index.contains_key(&field) {
            continue;
        }
        let aliases: Vec<String> = field
            .aliases()
            .iter()
            .map(|a| normalise_header(a))
            .collect();
        let hits: Vec<usize> = (0..headers.len())
            .filter(|&i| !taken[i] && aliases.contains(&normalised[i]))
            .collect();
        match hits.as_slice() {
            [] => {}
            [i] => {
                index.insert(field, *i);
                taken[*i] = true;
            }
            [i, j, ..] => {
                return Err(HeaderProblem::Ambiguous {
                    field,
                    headers: [headers[*i].clone(), headers[*j].clone()],
                });
            }
        }
    }
    if let (Some(given), Some(&i)) = (channel, index.get(&Field::Channel)) {
        return Err(HeaderProblem::ChannelTwice {
            header: headers[i].clone(),
            given: given.to_string(),
        });
    }
    let missing: Vec<Field> = Field::ALL
        .into_iter()
        .filter(|f| f.required() && !index.contains_key(f))
        .filter(|f| !(*f == Field::Channel && channel.is_some()))
        .collect();
    if !missing.is_empty() {
        return Err(HeaderProblem::Missing(missing));
    }
    Ok(Resolved {
        headers: headers.to_vec(),
        index,
        fixed_channel: channel.map(|c| c.trim().to_string()),
    })
}

/// Spreadsheet-style column letters for a 0-based position (0 → `A`, 27 → `AB`).
pub fn column_letters(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn chinese_headers_resolve_out_of_the_box() {
        let r = resolve(
            &hs(&[
                "\u{feff}日期",
                "直播间",
                "渠道",
                "消耗(元)",
                "进房人数",
                "订单数",
                "成交金额（元）",
            ]),
            &ColumnMap::new(),
        )
        .unwrap();
        assert_eq!(r.get(Field::Date), Some(0));
        assert_eq!(r.get(Field::Room), Some(1));
        assert_eq!(r.get(Field::Spend), Some(3));
        assert_eq!(r.get(Field::Viewers), Some(4));
        assert_eq!(r.get(Field::Gmv), Some(6));
        assert_eq!(r.header(Field::Gmv), Some("成交金额（元）"));
    }

    /// Header rows as the consoles write them (巨量引擎 / 千川, 磁力金牛,
    /// 阿里妈妈, and English ad managers), each with a channel column added.
    #[test]
    fn console_headers_resolve_out_of_the_box() {
        use Field::*;
        type Case<'a> = (&'a [&'a str], &'a [(Field, usize)]);
        let cases: [Case<'_>; 4] = [
            (
                &[
                    "投放日期",
                    "账户名称",
                    "渠道",
                    "计划名称",
                    "整体消耗",
                    "直播间观看人数",
                    "成交订单数",
                    "整体成交金额",
                ],
                &[
                    (Date, 0),
                    (Room, 1),
                    (Campaign, 3),
                    (Spend, 4),
                    (Viewers, 5),
                    (Orders, 6),
                    (Gmv, 7),
                ],
            ),
            (
                &["时间", "渠道", "花费", "观看人数", "直播间成交金额"],
                &[(Date, 0), (Spend, 2), (Viewers, 3), (Gmv, 4)],
            ),
            (
                &["日期", "渠道", "消耗金额", "观看次数", "成交金额(元)"],
                &[(Spend, 2), (Viewers, 3), (Gmv, 4)],
            ),
            (
                &[
                    "Reporting starts",
                    "Channel",
                    "Ad account",
                    "Campaign name",
                    "Amount spent (CNY)",
                    "Link clicks",
                    "Purchases",
                    "Purchase conversion value",
                ],
                &[
                    (Date, 0),
                    (Channel, 1),
                    (Campaign, 3),
                    (Spend, 4),
                    (Viewers, 5),
                    (Orders, 6),
                    (Gmv, 7),
                ],
            ),
        ];
        for (headers, want) in cases {
            let r = resolve(&hs(headers), &ColumnMap::new())
                .unwrap_or_else(|e| panic!("{headers:?}: {e:?}"));
            for &(f, i) in want {
                assert_eq!(r.get(f), Some(i), "{headers:?}: {f}");
            }
        }
        // People and visits side by side: ask, naming both.
        assert_eq!(
            resolve(
                &hs(&["日期", "渠道", "消耗", "直播间观看人数", "直播间观看人次"]),
                &ColumnMap::new()
            ),
            Err(HeaderProblem::Ambiguous {
                field: Viewers,
                headers: ["直播间观看人数".into(), "直播间观看人次".into()],
            })
        );
    }

    #[test]
    fn explicit_map_wins_and_must_exist() {
        let mut map = ColumnMap::new();
        map.insert(Field::Spend, "总花费 ".into());
        let r = resolve(&hs(&["date", "channel", "总花费", "花费", "viewers"]), &map).unwrap();
        assert_eq!(r.get(Field::Spend), Some(2));
        map.insert(Field::Viewers, "UV".into());
        assert_eq!(
            resolve(&hs(&["date", "channel", "总花费", "viewers"]), &map),
            Err(HeaderProblem::MappedHeaderAbsent {
                field: Field::Viewers,
                header: "UV".into()
            })
        );
    }

    #[test]
    fn ambiguous_and_missing_are_reported() {
        assert!(matches!(
            resolve(
                &hs(&["date", "channel", "消耗", "花费", "viewers"]),
                &ColumnMap::new()
            ),
            Err(HeaderProblem::Ambiguous {
                field: Field::Spend,
                ..
            })
        ));
        assert_eq!(
            resolve(&hs(&["date", "channel"]), &ColumnMap::new()),
            Err(HeaderProblem::Missing(vec![Field::Spend, Field::Viewers]))
        );
    }

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
