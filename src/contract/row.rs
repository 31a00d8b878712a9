//! What a clean history row is: per field, the rules its values keep.
//!
//! Each [`Rule`] is defined once and comes in two forms: a check on one
//! value ([`Rule::broken_by`]), which the row reader applies cell by cell,
//! and a polars expression over a column ([`Rule::broken_in`]), which the
//! Parquet paths use to find the bad rows of a whole file. The table of
//! cases in the tests holds both forms to the same answers.
//!
//! A cell is first read ([`super::cell`]: text to a number or a day); the
//! rules then judge the value read, whatever the source.

use polars::prelude::{BooleanChunked, Column, DataType, Expr, IntoColumn, IntoSeries, lit};

use super::calendar;
use super::fields::{Field, Kind};

/// One cell's value as the rules see it: read, not yet rewritten.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// Nothing in the cell.
    Missing,
    /// A day, days since 1970-01-01.
    Day(i32),
    /// A number.
    Number(f64),
    /// Text, as written (not trimmed).
    Text(&'a str),
}

/// A rule the values of a field keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The cell holds a value.
    Present,
    /// Text that is not blank once trimmed.
    NotBlank,
    /// A finite number (not NaN or infinite).
    Finite,
    /// A number ≥ 0 (money and people cannot be below zero).
    NonNegative,
    /// A day in [`calendar::SUPPORTED_YEARS`].
    SupportedYears,
}

impl Rule {
    /// Whether `value` breaks the rule (the row form). A missing value
    /// breaks only [`Rule::Present`]; a value of another kind than the rule
    /// judges breaks none.
    pub fn broken_by(self, value: Value<'_>) -> bool {
        match (self, value) {
            (Rule::Present, v) => matches!(v, Value::Missing),
            (Rule::NotBlank, Value::Text(t)) => is_blank(t),
            (Rule::Finite, Value::Number(x)) => !x.is_finite(),
            (Rule::NonNegative, Value::Number(x)) => x < 0.0,
            (Rule::SupportedYears, Value::Day(d)) => !calendar::is_supported(d),
            _ => false,
        }
    }

    /// Where the values of `column` break the rule (the expression form): a
    /// Boolean expression, never null. `column` is typed as the field's
    /// kind reads: Date, Float64 or String.
    pub fn broken_in(self, column: Expr) -> Expr {
        let broken = match self {
            Rule::Present => return column.is_null(),
            Rule::NotBlank => text_mask(column, is_blank),
            Rule::Finite => column.is_finite().not(),
            Rule::NonNegative => column.lt(lit(0.0)),
            Rule::SupportedYears => {
                let day = column.cast(DataType::Int32);
                day.clone()
                    .lt(lit(calendar::FIRST_DAY))
                    .or(day.gt(lit(calendar::LAST_DAY)))
            }
        };
        broken.fill_null(lit(false))
    }
}

fn is_blank(t: &str) -> bool {
    t.trim().is_empty()
}

impl Field {
    /// The rules this field's values keep, in the order they are checked
    /// (the first one broken is the one reported). They apply when the
    /// file has the column: a file with a room column needs a room on every
    /// row, though the column itself is optional.
    pub fn rules(self) -> &'static [Rule] {
        match self.kind() {
            Kind::Date => &[Rule::Present, Rule::SupportedYears],
            Kind::Text if self == Field::Campaign => &[],
            Kind::Text => &[Rule::Present, Rule::NotBlank],
            Kind::Number if self.required() => &[Rule::Present, Rule::Finite, Rule::NonNegative],
            Kind::Number => &[Rule::Finite, Rule::NonNegative],
        }
    }

    /// The first of [`Field::rules`] that `value` breaks.
    pub fn first_broken(self, value: Value<'_>) -> Option<Rule> {
        self.rules().iter().copied().find(|r| r.broken_by(value))
    }

    /// The rules this field's values keep under what the user declared:
    /// [`Field::rules`], but a `gmv` declared net of refunds may be below
    /// zero (it stays finite).
    pub fn rules_under(self, declared: Declared) -> &'static [Rule] {
        if self == Field::Gmv && declared.gmv_is_net {
            &[Rule::Finite]
        } else {
            self.rules()
        }
    }

    /// The first of [`Field::rules_under`] that `value` breaks.
    pub fn first_broken_under(self, value: Value<'_>, declared: Declared) -> Option<Rule> {
        self.rules_under(declared)
            .iter()
            .copied()
            .find(|r| r.broken_by(value))
    }

    /// Where `column` breaks any of `rules` (a subset of [`Field::rules`]),
    /// as one Boolean expression.
    pub fn broken_in(self, column: Expr, rules: impl IntoIterator<Item = Rule>) -> Expr {
        rules
            .into_iter()
            .filter(|r| self.rules().contains(r))
            .map(|r| r.broken_in(column.clone()))
            .reduce(Expr::or)
            .unwrap_or(lit(false))
    }
}

