//! Exact amount filters without floating point. Each row keeps `gross_huf_minor` =
//! floor(gross × 100), clamped to i64, which an index can range over, and the exact decimal
//! as text. Because floor is monotone, `x ≥ m` implies `minor(x) ≥ minor(m)`, and
//! `minor(x) > minor(m)` implies `x ≥ m`: only rows in the boundary hundredth (never, for
//! NAV's 2-decimal amounts, unless the bound has more decimals) reach the exact comparison,
//! [`DEC_CMP`], a SQL function over the two decimal strings.

use std::cmp::Ordering;
use std::str::FromStr;

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// `navsync_dec_cmp(a, b)`: -1, 0 or 1 as decimal `a` is below, equal to or above `b`.
pub(crate) const DEC_CMP: &str = "navsync_dec_cmp";

/// floor(x × 100), clamped to the i64 range (monotone, so the implications above hold).
pub(crate) fn minor_units(x: Decimal) -> i64 {
    let clamp = || {
        if x.is_sign_negative() {
            i64::MIN
        } else {
            i64::MAX
        }
    };
    match x.checked_mul(Decimal::ONE_HUNDRED) {
        Some(scaled) => scaled.floor().to_i64().unwrap_or_else(clamp),
        None => clamp(),
    }
}

pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        DEC_CMP,
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let parse = |i: usize| -> rusqlite::Result<Decimal> {
                let text: String = ctx.get(i)?;
                Decimal::from_str(&text)
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
            };
            Ok(match parse(0)?.cmp(&parse(1)?) {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_units_floor_and_clamp() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(minor_units(d("12.34")), 1234);
        assert_eq!(minor_units(d("12.345")), 1234);
        assert_eq!(minor_units(d("-12.341")), -1235);
        assert_eq!(minor_units(d("-0.001")), -1);
        assert_eq!(minor_units(Decimal::MAX), i64::MAX);
        assert_eq!(minor_units(Decimal::MIN), i64::MIN);
        assert_eq!(minor_units(d("100000000000000000")), i64::MAX);
    }
}
