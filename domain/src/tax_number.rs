//! Hungarian tax numbers: the 8-digit taxpayer id (törzsszám) with its check digit, and the
//! full 11-digit form `NNNNNNNN-V-CC` with the VAT code and the county code.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a tax number was refused; the message says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxNumberError {
    #[error("tax number {0:?} must be 8 digits (taxpayer id) or 11 digits (NNNNNNNN-V-CC)")]
    Format(String),
    #[error("tax number {value:?} fails its check digit: the 8th digit should be {expected}")]
    CheckDigit { value: String, expected: u8 },
    #[error("VAT code {0} in a tax number must be 1 to 5")]
    VatCode(u8),
}

const WEIGHTS: [u32; 7] = [9, 7, 3, 1, 9, 7, 3];

/// The 8-digit taxpayer id; its last digit is a check digit over the first seven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxpayerId([u8; 8]);

impl TaxpayerId {
    /// The check digit NAV expects for these seven leading digits.
    pub fn check_digit(first_seven: &[u8; 7]) -> u8 {
        let sum: u32 = first_seven
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(*d) * w)
            .sum();
        ((10 - sum % 10) % 10) as u8
    }

    pub fn as_str(&self) -> &str {
        // Always ASCII digits by construction.
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }
}

impl FromStr for TaxpayerId {
    type Err = TaxNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 8 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(TaxNumberError::Format(s.to_owned()));
        }
        let mut digits = [0u8; 7];
        for (d, b) in digits.iter_mut().zip(bytes) {
            *d = b - b'0';
        }
        let expected = Self::check_digit(&digits);
        if bytes[7] - b'0' != expected {
            return Err(TaxNumberError::CheckDigit {
                value: s.to_owned(),
                expected,
            });
        }
        let mut id = [0u8; 8];
        id.copy_from_slice(bytes);
        Ok(Self(id))
    }
}

impl fmt::Display for TaxpayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tax number: the taxpayer id, and where known the VAT code (1–5) and the 2-digit county code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxNumber {
    pub taxpayer_id: TaxpayerId,
    pub vat_code: Option<u8>,
    pub county_code: Option<String>,
}

impl TaxNumber {
    pub fn new(
        taxpayer_id: TaxpayerId,
        vat_code: Option<u8>,
        county_code: Option<String>,
    ) -> Result<Self, TaxNumberError> {
        if let Some(code) = vat_code
            && !(1..=5).contains(&code)
        {
            return Err(TaxNumberError::VatCode(code));
        }
        if let Some(county) = &county_code
            && (county.len() != 2 || !county.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(TaxNumberError::Format(format!("{taxpayer_id}-?-{county}")));
        }
        Ok(Self {
            taxpayer_id,
            vat_code,
            county_code,
        })
    }
}

impl FromStr for TaxNumber {
    type Err = TaxNumberError;

    /// Accepts `12345676`, `12345676-2-41` and `12345676241`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        let dashes_ok = match s.len() {
            8 | 11 => !s.contains('-'),
            13 => s.as_bytes()[8] == b'-' && s.as_bytes()[10] == b'-',
            _ => false,
        };
        if !dashes_ok || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TaxNumberError::Format(s.to_owned()));
        }
        let taxpayer_id: TaxpayerId = digits[..8].parse().map_err(|e| match e {
            TaxNumberError::CheckDigit { expected, .. } => TaxNumberError::CheckDigit {
                value: s.to_owned(),
                expected,
            },
            other => other,
        })?;
        if digits.len() == 8 {
            return Self::new(taxpayer_id, None, None);
        }
        let vat_code = digits.as_bytes()[8] - b'0';
        Self::new(taxpayer_id, Some(vat_code), Some(digits[9..].to_owned()))
    }
}

impl fmt::Display for TaxNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.taxpayer_id)?;
        if let (Some(vat), Some(county)) = (self.vat_code, &self.county_code) {
            write!(f, "-{vat}-{county}")?;
        }
        Ok(())
    }
}

macro_rules! serde_via_str {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_via_str!(TaxpayerId);
serde_via_str!(TaxNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ids_from_nav_samples() {
        for id in ["99999999", "99887764", "11111111", "12345676"] {
            let parsed: TaxpayerId = id.parse().unwrap();
            assert_eq!(parsed.to_string(), id);
        }
    }

    #[test]
    fn check_digit_error_names_the_expected_digit() {
        let err = "99999998".parse::<TaxpayerId>().unwrap_err();
        assert_eq!(
            err,
            TaxNumberError::CheckDigit {
                value: "99999998".into(),
                expected: 9
            }
        );
        assert!(err.to_string().contains("should be 9"));
    }

    #[test]
    fn rejects_wrong_shapes() {
        for bad in [
            "",
            "1234567",
            "123456789",
            "1234567a",
            "99999999-2",
            "99999999-2-4",
        ] {
            assert!(bad.parse::<TaxNumber>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn full_form_round_trips_with_and_without_dashes() {
        let full: TaxNumber = "99887764-2-02".parse().unwrap();
        assert_eq!(full.vat_code, Some(2));
        assert_eq!(full.county_code.as_deref(), Some("02"));
        assert_eq!(full.to_string(), "99887764-2-02");
        assert_eq!("99887764202".parse::<TaxNumber>().unwrap(), full);
        assert_eq!(
            "99887764-9-02".parse::<TaxNumber>().unwrap_err(),
            TaxNumberError::VatCode(9)
        );
    }

    #[test]
    fn serde_is_the_display_form() {
        let id: TaxpayerId = "99999999".parse().unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"99999999\"");
        assert!(serde_json::from_str::<TaxpayerId>("\"99999998\"").is_err());
    }
}
