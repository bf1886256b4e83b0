//! Amounts, one syntax everywhere (bundle specs, constraints, `mesh stake bond --amount`):
//! a number alone is base units — `100`, `1_000`, `10e18`, `0.009e18`, exact or refused — and a
//! number followed by the token's symbol is whole tokens: `1.5 USDC` is 1 500 000 base units of a
//! 6-decimal USDC, `1000 inj` is 10²¹ base units of the 18-decimal hub denom. Output shows both:
//! `0.0001 USDC (100 base units)`.

/// A token's symbol and decimals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub symbol: String,
    pub decimals: u8,
}

impl Unit {
    pub fn new(symbol: impl Into<String>, decimals: u8) -> Unit {
        Unit { symbol: symbol.into(), decimals }
    }
}

/// An amount that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("{0:?} is not a number (write 100, 10e18, 0.009e18, or 1.5 followed by the token symbol)")]
    Syntax(String),
    #[error("{text:?} is a fraction of a base unit{}", .decimals.map(|d| format!(" (the token has {d} decimals)")).unwrap_or_default())]
    Fraction { text: String, decimals: Option<u8> },
    #[error("{text:?}: unit {unit:?} is not {expected}")]
    WrongUnit { text: String, unit: String, expected: String },
    #[error("{0:?} is too large")]
    Overflow(String),
    #[error("{0:?} must be positive")]
    NotPositive(String),
}

/// Parses "123", "10e18", "0.009e18" (base units) into an exact integer; `None` for anything
/// else, fractions of a base unit included.
pub fn parse_units(s: &str) -> Option<i128> {
    scaled(s, 0).ok()
}

/// Reads `text` as an amount of `unit` (see the module docs); negative amounts allowed (for
/// constraint bounds).
pub fn parse_signed(text: &str, unit: Option<&Unit>) -> Result<i128, AmountError> {
    let t = text.trim();
    // the number ends where the unit begins: the first letter that is not an exponent followed
    // by a digit
    let split = t
        .char_indices()
        .find(|(i, c)| {
            c.is_alphabetic() && !((*c == 'e' || *c == 'E') && t[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
        })
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let (number, symbol) = (t[..split].trim(), t[split..].trim());
    if symbol.is_empty() {
        return scaled(number, 0).map_err(|e| e.with_text(text, None));
    }
    match unit {
        Some(u) if u.symbol.eq_ignore_ascii_case(symbol) => {
            scaled(number, u.decimals as u32).map_err(|e| e.with_text(text, Some(u.decimals)))
        }
        Some(u) => Err(AmountError::WrongUnit { text: text.into(), unit: symbol.into(), expected: u.symbol.clone() }),
        None => Err(AmountError::WrongUnit { text: text.into(), unit: symbol.into(), expected: "known here".into() }),
    }
}

/// Reads a positive amount (a leg, a bond).
pub fn parse_amount(text: &str, unit: Option<&Unit>) -> Result<u128, AmountError> {
    let v = parse_signed(text, unit)?;
    if v <= 0 {
        return Err(AmountError::NotPositive(text.into()));
    }
    Ok(v as u128)
}

impl AmountError {
    fn with_text(self, text: &str, decimals: Option<u8>) -> AmountError {
        match self {
            AmountError::Syntax(_) => AmountError::Syntax(text.into()),
            AmountError::Fraction { .. } => AmountError::Fraction { text: text.into(), decimals },
            AmountError::Overflow(_) => AmountError::Overflow(text.into()),
            other => other,
        }
    }
}

/// `number × 10^extra`, exactly.
fn scaled(s: &str, extra: u32) -> Result<i128, AmountError> {
    let s = s.trim().replace('_', "");
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.as_str()),
    };
    let syntax = || AmountError::Syntax(s.to_string());
    let (mantissa, exp) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<u32>().map_err(|_| syntax())?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let frac = frac.trim_end_matches('0');
    let digits = format!("{int}{frac}");
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || int.starts_with('-') {
        return Err(syntax());
    }
    let places = exp.checked_add(extra).ok_or(AmountError::Overflow(s.to_string()))?;
    // fewer places than fraction digits = a fraction of a base unit
    let shift =
        places.checked_sub(frac.len() as u32).ok_or(AmountError::Fraction { text: s.to_string(), decimals: None })?;
    let overflow = || AmountError::Overflow(s.to_string());
    let v = digits
        .parse::<i128>()
        .map_err(|_| overflow())?
        .checked_mul(10i128.checked_pow(shift).ok_or_else(overflow)?)
        .ok_or_else(overflow)?;
    Ok(if neg { -v } else { v })
}