/// What the user declared about a history's values (`[data]` in
/// acqplan.toml, or flags), which the rules then follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Declared {
    /// The `gmv` column is net of refunds: a day whose refunds exceed its
    /// sales has a negative GMV, which is kept (and summed) as it stands.
    pub gmv_is_net: bool,
}

/// The fields whose cell can mark a row as a console's total row.
pub const TOTAL_MARKER_FIELDS: [Field; 3] = [Field::Date, Field::Room, Field::Channel];

/// Whether a cell's text marks a total row (合计, 总计, Total, ...): a row
/// the console appended, not history; it is left out, not reported.
pub fn is_total_marker(text: &str) -> bool {
    let t = text.trim().trim_end_matches([':', '：']).trim();
    ["合计", "总计", "汇总", "总和", "小计", "全部合计"].contains(&t)
        || ["total", "totals", "grand total", "sum", "subtotal"]
            .iter()
            .any(|m| t.eq_ignore_ascii_case(m))
}

/// [`is_total_marker`] as an expression over a String column (null: false).
pub fn total_marker_in(column: Expr) -> Expr {
    text_mask(column, is_total_marker).fill_null(lit(false))
}

/// Whether a row is a console's total row, as an expression over the
/// canonical columns named by `present` (those of [`TOTAL_MARKER_FIELDS`]
/// read as text; a typed date cannot hold 合计): the row reader's rule
/// (any marker cell) in the form the Parquet paths filter with.
pub fn total_row_in(present: impl IntoIterator<Item = Field>) -> Expr {
    present
        .into_iter()
        .filter(|f| TOTAL_MARKER_FIELDS.contains(f) && f.kind() == Kind::Text)
        .map(|f| total_marker_in(polars::prelude::col(f.name())))
        .reduce(Expr::or)
        .unwrap_or(lit(false))
}

/// Whether the row reader would rewrite a value that keeps every rule:
/// text is trimmed (and empty optional text read as missing), `-0.0` is
/// read as 0. A reader that takes values as they stand must refuse these.
pub fn rewritten(value: Value<'_>) -> bool {
    match value {
        Value::Text(t) => t.is_empty() || t.trim() != t,
        Value::Number(x) => x == 0.0 && x.is_sign_negative(),
        Value::Missing | Value::Day(_) => false,
    }
}

/// [`rewritten`] as an expression over a column read as `kind` (null: false).
pub fn rewritten_in(column: Expr, kind: Kind) -> Expr {
    let e = match kind {
        Kind::Text => text_mask(column, |t| rewritten(Value::Text(t))),
        Kind::Number => column.map(
            |c: Column| {
                let mask: BooleanChunked = c
                    .f64()?
                    .iter()
                    .map(|v| Some(v.is_some_and(|x| rewritten(Value::Number(x)))))
                    .collect();
                Ok(mask.with_name(c.name().clone()).into_series().into_column())
            },
            |_, f| Ok(f.clone().with_dtype(DataType::Boolean)),
        ),
        Kind::Date => lit(false),
    };
    e.fill_null(lit(false))
}

/// An expression applying a test to each text of a String column (null
/// stays null).
fn text_mask(column: Expr, test: fn(&str) -> bool) -> Expr {
    column.map(
        move |c: Column| {
            let mask: BooleanChunked = c.str()?.iter().map(|t| t.map(test)).collect();
            Ok(mask.with_name(c.name().clone()).into_series().into_column())
        },
        |_, f| Ok(f.clone().with_dtype(DataType::Boolean)),
    )
}

#[cfg(test)]
mod tests {
    use polars::prelude::{DataFrame, Float64Chunked, Int32Chunked, IntoLazy, StringChunked, col};

    use super::*;
    use crate::contract::calendar::{FIRST_DAY, LAST_DAY};

    /// One table of cases: (field, value, the rule it breaks first). Both
    /// forms of every rule are held to it.
    fn cases() -> Vec<(Field, Value<'static>, Option<Rule>)> {
        use Field::*;
        use Rule::*;
        use Value::*;
        vec![
            (Date, Day(20_000), None),
            (Date, Day(FIRST_DAY), None),
            (Date, Day(LAST_DAY), None),
            (Date, Day(FIRST_DAY - 1), Some(SupportedYears)),
            (Date, Day(LAST_DAY + 1), Some(SupportedYears)),
            (Date, Day(i32::MAX), Some(SupportedYears)),
            (Date, Day(i32::MIN), Some(SupportedYears)),
            (Date, Missing, Some(Present)),
            (Spend, Number(0.0), None),
            (Spend, Number(-0.0), None),
            (Spend, Number(1234.5), None),
            (Spend, Number(-0.01), Some(NonNegative)),
            (Spend, Number(f64::NAN), Some(Finite)),
            (Spend, Number(f64::INFINITY), Some(Finite)),
            (Spend, Number(f64::NEG_INFINITY), Some(Finite)),
            (Spend, Missing, Some(Present)),
            (Viewers, Number(12.0), None),
            (Viewers, Number(-3.0), Some(NonNegative)),
            (Viewers, Missing, Some(Present)),
            (Orders, Missing, None),
            (Orders, Number(2.0), None),
            (Orders, Number(-2.0), Some(NonNegative)),
            (Gmv, Number(f64::NAN), Some(Finite)),
            (AvgWatchSeconds, Number(-1.0), Some(NonNegative)),
            (Comments, Missing, None),
            (Impressions, Number(f64::INFINITY), Some(Finite)),
            (Channel, Text("douyin"), None),
            (Channel, Text(" 私域 "), None),
            (Channel, Text(" \u{3000}"), Some(NotBlank)),
            (Channel, Text(""), Some(NotBlank)),
            (Channel, Missing, Some(Present)),
            (Room, Text("r1"), None),
            (Room, Text("  "), Some(NotBlank)),
            (Room, Missing, Some(Present)),
            (Campaign, Missing, None),
            (Campaign, Text(" "), None),
        ]
    }

