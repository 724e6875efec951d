//! Leaf values as the schema types them: decimals, dates, booleans, indexes. Each parser names
//! the element path in its error.

use std::fmt::Display;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};

use super::error::ParseError;

pub(crate) fn decimal(text: &str, path: &dyn Display) -> Result<Decimal, ParseError> {
    // xs:decimal has no exponent; `from_str` rejects one, which is what we want.
    Decimal::from_str(text).map_err(|_| ParseError::invalid(path, text, "a decimal number"))
}

/// `xs:date` as NAV writes it: `YYYY-MM-DD`, optionally followed by a time zone, which a
/// calendar date in Hungary's books does not need.
pub(crate) fn date(text: &str, path: &dyn Display) -> Result<NaiveDate, ParseError> {
    let invalid = || ParseError::invalid(path, text, "a date YYYY-MM-DD");
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(invalid());
    }
    let zone = &text[10..];
    if !(zone.is_empty() || zone == "Z" || zone.starts_with(['+', '-'])) {
        return Err(invalid());
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err(invalid());
    };
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(invalid)
}

pub(crate) fn boolean(text: &str, path: &dyn Display) -> Result<bool, ParseError> {
    match text {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ParseError::invalid(path, text, "true or false")),
    }
}

pub(crate) fn index(text: &str, path: &dyn Display) -> Result<u32, ParseError> {
    text.parse()
        .map_err(|_| ParseError::invalid(path, text, "a non-negative integer"))
}

pub(crate) fn wire<T: FromStr>(
    text: &str,
    path: &dyn Display,
    expected: &'static str,
) -> Result<T, ParseError> {
    text.parse()
        .map_err(|_| ParseError::invalid(path, text, expected))
}

/// Money derived by the parser (HUF from the exchange rate, VAT from a VAT content) is
/// rounded like NAV's `MonetaryType`: 2 decimals, half away from zero.
pub(crate) fn money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_accept_a_time_zone_and_reject_garbage() {
        let d = NaiveDate::from_ymd_opt(2021, 5, 15).unwrap();
        assert_eq!(date("2021-05-15", &"/p").unwrap(), d);
        assert_eq!(date("2021-05-15Z", &"/p").unwrap(), d);
        assert_eq!(date("2021-05-15+02:00", &"/p").unwrap(), d);
        for bad in [
            "2021-02-30",
            "2021-5-15",
            "15.05.2021",
            "2021-05-15T10:00",
            "２０２１-05-15",
        ] {
            let err = date(bad, &"/a/b").unwrap_err().to_string();
            assert!(
                err.contains("/a/b") && err.contains("YYYY-MM-DD"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn long_invalid_values_are_cut_in_the_message() {
        let err = decimal(&"9".repeat(10_000), &"/x").unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
    }
}
