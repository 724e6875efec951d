//! NAV request ids: `[+a-zA-Z0-9_]{1,30}` (common.xsd `EntityIdType`), unique per taxpayer.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("request id {0:?} must be 1 to 30 characters of A-Z, a-z, 0-9, '+' or '_'")]
pub struct RequestIdError(pub String);

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RequestId(String);

impl RequestId {
    pub const MAX_LEN: usize = 30;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RequestId {
    type Err = RequestIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = (1..=Self::MAX_LEN).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'_');
        if valid {
            Ok(Self(s.to_owned()))
        } else {
            Err(RequestIdError(s.to_owned()))
        }
    }
}

impl TryFrom<String> for RequestId {
    type Error = RequestIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<RequestId> for String {
    fn from(id: RequestId) -> String {
        id.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_schema_pattern() {
        assert!("RID242585074285".parse::<RequestId>().is_ok());
        assert!("a+b_C9".parse::<RequestId>().is_ok());
        assert!("x".repeat(30).parse::<RequestId>().is_ok());
        for bad in ["", "has-dash", "space ", "é", &"x".repeat(31)] {
            assert!(bad.parse::<RequestId>().is_err(), "{bad:?} accepted");
        }
    }
}
