//! Money and counts as people type them: `800000`, `800,000`, `80万`,
//! `1.2亿`, `1.5M`, `2k`, `¥50万`.

/// Parse an amount (CNY or a count). Returns a message with a hint on error.
pub fn parse_amount(raw: &str) -> Result<f64, String> {
    let s = raw.trim();
    let body = s
        .trim_start_matches(['¥', '￥'])
        .trim_end_matches('元')
        .trim();
    let (number, scale) = match body.char_indices().last() {
        Some((i, 'k' | 'K')) => (&body[..i], 1e3),
        Some((i, 'M')) => (&body[..i], 1e6),
        Some((i, '万')) => (&body[..i], 1e4),
        Some((i, '亿')) => (&body[..i], 1e8),
        _ => (body, 1.0),
    };
    let v = crate::contract::cell::parse_number(number.trim())
        .ok()
        .map(|v| v * scale)
        .filter(|v| v.is_finite() && *v >= 0.0);
    v.ok_or_else(|| {
        format!("{raw:?} is not an amount; write e.g. 800000, 800,000, 80万, 1.2亿, 1.5M or 2k")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("80万"), Ok(800_000.0));
        assert_eq!(parse_amount("1.2亿"), Ok(120_000_000.0));
        assert_eq!(parse_amount("1.5M"), Ok(1_500_000.0));
        assert_eq!(parse_amount("2k"), Ok(2_000.0));
        assert_eq!(parse_amount("800,000"), Ok(800_000.0));
        assert_eq!(parse_amount("¥50万"), Ok(500_000.0));
        assert_eq!(parse_amount(" 1200 "), Ok(1_200.0));
        let e = parse_amount("lots").unwrap_err();
        assert!(
            e.contains("\"lots\" is not an amount; write e.g. 800000"),
            "{e}"
        );
        assert!(parse_amount("-5万").is_err());
        assert!(
            parse_amount("5m").is_err(),
            "lower-case m is ambiguous (metres? milli?)"
        );
        assert!(parse_amount("").is_err());
    }
}