/// `v` base units in whole tokens, exactly ("0.0001", "10.009", "-0.019").
pub fn format_units(v: i128, decimals: u8) -> String {
    let d = decimals as usize;
    let digits = v.unsigned_abs().to_string();
    let sign = if v < 0 { "-" } else { "" };
    if d == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = d + 1);
    let (int, frac) = padded.split_at(padded.len() - d);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

/// An amount for people: whole tokens with the symbol, and the base units beside them.
pub fn show(v: i128, unit: &Unit) -> String {
    format!("{} {} ({v} base units)", format_units(v, unit.decimals), unit.symbol)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usdc() -> Unit {
        Unit::new("USDC", 6)
    }

    #[test]
    fn base_units_parse_exactly_or_not_at_all() {
        assert_eq!(parse_units("100"), Some(100));
        assert_eq!(parse_units("10e18"), Some(10_000_000_000_000_000_000));
        assert_eq!(parse_units("0.009e18"), Some(9_000_000_000_000_000));
        assert_eq!(parse_units("-0.019e18"), Some(-19_000_000_000_000_000));
        assert_eq!(parse_units("1_000"), Some(1000));
        assert_eq!(parse_units("1e21"), Some(1_000_000_000_000_000_000_000));
        assert_eq!(parse_units("1.50e1"), Some(15));
        assert_eq!(parse_units("1.5"), None, "half a base unit");
        for bad in ["", "e18", "abc", "1e", "1e99", "0x10", "1.2.3", "--1", "1e4294967295"] {
            assert_eq!(parse_units(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_number_with_the_tokens_symbol_is_whole_tokens() {
        assert_eq!(parse_amount("1.5 USDC", Some(&usdc())), Ok(1_500_000));
        assert_eq!(parse_amount("100usdc", Some(&usdc())), Ok(100_000_000));
        assert_eq!(parse_amount("1000 inj", Some(&Unit::new("inj", 18))), Ok(1_000_000_000_000_000_000_000));
        assert_eq!(parse_amount("1e3 INJ", Some(&Unit::new("inj", 18))), Ok(1_000_000_000_000_000_000_000));
        assert_eq!(parse_amount("100", Some(&usdc())), Ok(100), "a bare number stays base units");
    }

    #[test]
    fn a_wrong_unit_a_fraction_of_a_base_unit_or_zero_is_refused_by_name() {
        assert_eq!(
            parse_amount("1 WETH", Some(&usdc())),
            Err(AmountError::WrongUnit { text: "1 WETH".into(), unit: "WETH".into(), expected: "USDC".into() })
        );
        assert_eq!(
            parse_amount("0.0000001 USDC", Some(&usdc())).unwrap_err().to_string(),
            "\"0.0000001 USDC\" is a fraction of a base unit (the token has 6 decimals)"
        );
        assert_eq!(parse_amount("0 USDC", Some(&usdc())), Err(AmountError::NotPositive("0 USDC".into())));
        assert_eq!(parse_amount("-1", None), Err(AmountError::NotPositive("-1".into())));
        assert!(matches!(parse_amount("1 USDC", None), Err(AmountError::WrongUnit { .. })));
        assert_eq!(parse_amount("1e40 USDC", Some(&usdc())), Err(AmountError::Overflow("1e40 USDC".into())));
    }

    #[test]
    fn amounts_show_whole_tokens_beside_base_units() {
        assert_eq!(show(100, &usdc()), "0.0001 USDC (100 base units)");
        assert_eq!(format_units(-10_009_000_000_000_000_000, 18), "-10.009");
        assert_eq!(format_units(5, 0), "5");
        assert_eq!(format_units(0, 6), "0");
        assert_eq!(format_units(i128::MIN, 18), "-170141183460469231731.687303715884105728");
    }

    proptest! {
        #[test]
        fn formatting_then_parsing_gives_back_the_same_base_units(v in any::<i128>(), d in 0u8..=36) {
            let text = format!("{} T", format_units(v, d));
            prop_assume!(v != i128::MIN); // |MIN| does not fit back into i128
            prop_assert_eq!(parse_signed(&text, Some(&Unit::new("T", d))), Ok(v));
        }
    }
}