    /// A one-column frame of `values`, typed as `field`'s kind reads.
    fn column(field: Field, values: &[Value<'_>]) -> Column {
        let name = field.name().into();
        match field.kind() {
            Kind::Date => Int32Chunked::from_iter(values.iter().map(|v| match v {
                Value::Day(d) => Some(*d),
                _ => None,
            }))
            .with_name(name)
            .into_date()
            .into_series()
            .into_column(),
            Kind::Number => Float64Chunked::from_iter(values.iter().map(|v| match v {
                Value::Number(x) => Some(*x),
                _ => None,
            }))
            .with_name(name)
            .into_series()
            .into_column(),
            Kind::Text => StringChunked::from_iter(values.iter().map(|v| match v {
                Value::Text(t) => Some(*t),
                _ => None,
            }))
            .with_name(name)
            .into_series()
            .into_column(),
        }
    }

    fn eval(c: Column, e: Expr) -> Vec<bool> {
        let n = c.len();
        let df = DataFrame::new(n, vec![c]).unwrap();
        // `with_column` spreads a constant (no rules) over the rows.
        let out = df.lazy().with_column(e.alias("out")).collect().unwrap();
        let b = out.column("out").unwrap().bool().unwrap().clone();
        assert_eq!(b.null_count(), 0);
        b.iter().map(|v| v.expect("no nulls")).collect()
    }

    #[test]
    fn each_rule_flags_exactly_its_cells_in_both_forms() {
        let cases = cases();
        // Row form: the first rule broken.
        for &(field, value, want) in &cases {
            assert_eq!(field.first_broken(value), want, "{field} {value:?}");
        }
        // Expression form: per field and rule, the same cells flagged.
        for field in Field::ALL {
            let mine: Vec<&(Field, Value, Option<Rule>)> =
                cases.iter().filter(|c| c.0 == field).collect();
            if mine.is_empty() {
                continue;
            }
            let values: Vec<Value> = mine.iter().map(|c| c.1).collect();
            for &rule in field.rules() {
                let got = eval(column(field, &values), rule.broken_in(col(field.name())));
                let want: Vec<bool> = values.iter().map(|&v| rule.broken_by(v)).collect();
                assert_eq!(got, want, "{field} {rule:?} on {values:?}");
            }
            let any = eval(
                column(field, &values),
                field.broken_in(col(field.name()), field.rules().iter().copied()),
            );
            let want: Vec<bool> = mine.iter().map(|c| c.2.is_some()).collect();
            assert_eq!(any, want, "{field}: any rule");
        }
    }

    #[test]
    fn total_markers_and_rewrites_in_both_forms() {
        let texts = [
            "合计",
            " 总计：",
            "Total:",
            "GRAND TOTAL",
            "sum",
            "douyin",
            "合计 r1",
            " r1",
            "r1",
            "",
        ];
        let c = Column::new("t".into(), texts);
        let want: Vec<bool> = texts.iter().map(|t| is_total_marker(t)).collect();
        assert_eq!(
            want,
            [
                true, true, true, true, true, false, false, false, false, false
            ]
        );
        assert_eq!(eval(c.clone(), total_marker_in(col("t"))), want);
        let want: Vec<bool> = texts.iter().map(|t| rewritten(Value::Text(t))).collect();
        assert_eq!(
            want,
            [
                false, true, false, false, false, false, false, true, false, true
            ]
        );
        assert_eq!(eval(c, rewritten_in(col("t"), Kind::Text)), want);
        let numbers = [0.0, -0.0, 1.5, -1.5];
        let want: Vec<bool> = numbers
            .iter()
            .map(|&x| rewritten(Value::Number(x)))
            .collect();
        assert_eq!(want, [false, true, false, false]);
        let c = Column::new("x".into(), numbers);
        assert_eq!(eval(c, rewritten_in(col("x"), Kind::Number)), want);
    }
}
