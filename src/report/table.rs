//! Plain-text tables for stdout, aligned by display width (CJK is two columns).

use unicode_width::UnicodeWidthStr;

/// Column alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Text.
    Left,
    /// Numbers.
    Right,
}

/// A table being built.
#[derive(Clone, Debug, Default)]
pub struct Table {
    header: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns.
    pub fn new(header: &[(&str, Align)]) -> Self {
        Table {
            header: header.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row (as many cells as columns).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Render with two spaces between columns and a rule under the header.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|(h, _)| h.width()).collect();
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(c.width());
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &String>| {
            let mut s = String::new();
            for (i, c) in cells.enumerate().take(n) {
                let pad = widths[i].saturating_sub(c.width());
                if i > 0 {
                    s.push_str("  ");
                }
                match self.header[i].1 {
                    Align::Left => {
                        s.push_str(c);
                        if i + 1 < n {
                            s.push_str(&" ".repeat(pad));
                        }
                    }
                    Align::Right => {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(c);
                    }
                }
            }
            s.push('\n');
            s
        };
        let mut out = line(&mut self.header.iter().map(|(h, _)| h));
        out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * n.saturating_sub(1)));
        out.push('\n');
        for r in &self.rows {
            out.push_str(&line(&mut r.iter()));
        }
        out
    }
}

/// A number for a CSV cell: fixed decimals, `-0` as `0`, empty when absent
/// or not finite.
pub fn csv_num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{:.*}", decimals, x + 0.0),
        _ => String::new(),
    }
}

/// A number for a sentence or an axis label: integers with thousands
/// separators from 100 up (rounded half away from zero), at most two
/// decimals below with trailing zeros dropped (`0.5`, `12.35`), `NaN` /
/// `inf` spelled out. Unlike [`thousands`] the decimals follow the size, and
/// there is no `e` notation ceiling.
pub fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x.abs() < 100.0 {
        let s = format!("{x:.2}");
        return s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Magnitudes from here on are written `1.23e15` by [`thousands`].
pub const THOUSANDS_CEILING: f64 = 1e15;

/// `1234567.8` → `1,234,568` (rounded to `decimals` places, grouped).
pub fn thousands(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    // Beyond a quadrillion no table cell should spell out the digits.
    if v.abs() >= THOUSANDS_CEILING {
        return format!("{v:.2e}");
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    if v < 0.0 && s.bytes().any(|b| b.is_ascii_digit() && b != b'0') {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any f64 (huge, tiny, NaN, infinite, negative zero) renders as a
        /// short cell without NaN or inf, and finite values below the
        /// ceiling read back as themselves to the decimals shown.
        #[test]
        fn any_number_renders_as_a_sane_cell(
            bits in proptest::num::u64::ANY,
            decimals in 0usize..6,
        ) {
            let v = f64::from_bits(bits);
            let s = thousands(v, decimals);
            proptest::prop_assert!(s.len() <= 32, "{v:e} -> {s}");
            let lower = s.to_ascii_lowercase();
            proptest::prop_assert!(!lower.contains("nan") && !lower.contains("inf"), "{v:e} -> {s}");
            if v.is_finite() && v.abs() < THOUSANDS_CEILING {
                let back: f64 = s.replace(',', "").parse().unwrap();
                let tol = 0.5 * 10f64.powi(-(decimals as i32)) * (1.0 + 1e-9) + v.abs() * 1e-15;
                proptest::prop_assert!((back - v).abs() <= tol, "{v:e} -> {s}");
            }
            let c = csv_num(Some(v), decimals);
            proptest::prop_assert!(!c.to_ascii_lowercase().contains("nan") && !c.contains("inf"));
        }
    }

    #[test]
    fn fmt_num_groups_thousands() {
        assert_eq!(fmt_num(50_000.0), "50,000");
        assert_eq!(fmt_num(1_234_567.4), "1,234,567");
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(-2_500.0), "-2,500");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(1_234_567.8, 0), "1,234,568");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(-1000.5, 1), "-1,000.5");
        assert_eq!(thousands(0.456, 2), "0.46");
        assert_eq!(thousands(f64::NAN, 2), "-");
    }

    #[test]
    fn aligns_cjk_by_display_width() {
        let mut t = Table::new(&[("channel", Align::Left), ("spend", Align::Right)]);
        t.row(vec!["抖音千川".into(), "1".into()]);
        t.row(vec!["red".into(), "1,000".into()]);
        let s = t.render();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[0], "channel   spend");
        assert_eq!(lines[2], "抖音千川      1");
        assert_eq!(lines[3], "red       1,000");
    }
}
