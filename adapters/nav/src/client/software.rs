//! The `software` block every request carries (invoiceApi.xsd `SoftwareType`), checked against
//! the schema's facets once, when it is built, so no request goes out that NAV would refuse
//! for it.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// `SoftwareOperationType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SoftwareOperation {
    LocalSoftware,
    OnlineService,
}

impl SoftwareOperation {
    pub fn as_str(self) -> &'static str {
        match self {
            SoftwareOperation::LocalSoftware => "LOCAL_SOFTWARE",
            SoftwareOperation::OnlineService => "ONLINE_SERVICE",
        }
    }
}

impl FromStr for SoftwareOperation {
    type Err = SoftwareError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "LOCAL_SOFTWARE" => Ok(Self::LocalSoftware),
            "ONLINE_SERVICE" => Ok(Self::OnlineService),
            _ => Err(SoftwareError {
                field: "softwareOperation",
                rule: "must be LOCAL_SOFTWARE or ONLINE_SERVICE",
            }),
        }
    }
}

/// The values of the software block, as configuration gives them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareConfig {
    /// 18 characters of `[0-9A-Z-]`; NAV recommends country code + developer tax number + own suffix.
    pub software_id: String,
    pub software_name: String,
    pub software_operation: SoftwareOperation,
    pub software_main_version: String,
    pub software_dev_name: String,
    /// The developer's e-mail address; NAV writes to it about operational problems.
    pub software_dev_contact: String,
    pub software_dev_country_code: Option<String>,
    pub software_dev_tax_number: Option<String>,
}

/// A software block that passed the schema's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Software(SoftwareConfig);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("software block: {field} {rule}")]
pub struct SoftwareError {
    pub field: &'static str,
    pub rule: &'static str,
}

impl Software {
    pub fn new(config: SoftwareConfig) -> Result<Self, SoftwareError> {
        let c = &config;
        let id_ok = c.software_id.len() == 18
            && c.software_id
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-');
        if !id_ok {
            return Err(SoftwareError {
                field: "softwareId",
                rule: "must be exactly 18 characters of 0-9, A-Z or '-'",
            });
        }
        not_blank("softwareName", &c.software_name, 50)?;
        not_blank("softwareMainVersion", &c.software_main_version, 15)?;
        not_blank("softwareDevName", &c.software_dev_name, 512)?;
        not_blank("softwareDevContact", &c.software_dev_contact, 200)?;
        if let Some(cc) = &c.software_dev_country_code
            && !(cc.len() == 2 && cc.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err(SoftwareError {
                field: "softwareDevCountryCode",
                rule: "must be two upper-case letters (ISO 3166 alpha-2)",
            });
        }
        if let Some(tax) = &c.software_dev_tax_number {
            not_blank("softwareDevTaxNumber", tax, 50)?;
        }
        Ok(Self(config))
    }

    /// navsync's own software block: it names the product, the same for every deployment;
    /// `operation` tells NAV whether it runs as a service (Lambda) or on the user's machine.
    pub fn navsync(operation: SoftwareOperation) -> Self {
        Self::new(SoftwareConfig {
            software_id: "HU-NAVSYNC-0000001".into(),
            software_name: "navsync".into(),
            software_operation: operation,
            software_main_version: env!("CARGO_PKG_VERSION").into(),
            software_dev_name: "navsync".into(),
            software_dev_contact: "navsync@users.noreply.github.com".into(),
            software_dev_country_code: Some("HU".into()),
            software_dev_tax_number: None,
        })
        .expect("navsync's own software block satisfies the schema")
    }

    pub fn config(&self) -> &SoftwareConfig {
        &self.0
    }
}

impl fmt::Display for Software {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({})",
            self.0.software_name, self.0.software_main_version, self.0.software_id
        )
    }
}

/// `SimpleTextNNNotBlankType`: 1..=max characters matching `.*[^\s].*` — not only whitespace,
/// and (XSD's `.` excludes line breaks) on one line. Control characters XML 1.0 cannot carry
/// are refused too.
pub(crate) fn check_not_blank(value: &str, max_chars: usize) -> Result<(), &'static str> {
    let n = value.chars().count();
    if n == 0 || n > max_chars {
        return Err("must be 1 to the schema's maximum number of characters");
    }
    if value.trim().is_empty() {
        return Err("must not be blank");
    }
    if value
        .chars()
        .any(|c| c == '\n' || c == '\r' || (c.is_control() && c != '\t'))
    {
        return Err("must be one line without control characters");
    }
    Ok(())
}

fn not_blank(field: &'static str, value: &str, max_chars: usize) -> Result<(), SoftwareError> {
    check_not_blank(value, max_chars).map_err(|rule| SoftwareError { field, rule })?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample_config() -> SoftwareConfig {
        SoftwareConfig {
            software_id: "HU12345676-NAVSYNC".into(),
            software_name: "navsync".into(),
            software_operation: SoftwareOperation::LocalSoftware,
            software_main_version: "0.1".into(),
            software_dev_name: "navsync team".into(),
            software_dev_contact: "dev@example.com".into(),
            software_dev_country_code: Some("HU".into()),
            software_dev_tax_number: Some("12345676".into()),
        }
    }

    #[test]
    fn accepts_a_schema_valid_block() {
        assert!(Software::new(sample_config()).is_ok());
    }

    #[test]
    fn navsyncs_own_block_is_valid_for_both_operations() {
        for op in [
            SoftwareOperation::LocalSoftware,
            SoftwareOperation::OnlineService,
        ] {
            assert_eq!(Software::navsync(op).config().software_operation, op);
        }
    }

    #[test]
    fn refuses_each_broken_field_by_name() {
        type Breaker = fn(&mut SoftwareConfig);
        let cases: [(&str, Breaker); 6] = [
            ("softwareId", |c| {
                c.software_id = "hu12345676-navsync".into()
            }),
            ("softwareId", |c| c.software_id = "HU12345676".into()),
            ("softwareName", |c| c.software_name = "   ".into()),
            ("softwareMainVersion", |c| {
                c.software_main_version = "1234567890123456".into()
            }),
            ("softwareDevCountryCode", |c| {
                c.software_dev_country_code = Some("HUN".into())
            }),
            ("softwareDevContact", |c| {
                c.software_dev_contact = "a\nb".into()
            }),
        ];
        for (field, breakit) in cases {
            let mut c = sample_config();
            breakit(&mut c);
            let err = Software::new(c).unwrap_err();
            assert_eq!(err.field, field, "{err}");
        }
    }
}
